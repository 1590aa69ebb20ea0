"""Statistical process control for KPI trends, in the NHS England "Making Data Count" style
(issue 5, part 4): the XmR chart, its special-cause rules, and the variation and assurance
verdicts its summary icons show. Pure functions on a sequence of values; exact (``Fraction``).
ADR 0016 records the choices.

Sources:

- "MDC" is NHS England's *Making Data Count* programme (www.england.nhs.uk/publication/making-
  data-count/): *Making data count* (NHS Improvement, 2018), *Making data count: strengthening
  your decisions* (2019) and its Excel, SQL and Power BI tools. Process limits are the mean ±
  2.66 × the mean moving range, calculated from every point of the period they describe
  (outlying points are not screened out of the moving ranges, unlike some textbooks).
- *A guide to creating and interpreting run and control charts* (NHS Improvement, 2017).
- The NHS-R community's ``NHSRplotthedots`` package, written to reproduce the MDC tools, and the
  MDC team's comments on its issue tracker: issue 194 (November 2023) — the two-in-three rule
  counts every point beyond two sigma, including one beyond a process limit, and all three
  points must be on the same side of the mean; issue 202 — the MDC Excel tool lets the analyst
  choose runs of 6 or 7 points for shifts and trends; the package uses 7 for both, and 6 is
  the run-chart convention (NHS Improvement's 2017 guide), not the SPC one.

The four special-cause rules (MDC's "SPC rules"), checked within each segment of the chart:

1. **Beyond a process limit** — a point strictly above the upper or below the lower limit.
2. **Trend** — 7 points in a row each strictly higher than the one before, or each strictly
   lower (``Rules.trend``; MDC allows 6). An equal value breaks the run.
3. **Two in three near a limit** — in three points in a row, all on the same side of the
   mean, at least two are strictly beyond the two-sigma line on that side (two sigma is two
   thirds of the way from the mean to the limit). The points beyond two sigma are flagged.
4. **Shift** — 7 points in a row strictly above the mean, or strictly below it
   (``Rules.shift``; MDC allows 6). A point exactly on the mean breaks the run.

Each flagged point is improving or concerning by its side (a trend by its direction) and the
KPI's polarity; "neither" where neither direction is better. Where rules disagree about a
point, the first rule in the order above decides (the order NHS-R colours points by, pull
request 180: so a falling trend is concerning where higher is better, even above the mean).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from opensend.insight.kpi import Number, Polarity

#: Process limits are the mean ± 2.66 × the mean moving range (3 ÷ 1.128, the bias-correction
#: constant d2 for ranges of two points, rounded as MDC rounds it).
LIMIT_FACTOR = Fraction(266, 100)
#: The two-sigma lines are two thirds of the way from the mean to the limits.
TWO_SIGMA_FACTOR = LIMIT_FACTOR * 2 / 3
#: The upper limit of the moving-range chart: 3.267 × the mean moving range.
MOVING_RANGE_FACTOR = Fraction(3267, 1000)
#: Limits from fewer points than this are provisional: MDC's training asks for 15 to 20 points
#: (ideally 20) before limits are relied on; until then they move as data arrives. (The NHS-R
#: package calls limits from fewer than 12 points "trial" limits.)
PROVISIONAL_BELOW = 15
RECOMMENDED_POINTS = 20
#: A moving range needs two points, so limits need at least two.
MINIMUM_POINTS = 2


class SeriesInvalid(ValueError):
    """Raised for a series or chart options that cannot be charted; ``problems`` are messages."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Rules:
    """The run lengths of the shift and trend rules: MDC uses 7 and allows 6."""

    shift: int = 7
    trend: int = 7

    def problems(self) -> list[str]:
        return [
            f"A {name} needs 6 or 7 points in a row (Making Data Count uses 7)"
            for name, length in (("shift", self.shift), ("trend", self.trend))
            if length not in (6, 7)
        ]


MDC_RULES = Rules()


class Rule(StrEnum):
    """The special-cause rules, in the order that decides a point's nature."""

    BEYOND_LIMIT = "beyond_limit"
    TREND = "trend"
    TWO_IN_THREE = "two_in_three"
    SHIFT = "shift"

    @property
    def label(self) -> str:
        return {
            Rule.BEYOND_LIMIT: "Beyond a process limit",
            Rule.TREND: "Trend",
            Rule.TWO_IN_THREE: "Two in three near a process limit",
            Rule.SHIFT: "Shift",
        }[self]


_RULE_ORDER = tuple(Rule)


class Side(StrEnum):
    """Above the mean (or, for a trend, rising) or below it (falling)."""

    HIGH = "high"
    LOW = "low"


@dataclass(frozen=True)
class Signal:
    """One rule firing on one point."""

    rule: Rule
    side: Side
    reason: str


class Nature(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVING = "improving"
    CONCERNING = "concerning"
    NEITHER = "neither"  # special cause where neither direction is better


@dataclass(frozen=True)
class Limits:
    """The centre line and limits of one segment, from its first ``points`` points."""

    mean: Fraction
    mean_moving_range: Fraction
    points: int

    @property
    def upper(self) -> Fraction:
        return self.mean + LIMIT_FACTOR * self.mean_moving_range

    @property
    def lower(self) -> Fraction:
        return self.mean - LIMIT_FACTOR * self.mean_moving_range

    @property
    def upper_two_sigma(self) -> Fraction:
        return self.mean + TWO_SIGMA_FACTOR * self.mean_moving_range

    @property
    def lower_two_sigma(self) -> Fraction:
        return self.mean - TWO_SIGMA_FACTOR * self.mean_moving_range

    @property
    def moving_range_upper(self) -> Fraction:
        return MOVING_RANGE_FACTOR * self.mean_moving_range

    @property
    def provisional(self) -> bool:
        """Fewer than 15 points behind the limits: show them, but say they may move."""
        return self.points < PROVISIONAL_BELOW

    def side_of(self, value: Fraction) -> Side | None:
        """Which side of the mean ``value`` lies on; ``None`` exactly on it."""
        if value > self.mean:
            return Side.HIGH
        if value < self.mean:
            return Side.LOW
        return None

    def beyond_limit(self, value: Fraction) -> Side | None:
        if value > self.upper:
            return Side.HIGH
        if value < self.lower:
            return Side.LOW
        return None

    def beyond_two_sigma(self, value: Fraction) -> Side | None:
        if value > self.upper_two_sigma:
            return Side.HIGH
        if value < self.lower_two_sigma:
            return Side.LOW
        return None


@dataclass(frozen=True)
class Point:
    index: int
    label: str
    value: Fraction
    segment: int
    moving_range: Fraction | None
    limits: Limits
    signals: tuple[Signal, ...] = ()
    nature: Nature = Nature.COMMON_CAUSE

    @property
    def special_cause(self) -> bool:
        return bool(self.signals)

    @property
    def side(self) -> Side | None:
        """The side of the signal that decides the point's nature."""
        return self.signals[0].side if self.signals else None

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(signal.reason for signal in self.signals)


class Variation(StrEnum):
    """The MDC variation icon, for the most recent point."""

    COMMON_CAUSE = "common_cause"
    IMPROVING_HIGH = "improving_high"
    IMPROVING_LOW = "improving_low"
    CONCERNING_HIGH = "concerning_high"
    CONCERNING_LOW = "concerning_low"
    NEITHER_HIGH = "neither_high"
    NEITHER_LOW = "neither_low"

    @property
    def label(self) -> str:
        return {
            Variation.COMMON_CAUSE: "Common cause variation: no significant change",
            Variation.IMPROVING_HIGH: "Special cause variation of an improving nature: "
            "higher values",
            Variation.IMPROVING_LOW: "Special cause variation of an improving nature: lower values",
            Variation.CONCERNING_HIGH: "Special cause variation of a concerning nature: "
            "higher values",
            Variation.CONCERNING_LOW: "Special cause variation of a concerning nature: "
            "lower values",
            Variation.NEITHER_HIGH: "Special cause variation, neither improving nor concerning: "
            "higher values",
            Variation.NEITHER_LOW: "Special cause variation, neither improving nor concerning: "
            "lower values",
        }[self]


class Assurance(StrEnum):
    """The MDC assurance icon: whether the process, as it varies now, will meet the target."""

    CONSISTENTLY_PASSING = "pass"
    CONSISTENTLY_FAILING = "fail"
    HIT_AND_MISS = "hit_and_miss"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return {
            Assurance.CONSISTENTLY_PASSING: "Consistently passing the target",
            Assurance.CONSISTENTLY_FAILING: "Consistently failing the target",
            Assurance.HIT_AND_MISS: "Hit and miss: the target will be met in some periods and "
            "missed in others",
            Assurance.NOT_APPLICABLE: "No assurance: there is no target, or neither direction "
            "is better",
        }[self]


@dataclass(frozen=True)
class Chart:
    """An XmR chart: every point with its segment's limits, its signals and its nature."""

    points: tuple[Point, ...]
    polarity: Polarity
    rules: Rules = field(default=MDC_RULES)

    @property
    def latest(self) -> Point:
        return self.points[-1]

    @property
    def limits(self) -> Limits:
        """The limits of the latest segment, the ones the verdicts use."""
        return self.latest.limits

    @property
    def provisional(self) -> bool:
        return self.limits.provisional

    @property
    def flagged(self) -> tuple[Point, ...]:
        """The points with special cause variation, in order, each with its reasons."""
        return tuple(point for point in self.points if point.special_cause)

    @property
    def variation(self) -> Variation:
        return variation_of(self.latest, self.polarity)

    def assurance(self, target: Number | float | None) -> Assurance:
        return assurance(self.limits, target, self.polarity)


# --- Building the chart ----------------------------------------------------------------------


def _exact(value: Number | float) -> Fraction:
    """A value as a ``Fraction``; a float as the decimal it prints as (0.1 is 1/10)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def _value_problems(values: Sequence[Number | float]) -> list[str]:
    problems: list[str] = []
    for index, value in enumerate(values):
        finite = (
            math.isfinite(value)
            if isinstance(value, float)
            else value.is_finite()
            if isinstance(value, Decimal)
            else True
        )
        if not finite:
            problems.append(f"Point {index + 1} is not a number")
    return problems


def _segments(count: int, steps: Sequence[int]) -> tuple[list[range], list[str]]:
    problems: list[str] = []
    ordered = list(steps)
    if ordered != sorted(set(ordered)):
        problems.append("List the step changes in order, each once")
    for step in ordered:
        if not 0 < step < count:
            problems.append(
                f"A step change at point {step + 1} is outside the series: a new segment "
                f"starts at one of points 2 to {count}"
            )
    if problems:
        return [], problems
    bounds = [0, *ordered, count]
    segments = [range(start, end) for start, end in itertools.pairwise(bounds)]
    for segment in segments:
        if len(segment) < MINIMUM_POINTS:
            problems.append(
                f"The segment starting at point {segment.start + 1} has only one point: "
                "limits need at least two"
            )
    return segments, problems


def xmr_problems(
    values: Sequence[Number | float],
    *,
    labels: Sequence[str] | None = None,
    steps: Sequence[int] = (),
    baseline: int | None = None,
    rules: Rules = MDC_RULES,
) -> list[str]:
    """What stops ``xmr`` charting this series, as messages; ``[]`` if it can."""
    problems = _value_problems(values)
    if len(values) < MINIMUM_POINTS:
        problems.append(
            f"An SPC chart needs at least {MINIMUM_POINTS} points; there "
            + ("is 1" if len(values) == 1 else f"are {len(values)}")
        )
        return problems
    if labels is not None and len(labels) != len(values):
        problems.append("Give one label for each point")
    if baseline is not None and baseline < MINIMUM_POINTS:
        problems.append(f"A baseline needs at least {MINIMUM_POINTS} points")
    problems.extend(_segments(len(values), steps)[1])
    problems.extend(rules.problems())
    return problems


def _limits(values: Sequence[Fraction], baseline: int | None) -> Limits:
    used = list(values if baseline is None else values[:baseline])
    ranges = [abs(b - a) for a, b in itertools.pairwise(used)]
    return Limits(
        mean=sum(used, Fraction(0)) / len(used),
        mean_moving_range=sum(ranges, Fraction(0)) / len(ranges),
        points=len(used),
    )


def _runs(keys: Sequence[Side | None]) -> list[tuple[int, int, Side]]:
    """Maximal runs of equal, non-``None`` keys: (first index, length, key)."""
    runs: list[tuple[int, int, Side]] = []
    start = 0
    while start < len(keys):
        key = keys[start]
        end = start + 1
        while end < len(keys) and keys[end] == key:
            end += 1
        if key is not None:
            runs.append((start, end - start, key))
        start = end
    return runs


_HIGH_LOW = {Side.HIGH: "above", Side.LOW: "below"}


def _segment_signals(
    values: Sequence[Fraction], limits: Limits, rules: Rules
) -> list[list[Signal]]:
    """The signals of each point of one segment, in rule order."""
    found: dict[Rule, list[Signal | None]] = {rule: [None] * len(values) for rule in Rule}

    for index, value in enumerate(values):
        side = limits.beyond_limit(value)
        if side is not None:
            limit = "upper" if side is Side.HIGH else "lower"
            found[Rule.BEYOND_LIMIT][index] = Signal(
                Rule.BEYOND_LIMIT, side, f"{_HIGH_LOW[side].capitalize()} the {limit} process limit"
            )

    # Trends: the direction of each step, carried by the later point of the step.
    steps: list[Side | None] = [None]
    for before, after in itertools.pairwise(values):
        steps.append(Side.HIGH if after > before else Side.LOW if after < before else None)
    for start, length, side in _runs(steps):
        points = length + 1  # the run of steps starts from the point before it
        if points >= rules.trend:
            word = "higher" if side is Side.HIGH else "lower"
            for index in range(start - 1, start + length):
                if found[Rule.TREND][index] is None:  # a turning point keeps the earlier trend
                    found[Rule.TREND][index] = Signal(
                        Rule.TREND,
                        side,
                        f"One of {points} points in a row, each {word} than the one before",
                    )

    sides = [limits.side_of(value) for value in values]
    beyond = [limits.beyond_two_sigma(value) for value in values]
    for first in range(len(values) - 2):
        window = range(first, first + 3)
        side = sides[first]
        if side is None or any(sides[i] is not side for i in window):
            continue
        near = [i for i in window if beyond[i] is side]
        if len(near) >= 2:
            for index in near:
                found[Rule.TWO_IN_THREE][index] = Signal(
                    Rule.TWO_IN_THREE,
                    side,
                    f"Two out of three points in a row beyond two sigma {_HIGH_LOW[side]} the mean",
                )

    for start, length, side in _runs(sides):
        if length >= rules.shift:
            for index in range(start, start + length):
                found[Rule.SHIFT][index] = Signal(
                    Rule.SHIFT, side, f"One of {length} points in a row {_HIGH_LOW[side]} the mean"
                )

    return [
        [signal for rule in _RULE_ORDER if (signal := found[rule][index]) is not None]
        for index in range(len(values))
    ]


def _nature(side: Side, polarity: Polarity) -> Nature:
    if polarity is Polarity.NEITHER:
        return Nature.NEITHER
    improving = Side.HIGH if polarity is Polarity.HIGHER_IS_BETTER else Side.LOW
    return Nature.IMPROVING if side is improving else Nature.CONCERNING


def xmr(
    values: Sequence[Number | float],
    *,
    polarity: Polarity,
    labels: Sequence[str] | None = None,
    steps: Sequence[int] = (),
    baseline: int | None = None,
    rules: Rules = MDC_RULES,
) -> Chart:
    """The XmR chart of ``values`` (oldest first, one per period, no gaps: leave out periods
    with no data).

    ``steps`` are the indexes of the points where the process changed (a new service model, a
    new pathway): each starts a new segment with its own mean and limits, and its own runs.
    ``baseline`` fixes each segment's limits from its first ``baseline`` points, so that later
    points are judged against the process as it was (MDC's "fixing" limits after a baseline
    period). Raises ``SeriesInvalid`` (``xmr_problems``)."""
    problems = xmr_problems(values, labels=labels, steps=steps, baseline=baseline, rules=rules)
    if problems:
        raise SeriesInvalid(problems)
    exact_values = [_exact(value) for value in values]
    names = list(labels) if labels is not None else [str(i + 1) for i in range(len(values))]
    segments, _ = _segments(len(values), steps)
    points: list[Point] = []
    for number, segment in enumerate(segments):
        segment_values = exact_values[segment.start : segment.stop]
        limits = _limits(segment_values, baseline)
        signals = _segment_signals(segment_values, limits, rules)
        for offset, index in enumerate(segment):
            point_signals = tuple(signals[offset])
            points.append(
                Point(
                    index=index,
                    label=names[index],
                    value=exact_values[index],
                    segment=number,
                    moving_range=(
                        None if offset == 0 else abs(exact_values[index] - exact_values[index - 1])
                    ),
                    limits=limits,
                    signals=point_signals,
                    nature=(
                        _nature(point_signals[0].side, polarity)
                        if point_signals
                        else Nature.COMMON_CAUSE
                    ),
                )
            )
    return Chart(tuple(points), polarity, rules)


# --- Verdicts --------------------------------------------------------------------------------


def variation_of(point: Point, polarity: Polarity) -> Variation:
    """The MDC variation icon for ``point`` (the chart's is its most recent point's)."""
    side = point.side
    if side is None:
        return Variation.COMMON_CAUSE
    nature = _nature(side, polarity)
    high = side is Side.HIGH
    if nature is Nature.IMPROVING:
        return Variation.IMPROVING_HIGH if high else Variation.IMPROVING_LOW
    if nature is Nature.CONCERNING:
        return Variation.CONCERNING_HIGH if high else Variation.CONCERNING_LOW
    return Variation.NEITHER_HIGH if high else Variation.NEITHER_LOW


def assurance(limits: Limits, target: Number | float | None, polarity: Polarity) -> Assurance:
    """The MDC assurance icon: where the target lies against the process limits. Where higher
    is better, a target below the lower limit will consistently be passed, one above the upper
    limit consistently failed, and one between them (or exactly on a limit) hit and missed; the
    other way round where lower is better. No target, or no better direction: not applicable."""
    if target is None or polarity is Polarity.NEITHER:
        return Assurance.NOT_APPLICABLE
    goal = _exact(target)
    if goal > limits.upper:
        return (
            Assurance.CONSISTENTLY_FAILING
            if polarity is Polarity.HIGHER_IS_BETTER
            else Assurance.CONSISTENTLY_PASSING
        )
    if goal < limits.lower:
        return (
            Assurance.CONSISTENTLY_PASSING
            if polarity is Polarity.HIGHER_IS_BETTER
            else Assurance.CONSISTENTLY_FAILING
        )
    return Assurance.HIT_AND_MISS
