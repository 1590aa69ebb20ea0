"""The columns of a census SEN file: the Common Basic Data Set (CBDS) names and the aliases
that exports from school and LA systems commonly use.

Headings are matched ignoring case, spaces and underscores, so ``Date of Birth``,
``date_of_birth`` and ``DateOfBirth`` are the same column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column: its CBDS name (used in every message), the other headings accepted for it,
    and whether a file must have it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    description: str = ""

    @property
    def headings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


UPN = "UPN"
SURNAME = "Surname"
FORENAME = "Forename"
DOB = "DOB"
GENDER = "Gender"
PROVISION = "SENprovision"
NEED1 = "SENtype1"
NEED2 = "SENtype2"
URN = "URN"
LAESTAB = "LAESTAB"
MIDDLE_NAMES = "MiddleNames"
PREFERRED_FORENAME = "PreferredForename"
PREFERRED_SURNAME = "PreferredSurname"
POSTCODE = "Postcode"

COLUMNS: tuple[Column, ...] = (
    Column(UPN, description="Unique pupil number: 13 characters with a valid check letter."),
    Column(SURNAME, description="Legal surname."),
    Column(FORENAME, description="Legal forename."),
    Column(
        DOB,
        ("DateOfBirth",),
        description="Date of birth, as YYYY-MM-DD or DD/MM/YYYY (or a date cell in Excel).",
    ),
    Column(GENDER, ("Sex",), description="M, F or U."),
    Column(PROVISION, description="E (EHC plan), K (SEN support) or N (no SEN)."),
    Column(
        NEED1,
        ("PrimarySENtype", "SENtype"),
        description="Primary SEN type; required for E and K, empty for N.",
    ),
    Column(
        NEED2,
        ("SecondarySENtype",),
        description="Secondary SEN type, or empty. Different from the primary type.",
    ),
    Column(URN, required=False, description="The setting's 6-digit URN."),
    Column(
        LAESTAB,
        required=False,
        description="The setting's 7-digit LAESTAB (LA code then establishment number).",
    ),
    Column(MIDDLE_NAMES, required=False, description="Middle names."),
    Column(PREFERRED_FORENAME, required=False, description="Preferred forename."),
    Column(PREFERRED_SURNAME, required=False, description="Preferred surname."),
    Column(POSTCODE, required=False, description="Home postcode."),
)

#: At least one of these must be a column of the file; each row gives at least one of them.
SETTING_COLUMNS = (URN, LAESTAB)

#: Columns in the order they are reported.
COLUMN_ORDER: dict[str, int] = {column.name: index for index, column in enumerate(COLUMNS)}


def heading_key(heading: str) -> str:
    """The form of a heading used for matching: no byte-order mark, case, spaces or
    underscores."""
    return "".join(heading.replace("\ufeff", "").split()).replace("_", "").lower()


_BY_KEY: dict[str, Column] = {
    heading_key(heading): column for column in COLUMNS for heading in column.headings
}


@dataclass(frozen=True)
class HeaderMap:
    """Which position of a row holds which column, and what else the header said."""

    positions: dict[str, int]
    ignored: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def has(self, name: str) -> bool:
        return name in self.positions


def _described(column: Column) -> str:
    if not column.aliases:
        return column.name
    return f"{column.name} (or {' or '.join(column.aliases)})"


def match_header(cells: Sequence[str]) -> HeaderMap:
    """Map a header row to the columns. Problems (a required column missing, two headings for
    the same column) mean the file cannot be read at all."""
    positions: dict[str, int] = {}
    headings_used: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[str] = []
    for index, raw in enumerate(cells):
        heading = raw.replace("\ufeff", "").strip()
        if not heading:
            continue
        column = _BY_KEY.get(heading_key(heading))
        if column is None:
            ignored.append(heading)
            continue
        if column.name in positions:
            problems.append(
                f"The columns {headings_used[column.name]} and {heading} both give "
                f"{column.name}; keep one of them."
            )
            continue
        positions[column.name] = index
        headings_used[column.name] = heading
    missing = [
        _described(column) for column in COLUMNS if column.required and column.name not in positions
    ]
    if not any(name in positions for name in SETTING_COLUMNS):
        missing.append(" or ".join(SETTING_COLUMNS))
    if missing:
        problems.insert(0, f"The file is missing these columns: {', '.join(missing)}.")
    return HeaderMap(positions=positions, ignored=tuple(ignored), problems=tuple(problems))
