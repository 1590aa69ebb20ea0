"""Computed KPIs on small hand-built records, and ``opensend compute-indicators``: every open
period computed, nothing written twice, closed periods left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from opensend.directory.models import Feedback
from opensend.directory.services.feedback import feedback_submit
from opensend.ehc.tests.factories import advice_returned, advice_sent, assessing, received
from opensend.insight import kpi, metrics, services
from opensend.insight.models import IndicatorValue
from opensend.insight.tests.factories import indicator
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

AUGUST = kpi.Period(dt.date(2026, 8, 1), kpi.Frequency.MONTHLY)


def _health_advice(area, returned_after_days):
    """Health advice requested on 1 July 2026 (due 12 August): returned so many days after
    the request, or never (``None``)."""
    request = assessing(
        received(ChildFactory(area=area), on=dt.date(2026, 6, 1)), on=dt.date(2026, 6, 29)
    )
    advice = advice_sent(request, on=dt.date(2026, 7, 1))
    assert advice.due_date == dt.date(2026, 8, 12)
    if returned_after_days is not None:
        advice_returned(advice, on=advice.requested_date + dt.timedelta(days=returned_after_days))
    return advice


@pytest.mark.parametrize(
    ("returned", "today", "expected"),
    [
        ([30, 42], dt.date(2026, 11, 20), (2, 2)),  # 42 days is the due date itself: on time
        ([30, 43], dt.date(2026, 11, 20), (1, 2)),
        ([30, None], dt.date(2026, 11, 20), (1, 2)),  # never returned and overdue: late
        ([30, None], dt.date(2026, 8, 10), (1, 1)),  # not due yet: not counted
        ([None], dt.date(2026, 8, 12), (0, 0)),  # due today, not late yet
    ],
)
def test_health_advice_within_6_weeks(area, returned, today, expected):
    for days in returned:
        _health_advice(area, days)
    figures = metrics.compute(
        metrics.Metric.ADVICE_HEALTH, area, AUGUST, today=today, parameters=metrics.Parameters()
    )
    assert (figures.numerator, figures.denominator) == expected
    education = metrics.compute(
        metrics.Metric.ADVICE_EDUCATION,
        area,
        AUGUST,
        today=today,
        parameters=metrics.Parameters(),
    )
    assert (education.numerator, education.denominator) == (0, 0)


def _feedback(area, received_on, answered_on):
    feedback = feedback_submit(area=area, about="content", comment="More on short breaks")
    zone = timezone.get_current_timezone()
    received_at = dt.datetime.combine(received_on, dt.time(10), tzinfo=zone)
    answered_at = (
        dt.datetime.combine(answered_on, dt.time(15), tzinfo=zone) if answered_on else None
    )
    Feedback.objects.filter(pk=feedback.pk).update(received_at=received_at, answered_at=answered_at)


@pytest.mark.parametrize(
    ("cases", "days", "today", "expected"),
    [
        ([(dt.date(2026, 8, 3), dt.date(2026, 8, 31))], 28, dt.date(2026, 11, 1), (1, 1)),
        ([(dt.date(2026, 8, 3), dt.date(2026, 9, 1))], 28, dt.date(2026, 11, 1), (0, 1)),
        ([(dt.date(2026, 8, 30), None)], 28, dt.date(2026, 9, 20), (0, 0)),
        ([(dt.date(2026, 8, 30), None)], 28, dt.date(2026, 9, 28), (0, 1)),
        ([(dt.date(2026, 9, 1), dt.date(2026, 9, 2))], 28, dt.date(2026, 11, 1), (0, 0)),
    ],
)
def test_feedback_answered_within_days(area, cases, days, today, expected):
    for received_on, answered_on in cases:
        _feedback(area, received_on, answered_on)
    figures = metrics.compute(
        metrics.Metric.FEEDBACK_ANSWERED,
        area,
        AUGUST,
        today=today,
        parameters=metrics.Parameters(days=days),
    )
    assert (figures.numerator, figures.denominator) == expected


def test_a_metric_without_its_parameter_is_unavailable(area):
    with pytest.raises(metrics.MetricUnavailable):
        metrics.compute(
            metrics.Metric.FEEDBACK_ANSWERED,
            area,
            AUGUST,
            today=dt.date(2026, 11, 1),
            parameters=metrics.Parameters(),
        )


def test_compute_indicators_is_idempotent_and_leaves_closed_periods_alone(world):
    advice_kpi = indicator(
        world.area,
        code="health-advice",
        source="computed",
        computed_metric="advice_health",
    )
    _health_advice(world.area, 30)
    _health_advice(world.area, 50)
    today = dt.date(2026, 11, 20)
    first = services.indicators_compute(today=today, area_id=world.area.pk)
    assert first.indicators == 1 and first.failed == 0
    assert first.created == first.periods == 13  # Nov 2025 to Nov 2026
    august = IndicatorValue.objects.get(indicator=advice_kpi, period_start=AUGUST.start)
    assert (august.numerator, august.denominator, august.value) == (
        Decimal(1),
        Decimal(2),
        Decimal(50),
    )
    second = services.indicators_compute(today=today, area_id=world.area.pk)
    assert (second.created, second.changed, second.unchanged) == (0, 0, 13)
    services.period_close(
        acting_user=None, indicator=advice_kpi, period_start=AUGUST.start, today=today
    )
    _health_advice(world.area, 20)
    third = services.indicators_compute(today=today, area_id=world.area.pk)
    assert third.periods == 12
    august.refresh_from_db()
    assert august.denominator == Decimal(2)


def test_the_command_runs_here_and_says_what_it_did(world):
    indicator(world.area, code="health-advice", source="computed", computed_metric="advice_health")
    out = StringIO()
    call_command("compute_indicators", "--now", "--area", world.area.la_code, stdout=out)
    assert "Computed indicators for" in out.getvalue()
    assert "indicators: 1;" in out.getvalue()
    assert IndicatorValue.objects.filter(indicator__code="health-advice").exists()
