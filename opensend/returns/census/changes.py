"""What a census row changes on a child's record, as pure functions (no database).

The census date is the effective date of every change:

- **SEN status**: an open period of another status ends the day before the census date and
  the reported status opens from it.
- **Ranked needs** (1 primary, 2 secondary): an open need of another code at a rank ends the
  day before and the reported code opens from the census date; a rank no longer reported ends.
- **Placement**: a child has one placement from census imports. At a new setting, the open
  census placement ends the day before and a new one opens at the reported setting. Placements
  recorded otherwise (dual registration, alternative provision) are left alone.

A record that the census date would have to rewrite (an open period, need or census placement
starting after the census date) is refused for the row. One starting on the census date itself
from a census import is corrected in place: a corrected file for the same census replaces
what the earlier file said.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from opensend.people.models import RecordSource, SENStatus
from opensend.returns.census.layout import DOB, LAESTAB, NEED1, NEED2, PROVISION, UPN, URN
from opensend.returns.census.rules import CensusRow, RowError, format_day

CENSUS = RecordSource.CENSUS.value
NO_SEN = SENStatus.NONE.value


@dataclass(frozen=True)
class Dated:
    """An open period, need or placement: its id, value and start."""

    pk: int
    value: str | int
    start_date: dt.date
    source: str


@dataclass
class ChildState:
    """What the import needs to know of an existing child."""

    pk: int
    area_id: int
    date_of_birth: dt.date
    identity: dict[str, str]
    sen_status: str
    primary_need: str
    period: Dated | None = None
    needs: dict[int, Dated] = field(default_factory=dict)
    placement: Dated | None = None


#: Identity fields a census row may update, and the row attribute that carries each.
IDENTITY_FROM_ROW: dict[str, str] = {
    "forename": "forename",
    "surname": "surname",
    "sex": "sex",
    "middle_names": "middle_names",
    "preferred_forename": "preferred_forename",
    "preferred_surname": "preferred_surname",
    "home_postcode": "postcode",
}
NAME_FIELDS = frozenset(
    {"forename", "surname", "middle_names", "preferred_forename", "preferred_surname"}
)


@dataclass
class RowPlan:
    """The changes one valid row makes. ``child`` is ``None`` for a child new to OpenSEND."""

    row: CensusRow
    setting_id: int
    child: ChildState | None = None
    identity: dict[str, str] = field(default_factory=dict)
    period_end: int | None = None
    period_fix: int | None = None
    period_new: bool = False
    need_end: list[int] = field(default_factory=list)
    need_fix: list[tuple[int, str]] = field(default_factory=list)
    need_delete: list[int] = field(default_factory=list)
    need_new: list[tuple[int, str]] = field(default_factory=list)
    placement_end: int | None = None
    placement_fix: int | None = None
    placement_new: bool = False
    sync_child: bool = False

    @property
    def is_new(self) -> bool:
        return self.child is None

    @property
    def changes_record(self) -> bool:
        return bool(
            self.is_new
            or self.identity
            or self.period_end
            or self.period_fix
            or self.period_new
            or self.need_end
            or self.need_fix
            or self.need_delete
            or self.need_new
            or self.placement_end
            or self.placement_fix
            or self.placement_new
            or self.sync_child
        )


def _later(what: str, since: dt.date, census_date: dt.date) -> str:
    return (
        f"the child's record shows {what} from {format_day(since)}, after this census date "
        f"({format_day(census_date)}); a census cannot rewrite a later record"
    )


def identity_problem(row: CensusRow, child: ChildState) -> RowError | None:
    """A UPN is one pupil: the same UPN with another date of birth is refused, not merged."""
    if child.date_of_birth != row.date_of_birth:
        return RowError(
            row.row,
            DOB,
            row.date_of_birth.isoformat(),
            f"the child with UPN {row.upn} in OpenSEND was born on "
            f"{format_day(child.date_of_birth)}, not {format_day(row.date_of_birth)}; the row "
            "was refused rather than change whose record it is. Check the UPN and date of birth",
        )
    return None


def other_area_problem(row: CensusRow) -> RowError:
    return RowError(
        row.row,
        UPN,
        row.upn,
        f"UPN {row.upn} belongs to a child recorded by another area; a child who moves in is "
        "transferred between areas, not imported",
    )


def plan_row(
    row: CensusRow, *, setting_id: int, child: ChildState | None, census_date: dt.date
) -> tuple[RowPlan | None, list[RowError]]:
    """The changes a valid row makes to a child (``None`` for a new child), or the reasons it
    cannot be applied."""
    plan = RowPlan(row=row, setting_id=setting_id, child=child)
    if child is None:
        plan.period_new = row.provision != NO_SEN
        plan.need_new = sorted(row.needs.items())
        plan.placement_new = True
        return plan, []
    errors: list[RowError] = []
    mismatch = identity_problem(row, child)
    if mismatch is not None:
        return None, [mismatch]

    for key, attribute in IDENTITY_FROM_ROW.items():
        value = getattr(row, attribute)
        if value is not None and value != child.identity.get(key, ""):
            plan.identity[key] = value

    period = child.period
    if period is None:
        plan.period_new = True
    elif period.value != row.provision:
        if period.start_date < census_date:
            plan.period_end = period.pk
            plan.period_new = True
        elif period.start_date == census_date and period.source == CENSUS:
            plan.period_fix = period.pk
        else:
            label = SENStatus(str(period.value)).label
            errors.append(
                RowError(
                    row.row, PROVISION, row.provision, _later(label, period.start_date, census_date)
                )
            )

    for rank, column in ((1, NEED1), (2, NEED2)):
        wanted = row.needs.get(rank, "")
        need = child.needs.get(rank)
        if need is None:
            if wanted:
                plan.need_new.append((rank, wanted))
            continue
        if need.value == wanted:
            continue
        if need.start_date < census_date:
            plan.need_end.append(need.pk)
            if wanted:
                plan.need_new.append((rank, wanted))
        elif need.start_date == census_date and need.source == CENSUS:
            if wanted:
                plan.need_fix.append((need.pk, wanted))
            else:
                plan.need_delete.append(need.pk)
        else:
            kind = "primary" if rank == 1 else "secondary"
            errors.append(
                RowError(
                    row.row,
                    column,
                    wanted,
                    _later(f"{need.value} as the {kind} need", need.start_date, census_date),
                )
            )

    placement = child.placement
    if placement is None:
        plan.placement_new = True
    elif placement.value != setting_id:
        if placement.start_date < census_date:
            plan.placement_end = placement.pk
            plan.placement_new = True
        elif placement.start_date == census_date:
            plan.placement_fix = placement.pk
        else:
            errors.append(
                RowError(
                    row.row,
                    URN if row.urn else LAESTAB,
                    row.urn or row.laestab,
                    _later("a placement at another setting", placement.start_date, census_date),
                )
            )

    if errors:
        return None, errors
    plan.sync_child = child.sen_status != row.provision or child.primary_need != row.need1
    return plan, []
