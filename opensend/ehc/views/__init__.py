"""EHC pages: the caseload (my cases, the area's caseload and timeliness, advice asked of an
organisation) and the case itself (request, advice, decisions, the plan, reviews)."""
