"""Write the SEN2 return as the DfE's XML, with ``xml.etree.ElementTree`` (a real XML writer:
every value escaped, the document well formed).

Elements are written in the order of the DfE schema; an item left out (``None`` or "") is
not written at all rather than written empty. Yes/no items are 1 and 0, dates ISO 8601, the
header's time local and without a zone, as COLLECT expects. Our own fields (ids, the kind of
request, establishment types) are never written.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from opensend.returns.sen2.records import (
    ActivePlan,
    Assessment,
    Header,
    NamedPlan,
    Person,
    PlacementDetail,
    PlanDetail,
    Request,
    Return,
)

Value = str | int | bool | dt.date | dt.datetime | None


def _text(value: Value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _add(parent: ET.Element, name: str, value: Value) -> None:
    text = _text(value)
    if text is not None:
        ET.SubElement(parent, name).text = text


def _header(parent: ET.Element, header: Header) -> None:
    element = ET.SubElement(parent, "Header")
    details = ET.SubElement(element, "CollectionDetails")
    _add(details, "Collection", "SEN2")
    _add(details, "Year", header.year)
    _add(details, "ReferenceDate", header.reference_date)
    source = ET.SubElement(element, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", header.la_code)
    _add(source, "SoftwareCode", header.software_code)
    _add(source, "Release", header.release)
    _add(source, "SerialNo", f"{header.serial_no:03d}")
    _add(source, "DateTime", header.generated_at)
    _add(source, "DMO", header.dmo)
    _add(source, "DCO", header.dco)


def _setting(parent: ET.Element, setting: PlanDetail | PlacementDetail) -> None:
    _add(parent, "URN", setting.urn)
    _add(parent, "UKPRN", setting.ukprn)
    _add(parent, "SENSetting", setting.sen_setting)
    _add(parent, "SENSettingOther", setting.sen_setting_other)
    _add(parent, "PlacementRank", setting.placement_rank)


def _plan_detail(parent: ET.Element, detail: PlanDetail) -> None:
    element = ET.SubElement(parent, "PlanDetail")
    _setting(element, detail)
    _add(element, "SENunitIndicator", detail.sen_unit)
    _add(element, "ResourcedProvisionIndicator", detail.resourced_provision)


def _named_plan(parent: ET.Element, plan: NamedPlan) -> None:
    element = ET.SubElement(parent, "NamedPlan")
    _add(element, "StartDate", plan.start_date)
    for detail in plan.details:
        _plan_detail(element, detail)
    _add(element, "PlanRes", plan.plan_res)
    _add(element, "PlanWBP", plan.plan_wbp)
    _add(element, "PB", plan.personal_budget)
    _add(element, "OA", plan.organised_arrangements)
    _add(element, "DP", plan.direct_payments)
    _add(element, "CeaseDate", plan.cease_date)
    _add(element, "CeaseReason", plan.cease_reason)


def _assessment(parent: ET.Element, assessment: Assessment) -> None:
    element = ET.SubElement(parent, "Assessment")
    _add(element, "AssessmentOutcome", assessment.outcome)
    _add(element, "AssessmentOutcomeDate", assessment.outcome_date)
    _add(element, "AssessmentMediation", assessment.mediation)
    _add(element, "AssessmentTribunal", assessment.tribunal)
    _add(element, "OtherMediation", assessment.other_mediation)
    _add(element, "OtherTribunal", assessment.other_tribunal)
    _add(element, "Week20", assessment.week20)
    if assessment.named_plan is not None:
        _named_plan(element, assessment.named_plan)


def _placement(parent: ET.Element, placement: PlacementDetail) -> None:
    element = ET.SubElement(parent, "PlacementDetail")
    _setting(element, placement)
    _add(element, "EntryDate", placement.entry_date)
    _add(element, "LeavingDate", placement.leaving_date)
    _add(element, "SENunitIndicator", placement.sen_unit)
    _add(element, "ResourcedProvisionIndicator", placement.resourced_provision)
    _add(element, "Res", placement.res)
    _add(element, "WBP", placement.wbp)


def _active_plan(parent: ET.Element, active: ActivePlan, *, v13: bool) -> None:
    element = ET.SubElement(parent, "ActivePlans")
    _add(element, "TransferLA", active.transfer_la)
    for placement in active.placements:
        _placement(element, placement)
    for need in active.needs:
        need_element = ET.SubElement(element, "SENneed")
        _add(need_element, "SENtype", need.sen_type)
        _add(need_element, "SENtypeRank", need.rank)
    _add(element, "ReviewMeeting", active.review_meeting)
    _add(element, "ReviewOutcome", active.review_outcome)
    _add(element, "LastReview", active.last_review)
    if v13:
        _add(element, "PhaseTransferDueDate", active.phase_transfer_due)
        _add(element, "PhaseTransferFinalDate", active.phase_transfer_final)


def _request(parent: ET.Element, request: Request, *, v13: bool) -> None:
    element = ET.SubElement(parent, "Requests")
    _add(element, "ReceivedDate", request.received_date)
    _add(element, "RYA", request.young_person)
    _add(element, "RequestOutcomeDate", request.outcome_date)
    _add(element, "RequestOutcome", request.outcome)
    _add(element, "RequestMediation", request.mediation)
    _add(element, "RequestTribunal", request.tribunal)
    _add(element, "Exported", request.exported)
    if request.assessment is not None:
        _assessment(element, request.assessment)
    if request.active_plan is not None:
        _active_plan(element, request.active_plan, v13=v13)


def _person(parent: ET.Element, person: Person, *, v13: bool) -> None:
    element = ET.SubElement(parent, "Person")
    _add(element, "Surname", person.surname)
    _add(element, "Forename", person.forename)
    _add(element, "PersonBirthDate", person.birth_date)
    _add(element, "Sex", person.sex)
    _add(element, "Ethnicity", person.ethnicity)
    _add(element, "PostCode", person.postcode)
    _add(element, "UPN", person.upn)
    _add(element, "UniqueLearnerNumber", person.uln)
    _add(element, "UPNunknown", person.upn_unknown)
    for request in person.requests:
        _request(element, request, v13=v13)


def to_element(sen2: Return) -> ET.Element:
    message = ET.Element("Message")
    _header(message, sen2.header)
    persons = ET.SubElement(message, "Persons")
    for person in sen2.persons:
        _person(persons, person, v13=sen2.header.v13)
    return message


def to_xml(sen2: Return) -> str:
    """The return as an XML document (UTF-8 declared), indented for people to read."""
    message = to_element(sen2)
    ET.indent(message, space="  ")
    body = ET.tostring(message, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
