"""Reading a census SEN file, CSV or XLSX, into rows of raw values keyed by column name.

The first row of the file is the header (row 1); pupils start on row 2. Row numbers are those
a spreadsheet shows, so a user can find a reported row. Entirely empty rows are skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from opensend.returns.census.layout import HeaderMap, match_header

#: A cell as read: text, or a date from an Excel date cell.
Cell = str | dt.date

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class FileRefused(Exception):
    """The file as a whole cannot be imported; the message says why, for the user."""


@dataclass(frozen=True)
class RawRow:
    number: int
    values: dict[str, Cell]


@dataclass(frozen=True)
class ReadFile:
    file_format: str  # "csv" or "xlsx"
    header: HeaderMap
    rows: list[RawRow]
    notices: tuple[str, ...]


def detect_format(content: bytes, file_name: str) -> str:
    """``csv`` or ``xlsx``, from the content (an XLSX workbook is a zip archive)."""
    if content.startswith(XLSX_MAGIC):
        return "xlsx"
    if content.startswith(OLE_MAGIC):
        raise FileRefused(
            "This is an old-style Excel workbook (.xls). Save it as an Excel workbook (.xlsx) "
            "or as CSV and upload it again."
        )
    if file_name.lower().endswith(".xlsx"):
        raise FileRefused("The file is named .xlsx but is not an Excel workbook.")
    return "csv"


def _xlsx_cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(content: bytes) -> tuple[str, tuple[str, ...]]:
    try:
        return content.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace"), (
            "The file is not UTF-8 encoded; it was read as Windows-1252, the encoding Excel "
            "uses for 'CSV' (not 'CSV UTF-8'). Check that names with accents are right.",
        )


def _csv_rows(content: bytes) -> tuple[Iterator[Sequence[Cell]], tuple[str, ...]]:
    text, notices = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)

    def rows() -> Iterator[Sequence[Cell]]:
        try:
            for record in reader:
                yield [cell.strip() for cell in record]
        except csv.Error as exc:
            raise FileRefused(
                f"The CSV file could not be read at line {reader.line_num}: {exc}."
            ) from exc

    return rows(), notices


def _xlsx_rows(content: bytes) -> Iterator[Sequence[Cell]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused("The file could not be read as an Excel workbook (.xlsx).") from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_xlsx_cell(value) for value in values]
    finally:
        workbook.close()


def _is_blank(cells: Iterable[Cell]) -> bool:
    return all(cell == "" for cell in cells)


def read_census_file(content: bytes, file_name: str) -> ReadFile:
    """Read the file, or raise ``FileRefused`` saying why it cannot be read."""
    if not content.strip():
        raise FileRefused("The file is empty.")
    file_format = detect_format(content, file_name)
    notices: tuple[str, ...] = ()
    if file_format == "xlsx":
        rows = _xlsx_rows(content)
    else:
        rows, notices = _csv_rows(content)
    first = next(rows, None)
    if first is None or _is_blank(first):
        raise FileRefused("The first row of the file must be the column headings.")
    if file_format == "csv" and len(first) == 1 and ";" in str(first[0]):
        raise FileRefused(
            "The values are separated by semicolons. Save the file as comma-separated CSV "
            "('CSV UTF-8' in Excel) and upload it again."
        )
    header = match_header([str(cell) for cell in first])
    if header.problems:
        raise FileRefused(" ".join(header.problems))
    positions = list(header.positions.items())
    read: list[RawRow] = []
    for number, cells in enumerate(rows, start=2):
        if _is_blank(cells):
            continue
        width = len(cells)
        read.append(
            RawRow(
                number,
                {name: (cells[index] if index < width else "") for name, index in positions},
            )
        )
    if not read:
        raise FileRefused("The file has column headings but no pupils.")
    if header.ignored:
        notices = (
            *notices,
            f"These columns are not used and were ignored: {', '.join(header.ignored)}.",
        )
    return ReadFile(file_format=file_format, header=header, rows=read, notices=notices)
