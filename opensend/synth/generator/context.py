"""What the generator's stages share: the options, the seeded random number generator, the
organisations made so far and the rows waiting to be written."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from opensend.core.calendar import academic_year_start
from opensend.core.models import (
    Area,
    Organisation,
)
from opensend.people.models import (
    Child,
    FamilyContact,
    RecordSource,
)
from opensend.synth import identifiers, names, shapes
from opensend.synth.profiles import (
    ELSEWHERE_LA_CODE,
    PROFILES,
    SYNTHETIC_LA_CODES,
    Profile,
)

SOURCE = RecordSource.SYNTHETIC
BATCH_SIZE = 2000
#: The most children one synthetic area holds: each area has about 101,000 test NHS numbers.
MAX_CHILDREN = 103_000
ELSEWHERE_NAME = "Elsewhere (synthetic)"
ELSEWHERE_ONS = "E06999999"
SYNTHETIC_SUFFIX = "(synthetic)"


class GenerationError(Exception):
    """The generator was asked for something it must not or cannot do."""


# --- options and result ---------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    profile: Profile
    scale: float
    seed: int
    la_code: str
    name: str
    on: dt.date


def make_options(
    *,
    profile: str,
    scale: float,
    seed: int,
    la_code: str | None = None,
    name: str | None = None,
    on: dt.date | None = None,
) -> Options:
    """Check what was asked for and fill in the defaults, with a clear error for each
    problem."""
    chosen = PROFILES.get(profile)
    if chosen is None:
        raise GenerationError(
            f"There is no profile called {profile!r}. Choose one of: {', '.join(PROFILES)}."
        )
    if not scale > 0:
        raise GenerationError(f"The scale must be more than 0 (it was {scale}).")
    children = chosen.children(scale)
    if children == 0:
        raise GenerationError(
            f"Scale {scale} of the {chosen.key} profile gives no children at all; use a scale "
            f"of at least {chosen.scale_for_children(10):.4f}."
        )
    if children > MAX_CHILDREN:
        raise GenerationError(
            f"Scale {scale} of the {chosen.key} profile gives {children:,} children; a "
            f"synthetic area holds at most {MAX_CHILDREN:,} (its share of the test NHS "
            f"numbers). Use a scale up to {chosen.scale_for_children(MAX_CHILDREN):.4f}."
        )
    code = la_code or chosen.default_la_code
    if code == ELSEWHERE_LA_CODE:
        raise GenerationError(
            "LA code 999 is kept for the shared area of settings elsewhere; choose 990 to 998."
        )
    if code not in SYNTHETIC_LA_CODES:
        raise GenerationError(
            f"A synthetic area's LA code is 990 to 998, which no real local authority has "
            f"(not {code!r})."
        )
    label = " ".join((name or chosen.default_name).split())
    if not label:
        raise GenerationError("The area's name cannot be empty.")
    if SYNTHETIC_SUFFIX not in label.lower():
        label = f"{label} {SYNTHETIC_SUFFIX}"
    if len(label) > 120:
        raise GenerationError("The area's name is at most 120 characters.")
    day = on or shapes.reference_date(timezone.localdate())
    if day > timezone.localdate():
        raise GenerationError("The reference date cannot be in the future.")
    return Options(profile=chosen, scale=scale, seed=seed, la_code=code, name=label, on=day)


@dataclass
class Result:
    area: Area
    options: Options
    rows: dict[str, int]
    by_status: dict[str, int]
    by_need: dict[str, dict[str, int]]
    by_placement: dict[str, int]
    out_of_area: int
    looked_after_out_of_area: int
    replaced: bool
    seconds: float = 0.0
    #: The EHC histories as generated: calibrated rates against their targets, requests by
    #: stage and plans by status (``generator.ehc.ehc_figures``).
    ehc: dict[str, Any] = field(default_factory=dict)

    @property
    def children(self) -> int:
        return sum(self.by_status.values())

    def detail(self) -> dict[str, Any]:
        return {
            "profile": self.options.profile.key,
            "scale": self.options.scale,
            "seed": self.options.seed,
            "reference_date": self.options.on.isoformat(),
            "la_code": self.options.la_code,
            "replaced": self.replaced,
            "counts": {
                "by_status": self.by_status,
                "out_of_area": self.out_of_area,
                "rows": self.rows,
            },
            "ehc": self.ehc,
        }


# --- drafts -----------------------------------------------------------------------------


@dataclass
class Settings:
    """The settings of the area (and its settings elsewhere), grouped as the stages use them."""

    primary: list[Organisation] = field(default_factory=list)
    secondary: list[Organisation] = field(default_factory=list)
    special: list[Organisation] = field(default_factory=list)
    alternative: list[Organisation] = field(default_factory=list)
    independent: list[Organisation] = field(default_factory=list)
    independent_special: list[Organisation] = field(default_factory=list)
    nursery: list[Organisation] = field(default_factory=list)
    early_years: list[Organisation] = field(default_factory=list)
    college: list[Organisation] = field(default_factory=list)
    specialist_post16: list[Organisation] = field(default_factory=list)
    elsewhere_special: list[Organisation] = field(default_factory=list)
    elsewhere_independent_special: list[Organisation] = field(default_factory=list)
    elsewhere_mainstream: list[Organisation] = field(default_factory=list)


@dataclass
class Partners:
    local_authority: Organisation
    icb: Organisation
    community_trust: Organisation
    acute_trust: Organisation
    mental_health_trust: Organisation
    others: list[Organisation]


@dataclass
class ChildDraft:
    child: Child
    status: str
    year: int
    group: str
    history: str  # "direct", "after_support", "support", "ended"
    sen_start: dt.date | None = None
    status_change: dt.date | None = None
    primary_need: str = ""
    secondary_need: str = ""
    category: str = ""
    setting: Organisation | None = None
    out_of_area: bool = False
    looked_after: bool = False
    care_leaver: bool = False
    eal: bool = False
    flags: dict[str, dt.date] = field(default_factory=dict)  # open flags and their start
    contacts: list[FamilyContact] = field(default_factory=list)
    age: int = 0


@dataclass
class Context:
    """What the stages share: the options, the seeded random number generator, the
    organisations made so far and the rows waiting to be written."""

    options: Options
    rng: random.Random
    area: Area
    elsewhere: Area
    settings: Settings = field(default_factory=Settings)
    partners: Partners | None = None
    drafts: list[ChildDraft] = field(default_factory=list)
    rows: dict[type[models.Model], list[models.Model]] = field(
        default_factory=lambda: defaultdict(list)
    )
    organisation_rows: int = 0
    picker: names.NamePicker = field(init=False)
    upns: identifiers.UPNAllocator = field(init=False)

    def __post_init__(self) -> None:
        self.picker = names.NamePicker(self.rng)
        self.upns = identifiers.UPNAllocator(self.area.la_code)

    @property
    def profile(self) -> Profile:
        return self.options.profile

    @property
    def on(self) -> dt.date:
        return self.options.on

    @property
    def partnership(self) -> Partners:
        if self.partners is None:
            raise RuntimeError("the organisations stage runs first")
        return self.partners

    def add(self, row: models.Model) -> None:
        self.rows[type(row)].append(row)


def school_start(ctx: Context, year_from: int, year: int) -> dt.date:
    """1 September of the academic year in which a child now in ``year`` was in
    ``year_from``."""
    return dt.date(academic_year_start(ctx.on) - (year - year_from), 9, 1)


def pick(rng: random.Random, settings: Sequence[Organisation]) -> Organisation | None:
    return rng.choice(settings) if settings else None
