"""The SEN2 XML: written by ElementTree and parsed back, so the test sees what COLLECT would:
element names and order as in the DfE schema (v1.2, with the v1.3 additions from 2025),
values in their formats, left-out items absent, our own fields never written."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from opensend.returns.sen2 import xml
from opensend.returns.sen2.records import Header, PlanDetail, Return
from opensend.returns.tests.test_sen2_validation import (
    ACTIVE,
    ASSESSMENT,
    GOOD,
    PLACEMENT,
    PLAN,
    REQUEST,
)

D = dt.date

#: Each module's elements in the order of the DfE schema.
SCHEMA_ORDER = {
    "Message": ["Header", "Persons"],
    "Header": ["CollectionDetails", "Source"],
    "CollectionDetails": ["Collection", "Year", "ReferenceDate"],
    "Source": [
        "SourceLevel",
        "LEA",
        "SoftwareCode",
        "Release",
        "SerialNo",
        "DateTime",
        "DMO",
        "DCO",
    ],
    "Person": [
        "Surname",
        "Forename",
        "PersonBirthDate",
        "Sex",
        "Ethnicity",
        "PostCode",
        "UPN",
        "UniqueLearnerNumber",
        "UPNunknown",
        "Requests",
    ],
    "Requests": [
        "ReceivedDate",
        "RYA",
        "RequestOutcomeDate",
        "RequestOutcome",
        "RequestMediation",
        "RequestTribunal",
        "Exported",
        "Assessment",
        "ActivePlans",
    ],
    "Assessment": [
        "AssessmentOutcome",
        "AssessmentOutcomeDate",
        "AssessmentMediation",
        "AssessmentTribunal",
        "OtherMediation",
        "OtherTribunal",
        "Week20",
        "NamedPlan",
    ],
    "NamedPlan": [
        "StartDate",
        "PlanDetail",
        "PlanRes",
        "PlanWBP",
        "PB",
        "OA",
        "DP",
        "CeaseDate",
        "CeaseReason",
    ],
    "PlanDetail": [
        "URN",
        "UKPRN",
        "SENSetting",
        "SENSettingOther",
        "PlacementRank",
        "SENunitIndicator",
        "ResourcedProvisionIndicator",
    ],
    "ActivePlans": [
        "TransferLA",
        "PlacementDetail",
        "SENneed",
        "ReviewMeeting",
        "ReviewOutcome",
        "LastReview",
        "PhaseTransferDueDate",
        "PhaseTransferFinalDate",
    ],
    "PlacementDetail": [
        "URN",
        "UKPRN",
        "SENSetting",
        "SENSettingOther",
        "PlacementRank",
        "EntryDate",
        "LeavingDate",
        "SENunitIndicator",
        "ResourcedProvisionIndicator",
        "Res",
        "WBP",
    ],
    "SENneed": ["SENtype", "SENtypeRank"],
}
MODULES = {"Persons"} | set(SCHEMA_ORDER)


def header(year=2026):
    return Header(
        year=year,
        reference_date=dt.date(year, 1, 15),
        la_code="990",
        software_code="OpenSEND",
        release="0.1.0",
        serial_no=7,
        generated_at=dt.datetime(2026, 2, 3, 9, 5, 30, 123456, tzinfo=dt.UTC),
        dmo="N",
        dco="Y",
    )


FULL_PLAN = replace(
    PLAN,
    details=(
        PlanDetail(placement_rank=1, urn="100001", sen_unit=True, establishment="academy"),
        PlanDetail(placement_rank=2, sen_setting="OTH", sen_setting_other="Hospital school"),
    ),
    plan_res="A",
    plan_wbp="S",
    personal_budget=True,
    organised_arrangements=False,
    direct_payments="I",
)
FULL_ACTIVE = replace(
    ACTIVE,
    transfer_la="340",
    placements=(
        replace(PLACEMENT, leaving_date=D(2026, 1, 10), res="B", resourced_provision=True),
    ),
    phase_transfer_due=D(2026, 2, 14),
    phase_transfer_final=D(2026, 1, 5),
)
FULL = replace(
    GOOD,
    surname="O'Neill & <Sons>",
    uln="9276308686",
    requests=(
        replace(
            REQUEST,
            assessment=replace(ASSESSMENT, named_plan=FULL_PLAN, week20=True),
            active_plan=FULL_ACTIVE,
        ),
    ),
)


def parse(sen2: Return) -> ET.Element:
    text = xml.to_xml(sen2)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Message>')
    return ET.fromstring(text)  # noqa: S314 - our own output, parsed back to check it


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def assert_schema_order(element: ET.Element) -> None:
    """Every module's children are schema elements, in the schema's order."""
    if element.tag in SCHEMA_ORDER:
        order = SCHEMA_ORDER[element.tag]
        children = tags(element)
        assert set(children) <= set(order), (element.tag, children)
        positions = [order.index(tag) for tag in children]
        assert positions == sorted(positions), (element.tag, children)
    for child in element:
        if child.tag in MODULES:
            assert_schema_order(child)
        else:
            assert len(child) == 0 and child.text, (child.tag, "a value is never empty")


def test_the_header():
    root = parse(Return(header=header(), persons=(GOOD,)))
    assert root.tag == "Message"
    assert_schema_order(root)
    values = {element.tag: element.text for element in root.find("Header").iter()}
    assert values | {"Header": None, "CollectionDetails": None, "Source": None} == {
        "Header": None,
        "CollectionDetails": None,
        "Collection": "SEN2",
        "Year": "2026",
        "ReferenceDate": "2026-01-15",
        "Source": None,
        "SourceLevel": "L",
        "LEA": "990",
        "SoftwareCode": "OpenSEND",
        "Release": "0.1.0",
        "SerialNo": "007",
        "DateTime": "2026-02-03T09:05:30",
        "DMO": "N",
        "DCO": "Y",
    }


def test_a_person_with_everything_in_schema_order_and_format():
    root = parse(Return(header=header(), persons=(FULL,)))
    assert_schema_order(root)
    [person] = root.find("Persons")
    assert tags(person) == [
        "Surname",
        "Forename",
        "PersonBirthDate",
        "Sex",
        "Ethnicity",
        "PostCode",
        "UPN",
        "UniqueLearnerNumber",
        "Requests",
    ]
    assert person.findtext("Surname") == "O'Neill & <Sons>"  # escaped, and read back
    assert person.findtext("PersonBirthDate") == "2015-03-14"
    request = person.find("Requests")
    assert tags(request) == [
        "ReceivedDate",
        "RYA",
        "RequestOutcomeDate",
        "RequestOutcome",
        "RequestMediation",
        "RequestTribunal",
        "Assessment",
        "ActivePlans",
    ]
    assert [request.findtext(tag) for tag in ("ReceivedDate", "RYA", "RequestOutcome")] == [
        "2025-01-06",
        "0",
        "Y",
    ]
    assessment = request.find("Assessment")
    assert assessment.findtext("AssessmentOutcome") == "Y"
    assert assessment.findtext("Week20") == "1"
    plan = assessment.find("NamedPlan")
    assert tags(plan) == [
        "StartDate",
        "PlanDetail",
        "PlanDetail",
        "PlanRes",
        "PlanWBP",
        "PB",
        "OA",
        "DP",
    ]
    assert [plan.findtext(tag) for tag in ("PlanRes", "PlanWBP", "PB", "OA", "DP")] == [
        "A",
        "S",
        "1",
        "0",
        "I",
    ]
    first, second = plan.findall("PlanDetail")
    assert tags(first) == [
        "URN",
        "PlacementRank",
        "SENunitIndicator",
        "ResourcedProvisionIndicator",
    ]
    assert [first.findtext("URN"), first.findtext("SENunitIndicator")] == ["100001", "1"]
    assert [second.findtext(tag) for tag in ("SENSetting", "SENSettingOther", "PlacementRank")] == [
        "OTH",
        "Hospital school",
        "2",
    ]
    active = request.find("ActivePlans")
    assert tags(active) == [
        "TransferLA",
        "PlacementDetail",
        "SENneed",
        "SENneed",
        "ReviewMeeting",
        "ReviewOutcome",
        "LastReview",
        "PhaseTransferDueDate",
        "PhaseTransferFinalDate",
    ]
    placement = active.find("PlacementDetail")
    assert [
        placement.findtext(tag)
        for tag in ("URN", "EntryDate", "LeavingDate", "ResourcedProvisionIndicator", "Res")
    ] == ["100001", "2020-09-01", "2026-01-10", "1", "B"]
    assert [
        (need.findtext("SENtype"), need.findtext("SENtypeRank"))
        for need in active.findall("SENneed")
    ] == [("ASD", "1"), ("SLCN", "2")]
    assert active.findtext("PhaseTransferDueDate") == "2026-02-14"


def test_items_left_out_are_not_written():
    pending = replace(
        REQUEST,
        outcome="A",
        outcome_date=None,
        young_person=None,
        mediation=None,
        tribunal=None,
        assessment=None,
        active_plan=None,
    )
    root = parse(Return(header=header(), persons=(replace(GOOD, requests=(pending,)),)))
    request = root.find("Persons/Person/Requests")
    assert tags(request) == ["ReceivedDate", "RequestOutcome"]
    assert root.find("Persons/Person/UniqueLearnerNumber") is None
    assert root.find("Persons/Person/UPNunknown") is None


def test_our_own_fields_are_never_written():
    text = xml.to_xml(Return(header=header(), persons=(FULL,)))
    for ours in ("plan_id", "child_id", "request_id", "establishment", "academy", "final_due"):
        assert ours not in text
    assert "2025-05-26" not in text  # the final plan's due date is ours, not the DfE's


@pytest.mark.parametrize(("year", "written"), [(2024, False), (2025, True), (2026, True)])
def test_phase_transfer_dates_are_written_from_the_2025_collection(year, written):
    root = parse(Return(header=header(year), persons=(FULL,)))
    active = root.find("Persons/Person/Requests/ActivePlans")
    assert (active.find("PhaseTransferDueDate") is not None) is written
    assert (active.find("PhaseTransferFinalDate") is not None) is written


def test_every_person_and_request_is_written_in_order():
    second = replace(GOOD, surname="Second", child_id=8)
    historical = replace(
        REQUEST,
        outcome="H",
        received_date=None,
        outcome_date=None,
        young_person=None,
        mediation=None,
        tribunal=None,
        assessment=replace(
            ASSESSMENT,
            outcome="H",
            outcome_date=None,
            week20=None,
            mediation=None,
            tribunal=None,
        ),
    )
    refused = replace(
        REQUEST,
        outcome="N",
        received_date=D(2025, 6, 2),
        outcome_date=D(2025, 7, 1),
        assessment=None,
        active_plan=None,
    )
    third = replace(GOOD, surname="Third", requests=(refused, historical))
    root = parse(Return(header=header(), persons=(GOOD, second, third)))
    assert [person.findtext("Surname") for person in root.find("Persons")] == [
        "Testperson",
        "Second",
        "Third",
    ]
    last = root.find("Persons")[2]
    assert [request.findtext("RequestOutcome") for request in last.findall("Requests")] == [
        "N",
        "H",
    ]
    assert tags(last.findall("Requests")[1]) == ["RequestOutcome", "Assessment", "ActivePlans"]
    assert tags(last.findall("Requests")[1].find("Assessment")) == [
        "AssessmentOutcome",
        "NamedPlan",
    ]
