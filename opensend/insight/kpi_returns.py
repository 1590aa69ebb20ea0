"""A provider's KPI return for one of its contracts: reading the CSV or XLSX file, and
checking every row before anything is written (``kpi_return_rows_import`` writes all
of it or none of it, and only for the contract's own provider).

One row per KPI and period: the indicator's code, the first day of the period, the numerator,
the denominator (for a rate), the value (for a plain figure, instead of the numerator) and a
note. The file is read by the pathways return's reader, ``provider_returns.read_table``
(headings on row 1, matched without regard to capitals, spaces, hyphens or underscores; row
numbers as a spreadsheet shows them). Rows posted to the API are numbered from 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from opensend.commissioning.models import Commission
from opensend.core import access_log
from opensend.core.models import AccessAction, User
from opensend.insight import kpi, services
from opensend.insight.models import Indicator, KpiReturn, ReturnStatus
from opensend.insight.permissions import access_for
from opensend.insight.services import PURPOSE, Figures, figures_problems, period_problems
from opensend.pathways.provider_returns import Column, FileRefused, parse_date, read_table

__all__ = [
    "COLUMNS",
    "Checked",
    "FileRefused",
    "ReturnRefused",
    "ReturnRow",
    "RowError",
    "check_rows",
    "kpi_return_file_import",
    "kpi_return_rows_import",
    "read_return_file",
]


COLUMNS: tuple[Column, ...] = (
    Column(
        "indicator_code",
        "Indicator code",
        True,
        "The KPI's code, as the contract's KPI list shows it.",
        ("code", "kpi", "kpi_code", "indicator"),
    ),
    Column(
        "period_start",
        "Period start",
        True,
        "The first day of the month, quarter or year the figures are for.",
        ("period", "period_start_date"),
    ),
    Column("numerator", "Numerator", False, "What is counted."),
    Column("denominator", "Denominator", False, "What it is out of (for a rate only)."),
    Column("value", "Value", False, "For a plain figure, instead of the numerator."),
    Column("note", "Note", False, "Anything the commissioner should know about the figures."),
)
LABELS = {column.name: column.label for column in COLUMNS}
MAX_ROWS = 5000


def read_return_file(content: bytes, file_name: str) -> tuple[str, list[dict[str, Any]]]:
    """The file's format (``csv`` or ``xlsx``) and its rows, each with its ``row`` number.
    Raises ``FileRefused`` for a file that cannot be read as a return at all."""
    table = read_table(content, file_name, COLUMNS, max_rows=MAX_ROWS)
    if not table.columns & {"numerator", "value"}:
        raise FileRefused("The file needs a Numerator or a Value column.")
    if not table.rows:
        raise FileRefused("The file has column headings but no figures.")
    return table.file_format, table.rows


# --- checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}

    @property
    def field_label(self) -> str:
        return LABELS.get(self.field, self.field.replace("_", " ").capitalize())


@dataclass(frozen=True)
class ReturnRow:
    row: int
    indicator: Indicator
    period_start: dt.date
    figures: Figures
    note: str


@dataclass
class Checked:
    rows: list[ReturnRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decimal(value: object) -> Decimal:
    text = str(value).strip().replace(",", "")
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation(text)
    return number


def supplied_indicators(commission: Commission) -> dict[str, Indicator]:
    """The contract's KPIs its provider supplies, by code (in lower case: a return's codes
    are matched without regard to capitals)."""
    return {
        indicator.code.lower(): indicator
        for indicator in Indicator.objects.filter(
            commission=commission, active=True, source=kpi.Source.PROVIDER
        ).select_related("area", "commission")
    }


def check_rows(
    rows: Sequence[Mapping[str, Any]], *, commission: Commission, today: dt.date
) -> Checked:
    """Every row's problems (row, column, message), or the rows ready to write."""
    indicators = supplied_indicators(commission)
    checked = Checked()
    seen: dict[tuple[str, dt.date], int] = {}
    for position, row in enumerate(rows, start=1):
        number = int(row.get("row") or position)
        before = len(checked.errors)

        def error(name: str, message: str, number: int = number) -> None:
            checked.errors.append(RowError(number, name, message))

        code = str(row.get("indicator_code") or "").strip()
        indicator = indicators.get(code.lower())
        if not code:
            error("indicator_code", "Enter the indicator code")
        elif indicator is None:
            error(
                "indicator_code",
                f"{code} is not a KPI supplied for contract {commission.reference}: the "
                f"contract's codes are "
                f"{', '.join(sorted(i.code for i in indicators.values())) or 'none'}",
            )
        period_start: dt.date | None = None
        raw_period = row.get("period_start")
        if _blank(raw_period):
            error("period_start", "Enter the first day of the period")
        else:
            try:
                period_start = parse_date(raw_period)
            except ValueError:
                error(
                    "period_start",
                    f"{raw_period} is not a date: write it like 2026-04-01 or 01/04/2026",
                )
        figures: dict[str, Decimal | None] = {}
        for name in ("numerator", "denominator", "value"):
            raw = row.get(name)
            if _blank(raw):
                figures[name] = None
                continue
            try:
                figures[name] = _decimal(raw)
            except (InvalidOperation, ValueError):
                error(name, f"{raw} is not a number")
        if indicator is not None and period_start is not None:
            for message in period_problems(indicator, period_start, today=today):
                error("period_start", message)
            key = (indicator.code, period_start)
            if key in seen:
                error(
                    "period_start",
                    f"Row {seen[key]} already gives {indicator.code} for this period: "
                    "send each once",
                )
            seen.setdefault(key, number)
        if indicator is not None and len(figures) == 3:
            given = Figures(figures["numerator"], figures["denominator"], figures["value"])
            if given == Figures():
                error("numerator", "Enter the figures: a numerator (or a value)")
            else:
                problems, _ = figures_problems(indicator, given)
                for name, messages in problems.items():
                    for message in messages:
                        error(name, message)
        if len(checked.errors) == before and indicator is not None and period_start is not None:
            checked.rows.append(
                ReturnRow(
                    row=number,
                    indicator=indicator,
                    period_start=period_start,
                    figures=Figures(figures["numerator"], figures["denominator"], figures["value"]),
                    note=str(row.get("note") or "").strip(),
                )
            )
    return checked


# --- importing -----------------------------------------------------------------------------


class ReturnRefused(Exception):
    """The file as a whole cannot be read; the message says why, for the user."""


def _authorise(acting_user: User | None, commission: Commission) -> None:
    """Only the contract's provider sends its KPI returns (``None`` is the system)."""
    if acting_user is None:
        return
    if commission.provider_id not in access_for(acting_user).provider_organisation_ids:
        access_log.record(
            actor=acting_user,
            action=AccessAction.REFUSED,
            object_type="commissioning.commission",
            object_id=commission.pk,
            purpose=PURPOSE,
            detail={"insight": "kpi_return", "reference": commission.reference},
        )
        raise PermissionDenied(
            f"Only {commission.provider.name} can send KPI returns for contract "
            f"{commission.reference}."
        )


def kpi_return_rows_import(
    *,
    acting_user: User | None,
    commission: Commission,
    rows: Sequence[Mapping[str, Any]],
    file_name: str = "",
    file_format: str = "json",
    today: dt.date | None = None,
) -> KpiReturn:
    """Check every row of a return, then write all of its values or none of them. A period
    already supplied is corrected (its earlier figures kept as a revision), so the same
    return sent twice changes nothing the second time. The return itself is kept, refused or
    imported, with its row errors."""
    _authorise(acting_user, commission)
    day = today or timezone.localdate()
    record = KpiReturn(
        commission=commission,
        organisation=commission.provider,
        uploaded_by=acting_user,
        file_name=file_name[:255],
        file_format=file_format,
        rows=len(rows),
    )
    checked = check_rows(rows, commission=commission, today=day)
    if checked.errors:
        record.status = ReturnStatus.REFUSED
        record.errors = [error.as_dict() for error in checked.errors]
        record.save()
        return record
    created = updated = 0
    with transaction.atomic():
        for row in checked.rows:
            result = services.value_supply(
                acting_user=acting_user,
                indicator=row.indicator,
                period_start=row.period_start,
                figures=row.figures,
                note=row.note,
                organisation=commission.provider,
                today=day,
            )
            created += result.created
            updated += result.changed and not result.created
        record.status = ReturnStatus.IMPORTED
        record.created, record.updated = created, updated
        record.save()
        access_log.record(
            actor=acting_user,
            action=AccessAction.IMPORT,
            object_type="insight.kpireturn",
            object_id=record.pk,
            purpose=PURPOSE,
            organisation=commission.provider if acting_user else None,
            detail={"reference": commission.reference, "created": created, "updated": updated},
        )
    return record


def kpi_return_file_import(
    *,
    acting_user: User | None,
    commission: Commission,
    file_name: str,
    content: bytes,
    today: dt.date | None = None,
) -> KpiReturn:
    """A return uploaded as CSV or XLSX: read, then ``kpi_return_rows_import``. Raises
    ``ReturnRefused`` if the file cannot be read at all."""
    _authorise(acting_user, commission)
    try:
        file_format, rows = read_return_file(content, file_name)
    except FileRefused as refused:
        raise ReturnRefused(str(refused)) from refused
    return kpi_return_rows_import(
        acting_user=acting_user,
        commission=commission,
        rows=rows,
        file_name=file_name,
        file_format=file_format,
        today=today,
    )
