"""Synthetic census files for the tests, written to disk as real CSV and XLSX files and read
back, as a user's upload would be."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.apps import apps
from openpyxl import Workbook

from opensend.core.identifiers import make_upn

HEADER = [
    "UPN",
    "Surname",
    "Forename",
    "DOB",
    "Gender",
    "SENprovision",
    "SENtype1",
    "SENtype2",
    "URN",
]

AUTUMN_2024 = dt.date(2024, 10, 3)
SPRING_2025 = dt.date(2025, 1, 16)
SUMMER_2025 = dt.date(2025, 5, 15)
TODAY = dt.date(2025, 6, 1)


def upn(serial: int, la_code: str = "990") -> str:
    return make_upn(la_code, 3000 + serial // 1000, 18, serial % 1000)


def pupil(serial: int, urn: str = "", **overrides: Any) -> dict[str, Any]:
    """A valid census row for a synthetic pupil; keyword arguments replace columns."""
    row: dict[str, Any] = {
        "UPN": upn(serial),
        "Surname": f"Testpupil{serial}",
        "Forename": "Robin",
        "DOB": "2015-03-14",
        "Gender": "F",
        "SENprovision": "K",
        "SENtype1": "ASD",
        "SENtype2": "",
        "URN": urn,
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, Any]],
    header: Sequence[str] = HEADER,
    *,
    encoding: str = "utf-8",
) -> bytes:
    """Write a CSV file (quoted as Excel does) and return its bytes as read from disk."""
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
    return path.read_bytes()


def write_xlsx(
    path: Path, rows: Iterable[Mapping[str, Any]], header: Sequence[str] = HEADER
) -> bytes:
    """Write an Excel workbook with openpyxl (dates as real date cells if given as dates)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "SEN pupils"
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(column) for column in header])
    workbook.save(path)
    return path.read_bytes()


def table_counts() -> dict[str, int]:
    """Rows in every table of the project, by model label."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def count_changes(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    return {label: after[label] - before[label] for label in after if after[label] != before[label]}
