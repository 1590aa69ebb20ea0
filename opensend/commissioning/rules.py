"""The rules a commission must keep, as pure functions over plain values: each returns the
errors it finds, by field, in words a commissioner can act on. The services raise them as one
``ValidationError``; the tests drive each rule with a table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from opensend.commissioning.codes import (
    COMMISSIONER_KINDS,
    SHARED_ARRANGEMENTS,
    STREAM_KINDS,
    Arrangement,
    FundingStream,
)

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class ContributionRow:
    """One contribution as the rules see it: who, their kind of organisation, from which
    stream, how much a year."""

    commissioner_id: int
    commissioner_name: str
    commissioner_kind: str
    funding_stream: str
    annual_amount: Decimal


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def period_errors(start: dt.date | None, end: dt.date | None, *, noun: str = "contract") -> Errors:
    """A contract (or a purchase) cannot end before it starts."""
    errors: Errors = {}
    if start is not None and end is not None and end < start:
        _add(errors, "end_date", f"The end date must be on or after the day the {noun} starts")
    return errors


def arrangement_errors(
    *,
    arrangement: str,
    annual_value: Decimal,
    lead_commissioner_id: int | None,
    s75_reference: str,
    contributions: Sequence[ContributionRow],
) -> Errors:
    """The arrangement and the contributions fit together.

    - Every commission has at least one contribution, each from a local authority or an ICB,
      from a funding stream that kind of organisation holds, and no two for the same
      commissioner and stream.
    - A sole arrangement has one commissioner.
    - A lead commissioner arrangement names the lead, who is one of the contributors.
    - Aligned and pooled budgets: the contributions add up to the value per year.
    - A pooled budget is made under an agreement under section 75 of the NHS Act 2006: give
      its reference.
    """
    errors: Errors = {}
    if not contributions:
        _add(errors, "contributions", "Add at least one commissioner's contribution")
    seen: set[tuple[int, str]] = set()
    for index, row in enumerate(contributions):
        key = f"contributions.{index}"
        if row.commissioner_kind not in COMMISSIONER_KINDS:
            _add(
                errors,
                f"{key}.commissioner",
                f"{row.commissioner_name} is not a local authority or an ICB, so cannot commission",
            )
        elif row.commissioner_kind not in STREAM_KINDS.get(row.funding_stream, frozenset()):
            stream = FundingStream(row.funding_stream).label
            _add(
                errors,
                f"{key}.funding_stream",
                f"{row.commissioner_name} does not hold the {stream} budget",
            )
        if (row.commissioner_id, row.funding_stream) in seen:
            _add(
                errors,
                f"{key}.commissioner",
                f"{row.commissioner_name} already contributes from this funding stream: "
                "put it in one row",
            )
        seen.add((row.commissioner_id, row.funding_stream))
        if row.annual_amount <= 0:
            _add(errors, f"{key}.annual_amount", "The amount per year must be more than £0")
    commissioners = {row.commissioner_id for row in contributions}
    if arrangement == Arrangement.SOLE and len(commissioners) > 1:
        _add(
            errors,
            "arrangement",
            f"A sole arrangement has one commissioner, but {len(commissioners)} contribute: "
            "choose lead commissioner, aligned or pooled budgets",
        )
    if arrangement == Arrangement.LEAD:
        if lead_commissioner_id is None:
            _add(errors, "lead_commissioner", "Select the lead commissioner")
        elif contributions and lead_commissioner_id not in commissioners:
            _add(
                errors,
                "lead_commissioner",
                "The lead commissioner must be one of the commissioners who contribute",
            )
    if arrangement in SHARED_ARRANGEMENTS and contributions:
        total = sum((row.annual_amount for row in contributions), Decimal(0))
        if total != annual_value:
            _add(
                errors,
                "contributions",
                f"The contributions add up to £{total:,.2f} a year but the value is "
                f"£{annual_value:,.2f} a year: for "
                f"{Arrangement(arrangement).label.lower()} they must be equal",
            )
    if arrangement == Arrangement.POOLED and not s75_reference.strip():
        _add(
            errors,
            "s75_reference",
            "Enter the reference of the section 75 agreement the budget is pooled under",
        )
    return errors


def value_errors(
    *, start: dt.date, end: dt.date, annual_value: Decimal, whole_life: Decimal
) -> Errors:
    """The whole-life value cannot be less than one year's value for a contract of a year or
    more: a sign the two were swapped."""
    errors: Errors = {}
    if annual_value < 0:
        _add(errors, "annual_value", "The value per year cannot be negative")
    if whole_life < 0:
        _add(errors, "whole_life_value", "The whole-life value cannot be negative")
    if (end - start).days >= 364 and whole_life < annual_value:
        _add(
            errors,
            "whole_life_value",
            "The whole-life value must be at least the value per year for a contract of a "
            "year or more",
        )
    return errors


def reminder_window(due: dt.date, today: dt.date) -> int | None:
    """Which reminder a date is due: 30 when it is within 30 days, 90 within 90, else none
    (nor for a date already passed)."""
    days = (due - today).days
    if days < 0:
        return None
    if days <= 30:
        return 30
    if days <= 90:
        return 90
    return None
