"""The school census SEN import: check a file row by row, then import it whole, or import only
its valid rows when the user asks. The SEN2 return: generate it, with its checks and figures,
and download it (see the end of this module).

Every run is one transaction: the import record, every change to children's records and the
run's one access log entry are written together or not at all. A 100,000-row file is imported
in bulk: existing children are loaded in batches by UPN, the changes are worked out in Python
(``opensend.returns.census.changes``), new rows are inserted in batches (``insert_rows``) and
changes written as batched updates grouped by value, so the number of queries grows with the
number of batches, never with the number of rows.

The invariants ``opensend.people.services.child_create`` keeps hold here too: identifiers
normalised, name tokens for search, an initial SEN status period from birth, and
``Child.sen_status`` and ``Child.primary_need`` equal to the open period and open rank-1 need.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max, Model, Q
from django.utils import timezone

from opensend.core import access_log
from opensend.core.calendar import age_on
from opensend.core.codes import AgencyType
from opensend.core.identifiers import normalise_identifier, upn_problem
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.core.roles import SETTING_KINDS
from opensend.people import policy
from opensend.people.models import (
    Child,
    ChildNameToken,
    Need,
    Placement,
    PlacementKind,
    RecordSource,
    SENStatus,
    SENStatusPeriod,
)
from opensend.people.names import tokens_for_names
from opensend.returns import selectors
from opensend.returns.census import changes, rules
from opensend.returns.census.changes import ChildState, Dated, RowPlan
from opensend.returns.census.layout import DOB, UPN
from opensend.returns.census.reader import FileRefused, detect_format, read_census_file
from opensend.returns.census.rules import CensusRow, RowError, Setting
from opensend.returns.models import (
    CensusImport,
    CensusImportFile,
    CensusImportStatus,
    DesignatedOfficer,
    SEN2Return,
    SEN2ReturnStatus,
)
from opensend.returns.sen2 import collect as sen2_collect
from opensend.returns.sen2 import figures as sen2_figures
from opensend.returns.sen2 import mapping as sen2_mapping
from opensend.returns.sen2 import validation as sen2_validation
from opensend.returns.sen2 import xml as sen2_xml
from opensend.returns.sen2.records import FIRST_YEAR as SEN2_FIRST_YEAR
from opensend.returns.sen2.records import Return

#: Identifiers looked up per query. Below SQLite's smallest limit of 999 bound parameters.
LOOKUP_BATCH = 900
#: Rows written per round of inserts and updates.
WRITE_BATCH = 2000
#: Rows prepared at a time for ``executemany`` or COPY.
INSERT_BATCH = 1000

OBJECT_TYPE = "returns.censusimport"
CHILD = "people.child"
SYSTEM_PURPOSE = "School census import by the system"

T = TypeVar("T")

# Plain strings for the values written on every row.
CENSUS = RecordSource.CENSUS.value
NO_SEN = SENStatus.NONE.value
EDUCATION = AgencyType.EDUCATION.value
SOLE = PlacementKind.SOLE.value


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- permission ---------------------------------------------------------------------------


def _authorise(acting_user: User | None, area: Area) -> Organisation | None:
    """The organisation the user imports for; ``None`` for the system."""
    if acting_user is None:
        return None
    grants = policy.grants_for(acting_user)
    if area.pk not in grants.la_area_ids:
        raise PermissionDenied(
            f"Only an EHC coordinator or SEND manager of {area.name} can import its school census."
        )
    return Organisation.objects.get(pk=grants.la_organisations[area.pk])


# --- checking a file ----------------------------------------------------------------------


@dataclass
class CheckResult:
    """What a file would do: the changes of its valid rows, and every problem row."""

    file_format: str
    row_count: int = 0
    plans: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def valid_row_count(self) -> int:
        return len(self.plans)

    @property
    def invalid_row_count(self) -> int:
        return self.row_count - len(self.plans)


def _settings(rows: Sequence[CensusRow]) -> tuple[dict[str, Setting], dict[str, Setting]]:
    urns = sorted({row.urn for row in rows if row.urn})
    laestabs = sorted({row.laestab for row in rows if row.laestab})
    by_urn: dict[str, Setting] = {}
    by_laestab: dict[str, Setting] = {}
    columns = ("pk", "name", "urn", "laestab", "kind")
    for batch in chunked(urns, LOOKUP_BATCH):
        for pk, name, urn, laestab, kind in Organisation.objects.filter(urn__in=batch).values_list(
            *columns
        ):
            by_urn[urn] = Setting(pk, name, urn, laestab, kind in SETTING_KINDS)
    for batch in chunked(laestabs, LOOKUP_BATCH):
        for pk, name, urn, laestab, kind in Organisation.objects.filter(
            laestab__in=batch
        ).values_list(*columns):
            by_laestab[laestab] = Setting(pk, name, urn, laestab, kind in SETTING_KINDS)
    return by_urn, by_laestab


_CHILD_COLUMNS = (
    "pk",
    "upn",
    "area_id",
    "date_of_birth",
    "sen_status",
    "primary_need",
    "forename",
    "surname",
    "middle_names",
    "preferred_forename",
    "preferred_surname",
    "former_surname",
    "sex",
    "home_postcode",
)


def _children(upns: Sequence[str], area: Area) -> dict[str, ChildState]:
    """Existing children with these UPNs (any area), with the open SEN status period, open
    ranked needs and open census placement of those in ``area``."""
    found: dict[str, ChildState] = {}
    for batch in chunked(upns, LOOKUP_BATCH):
        in_area: dict[int, ChildState] = {}
        # The UPN index is partial (UPN not empty): the query says so, so it is used.
        matching = Child.objects.filter(~Q(upn=""), upn__in=batch).order_by()
        for values in matching.values_list(*_CHILD_COLUMNS):
            pk, upn, area_id, born, status, need, *identity = values
            state = ChildState(
                pk=pk,
                area_id=area_id,
                date_of_birth=born,
                identity=dict(zip(_CHILD_COLUMNS[6:], identity, strict=True)),
                sen_status=status,
                primary_need=need,
            )
            found[upn] = state
            if area_id == area.pk:
                in_area[pk] = state
        if not in_area:
            continue
        ids = list(in_area)
        for child_id, pk, status, start, source in (
            SENStatusPeriod.objects.filter(child_id__in=ids, end_date__isnull=True)
            .order_by()
            .values_list("child_id", "pk", "status", "start_date", "source")
        ):
            in_area[child_id].period = Dated(pk, status, start, source)
        for child_id, pk, rank, code, start, source in (
            Need.objects.filter(child_id__in=ids, end_date__isnull=True, rank__isnull=False)
            .order_by()
            .values_list("child_id", "pk", "rank", "code", "start_date", "source")
        ):
            in_area[child_id].needs[int(rank or 0)] = Dated(pk, code, start, source)
        for child_id, pk, setting_id, start, source in (
            Placement.objects.filter(
                child_id__in=ids, end_date__isnull=True, source=RecordSource.CENSUS
            )
            .order_by("start_date", "pk")
            .values_list("child_id", "pk", "setting_id", "start_date", "source")
        ):
            in_area[child_id].placement = Dated(pk, setting_id, start, source)
    return found


def _new_child_problem(row: CensusRow, today: dt.date) -> RowError | None:
    """The rule ``Child.clean`` applies to a new record: no one older than 25 today."""
    age = age_on(row.date_of_birth, today)
    if age > rules.MAX_AGE:
        return RowError(
            row.row,
            DOB,
            row.date_of_birth.isoformat(),
            f"the pupil is {age} today and new to OpenSEND, which records children and young "
            f"people up to {rules.MAX_AGE}",
        )
    return None


def census_file_check(
    *,
    area: Area,
    census_date: dt.date,
    file_name: str,
    content: bytes,
    today: dt.date | None = None,
) -> CheckResult:
    """Read and check a census file against the census rules and the area's records, and
    work out what each valid row would change. Writes nothing. Raises ``FileRefused`` when
    the file cannot be read at all (not CSV or XLSX, required columns missing)."""
    day = today or timezone.localdate()
    read = read_census_file(content, file_name)
    result = CheckResult(file_format=read.file_format, row_count=len(read.rows))
    result.notices.extend(read.notices)
    errors: list[RowError] = []
    valid: list[CensusRow] = []
    upns: list[tuple[int, str]] = []
    for raw in read.rows:
        row, row_errors = rules.validate_row(
            raw.number, raw.values, census_date=census_date, today=day
        )
        errors.extend(row_errors)
        if row is not None:
            valid.append(row)
            upns.append((row.row, row.upn))
        else:
            upn_value = raw.values.get(UPN, "")
            upn = normalise_identifier(upn_value if isinstance(upn_value, str) else "")
            if upn and upn_problem(upn) is None:
                upns.append((raw.number, upn))
    duplicates = rules.duplicate_upns(upns)
    errors.extend(duplicates)
    repeated = {error.row for error in duplicates}
    valid = [row for row in valid if row.row not in repeated]

    by_urn, by_laestab = _settings(valid)
    known = _children([row.upn for row in valid], area)
    for row in valid:
        setting, problem = rules.resolve_setting(row, by_urn=by_urn, by_laestab=by_laestab)
        child = known.get(row.upn)
        row_errors = [problem] if problem is not None else []
        if child is not None and child.area_id != area.pk:
            row_errors.append(changes.other_area_problem(row))
        elif child is None:
            too_old = _new_child_problem(row, day)
            if too_old is not None:
                row_errors.append(too_old)
        if row_errors or setting is None:
            errors.extend(row_errors)
            continue
        plan, plan_errors = changes.plan_row(
            row, setting_id=setting.pk, child=child, census_date=census_date
        )
        errors.extend(plan_errors)
        if plan is not None:
            result.plans.append(plan)
    errors.sort(key=lambda error: error.sort_key)
    result.errors = errors
    return result


# --- writing ------------------------------------------------------------------------------


@dataclass
class Applied:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    subjects: list[int] = field(default_factory=list)


def _district(postcode: str) -> str:
    return postcode.split(" ")[0] if postcode else ""


def _update_in_batches(model: Any, ids: Iterable[int], **values: Any) -> None:
    id_list = sorted(ids)
    for batch in chunked(id_list, LOOKUP_BATCH):
        model.objects.filter(pk__in=batch).update(**values)


def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows of one table, in batches, without building model instances.

    ``bulk_create`` builds a model instance and compiles every value of every row through the
    query compiler; at the size of a county's census (about 750,000 rows across five tables)
    that overhead is most of the import's time, while the database does its part in seconds.
    Each value is still prepared by its field's own ``get_db_prep_save``, and columns not
    given take the field's default, so the rows are what ``bulk_create`` would write.

    PostgreSQL loads them with ``COPY ... FROM STDIN``, its bulk loading path (constraints and
    triggers apply as to INSERT). Other databases, SQLite among them, run one prepared INSERT
    for every row with ``executemany``.
    """
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]  # the real connection, not the per-value proxy
    meta = model._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    given = [by_name[name] for name in columns]
    rest = [
        field
        for field in meta.concrete_fields
        if not field.primary_key and field.name not in columns
    ]
    defaults = tuple(field.get_db_prep_save(field.get_default(), db) for field in rest)
    quote = db.ops.quote_name
    names = ", ".join(quote(field.column) for field in (*given, *rest))
    placeholders = ", ".join(["%s"] * (len(given) + len(rest)))
    table = quote(meta.db_table)
    preparers = [field.get_db_prep_save for field in given]

    def prepared(batch: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        return [
            tuple(prepare(value, db) for prepare, value in zip(preparers, row, strict=True))
            + defaults
            for row in batch
        ]

    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for batch in chunked(rows, INSERT_BATCH):
                    for row in prepared(batch):
                        copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
        for batch in chunked(rows, INSERT_BATCH):
            cursor.executemany(sql, prepared(batch))


_CHILD_INSERT = (
    "area",
    "upn",
    "forename",
    "middle_names",
    "surname",
    "preferred_forename",
    "preferred_surname",
    "date_of_birth",
    "sex",
    "home_postcode",
    "postcode_district",
    "sen_status",
    "primary_need",
    "created_at",
    "updated_at",
)
_PERIOD_INSERT = ("child", "status", "start_date", "end_date", "source", "source_organisation")
_NEED_INSERT = (
    "child",
    "code",
    "rank",
    "start_date",
    "source_agency",
    "source_organisation",
    "source",
)
_PLACEMENT_INSERT = ("child", "setting", "kind", "start_date", "source")


def _period(child_id: int, plan: RowPlan, census_date: dt.date) -> tuple[Any, ...]:
    return (child_id, plan.row.provision, census_date, None, CENSUS, plan.setting_id)


def _needs(child_id: int, plan: RowPlan, census_date: dt.date) -> list[tuple[Any, ...]]:
    return [
        (
            child_id,
            code,
            rank,
            census_date,
            EDUCATION,
            plan.setting_id,
            CENSUS,
        )
        for rank, code in plan.need_new
    ]


def _placement(child_id: int, plan: RowPlan, census_date: dt.date) -> tuple[Any, ...]:
    return (child_id, plan.setting_id, SOLE, census_date, CENSUS)


def _tokens(child_id: int, names: Iterable[str]) -> list[tuple[int, str]]:
    return [(child_id, token) for token in sorted(tokens_for_names(names))]


def _create_children(
    plans: Sequence[RowPlan], *, area: Area, census_date: dt.date, now: dt.datetime
) -> list[int]:
    """Add the children new to OpenSEND, as ``child_create`` would (name tokens, a period of
    no SEN from birth), with what the census says of them from the census date."""
    day_before = census_date - dt.timedelta(days=1)
    created: list[int] = []
    for batch in chunked(plans, WRITE_BATCH):
        insert_rows(
            Child,
            _CHILD_INSERT,
            [
                (
                    area.pk,
                    plan.row.upn,
                    plan.row.forename,
                    plan.row.middle_names or "",
                    plan.row.surname,
                    plan.row.preferred_forename or "",
                    plan.row.preferred_surname or "",
                    plan.row.date_of_birth,
                    plan.row.sex,
                    plan.row.postcode or "",
                    _district(plan.row.postcode or ""),
                    plan.row.provision,
                    plan.row.need1,
                    now,
                    now,
                )
                for plan in batch
            ],
        )
        ids: dict[str, int] = {}
        for upns in chunked([plan.row.upn for plan in batch], LOOKUP_BATCH):
            ids.update(
                Child.objects.filter(~Q(upn=""), upn__in=upns).order_by().values_list("upn", "pk")
            )
        tokens: list[tuple[int, str]] = []
        periods: list[tuple[Any, ...]] = []
        needs: list[tuple[Any, ...]] = []
        placements: list[tuple[Any, ...]] = []
        for plan in batch:
            row = plan.row
            child_id = ids[row.upn]
            created.append(child_id)
            tokens.extend(
                _tokens(
                    child_id,
                    [
                        row.forename,
                        row.middle_names or "",
                        row.surname,
                        row.preferred_forename or "",
                        row.preferred_surname or "",
                    ],
                )
            )
            has_sen = row.provision != NO_SEN
            periods.append(
                (
                    child_id,
                    NO_SEN,
                    row.date_of_birth,
                    day_before if has_sen else None,
                    CENSUS,
                    None,
                )
            )
            if has_sen:
                periods.append(_period(child_id, plan, census_date))
            needs.extend(_needs(child_id, plan, census_date))
            placements.append(_placement(child_id, plan, census_date))
        insert_rows(ChildNameToken, ("child", "token"), tokens)
        insert_rows(SENStatusPeriod, _PERIOD_INSERT, periods)
        insert_rows(Need, _NEED_INSERT, needs)
        insert_rows(Placement, _PLACEMENT_INSERT, placements)
    return created


_IDENTITY_ORDER = tuple(changes.IDENTITY_FROM_ROW)


Existing = tuple[RowPlan, ChildState]


def _update_identities(existing: Sequence[Existing]) -> None:
    """Write changed names, sex and postcode, and rebuild the search tokens of children whose
    names changed."""
    with_changes = [(plan, child) for plan, child in existing if plan.identity]
    if not with_changes:
        return
    fields = [
        key for key in _IDENTITY_ORDER if any(key in plan.identity for plan, _ in with_changes)
    ]
    if "home_postcode" in fields:
        fields.append("postcode_district")
    objects: list[Child] = []
    renamed: list[tuple[int, dict[str, str]]] = []
    for plan, state in with_changes:
        values = {**state.identity, **plan.identity}
        child = Child(pk=state.pk)
        for key in fields:
            if key == "postcode_district":
                child.postcode_district = _district(values["home_postcode"])
            else:
                setattr(child, key, values[key])
        objects.append(child)
        if changes.NAME_FIELDS & set(plan.identity):
            renamed.append((state.pk, values))
    Child.objects.bulk_update(objects, fields, batch_size=500)
    for batch in chunked(renamed, WRITE_BATCH):
        ChildNameToken.objects.filter(child_id__in=[pk for pk, _ in batch]).delete()
        insert_rows(
            ChildNameToken,
            ("child", "token"),
            [
                token
                for pk, names in batch
                for token in _tokens(
                    pk,
                    [
                        names["forename"],
                        names["middle_names"],
                        names["surname"],
                        names["preferred_forename"],
                        names["preferred_surname"],
                        names["former_surname"],
                    ],
                )
            ],
        )


def _update_children(
    existing: Sequence[Existing], *, census_date: dt.date, now: dt.datetime
) -> None:
    """Apply the planned changes to existing children: end what the census replaces (the day
    before the census date), correct what an earlier file for the same date said, open what
    it reports, and keep the child's current status and primary need in step."""
    if not existing:
        return
    day_before = census_date - dt.timedelta(days=1)
    plans = [plan for plan, _ in existing]
    _update_identities(existing)

    _update_in_batches(
        SENStatusPeriod,
        [plan.period_end for plan in plans if plan.period_end],
        end_date=day_before,
    )
    _update_in_batches(Need, [pk for plan in plans for pk in plan.need_end], end_date=day_before)
    _update_in_batches(
        Placement,
        [plan.placement_end for plan in plans if plan.placement_end],
        end_date=day_before,
    )
    deleted = [pk for plan in plans for pk in plan.need_delete]
    for batch in chunked(deleted, LOOKUP_BATCH):
        Need.objects.filter(pk__in=batch).delete()

    fixed_periods = [
        SENStatusPeriod(
            pk=plan.period_fix,
            status=plan.row.provision,
            source=CENSUS,
            source_organisation_id=plan.setting_id,
        )
        for plan in plans
        if plan.period_fix
    ]
    SENStatusPeriod.objects.bulk_update(
        fixed_periods, ["status", "source", "source_organisation"], batch_size=500
    )
    fixed_needs = [
        Need(pk=pk, code=code, source_organisation_id=plan.setting_id)
        for plan in plans
        for pk, code in plan.need_fix
    ]
    Need.objects.bulk_update(fixed_needs, ["code", "source_organisation"], batch_size=500)
    fixed_placements = [
        Placement(pk=plan.placement_fix, setting_id=plan.setting_id)
        for plan in plans
        if plan.placement_fix
    ]
    Placement.objects.bulk_update(fixed_placements, ["setting"], batch_size=500)

    for rows in chunked(existing, WRITE_BATCH):
        insert_rows(
            SENStatusPeriod,
            _PERIOD_INSERT,
            [_period(child.pk, plan, census_date) for plan, child in rows if plan.period_new],
        )
        insert_rows(
            Need,
            _NEED_INSERT,
            [need for plan, child in rows for need in _needs(child.pk, plan, census_date)],
        )
        insert_rows(
            Placement,
            _PLACEMENT_INSERT,
            [_placement(child.pk, plan, census_date) for plan, child in rows if plan.placement_new],
        )

    by_current: dict[tuple[str, str], list[int]] = defaultdict(list)
    for plan, child in existing:
        by_current[(plan.row.provision, plan.row.need1)].append(child.pk)
    for (status, need), ids in sorted(by_current.items()):
        _update_in_batches(Child, ids, sen_status=status, primary_need=need, updated_at=now)


def census_import_apply(
    plans: Sequence[RowPlan], *, area: Area, census_date: dt.date, now: dt.datetime
) -> Applied:
    """Write the changes of checked rows in bulk. Call inside the import's transaction."""
    new = [plan for plan in plans if plan.child is None]
    changed = [
        (plan, plan.child) for plan in plans if plan.child is not None and plan.changes_record
    ]
    created = _create_children(new, area=area, census_date=census_date, now=now)
    _update_children(changed, census_date=census_date, now=now)
    subjects = created + [child.pk for _, child in changed]
    return Applied(
        created=len(created),
        updated=len(changed),
        unchanged=len(plans) - len(new) - len(changed),
        subjects=subjects,
    )


# --- the import runs ----------------------------------------------------------------------


def latest_imported_census(area: Area) -> dt.date | None:
    """The census date of the area's most recent imported file."""
    return (
        CensusImport.objects.filter(
            area=area,
            status__in=[CensusImportStatus.IMPORTED, CensusImportStatus.IMPORTED_VALID_ROWS],
        )
        .order_by("-census_date")
        .values_list("census_date", flat=True)
        .first()
    )


def _older_than_imported(area: Area, census_date: dt.date) -> str | None:
    latest = latest_imported_census(area)
    if latest is not None and census_date < latest:
        return (
            f"The census of {rules.format_day(latest)} has already been imported for "
            f"{area.name}. A file for an earlier census ({rules.format_day(census_date)}) "
            "would rewrite the history it recorded, so it is refused."
        )
    return None


def _log(
    record: CensusImport,
    *,
    acting_user: User | None,
    organisation: Organisation | None,
    subjects: Sequence[int] = (),
) -> None:
    access_log.record(
        actor=acting_user,
        action=AccessAction.IMPORT,
        object_type=OBJECT_TYPE,
        object_id=record.pk,
        subjects=[(CHILD, pk) for pk in subjects],
        purpose=policy.BASIS_DESCRIPTIONS[policy.Basis.LA_AREA]
        if acting_user is not None
        else SYSTEM_PURPOSE,
        organisation=organisation,
        detail={
            "area": record.area.la_code,
            "census_date": record.census_date.isoformat(),
            "file_name": record.file_name,
            "file_sha256": record.file_sha256,
            "status": record.status,
            "rows": record.row_count,
            "valid": record.valid_row_count,
            "invalid": record.invalid_row_count,
            "created": record.created_count,
            "updated": record.updated_count,
            "unchanged": record.unchanged_count,
            "skipped": record.skipped_count,
        },
    )


def _check_census_date(census_date: dt.date) -> None:
    if census_date > timezone.localdate():
        raise ValidationError(
            {"census_date": "The census date must be today or in the past."}, code="future"
        )


def _store_outcome(record: CensusImport, check: CheckResult, *, applied: Applied | None) -> None:
    record.row_count = check.row_count
    record.valid_row_count = check.valid_row_count
    record.errors = [error.as_dict() for error in check.errors]
    record.notices = [*record.notices, *check.notices]
    if applied is not None:
        record.created_count = applied.created
        record.updated_count = applied.updated
        record.unchanged_count = applied.unchanged
        record.skipped_count = check.invalid_row_count


def census_import_run(
    *,
    acting_user: User | None,
    area: Area,
    census_date: dt.date,
    file_name: str,
    content: bytes,
    valid_only: bool = False,
) -> CensusImport:
    """Check a census file and, if every row is valid, import it, all in one transaction.

    With errors, nothing is imported: the run is recorded as checked with errors and the file
    is held so the user may import its valid rows only (``census_import_valid_rows``).
    ``valid_only`` imports the valid rows at once (the command line's ``--valid-only``). A file
    that cannot be read, or whose census is older than one already imported, is refused.
    ``acting_user`` ``None`` is the system (a scheduled load)."""
    organisation = _authorise(acting_user, area)
    _check_census_date(census_date)
    try:
        file_format = detect_format(content, file_name)
    except FileRefused:
        file_format = "xlsx" if file_name.lower().endswith(".xlsx") else "csv"
    record = CensusImport(
        area=area,
        census_date=census_date,
        uploaded_by=acting_user,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        file_format=file_format,
    )
    notice = rules.census_day_notice(census_date)
    record.notices = [notice] if notice else []
    with transaction.atomic():
        Area.objects.select_for_update().filter(pk=area.pk).first()
        # A new file for the area replaces any checked file still waiting: only the latest
        # check may be imported, and the older file's data is no longer kept.
        CensusImportFile.objects.filter(
            census_import__area=area,
            census_import__status=CensusImportStatus.CHECKED_WITH_ERRORS,
        ).delete()
        refusal = _older_than_imported(area, census_date)
        check: CheckResult | None = None
        if refusal is None:
            try:
                check = census_file_check(
                    area=area, census_date=census_date, file_name=file_name, content=content
                )
            except FileRefused as exc:
                refusal = str(exc)
        if check is None:
            record.status = CensusImportStatus.REFUSED
            record.refusal_reason = refusal or ""
            record.save()
            _log(record, acting_user=acting_user, organisation=organisation)
            return record
        if not check.plans or (check.errors and not valid_only):
            record.status = CensusImportStatus.CHECKED_WITH_ERRORS
            _store_outcome(record, check, applied=None)
            record.save()
            if check.plans:
                CensusImportFile.objects.create(census_import=record, content=content)
            _log(record, acting_user=acting_user, organisation=organisation)
            return record
        now = timezone.now()
        applied = census_import_apply(check.plans, area=area, census_date=census_date, now=now)
        record.status = (
            CensusImportStatus.IMPORTED_VALID_ROWS if check.errors else CensusImportStatus.IMPORTED
        )
        _store_outcome(record, check, applied=applied)
        record.imported_by = acting_user
        record.imported_at = now
        record.save()
        _log(record, acting_user=acting_user, organisation=organisation, subjects=applied.subjects)
    return record


def census_import_valid_rows(
    *, acting_user: User | None, census_import: CensusImport
) -> CensusImport:
    """Import the valid rows of a file that was checked with errors. The file is checked
    again (the records may have changed since), its valid rows imported, the invalid ones
    listed, and the held file deleted."""
    area = census_import.area
    organisation = _authorise(acting_user, area)
    with transaction.atomic():
        Area.objects.select_for_update().filter(pk=area.pk).first()
        record = CensusImport.objects.select_for_update().get(pk=census_import.pk)
        if record.status != CensusImportStatus.CHECKED_WITH_ERRORS:
            raise ValidationError(
                f"This file cannot be imported again: it is {record.get_status_display().lower()}."
            )
        held = CensusImportFile.objects.filter(pk=record.pk).first()
        if held is None:
            raise ValidationError(
                "This file is no longer held: a later file for the area replaced it, or it had "
                "no valid rows. Upload it again to import it."
            )
        refusal = _older_than_imported(area, record.census_date)
        if refusal is not None:
            raise ValidationError(refusal)
        check = census_file_check(
            area=area,
            census_date=record.census_date,
            file_name=record.file_name,
            content=bytes(held.content),
        )
        if not check.plans:
            raise ValidationError("No row of this file is valid any more, so nothing was imported.")
        now = timezone.now()
        applied = census_import_apply(
            check.plans, area=area, census_date=record.census_date, now=now
        )
        record.status = (
            CensusImportStatus.IMPORTED_VALID_ROWS if check.errors else CensusImportStatus.IMPORTED
        )
        record.notices = [notice for notice in record.notices if notice not in check.notices]
        _store_outcome(record, check, applied=applied)
        record.imported_by = acting_user
        record.imported_at = now
        record.save()
        held.delete()
        _log(record, acting_user=acting_user, organisation=organisation, subjects=applied.subjects)
    return record


def census_import_error_report(
    *, acting_user: User, census_import: CensusImport
) -> list[dict[str, Any]]:
    """The full error list of a run, for download as CSV. The download is an export of
    children's data (UPNs, dates of birth), so it is written to the access log."""
    organisation = _authorise(acting_user, census_import.area)
    errors = census_import.error_list()
    with transaction.atomic():
        access_log.record(
            actor=acting_user,
            action=AccessAction.EXPORT,
            object_type=OBJECT_TYPE,
            object_id=census_import.pk,
            purpose=policy.BASIS_DESCRIPTIONS[policy.Basis.LA_AREA],
            organisation=organisation,
            detail={"export": "census import error report", "rows": len(errors)},
        )
    return errors


# --- the SEN2 return ----------------------------------------------------------------------

SEN2_OBJECT_TYPE = "returns.sen2return"
NOT_SEN2_OFFICER = "Only an EHC coordinator or SEND manager of {area} can make its SEN2 return."


def _authorise_sen2(acting_user: User | None, area: Area) -> Organisation | None:
    """The organisation the user acts for; ``None`` for the system."""
    if acting_user is None:
        return None
    grants = policy.grants_for(acting_user)
    if area.pk not in grants.la_area_ids:
        raise PermissionDenied(NOT_SEN2_OFFICER.format(area=area.name))
    return Organisation.objects.get(pk=grants.la_organisations[area.pk])


def _purpose(acting_user: User | None) -> str:
    if acting_user is None:
        return "SEN2 return by the system"
    return policy.BASIS_DESCRIPTIONS[policy.Basis.LA_AREA]


def sen2_check_year(year: int, today: dt.date) -> None:
    """A return can be made for a person-level collection whose reference date has come."""
    latest = sen2_mapping.latest_collection_year(today)
    if year < SEN2_FIRST_YEAR:
        raise ValidationError(
            {"year": f"SEN2 has been person-level since {SEN2_FIRST_YEAR}: choose a later year."}
        )
    if year > latest:
        day = sen2_mapping.reference_date(year)
        raise ValidationError(
            {
                "year": f"The {year} return is as at {rules.format_day(day)}, which has not come "
                "yet. Its problems so far are shown as live checks."
            }
        )


@transaction.atomic
def sen2_generate(
    *,
    acting_user: User | None,
    area: Area,
    year: int,
    dmo: str = DesignatedOfficer.NO,
    dco: str = DesignatedOfficer.NO,
) -> SEN2Return:
    """Generate the area's SEN2 return for a collection year from its case data: collect it,
    check it against the DfE's rules, write its XML and count its figures, and keep all of
    it as a new ``SEN2Return`` (numbered in order: the header's SerialNo). The return holds
    every child in it, so generating it is logged as an export of their records."""
    organisation = _authorise_sen2(acting_user, area)
    sen2_check_year(year, timezone.localdate())
    if dmo not in DesignatedOfficer.values or dco not in DesignatedOfficer.values:
        raise ValidationError("Say whether the area has a designated medical and clinical officer.")
    persons = sen2_collect.persons(sen2_collect.scope_for(area, year))
    Area.objects.select_for_update().filter(pk=area.pk).first()  # serial numbers in turn
    serial_no = (
        SEN2Return.objects.filter(area=area, collection_year=year).aggregate(top=Max("serial_no"))[
            "top"
        ]
        or 0
    ) + 1
    generated_at = timezone.now()
    header = sen2_collect.header(
        area=area,
        year=year,
        serial_no=serial_no,
        generated_at=timezone.localtime(generated_at),
        dmo=dmo,
        dco=dco,
    )
    sen2 = Return(header=header, persons=persons)
    problems = sen2_validation.validate(sen2)
    text = sen2_xml.to_xml(sen2)
    record = SEN2Return(
        area=area,
        collection_year=year,
        reference_date=header.reference_date,
        serial_no=serial_no,
        generated_by=acting_user,
        generated_at=generated_at,
        software_release=header.release,
        dmo=dmo,
        dco=dco,
        status=SEN2ReturnStatus.HAS_ERRORS if problems else SEN2ReturnStatus.READY,
        person_count=len(persons),
        request_count=sen2.request_count,
        active_plan_count=sen2.active_plan_count,
        error_count=len(problems),
        problems=[problem.as_dict() for problem in problems],
        figures=sen2_figures.figures(sen2).as_dict(),
        child_ids=[person.child_id for person in persons],
        xml=text,
        xml_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    record.full_clean()
    record.save()
    access_log.record(
        actor=acting_user,
        action=AccessAction.EXPORT,
        object_type=SEN2_OBJECT_TYPE,
        object_id=record.pk,
        subjects=[(CHILD, pk) for pk in record.child_ids],
        purpose=_purpose(acting_user),
        organisation=organisation,
        detail={
            "export": "SEN2 return generated",
            "area": area.la_code,
            "year": year,
            "serial_no": serial_no,
            "persons": record.person_count,
            "errors": record.error_count,
            "sha256": record.xml_sha256,
        },
    )
    return record


def _problem_word(count: int) -> str:
    return f"{count:,} {'error' if count == 1 else 'errors'}"


def sen2_download(*, acting_user: User, sen2_return: SEN2Return, with_errors: bool = False) -> str:
    """The XML of a return, to submit to the DfE through COLLECT. A return with errors is
    refused unless the user confirms they want it with its errors (to load it into COLLECT
    and see the DfE's own checks); either way the download is logged as an export of every
    child in it."""
    organisation = _authorise_sen2(acting_user, sen2_return.area)
    if not sen2_return.is_ready and not with_errors:
        raise ValidationError(
            f"This return has {_problem_word(sen2_return.error_count)}, so it has not been "
            "downloaded. Fix the cases listed below and generate the return again, or confirm "
            "that you want to download it with its errors."
        )
    with transaction.atomic():
        access_log.record(
            actor=acting_user,
            action=AccessAction.EXPORT,
            object_type=SEN2_OBJECT_TYPE,
            object_id=sen2_return.pk,
            subjects=[(CHILD, pk) for pk in sen2_return.child_ids],
            purpose=_purpose(acting_user),
            organisation=organisation,
            detail={
                "export": "SEN2 XML",
                "year": sen2_return.collection_year,
                "serial_no": sen2_return.serial_no,
                "with_errors": not sen2_return.is_ready,
                "sha256": sen2_return.xml_sha256,
            },
        )
    return sen2_return.xml


def sen2_problem_report(*, acting_user: User, sen2_return: SEN2Return) -> list[dict[str, Any]]:
    """Every problem of a return, for download as CSV (names of children and what is wrong
    with their records: logged as an export)."""
    organisation = _authorise_sen2(acting_user, sen2_return.area)
    problems = sen2_return.problem_list()
    with transaction.atomic():
        access_log.record(
            actor=acting_user,
            action=AccessAction.EXPORT,
            object_type=SEN2_OBJECT_TYPE,
            object_id=sen2_return.pk,
            subjects=_problem_subjects(problem.get("child_id") for problem in problems),
            purpose=_purpose(acting_user),
            organisation=organisation,
            detail={"export": "SEN2 problem report", "rows": len(problems)},
        )
    return problems


def _problem_subjects(child_ids: Iterable[int | None]) -> list[tuple[str, int]]:
    return [(CHILD, pk) for pk in sorted({pk for pk in child_ids if pk is not None})]


def sen2_live_problem_report(
    *, acting_user: User, area: Area, today: dt.date
) -> list[sen2_validation.Problem]:
    """Every problem of the live checks (the next return as it stands today), for download as
    CSV; logged as an export of the children it names."""
    organisation = _authorise_sen2(acting_user, area)
    live = selectors.sen2_live_check(area=area, today=today)
    with transaction.atomic():
        access_log.record(
            actor=acting_user,
            action=AccessAction.EXPORT,
            object_type="core.area",
            object_id=area.pk,
            subjects=_problem_subjects(problem.child_id for problem in live.problems),
            purpose=_purpose(acting_user),
            organisation=organisation,
            detail={
                "export": "SEN2 live problem report",
                "year": live.year,
                "rows": len(live.problems),
            },
        )
    return live.problems


def sen2_problems_shown(
    *, acting_user: User, area: Area, child_ids: Iterable[int | None], what: str
) -> None:
    """Log the children a page of SEN2 problems shows (their names, and what is wrong with
    their records), as a search results page is logged."""
    subjects = _problem_subjects(child_ids)
    if not subjects:
        return
    organisation = _authorise_sen2(acting_user, area)
    with transaction.atomic():
        access_log.record(
            actor=acting_user,
            action=AccessAction.SEARCH,
            object_type="core.area",
            object_id=area.pk,
            subjects=subjects,
            purpose=_purpose(acting_user),
            organisation=organisation,
            detail={"sen2": what, "shown": len(subjects)},
        )
