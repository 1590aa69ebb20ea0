"""An accessible bar chart of demand by month, drawn as SVG with no JavaScript: the geometry
is worked out here, the template draws it, and a table beside it holds the same figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
LEFT = 40
BOTTOM = 36
TOP = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int | str
    series: str  # "referrals" or "stops"


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[Label, ...]
    baseline: float


def _top(largest: int) -> int:
    """A round top for the scale: at least the largest value, and at least 5."""
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if largest <= step * 4:
            return step * 4 if largest > step * 2 else max(step * 2, 5)
    return ((largest // 1000) + 1) * 1000


def demand_chart(months: Sequence[tuple[dt.date, int | str, int | str]]) -> Chart:
    """Two bars a month, referrals and clock stops; a suppressed value draws no bar."""
    numbers = [v for _, r, s in months for v in (r, s) if isinstance(v, int)]
    top = _top(max(numbers, default=0))
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(months), 1)
    bar_width = slot * 0.35
    bars: list[Bar] = []
    labels: list[Label] = []
    for index, (month, referrals, stops) in enumerate(months):
        x = LEFT + index * slot + slot * 0.1
        for offset, value, series in ((0.0, referrals, "referrals"), (bar_width, stops, "stops")):
            height = plot_height * value / top if isinstance(value, int) else 0.0
            bars.append(
                Bar(
                    x=round(x + offset, 1),
                    y=round(TOP + plot_height - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    value=value,
                    series=series,
                )
            )
        labels.append(Label(round(x + bar_width, 1), month.strftime("%b %y")))
    ticks = tuple(
        Tick(round(TOP + plot_height - plot_height * part / 4, 1), top * part // 4)
        for part in range(5)
    )
    return Chart(WIDTH, HEIGHT, tuple(bars), ticks, tuple(labels), TOP + plot_height)
