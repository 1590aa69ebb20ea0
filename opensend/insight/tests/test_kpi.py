"""KPI definitions, values, RAG, direction of travel, suppression and periods, case by case.
Every expected value is worked out by hand.

The definitions most cases use:
- EHC20: plans issued within 20 weeks, out of plans issued, a percentage, higher is better,
  target 90% with an amber tolerance of 5 percentage points (green 90 and over, amber 85 to
  under 90, red under 85).
- WAIT: median weeks waited for a first appointment, a plain figure, lower is better, target 18
  weeks with a tolerance of 2 weeks (green up to 18, amber over 18 up to 20, red over 20).
"""

import ast
import datetime as dt
import inspect
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from opensend.insight import kpi
from opensend.insight.kpi import (
    AbsoluteRag,
    Frequency,
    KpiDefinition,
    Period,
    Polarity,
    RagStatus,
    RelativeRag,
    Source,
    ToleranceKind,
    Travel,
    Unit,
    YearStart,
)

D = dt.date
F = Fraction
HIGHER, LOWER, NEITHER = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER, Polarity.NEITHER
M, Q, A = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL

EHC20 = KpiDefinition(
    code="EHC20",
    name="EHC plans issued within 20 weeks",
    numerator="Plans issued within 20 weeks",
    denominator="Plans issued",
    unit=Unit.PERCENT,
    polarity=HIGHER,
    frequency=M,
    source=Source.COMPUTED,
    target=90,
    rag=RelativeRag(5),
)
WAIT = KpiDefinition(
    code="SALT-WAIT",
    name="Median wait for speech and language therapy",
    numerator="Median weeks waited for a first appointment",
    unit=Unit.WEEKS,
    polarity=LOWER,
    frequency=Q,
    source=Source.PROVIDER,
    target=18,
    rag=RelativeRag(2),
)
COUNT = KpiDefinition(
    code="TRIB",
    name="Tribunal appeals registered",
    numerator="Appeals registered",
    unit=Unit.COUNT,
    polarity=NEITHER,
    frequency=M,
    source=Source.COMPUTED,
)
MEAN_DAYS = KpiDefinition(
    code="TRIAGE",
    name="Mean days to triage",
    numerator="Days from referral to triage, added up",
    denominator="Referrals triaged",
    unit=Unit.DAYS,
    polarity=LOWER,
    frequency=M,
    source=Source.PROVIDER,
)


def test_kpi_touches_no_models():
    tree = ast.parse(inspect.getsource(kpi))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert imported
    assert not [name for name in imported if name.endswith("models") or name.startswith("django")]


# --- Validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("definition", [EHC20, WAIT, COUNT, MEAN_DAYS])
def test_the_example_definitions_are_sound(definition):
    assert kpi.definition_problems(definition) == []
    assert kpi.validate(definition) is definition


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": " "}, "Enter a code"),
        ({"name": ""}, "Enter the name"),
        ({"numerator": ""}, "Say what is counted"),
        ({"denominator": " "}, "Say what the numerator is divided by"),
        ({"denominator": None}, "A percentage needs a denominator"),
        ({"decimal_places": 4}, "between 0 and 3 decimal places"),
        ({"target": 101}, "The target must be between 0 and 100"),
        ({"target": -1}, "The target must be between 0 and 100"),
        ({"target": None}, "Enter a target: the RAG thresholds are measured from it"),
        ({"rag": RelativeRag(-1)}, "tolerance cannot be negative"),
        ({"rag": RelativeRag(5, ToleranceKind.SHARE_OF_TARGET), "target": 0}, "other than 0"),
        ({"rag": RelativeRag(101, ToleranceKind.SHARE_OF_TARGET)}, "cannot be more than 100%"),
        ({"polarity": NEITHER}, "A RAG rating needs a better direction"),
        ({"rag": AbsoluteRag(green=80, red=90)}, "red threshold must be at or below the green"),
        ({"rag": AbsoluteRag(green=90, red=-5)}, "red threshold must be between 0 and 100"),
        ({"rag": AbsoluteRag(green=110, red=90)}, "green threshold must be between 0 and 100"),
        (
            {"polarity": LOWER, "rag": AbsoluteRag(green=20, red=10)},
            "red threshold must be at or above the green",
        ),
    ],
)
def test_unsound_definitions_are_refused_with_a_reason(changes, message):
    definition = replace(EHC20, **changes)
    problems = kpi.definition_problems(definition)
    assert any(message in problem for problem in problems), problems
    with pytest.raises(kpi.DefinitionInvalid) as raised:
        kpi.validate(definition)
    assert raised.value.problems == problems


@pytest.mark.parametrize(
    ("definition", "ok"),
    [
        (replace(WAIT, target=-1), False),  # weeks cannot be negative
        (replace(WAIT, unit=Unit.POUNDS, target=-500, rag=None), True),  # an overspend can
        (replace(EHC20, rag=AbsoluteRag(green=90, red=90)), True),  # no amber band
        (replace(EHC20, rag=AbsoluteRag(green=90, red=80), target=None), True),
        (replace(EHC20, rag=RelativeRag(0)), True),
    ],
)
def test_edges_of_validation(definition, ok):
    assert (kpi.definition_problems(definition) == []) is ok


# --- Formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "value", "shown"),
    [
        (EHC20, F(185, 2), "92.5%"),
        (EHC20, 92, "92%"),
        (EHC20, F(100, 3), "33.3%"),
        (EHC20, F(200, 3), "66.7%"),
        (EHC20, Decimal("92.45"), "92.5%"),  # half away from zero, not to even
        (EHC20, Decimal("92.449"), "92.4%"),
        (replace(EHC20, decimal_places=0), Decimal("92.5"), "93%"),
        (WAIT, 1, "1 week"),
        (WAIT, 18, "18 weeks"),
        (WAIT, F(37, 2), "18.5 weeks"),
        (MEAN_DAYS, 1, "1 day"),
        (MEAN_DAYS, 14, "14 days"),
        (COUNT, 1234, "1,234"),
        (replace(COUNT, unit=Unit.POUNDS), 1250, "£1,250"),
        (replace(COUNT, unit=Unit.POUNDS), Decimal("1250.5"), "£1,250.50"),
        (replace(COUNT, unit=Unit.POUNDS), -500, "-£500"),
    ],
)
def test_values_are_shown_in_their_unit(definition, value, shown):
    assert kpi.format_value(definition, value) == shown


# --- The value of a period -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "numerator", "denominator", "value"),
    [
        (EHC20, 45, 50, 90),
        (EHC20, 0, 50, 0),
        (EHC20, 1, 3, F(100, 3)),
        (EHC20, 50, 50, 100),
        (MEAN_DAYS, 300, 10, 30),
        (MEAN_DAYS, 7, 2, F(7, 2)),
        (COUNT, 7, None, 7),
        (COUNT, 0, None, 0),
        (WAIT, Decimal("14.5"), None, F(29, 2)),
        (replace(COUNT, unit=Unit.POUNDS), -500, None, -500),
    ],
)
def test_the_value_of_a_period(definition, numerator, denominator, value):
    result = kpi.period_value(definition, numerator=numerator, denominator=denominator)
    assert result.value == value
    assert result.has_data
    assert result.no_data_reason == ""


@pytest.mark.parametrize(
    ("definition", "numerator", "denominator", "reason"),
    [
        (EHC20, 0, 0, "The denominator (Plans issued) is 0: there was nothing to measure"),
        (MEAN_DAYS, 0, 0, "The denominator (Referrals triaged) is 0"),
        (EHC20, None, 50, "No figure was given"),
        (COUNT, None, None, "No figure was given"),
        (EHC20, 5, None, "No denominator was given"),
    ],
)
def test_no_data_is_a_value_with_a_reason_not_a_crash(definition, numerator, denominator, reason):
    result = kpi.period_value(definition, numerator=numerator, denominator=denominator)
    assert result.value is None
    assert not result.has_data
    assert reason in result.no_data_reason
    assert kpi.rag_status(definition, result.value).status is RagStatus.NO_DATA


@pytest.mark.parametrize(
    ("definition", "numerator", "denominator", "message"),
    [
        (EHC20, -1, 50, "The numerator cannot be negative"),
        (EHC20, 5, -1, "The denominator cannot be negative"),
        (EHC20, 12, 10, "cannot be more than the denominator in a percentage"),
        (COUNT, -2, None, "The numerator cannot be negative"),
        (COUNT, 3, 4, "is a plain figure: it has no denominator"),
    ],
)
def test_impossible_figures_are_refused(definition, numerator, denominator, message):
    problems = kpi.figure_problems(definition, numerator=numerator, denominator=denominator)
    assert any(message in problem for problem in problems), problems
    with pytest.raises(kpi.FigureInvalid) as raised:
        kpi.period_value(definition, numerator=numerator, denominator=denominator)
    assert raised.value.problems == problems


def test_more_than_the_denominator_is_fine_for_a_mean():
    assert kpi.figure_problems(MEAN_DAYS, numerator=300, denominator=10) == []


# --- RAG -------------------------------------------------------------------------------------

R, AM, G = RagStatus.RED, RagStatus.AMBER, RagStatus.GREEN


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (100, G),
        (90, G),  # exactly on target
        (Decimal("89.9"), AM),
        (85, AM),  # exactly the tolerance short
        (Decimal("84.9"), R),
        (0, R),
    ],
)
def test_rag_relative_higher_is_better(value, status):
    assert kpi.rag_status(EHC20, value).status is status


@pytest.mark.parametrize(
    ("value", "status"),
    [(10, G), (18, G), (Decimal("18.1"), AM), (20, AM), (Decimal("20.1"), R), (52, R)],
)
def test_rag_relative_lower_is_better(value, status):
    assert kpi.rag_status(WAIT, value).status is status


@pytest.mark.parametrize(
    ("definition", "value", "status"),
    [
        # higher is better, target 50, tolerance 10% of the target = 5
        (replace(EHC20, target=50, rag=RelativeRag(10, ToleranceKind.SHARE_OF_TARGET)), 50, G),
        (replace(EHC20, target=50, rag=RelativeRag(10, ToleranceKind.SHARE_OF_TARGET)), 45, AM),
        (
            replace(EHC20, target=50, rag=RelativeRag(10, ToleranceKind.SHARE_OF_TARGET)),
            Decimal("44.9"),
            R,
        ),
        # lower is better, target 20 days, tolerance 10% = 2 days
        (replace(MEAN_DAYS, target=20, rag=RelativeRag(10, ToleranceKind.SHARE_OF_TARGET)), 22, AM),
        (
            replace(MEAN_DAYS, target=20, rag=RelativeRag(10, ToleranceKind.SHARE_OF_TARGET)),
            Decimal("22.01"),
            R,
        ),
        # no tolerance: met or missed
        (replace(EHC20, target=92, rag=RelativeRag(0)), 92, G),
        (replace(EHC20, target=92, rag=RelativeRag(0)), Decimal("91.9"), R),
    ],
)
def test_rag_tolerance_as_a_share_of_the_target_and_none(definition, value, status):
    assert kpi.rag_status(definition, value).status is status


ABS_HIGH = replace(EHC20, target=None, rag=AbsoluteRag(green=90, red=80))
ABS_LOW = replace(WAIT, target=None, rag=AbsoluteRag(green=10, red=20))


@pytest.mark.parametrize(
    ("definition", "value", "status"),
    [
        (ABS_HIGH, 95, G),
        (ABS_HIGH, 90, G),
        (ABS_HIGH, 89, AM),
        (ABS_HIGH, 80, AM),
        (ABS_HIGH, Decimal("79.9"), R),
        (ABS_LOW, 5, G),
        (ABS_LOW, 10, G),
        (ABS_LOW, 15, AM),
        (ABS_LOW, 20, AM),
        (ABS_LOW, 21, R),
        (replace(ABS_HIGH, rag=AbsoluteRag(green=90, red=90)), Decimal("89.9"), R),
    ],
)
def test_rag_absolute_thresholds_both_polarities(definition, value, status):
    assert kpi.rag_status(definition, value).status is status


@pytest.mark.parametrize(
    ("definition", "value", "reason"),
    [
        (EHC20, 92, "92% meets the target of 90%"),
        (EHC20, 88, "88% misses the target of 90% by no more than 5 percentage points"),
        (EHC20, 80, "80% misses the target of 90% by more than 5 percentage points"),
        (WAIT, 19, "19 weeks misses the target of 18 weeks by no more than 2 weeks"),
        (ABS_HIGH, 85, "85% is between the red threshold of 80% and the green threshold of 90%"),
        (ABS_LOW, 25, "25 weeks is worse than the red threshold of 20 weeks"),
        (ABS_LOW, 10, "10 weeks is at or better than the green threshold of 10 weeks"),
    ],
)
def test_rag_gives_its_reason(definition, value, reason):
    assert kpi.rag_status(definition, value).reason == reason


@pytest.mark.parametrize(
    ("definition", "status"),
    [
        (COUNT, RagStatus.NOT_RATED),  # no thresholds
        (replace(EHC20, target=None), RagStatus.NOT_RATED),  # relative, but no target
        (replace(EHC20, polarity=NEITHER), RagStatus.NOT_RATED),
    ],
)
def test_kpis_without_usable_thresholds_are_not_rated(definition, status):
    result = kpi.rag_status(definition, 50)
    assert result.status is status
    assert result.reason
    assert status.label == "Not rated"


# --- Direction of travel ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "current", "previous", "travel"),
    [
        (HIGHER, 92, 90, Travel.IMPROVED),
        (HIGHER, 88, 90, Travel.WORSENED),
        (HIGHER, 90, 90, Travel.NO_CHANGE),
        (LOWER, 10, 12, Travel.IMPROVED),
        (LOWER, 14, 12, Travel.WORSENED),
        (LOWER, F(1, 3), Decimal("0.5"), Travel.IMPROVED),
        (NEITHER, 14, 12, Travel.UP),
        (NEITHER, 10, 12, Travel.DOWN),
        (NEITHER, 12, 12, Travel.NO_CHANGE),
        (HIGHER, None, 90, Travel.NOT_COMPARABLE),
        (HIGHER, 90, None, Travel.NOT_COMPARABLE),
    ],
)
def test_direction_of_travel(polarity, current, previous, travel):
    assert kpi.direction_of_travel(polarity, current, previous) is travel
    assert travel.label


# --- Suppression -----------------------------------------------------------------------------

POUNDS_PER_CHILD = replace(MEAN_DAYS, unit=Unit.POUNDS, numerator="Spend", denominator="Children")
PLAIN_DAYS = replace(WAIT, unit=Unit.DAYS)


@pytest.mark.parametrize(
    ("definition", "numerator", "denominator", "group_size", "suppressed", "why"),
    [
        (COUNT, 0, None, None, False, ""),
        (COUNT, 1, None, None, True, "The count is between 1 and 5"),
        (COUNT, 5, None, None, True, "The count is between 1 and 5"),
        (COUNT, 6, None, None, False, ""),
        (EHC20, 0, 100, None, False, ""),
        (EHC20, 3, 100, None, True, "The numerator (Plans issued within 20 weeks)"),
        (EHC20, 6, 100, None, False, ""),
        (EHC20, 95, 100, None, False, ""),
        (EHC20, 5, 5, None, True, "The denominator (Plans issued)"),
        (EHC20, 0, 4, None, True, "The denominator (Plans issued)"),
        (EHC20, 6, 6, None, False, ""),
        (EHC20, 0, 0, None, False, ""),  # no data: nothing is published
        (MEAN_DAYS, 3, 40, None, False, ""),  # 3 days in total is not 3 children
        (MEAN_DAYS, 300, 4, None, True, "The denominator (Referrals triaged)"),
        (POUNDS_PER_CHILD, 2, 10, None, False, ""),
        (PLAIN_DAYS, 40, None, 4, True, "describes between 1 and 5 children"),
        (PLAIN_DAYS, 40, None, 6, False, ""),
        (PLAIN_DAYS, 3, None, None, False, ""),
    ],
)
def test_small_numbers_are_suppressed(
    definition, numerator, denominator, group_size, suppressed, why
):
    result = kpi.suppression(
        definition, numerator=numerator, denominator=denominator, group_size=group_size
    )
    assert result.suppressed is suppressed
    assert why in result.reason
    assert result.mark == ("[c]" if suppressed else "")


def test_the_reason_for_suppression_does_not_give_the_number_away():
    result = kpi.suppression(COUNT, numerator=3)
    assert result.suppressed
    assert "3" not in result.reason


# --- Periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "frequency", "year_start", "start", "end", "label"),
    [
        (D(2026, 4, 15), M, YearStart.FINANCIAL, D(2026, 4, 1), D(2026, 4, 30), "Apr 2026"),
        (D(2028, 2, 29), M, YearStart.FINANCIAL, D(2028, 2, 1), D(2028, 2, 29), "Feb 2028"),
        (D(2026, 12, 31), M, YearStart.CALENDAR, D(2026, 12, 1), D(2026, 12, 31), "Dec 2026"),
        (D(2026, 4, 1), Q, YearStart.FINANCIAL, D(2026, 4, 1), D(2026, 6, 30), "2026-27 Q1"),
        (D(2026, 6, 30), Q, YearStart.FINANCIAL, D(2026, 4, 1), D(2026, 6, 30), "2026-27 Q1"),
        (D(2026, 7, 1), Q, YearStart.FINANCIAL, D(2026, 7, 1), D(2026, 9, 30), "2026-27 Q2"),
        (D(2027, 1, 15), Q, YearStart.FINANCIAL, D(2027, 1, 1), D(2027, 3, 31), "2026-27 Q4"),
        (D(2027, 3, 31), Q, YearStart.FINANCIAL, D(2027, 1, 1), D(2027, 3, 31), "2026-27 Q4"),
        (D(2027, 4, 1), Q, YearStart.FINANCIAL, D(2027, 4, 1), D(2027, 6, 30), "2027-28 Q1"),
        (D(2027, 3, 31), A, YearStart.FINANCIAL, D(2026, 4, 1), D(2027, 3, 31), "2026-27"),
        (D(2099, 5, 1), A, YearStart.FINANCIAL, D(2099, 4, 1), D(2100, 3, 31), "2099-00"),
        (D(2026, 9, 1), Q, YearStart.ACADEMIC, D(2026, 9, 1), D(2026, 11, 30), "2026/27 Q1"),
        (D(2026, 8, 31), Q, YearStart.ACADEMIC, D(2026, 6, 1), D(2026, 8, 31), "2025/26 Q4"),
        (D(2027, 8, 31), A, YearStart.ACADEMIC, D(2026, 9, 1), D(2027, 8, 31), "2026/27"),
        (D(2026, 12, 31), Q, YearStart.CALENDAR, D(2026, 10, 1), D(2026, 12, 31), "2026 Q4"),
        (D(2026, 1, 1), A, YearStart.CALENDAR, D(2026, 1, 1), D(2026, 12, 31), "2026"),
    ],
)
def test_the_period_a_date_falls_in(day, frequency, year_start, start, end, label):
    period = kpi.period_of(day, frequency, year_start)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.contains(day)
    assert not period.contains(start - dt.timedelta(days=1))
    assert not period.contains(end + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("period", "count", "labels"),
    [
        (Period(D(2026, 4, 1), M), 3, ["Jan 2026", "Feb 2026", "Mar 2026"]),
        (Period(D(2026, 4, 1), Q), 2, ["2025-26 Q3", "2025-26 Q4"]),
        (Period(D(2026, 4, 1), A), 2, ["2024-25", "2025-26"]),
        (Period(D(2026, 9, 1), Q, YearStart.ACADEMIC), 1, ["2025/26 Q4"]),
        (Period(D(2026, 4, 1), M), 0, []),
    ],
)
def test_the_previous_n_periods_oldest_first(period, count, labels):
    assert [p.label for p in kpi.previous_periods(period, count)] == labels


def test_period_arithmetic():
    april = Period(D(2026, 4, 1), M)
    assert april.previous == Period(D(2026, 3, 1), M)
    assert april.next == Period(D(2026, 5, 1), M)
    assert april.shifted(-12) == Period(D(2025, 4, 1), M)
    assert april.shifted(21).label == "Jan 2028"
    assert [p.label for p in kpi.periods_between(april, Period(D(2026, 7, 1), M))] == [
        "Apr 2026",
        "May 2026",
        "Jun 2026",
        "Jul 2026",
    ]
    assert kpi.periods_between(april, april.previous) == ()
    assert sorted([april.next, april, april.previous]) == [april.previous, april, april.next]


@pytest.mark.parametrize(
    ("start", "frequency", "year_start"),
    [
        (D(2026, 4, 2), M, YearStart.FINANCIAL),
        (D(2026, 5, 1), Q, YearStart.FINANCIAL),
        (D(2026, 1, 1), A, YearStart.FINANCIAL),
        (D(2026, 4, 1), Q, YearStart.ACADEMIC),
    ],
)
def test_periods_must_begin_where_the_reporting_year_puts_them(start, frequency, year_start):
    with pytest.raises(ValueError, match="cannot begin on"):
        Period(start, frequency, year_start)


def test_bad_period_requests_are_refused():
    with pytest.raises(ValueError, match="0 or more"):
        kpi.previous_periods(Period(D(2026, 4, 1), M), -1)
    with pytest.raises(ValueError, match="same frequency"):
        kpi.periods_between(Period(D(2026, 4, 1), M), Period(D(2026, 4, 1), Q))
