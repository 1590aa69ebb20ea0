"""The XmR chart and the Making Data Count rules, case by case. Every limit below is worked out
by hand, never by the function under test.

The small series: 10, 12, 11, 15, 12.
    mean = 60 / 5 = 12
    moving ranges = |12-10|, |11-12|, |15-11|, |12-15| = 2, 1, 4, 3
    mean moving range = 10 / 4 = 2.5
    upper process limit = 12 + 2.66 × 2.5 = 18.65; lower = 12 − 6.65 = 5.35
    two sigma = two thirds of 6.65 = 133/30 (4.4333…): lines at 493/30 (16.4333…) and 227/30
    moving-range limit = 3.267 × 2.5 = 8.1675

The baseline most rule cases use (``baseline=6`` fixes the limits from these six points):
BASE = 12, 10, 12, 10, 12, 10 (ends below the mean); BASE_HIGH = 10, 12, 10, 12, 10, 12.
    mean = 11; every moving range is 2, so the mean moving range is 2
    limits = 11 ± 5.32: 16.32 and 5.68; two sigma = 11 ± 3.5466…: 14.5466… and 7.4533…
Nothing in the baseline itself is a signal: it alternates about the mean.
"""

import ast
import inspect
from decimal import Decimal
from fractions import Fraction

import pytest

from opensend.insight import spc
from opensend.insight.kpi import Polarity
from opensend.insight.spc import Assurance, Limits, Nature, Rule, Rules, Side, Variation

F = Fraction
HIGHER, LOWER, NEITHER = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER, Polarity.NEITHER
BASE = [12, 10, 12, 10, 12, 10]
BASE_HIGH = [10, 12, 10, 12, 10, 12]


def chart(tail, *, base=BASE, polarity=HIGHER, rules=spc.MDC_RULES):
    return spc.xmr([*base, *tail], polarity=polarity, baseline=6, rules=rules)


def flagged(result, rule=None):
    """Indexes of the points a rule (or any rule) flagged."""
    return [
        p.index
        for p in result.points
        if (rule is None and p.signals) or any(s.rule is rule for s in p.signals)
    ]


def test_spc_touches_no_models():
    tree = ast.parse(inspect.getsource(spc))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert imported
    assert not [name for name in imported if name.endswith("models") or name.startswith("django")]


# --- The limits --------------------------------------------------------------------------------


def test_hand_computed_limits_of_the_small_series():
    result = spc.xmr([10, 12, 11, 15, 12], polarity=HIGHER, labels=["A", "B", "C", "D", "E"])
    limits = result.limits
    assert limits.mean == 12
    assert limits.mean_moving_range == F(5, 2)
    assert limits.upper == F(1865, 100)
    assert limits.lower == F(535, 100)
    assert limits.upper_two_sigma == F(493, 30)
    assert limits.lower_two_sigma == F(227, 30)
    assert limits.moving_range_upper == F(81675, 10000)
    assert [p.moving_range for p in result.points] == [None, 2, 1, 4, 3]
    assert [p.label for p in result.points] == ["A", "B", "C", "D", "E"]
    assert limits.points == 5
    assert limits.provisional and result.provisional
    assert result.flagged == ()
    assert result.variation is Variation.COMMON_CAUSE


def test_floats_are_taken_as_the_decimals_they_print_as():
    result = spc.xmr([0.1, 0.2, 0.3], polarity=HIGHER)
    assert result.limits.mean == F(1, 5)
    assert result.limits.mean_moving_range == F(1, 10)
    decimals = spc.xmr([Decimal("0.1"), Decimal("0.3")], polarity=HIGHER)
    assert decimals.limits.mean == F(1, 5)


@pytest.mark.parametrize(
    ("points", "baseline", "provisional", "used"),
    [
        (14, None, True, 14),
        (15, None, False, 15),
        (20, None, False, 20),
        (30, 12, True, 12),
        (30, 15, False, 15),
        (10, 15, True, 10),  # a baseline longer than the series uses every point
    ],
)
def test_limits_from_fewer_than_15_points_are_provisional(points, baseline, provisional, used):
    values = [10 + (i % 2) * 2 for i in range(points)]
    result = spc.xmr(values, polarity=HIGHER, baseline=baseline)
    assert result.limits.points == used
    assert result.limits.provisional is provisional


def test_a_baseline_fixes_the_limits_and_later_points_are_judged_against_them():
    result = chart([30, 30])
    assert result.limits.mean == 11
    assert result.limits.mean_moving_range == 2
    assert result.limits.upper == F(1632, 100)
    recalculated = spc.xmr([*BASE, 30, 30], polarity=HIGHER)
    assert recalculated.limits.mean == F(126, 8)


def test_a_step_change_starts_a_segment_with_its_own_limits_and_runs():
    """10, 12 five times then 20, 22 five times. As one process: mean 16, and ten points in a row
    below it then ten above, so every point is a shift. Split at the step (index 10): each half
    alternates about its own mean (11, then 21) with moving ranges of 2 — nothing is flagged, and
    the jump from 12 to 20 is no segment's moving range."""
    values = [10, 12] * 5 + [20, 22] * 5
    whole = spc.xmr(values, polarity=HIGHER)
    assert whole.limits.mean == 16
    assert whole.limits.mean_moving_range == F(44, 19)
    assert flagged(whole, Rule.SHIFT) == list(range(20))

    split = spc.xmr(values, polarity=HIGHER, steps=[10])
    assert [p.segment for p in split.points] == [0] * 10 + [1] * 10
    assert split.points[0].limits.mean == 11
    assert split.limits.mean == 21
    assert split.limits.mean_moving_range == 2
    assert split.points[10].moving_range is None
    assert split.flagged == ()


def test_runs_do_not_cross_a_step():
    """Six points above the baseline's mean, then three much higher: as one process that is a
    run of nine above the mean; with a step before the three, neither segment has a run of
    seven (the second has its own mean, 88/3)."""
    values = [*BASE, *[12] * 6, 30, 28, 30]
    assert flagged(spc.xmr(values, polarity=HIGHER, baseline=6), Rule.SHIFT) == list(range(6, 15))
    result = spc.xmr(values, polarity=HIGHER, steps=[12], baseline=6)
    assert result.limits.mean == F(88, 3)
    assert flagged(result) == []


# --- Rule 1: beyond a process limit ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "side"),
    [
        (F(1632, 100), None),  # exactly on the upper limit
        (F(1633, 100), Side.HIGH),
        (F(568, 100), None),  # exactly on the lower limit
        (F(567, 100), Side.LOW),
    ],
)
def test_a_point_beyond_a_process_limit(value, side):
    result = chart([value])
    latest = result.latest
    if side is None:
        assert latest.signals == ()
        assert result.variation is Variation.COMMON_CAUSE
    else:
        assert [s.rule for s in latest.signals] == [Rule.BEYOND_LIMIT]
        assert latest.side is side
        assert "process limit" in latest.reasons[0]


# --- Rule 2: trend ---------------------------------------------------------------------------

RISING_6 = [F(21, 2), 11, F(23, 2), 12, F(25, 2)]  # with BASE's last 10: six points rising
FALLING_6 = [F(23, 2), 11, F(21, 2), 10, F(19, 2)]  # with BASE_HIGH's last 12: six falling


@pytest.mark.parametrize(
    ("base", "tail", "rules", "expected"),
    [
        (BASE, RISING_6, spc.MDC_RULES, []),
        (BASE, [*RISING_6, 13], spc.MDC_RULES, list(range(5, 12))),
        (BASE, RISING_6, Rules(trend=6), list(range(5, 11))),
        (BASE_HIGH, FALLING_6, spc.MDC_RULES, []),
        (BASE_HIGH, [*FALLING_6, 9], spc.MDC_RULES, list(range(5, 12))),
        # an equal value breaks the run: 10, 10.5, 11 | 11, 11.5, 12, 12.5, 13
        (BASE, [F(21, 2), 11, 11, F(23, 2), 12, F(25, 2), 13], spc.MDC_RULES, []),
    ],
)
def test_trend_fires_at_seven_points_not_six(base, tail, rules, expected):
    result = chart(tail, base=base, rules=rules)
    assert flagged(result, Rule.TREND) == expected
    if expected:
        assert flagged(result) == expected  # nothing else fires on these series


def test_a_trend_is_judged_by_its_direction_not_its_side():
    """A falling trend that starts above the mean is concerning where higher is better, even
    for the points still above the mean."""
    result = chart([*FALLING_6, 9], base=BASE_HIGH)
    first = result.points[5]  # the baseline's last 12, above the mean of 11
    assert first.value > first.limits.mean
    assert first.side is Side.LOW
    assert first.nature is Nature.CONCERNING
    assert result.variation is Variation.CONCERNING_LOW
    assert "lower than the one before" in result.latest.reasons[0]


# --- Rule 3: two in three near a limit ---------------------------------------------------------


def two_sigma_up():
    return Limits(mean=F(11), mean_moving_range=F(2), points=6).upper_two_sigma


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ([15, 12, 15], [6, 8]),  # two of three beyond two sigma, all above the mean
        ([15, 15, 12], [6, 7]),
        ([15, 12, 12], []),  # only one beyond two sigma
        ([15, 10, 15], []),  # the middle point is below the mean
        ([15, 7, 15], []),  # beyond two sigma on opposite sides
        ([two_sigma_up(), 12, 15], []),  # exactly on the two-sigma line is not beyond it
        ([two_sigma_up() + F(1, 1000), 12, 15], [6, 8]),
    ],
)
def test_two_of_three_points_beyond_two_sigma(tail, expected):
    result = chart(tail)
    assert flagged(result, Rule.TWO_IN_THREE) == expected


def test_a_point_beyond_the_limit_counts_towards_two_in_three():
    """MDC (November 2023): every point beyond two sigma counts, including one beyond the
    process limit; that point is flagged by both rules, the limit first."""
    result = chart([15, 17, 12])
    assert flagged(result, Rule.TWO_IN_THREE) == [6, 7]
    assert [s.rule for s in result.points[7].signals] == [Rule.BEYOND_LIMIT, Rule.TWO_IN_THREE]
    assert result.points[8].signals == ()


# --- Rule 4: shift ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "tail", "rules", "expected"),
    [
        (BASE, [12] * 6, spc.MDC_RULES, []),
        (BASE, [12] * 7, spc.MDC_RULES, list(range(6, 13))),
        (BASE, [12] * 6, Rules(shift=6), list(range(6, 12))),
        (BASE_HIGH, [10] * 6, spc.MDC_RULES, []),
        (BASE_HIGH, [10] * 7, spc.MDC_RULES, list(range(6, 13))),
        # a point exactly on the mean breaks the run
        (BASE, [12, 12, 12, 11, 12, 12, 12, 12], spc.MDC_RULES, []),
    ],
)
def test_shift_fires_at_seven_points_not_six(base, tail, rules, expected):
    result = chart(tail, base=base, rules=rules)
    assert flagged(result, Rule.SHIFT) == expected
    assert flagged(result) == expected


# --- Variation verdict -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "tail", "polarity", "verdict"),
    [
        (BASE, [12] * 7, HIGHER, Variation.IMPROVING_HIGH),
        (BASE, [12] * 7, LOWER, Variation.CONCERNING_HIGH),
        (BASE, [12] * 7, NEITHER, Variation.NEITHER_HIGH),
        (BASE_HIGH, [10] * 7, HIGHER, Variation.CONCERNING_LOW),
        (BASE_HIGH, [10] * 7, LOWER, Variation.IMPROVING_LOW),
        (BASE_HIGH, [10] * 7, NEITHER, Variation.NEITHER_LOW),
        (BASE, [12] * 6, HIGHER, Variation.COMMON_CAUSE),
        (BASE, [12] * 6, LOWER, Variation.COMMON_CAUSE),
    ],
)
def test_polarity_decides_whether_a_signal_is_improving_or_concerning(
    base, tail, polarity, verdict
):
    result = chart(tail, base=base, polarity=polarity)
    assert result.variation is verdict
    assert verdict.label


@pytest.mark.parametrize(
    ("polarity", "nature"),
    [(HIGHER, Nature.IMPROVING), (LOWER, Nature.CONCERNING), (NEITHER, Nature.NEITHER)],
)
def test_each_flagged_point_has_a_nature(polarity, nature):
    result = chart([12] * 7, polarity=polarity)
    assert {p.nature for p in result.flagged} == {nature}
    assert {p.nature for p in result.points if not p.signals} == {Nature.COMMON_CAUSE}


def test_the_verdict_is_the_latest_points_and_earlier_signals_stay_flagged():
    result = chart([17, 11])  # 17 beyond the upper limit, then a point on the mean
    assert [p.index for p in result.flagged] == [6]
    assert result.variation is Variation.COMMON_CAUSE


def test_when_rules_disagree_the_first_rule_decides():
    """0 to 7: mean 3.5, mean moving range 1, limits 0.84 and 6.16. The first point is below the
    lower limit and starts a rising trend: the limit decides, so it is a low signal."""
    result = spc.xmr(list(range(8)), polarity=LOWER)
    first = result.points[0]
    assert [s.rule for s in first.signals][:2] == [Rule.BEYOND_LIMIT, Rule.TREND]
    assert first.side is Side.LOW
    assert first.nature is Nature.IMPROVING
    assert result.points[3].nature is Nature.CONCERNING  # rising, where lower is better
    assert result.variation is Variation.CONCERNING_HIGH


# --- Assurance -------------------------------------------------------------------------------

BASE_LIMITS = Limits(mean=F(11), mean_moving_range=F(2), points=6)  # 5.68 to 16.32


@pytest.mark.parametrize(
    ("polarity", "target", "expected"),
    [
        (HIGHER, 5, Assurance.CONSISTENTLY_PASSING),
        (HIGHER, 17, Assurance.CONSISTENTLY_FAILING),
        (HIGHER, 11, Assurance.HIT_AND_MISS),
        (HIGHER, F(1632, 100), Assurance.HIT_AND_MISS),  # on the upper limit
        (HIGHER, F(568, 100), Assurance.HIT_AND_MISS),  # on the lower limit
        (LOWER, 17, Assurance.CONSISTENTLY_PASSING),
        (LOWER, 5, Assurance.CONSISTENTLY_FAILING),
        (LOWER, 11, Assurance.HIT_AND_MISS),
        (LOWER, 16.33, Assurance.CONSISTENTLY_PASSING),
        (NEITHER, 17, Assurance.NOT_APPLICABLE),
        (HIGHER, None, Assurance.NOT_APPLICABLE),
    ],
)
def test_assurance_against_the_target(polarity, target, expected):
    assert spc.assurance(BASE_LIMITS, target, polarity) is expected
    assert expected.label


def test_the_chart_gives_assurance_from_its_latest_limits():
    values = [10, 12] * 5 + [20, 22] * 5
    result = spc.xmr(values, polarity=HIGHER, steps=[10])
    assert result.assurance(15) is Assurance.CONSISTENTLY_PASSING  # second segment 15.68–26.32
    assert spc.xmr(values, polarity=HIGHER).assurance(15) is Assurance.HIT_AND_MISS


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        ([], {}, "at least 2 points; there are 0"),
        ([5], {}, "at least 2 points; there is 1"),
        ([1, 2, 3], {"labels": ["a", "b"]}, "one label for each point"),
        ([1, 2, 3], {"baseline": 1}, "baseline needs at least 2"),
        ([1, 2, 3, 4, 5], {"steps": [0]}, "outside the series"),
        ([1, 2, 3, 4, 5], {"steps": [5]}, "outside the series"),
        ([1, 2, 3, 4, 5, 6], {"steps": [4, 2]}, "in order, each once"),
        ([1, 2, 3, 4, 5, 6], {"steps": [2, 2]}, "in order, each once"),
        ([1, 2, 3, 4, 5], {"steps": [4]}, "starting at point 5 has only one point"),
        ([1, 2, 3, 4, 5], {"steps": [1]}, "starting at point 1 has only one point"),
        ([1.0, float("nan"), 3.0], {}, "Point 2 is not a number"),
        ([Decimal(1), Decimal("Infinity")], {}, "Point 2 is not a number"),
        ([1, 2, 3], {"rules": Rules(shift=5)}, "A shift needs 6 or 7 points"),
        ([1, 2, 3], {"rules": Rules(trend=8)}, "A trend needs 6 or 7 points"),
    ],
)
def test_bad_series_are_refused_with_a_reason(values, options, message):
    problems = spc.xmr_problems(values, **options)
    assert any(message in problem for problem in problems), problems
    with pytest.raises(spc.SeriesInvalid) as raised:
        spc.xmr(values, polarity=HIGHER, **options)
    assert raised.value.problems == problems


def test_a_sound_series_has_no_problems():
    assert spc.xmr_problems([1, 2, 3, 4], steps=[2], baseline=2, rules=Rules(6, 6)) == []
