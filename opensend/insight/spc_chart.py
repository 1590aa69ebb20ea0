"""The geometry of an indicator's SPC chart as an accessible SVG (the template draws it): the
values joined by a line, the mean and the process limits of each segment, the target, and
each point marked by its nature — by shape as well as colour, so that nobody needs to tell
colours apart: a circle for common cause, a square for improving, a triangle for concerning
and a diamond for special cause where neither direction is better.

A point a reader may not see (a suppressed small number) is left off the chart and out of its
mean and limits, so that they cannot give it away; its period keeps its place on the axis, and
the data table beside it shows the suppression mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from opensend.insight import kpi, spc
from opensend.insight.selectors import IndicatorSeries

WIDTH = 720
HEIGHT = 320
LEFT = 64
RIGHT = 16
TOP = 16
BOTTOM = 56

#: The marker of each nature: (shape, fill colour, words for the key and the table).
MARKERS: dict[spc.Nature, tuple[str, str, str]] = {
    spc.Nature.COMMON_CAUSE: ("circle", "#505a5f", "Common cause"),
    spc.Nature.IMPROVING: ("square", "#1d70b8", "Special cause: improving"),
    spc.Nature.CONCERNING: ("triangle", "#d4351c", "Special cause: concerning"),
    spc.Nature.NEITHER: ("diamond", "#4c2c92", "Special cause: neither better nor worse"),
}


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    shape: str
    colour: str
    label: str  # "Apr 2026: 87.5% (special cause: concerning)"

    @property
    def points(self) -> str:
        """The polygon of a square, triangle or diamond around (x, y)."""
        size = 6.0
        x, y = self.x, self.y
        if self.shape == "square":
            corners = [
                (x - size, y - size),
                (x + size, y - size),
                (x + size, y + size),
                (x - size, y + size),
            ]
        elif self.shape == "triangle":
            corners = [(x, y - size - 1), (x + size + 1, y + size), (x - size - 1, y + size)]
        else:
            corners = [(x, y - size - 1), (x + size + 1, y), (x, y + size + 1), (x - size - 1, y)]
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in corners)


@dataclass(frozen=True)
class Line:
    x1: float
    x2: float
    y: float
    kind: str  # mean, limit, target


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class AxisLabel:
    x: float
    text: str


@dataclass(frozen=True)
class SpcChart:
    width: int
    height: int
    title: str
    description: str
    path: str  # the polyline joining the values shown
    markers: tuple[Marker, ...]
    lines: tuple[Line, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[AxisLabel, ...]
    baseline: float
    keys: tuple[tuple[str, str, str], ...]  # the markers used: shape, colour, words


def _scale(low: Fraction, high: Fraction) -> tuple[Fraction, Fraction]:
    if high == low:
        pad = abs(high) / 10 or Fraction(1)
        return low - pad, high + pad
    pad = (high - low) / 10
    return low - pad, high + pad


def spc_chart(series: IndicatorSeries) -> SpcChart | None:
    """The chart of ``series``, or ``None`` where it has no chart (fewer than 2 values)."""
    chart = series.chart
    if chart is None:
        return None
    definition = series.definition
    charted = series.charted
    target = None if definition.target is None else kpi.exact(definition.target)
    candidates = [point.value for point in chart.points]
    for point in chart.points:
        candidates += [point.limits.upper, point.limits.lower]
    if target is not None:
        candidates.append(target)
    low, high = _scale(min(candidates), max(candidates))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    placed = series.placed
    # where each charted point sits along the axis (suppressed periods keep their places)
    slot = [i for i, point in enumerate(placed) if point.has_data]
    count = len(placed)
    step = plot_width / max(count - 1, 1)

    def x_of(index: int) -> float:
        return LEFT + (slot[index] * step if count > 1 else plot_width / 2)

    def x_of_slot(position: int) -> float:
        return LEFT + (position * step if count > 1 else plot_width / 2)

    def y_of(value: Fraction) -> float:
        return float(TOP + (high - value) / (high - low) * plot_height)

    markers: list[Marker] = []
    path: list[str] = []
    used: dict[spc.Nature, tuple[str, str, str]] = {}
    for index, (point, seen) in enumerate(zip(chart.points, charted, strict=True)):
        shape, colour, words = MARKERS[point.nature]
        used[point.nature] = (shape, colour, words)
        x, y = x_of(index), y_of(point.value)
        path.append(f"{x:.1f},{y:.1f}")
        markers.append(
            Marker(x, y, shape, colour, f"{point.label}: {seen.shown.text} ({words.lower()})")
        )
    lines: list[Line] = []
    segments: dict[int, list[int]] = {}
    for index, point in enumerate(chart.points):
        segments.setdefault(point.segment, []).append(index)
    for indexes in segments.values():
        limits = chart.points[indexes[0]].limits
        x1, x2 = x_of(indexes[0]), x_of(indexes[-1])
        lines.append(Line(x1, x2, y_of(limits.mean), "mean"))
        lines.append(Line(x1, x2, y_of(limits.upper), "limit"))
        lines.append(Line(x1, x2, y_of(limits.lower), "limit"))
    if target is not None:
        lines.append(Line(LEFT, WIDTH - RIGHT, y_of(target), "target"))
    ticks = tuple(
        Tick(y_of(value), kpi.format_value(definition, value))
        for value in (low + (high - low) * Fraction(i, 4) for i in range(5))
    )
    every = max(1, count // 8)
    labels = tuple(
        AxisLabel(x_of_slot(position), point.label)
        for position, point in enumerate(placed)
        if position % every == 0 or position == count - 1
    )
    limits = chart.limits
    target_words = (
        f", the target of {kpi.format_value(definition, target)} as a dash-dot line"
        if target is not None
        else ""
    )
    description = (
        f"An XmR chart of {len(charted)} periods from {charted[0].label} to "
        f"{charted[-1].label}. The mean ({kpi.format_value(definition, limits.mean)}) is a "
        f"solid line and the process limits ({kpi.format_value(definition, limits.lower)} to "
        f"{kpi.format_value(definition, limits.upper)}) are dashed lines{target_words}. "
        f"{len(chart.flagged)} {'point shows' if len(chart.flagged) == 1 else 'points show'} "
        "special cause variation, marked by shape: a square for improving, a triangle for "
        "concerning. The table gives every value."
    )
    return SpcChart(
        width=WIDTH,
        height=HEIGHT,
        title=f"{series.indicator.name}: statistical process control chart",
        description=description,
        path=" ".join(path),
        markers=tuple(markers),
        lines=tuple(lines),
        ticks=ticks,
        labels=labels,
        baseline=HEIGHT - BOTTOM,
        keys=tuple(used[nature] for nature in MARKERS if nature in used),
    )
