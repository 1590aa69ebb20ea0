"""The EHC metrics on cases built through the EHC services, each table row's numerator and
denominator worked out by hand: new plans issued within 20 weeks (Reg 13(2)), with and
without the cases under a Reg 13(3) exception, and annual reviews on time (Reg 20)."""

from __future__ import annotations

import datetime as dt

import pytest

from opensend.core.tests.factories import AreaFactory
from opensend.ehc import services as ehc_services
from opensend.ehc.models import AnnualReview, ReviewOutcome, ReviewStage
from opensend.ehc.tests.factories import (
    assessing,
    draft_issued,
    drafting,
    final_issued,
    plan_for,
    received,
)
from opensend.insight import kpi, metrics
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

D = dt.date

# --- EHC plans issued within 20 weeks ---------------------------------------------------------

#: Every request is received on Monday 6 January 2025, so the 20 weeks run to Monday 26 May
#: 2025 (the factories' default issues the plan on 11 April 2025).
RECEIVED = D(2025, 1, 6)
FINAL_DUE = D(2025, 5, 26)
MAY_2025 = kpi.Period(D(2025, 5, 1), kpi.Frequency.MONTHLY)


def _issued_plan(area, issued_on, *, exception=False):
    """A new request received on 6 January 2025 whose final plan is issued on ``issued_on``;
    with ``exception``, exceptional personal circumstances (Reg 13(3)(c)) were recorded in
    February while the family was unable to take part."""
    request = assessing(received(ChildFactory(area=area), on=RECEIVED))
    assert request.final_due == FINAL_DUE
    if exception:
        ehc_services.exception_record(
            acting_user=None,
            request=request,
            kind="personal_circumstances",
            start_date=D(2025, 2, 10),
            end_date=D(2025, 3, 7),
            description="The family were in hospital with the child's sibling.",
        )
    return final_issued(draft_issued(drafting(request)), on=issued_on)


def _figures(metric, area, period, today):
    figures = metrics.compute(metric, area, period, today=today, parameters=metrics.Parameters())
    return figures.numerator, figures.denominator


ON_TIME = FINAL_DUE  # issued on the last day of the 20 weeks: on time
LATE = FINAL_DUE + dt.timedelta(days=1)
EARLY = D(2025, 5, 2)


@pytest.mark.parametrize(
    ("cases", "today", "excluding", "including"),
    [
        pytest.param([(ON_TIME, False)], D(2025, 12, 1), (1, 1), (1, 1), id="on-the-last-day"),
        pytest.param([(LATE, False)], D(2025, 12, 1), (0, 1), (0, 1), id="a-day-late"),
        pytest.param(
            [(ON_TIME, False), (EARLY, False), (LATE, False)],
            D(2025, 12, 1),
            (2, 3),
            (2, 3),
            id="two-of-three",
        ),
        # An exception takes the case out of the first figure only, late or not.
        pytest.param([(LATE, True)], D(2025, 12, 1), (0, 0), (0, 1), id="late-with-exception"),
        pytest.param(
            [(EARLY, True), (LATE, False)],
            D(2025, 12, 1),
            (0, 1),
            (1, 2),
            id="on-time-with-exception",
        ),
        pytest.param(
            [(ON_TIME, False), (LATE, True), (EARLY, True), (LATE, False)],
            D(2025, 12, 1),
            (1, 2),
            (2, 4),
            id="mixed",
        ),
        # Issued in April or June: another period's figure.
        pytest.param(
            [(D(2025, 4, 30), False), (D(2025, 6, 2), False)],
            D(2025, 12, 1),
            (0, 0),
            (0, 0),
            id="outside-the-period",
        ),
        # As on 26 May, a plan issued on the 27th is not yet counted.
        pytest.param(
            [(ON_TIME, False), (LATE, False)], FINAL_DUE, (1, 1), (1, 1), id="as-on-a-day"
        ),
    ],
)
def test_plans_issued_within_20_weeks(area, cases, today, excluding, including):
    for issued_on, exception in cases:
        _issued_plan(area, issued_on, exception=exception)
    assert _figures(metrics.Metric.EHC_20_WEEKS, area, MAY_2025, today) == excluding
    assert _figures(metrics.Metric.EHC_20_WEEKS_ALL, area, MAY_2025, today) == including


def test_another_areas_plans_are_not_counted(area):
    _issued_plan(area, ON_TIME)
    _issued_plan(AreaFactory(name="Northmoor", la_code="991"), LATE)
    today = D(2025, 12, 1)
    assert _figures(metrics.Metric.EHC_20_WEEKS_ALL, area, MAY_2025, today) == (1, 1)


def test_a_quarter_adds_up_its_months(area):
    _issued_plan(area, D(2025, 4, 11))
    _issued_plan(area, LATE, exception=True)
    _issued_plan(area, D(2025, 6, 2))
    quarter = kpi.Period(D(2025, 4, 1), kpi.Frequency.QUARTERLY)
    today = D(2025, 12, 1)
    assert _figures(metrics.Metric.EHC_20_WEEKS, area, quarter, today) == (1, 2)
    assert _figures(metrics.Metric.EHC_20_WEEKS_ALL, area, quarter, today) == (1, 3)


# --- annual reviews on time -------------------------------------------------------------------

#: A plan issued on 11 April 2025 (from a request of 6 January 2025) must be reviewed by
#: Friday 10 April 2026; a decision after a meeting on that day is due by 8 May 2026. The
#: child is in Year 2, so no phase transfer moves the review.
REVIEW_DUE = D(2026, 4, 10)
DECISION_DUE = D(2026, 5, 8)
APRIL_2026 = kpi.Period(D(2026, 4, 1), kpi.Frequency.MONTHLY)


def _review(area, *, meeting=None, decided=None, arranged=None, ceased=False):
    """The first annual review of a new plan: a meeting arranged for ``arranged`` (invitations
    sent 2 weeks before); held on ``meeting``; the report the same day and the decision to
    maintain the plan on ``decided``; or the plan ceased (the review cancelled)."""
    plan = plan_for(ChildFactory(area=area, date_of_birth=D(2018, 3, 14)))
    review = AnnualReview.objects.get(plan=plan)
    assert review.due_date == REVIEW_DUE
    if arranged is not None:
        ehc_services.review_invite(
            acting_user=None,
            review=review,
            sent_date=arranged - dt.timedelta(weeks=2),
            meeting_date=arranged,
        )
    if meeting is not None:
        ehc_services.review_hold_meeting(acting_user=None, review=review, meeting_date=meeting)
    if decided is not None:
        ehc_services.review_receive_report(
            acting_user=None, review=review, received_date=meeting, summary="Progress is good."
        )
        ehc_services.review_decide(
            acting_user=None, review=review, decision_date=decided, outcome=ReviewOutcome.MAINTAIN
        )
    if ceased:
        ehc_services.plan_cease(
            acting_user=None,
            plan=plan,
            ceased_date=D(2026, 2, 2),
            reason="5",
            transferred_to="991",
        )
        review.refresh_from_db()
        assert review.stage == ReviewStage.CANCELLED
    return review


HELD_ON_TIME = {"meeting": REVIEW_DUE, "decided": DECISION_DUE}
LATE_DECISION = {"meeting": REVIEW_DUE, "decided": DECISION_DUE + dt.timedelta(days=1)}
EARLY_MEETING = {"meeting": D(2026, 3, 20), "decided": D(2026, 4, 1)}
LATE_MEETING = {"meeting": REVIEW_DUE + dt.timedelta(days=1), "decided": D(2026, 4, 14)}
NOT_HELD: dict[str, dt.date] = {}
WAITING_FOR_DECISION = {"meeting": REVIEW_DUE}
ARRANGED_LATE = {"arranged": D(2026, 4, 20)}
CEASED = {"ceased": True}
LONG_AFTER = D(2026, 11, 20)


@pytest.mark.parametrize(
    ("reviews", "today", "expected"),
    [
        pytest.param([HELD_ON_TIME], LONG_AFTER, (1, 1), id="decided-on-the-last-day"),
        pytest.param([LATE_DECISION], LONG_AFTER, (0, 1), id="decided-a-day-late"),
        pytest.param([EARLY_MEETING], LONG_AFTER, (1, 1), id="held-early"),
        pytest.param([LATE_MEETING], LONG_AFTER, (0, 1), id="held-a-day-late"),
        pytest.param([NOT_HELD], LONG_AFTER, (0, 1), id="never-held"),
        pytest.param([NOT_HELD], REVIEW_DUE, (0, 0), id="due-today-not-late-yet"),
        pytest.param([NOT_HELD], REVIEW_DUE + dt.timedelta(days=1), (0, 1), id="overdue"),
        pytest.param([WAITING_FOR_DECISION], DECISION_DUE, (0, 0), id="decision-not-due-yet"),
        pytest.param(
            [WAITING_FOR_DECISION], DECISION_DUE + dt.timedelta(days=1), (0, 1), id="no-decision"
        ),
        # A meeting arranged for after the due date is late before it is held.
        pytest.param([ARRANGED_LATE], D(2026, 4, 1), (0, 1), id="arranged-after-due-date"),
        pytest.param([CEASED, HELD_ON_TIME], LONG_AFTER, (1, 1), id="cancelled-left-out"),
        pytest.param(
            [HELD_ON_TIME, EARLY_MEETING, LATE_DECISION, LATE_MEETING, NOT_HELD],
            LONG_AFTER,
            (2, 5),
            id="two-of-five",
        ),
    ],
)
def test_annual_reviews_on_time(area, reviews, today, expected):
    for review in reviews:
        _review(area, **review)
    assert _figures(metrics.Metric.REVIEWS_ON_TIME, area, APRIL_2026, today) == expected


def test_reviews_due_in_another_period_or_area_are_not_counted(area):
    _review(area, **HELD_ON_TIME)
    _review(AreaFactory(name="Northmoor", la_code="991"), **NOT_HELD)
    march = kpi.Period(D(2026, 3, 1), kpi.Frequency.MONTHLY)
    assert _figures(metrics.Metric.REVIEWS_ON_TIME, area, march, LONG_AFTER) == (0, 0)
    assert _figures(metrics.Metric.REVIEWS_ON_TIME, area, APRIL_2026, LONG_AFTER) == (1, 1)
