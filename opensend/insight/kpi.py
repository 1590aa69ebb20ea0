"""Key performance indicators of the partnership's performance framework (issue 5, part 4), as
pure functions: what a KPI counts, its value in a period, its RAG status against its target,
its direction of travel, and whether a published value must be suppressed.

Nothing here touches the database: a definition is a frozen dataclass, figures are passed in,
and every rule is tested with a table of hand-worked cases. ADR 0016 records the choices.

- **Values are exact.** Numerators, denominators, targets and thresholds are ``Fraction`` (or
  ``int`` or ``Decimal``, converted exactly), so a value exactly on a boundary is on it.
- **A zero denominator is "no data", never a crash** (``period_value``): nothing was there to
  measure (no plans fell due in the month), which is not the same as 0%.
- **RAG** is either relative to the target (green at or better than the target; amber when worse
  by no more than a tolerance, in the KPI's units or as a share of the target; red beyond) or
  absolute (a green and a red threshold). Boundaries are inclusive on the better side: a value
  exactly at the target is green, a value exactly a tolerance short is amber.
- **Periods** are months, quarters and years of the KPI's reporting year: the financial year
  (April, labels "2026-27 Q1" and "2026-27"), the academic year (September, "2026/27 Q1") or the
  calendar year (January, "2026 Q1"). Months are labelled "Apr 2026".
- **Small numbers** (``suppression``): published counts from 1 to 5 are suppressed, and so is a
  rate whose numerator or denominator is from 1 to 5 (DESIGN.md, "Data protection";
  ``opensend.core.disclosure``). Zero is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from opensend.core.disclosure import SMALLEST_SHOWN, SUPPRESSED, is_small

#: A figure as callers hold it. Floats are left out on purpose: a definition is exact.
Number = int | Fraction | Decimal


def exact(value: Number) -> Fraction:
    """``value`` as a ``Fraction``, exactly (``Decimal("92.5")`` is 185/2)."""
    return Fraction(value)


# --- What a KPI is ---------------------------------------------------------------------------


class Unit(StrEnum):
    PERCENT = "percent"
    COUNT = "count"
    DAYS = "days"
    WEEKS = "weeks"
    POUNDS = "pounds"

    @property
    def label(self) -> str:
        return {
            Unit.PERCENT: "Percentage",
            Unit.COUNT: "Number",
            Unit.DAYS: "Days",
            Unit.WEEKS: "Weeks",
            Unit.POUNDS: "Pounds (£)",
        }[self]


class Polarity(StrEnum):
    """Which way is better; "neither" for a measure watched but not judged (demand, referrals)."""

    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"
    NEITHER = "neither"

    @property
    def label(self) -> str:
        return {
            Polarity.HIGHER_IS_BETTER: "Higher is better",
            Polarity.LOWER_IS_BETTER: "Lower is better",
            Polarity.NEITHER: "Neither higher nor lower is better",
        }[self]

    def better(self, a: Fraction, b: Fraction) -> bool:
        """Whether ``a`` is strictly better than ``b`` (never, where neither way is better)."""
        if self is Polarity.HIGHER_IS_BETTER:
            return a > b
        if self is Polarity.LOWER_IS_BETTER:
            return a < b
        return False


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        return {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}[self]

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Source(StrEnum):
    """Computed by OpenSEND from its own records, supplied by a provider in a return, or
    entered by an officer from a system OpenSEND does not read (published national data)."""

    COMPUTED = "computed"
    PROVIDER = "provider"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        return {
            Source.COMPUTED: "Computed by OpenSEND",
            Source.PROVIDER: "Supplied by provider",
            Source.MANUAL: "Entered by an officer",
        }[self]


class ToleranceKind(StrEnum):
    """How an amber tolerance is measured: in the KPI's own units (5 percentage points, 3 days),
    or as a share of the target (10% of the target)."""

    UNITS = "units"
    SHARE_OF_TARGET = "share"


@dataclass(frozen=True)
class RelativeRag:
    """Green at or better than the target; amber when worse by no more than ``tolerance``; red
    beyond. A tolerance of 0 means there is no amber: the target is met or it is not."""

    tolerance: Number
    kind: ToleranceKind = ToleranceKind.UNITS


@dataclass(frozen=True)
class AbsoluteRag:
    """Fixed thresholds: green at or better than ``green``, red worse than ``red``, amber in
    between (both boundaries inclusive on the better side). Where higher is better, ``red`` is
    at or below ``green``; where lower is better, at or above it."""

    green: Number
    red: Number


Rag = RelativeRag | AbsoluteRag


class YearStart(StrEnum):
    """The reporting year whose quarters and years a KPI's periods follow."""

    FINANCIAL = "financial"  # 1 April
    ACADEMIC = "academic"  # 1 September
    CALENDAR = "calendar"  # 1 January

    @property
    def month(self) -> int:
        return {YearStart.FINANCIAL: 4, YearStart.ACADEMIC: 9, YearStart.CALENDAR: 1}[self]

    def year_label(self, first_year: int) -> str:
        """The year that begins in ``first_year``: "2026-27", "2026/27" or "2026"."""
        if self is YearStart.CALENDAR:
            return str(first_year)
        separator = "-" if self is YearStart.FINANCIAL else "/"
        return f"{first_year}{separator}{(first_year + 1) % 100:02d}"


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI. ``denominator`` is ``None`` for a plain figure (a count, a number of days, a sum
    of money); otherwise the value is numerator ÷ denominator (× 100 for a percentage).
    ``numerator`` and ``denominator`` say in words what is counted, for the page and the
    provider's return template."""

    code: str
    name: str
    numerator: str
    unit: Unit
    polarity: Polarity
    frequency: Frequency
    source: Source
    denominator: str | None = None
    target: Number | None = None
    rag: Rag | None = None
    year_start: YearStart = YearStart.FINANCIAL
    decimal_places: int = 1

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    @property
    def counts_people(self) -> bool:
        """Whether the numerator is a count of children or events (so small numbers identify
        someone), rather than a total of days, weeks or money."""
        return self.unit in (Unit.PERCENT, Unit.COUNT)


def format_value(definition: KpiDefinition, value: Number) -> str:
    """A value as a page shows it: "92.5%", "14 days", "1 week", "£1,250", "£1,250.50", "12".
    Rounded half away from zero to the definition's decimal places; whole numbers lose ".0"."""
    exact_value = exact(value)
    places = 2 if definition.unit is Unit.POUNDS else definition.decimal_places
    rounded = (Decimal(exact_value.numerator) / Decimal(exact_value.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    whole = rounded == rounded.to_integral_value()
    text = f"{rounded:,.0f}" if whole else f"{rounded:,.{places}f}"
    if definition.unit is Unit.PERCENT:
        return f"{text}%"
    if definition.unit is Unit.POUNDS:
        return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"
    if definition.unit in (Unit.DAYS, Unit.WEEKS):
        noun = "day" if definition.unit is Unit.DAYS else "week"
        return f"{text} {noun}" if rounded == 1 else f"{text} {noun}s"
    return text


def _amount(definition: KpiDefinition, amount: Fraction) -> str:
    """A difference in the KPI's units: "5 percentage points", "3 days"."""
    if definition.unit is Unit.PERCENT:
        points = format_value(definition, amount).removesuffix("%")
        return f"{points} percentage point" + ("" if amount == 1 else "s")
    return format_value(definition, amount)


# --- Validation ------------------------------------------------------------------------------


class DefinitionInvalid(ValueError):
    """Raised for a KPI definition that cannot be used; ``problems`` are messages to show."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _in_unit_range(definition: KpiDefinition, value: Fraction) -> bool:
    if definition.unit is Unit.PERCENT:
        return 0 <= value <= 100
    if definition.unit is Unit.POUNDS:
        return True
    return value >= 0


def _range_message(definition: KpiDefinition) -> str:
    return "between 0 and 100" if definition.unit is Unit.PERCENT else "0 or more"


def definition_problems_by_field(definition: KpiDefinition) -> dict[str, list[str]]:
    """``definition_problems`` keyed by the field each is about: ``code``, ``name``,
    ``numerator``, ``denominator``, ``decimal_places``, ``target``, ``polarity``,
    ``tolerance``, ``green`` or ``red`` (so a form can show each beside its field)."""
    by_field: dict[str, list[str]] = {}
    for field_name, message in _problems(definition):
        by_field.setdefault(field_name, []).append(message)
    return by_field


def definition_problems(definition: KpiDefinition) -> list[str]:
    """What makes a definition unusable, as messages; ``[]`` if it is sound.

    Refused: no code or name, or nothing counted; a percentage without a denominator; an
    empty denominator; a target or threshold outside the unit's range (0 to 100 for a
    percentage; not negative for counts, days and weeks); a RAG rating on a KPI where neither
    direction is better; a relative rating without a target, or with a negative tolerance, or a
    share-of-target tolerance on a target of 0; absolute thresholds the wrong way round for the
    polarity; decimal places outside 0 to 3."""
    return [message for _, message in _problems(definition)]


def _problems(definition: KpiDefinition) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not definition.code.strip():
        problems.append(("code", "Enter a code for the KPI"))
    if not definition.name.strip():
        problems.append(("name", "Enter the name of the KPI"))
    if not definition.numerator.strip():
        problems.append(("numerator", "Say what is counted (the numerator)"))
    if definition.denominator is not None and not definition.denominator.strip():
        problems.append(
            (
                "denominator",
                "Say what the numerator is divided by (the denominator), or leave it out",
            )
        )
    if definition.unit is Unit.PERCENT and definition.denominator is None:
        problems.append(
            ("denominator", "A percentage needs a denominator: say what the numerator is out of")
        )
    if not 0 <= definition.decimal_places <= 3:
        problems.append(("decimal_places", "Show between 0 and 3 decimal places"))
    target = None if definition.target is None else exact(definition.target)
    if target is not None and not _in_unit_range(definition, target):
        problems.append(("target", f"The target must be {_range_message(definition)}"))
    rag = definition.rag
    if rag is None:
        return problems
    if definition.polarity is Polarity.NEITHER:
        problems.append(
            (
                "polarity",
                "A RAG rating needs a better direction: choose whether higher or lower is better, "
                "or remove the RAG thresholds",
            )
        )
        return problems
    if isinstance(rag, RelativeRag):
        tolerance = exact(rag.tolerance)
        if target is None:
            problems.append(("target", "Enter a target: the RAG thresholds are measured from it"))
        if tolerance < 0:
            problems.append(("tolerance", "The amber tolerance cannot be negative"))
        if rag.kind is ToleranceKind.SHARE_OF_TARGET:
            if target == 0:
                problems.append(
                    (
                        "tolerance",
                        "A tolerance as a share of the target needs a target other than 0: "
                        "give the tolerance in the KPI's units instead",
                    )
                )
            if tolerance > 100:
                problems.append(
                    ("tolerance", "A tolerance as a share of the target cannot be more than 100%")
                )
        return problems
    green, red = exact(rag.green), exact(rag.red)
    for name, value in (("green", green), ("red", red)):
        if not _in_unit_range(definition, value):
            problems.append((name, f"The {name} threshold must be {_range_message(definition)}"))
    if definition.polarity is Polarity.HIGHER_IS_BETTER and red > green:
        problems.append(
            (
                "red",
                "Where higher is better, the red threshold must be at or below the green threshold",
            )
        )
    if definition.polarity is Polarity.LOWER_IS_BETTER and red < green:
        problems.append(
            (
                "red",
                "Where lower is better, the red threshold must be at or above the green threshold",
            )
        )
    return problems


def validate(definition: KpiDefinition) -> KpiDefinition:
    """``definition`` if it is sound (raises ``DefinitionInvalid`` otherwise)."""
    problems = definition_problems(definition)
    if problems:
        raise DefinitionInvalid(problems)
    return definition


# --- The value of a period -------------------------------------------------------------------


class FigureInvalid(ValueError):
    """Raised for figures that cannot have happened (a negative count, 12 out of 10)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class PeriodValue:
    """A KPI's value in one period, or ``None`` with the reason there is no data."""

    value: Fraction | None
    numerator: Fraction | None = None
    denominator: Fraction | None = None
    no_data_reason: str = ""

    @property
    def has_data(self) -> bool:
        return self.value is not None


def figure_problems(
    definition: KpiDefinition, *, numerator: Number | None, denominator: Number | None = None
) -> list[str]:
    """What is impossible about a period's figures, as messages; ``[]`` if they could be true.
    Missing figures and a zero denominator are not problems: they make "no data"."""
    problems: list[str] = []
    num = None if numerator is None else exact(numerator)
    den = None if denominator is None else exact(denominator)
    if not definition.is_rate and den is not None:
        problems.append(f"{definition.name} is a plain figure: it has no denominator")
    if num is not None and num < 0 and definition.unit is not Unit.POUNDS:
        problems.append("The numerator cannot be negative")
    if den is not None and den < 0:
        problems.append("The denominator cannot be negative")
    if (
        definition.unit is Unit.PERCENT
        and num is not None
        and den is not None
        and den > 0
        and num > den
    ):
        problems.append(
            "The numerator cannot be more than the denominator in a percentage: "
            "it counts some of the denominator"
        )
    return problems


def period_value(
    definition: KpiDefinition, *, numerator: Number | None, denominator: Number | None = None
) -> PeriodValue:
    """The KPI's value from a period's figures: the numerator itself for a plain figure;
    numerator ÷ denominator for a rate (× 100 for a percentage). A missing figure or a zero
    denominator gives no data, with the reason. Raises ``FigureInvalid`` for impossible
    figures (``figure_problems``)."""
    problems = figure_problems(definition, numerator=numerator, denominator=denominator)
    if problems:
        raise FigureInvalid(problems)
    num = None if numerator is None else exact(numerator)
    den = None if denominator is None else exact(denominator)
    if num is None:
        return PeriodValue(None, num, den, "No figure was given for this period")
    if not definition.is_rate:
        return PeriodValue(num, num)
    if den is None:
        return PeriodValue(None, num, den, "No denominator was given for this period")
    if den == 0:
        return PeriodValue(
            None,
            num,
            den,
            f"The denominator ({definition.denominator}) is 0: there was nothing to measure "
            "in this period",
        )
    scale = 100 if definition.unit is Unit.PERCENT else 1
    return PeriodValue(num / den * scale, num, den)


# --- RAG -------------------------------------------------------------------------------------


class RagStatus(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    NO_DATA = "no_data"
    NOT_RATED = "not_rated"

    @property
    def label(self) -> str:
        return {
            RagStatus.RED: "Red",
            RagStatus.AMBER: "Amber",
            RagStatus.GREEN: "Green",
            RagStatus.NO_DATA: "No data",
            RagStatus.NOT_RATED: "Not rated",
        }[self]


@dataclass(frozen=True)
class RagResult:
    status: RagStatus
    reason: str


def _worse_by(polarity: Polarity, value: Fraction, reference: Fraction) -> Fraction:
    """How far ``value`` falls short of ``reference`` (negative when it is better)."""
    return reference - value if polarity is Polarity.HIGHER_IS_BETTER else value - reference


def rag_status(definition: KpiDefinition, value: Number | None) -> RagResult:
    """The RAG status of ``value`` (``None``: no data) for a valid definition, with a reason
    in words. A definition without thresholds, or whose thresholds are unusable, is not rated
    (``definition_problems`` says why)."""
    if value is None:
        return RagResult(RagStatus.NO_DATA, "There is no data for this period")
    rag = definition.rag
    if rag is None:
        return RagResult(RagStatus.NOT_RATED, "This KPI has no RAG thresholds")
    if definition_problems(definition):
        return RagResult(RagStatus.NOT_RATED, "The RAG thresholds of this KPI are not usable")
    current = exact(value)
    shown = format_value(definition, current)
    polarity = definition.polarity
    if isinstance(rag, RelativeRag) and definition.target is not None:
        target = exact(definition.target)
        tolerance = exact(rag.tolerance)
        if rag.kind is ToleranceKind.SHARE_OF_TARGET:
            tolerance = abs(target) * tolerance / 100
        target_shown = format_value(definition, target)
        short = _worse_by(polarity, current, target)
        if short <= 0:
            return RagResult(RagStatus.GREEN, f"{shown} meets the target of {target_shown}")
        if short <= tolerance:
            return RagResult(
                RagStatus.AMBER,
                f"{shown} misses the target of {target_shown} by no more than "
                f"{_amount(definition, tolerance)}",
            )
        return RagResult(
            RagStatus.RED,
            f"{shown} misses the target of {target_shown} by more than "
            f"{_amount(definition, tolerance)}",
        )
    if not isinstance(rag, AbsoluteRag):  # a relative rating without a target: refused above
        return RagResult(RagStatus.NOT_RATED, "This KPI has no target")
    green, red = exact(rag.green), exact(rag.red)
    if _worse_by(polarity, current, green) <= 0:
        green_shown = format_value(definition, green)
        return RagResult(
            RagStatus.GREEN, f"{shown} is at or better than the green threshold of {green_shown}"
        )
    if _worse_by(polarity, current, red) <= 0:
        return RagResult(
            RagStatus.AMBER,
            f"{shown} is between the red threshold of {format_value(definition, red)} and the "
            f"green threshold of {format_value(definition, green)}",
        )
    return RagResult(
        RagStatus.RED,
        f"{shown} is worse than the red threshold of {format_value(definition, red)}",
    )


# --- Direction of travel ---------------------------------------------------------------------


class Travel(StrEnum):
    IMPROVED = "improved"
    WORSENED = "worsened"
    NO_CHANGE = "no_change"
    UP = "up"  # where neither direction is better
    DOWN = "down"
    NOT_COMPARABLE = "not_comparable"

    @property
    def label(self) -> str:
        return {
            Travel.IMPROVED: "Improved",
            Travel.WORSENED: "Worsened",
            Travel.NO_CHANGE: "No change",
            Travel.UP: "Up",
            Travel.DOWN: "Down",
            Travel.NOT_COMPARABLE: "No earlier figure to compare",
        }[self]


def direction_of_travel(
    polarity: Polarity, current: Number | None, previous: Number | None
) -> Travel:
    """The change from the previous period's value to this one, judged by the polarity. Either
    value missing (no data) leaves nothing to compare. This is a two-point comparison: the SPC
    chart (``opensend.insight.spc``) says whether the change is more than routine variation."""
    if current is None or previous is None:
        return Travel.NOT_COMPARABLE
    now, before = exact(current), exact(previous)
    if now == before:
        return Travel.NO_CHANGE
    if polarity is Polarity.NEITHER:
        return Travel.UP if now > before else Travel.DOWN
    return Travel.IMPROVED if polarity.better(now, before) else Travel.WORSENED


# --- Small-number suppression ----------------------------------------------------------------


@dataclass(frozen=True)
class Suppression:
    """Whether a published value must be hidden, and why. The reason never gives the hidden
    number away."""

    suppressed: bool
    reason: str = ""

    @property
    def mark(self) -> str:
        """What a published table shows instead of the value."""
        return SUPPRESSED if self.suppressed else ""


_SMALL = f"between 1 and {SMALLEST_SHOWN - 1}"


def _small(value: Fraction) -> bool:
    return 0 < value < SMALLEST_SHOWN


def suppression(
    definition: KpiDefinition,
    *,
    numerator: Number | None,
    denominator: Number | None = None,
    group_size: int | None = None,
) -> Suppression:
    """Whether a value for publication must be suppressed: a count from 1 to 5; a rate whose
    numerator (where it counts children or events) or denominator is from 1 to 5; or a plain
    number of days, weeks or pounds about a ``group_size`` of 1 to 5 children. Zero is shown:
    it identifies nobody. Secondary suppression of tables is ``core.disclosure.suppress_table``.
    """
    if definition.is_rate:
        if denominator is not None and _small(exact(denominator)):
            return Suppression(
                True,
                f"The denominator ({definition.denominator}) is {_SMALL}, so the figure "
                "could identify children",
            )
        if numerator is not None and definition.counts_people and _small(exact(numerator)):
            return Suppression(
                True,
                f"The numerator ({definition.numerator}) is {_SMALL}, so the figure could "
                "identify children",
            )
        return Suppression(False)
    if numerator is not None and definition.unit is Unit.COUNT and _small(exact(numerator)):
        return Suppression(True, f"The count is {_SMALL}, so it could identify children")
    if group_size is not None and is_small(group_size):
        return Suppression(
            True, f"The figure describes {_SMALL} children, so it could identify them"
        )
    return Suppression(False)


# --- Periods ---------------------------------------------------------------------------------

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _first_year(day: dt.date, year_start: YearStart) -> int:
    return day.year if day.month >= year_start.month else day.year - 1


@dataclass(frozen=True, order=True)
class Period:
    """A month, quarter or year of a reporting year, identified by its first day."""

    start: dt.date
    frequency: Frequency
    year_start: YearStart = YearStart.FINANCIAL

    def __post_init__(self) -> None:
        months_in = (self.start.month - self.year_start.month) % 12
        if self.start.day != 1 or months_in % self.frequency.months:
            raise ValueError(
                f"A {self.frequency.value} period of the {self.year_start.value} year cannot "
                f"begin on {self.start.isoformat()}"
            )

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        return _add_months(self.start, self.frequency.months) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """ "Apr 2026", "2026-27 Q1", "2026-27" (or "2026/27 Q1", "2026 Q1", "2026")."""
        if self.frequency is Frequency.MONTHLY:
            return f"{_MONTHS[self.start.month - 1]} {self.start.year}"
        year = self.year_start.year_label(_first_year(self.start, self.year_start))
        if self.frequency is Frequency.ANNUAL:
            return year
        quarter = (self.start.month - self.year_start.month) % 12 // 3 + 1
        return f"{year} Q{quarter}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def shifted(self, periods: int) -> Period:
        """The period ``periods`` later (earlier, if negative)."""
        return Period(
            _add_months(self.start, periods * self.frequency.months),
            self.frequency,
            self.year_start,
        )

    @property
    def previous(self) -> Period:
        return self.shifted(-1)

    @property
    def next(self) -> Period:
        return self.shifted(1)


def period_of(
    day: dt.date, frequency: Frequency, year_start: YearStart = YearStart.FINANCIAL
) -> Period:
    """The period ``day`` falls in."""
    months_in = (day.month - year_start.month) % 12
    start = _add_months(day.replace(day=1), -(months_in % frequency.months))
    return Period(start, frequency, year_start)


def previous_periods(period: Period, count: int) -> tuple[Period, ...]:
    """The ``count`` periods before ``period``, oldest first (``period`` itself left out)."""
    if count < 0:
        raise ValueError("Ask for 0 or more earlier periods")
    return tuple(period.shifted(-offset) for offset in range(count, 0, -1))


def periods_between(first: Period, last: Period) -> tuple[Period, ...]:
    """Every period from ``first`` to ``last`` inclusive (empty if ``last`` is earlier)."""
    if (first.frequency, first.year_start) != (last.frequency, last.year_start):
        raise ValueError("Both periods must have the same frequency and reporting year")
    periods: list[Period] = []
    current = first
    while current <= last:
        periods.append(current)
        current = current.next
    return tuple(periods)
