"""The performance framework's reads: who sees which indicators, the headline status (RAG,
travel, Making Data Count verdicts, concerning or not), small-number suppression, and the
series behind the SPC chart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from opensend.insight import kpi, selectors, spc
from opensend.insight.tests.factories import TODAY, contract_indicator, indicator, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpis(world):
    return {
        "area": indicator(world.area, name="Area KPI"),
        "inactive": indicator(world.area, name="Retired KPI", active=False),
        "trust": contract_indicator(world.trust_contract, name="Trust KPI"),
        "charity": contract_indicator(world.charity_contract, name="Charity KPI"),
    }


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("commissioner", {"Area KPI", "Retired KPI", "Trust KPI", "Charity KPI"}),
        ("send_manager", {"Area KPI", "Retired KPI", "Trust KPI", "Charity KPI"}),
        ("board_member", {"Area KPI", "Trust KPI", "Charity KPI"}),
        ("trust_user", {"Trust KPI"}),
        ("charity_user", {"Charity KPI"}),
        ("coordinator", set()),
        ("other_commissioner", set()),
    ],
)
def test_indicators_for(world, kpis, who, seen):
    user = getattr(world, who)
    assert {row.name for row in selectors.indicators_for(user, world.area)} == seen
    for key, row in kpis.items():
        if row.name in seen:
            assert selectors.indicator_get_for_user(user, row.pk)[0] == row
        else:
            with pytest.raises(Http404):
                selectors.indicator_get_for_user(user, row.pk)
        assert key


@pytest.mark.parametrize(
    ("who", "exact"),
    [("commissioner", True), ("trust_user", True), ("board_member", False)],
)
def test_who_sees_exact_figures(world, kpis, who, exact):
    assert selectors.sees_exact(getattr(world, who), kpis["trust"]) is exact


def _monthly(kpi_row, figures):
    start = dt.date(2026, 11, 1)
    for offset, (numerator, denominator) in enumerate(reversed(figures)):
        day = kpi.Period(start, kpi.Frequency.MONTHLY).shifted(-offset).start
        value(kpi_row, day, numerator, denominator)


@pytest.mark.parametrize(
    ("figures", "exact", "shown", "rag", "travel", "concerning"),
    [
        ([(90, 100), (95, 100)], True, "95%", kpi.RagStatus.GREEN, kpi.Travel.IMPROVED, False),
        ([(95, 100), (87, 100)], True, "87%", kpi.RagStatus.AMBER, kpi.Travel.WORSENED, False),
        ([(95, 100), (70, 100)], True, "70%", kpi.RagStatus.RED, kpi.Travel.WORSENED, True),
        # a denominator of 4 is suppressed for a board member, not rated, and not compared
        # (saying it worsened would say something of the hidden value)
        (
            [(90, 100), (1, 4)],
            False,
            "[c]",
            kpi.RagStatus.NOT_RATED,
            kpi.Travel.NOT_COMPARABLE,
            False,
        ),
        ([(90, 100), (1, 4)], True, "25%", kpi.RagStatus.RED, kpi.Travel.WORSENED, True),
    ],
)
def test_indicator_status(world, figures, exact, shown, rag, travel, concerning):
    kpi_row = indicator(world.area)
    _monthly(kpi_row, figures)
    status = selectors.indicator_status(kpi_row, on=TODAY, exact=exact)
    assert status.shown_value == shown
    assert status.latest_period_label == "Nov 2026"
    assert status.rag is not None and status.rag.status is rag
    assert status.travel is travel
    assert status.concerning is concerning
    assert bool(status.reason) is concerning


def test_status_without_values(world):
    status = selectors.indicator_status(indicator(world.area), on=TODAY, exact=True)
    assert (status.latest, status.shown_value, status.concerning) == (None, "No data", False)
    assert status.variation is None


def test_special_cause_of_concern_and_failing_assurance(world):
    kpi_row = indicator(world.area, target=95, rag_tolerance=60)
    # 12 steady months around 80%, then a fall far below the lower process limit
    _monthly(kpi_row, [(80 + (i % 2), 100) for i in range(12)] + [(40, 100)])
    status = selectors.indicator_status(kpi_row, on=TODAY, exact=True)
    assert status.variation is spc.Variation.CONCERNING_LOW
    assert status.assurance is spc.Assurance.CONSISTENTLY_FAILING
    assert status.rag is not None and status.rag.status is kpi.RagStatus.AMBER
    assert status.concerning
    assert "concerning nature" in status.reason and "failing" in status.reason


def test_series_covers_every_period_and_charts_those_with_data(world):
    kpi_row = indicator(world.area)
    value(kpi_row, dt.date(2026, 9, 1), 9, 10)
    value(kpi_row, dt.date(2026, 11, 1), 8, 10)
    value(kpi_row, dt.date(2026, 10, 1), 0, 0)  # nothing to measure
    series = selectors.indicator_series(kpi_row, on=TODAY, periods=4)
    assert [point.label for point in series.points] == [
        "Aug 2026",
        "Sep 2026",
        "Oct 2026",
        "Nov 2026",
    ]
    assert [point.shown.text for point in series.points] == ["No data", "90%", "No data", "80%"]
    assert series.chart is not None
    assert [point.label for point in series.charted] == ["Sep 2026", "Nov 2026"]
    assert series.latest is not None and series.latest.label == "Nov 2026"


def test_series_with_one_value_has_no_chart(world):
    kpi_row = indicator(world.area)
    value(kpi_row, dt.date(2026, 11, 1), 8, 10)
    series = selectors.indicator_series(kpi_row, on=TODAY, periods=4)
    assert series.chart is None
    assert "at least 2 points" in series.chart_problems[0]


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("commissioner", True),
        ("send_manager", True),
        ("trust_user", True),
        ("board_member", True),
        ("coordinator", False),
    ],
)
def test_who_gets_the_performance_navigation_item(world, who, shown):
    from opensend.insight.permissions import sees_performance

    assert sees_performance(getattr(world, who)) is shown
    assert sees_performance(None) is False
