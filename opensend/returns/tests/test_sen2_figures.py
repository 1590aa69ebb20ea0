"""The figures a return implies, counted from hand-made records: requests by outcome,
assessments, new plans within 20 weeks with and without exception cases, plans transferred
in, active plans by establishment type, plans ceased by reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from opensend.returns.sen2.figures import NO_PLACEMENT, Figures, establishment_label, figures
from opensend.returns.sen2.records import (
    ActivePlan,
    Assessment,
    Header,
    NamedPlan,
    Person,
    PlacementDetail,
    Request,
    Return,
)
from opensend.returns.tests.test_sen2_validation import ASSESSMENT, GOOD, REQUEST

D = dt.date
RECEIVED = D(2025, 1, 6)
HEADER = Header(
    year=2026,
    reference_date=D(2026, 1, 15),
    la_code="990",
    software_code="OpenSEND",
    release="0.1.0",
    serial_no=1,
    generated_at=dt.datetime(2026, 2, 2, 9, 0),
)


def active(establishment: str = "", rank: int = 1) -> ActivePlan:
    placements = (
        (
            PlacementDetail(
                placement_rank=rank, entry_date=D(2020, 9, 1), establishment=establishment
            ),
        )
        if establishment
        else ()
    )
    return ActivePlan(placements=placements)


def issued(
    start,
    *,
    final_due,
    week20=False,
    kind="new",
    received=RECEIVED,
    plan=None,
    active_plan=None,
):
    return replace(
        REQUEST,
        kind=kind,
        received_date=received,
        final_due=final_due,
        assessment=replace(
            ASSESSMENT,
            week20=week20,
            named_plan=plan or NamedPlan(start_date=start),
        ),
        active_plan=active_plan,
    )


def historical(plan: NamedPlan, *, kind: str = "", received=None, active_plan=None) -> Request:
    return Request(
        outcome="H",
        received_date=received,
        assessment=Assessment(outcome="H", named_plan=plan),
        active_plan=active_plan,
        kind=kind,
    )


def people(*requests: Request) -> tuple[Person, ...]:
    return tuple(
        replace(GOOD, child_id=index, requests=(request,)) for index, request in enumerate(requests)
    )


def test_the_figures_of_a_return():
    due = D(2025, 5, 26)
    sen2 = Return(
        header=HEADER,
        persons=people(
            issued(D(2025, 5, 1), final_due=due, active_plan=active("academy")),  # in time
            issued(D(2025, 5, 26), final_due=due, active_plan=active("academy")),  # on the day
            issued(D(2025, 6, 30), final_due=due, week20=True, active_plan=active("EHE")),
            issued(D(2025, 7, 14), final_due=due, active_plan=active()),  # late, no exception
            issued(
                D(2025, 4, 1), final_due=due, kind="reassessment", received=D(2024, 12, 2)
            ),  # not a new plan; received before the period
            replace(REQUEST, outcome="N", assessment=None, active_plan=None),
            replace(
                REQUEST,
                outcome="A",
                outcome_date=None,
                assessment=None,
                active_plan=None,
                received_date=D(2025, 12, 1),
            ),
            replace(REQUEST, active_plan=None, assessment=Assessment(outcome="A")),
            historical(
                NamedPlan(start_date=D(2025, 6, 2)),
                kind="transfer_in",
                received=D(2025, 6, 2),
                active_plan=active("special_maintained"),
            ),
            historical(
                NamedPlan(start_date=D(2021, 1, 4), cease_date=D(2025, 3, 1), cease_reason="2")
            ),
            historical(
                NamedPlan(start_date=D(2021, 1, 4), cease_date=D(2025, 8, 1), cease_reason="5")
            ),
            historical(
                NamedPlan(start_date=D(2021, 1, 4), cease_date=D(2025, 9, 1), cease_reason="2")
            ),
        ),
    )
    result = figures(sen2)
    assert result.persons == 12
    # received in 2025 (not the re-assessment of 2024, not the plans transferred or historical)
    assert result.requests_received == 7
    assert result.request_outcomes == [
        ("Agreed to assess", 5),
        ("Refused", 1),
        ("Decision not yet made", 1),
        ("Withdrawn", 0),
    ]
    assert dict(result.issue_decisions) == {
        "Decided to issue a plan": 5,
        "Decided not to issue a plan": 0,
        "Decision not yet made": 1,
        "Withdrawn": 0,
    }
    assert (result.new_plans, result.new_plans_in_time) == (4, 2)
    assert (result.new_plans_with_exception, result.new_plans_without_exception) == (1, 3)
    assert result.new_plans_without_exception_in_time == 2
    assert result.in_time_rate == 0.5
    assert result.in_time_rate_excluding_exceptions == 2 / 3
    assert (result.reassessed_plans, result.transferred_in) == (1, 1)
    assert result.active_plans == 5
    assert result.active_by_establishment == [
        ("Academy or free school (mainstream)", 2),
        ("Elective home education", 1),
        ("LA maintained special school", 1),
        (NO_PLACEMENT, 1),
    ]
    assert result.ceased == 3
    assert result.ceased_by_reason == [
        ("Needs met without an EHC plan", 2),
        ("Transferred to another LA", 1),
    ]
    assert result.counted_on == D(2026, 1, 15)
    assert Figures.from_dict(result.as_dict()) == result


def test_rates_need_plans_and_live_figures_count_active_plans_today():
    result = figures(Return(header=HEADER, persons=()), as_at=D(2025, 11, 23))
    assert result.in_time_rate is None and result.in_time_rate_excluding_exceptions is None
    assert result.counted_on == D(2025, 11, 23)
    assert Figures.from_dict(result.as_dict()) == result


def test_establishment_labels():
    assert establishment_label("special_academy") == "Special academy or free school"
    assert establishment_label("NEET") == "Not in education, employment or training (16–25)"
    assert establishment_label("") == NO_PLACEMENT
