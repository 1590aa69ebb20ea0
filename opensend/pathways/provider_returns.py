"""A provider's referral-level return: reading the CSV or XLSX file, and checking every row
before anything is written (the service writes all of it or none of it).

One row per referral. The first row of a file holds the column headings, matched without
regard to capitals, spaces, hyphens or underscores; row numbers are those a spreadsheet shows
(the headings are row 1). Rows posted to the API are numbered from 1.

The readers (``read_table``, ``csv_rows``, ``xlsx_rows``, ``heading_key``) serve any return
of this shape: the performance framework's KPI returns use them too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from opensend.core.identifiers import nhs_number_problem
from opensend.pathways import rules
from opensend.pathways.models import Pathway, Referral, ReferralSource
from opensend.people.models import Child

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    required: bool
    description: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column(
        "provider_referral_id",
        "Provider referral id",
        True,
        "Your own id for the referral; a referral id already sent is updated.",
        ("referral_id", "referral_reference"),
    ),
    Column("nhs_number", "NHS number", True, "The child's 10-digit NHS number."),
    Column(
        "date_of_birth", "Date of birth", True, "Checked against the child the NHS number finds."
    ),
    Column("received", "Received", True, "The day the referral was received.", ("received_date",)),
    Column("source", "Source", False, "Who referred: GP, school, health visitor, parent, …"),
    Column("triaged", "Triaged", False, "The day it was triaged.", ("triage_date",)),
    Column(
        "first_appointment",
        "First appointment",
        False,
        "The day of the first appointment attended.",
        ("first_appointment_date",),
    ),
    Column(
        "clock_stop_date",
        "Clock stop date",
        False,
        "The day the clock stopped.",
        ("stop_date", "clock_stop"),
    ),
    Column(
        "clock_stop_reason",
        "Clock stop reason",
        False,
        "Why it stopped: treatment_started, active_monitoring, decision_not_to_treat, "
        "declined_treatment, referred_back or discharged.",
        ("stop_reason",),
    ),
    Column("pause_start", "Pause start", False, "The first day of a delay the family asked for."),
    Column("pause_end", "Pause end", False, "The day the family was available again."),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
LABELS = {column.name: column.label for column in COLUMNS}


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why, for the user."""


#: What a cell of a return file holds once read: its text (trimmed), or a date from Excel.
Cell = str | dt.date


def heading_key(heading: str) -> str:
    """``heading`` as it is matched: without capitals, spaces, hyphens or underscores."""
    return re.sub(r"[\s_\-]+", "", heading.strip().lower())


def heading_names(columns: Iterable[Column]) -> dict[str, str]:
    """Every heading a column may be given under (its name, label and aliases), by
    ``heading_key``, to the column's name."""
    names: dict[str, str] = {}
    for column in columns:
        for heading in (column.name, column.label, *column.aliases):
            names[heading_key(heading)] = column.name
    return names


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def xlsx_rows(content: bytes) -> Iterator[list[Cell]]:
    """The rows of the first sheet of an Excel workbook. Raises ``FileRefused`` if the
    content is not a workbook."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused("The file could not be read as an Excel workbook (.xlsx).") from exc
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_cell(value) for value in values]
    finally:
        workbook.close()


def csv_rows(content: bytes) -> Iterator[list[Cell]]:
    """The rows of a CSV file, in UTF-8 (with or without a byte order mark) or, failing
    that, Windows-1252. Raises ``FileRefused`` at a malformed line."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for record in reader:
            yield [cell.strip() for cell in record]
    except csv.Error as exc:
        raise FileRefused(
            f"The CSV file could not be read at line {reader.line_num}: {exc}."
        ) from exc


@dataclass(frozen=True)
class Table:
    """A return file read against its columns."""

    file_format: str  # csv or xlsx
    columns: frozenset[str]  # the names of the columns the file has
    rows: list[dict[str, Any]]  # by column name, each with its ``row`` number; blanks left out


def read_table(
    content: bytes, file_name: str, columns: Sequence[Column], *, max_rows: int | None = None
) -> Table:
    """Read a CSV or XLSX return whose first row holds the headings of ``columns`` (matched
    by ``heading_key``; the first of two columns with the same heading counts). Raises
    ``FileRefused`` for an empty file, a file named .xlsx that is not a workbook, a file
    without headings or without a required column, and one of more than ``max_rows`` rows."""
    if not content.strip():
        raise FileRefused("The file is empty.")
    rows: Iterator[list[Cell]]
    if content.startswith(XLSX_MAGIC):
        file_format, rows = "xlsx", xlsx_rows(content)
    elif file_name.lower().endswith(".xlsx"):
        raise FileRefused("The file is named .xlsx but is not an Excel workbook.")
    else:
        file_format, rows = "csv", csv_rows(content)
    header = next(rows, None)
    if header is None or all(cell == "" for cell in header):
        raise FileRefused("The first row of the file must be the column headings.")
    names = heading_names(columns)
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        name = names.get(heading_key(str(heading)))
        if name is not None and name not in positions:
            positions[name] = index
    missing = [
        column.label for column in columns if column.required and column.name not in positions
    ]
    if missing:
        raise FileRefused(f"The file has no column for: {', '.join(missing)}.")
    read: list[dict[str, Any]] = []
    for number, cells in enumerate(rows, start=2):
        if all(cell == "" for cell in cells):
            continue
        values: dict[str, Any] = {
            name: (cells[index] if index < len(cells) else "") for name, index in positions.items()
        }
        values["row"] = number
        read.append(values)
        if max_rows is not None and len(read) > max_rows:
            raise FileRefused(f"The file has more than {max_rows:,} rows: send one at a time.")
    return Table(file_format, frozenset(positions), read)


def read_return_file(content: bytes, file_name: str) -> tuple[str, list[dict[str, Any]]]:
    """The file's format (``csv`` or ``xlsx``) and its rows, each with its ``row`` number."""
    table = read_table(content, file_name, COLUMNS)
    if not table.rows:
        raise FileRefused("The file has column headings but no referrals.")
    return table.file_format, table.rows


# Checking ------------------------------------------------------------------------------------


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
    reference: str
    child: Child
    source: str
    received: dt.date
    triaged: dt.date | None
    first_appointment: dt.date | None
    stop_date: dt.date | None
    stop_reason: rules.EventKind | None
    pause_start: dt.date | None
    pause_end: dt.date | None


@dataclass
class Checked:
    rows: list[ReturnRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def parse_date(value: object) -> dt.date | None:
    """A date from a cell: an Excel date, ISO (2026-03-31) or day first (31/03/2026)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    raise ValueError(text)


_STOP_REASONS: dict[str, rules.EventKind] = {}
for _kind in rules.STOP_EVENTS:
    _STOP_REASONS[heading_key(_kind.value)] = _kind
    _STOP_REASONS[heading_key(_kind.label)] = _kind
_SOURCES: dict[str, str] = {}
for _value, _label in ReferralSource.choices:
    _SOURCES[heading_key(_value)] = _value
    _SOURCES[heading_key(str(_label))] = _value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def check_rows(rows: Sequence[Mapping[str, Any]], *, pathway: Pathway, today: dt.date) -> Checked:
    """Every row checked; ``errors`` says which row, which field and why."""
    checked = Checked()
    numbers = [int(row.get("row") or index) for index, row in enumerate(rows, start=1)]
    nhs_numbers = {re.sub(r"\s", "", str(row.get("nhs_number") or "")) for row in rows} - {""}
    children = {c.nhs_number: c for c in Child.objects.filter(nhs_number__in=nhs_numbers)}
    known = dict(
        Referral.objects.filter(pathway=pathway).values_list("provider_reference", "child_id")
    )
    seen: dict[str, int] = {}
    for number, row in zip(numbers, rows, strict=True):
        errors: list[RowError] = []

        def error(
            name: str, message: str, number: int = number, into: list[RowError] = errors
        ) -> None:
            into.append(RowError(number, name, message))

        def date(name: str, required: bool = False, row: Mapping[str, Any] = row) -> dt.date | None:
            value = row.get(name)
            if _blank(value):
                if required:
                    error(name, f"Enter the {LABELS[name].lower()} date")
                return None
            try:
                day = parse_date(value)
            except ValueError:
                error(name, f"{LABELS[name]} must be a real date, like 2026-03-31 or 31/03/2026")
                return None
            if day is not None and day > today:
                error(name, f"{LABELS[name]} must be today or in the past")
            return day

        reference = str(row.get("provider_referral_id") or "").strip()
        if not reference:
            error("provider_referral_id", "Enter the provider referral id")
        elif len(reference) > 40:
            error("provider_referral_id", "The provider referral id must be 40 characters or fewer")
        elif reference in seen:
            error(
                "provider_referral_id",
                f"Referral {reference} is also on row {seen[reference]}: one row per referral",
            )
        else:
            seen[reference] = number
        nhs = re.sub(r"\s", "", str(row.get("nhs_number") or ""))
        born = date("date_of_birth", required=True)
        child: Child | None = None
        if not nhs:
            error("nhs_number", "Enter the child's NHS number")
        elif (problem := nhs_number_problem(nhs)) is not None:
            error("nhs_number", problem)
        elif (child := children.get(nhs)) is None:
            error("nhs_number", f"No child with NHS number {nhs} is known to OpenSEND")
        elif born is not None and child.date_of_birth != born:
            error(
                "date_of_birth",
                f"The child with NHS number {nhs} has a different date of birth: check both",
            )
            child = None
        if child is not None and reference in known and known[reference] != child.pk:
            error(
                "nhs_number",
                f"Referral {reference} is already recorded for a different child",
            )
        source_text = row.get("source")
        source = ReferralSource.OTHER.value
        if not _blank(source_text):
            found = _SOURCES.get(heading_key(str(source_text)))
            if found is None:
                error(
                    "source",
                    "Source must be GP, school, health visitor, parent, social care or other",
                )
            else:
                source = found
        received = date("received", required=True)
        triaged = date("triaged")
        first_appointment = date("first_appointment")
        stop_date = date("clock_stop_date")
        stop_reason: rules.EventKind | None = None
        reason_text = row.get("clock_stop_reason")
        if not _blank(reason_text):
            stop_reason = _STOP_REASONS.get(heading_key(str(reason_text)))
            if stop_reason is None:
                error(
                    "clock_stop_reason",
                    "Clock stop reason must be treatment_started, active_monitoring, "
                    "decision_not_to_treat, declined_treatment, referred_back or discharged",
                )
        if stop_date is not None and _blank(reason_text):
            error("clock_stop_reason", "Enter why the clock stopped")
        if stop_date is None and stop_reason is not None and _blank(row.get("clock_stop_date")):
            error("clock_stop_date", "Enter the date the clock stopped")
        pause_start = date("pause_start")
        pause_end = date("pause_end")
        if pause_end is not None and pause_start is None and _blank(row.get("pause_start")):
            error("pause_start", "Enter the date the pause started")
        if not errors and received is not None and child is not None:
            events = [rules.Event(rules.EventKind.REFERRAL_RECEIVED, received)]
            if triaged is not None:
                events.append(rules.Event(rules.EventKind.TRIAGED, triaged))
            if first_appointment is not None:
                events.append(rules.Event(rules.EventKind.APPOINTMENT_ATTENDED, first_appointment))
            if stop_date is not None and stop_reason is not None:
                events.append(rules.Event(stop_reason, stop_date))
            pauses = () if pause_start is None else (rules.Pause(pause_start, pause_end),)
            for problem in rules.pathway_problems(
                rules.Pathway(tuple(events), pauses), today=today
            ):
                error("clock", problem)
            if born is not None and received < born:
                error("received", f"Received on {_long(received)} is before the child was born")
        if errors:
            checked.errors.extend(errors)
            continue
        assert child is not None and received is not None  # noqa: S101 - checked above
        checked.rows.append(
            ReturnRow(
                row=number,
                reference=reference,
                child=child,
                source=source,
                received=received,
                triaged=triaged,
                first_appointment=first_appointment,
                stop_date=stop_date,
                stop_reason=stop_reason,
                pause_start=pause_start,
                pause_end=pause_end,
            )
        )
    return checked
