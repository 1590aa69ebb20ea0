"""The census rules one row of a SEN file must meet, as pure functions (no database).

Each problem is reported as a ``RowError``: the row number as in the file (header = row 1),
the column (its CBDS name) and the reason, e.g. ``Row 14, UPN: the check letter is B but the
digits give K``. Sources: the school census guide and its validation rules (CBDS), and
RULES.md §3 (codes) and §5 (UPN check letter).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from opensend.core.calendar import age_on
from opensend.core.codes import (
    DS_FIRST_CENSUS,
    CensusTerm,
    SENNeed,
    SENProvision,
    Sex,
    census_day,
)
from opensend.core.identifiers import normalise_identifier, upn_problem
from opensend.returns.census.layout import (
    COLUMN_ORDER,
    DOB,
    FORENAME,
    GENDER,
    LAESTAB,
    MIDDLE_NAMES,
    NEED1,
    NEED2,
    POSTCODE,
    PREFERRED_FORENAME,
    PREFERRED_SURNAME,
    PROVISION,
    SURNAME,
    UPN,
    URN,
)
from opensend.returns.census.reader import Cell

#: The oldest a pupil may be on the census date (OpenSEND records children and young people
#: up to 25).
MAX_AGE = 25

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$")
_NEED_CODES = [need.value for need in SENNeed]
_NEED_CODE_SET = frozenset(_NEED_CODES)
_SEXES = frozenset(Sex.values)
# Plain strings: looking up an enum member on every row of a large file costs time.
NONE = SENProvision.NONE.value
SUPPORT = SENProvision.SEN_SUPPORT.value
PLAN = SENProvision.EHC_PLAN.value
STATEMENT = SENProvision.STATEMENT.value
_PROVISIONS = frozenset({NONE, SUPPORT, PLAN})
_NSA = SENNeed.NSA.value
_DS = SENNeed.DS.value
_NAME_LIMITS = {
    SURNAME: 100,
    FORENAME: 100,
    MIDDLE_NAMES: 150,
    PREFERRED_FORENAME: 100,
    PREFERRED_SURNAME: 100,
}


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    value: str
    problem: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.field}: {self.problem}"

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "value": self.value, "problem": self.problem}

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.row, COLUMN_ORDER.get(self.field, len(COLUMN_ORDER)))


@dataclass(frozen=True)
class CensusRow:
    """One valid row, normalised. Optional names and the postcode are ``None`` when the file
    does not give them, which leaves the child's record as it is."""

    row: int
    upn: str
    surname: str
    forename: str
    date_of_birth: dt.date
    sex: str
    provision: str
    need1: str
    need2: str
    urn: str
    laestab: str
    middle_names: str | None = None
    preferred_forename: str | None = None
    preferred_surname: str | None = None
    postcode: str | None = None

    @cached_property
    def needs(self) -> dict[int, str]:
        """Census need codes by rank (1 primary, 2 secondary); empty ranks left out."""
        return {rank: code for rank, code in ((1, self.need1), (2, self.need2)) if code}


def format_day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def parse_date(value: Cell) -> tuple[dt.date | None, str | None]:
    """A date from a cell: an Excel date, ``YYYY-MM-DD`` or ``DD/MM/YYYY``. Returns the date,
    or ``None`` and why not."""
    if isinstance(value, dt.date):
        return value, None
    text = value.strip()
    iso = _ISO_DATE.match(text)
    uk = _UK_DATE.match(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif uk:
        day, month, year = (int(part) for part in uk.groups())
    else:
        return None, f"{text} is not a date; write it as YYYY-MM-DD or DD/MM/YYYY"
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, f"{text} is not a real date"


def normalise_postcode(value: str) -> str:
    compact = normalise_identifier(value)
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _text(value: Cell) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(value.split())


def check_date_of_birth(born: dt.date, *, census_date: dt.date, today: dt.date) -> str | None:
    """Why a date of birth is not plausible for a pupil on the census, or ``None``."""
    if born > today:
        return f"{format_day(born)} is in the future"
    if born >= census_date:
        return f"{format_day(born)} is not before the census date ({format_day(census_date)})"
    age = age_on(born, census_date)
    if age > MAX_AGE:
        return (
            f"born {format_day(born)}, the pupil would be {age} on the census date; "
            f"the census covers pupils up to {MAX_AGE}"
        )
    return None


def check_needs(
    provision: str, need1: str, need2: str, *, census_date: dt.date
) -> list[tuple[str, str, str]]:
    """The census rules for SEN types against the provision: ``(column, value, problem)``."""
    problems: list[tuple[str, str, str]] = []
    valid: dict[str, str] = {}
    for column, code in ((NEED1, need1), (NEED2, need2)):
        if not code:
            continue
        if code not in _NEED_CODE_SET:
            problems.append(
                (
                    column,
                    code,
                    f"{code} is not a SEN type code; use one of {', '.join(_NEED_CODES)}",
                )
            )
            continue
        valid[column] = code
        if code == _DS and census_date < DS_FIRST_CENSUS:
            problems.append(
                (
                    column,
                    code,
                    f"DS (Down syndrome) is a SEN type from the census of "
                    f"{format_day(DS_FIRST_CENSUS)}; this census date is {format_day(census_date)}",
                )
            )
    if provision == NONE:
        for column, code in ((NEED1, need1), (NEED2, need2)):
            if code:
                problems.append(
                    (
                        column,
                        code,
                        "a pupil with provision N (no SEN) has no SEN type; leave it empty",
                    )
                )
        return problems
    if provision not in (SUPPORT, PLAN):
        return problems
    if not need1:
        problems.append(
            (NEED1, "", f"missing: a pupil with provision {provision} needs a primary SEN type")
        )
    if need2 and not need1:
        problems.append((NEED2, need2, "a secondary SEN type needs a primary one in SENtype1"))
    if need1 and need2 and need1 == need2:
        problems.append(
            (
                NEED2,
                need2,
                f"the same as SENtype1 ({need1}); a secondary need differs from the primary",
            )
        )
    if provision == PLAN:
        for column, code in valid.items():
            if code == _NSA:
                problems.append(
                    (
                        column,
                        code,
                        "NSA (no specialist assessment) is only used with SEN support (K), "
                        "not with an EHC plan (E)",
                    )
                )
    return problems


def _digits(value: str, *, strip: str = "") -> str:
    return "".join(char for char in value if char not in strip and not char.isspace())


def validate_row(
    row: int, values: Mapping[str, Cell], *, census_date: dt.date, today: dt.date
) -> tuple[CensusRow | None, list[RowError]]:
    """Check one row against the census rules. Returns the normalised row when it has no
    problem, and the problems found (every one, not just the first)."""
    errors: list[RowError] = []

    def problem(column: str, value: str, reason: str) -> None:
        errors.append(RowError(row, column, value, reason))

    def text(column: str) -> str:
        return _text(values.get(column, ""))

    upn_raw = text(UPN)
    upn = normalise_identifier(upn_raw)
    if not upn:
        problem(UPN, upn_raw, "missing: every pupil needs a UPN")
    else:
        upn_reason = upn_problem(upn)
        if upn_reason:
            problem(UPN, upn_raw, upn_reason)

    names: dict[str, str] = {}
    for column, noun in ((SURNAME, "a surname"), (FORENAME, "a forename")):
        value = text(column)
        if not value:
            problem(column, value, f"missing: every pupil needs {noun}")
        names[column] = value
    optional: dict[str, str | None] = {}
    for column in (MIDDLE_NAMES, PREFERRED_FORENAME, PREFERRED_SURNAME):
        value = text(column)
        optional[column] = value or None
        names[column] = value
    for column, limit in _NAME_LIMITS.items():
        if len(names[column]) > limit:
            problem(
                column,
                names[column],
                f"{len(names[column])} characters is too long; at most {limit}",
            )

    born: dt.date | None = None
    dob_cell = values.get(DOB, "")
    dob_text = _text(dob_cell)
    if dob_text == "":
        problem(DOB, "", "missing: every pupil needs a date of birth")
    else:
        born, reason = parse_date(dob_cell)
        if born is not None:
            reason = check_date_of_birth(born, census_date=census_date, today=today)
        if reason:
            problem(DOB, dob_text, reason)

    sex_raw = text(GENDER)
    sex = sex_raw.upper()
    if not sex:
        problem(GENDER, sex_raw, "missing: every pupil needs a gender (M, F or U)")
    elif sex not in _SEXES:
        problem(GENDER, sex_raw, f"{sex_raw} is not a gender code; use M, F or U")

    provision_raw = text(PROVISION)
    provision = provision_raw.upper()
    if not provision:
        problem(PROVISION, provision_raw, "missing: every pupil needs a SEN provision code")
    elif provision == STATEMENT:
        problem(
            PROVISION,
            provision_raw,
            "S (statement) is a legacy code: statements were replaced by EHC plans, so use E "
            "for a pupil with an EHC plan",
        )
    elif provision not in _PROVISIONS:
        problem(
            PROVISION,
            provision_raw,
            f"{provision_raw} is not a SEN provision code; use E (EHC plan), K (SEN support) "
            "or N (no SEN)",
        )

    need1 = text(NEED1).upper()
    need2 = text(NEED2).upper()
    for column, value, reason in check_needs(provision, need1, need2, census_date=census_date):
        problem(column, value, reason)

    urn_raw = text(URN)
    laestab_raw = text(LAESTAB)
    urn = _digits(urn_raw)
    laestab = _digits(laestab_raw, strip="/-")
    if not urn and not laestab:
        problem(URN, "", "missing: every pupil needs the URN or the LAESTAB of their setting")
    if urn and not (urn.isdigit() and len(urn) == 6):
        problem(URN, urn_raw, f"{urn_raw} is not a URN; a URN is 6 digits")
    if laestab and not (laestab.isdigit() and len(laestab) == 7):
        problem(
            LAESTAB,
            laestab_raw,
            f"{laestab_raw} is not a LAESTAB; a LAESTAB is 7 digits, the LA code then the "
            "establishment number",
        )

    postcode_raw = text(POSTCODE)
    postcode: str | None = None
    if postcode_raw:
        postcode = normalise_postcode(postcode_raw)
        if not _POSTCODE.match(postcode.replace(" ", "")):
            problem(POSTCODE, postcode_raw, f"{postcode_raw} is not a full UK postcode")

    if errors or born is None:
        return None, errors
    return (
        CensusRow(
            row=row,
            upn=upn,
            surname=names[SURNAME],
            forename=names[FORENAME],
            date_of_birth=born,
            sex=sex,
            provision=provision,
            need1=need1,
            need2=need2,
            urn=urn,
            laestab=laestab,
            middle_names=optional[MIDDLE_NAMES],
            preferred_forename=optional[PREFERRED_FORENAME],
            preferred_surname=optional[PREFERRED_SURNAME],
            postcode=postcode,
        ),
        [],
    )


def duplicate_upns(rows: Iterable[tuple[int, str]]) -> list[RowError]:
    """Each pupil appears once: every row repeating an earlier row's UPN is reported, naming
    the first row. ``rows`` are ``(row number, normalised UPN)``."""
    first_row: dict[str, int] = {}
    errors: list[RowError] = []
    for row, upn in rows:
        if not upn:
            continue
        if upn in first_row:
            errors.append(
                RowError(
                    row, UPN, upn, f"{upn} is also on row {first_row[upn]}; each pupil appears once"
                )
            )
        else:
            first_row[upn] = row
    return errors


@dataclass(frozen=True)
class Setting:
    """An organisation a row may name as the pupil's setting."""

    pk: int
    name: str
    urn: str
    laestab: str
    is_setting: bool


def resolve_setting(
    row: CensusRow, *, by_urn: Mapping[str, Setting], by_laestab: Mapping[str, Setting]
) -> tuple[Setting | None, RowError | None]:
    """The setting a row names by URN, LAESTAB or both. Both given must be the same setting."""
    from_urn = by_urn.get(row.urn) if row.urn else None
    from_laestab = by_laestab.get(row.laestab) if row.laestab else None
    setting = from_urn or from_laestab
    if setting is None:
        if row.urn:
            also = f" or LAESTAB {row.laestab}" if row.laestab else ""
            return None, RowError(
                row.row,
                URN,
                row.urn,
                f"no setting with URN {row.urn}{also} is known; add the setting to the "
                "organisations in OpenSEND first",
            )
        return None, RowError(
            row.row,
            LAESTAB,
            row.laestab,
            f"no setting with LAESTAB {row.laestab} is known; add the setting to the "
            "organisations in OpenSEND first",
        )
    if from_urn is not None and from_laestab is not None and from_urn.pk != from_laestab.pk:
        return None, RowError(
            row.row,
            LAESTAB,
            row.laestab,
            f"LAESTAB {row.laestab} is {from_laestab.name} but URN {row.urn} is {from_urn.name}",
        )
    if from_urn is not None and row.laestab and from_laestab is None and from_urn.laestab:
        return None, RowError(
            row.row,
            LAESTAB,
            row.laestab,
            f"URN {row.urn} is {from_urn.name}, whose LAESTAB is {from_urn.laestab}, "
            f"not {row.laestab}",
        )
    if from_laestab is not None and row.urn and from_urn is None and from_laestab.urn:
        return None, RowError(
            row.row,
            URN,
            row.urn,
            f"LAESTAB {row.laestab} is {from_laestab.name}, whose URN is {from_laestab.urn}, "
            f"not {row.urn}",
        )
    if not setting.is_setting:
        column, value = (URN, row.urn) if from_urn is not None else (LAESTAB, row.laestab)
        return None, RowError(
            row.row, column, value, f"{setting.name} is not a school, college or special school"
        )
    return setting, None


def census_day_notice(census_date: dt.date) -> str | None:
    """A notice when the census date given is not one of the year's three census days."""
    days = sorted(census_day(census_date.year, term) for term in CensusTerm)
    if census_date in days:
        return None
    listed = ", ".join(format_day(day) for day in days)
    return (
        f"{format_day(census_date)} is not a school census day; the census days of "
        f"{census_date.year} are {listed}. Check the census date."
    )
