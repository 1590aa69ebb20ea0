"""The shapes a synthetic cohort is drawn from, and the arithmetic that turns shares into
whole counts. Pure functions and constants, no database.

The calibrated figures (counts, need mix, placement mix, out-of-area count) are in
``profiles``. The shapes here are not in the seeds and are assumptions, documented in
docs/synthetic-data.md: ages by national curriculum year, sex ratio, ethnicity beyond the
White British share, and the rates of circumstances and services.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Hashable, Mapping, Sequence
from typing import Final, TypeVar

from opensend.core.codes import CensusTerm, census_day

K = TypeVar("K", bound=Hashable)


def apportion(total: int, shares: Mapping[K, float]) -> dict[K, int]:
    """Split ``total`` into whole counts in proportion to ``shares`` (largest remainder), so the
    counts add up to ``total`` exactly and each is within one of its exact share. Ties go to
    the key listed first."""
    if total < 0:
        raise ValueError("cannot apportion a negative total")
    weight = sum(shares.values())
    if weight <= 0:
        raise ValueError("shares must add up to more than zero")
    exact = {key: total * share / weight for key, share in shares.items()}
    counts = {key: int(value) for key, value in exact.items()}
    left = total - sum(counts.values())
    order = sorted(exact, key=lambda key: -(exact[key] - counts[key]))
    for key in order[:left]:
        counts[key] += 1
    return counts


def quota_list(rng: random.Random, total: int, shares: Mapping[K, float]) -> list[K]:
    """``total`` labels in the apportioned proportions, in a seeded random order: drawing
    labels this way hits the calibrated shares exactly even for a small cohort."""
    labels: list[K] = []
    for key, count in apportion(total, shares).items():
        labels.extend([key] * count)
    rng.shuffle(labels)
    return labels


def reference_date(today: dt.date) -> dt.date:
    """The day a synthetic area describes: the latest spring census day on or before
    ``today``. Generating again in the same census year gives the same data."""
    this_year = census_day(today.year, CensusTerm.SPRING)
    return this_year if this_year <= today else census_day(today.year - 1, CensusTerm.SPRING)


def random_date(rng: random.Random, earliest: dt.date, latest: dt.date) -> dt.date:
    """A day from ``earliest`` to ``latest`` inclusive (``earliest`` if they cross)."""
    span = (latest - earliest).days
    if span <= 0:
        return earliest
    return earliest + dt.timedelta(days=rng.randint(0, span))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- ages (national curriculum years on the reference date) -------------------------------

#: Phases of children with EHC plans: plans peak in secondary school; post-16 and post-19
#: are present (RULES.md §10: pupils with plans are about three quarters of all plans).
PLAN_PHASES: Final = {
    "early_years": 0.04,
    "primary": 0.33,
    "secondary": 0.37,
    "post_16": 0.20,
    "post_19": 0.06,
}
#: Relative weight of each year group within a phase, for children with plans.
PLAN_YEARS: Final[dict[str, dict[int, float]]] = {
    "early_years": {-3: 1, -2: 3, -1: 8},
    "primary": {0: 4, 1: 8, 2: 11, 3: 13, 4: 14, 5: 15, 6: 16},
    "secondary": {7: 17, 8: 17, 9: 16, 10: 15, 11: 14},
    "post_16": {12: 12, 13: 10, 14: 6},
    "post_19": {15: 5, 16: 4, 17: 3, 18: 2, 19: 1},
}
#: SEN support is school-age: Reception (0) to Year 13, most in Years 4 to 9.
SUPPORT_YEARS: Final[dict[int, float]] = {
    0: 3.0,
    1: 5.5,
    2: 7.0,
    3: 8.0,
    4: 8.5,
    5: 9.0,
    6: 9.0,
    7: 9.0,
    8: 8.5,
    9: 8.0,
    10: 7.5,
    11: 7.0,
    12: 1.5,
    13: 1.0,
}
#: Children who were on SEN support and no longer are: school-age, from Year 2.
NO_LONGER_SEN_YEARS: Final[dict[int, float]] = {
    year: weight for year, weight in SUPPORT_YEARS.items() if year >= 2
}

#: Share of boys: about two boys to every girl (73% of plans, 64% of SEN support).
BOYS_SHARE: Final = {"E": 0.73, "K": 0.64, "N": 0.60}

#: Ethnicity of children other than White British, in proportion (an assumption shaped like
#: the school census for England); each profile sets its White British share.
OTHER_ETHNICITIES: Final = {
    "WOTH": 7.0,
    "APKN": 4.6,
    "BAFR": 4.0,
    "AIND": 3.3,
    "MOTH": 2.4,
    "OOTH": 2.2,
    "AOTH": 2.0,
    "ABAN": 1.9,
    "MWAS": 1.8,
    "MWBC": 1.7,
    "BCRB": 1.0,
    "MWBA": 0.9,
    "REFU": 0.9,
    "WROM": 0.8,
    "NOBT": 0.8,
    "BOTH": 0.7,
    "CHNE": 0.5,
    "WIRI": 0.4,
    "WIRT": 0.2,
}

#: Chance that a child of each ethnicity speaks English as an additional language.
EAL_CHANCE: Final = {
    "WBRI": 0.005,
    "WIRI": 0.02,
    "WIRT": 0.05,
    "WOTH": 0.75,
    "WROM": 0.70,
    "MWBC": 0.03,
    "MWBA": 0.25,
    "MWAS": 0.20,
    "MOTH": 0.25,
    "AIND": 0.55,
    "APKN": 0.75,
    "ABAN": 0.85,
    "AOTH": 0.70,
    "BCRB": 0.03,
    "BAFR": 0.65,
    "BOTH": 0.50,
    "CHNE": 0.70,
    "OOTH": 0.80,
    "REFU": 0.10,
    "NOBT": 0.10,
}


def ethnicity_mix(white_british_share: float) -> dict[str, float]:
    rest = sum(OTHER_ETHNICITIES.values())
    mix = {"WBRI": white_british_share}
    for code, weight in OTHER_ETHNICITIES.items():
        mix[code] = (1 - white_british_share) * weight / rest
    return mix


# --- placements -----------------------------------------------------------------------------

#: Where young people with plans aged 16 to 19 (Years 12 to 14) are: school sixth forms,
#: colleges, specialist post-16 institutions, or not in education or training.
PLAN_POST_16: Final = {
    "sixth_form": 0.20,
    "special": 0.25,
    "college": 0.35,
    "specialist_post16": 0.10,
    "none": 0.10,
}
#: Young people with plans aged 19 to 25.
PLAN_POST_19: Final = {"college": 0.40, "specialist_post16": 0.25, "none": 0.35}
#: Children with plans under school age in an early years setting.
PLAN_EARLY_YEARS_IN_SETTING: Final = 0.55
#: Pupils on SEN support outside mainstream: alternative provision, special, independent.
SUPPORT_NOT_MAINSTREAM: Final = {"alternative": 0.50, "special": 0.15, "independent": 0.35}

# --- rates of circumstances (assumptions; the seeds give none for these) -------------------

FLAG_RATES: Final[dict[str, dict[str, float]]] = {
    # status -> chance
    "cin": {"E": 0.08, "K": 0.04, "N": 0.01},
    "cp": {"E": 0.02, "K": 0.015, "N": 0.005},
    "lac": {"E": 0.03, "K": 0.01, "N": 0.005},
    "disability_register": {"E": 0.30, "K": 0.03, "N": 0.0},
    "young_carer": {"E": 0.02, "K": 0.03, "N": 0.02},
    "fsm": {"E": 0.40, "K": 0.35, "N": 0.25},
}
#: Young people 18 and over with plans who were looked after and are care leavers.
CARE_LEAVER_RATE: Final = 0.06

#: Chance an organisation is working with a child with a need (current or recently ended).
SERVICE_RATES: Final[dict[str, float]] = {
    "SLCN": 0.65,
    "ASD": 0.60,
    "SEMH": 0.50,
    "HI": 0.60,
    "VI": 0.60,
    "MSI": 0.60,
    "PD": 0.60,
    "PMLD": 0.70,
    "DS": 0.70,
}


def weighted_choice(rng: random.Random, weights: Mapping[K, float]) -> K:
    keys: Sequence[K] = list(weights)
    return rng.choices(keys, [weights[key] for key in keys])[0]
