"""The pure rules of the gap analysis: no database, each tested with a table of cases.

- ``classify``: which type of provision (``ProvisionType``) a line of an EHC plan is, from its
  free-text description and who provides it, by keyword rules. A line no rule recognises stays
  "other": it is counted, never guessed.
- ``annualise``: a line's quantity, unit and frequency as an amount a year, in hours, sessions,
  days or nights, on a school-year basis (39 weeks, 190 days, 3 terms, 6 half terms).
- ``capacity_check``: plan demand a year set against a commission's capacity, where the units
  compare, and why not where they do not.
- ``age_band`` and ``birth_date_bands``: the DfE's age groups for children with EHC plans.
- ``dispute_age_band``: how long a responsibility dispute has been open.

docs/adr/0017-gap-analysis.md says why these rules and not others.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from opensend.commissioning.codes import CapacityUnit, ProvisionType

# --- classifying a line of provision --------------------------------------------------------


@dataclass(frozen=True)
class KeywordRule:
    """A type of provision and the patterns (regular expressions, matched without regard to
    case, on word boundaries) any one of which marks a line as that type."""

    provision_type: ProvisionType
    patterns: tuple[str, ...]

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(r"\b(?:" + "|".join(self.patterns) + r")", re.IGNORECASE)


_OT = r"occupational\s+therap|OT\b|OTs\b"

#: The rules, most specific first: the first rule that matches decides.
RULES: tuple[KeywordRule, ...] = (
    KeywordRule(
        ProvisionType.SENSORY_OT,
        (
            r"sensory\s+integration",
            r"sensory\s+processing",
            r"sensory\s+diet",
            r"sensory\s+(?:occupational\s+therap|OT\b)",
            r"Ayres",
        ),
    ),
    KeywordRule(
        ProvisionType.NEURODEVELOPMENTAL,
        (
            r"neuro-?developmental",
            r"autism\s+(?:diagnostic\s+)?assessment",
            r"ASD\s+assessment",
            r"ADHD\s+assessment",
            r"ADOS",
        ),
    ),
    KeywordRule(
        ProvisionType.SALT,
        (
            r"speech\s+(?:and|&)\s+language",
            r"speech\s+therap",
            r"language\s+therap",
            r"SaLT\b",
            r"SLT\b",
            r"SLTs\b",
        ),
    ),
    KeywordRule(ProvisionType.PHYSIO, (r"physio",)),
    KeywordRule(ProvisionType.OT, (_OT,)),
    KeywordRule(
        ProvisionType.CAMHS,
        (
            r"CAMHS",
            r"mental\s+health",
            r"counsell?ing",
            r"clinical\s+psycholog",
            r"psychotherap",
            r"psychiatr",
            r"play\s+therap",
            r"art\s+therap",
            r"music\s+therap",
        ),
    ),
    KeywordRule(
        ProvisionType.EQUIPMENT,
        (
            r"equipment",
            r"wheelchair",
            r"hoist",
            r"standing\s+frame",
            r"communication\s+aid",
            r"AAC\b",
            r"specialist\s+seating",
        ),
    ),
    KeywordRule(
        ProvisionType.TRANSPORT,
        (r"transport", r"travel\s+(?:training|assistance)", r"taxi", r"passenger\s+assistant"),
    ),
    KeywordRule(
        ProvisionType.SHORT_BREAKS,
        (
            r"short\s+breaks?",
            r"respite",
            r"overnight\s+stays?",
            r"play\s*scheme",
            r"sitting\s+service",
        ),
    ),
    KeywordRule(
        ProvisionType.TUITION,
        (
            r"tuition",
            r"tutor",
            r"specialist\s+teach",
            r"advisory\s+teacher",
            r"teacher\s+of\s+the\s+(?:deaf|visually\s+impaired)",
            r"qualified\s+teacher\s+of",
        ),
    ),
    KeywordRule(
        ProvisionType.ADVICE,
        (r"SENDIASS", r"information,?\s+advice", r"advice\s+and\s+support"),
    ),
)

_SENSORY = re.compile(r"\bsensory\b", re.IGNORECASE)


def _match(text: str) -> ProvisionType:
    for rule in RULES:
        if rule.regex.search(text):
            return rule.provision_type
    return ProvisionType.OTHER


@functools.lru_cache(maxsize=65536)
def classify(description: str, provider_description: str = "") -> ProvisionType:
    """The type of provision a plan's line is.

    The description decides when a rule recognises it. Who provides it fills in when the
    description alone says nothing a rule recognises ("a daily sensory circuit", provided by
    "the occupational therapy service"). An occupational therapy line is sensory OT when its
    description says "sensory" or its provider is a sensory OT service. Anything else stays
    "other". Cached: a large area has many lines with the same words."""
    description = " ".join(description.split())
    provider = " ".join(provider_description.split())
    found = _match(description)
    if found is ProvisionType.OTHER and provider:
        found = _match(f"{description} {provider}")
    if found is ProvisionType.OT and (
        _SENSORY.search(description) or _match(provider) is ProvisionType.SENSORY_OT
    ):
        return ProvisionType.SENSORY_OT
    return found


# --- annualising quantity, unit and frequency -----------------------------------------------


class Measure(StrEnum):
    """What an amount a year counts."""

    HOURS = "hours"
    SESSIONS = "sessions"
    DAYS = "days"
    NIGHTS = "nights"


#: Times a year each frequency happens, on a school-year basis: plans' provision is mostly
#: delivered in term time (39 weeks, 190 days). A month is a month; "once" counts once in the
#: year the plan is in force.
TIMES_A_YEAR: dict[str, Decimal] = {
    "daily": Decimal(190),
    "weekly": Decimal(39),
    "fortnightly": Decimal("19.5"),
    "monthly": Decimal(12),
    "half_termly": Decimal(6),
    "termly": Decimal(3),
    "annually": Decimal(1),
    "once": Decimal(1),
}

#: A unit of a plan's line, as the measure it is counted in and the factor to it.
UNIT_MEASURES: dict[str, tuple[Measure, Decimal]] = {
    "minutes": (Measure.HOURS, Decimal(1) / Decimal(60)),
    "hours": (Measure.HOURS, Decimal(1)),
    "sessions": (Measure.SESSIONS, Decimal(1)),
    "days": (Measure.DAYS, Decimal(1)),
    "nights": (Measure.NIGHTS, Decimal(1)),
}

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Annual:
    amount: Decimal
    measure: Measure


def annualise(quantity: Decimal | None, unit: str, frequency: str) -> Annual | None:
    """The amount a year of ``quantity`` ``unit`` ``frequency`` (30 minutes daily: 95 hours),
    rounded to the penny's equivalent, 2 places; ``None`` when the line does not say how much
    or how often, so it cannot be added up."""
    if quantity is None or quantity <= 0 or unit not in UNIT_MEASURES:
        return None
    times = TIMES_A_YEAR.get(frequency)
    if times is None:
        return None
    measure, factor = UNIT_MEASURES[unit]
    return Annual(amount=(quantity * factor * times).quantize(TWO_PLACES), measure=measure)


# --- demand against capacity ----------------------------------------------------------------


class CapacityVerdict(StrEnum):
    OVER = "over"
    WITHIN = "within"
    SPARE = "spare"
    NOT_COMPARABLE = "not_comparable"


VERDICT_LABELS = {
    CapacityVerdict.OVER: "Over capacity",
    CapacityVerdict.WITHIN: "Within capacity",
    CapacityVerdict.SPARE: "Spare capacity",
    CapacityVerdict.NOT_COMPARABLE: "Units do not compare",
}

#: Demand below this share of capacity is "spare capacity".
SPARE_BELOW = Decimal("0.8")

#: Which plan measure each capacity unit compares with; places compare with children.
CHILDREN = "children"
COMPARES_WITH: dict[str, str] = {
    CapacityUnit.HOURS: Measure.HOURS,
    CapacityUnit.SESSIONS: Measure.SESSIONS,
    CapacityUnit.PLACES: CHILDREN,
}


@dataclass(frozen=True)
class CapacityCheck:
    verdict: CapacityVerdict
    demand: Decimal | None  # in the capacity's unit, when they compare
    capacity: Decimal | None
    share_percent: Decimal | None  # demand as a percentage of capacity
    reason: str  # in words, for the page

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.verdict]


def capacity_check(
    *,
    capacity: Decimal | None,
    capacity_unit: str,
    demand: dict[str, Decimal],
    children: int,
) -> CapacityCheck:
    """Set a type of provision's commissioned capacity a year against what the area's plans
    promise a year (``demand``: an amount by measure) and the children they promise it to.

    Hours compare with hours, sessions with sessions, places with children. Assessments, or a
    capacity with no number, do not compare with anything plans say: the reason says so."""
    if capacity is None or not capacity_unit:
        return CapacityCheck(
            CapacityVerdict.NOT_COMPARABLE,
            None,
            None,
            None,
            "The commissions of this type do not say their capacity.",
        )
    wanted = COMPARES_WITH.get(capacity_unit)
    if wanted is None:
        return CapacityCheck(
            CapacityVerdict.NOT_COMPARABLE,
            None,
            capacity,
            None,
            f"Capacity is counted in {capacity_unit}; plans do not promise {capacity_unit}.",
        )
    if wanted == CHILDREN:
        amount: Decimal | None = Decimal(children)
    else:
        amount = demand.get(wanted)
    if amount is None:
        said = ", ".join(sorted(demand)) or "no amount that can be added up"
        return CapacityCheck(
            CapacityVerdict.NOT_COMPARABLE,
            None,
            capacity,
            None,
            f"Capacity is counted in {capacity_unit}; plans promise {said}.",
        )
    if capacity <= 0:
        verdict = CapacityVerdict.OVER if amount > 0 else CapacityVerdict.WITHIN
        return CapacityCheck(verdict, amount, capacity, None, "No capacity is commissioned.")
    share = (amount * 100 / capacity).quantize(Decimal("0.1"))
    if amount > capacity:
        verdict = CapacityVerdict.OVER
    elif amount < capacity * SPARE_BELOW:
        verdict = CapacityVerdict.SPARE
    else:
        verdict = CapacityVerdict.WITHIN
    return CapacityCheck(verdict, amount, capacity, share, "")


# --- age bands ------------------------------------------------------------------------------

#: The DfE's age groups for children and young people with EHC plans: (label, lowest age,
#: highest age).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 5", 0, 4),
    ("5 to 10", 5, 10),
    ("11 to 15", 11, 15),
    ("16 to 19", 16, 19),
    ("20 to 25", 20, 25),
)
OVER_25 = "Over 25"


def age_band(age: int) -> str:
    for label, lowest, highest in AGE_BANDS:
        if lowest <= age <= highest:
            return label
    return OVER_25 if age > AGE_BANDS[-1][2] else AGE_BANDS[0][0]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def birth_date_bands(on: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Each age band on ``on`` as the dates of birth it covers (first, last), so the database
    can count by band. Someone aged n on ``on`` was born after ``on`` less n + 1 years and on
    or before ``on`` less n years."""
    bands = []
    for label, lowest, highest in AGE_BANDS:
        first = _years_before(on, highest + 1) + dt.timedelta(days=1)
        last = _years_before(on, lowest)
        bands.append((label, first, last))
    return bands


# --- disputes -------------------------------------------------------------------------------

#: How long a dispute has been open: (label, fewest days, most days or None).
DISPUTE_AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("Under 4 weeks", 0, 27),
    ("4 to 12 weeks", 28, 83),
    ("12 to 26 weeks", 84, 181),
    ("26 weeks or more", 182, None),
)


def dispute_age_band(days_open: int) -> str:
    for label, fewest, most in DISPUTE_AGE_BANDS:
        if days_open >= fewest and (most is None or days_open <= most):
            return label
    return DISPUTE_AGE_BANDS[0][0]
