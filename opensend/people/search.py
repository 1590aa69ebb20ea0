"""Reading what someone typed into child search: names or parts of names, a UPN, an NHS
number or ULN, and a date of birth, in any order. Pure functions, no database."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from opensend.core.identifiers import normalise_identifier
from opensend.people.names import query_terms

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_WORDY_DATE = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})\b")
_UPN = re.compile(r"^[A-Z]\d{11}[A-Z0-9]$")
_SPACED_TEN_DIGITS = re.compile(r"\b(\d{3})\s(\d{3})\s(\d{4})\b")
_TEN_DIGITS = re.compile(r"^\d{10}$")


@dataclass
class ParsedQuery:
    text: str
    name_terms: list[str] = field(default_factory=list)
    upns: list[str] = field(default_factory=list)
    ten_digit_numbers: list[str] = field(default_factory=list)
    date_of_birth: dt.date | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.name_terms or self.upns or self.ten_digit_numbers or self.date_of_birth)


def _date(year: int, month: int, day: int, problems: list[str], raw: str) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        problems.append(f"{raw.strip()} is not a real date")
        return None


def parse(text: str) -> ParsedQuery:
    """Split a search into identifiers, a date of birth and name terms."""
    query = ParsedQuery(text=text.strip())
    rest = f" {text} "

    def take_date(match: re.Match[str], value: dt.date | None) -> str:
        if value is not None:
            if query.date_of_birth is not None and query.date_of_birth != value:
                query.problems.append("Search for one date of birth at a time")
            query.date_of_birth = query.date_of_birth or value
        return " "

    rest = _ISO_DATE.sub(
        lambda m: take_date(m, _date(int(m[1]), int(m[2]), int(m[3]), query.problems, m[0])),
        rest,
    )
    rest = _NUMERIC_DATE.sub(
        lambda m: take_date(m, _date(int(m[3]), int(m[2]), int(m[1]), query.problems, m[0])),
        rest,
    )

    def wordy(match: re.Match[str]) -> str:
        month = _MONTHS.get(match[2].lower())
        if month is None:
            return match[0]
        return take_date(
            match, _date(int(match[3]), month, int(match[1]), query.problems, match[0])
        )

    rest = _WORDY_DATE.sub(wordy, rest)
    rest = _SPACED_TEN_DIGITS.sub(lambda m: f" {m[1]}{m[2]}{m[3]} ", rest)

    leftover: list[str] = []
    for word in rest.split():
        compact = normalise_identifier(word)
        if _UPN.match(compact):
            query.upns.append(compact)
        elif _TEN_DIGITS.match(compact):
            query.ten_digit_numbers.append(compact)
        else:
            leftover.append(word)
    query.name_terms = query_terms(" ".join(leftover))
    return query
