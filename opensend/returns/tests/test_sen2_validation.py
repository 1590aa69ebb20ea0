"""The SEN2 rules: a good record passes, and each deliberately broken record fails exactly
the rules it should, with the element and a message. No database."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

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
    SENNeed,
)
from opensend.returns.sen2.validation import (
    RULES,
    Context,
    Problem,
    problem_counts,
    validate,
    validate_person,
)

D = dt.date
CTX = Context(reference_date=D(2026, 1, 15), la_code="990")

DETAIL = PlanDetail(placement_rank=1, urn="100001", establishment="academy")
PLAN = NamedPlan(start_date=D(2025, 5, 1), details=(DETAIL,), personal_budget=False, plan_id=3)
ASSESSMENT = Assessment(
    outcome="Y",
    outcome_date=D(2025, 3, 14),
    mediation=False,
    tribunal=False,
    week20=False,
    named_plan=PLAN,
)
PLACEMENT = PlacementDetail(placement_rank=1, entry_date=D(2020, 9, 1), urn="100001")
ACTIVE = ActivePlan(
    placements=(PLACEMENT,),
    needs=(SENNeed("ASD", 1), SENNeed("SLCN", 2)),
    review_meeting=D(2025, 12, 1),
    review_outcome="M",
    last_review=D(2025, 12, 10),
    plan_id=3,
)
REQUEST = Request(
    outcome="Y",
    received_date=D(2025, 1, 6),
    young_person=False,
    outcome_date=D(2025, 2, 3),
    mediation=False,
    tribunal=False,
    assessment=ASSESSMENT,
    active_plan=ACTIVE,
    request_id=1,
    kind="new",
    final_due=D(2025, 5, 26),
)
GOOD = Person(
    surname="Testperson",
    forename="Robin",
    birth_date=D(2015, 3, 14),
    sex="F",
    ethnicity="WBRI",
    postcode="HV1 2AB",
    upn="B801200005001",
    requests=(REQUEST,),
    child_id=7,
)


def person(**changes):
    return replace(GOOD, **changes)


def request(**changes):
    return person(requests=(replace(REQUEST, **changes),))


def assessment(**changes):
    return request(assessment=replace(ASSESSMENT, **changes))


def plan(**changes):
    return assessment(named_plan=replace(PLAN, **changes))


def detail(*details, **changes):
    return plan(details=details or (replace(DETAIL, **changes),))


def active(**changes):
    return request(active_plan=replace(ACTIVE, **changes))


def placement(*placements, **changes):
    return active(placements=placements or (replace(PLACEMENT, **changes),))


def needs(*pairs):
    return active(needs=tuple(SENNeed(code, rank) for code, rank in pairs))


def codes(subject, ctx=CTX):
    return {problem.code for problem in validate_person(subject, ctx)}


def test_a_good_record_passes():
    assert validate_person(GOOD, CTX) == []


@pytest.mark.parametrize(
    "subject",
    [
        pytest.param(person(upn="", uln="9276308686"), id="a ULN instead of a UPN"),
        pytest.param(person(upn="", upn_unknown="UN2"), id="no UPN, with a reason"),
        pytest.param(
            person(upn="", upn_unknown="UN1", birth_date=D(2021, 3, 1)), id="UN1 for an under-6"
        ),
        pytest.param(
            request(
                assessment=replace(
                    ASSESSMENT, outcome="A", outcome_date=None, named_plan=None, week20=None
                ),
                active_plan=None,
            ),
            id="an assessment under way",
        ),
        pytest.param(
            request(outcome="A", outcome_date=None, assessment=None, active_plan=None),
            id="a request awaiting the decision",
        ),
        pytest.param(request(outcome="N", assessment=None, active_plan=None), id="a refusal"),
        pytest.param(
            request(outcome="W", outcome_date=D(2025, 1, 20), assessment=None, active_plan=None),
            id="withdrawn before the decision",
        ),
        pytest.param(
            request(
                outcome="H",
                received_date=None,
                outcome_date=None,
                young_person=None,
                mediation=None,
                tribunal=None,
                assessment=Assessment(outcome="H", named_plan=PLAN),
                kind="",
            ),
            id="a historical plan",
        ),
        pytest.param(
            plan(personal_budget=True, organised_arrangements=True, direct_payments="I"),
            id="a personal budget",
        ),
        pytest.param(plan(cease_date=D(2025, 11, 1), cease_reason="2"), id="a ceased plan"),
        pytest.param(detail(urn="", ukprn="10012345"), id="a UKPRN"),
        pytest.param(
            detail(urn="", sen_setting="OTH", sen_setting_other="Hospital school"),
            id="an other setting, described",
        ),
        pytest.param(
            detail(DETAIL, replace(DETAIL, placement_rank=2, urn="", sen_setting="EHE")),
            id="two settings",
        ),
        pytest.param(
            placement(leaving_date=D(2026, 1, 15), res="A", wbp="S"),
            id="a residential placement ending on the reference date",
        ),
        pytest.param(needs(("DS", 1)), id="DS from 2025"),
        pytest.param(needs(("ASD", 1)), id="one need"),
        pytest.param(active(transfer_la="340"), id="transferred in"),
        pytest.param(
            active(review_meeting=None, review_outcome="", last_review=None), id="not reviewed yet"
        ),
    ],
)
def test_good_variations_pass(subject):
    assert validate_person(subject, CTX) == []


TWO_ACTIVE = person(requests=(REQUEST, replace(REQUEST, request_id=2)))

BROKEN = [
    # the person
    ("S101", "Surname", person(surname="")),
    ("S101", "Forename", person(forename="")),
    ("S101", "PersonBirthDate", person(birth_date=None)),
    ("S101", "Sex", person(sex="")),
    ("S101", "Ethnicity", person(ethnicity="")),
    ("S101", "PostCode", person(postcode="")),
    ("S102", "Sex", person(sex="X")),
    ("S103", "Ethnicity", person(ethnicity="WHIT")),
    ("S104", "PostCode", person(postcode="12345")),
    ("S105", "UPN", person(upn="B801200005002")),
    ("S105", "UPN", person(upn="B80120000500")),
    ("S106", "UniqueLearnerNumber", person(upn="", uln="9276308687")),
    ("S107", "UPNunknown", person(upn="")),
    ("S108", "UPNunknown", person(upn_unknown="UN4")),
    ("S108", "UPNunknown", person(upn_unknown="UN2")),
    ("S109", "UPNunknown", person(upn="", upn_unknown="UN1")),
    ("S110", "Requests", person(requests=())),
    # the request
    (
        "S201",
        "RequestOutcome",
        request(outcome="X", outcome_date=None, assessment=None, active_plan=None),
    ),
    ("S202", "ReceivedDate", request(received_date=None)),
    ("S203", "ReceivedDate", request(received_date=D(2014, 1, 1))),
    ("S204", "RequestOutcomeDate", request(outcome_date=None)),
    ("S204", "RequestOutcomeDate", request(outcome="A", assessment=None, active_plan=None)),
    ("S205", "RequestOutcomeDate", request(outcome_date=D(2025, 1, 1))),
    ("S206", "Assessment", request(assessment=None, active_plan=None)),
    ("S206", "AssessmentOutcome", request(outcome="N", active_plan=None)),
    ("S207", "ActivePlans", TWO_ACTIVE),
    # the assessment
    (
        "S301",
        "AssessmentOutcome",
        request(
            assessment=replace(
                ASSESSMENT, outcome="Z", outcome_date=None, named_plan=None, week20=None
            ),
            active_plan=None,
        ),
    ),
    ("S301", "AssessmentOutcome", assessment(outcome="H", outcome_date=None)),
    ("S302", "AssessmentOutcomeDate", assessment(outcome_date=None)),
    (
        "S302",
        "AssessmentOutcomeDate",
        request(
            assessment=replace(ASSESSMENT, outcome="A", named_plan=None, week20=None),
            active_plan=None,
        ),
    ),
    ("S303", "AssessmentOutcomeDate", assessment(outcome_date=D(2025, 1, 20))),
    ("S304", "NamedPlan", request(assessment=replace(ASSESSMENT, outcome="N"), active_plan=None)),
    ("S305", "Week20", assessment(week20=None)),
    ("S305", "Week20", request(assessment=replace(ASSESSMENT, named_plan=None), active_plan=None)),
    # the plan
    ("S401", "StartDate", plan(start_date=None)),
    ("S401", "StartDate", plan(start_date=D(2025, 3, 1))),
    ("S402", "PlanDetail", plan(details=())),
    ("S403", "PlanRes", plan(plan_res="C")),
    ("S403", "PlanWBP", plan(plan_wbp="X")),
    ("S404", "DP", plan(personal_budget=True, direct_payments="Z")),
    ("S404", "PB", plan(direct_payments="E")),
    ("S404", "PB", plan(organised_arrangements=True)),
    ("S405", "CeaseReason", plan(cease_date=D(2025, 11, 1))),
    ("S405", "CeaseDate", plan(cease_reason="5")),
    ("S405", "CeaseReason", plan(cease_date=D(2025, 11, 1), cease_reason="0")),
    ("S405", "CeaseDate", plan(cease_date=D(2025, 4, 1), cease_reason="2")),
    # a setting
    ("S501", "SENSetting", detail(urn="")),
    ("S501", "SENSetting", detail(sen_setting="EHE")),
    ("S501", "SENSetting", placement(urn="")),
    ("S502", "URN", detail(urn="12345")),
    ("S502", "URN", placement(urn="1000011")),
    ("S503", "UKPRN", detail(urn="", ukprn="1234567")),
    ("S504", "SENSetting", detail(urn="", sen_setting="XYZ")),
    ("S505", "SENSettingOther", detail(urn="", sen_setting="OTH")),
    ("S505", "SENSettingOther", detail(sen_setting_other="Hospital school")),
    ("S506", "PlacementRank", detail(placement_rank=3)),
    ("S506", "PlacementRank", detail(DETAIL, DETAIL)),
    ("S506", "PlacementRank", detail(placement_rank=2)),
    ("S506", "PlacementRank", placement(placement_rank=0)),
    ("S507", "EntryDate", placement(entry_date=None)),
    ("S507", "LeavingDate", placement(leaving_date=D(2020, 8, 1))),
    ("S508", "Res", placement(res="C")),
    ("S508", "WBP", placement(wbp="Q")),
    # the active plan
    ("S601", "ActivePlans", request(assessment=replace(ASSESSMENT, named_plan=None, week20=None))),
    ("S602", "PlacementDetail", active(placements=())),
    ("S603", "SENneed", needs()),
    ("S604", "SENtype", needs(("NSA", 1))),
    ("S604", "SENtype", needs(("XYZ", 1))),
    ("S605", "SENtypeRank", needs(("ASD", 1), ("SLCN", 1))),
    ("S605", "SENtypeRank", needs(("ASD", 2))),
    ("S605", "SENtypeRank", needs(("ASD", 1), ("SLCN", 3))),
    ("S605", "SENtype", needs(("ASD", 1), ("ASD", 2))),
    ("S606", "ReviewOutcome", active(review_outcome="X")),
    ("S606", "ReviewMeeting", active(review_meeting=None)),
    ("S607", "TransferLA", active(transfer_la="99")),
    ("S607", "TransferLA", active(transfer_la="990")),
    # dates
    ("S901", "LastReview", active(last_review=D(2026, 1, 16))),
    ("S901", "ReviewMeeting", active(review_meeting=D(2026, 2, 1))),
    ("S901", "LeavingDate", placement(leaving_date=D(2026, 3, 31))),
    ("S901", "CeaseDate", plan(cease_date=D(2026, 1, 20), cease_reason="2")),
]


@pytest.mark.parametrize(
    ("code", "field", "subject"),
    BROKEN,
    ids=[f"{code}-{field}-{index}" for index, (code, field, _) in enumerate(BROKEN)],
)
def test_each_broken_record_fails_its_rule_and_only_that(code, field, subject):
    problems = validate_person(subject, CTX)
    assert {problem.code for problem in problems} == {code}
    assert field in {problem.field for problem in problems}
    for problem in problems:
        assert problem.message.endswith(".")
        assert problem.child_id == 7
        assert problem.person == subject.name


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        # three settings, so two share a rank
        (
            detail(DETAIL, replace(DETAIL, placement_rank=2), replace(DETAIL, placement_rank=2)),
            {"S402", "S506"},
        ),
        (
            placement(
                PLACEMENT,
                replace(PLACEMENT, placement_rank=2),
                replace(PLACEMENT, placement_rank=2),
            ),
            {"S602", "S506"},
        ),
        (needs(("ASD", 1), ("SLCN", 2), ("MLD", 2)), {"S603", "S605"}),
        # an outcome code that is not one also has the wrong dates and modules
        (request(outcome="X"), {"S201", "S204", "S206"}),
    ],
)
def test_some_records_fail_several_rules(subject, expected):
    assert codes(subject) == expected


def test_ds_is_refused_before_the_january_2025_census():
    subject = needs(("DS", 1))
    assert "S604" not in codes(subject, Context(reference_date=D(2025, 1, 16), la_code="990"))
    before = validate_person(subject, Context(reference_date=D(2024, 1, 18), la_code="990"))
    [ds] = [problem for problem in before if problem.code == "S604"]
    assert ds.message == "DS (Down syndrome) is recorded from the January 2025 census onwards."


def test_every_rule_has_a_broken_case_and_a_unique_code():
    assert {code for code, _, _ in BROKEN} == set(RULES)
    for code, rule in RULES.items():
        assert rule.code == code
        assert rule.text.endswith(".")


def test_problems_say_where_and_what():
    [problem] = validate_person(placement(urn="12345"), CTX)
    assert problem == Problem(
        code="S502",
        field="URN",
        message="12345 is not a URN: a URN is 6 digits.",
        child_id=7,
        person="Robin Testperson",
        where="Request received 6 January 2025: active plan, placement (rank 1)",
        value="12345",
    )
    assert Problem.from_dict(problem.as_dict()) == problem


def test_a_return_is_checked_person_by_person_and_counted_by_rule():
    header = Header(
        year=2026,
        reference_date=D(2026, 1, 15),
        la_code="990",
        software_code="OpenSEND",
        release="0.1.0",
        serial_no=1,
        generated_at=dt.datetime(2026, 2, 1, 9, 0),
    )
    sen2 = Return(
        header=header,
        persons=(GOOD, person(sex="X", child_id=8), person(sex="", ethnicity="", child_id=9)),
    )
    problems = validate(sen2)
    assert [(problem.child_id, problem.code) for problem in problems] == [
        (8, "S102"),
        (9, "S101"),
        (9, "S101"),
    ]
    assert [(rule.code, count) for rule, count in problem_counts(problems)] == [
        ("S101", 2),
        ("S102", 1),
    ]


def test_the_guide_lists_every_rule():
    guide = (Path(__file__).resolve().parents[3] / "docs" / "sen2.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"| {rule.code} | `{rule.field}` | {rule.text} |" in guide, rule.code
