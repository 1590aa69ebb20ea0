"""Phases of education by national curriculum year, and the date-of-birth ranges that put a
child in each phase on a given day, so counts by phase run in the database."""

from __future__ import annotations

import datetime as dt

from django.db import models

from opensend.core.calendar import academic_year_start


class Phase(models.TextChoices):
    EARLY_YEARS = "early_years", "Early years"
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    POST_16 = "post_16", "Post-16"
    POST_19 = "post_19", "Post-19"


#: National curriculum years in each phase: Reception (0) to Year 6; Years 7 to 11;
#: Years 12 to 14 (16 to 19); and beyond. Early years is everything before Reception.
PHASE_YEARS: dict[Phase, tuple[int | None, int | None]] = {
    Phase.EARLY_YEARS: (None, -1),
    Phase.PRIMARY: (0, 6),
    Phase.SECONDARY: (7, 11),
    Phase.POST_16: (12, 14),
    Phase.POST_19: (15, None),
}


def phase_for_year(year_group: int) -> Phase:
    for phase, (low, high) in PHASE_YEARS.items():
        if (low is None or year_group >= low) and (high is None or year_group <= high):
            return phase
    raise AssertionError(f"no phase for year {year_group}")  # pragma: no cover


def birth_range_for_year(year_group: int, on: dt.date) -> tuple[dt.date, dt.date]:
    """First and last dates of birth of children in a national curriculum year on a day."""
    start = academic_year_start(on)
    return dt.date(start - year_group - 5, 9, 1), dt.date(start - year_group - 4, 8, 31)


def birth_range_for_phase(phase: Phase, on: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Dates of birth (inclusive; ``None`` for open-ended) of children in a phase on a day."""
    low, high = PHASE_YEARS[phase]
    earliest = birth_range_for_year(high, on)[0] if high is not None else None
    latest = birth_range_for_year(low, on)[1] if low is not None else None
    return earliest, latest
