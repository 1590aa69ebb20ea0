"""The SEN2 return: the DfE's person-level collection of EHC requests, assessments, plans and
placements, generated from the case data (RULES.md §4; docs/sen2.md).

``records`` is the return as plain data; ``collect`` reads it from the database for an area
and a collection year; ``mapping`` turns our case data into SEN2 codes; ``validation`` holds
the DfE's field rules; ``xml`` writes the DfE's XML; ``figures`` counts what the return
implies. Only ``collect`` touches the database.
"""
