"""The EHC statutory clock, case by case. Every expected date is worked out by hand in the table
(weekdays and bank holidays checked against a calendar), never by the function under test."""

import ast
import datetime as dt
import inspect

import pytest

from opensend.core import bank_holidays
from opensend.core.calendar import DayCounting
from opensend.core.codes import CeaseReason
from opensend.ehc import rules
from opensend.ehc.rules import (
    ExceptionKind,
    Limit,
    PhaseTransfer,
    StepStatus,
    UnopposedAppeal,
)

D = dt.date
DAY0 = DayCounting.RECEIPT_IS_DAY_0
DAY1 = DayCounting.RECEIPT_IS_DAY_1

#: England and Wales bank holidays 2025 to 2028, typed in from the GOV.UK list (checked against
#: the real source below).
HOLIDAYS = frozenset(
    {
        # 2025
        D(2025, 1, 1), D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 5), D(2025, 5, 26),
        D(2025, 8, 25), D(2025, 12, 25), D(2025, 12, 26),
        # 2026: Boxing Day is a Saturday, so Monday 28 December is the substitute
        D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25),
        D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28),
        # 2027: Christmas on a Saturday, Boxing Day on a Sunday
        D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31),
        D(2027, 8, 30), D(2027, 12, 27), D(2027, 12, 28),
        # 2028: New Year's Day on a Saturday
        D(2028, 1, 3), D(2028, 4, 14), D(2028, 4, 17), D(2028, 5, 1), D(2028, 5, 29),
        D(2028, 8, 28), D(2028, 12, 25), D(2028, 12, 26),
    }
)  # fmt: skip


@pytest.mark.django_db
def test_literal_holidays_match_the_real_source():
    bank_holidays.clear_cache()
    try:
        real = bank_holidays.england_and_wales(2025, 2028)
    finally:
        bank_holidays.clear_cache()
    # the source also lists Christmas Day and the like when they fall on a weekend
    assert {day for day in real if day.weekday() < 5} == HOLIDAYS


def test_rules_touch_no_models():
    """Pure rules: nothing from a models module, nothing from the database layer."""
    tree = ast.parse(inspect.getsource(rules))
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert imported  # the walk found the imports
    assert not [name for name in imported if name.endswith("models") or name.startswith("django")]


# --- Assessment and the first plan ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "counting", "expected"),
    [
        (D(2026, 1, 5), DAY0, D(2026, 2, 16)),  # Monday -> Monday six weeks on
        (D(2026, 1, 5), DAY1, D(2026, 2, 15)),  # receipt is day 1: the Sunday before
        (D(2024, 1, 18), DAY0, D(2024, 2, 29)),  # lands on a leap day
        (D(2024, 1, 18), DAY1, D(2024, 2, 28)),
        (D(2024, 1, 19), DAY0, D(2024, 3, 1)),  # leap year: 29 February is counted
        (D(2024, 1, 19), DAY1, D(2024, 2, 29)),
        (D(2025, 1, 19), DAY0, D(2025, 3, 2)),  # the same request in a common year
        (D(2025, 1, 19), DAY1, D(2025, 3, 1)),
        (D(2025, 11, 20), DAY0, D(2026, 1, 1)),  # calendar weeks: a bank holiday is not skipped
        (D(2025, 11, 20), DAY1, D(2025, 12, 31)),
        (D(2026, 1, 31), DAY0, D(2026, 3, 14)),
    ],
)
def test_decision_to_assess_due(received, counting, expected):
    assert rules.decision_to_assess_due(received, counting) == expected


def test_decision_to_assess_defaults_to_receipt_as_day_0():
    assert rules.decision_to_assess_due(D(2026, 1, 5)) == D(2026, 2, 16)


@pytest.mark.parametrize(
    ("requested", "counting", "expected"),
    [
        (D(2026, 3, 2), DAY0, D(2026, 4, 13)),  # over Easter: calendar days still count
        (D(2026, 3, 2), DAY1, D(2026, 4, 12)),
        (D(2024, 1, 18), DAY0, D(2024, 2, 29)),
        (D(2025, 11, 20), DAY0, D(2026, 1, 1)),
    ],
)
def test_advice_due(requested, counting, expected):
    assert rules.advice_due(requested, counting) == expected


@pytest.mark.parametrize(
    ("received", "counting", "expected"),
    [
        (D(2026, 1, 5), DAY0, D(2026, 4, 27)),
        (D(2026, 1, 5), DAY1, D(2026, 4, 26)),
        (D(2023, 12, 1), DAY0, D(2024, 3, 22)),  # through February 2024 (29 days)
        (D(2023, 12, 1), DAY1, D(2024, 3, 21)),
    ],
)
def test_decision_not_to_issue_due(received, counting, expected):
    assert rules.decision_not_to_issue_due(received, counting) == expected


@pytest.mark.parametrize(
    ("received", "counting", "expected"),
    [
        (D(2026, 1, 5), DAY0, D(2026, 4, 13)),
        (D(2026, 1, 5), DAY1, D(2026, 4, 12)),
    ],
)
def test_draft_plan_target(received, counting, expected):
    assert rules.draft_plan_target(received, counting) == expected


@pytest.mark.parametrize(
    ("received", "counting", "reassessment", "expected"),
    [
        (D(2026, 1, 5), DAY0, False, D(2026, 5, 25)),  # a bank holiday, still the due date
        (D(2026, 1, 5), DAY1, False, D(2026, 5, 24)),
        (D(2023, 11, 1), DAY0, False, D(2024, 3, 20)),  # leap February
        (D(2024, 11, 1), DAY0, False, D(2025, 3, 21)),  # common February
        (D(2026, 1, 5), DAY0, True, D(2026, 4, 13)),  # 14 weeks after a re-assessment
        (D(2026, 1, 5), DAY1, True, D(2026, 4, 12)),
    ],
)
def test_final_plan_due(received, counting, reassessment, expected):
    assert rules.final_plan_due(received, counting, reassessment=reassessment) == expected


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        (D(2026, 2, 1), D(2026, 2, 15)),  # the day served is day 1 of 15
        (D(2024, 2, 20), D(2024, 3, 5)),  # leap year
        (D(2025, 2, 20), D(2025, 3, 6)),
        (D(2025, 12, 24), D(2026, 1, 7)),  # Christmas days count
    ],
)
def test_fifteen_days_beginning_with(served, expected):
    assert rules.draft_comments_due(served) == expected
    assert rules.setting_consultation_due(served) == expected
    assert rules.amendment_comments_due(served) == expected


def test_beginning_with_ignores_the_day_counting_setting():
    """Reg 13(1) says "beginning with": the day served is day 1 in every area."""
    served = D(2026, 2, 1)
    assert rules.draft_comments_due(served) == D(2026, 2, 15)
    assert rules.decision_to_assess_due(served, DAY1) != rules.decision_to_assess_due(served, DAY0)


# --- Annual review and amendment -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (D(2026, 1, 1), D(2026, 12, 31)),  # 12 months starting with 1 January
        (D(2025, 3, 15), D(2026, 3, 14)),
        (D(2024, 2, 29), D(2025, 2, 28)),  # leap day: no 29 February next year
        (D(2024, 3, 1), D(2025, 2, 28)),
        (D(2023, 3, 1), D(2024, 2, 29)),  # the period takes in the leap day
        (D(2026, 1, 31), D(2027, 1, 30)),
        (D(2026, 2, 1), D(2027, 1, 31)),
    ],
)
def test_annual_review_due(last, expected):
    assert rules.annual_review_due(last) == expected


Y6_IN_2025 = D(2015, 3, 15)  # Year 6 in 2025/26, moves to secondary on 1 September 2026
Y11_IN_2025 = D(2010, 3, 15)
NURSERY_IN_2025 = D(2022, 3, 15)  # Year -1 in 2025/26
Y2_IN_2025 = D(2019, 3, 15)
Y8_IN_2025 = D(2013, 3, 15)


@pytest.mark.parametrize(
    ("last", "dob", "setting_phase", "expected"),
    [
        # Year 5 summer review: the Year 6 transfer review must come before 15 February
        (D(2025, 7, 15), Y6_IN_2025, None, D(2026, 2, 14)),
        # an autumn Year 6 review deals with the transfer: next due a year on
        (D(2025, 10, 1), Y6_IN_2025, None, D(2026, 9, 30)),
        # 14 February is in time for the transfer; 10 March missed it (nothing earlier is due)
        (D(2026, 2, 14), Y6_IN_2025, None, D(2027, 2, 13)),
        (D(2026, 3, 10), Y6_IN_2025, None, D(2027, 3, 9)),
        # a review in September of Year 5: the 12 months end before the transfer deadline
        (D(2024, 9, 1), Y6_IN_2025, None, D(2025, 8, 31)),
        # Year 10 spring review: the post-16 transfer review is due before 31 March
        (D(2025, 4, 20), Y11_IN_2025, None, D(2026, 3, 30)),
        (D(2026, 3, 30), Y11_IN_2025, None, D(2027, 3, 29)),
        (D(2026, 3, 31), Y11_IN_2025, None, D(2027, 3, 30)),
        # two years before school: Reception starts in September 2026
        (D(2025, 5, 1), NURSERY_IN_2025, None, D(2026, 2, 14)),
        # infant school: Year 2 to junior school only when the setting is an infant school
        (D(2025, 6, 1), Y2_IN_2025, "infant", D(2026, 2, 14)),
        (D(2025, 6, 1), Y2_IN_2025, None, D(2026, 5, 31)),
        # 9 to 13 middle school: Year 8 moves on
        (D(2025, 6, 1), Y8_IN_2025, "middle", D(2026, 2, 14)),
        (D(2025, 6, 1), Y8_IN_2025, None, D(2026, 5, 31)),
        (D(2025, 10, 1), Y8_IN_2025, "middle", D(2026, 9, 30)),
    ],
)
def test_annual_review_due_brought_forward_by_phase_transfer(last, dob, setting_phase, expected):
    due = rules.annual_review_due(last, date_of_birth=dob, setting_phase=setting_phase)
    assert due == expected


@pytest.mark.parametrize(
    ("last", "dob", "expected"),
    [
        (D(2025, 3, 1), D(2022, 6, 1), D(2025, 8, 31)),  # aged 2: within 6 months
        (D(2025, 5, 31), D(2020, 6, 1), D(2025, 11, 30)),  # the day before the 5th birthday
        (D(2025, 6, 1), D(2020, 6, 1), D(2026, 5, 31)),  # turned 5: the statutory 12 months
        (D(2025, 2, 28), D(2020, 2, 29), D(2025, 8, 27)),  # leap-day birthday: still 4
        (D(2025, 3, 1), D(2020, 2, 29), D(2026, 2, 28)),  # 5 from 1 March
        # under 5, but the Reception transfer deadline (14 February 2026) comes first
        (D(2025, 8, 20), NURSERY_IN_2025, D(2026, 2, 14)),
        (D(2025, 8, 1), NURSERY_IN_2025, D(2026, 1, 31)),
    ],
)
def test_recommended_review_due(last, dob, expected):
    assert rules.recommended_review_due(last, date_of_birth=dob) == expected


@pytest.mark.parametrize(
    ("meeting", "expected"),
    [
        (D(2026, 1, 20), D(2026, 1, 6)),
        (D(2024, 3, 1), D(2024, 2, 16)),  # back over 29 February
        (D(2025, 3, 1), D(2025, 2, 15)),
        (D(2026, 1, 5), D(2025, 12, 22)),
    ],
)
def test_review_notice_and_advice_two_weeks_before(meeting, expected):
    assert rules.review_notice_due(meeting) == expected
    assert rules.review_advice_circulation_due(meeting) == expected


@pytest.mark.parametrize(
    ("meeting", "expected"),
    [
        (D(2026, 1, 20), D(2026, 2, 3)),
        (D(2024, 2, 20), D(2024, 3, 5)),
        (D(2025, 12, 20), D(2026, 1, 3)),
    ],
)
def test_review_report_due(meeting, expected):
    assert rules.review_report_due(meeting) == expected


@pytest.mark.parametrize(
    ("meeting", "expected"),
    [
        (D(2026, 1, 20), D(2026, 2, 17)),
        (D(2024, 2, 10), D(2024, 3, 9)),  # leap year
        (D(2025, 2, 10), D(2025, 3, 10)),
        (D(2025, 12, 15), D(2026, 1, 12)),
    ],
)
def test_review_decision_due(meeting, expected):
    assert rules.review_decision_due(meeting) == expected


@pytest.mark.parametrize(
    ("proposals", "meeting", "expected"),
    [
        (D(2026, 2, 17), D(2026, 1, 20), D(2026, 4, 14)),  # both limits fall on the same day
        (D(2026, 2, 10), D(2026, 1, 20), D(2026, 4, 7)),  # 8 weeks from proposals is earlier
        (D(2026, 3, 3), D(2026, 1, 20), D(2026, 4, 14)),  # late proposals: 12 weeks from meeting
        (D(2026, 3, 3), None, D(2026, 4, 28)),  # an amendment outside a review
    ],
)
def test_amended_plan_due(proposals, meeting, expected):
    assert rules.amended_plan_due(proposals, meeting) == expected


@pytest.mark.parametrize(
    ("dob", "on", "expected"),
    [
        (D(2012, 3, 15), D(2025, 10, 1), True),  # Year 9
        (D(2012, 3, 15), D(2025, 8, 31), False),  # still Year 8 until September
        (D(2012, 8, 31), D(2025, 9, 1), True),  # youngest in Year 9
        (D(2012, 9, 1), D(2025, 9, 1), False),  # oldest in Year 8
        (D(2004, 1, 1), D(2025, 10, 1), True),  # a young person of 21
        (D(2019, 3, 15), D(2025, 10, 1), False),
    ],
)
def test_prepares_for_adulthood(dob, on, expected):
    assert rules.prepares_for_adulthood(dob, on) is expected


# --- Phase transfers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "transfer_date", "expected"),
    [
        (PhaseTransfer.EARLY_YEARS_TO_SCHOOL, D(2026, 9, 1), D(2026, 2, 14)),
        (PhaseTransfer.INFANT_TO_JUNIOR, D(2026, 9, 1), D(2026, 2, 14)),
        (PhaseTransfer.PRIMARY_TO_MIDDLE, D(2026, 9, 1), D(2026, 2, 14)),
        (PhaseTransfer.PRIMARY_TO_SECONDARY, D(2026, 9, 1), D(2026, 2, 14)),
        (PhaseTransfer.MIDDLE_TO_SECONDARY, D(2026, 9, 1), D(2026, 2, 14)),
        (PhaseTransfer.PRIMARY_TO_SECONDARY, D(2028, 9, 1), D(2028, 2, 14)),  # leap year
        (PhaseTransfer.SECONDARY_TO_POST_16, D(2026, 9, 1), D(2026, 3, 30)),
        (PhaseTransfer.SECONDARY_TO_POST_16, D(2028, 9, 1), D(2028, 3, 30)),
        (PhaseTransfer.BETWEEN_POST_16, D(2026, 9, 1), D(2026, 4, 1)),
        (PhaseTransfer.BETWEEN_POST_16, D(2026, 7, 31), D(2026, 2, 28)),  # no 31 February
        (PhaseTransfer.BETWEEN_POST_16, D(2028, 7, 31), D(2028, 2, 29)),
        (PhaseTransfer.BETWEEN_POST_16, D(2027, 1, 6), D(2026, 8, 6)),  # back into last year
        (PhaseTransfer.BETWEEN_POST_16, D(2027, 3, 31), D(2026, 10, 31)),
    ],
)
def test_phase_transfer_deadline(kind, transfer_date, expected):
    assert rules.phase_transfer_deadline(kind, transfer_date) == expected


@pytest.mark.parametrize(
    ("kind", "amended_on", "status"),
    [
        # "before 15 February" is strict: 14 February is in time, 15 February is not
        (PhaseTransfer.PRIMARY_TO_SECONDARY, D(2026, 2, 14), StepStatus.MET),
        (PhaseTransfer.PRIMARY_TO_SECONDARY, D(2026, 2, 15), StepStatus.MET_LATE),
        (PhaseTransfer.EARLY_YEARS_TO_SCHOOL, D(2026, 2, 15), StepStatus.MET_LATE),
        # "before 31 March" likewise
        (PhaseTransfer.SECONDARY_TO_POST_16, D(2026, 3, 30), StepStatus.MET),
        (PhaseTransfer.SECONDARY_TO_POST_16, D(2026, 3, 31), StepStatus.MET_LATE),
        # "at least 5 months before": the day exactly 5 months before is in time
        (PhaseTransfer.BETWEEN_POST_16, D(2026, 4, 1), StepStatus.MET),
        (PhaseTransfer.BETWEEN_POST_16, D(2026, 4, 2), StepStatus.MET_LATE),
    ],
)
def test_phase_transfer_before_is_strict(kind, amended_on, status):
    deadline = rules.phase_transfer_deadline(kind, D(2026, 9, 1))
    assert rules.step_status(due=deadline, completed_on=amended_on, today=amended_on) is status


@pytest.mark.parametrize(
    ("dob", "on", "setting_phase", "expected"),
    [
        # nursery (Year -1) -> Reception
        (NURSERY_IN_2025, D(2025, 10, 1), None, PhaseTransfer.EARLY_YEARS_TO_SCHOOL),
        (NURSERY_IN_2025, D(2025, 10, 1), "early_years", PhaseTransfer.EARLY_YEARS_TO_SCHOOL),
        (NURSERY_IN_2025, D(2025, 10, 1), "nursery", PhaseTransfer.EARLY_YEARS_TO_SCHOOL),
        (NURSERY_IN_2025, D(2025, 10, 1), "primary", PhaseTransfer.EARLY_YEARS_TO_SCHOOL),
        (D(2023, 3, 15), D(2025, 10, 1), None, None),  # Year -2: not yet
        # Year 6 -> 7
        (Y6_IN_2025, D(2025, 10, 1), None, PhaseTransfer.PRIMARY_TO_SECONDARY),
        (Y6_IN_2025, D(2025, 10, 1), "primary", PhaseTransfer.PRIMARY_TO_SECONDARY),
        (Y6_IN_2025, D(2025, 10, 1), "junior", PhaseTransfer.PRIMARY_TO_SECONDARY),
        (Y6_IN_2025, D(2025, 10, 1), "not_applicable", PhaseTransfer.PRIMARY_TO_SECONDARY),
        (Y6_IN_2025, D(2025, 10, 1), "", PhaseTransfer.PRIMARY_TO_SECONDARY),
        (Y6_IN_2025, D(2025, 10, 1), "all_through", None),
        (Y6_IN_2025, D(2025, 10, 1), "middle", None),
        (D(2015, 8, 31), D(2025, 10, 1), None, PhaseTransfer.PRIMARY_TO_SECONDARY),  # youngest
        (D(2014, 9, 1), D(2025, 10, 1), None, PhaseTransfer.PRIMARY_TO_SECONDARY),  # oldest
        (D(2014, 8, 31), D(2025, 10, 1), None, None),  # already Year 7
        # Year 11 -> 12
        (Y11_IN_2025, D(2025, 10, 1), None, PhaseTransfer.SECONDARY_TO_POST_16),
        (Y11_IN_2025, D(2025, 10, 1), "secondary", PhaseTransfer.SECONDARY_TO_POST_16),
        (Y11_IN_2025, D(2025, 10, 1), "all_through", PhaseTransfer.SECONDARY_TO_POST_16),
        (D(2009, 3, 15), D(2025, 10, 1), None, None),  # Year 12
        (D(2009, 3, 15), D(2025, 10, 1), "post16", None),
        # Year 2 -> 3 only from an infant school
        (Y2_IN_2025, D(2025, 10, 1), "infant", PhaseTransfer.INFANT_TO_JUNIOR),
        (Y2_IN_2025, D(2025, 10, 1), None, None),
        (Y2_IN_2025, D(2025, 10, 1), "primary", None),
        # three-tier areas: first school after Year 4; middle schools after Year 7 or 8
        (D(2017, 3, 15), D(2025, 10, 1), "first", PhaseTransfer.PRIMARY_TO_MIDDLE),
        (D(2017, 3, 15), D(2025, 10, 1), None, None),
        (
            D(2014, 3, 15),
            D(2025, 10, 1),
            "middle_deemed_primary",
            PhaseTransfer.MIDDLE_TO_SECONDARY,
        ),
        (D(2014, 3, 15), D(2025, 10, 1), "middle", None),
        (Y8_IN_2025, D(2025, 10, 1), "middle", PhaseTransfer.MIDDLE_TO_SECONDARY),
        (Y8_IN_2025, D(2025, 10, 1), "middle_deemed_secondary", PhaseTransfer.MIDDLE_TO_SECONDARY),
        (Y8_IN_2025, D(2025, 10, 1), "middle_deemed_primary", None),
        (D(2015, 3, 15), D(2024, 10, 1), None, None),  # the Year 6 child a year earlier
    ],
)
def test_next_phase_transfer_kind(dob, on, setting_phase, expected):
    transfer = rules.next_phase_transfer(dob, on, setting_phase=setting_phase)
    assert (transfer[0] if transfer else None) is expected


@pytest.mark.parametrize(
    ("dob", "on", "expected"),
    [
        (Y6_IN_2025, D(2025, 9, 1), (D(2026, 9, 1), D(2026, 2, 14))),  # first day of Year 6
        (Y6_IN_2025, D(2026, 7, 20), (D(2026, 9, 1), D(2026, 2, 14))),  # deadline has passed
        (Y6_IN_2025, D(2026, 8, 31), (D(2026, 9, 1), D(2026, 2, 14))),
        (Y11_IN_2025, D(2025, 12, 1), (D(2026, 9, 1), D(2026, 3, 30))),
        (NURSERY_IN_2025, D(2026, 1, 5), (D(2026, 9, 1), D(2026, 2, 14))),
    ],
)
def test_next_phase_transfer_dates(dob, on, expected):
    transfer = rules.next_phase_transfer(dob, on)
    assert transfer is not None
    assert transfer[1:] == expected


def test_next_phase_transfer_none_once_the_new_year_starts():
    assert rules.next_phase_transfer(Y6_IN_2025, D(2026, 9, 1)) is None


def test_next_phase_transfer_rejects_an_unknown_setting_phase():
    with pytest.raises(ValueError, match="sixth_form_centre"):
        rules.next_phase_transfer(Y6_IN_2025, D(2025, 10, 1), setting_phase="sixth_form_centre")


# --- Exceptions --------------------------------------------------------------------------------

ASSESSMENT = {
    Limit.DECIDE_TO_ASSESS,
    Limit.DECIDE_NOT_TO_ISSUE,
    Limit.FINAL_PLAN,
    Limit.REASSESSMENT_FINAL_PLAN,
}
UNOPPOSED = {
    Limit.UNOPPOSED_ASSESSMENT,
    Limit.UNOPPOSED_NOT_TO_ISSUE,
    Limit.UNOPPOSED_FINAL_PLAN,
    Limit.UNOPPOSED_AMENDED_PLAN,
}
LIFTS = {
    ExceptionKind.SCHOOL_CLOSURE: ASSESSMENT | UNOPPOSED,
    ExceptionKind.EARLY_YEARS_CLOSURE: ASSESSMENT | UNOPPOSED,
    ExceptionKind.PERSONAL_CIRCUMSTANCES: ASSESSMENT | UNOPPOSED | {Limit.ADVICE},
    ExceptionKind.AWAY_FROM_AREA: ASSESSMENT | UNOPPOSED | {Limit.ADVICE},
    ExceptionKind.MISSED_APPOINTMENT: {Limit.ADVICE},
}


@pytest.mark.parametrize("kind", list(ExceptionKind))
@pytest.mark.parametrize("limit", list(Limit))
def test_exception_applies_to(kind, limit):
    assert rules.exception_applies_to(kind, limit) is (limit in LIFTS[kind])


#: A key phrase of each message exception_problems can give.
EXCEPTION_MESSAGES = {
    "order": "end date must be the same as or after the start date",
    "short": "closed for at least 4 weeks in a row",
    "advice_missing": "Enter the date advice was requested",
    "earliest": "no earlier than 1 week before the closure began",
    "latest": "no later than 1 week before the",
    "away_4": "at least 4 weeks in a row",
    "away_2": "at least 2 weeks in a row",
    "appointment": "in the 6 weeks after advice was requested",
    "not_apply": "This exception does not apply to",
}

SUMMER = (D(2026, 7, 23), D(2026, 9, 2))  # closed 23 July to 2 September; re-opens 3 September


@pytest.mark.parametrize(
    ("kind", "start", "end", "advice", "limit", "expected"),
    [
        # school closure (a): advice from 16 July (a week before) to 27 August (a week before
        # re-opening on 3 September)
        (ExceptionKind.SCHOOL_CLOSURE, *SUMMER, D(2026, 7, 16), None, []),
        (ExceptionKind.SCHOOL_CLOSURE, *SUMMER, D(2026, 7, 15), None, ["earliest"]),
        (ExceptionKind.SCHOOL_CLOSURE, *SUMMER, D(2026, 8, 27), None, []),
        (ExceptionKind.SCHOOL_CLOSURE, *SUMMER, D(2026, 8, 28), None, ["latest"]),
        (ExceptionKind.SCHOOL_CLOSURE, *SUMMER, None, None, ["advice_missing"]),
        (ExceptionKind.SCHOOL_CLOSURE, *SUMMER, D(2026, 7, 20), Limit.FINAL_PLAN, []),
        (ExceptionKind.SCHOOL_CLOSURE, *SUMMER, D(2026, 7, 20), Limit.ADVICE, ["not_apply"]),
        # exactly 4 weeks closed counts; a day less does not; a Christmas closure is too short
        (ExceptionKind.SCHOOL_CLOSURE, D(2026, 8, 1), D(2026, 8, 28), D(2026, 8, 1), None, []),
        (
            ExceptionKind.SCHOOL_CLOSURE,
            D(2026, 8, 1),
            D(2026, 8, 27),
            D(2026, 8, 1),
            None,
            ["short"],
        ),
        (
            ExceptionKind.SCHOOL_CLOSURE,
            D(2025, 12, 20),
            D(2026, 1, 4),
            D(2025, 12, 18),
            None,
            ["short"],
        ),
        # still closed: only the start of the window can be checked
        (ExceptionKind.SCHOOL_CLOSURE, D(2026, 7, 23), None, D(2026, 7, 20), None, []),
        (ExceptionKind.SCHOOL_CLOSURE, D(2026, 7, 23), None, D(2026, 7, 1), None, ["earliest"]),
        (
            ExceptionKind.SCHOOL_CLOSURE,
            D(2026, 7, 23),
            D(2026, 7, 1),
            D(2026, 7, 20),
            None,
            ["order"],
        ),
        # early years closure (b): the same rules
        (ExceptionKind.EARLY_YEARS_CLOSURE, *SUMMER, D(2026, 7, 16), None, []),
        (ExceptionKind.EARLY_YEARS_CLOSURE, *SUMMER, None, None, ["advice_missing"]),
        (ExceptionKind.EARLY_YEARS_CLOSURE, *SUMMER, D(2026, 8, 28), None, ["latest"]),
        # exceptional personal circumstances (c)
        (ExceptionKind.PERSONAL_CIRCUMSTANCES, D(2026, 3, 1), None, None, None, []),
        (ExceptionKind.PERSONAL_CIRCUMSTANCES, D(2026, 3, 1), D(2026, 3, 1), None, None, []),
        (
            ExceptionKind.PERSONAL_CIRCUMSTANCES,
            D(2026, 3, 1),
            D(2026, 2, 28),
            None,
            None,
            ["order"],
        ),
        (ExceptionKind.PERSONAL_CIRCUMSTANCES, D(2026, 3, 1), None, None, Limit.ADVICE, []),
        (
            ExceptionKind.PERSONAL_CIRCUMSTANCES,
            D(2026, 3, 1),
            None,
            None,
            Limit.REVIEW_DECISION,
            ["not_apply"],
        ),
        # away from the area (d): 4 continuous weeks; 2 weeks after an unopposed appeal
        (ExceptionKind.AWAY_FROM_AREA, D(2026, 7, 1), D(2026, 7, 28), None, None, []),
        (ExceptionKind.AWAY_FROM_AREA, D(2026, 7, 1), D(2026, 7, 27), None, None, ["away_4"]),
        (ExceptionKind.AWAY_FROM_AREA, D(2026, 7, 1), None, None, None, []),
        (
            ExceptionKind.AWAY_FROM_AREA,
            D(2026, 7, 1),
            D(2026, 7, 27),
            None,
            Limit.ADVICE,
            ["away_4"],
        ),
        (
            ExceptionKind.AWAY_FROM_AREA,
            D(2026, 7, 1),
            D(2026, 7, 14),
            None,
            Limit.UNOPPOSED_FINAL_PLAN,
            [],
        ),
        (
            ExceptionKind.AWAY_FROM_AREA,
            D(2026, 7, 1),
            D(2026, 7, 13),
            None,
            Limit.UNOPPOSED_FINAL_PLAN,
            ["away_2"],
        ),
        (
            ExceptionKind.AWAY_FROM_AREA,
            D(2026, 7, 1),
            D(2026, 7, 28),
            None,
            Limit.AMENDED_PLAN,
            ["not_apply"],
        ),
        # missed appointment (Reg 8(2)(c)): within the 6 weeks after advice was requested
        (ExceptionKind.MISSED_APPOINTMENT, D(2026, 3, 10), None, D(2026, 3, 2), None, []),
        (ExceptionKind.MISSED_APPOINTMENT, D(2026, 3, 2), None, D(2026, 3, 2), None, []),
        (ExceptionKind.MISSED_APPOINTMENT, D(2026, 4, 13), None, D(2026, 3, 2), None, []),
        (
            ExceptionKind.MISSED_APPOINTMENT,
            D(2026, 4, 14),
            None,
            D(2026, 3, 2),
            None,
            ["appointment"],
        ),
        (
            ExceptionKind.MISSED_APPOINTMENT,
            D(2026, 3, 1),
            None,
            D(2026, 3, 2),
            None,
            ["appointment"],
        ),
        (ExceptionKind.MISSED_APPOINTMENT, D(2026, 3, 10), None, None, None, []),
        (ExceptionKind.MISSED_APPOINTMENT, D(2026, 3, 10), None, None, Limit.ADVICE, []),
        (
            ExceptionKind.MISSED_APPOINTMENT,
            D(2026, 3, 10),
            D(2026, 3, 9),
            None,
            Limit.FINAL_PLAN,
            ["not_apply", "order"],
        ),
    ],
)
def test_exception_problems(kind, start, end, advice, limit, expected):
    problems = rules.exception_problems(
        kind, start=start, end=end, advice_requested_on=advice, limit=limit
    )
    assert len(problems) == len(expected), problems
    for problem, key in zip(problems, expected, strict=True):
        assert EXCEPTION_MESSAGES[key] in problem


def test_exception_problems_name_the_setting_and_the_dates():
    [missing] = rules.exception_problems(
        ExceptionKind.EARLY_YEARS_CLOSURE, start=SUMMER[0], end=SUMMER[1]
    )
    assert missing == "Enter the date advice was requested from the early years provider"
    [late] = rules.exception_problems(
        ExceptionKind.SCHOOL_CLOSURE,
        start=SUMMER[0],
        end=SUMMER[1],
        advice_requested_on=D(2026, 9, 1),
    )
    assert late.endswith("school or college re-opened (27 August 2026)")


MAY_25 = D(2026, 5, 25)


@pytest.mark.parametrize(
    ("periods", "today", "expected"),
    [
        ([], D(2026, 3, 1), MAY_25),
        ([(D(2026, 4, 1), D(2026, 4, 14))], D(2026, 5, 1), D(2026, 6, 8)),  # 14 days
        ([(MAY_25, MAY_25)], D(2026, 5, 1), D(2026, 5, 26)),  # begins on the due date
        ([(D(2026, 5, 26), D(2026, 5, 30))], D(2026, 5, 1), MAY_25),  # begins after it
        # the first period moves the date to 4 June, so the second (from 1 June) counts too
        (
            [(D(2026, 5, 20), D(2026, 5, 29)), (D(2026, 6, 1), D(2026, 6, 2))],
            D(2026, 6, 10),
            D(2026, 6, 6),
        ),
        (  # the same, listed out of order
            [(D(2026, 6, 1), D(2026, 6, 2)), (D(2026, 5, 20), D(2026, 5, 29))],
            D(2026, 6, 10),
            D(2026, 6, 6),
        ),
        # overlapping periods are merged: 1 to 20 April is 20 days, not 25
        (
            [(D(2026, 4, 1), D(2026, 4, 14)), (D(2026, 4, 10), D(2026, 4, 20))],
            D(2026, 5, 1),
            D(2026, 6, 14),
        ),
        # one inside another: 30 days
        (
            [(D(2026, 4, 1), D(2026, 4, 30)), (D(2026, 4, 5), D(2026, 4, 10))],
            D(2026, 5, 1),
            D(2026, 6, 24),
        ),
        # back to back: 15 days
        (
            [(D(2026, 4, 1), D(2026, 4, 10)), (D(2026, 4, 11), D(2026, 4, 15))],
            D(2026, 5, 1),
            D(2026, 6, 9),
        ),
        # an open period counts up to today: 1 to 10 May is 10 days
        ([(D(2026, 5, 1), None)], D(2026, 5, 10), D(2026, 6, 4)),
        # an open period that has not begun yet counts nothing
        ([(D(2026, 5, 20), None)], D(2026, 5, 10), MAY_25),
    ],
)
def test_extended_due(periods, today, expected):
    assert rules.extended_due(MAY_25, periods, today) == expected


# --- Step status -------------------------------------------------------------------------------

DUE = D(2026, 3, 10)


@pytest.mark.parametrize(
    ("due", "completed_on", "today", "suspended", "expected"),
    [
        (DUE, D(2026, 3, 10), D(2026, 4, 1), False, StepStatus.MET),  # on the day
        (DUE, D(2026, 3, 1), D(2026, 4, 1), False, StepStatus.MET),
        (DUE, D(2026, 3, 11), D(2026, 4, 1), False, StepStatus.MET_LATE),
        (None, D(2026, 3, 11), D(2026, 4, 1), False, StepStatus.MET),  # no due date
        (DUE, D(2026, 3, 11), D(2026, 4, 1), True, StepStatus.MET_LATE),  # judged by dates
        (DUE, D(2026, 3, 9), D(2026, 4, 1), True, StepStatus.MET),
        (DUE, None, D(2026, 4, 1), True, StepStatus.SUSPENDED),  # overdue but suspended
        (DUE, None, D(2026, 3, 1), True, StepStatus.SUSPENDED),
        (None, None, D(2026, 3, 1), False, StepStatus.ON_TIME),
        (DUE, None, D(2026, 3, 11), False, StepStatus.OVERDUE),
        (DUE, None, D(2026, 3, 10), False, StepStatus.DUE_THIS_WEEK),  # due today
        (DUE, None, D(2026, 3, 3), False, StepStatus.DUE_THIS_WEEK),  # 7 days away
        (DUE, None, D(2026, 3, 2), False, StepStatus.ON_TIME),  # 8 days away
    ],
)
def test_step_status(due, completed_on, today, suspended, expected):
    status = rules.step_status(due=due, completed_on=completed_on, today=today, suspended=suspended)
    assert status is expected


def test_step_status_labels():
    assert {status: status.label for status in StepStatus} == {
        StepStatus.ON_TIME: "On time",
        StepStatus.DUE_THIS_WEEK: "Due this week",
        StepStatus.OVERDUE: "Overdue",
        StepStatus.MET: "Met",
        StepStatus.MET_LATE: "Met late",
        StepStatus.SUSPENDED: "Suspended by exception",
    }


# --- Ceasing -------------------------------------------------------------------------------------

CEASE_MESSAGES = {
    "choose": "Choose a reason for ceasing the plan",
    "appeal": "stay in place until the appeal is decided",
    "under_18": "Under 18, a plan can only cease if it is no longer needed",
    "left": "after a review shows they do not want to return",
    "max_age": "can only cease for maximum age from",
}

ON = D(2026, 10, 1)
AGED = {  # date of birth giving each age on 1 October 2026
    15: D(2011, 1, 1),
    17: D(2009, 1, 1),
    18: D(2008, 1, 1),
    19: D(2007, 1, 1),
    25: D(2001, 1, 1),  # turned 25 in 2025/26, which ended on 31 July 2026
}
#: Expected problems for each reason (SEN2 code) and age, with no review and no appeal.
CEASE_TABLE: dict[str, dict[int, list[str]]] = {
    "1": {15: ["under_18", "max_age"], 17: ["under_18", "max_age"], 18: ["max_age"],
          19: ["max_age"], 25: []},
    "2": {15: [], 17: [], 18: [], 19: [], 25: []},
    "3": {15: ["under_18"], 17: ["under_18"], 18: ["left"], 19: ["left"], 25: ["left"]},
    "4": {15: ["under_18"], 17: ["under_18"], 18: ["left"], 19: ["left"], 25: ["left"]},
    "5": {15: [], 17: [], 18: [], 19: [], 25: []},
    "6": {15: ["under_18"], 17: ["under_18"], 18: ["left"], 19: ["left"], 25: ["left"]},
    "7": {15: [], 17: [], 18: [], 19: [], 25: []},
    "8": {15: [], 17: [], 18: [], 19: [], 25: []},
    "9": {15: ["under_18"], 17: ["under_18"], 18: [], 19: [], 25: []},
}  # fmt: skip


def _assert_problems(problems, expected):
    assert len(problems) == len(expected), problems
    for problem, key in zip(problems, expected, strict=True):
        assert CEASE_MESSAGES[key] in problem


def test_cease_table_covers_every_reason():
    assert set(CEASE_TABLE) == {reason.value for reason in CeaseReason}


@pytest.mark.parametrize(
    ("reason", "age", "expected"),
    [
        (reason, age, expected)
        for reason, row in CEASE_TABLE.items()
        for age, expected in row.items()
    ],
)
def test_cease_problems_by_reason_and_age(reason, age, expected):
    _assert_problems(rules.cease_problems(date_of_birth=AGED[age], on=ON, reason=reason), expected)


@pytest.mark.parametrize(
    ("reason", "age", "review", "appeal", "expected"),
    [
        # a review showing they do not want to return allows leaving-education reasons at 18+
        ("3", 19, True, False, []),
        ("4", 18, True, False, []),
        ("6", 25, True, False, []),
        ("3", 17, True, False, ["under_18"]),  # but not under 18
        # a pending appeal keeps the plan, whatever the reason, unless the young person has died
        ("2", 15, False, True, ["appeal"]),
        ("5", 15, False, True, ["appeal"]),
        ("8", 15, False, True, []),
        ("4", 19, False, True, ["appeal", "left"]),
        # not a SEN2 code
        ("0", 19, False, False, ["choose"]),
        ("10", 19, False, False, ["choose"]),
        ("", 19, False, False, ["choose"]),
        (CeaseReason.NEEDS_MET, 15, False, False, []),  # the enum member works as well as "2"
    ],
)
def test_cease_problems_review_and_appeal(reason, age, review, appeal, expected):
    problems = rules.cease_problems(
        date_of_birth=AGED[age],
        on=ON,
        reason=reason,
        review_shows_no_wish_to_return=review,
        appeal_pending=appeal,
    )
    _assert_problems(problems, expected)


@pytest.mark.parametrize(
    ("dob", "on", "expected"),
    [
        (D(2001, 9, 1), D(2026, 10, 1), ["max_age"]),  # turned 25 on 1 September 2026
        (D(2001, 9, 1), D(2027, 7, 30), ["max_age"]),
        (D(2001, 9, 1), D(2027, 7, 31), []),
        (D(2001, 7, 31), D(2026, 7, 30), ["max_age"]),  # turned 25 on the last day of the year
        (D(2001, 7, 31), D(2026, 7, 31), []),
        (D(2001, 8, 1), D(2026, 10, 1), ["max_age"]),  # 1 August starts a new academic year
        (D(2001, 8, 1), D(2027, 7, 31), []),
    ],
)
def test_cease_for_maximum_age(dob, on, expected):
    _assert_problems(rules.cease_problems(date_of_birth=dob, on=on, reason="1"), expected)


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        (D(2001, 1, 1), D(2026, 7, 31)),
        (D(2001, 7, 31), D(2026, 7, 31)),
        (D(2001, 8, 1), D(2027, 7, 31)),
        (D(2001, 9, 1), D(2027, 7, 31)),
        (D(2004, 2, 29), D(2029, 7, 31)),  # 25 on 1 March 2029
    ],
)
def test_maximum_age_end(dob, expected):
    assert rules.maximum_age_end(dob) == expected


def test_maximum_age_message_gives_the_date():
    [problem] = rules.cease_problems(date_of_birth=D(2001, 9, 1), on=ON, reason="1")
    assert "from 31 July 2027," in problem


# --- Mediation and appeals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("letter", "expected"),
    [
        (D(2026, 1, 15), D(2026, 3, 15)),
        (D(2025, 12, 31), D(2026, 2, 28)),  # month end
        (D(2027, 12, 31), D(2028, 2, 29)),  # month end in a leap year
        (D(2026, 11, 30), D(2027, 1, 30)),
        (D(2026, 7, 31), D(2026, 9, 30)),
        (D(2026, 10, 25), D(2026, 12, 25)),  # no move: the Christmas rule is for appeals only
    ],
)
def test_mediation_contact_deadline(letter, expected):
    assert rules.mediation_contact_deadline(letter) == expected


@pytest.mark.parametrize(
    ("letter", "certificate", "expected"),
    [
        (D(2026, 1, 15), None, D(2026, 3, 16)),  # 15 March 2026 is a Sunday
        (D(2026, 3, 10), None, D(2026, 5, 11)),  # 10 May is a Sunday
        (D(2026, 3, 9), None, D(2026, 5, 11)),  # 9 May is a Saturday
        (D(2026, 3, 11), None, D(2026, 5, 11)),  # a Monday: no move
        # the later of 2 months from the letter and 1 month from the certificate
        (D(2026, 3, 1), D(2026, 4, 20), D(2026, 5, 20)),
        (D(2026, 3, 1), D(2026, 3, 10), D(2026, 5, 1)),
        # month ends
        (D(2025, 12, 31), None, D(2026, 3, 2)),  # 28 February 2026 is a Saturday
        (D(2027, 12, 31), None, D(2028, 2, 29)),
        (D(2025, 12, 1), D(2026, 1, 31), D(2026, 3, 2)),  # certificate + 1 month = 28 February
        # 25 December to 1 January: the first working day after 1 January
        (D(2026, 10, 25), None, D(2027, 1, 4)),  # 25 December 2026
        (D(2026, 10, 31), None, D(2027, 1, 4)),  # 31 December 2026
        (D(2026, 11, 1), None, D(2027, 1, 4)),  # 1 January 2027
        (D(2026, 11, 2), None, D(2027, 1, 4)),  # 2 January 2027 is a Saturday
        (D(2026, 10, 24), None, D(2026, 12, 24)),  # Christmas Eve is a working day
        (D(2026, 10, 1), D(2026, 11, 30), D(2027, 1, 4)),  # certificate + 1 month = 30 December
        (D(2027, 10, 26), None, D(2028, 1, 4)),  # 26 December 2027; 3 January 2028 is a holiday
        # August: the first working day of September
        (D(2026, 6, 15), None, D(2026, 9, 1)),
        (D(2026, 6, 1), None, D(2026, 9, 1)),
        (D(2026, 6, 30), None, D(2026, 9, 1)),  # 30 August; 31 August is a bank holiday anyway
        (D(2026, 7, 1), None, D(2026, 9, 1)),  # already 1 September
        (D(2027, 6, 15), None, D(2027, 9, 1)),
        (D(2024, 6, 10), None, D(2024, 9, 2)),  # 1 September 2024 is a Sunday
        (D(2029, 6, 10), None, D(2029, 9, 3)),  # 1 September 2029 is a Saturday
        (D(2026, 5, 31), None, D(2026, 7, 31)),  # 31 July stays
        # Easter: 3 April 2026 is Good Friday, 6 April Easter Monday
        (D(2026, 2, 3), None, D(2026, 4, 7)),
    ],
)
def test_appeal_deadline(letter, certificate, expected):
    assert rules.appeal_deadline(letter, certificate, HOLIDAYS) == expected


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (D(2026, 1, 5), D(2026, 1, 8)),  # Monday -> Thursday
        (D(2026, 1, 9), D(2026, 1, 14)),  # Friday, over the weekend
        (D(2026, 1, 10), D(2026, 1, 14)),  # Saturday
        (D(2026, 12, 23), D(2026, 12, 30)),  # Christmas Day and the Boxing Day substitute
        (D(2026, 12, 24), D(2026, 12, 31)),
        (D(2025, 12, 24), D(2025, 12, 31)),
        (D(2025, 12, 30), D(2026, 1, 5)),  # New Year's Day
        (D(2026, 4, 2), D(2026, 4, 9)),  # Good Friday and Easter Monday
        (D(2027, 3, 24), D(2027, 3, 31)),
    ],
)
def test_certificate_due(event, expected):
    assert rules.certificate_due(event, HOLIDAYS) == expected


@pytest.mark.parametrize(
    ("kind", "order_date", "expected"),
    [
        (UnopposedAppeal.ASSESSMENT, D(2026, 3, 2), D(2026, 3, 16)),
        (UnopposedAppeal.NOT_TO_ISSUE, D(2026, 3, 2), D(2026, 5, 11)),
        (UnopposedAppeal.FINAL_PLAN, D(2026, 3, 2), D(2026, 6, 8)),
        (UnopposedAppeal.AMENDED_PLAN, D(2026, 3, 2), D(2026, 4, 6)),  # Easter Monday: calendar
        (UnopposedAppeal.ASSESSMENT, D(2024, 2, 15), D(2024, 2, 29)),
        (UnopposedAppeal.ASSESSMENT, D(2025, 12, 20), D(2026, 1, 3)),
    ],
)
def test_unopposed_appeal_due(kind, order_date, expected):
    assert rules.unopposed_appeal_due(kind, order_date) == expected


# --- Catalogue and labels ----------------------------------------------------------------------

GOOD_PRACTICE = {Limit.DRAFT_PLAN, Limit.SETTING_CONSULTATION, Limit.UNDER_FIVE_REVIEW}


@pytest.mark.parametrize("limit", list(Limit))
def test_every_limit_is_catalogued(limit):
    spec = rules.LIMITS[limit]
    assert spec.limit is limit
    assert spec.label and spec.regulation and spec.description
    assert limit.label == spec.label
    assert spec.statutory is (limit not in GOOD_PRACTICE)


@pytest.mark.parametrize(
    ("enum", "labels"),
    [
        (PhaseTransfer, rules.PHASE_TRANSFER_LABELS),
        (ExceptionKind, rules.EXCEPTION_LABELS),
        (ExceptionKind, rules.EXCEPTION_REGULATIONS),
        (UnopposedAppeal, rules.UNOPPOSED_APPEAL_LABELS),
        (UnopposedAppeal, rules.UNOPPOSED_APPEAL_LIMITS),
        (PhaseTransfer, rules.PHASE_TRANSFER_LIMITS),
    ],
)
def test_every_member_has_an_entry(enum, labels):
    assert set(labels) == set(enum)
    assert all(labels.values())


def test_member_labels_read_the_dicts():
    assert ExceptionKind.AWAY_FROM_AREA.label == "Away from the area for 4 weeks or more"
    assert PhaseTransfer.SECONDARY_TO_POST_16.label == "Secondary school to post-16"
    assert UnopposedAppeal.AMENDED_PLAN.label == "Amended plan"


@pytest.mark.parametrize(
    ("kind", "limit"),
    [
        (PhaseTransfer.PRIMARY_TO_SECONDARY, Limit.PHASE_TRANSFER),
        (PhaseTransfer.EARLY_YEARS_TO_SCHOOL, Limit.PHASE_TRANSFER),
        (PhaseTransfer.SECONDARY_TO_POST_16, Limit.PHASE_TRANSFER_POST_16),
        (PhaseTransfer.BETWEEN_POST_16, Limit.POST_16_MOVE),
    ],
)
def test_phase_transfer_limits(kind, limit):
    assert rules.PHASE_TRANSFER_LIMITS[kind] is limit
