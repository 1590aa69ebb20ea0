"""Computed KPIs: figures OpenSEND works out from its own records for one period.

Each metric is a function of an area, a period, the day it is worked out on and the
indicator's parameters, returning a numerator and a denominator (``Figures``); ``compute``
dispatches by ``Metric``. The statutory rules are the other apps' own: the 20-week rate is
``opensend.ehc.selectors.twenty_week_rates``, the review decision limit is
``opensend.ehc.rules.review_decision_due``, the waiting list is
``opensend.pathways.selectors.pathway_figures``.

A case counts once its outcome is settled: a deadline that has not passed and has not yet
been met is left out of both numerator and denominator until it is (so the current period's
figure does not look worse than it is). docs/performance.md gives each definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from opensend.core.models import Area
from opensend.directory.models import Feedback
from opensend.ehc import rules as ehc_rules
from opensend.ehc.models import AdviceRequest, AdviceStatus, AdviceType, AnnualReview, ReviewStage
from opensend.ehc.selectors import twenty_week_rates
from opensend.insight.kpi import Period
from opensend.pathways.models import Pathway
from opensend.pathways.selectors import pathway_figures


class Metric(models.TextChoices):
    EHC_20_WEEKS = "ehc_20_weeks", "EHC plans issued within 20 weeks (excluding exceptions)"
    EHC_20_WEEKS_ALL = "ehc_20_weeks_all", "EHC plans issued within 20 weeks (all plans)"
    REVIEWS_ON_TIME = "reviews_on_time", "Annual reviews completed on time"
    ADVICE_EDUCATION = "advice_education", "Education advice returned within 6 weeks"
    ADVICE_HEALTH = "advice_health", "Health advice returned within 6 weeks"
    ADVICE_SOCIAL_CARE = "advice_social_care", "Social care advice returned within 6 weeks"
    WAITING_UNDER_18_WEEKS = (
        "waiting_under_18_weeks",
        "Share of a pathway's waiting list waiting under 18 weeks",
    )
    FEEDBACK_ANSWERED = "feedback_answered", "Local Offer feedback answered within N days"


#: The indicator parameters each metric needs besides the area: ``pathway``, ``days``.
PARAMETERS: dict[Metric, frozenset[str]] = {metric: frozenset() for metric in Metric} | {
    Metric.WAITING_UNDER_18_WEEKS: frozenset({"pathway"}),
    Metric.FEEDBACK_ANSWERED: frozenset({"days"}),
}


@dataclass(frozen=True)
class Figures:
    numerator: int
    denominator: int


@dataclass(frozen=True)
class Parameters:
    pathway: Pathway | None = None
    days: int | None = None


class MetricUnavailable(ValueError):
    """The metric cannot be worked out: a parameter it needs is missing."""


def ehc_20_weeks(
    area: Area, period: Period, today: dt.date, *, excluding_exceptions: bool
) -> Figures:
    """New EHC plans issued in the period (numerator: within 20 weeks of the request, Reg
    13(2)); excluding the cases where an exception of Reg 13(3) was recorded, or not."""
    months = twenty_week_rates(area=area, start=period.start, end=min(period.end, today))
    if excluding_exceptions:
        return Figures(
            sum(m.on_time_excluding_exceptions for m in months),
            sum(m.issued_excluding_exceptions for m in months),
        )
    return Figures(sum(m.on_time for m in months), sum(m.issued for m in months))


def reviews_on_time(area: Area, period: Period, today: dt.date) -> Figures:
    """Annual reviews due in the period (Reg 20: within 12 months of the plan or the last
    review), not cancelled. On time: the meeting was held by the due date and the decision
    notified within 4 weeks of the meeting (Reg 20(10)). A review whose deadlines have not
    passed and are not yet met is not counted."""
    reviews = AnnualReview.objects.filter(
        plan__area=area, due_date__gte=period.start, due_date__lte=period.end
    ).exclude(stage=ReviewStage.CANCELLED)
    on_time = settled = 0
    for review in reviews.only("due_date", "meeting_date", "decision_date"):
        meeting, decision = review.meeting_date, review.decision_date
        if meeting is None or meeting > review.due_date:
            if meeting is not None or review.due_date < today:
                settled += 1  # late, held or not
            continue
        decision_due = ehc_rules.review_decision_due(meeting)
        if decision is not None and decision <= decision_due:
            on_time += 1
            settled += 1
        elif decision is not None or decision_due < today:
            settled += 1
    return Figures(on_time, settled)


ADVICE_TYPES = {
    Metric.ADVICE_EDUCATION: AdviceType.EDUCATION,
    Metric.ADVICE_HEALTH: AdviceType.HEALTH,
    Metric.ADVICE_SOCIAL_CARE: AdviceType.SOCIAL_CARE,
}


def advice_on_time(area: Area, period: Period, today: dt.date, *, advice_type: str) -> Figures:
    """Advice of one agency due in the period (6 weeks from the request, Reg 8(1)), leaving
    out cancelled requests and those under a Reg 8(2) exception. On time: returned by the due
    date. Advice not yet returned counts once its due date has passed."""
    advice = (
        AdviceRequest.objects.filter(
            request__area=area,
            advice_type=advice_type,
            due_date__gte=period.start,
            due_date__lte=period.end,
            exception_kind="",
        )
        .exclude(status=AdviceStatus.CANCELLED)
        .only("due_date", "returned_date", "status")
    )
    on_time = settled = 0
    for row in advice:
        returned = row.returned_date if row.status == AdviceStatus.RETURNED else None
        if returned is not None and returned <= row.due_date:
            on_time += 1
            settled += 1
        elif returned is not None or row.due_date < today:
            settled += 1
    return Figures(on_time, settled)


def waiting_within_standard(period: Period, today: dt.date, *, pathway: Pathway) -> Figures:
    """The pathway's waiting list at the end of the period (or today, in the current one):
    numerator, those waiting no longer than its standard (18 weeks unless it says otherwise);
    denominator, everyone waiting."""
    figures = pathway_figures(pathway, on=min(period.end, today))
    return Figures(figures.within_standard, figures.summary.size)


def feedback_answered(area: Area, period: Period, today: dt.date, *, days: int) -> Figures:
    """Local Offer feedback received in the period: numerator, answered within ``days``
    calendar days of receipt (the day received is day 0). Unanswered feedback counts once the
    days have run out."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    answered = settled = 0
    for row in Feedback.objects.filter(area=area, received_at__gte=start, received_at__lt=end).only(
        "received_at", "answered_at"
    ):
        received = timezone.localtime(row.received_at, zone).date()
        allowed = received + dt.timedelta(days=days)
        if row.answered_at is not None:
            settled += 1
            if timezone.localtime(row.answered_at, zone).date() <= allowed:
                answered += 1
        elif allowed < today:
            settled += 1
    return Figures(answered, settled)


Compute = Callable[[Area, Period, dt.date, Parameters], Figures]


def _needs_pathway(parameters: Parameters) -> Pathway:
    if parameters.pathway is None:
        raise MetricUnavailable("A waiting-list KPI needs its pathway")
    return parameters.pathway


def _needs_days(parameters: Parameters) -> int:
    if not parameters.days:
        raise MetricUnavailable("A feedback KPI needs the number of days allowed")
    return parameters.days


def _advice_metric(advice_type: str) -> Compute:
    def run(area: Area, period: Period, today: dt.date, _parameters: Parameters) -> Figures:
        return advice_on_time(area, period, today, advice_type=advice_type)

    return run


COMPUTE: dict[Metric, Compute] = {
    Metric.EHC_20_WEEKS: lambda a, p, t, _: ehc_20_weeks(a, p, t, excluding_exceptions=True),
    Metric.EHC_20_WEEKS_ALL: lambda a, p, t, _: ehc_20_weeks(a, p, t, excluding_exceptions=False),
    Metric.REVIEWS_ON_TIME: lambda a, p, t, _: reviews_on_time(a, p, t),
    **{metric: _advice_metric(kind) for metric, kind in ADVICE_TYPES.items()},
    Metric.WAITING_UNDER_18_WEEKS: lambda a, p, t, x: waiting_within_standard(
        p, t, pathway=_needs_pathway(x)
    ),
    Metric.FEEDBACK_ANSWERED: lambda a, p, t, x: feedback_answered(a, p, t, days=_needs_days(x)),
}


def compute(
    metric: Metric | str, area: Area, period: Period, *, today: dt.date, parameters: Parameters
) -> Figures:
    """The figures of ``metric`` for ``area`` in ``period``, as on ``today``."""
    return COMPUTE[Metric(metric)](area, period, today, parameters)
