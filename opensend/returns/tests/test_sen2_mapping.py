"""How case data maps to SEN2 codes, as at a day: table-driven, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from opensend.returns.sen2 import mapping

D = dt.date
AS_AT = D(2026, 1, 15)
LATER = D(2026, 2, 2)  # after the reference date: not yet happened as far as the return knows


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2023, D(2023, 1, 19)),
        (2024, D(2024, 1, 18)),
        (2025, D(2025, 1, 16)),
        (2026, D(2026, 1, 15)),
        (2027, D(2027, 1, 21)),
    ],
)
def test_the_reference_date_is_the_third_thursday_of_january(year, expected):
    assert mapping.reference_date(year) == expected
    assert mapping.reference_date(year).weekday() == 3


@pytest.mark.parametrize(
    ("today", "latest", "live"),
    [
        (D(2026, 1, 14), 2025, 2026),  # the day before the 2026 reference date
        (D(2026, 1, 15), 2026, 2027),  # on it: the 2026 return can be made
        (D(2026, 11, 23), 2026, 2027),
        (D(2027, 1, 1), 2026, 2027),
    ],
)
def test_which_collections_can_be_made_and_which_is_checked_live(today, latest, live):
    assert mapping.latest_collection_year(today) == latest
    assert mapping.live_collection_year(today) == live


@pytest.mark.parametrize(
    ("kind", "stage", "decision", "closed", "expected"),
    [
        ("new", "received", None, None, mapping.Outcome("A")),
        ("new", "assessing", D(2025, 2, 1), None, mapping.Outcome("Y", D(2025, 2, 1))),
        ("new", "final_issued", D(2025, 2, 1), D(2025, 5, 1), mapping.Outcome("Y", D(2025, 2, 1))),
        ("reassessment", "drafting", D(2025, 2, 1), None, mapping.Outcome("Y", D(2025, 2, 1))),
        ("new", "not_assessing", D(2025, 2, 1), D(2025, 2, 1), mapping.Outcome("N", D(2025, 2, 1))),
        ("new", "withdrawn", None, D(2025, 3, 1), mapping.Outcome("W", D(2025, 3, 1))),
        # withdrawn after the LA agreed to assess: the request's outcome is still Y
        ("new", "withdrawn", D(2025, 2, 1), D(2025, 3, 1), mapping.Outcome("Y", D(2025, 2, 1))),
        ("transfer_in", "final_issued", D(2025, 2, 1), D(2025, 2, 1), mapping.Outcome("H")),
        # decided after the reference date: pending in the return
        ("new", "not_assessing", LATER, LATER, mapping.Outcome("A")),
        ("new", "assessing", LATER, None, mapping.Outcome("A")),
        ("new", "withdrawn", None, LATER, mapping.Outcome("A")),
        # on the reference date itself: decided
        ("new", "assessing", AS_AT, None, mapping.Outcome("Y", AS_AT)),
    ],
)
def test_request_outcome(kind, stage, decision, closed, expected):
    assert (
        mapping.request_outcome(
            kind=kind, stage=stage, decision_date=decision, closed_date=closed, as_at=AS_AT
        )
        == expected
    )


@pytest.mark.parametrize(
    ("kind", "stage", "issue_decision", "closed", "expected"),
    [
        ("new", "assessing", None, None, mapping.Outcome("A")),
        ("new", "drafting", D(2025, 4, 1), None, mapping.Outcome("Y", D(2025, 4, 1))),
        ("new", "draft_issued", D(2025, 4, 1), None, mapping.Outcome("Y", D(2025, 4, 1))),
        ("new", "final_issued", D(2025, 4, 1), D(2025, 5, 1), mapping.Outcome("Y", D(2025, 4, 1))),
        ("new", "not_issuing", D(2025, 4, 1), D(2025, 4, 1), mapping.Outcome("N", D(2025, 4, 1))),
        ("new", "withdrawn", None, D(2025, 4, 2), mapping.Outcome("W", D(2025, 4, 2))),
        # withdrawn after the decision to issue (a draft not finalised): still Y
        ("new", "withdrawn", D(2025, 4, 1), D(2025, 4, 20), mapping.Outcome("Y", D(2025, 4, 1))),
        ("transfer_in", "final_issued", D(2025, 2, 1), D(2025, 2, 1), mapping.Outcome("H")),
        ("new", "not_issuing", LATER, LATER, mapping.Outcome("A")),
        ("new", "withdrawn", None, LATER, mapping.Outcome("A")),
    ],
)
def test_assessment_outcome(kind, stage, issue_decision, closed, expected):
    assert (
        mapping.assessment_outcome(
            kind=kind,
            stage=stage,
            issue_decision_date=issue_decision,
            closed_date=closed,
            as_at=AS_AT,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("kind", "issued", "expected"),
    [
        ("new", D(2025, 5, 1), D(2025, 5, 1)),
        ("reassessment", D(2025, 5, 1), D(2025, 5, 1)),
        ("new", None, None),
        ("new", LATER, None),
        ("transfer_in", D(2025, 5, 1), None),  # a plan transferred in was not issued here
    ],
)
def test_plan_issued_by_request(kind, issued, expected):
    assert (
        mapping.plan_issued_by_request(kind=kind, final_issued_date=issued, as_at=AS_AT) == expected
    )


@pytest.mark.parametrize(
    ("start", "ceased", "active"),
    [
        (D(2020, 1, 1), None, True),
        (AS_AT, None, True),
        (LATER, None, False),
        (None, None, False),
        (D(2020, 1, 1), AS_AT, False),
        (D(2020, 1, 1), LATER, True),  # ceased after the reference date: active on it
        (D(2020, 1, 1), D(2025, 6, 1), False),
    ],
)
def test_plan_active_on(start, ceased, active):
    assert mapping.plan_active_on(start_date=start, ceased_date=ceased, on=AS_AT) is active


BORN_2021 = D(2021, 3, 1)  # 4 on the reference date
BORN_2010 = D(2010, 3, 1)


@pytest.mark.parametrize(
    ("upn", "uln", "born", "transferred_in", "nfa", "expected"),
    [
        ("B801200005001", "", BORN_2010, False, False, ""),
        ("", "9276308686", BORN_2010, False, False, ""),
        ("", "", BORN_2021, False, False, "UN1"),
        ("", "", BORN_2021, True, True, "UN1"),
        ("", "", D(2020, 1, 15), False, False, ""),  # 6 on the reference date itself
        ("", "", BORN_2010, True, False, "UN8"),
        ("", "", BORN_2010, False, True, "UN10"),
        ("", "", BORN_2010, False, False, ""),  # no reason the data knows: validation asks
    ],
)
def test_upn_unknown(upn, uln, born, transferred_in, nfa, expected):
    assert (
        mapping.upn_unknown(
            upn=upn,
            uln=uln,
            date_of_birth=born,
            as_at=AS_AT,
            transferred_in=transferred_in,
            no_further_action=nfa,
        )
        == expected
    )


def test_placements_rank_the_main_registration_first_then_the_latest():
    placements = [
        ("dual_subsidiary", D(2025, 9, 1)),
        ("alternative", D(2024, 9, 1)),
        ("sole", D(2020, 9, 1)),
        ("part_time", D(2025, 1, 6)),
    ]
    ranked = sorted(placements, key=lambda p: mapping.placement_rank_order(*p))
    assert ranked == [
        ("sole", D(2020, 9, 1)),
        ("part_time", D(2025, 1, 6)),
        ("alternative", D(2024, 9, 1)),
        ("dual_subsidiary", D(2025, 9, 1)),
    ]


@pytest.mark.parametrize(
    ("day", "inside"),
    [(D(2024, 12, 31), False), (D(2025, 1, 1), True), (D(2025, 12, 31), True), (None, False)],
)
def test_in_period(day, inside):
    assert mapping.in_period(day, D(2025, 1, 1), D(2025, 12, 31)) is inside
