"""The demand chart's geometry."""

from __future__ import annotations

import datetime as dt

import pytest

from opensend.pathways.chart import HEIGHT, demand_chart


@pytest.mark.parametrize(
    ("largest", "top"),
    [(0, 10), (3, 10), (11, 20), (20, 20), (21, 40), (41, 80), (99, 100), (450, 800), (5000, 6000)],
)
def test_the_scale_is_round_and_holds_the_largest(largest, top):
    chart = demand_chart([(dt.date(2026, 1, 1), largest, 0)])
    assert chart.ticks[-1].value == top
    assert chart.ticks[0].value == 0


def test_bars_are_in_proportion_and_a_suppressed_value_has_none():
    chart = demand_chart([(dt.date(2026, 1, 1), 20, 10), (dt.date(2026, 2, 1), "[c]", 40)])
    referrals, stops, hidden, tallest = chart.bars
    assert referrals.height == 2 * stops.height
    assert hidden.height == 0 and hidden.value == "[c]"
    assert tallest.y + tallest.height == chart.baseline < HEIGHT
    assert [label.text for label in chart.labels] == ["Jan 26", "Feb 26"]
