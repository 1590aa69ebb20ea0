"""Validators for the identifiers a child's record carries (RULES.md §5).

Each check is a pure function returning ``None`` when the value is valid and a sentence saying
what is wrong otherwise, so imports can report the reason row by row; ``validate_*`` wrap them
as Django validators.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

#: The 23 letters used for UPN check letters and temporary-UPN final letters (no I, O or S).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"

_UPN_PERMANENT = re.compile(r"^[A-Z]\d{12}$")
_UPN_TEMPORARY = re.compile(r"^[A-Z]\d{11}[A-Z]$")


def normalise_identifier(value: str) -> str:
    """Strip spaces and hyphens and upper-case, as people type identifiers in many ways."""
    return re.sub(r"[\s-]", "", value or "").upper()


def upn_check_letter(body: str) -> str:
    """The check letter for the last 12 characters of a UPN.

    Weights 2..13 apply to characters 2..13; a letter in position 13 (a temporary UPN) counts
    as its index in ``UPN_LETTERS``; the sum modulo 23 indexes into ``UPN_LETTERS``.
    """
    if len(body) != 12:
        raise ValueError("A UPN body is 12 characters")
    total = 0
    for weight, char in enumerate(body, start=2):
        if char.isdigit():
            total += int(char) * weight
        elif weight == 13 and char in UPN_LETTERS:
            total += UPN_LETTERS.index(char) * weight
        else:
            raise ValueError(f"Unexpected character {char!r} in a UPN body")
    return UPN_LETTERS[total % 23]


def upn_problem(value: str) -> str | None:
    """Why a UPN is not valid, or ``None``. Expects a normalised value."""
    if len(value) != 13:
        return f"a UPN is 13 characters; this has {len(value)}"
    if not (_UPN_PERMANENT.match(value) or _UPN_TEMPORARY.match(value)):
        return "a UPN is a letter, 11 digits, then a digit or (temporary UPN) a letter"
    if value[0] not in UPN_LETTERS:
        return f"{value[0]} is never a UPN check letter"
    if value[12].isalpha() and value[12] not in UPN_LETTERS:
        return f"{value[12]} is never the last letter of a temporary UPN"
    expected = upn_check_letter(value[1:])
    if value[0] != expected:
        return f"the check letter is {value[0]} but the digits give {expected}"
    return None


def is_temporary_upn(value: str) -> bool:
    return bool(_UPN_TEMPORARY.match(value))


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for the first nine digits, or ``None`` when none exists
    (a remainder giving 10 means the number can never be valid)."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number_problem(value: str) -> str | None:
    """Why an NHS number is not valid, or ``None``. Expects a normalised value."""
    if not value.isdigit() or len(value) != 10:
        return "an NHS number is 10 digits"
    expected = nhs_number_check_digit(value[:9])
    if expected is None:
        return "no NHS number can start with these nine digits (their check digit would be 10)"
    if int(value[9]) != expected:
        return f"the check digit is {value[9]} but the first nine digits give {expected}"
    return None


def uln_problem(value: str) -> str | None:
    """Why a Unique Learner Number is not valid, or ``None``.

    Ten digits, the first not zero; weights 10..1 on all ten digits, sum modulo 11 must be 10.
    """
    if not value.isdigit() or len(value) != 10:
        return "a ULN is 10 digits"
    if value[0] == "0":
        return "a ULN does not start with 0"
    total = sum(int(digit) * weight for digit, weight in zip(value, range(10, 0, -1), strict=True))
    if total % 11 != 10:
        return "the digits of this ULN do not pass its check"
    return None


def validate_upn(value: str) -> None:
    problem = upn_problem(normalise_identifier(value))
    if problem:
        raise ValidationError(f"Enter a valid UPN: {problem}", code="invalid_upn")


def validate_nhs_number(value: str) -> None:
    problem = nhs_number_problem(normalise_identifier(value))
    if problem:
        raise ValidationError(f"Enter a valid NHS number: {problem}", code="invalid_nhs_number")


def validate_uln(value: str) -> None:
    problem = uln_problem(normalise_identifier(value))
    if problem:
        raise ValidationError(f"Enter a valid ULN: {problem}", code="invalid_uln")


def make_upn(la_code: int | str, establishment: int | str, year: int, serial: int) -> str:
    """A permanent UPN from its parts: LA number, establishment number, year of allocation
    (two digits) and serial. Used by the synthetic area generator and tests."""
    body = f"{int(la_code):03d}{int(establishment):04d}{year % 100:02d}{serial:03d}"
    return upn_check_letter(body) + body


def make_nhs_number(first_nine: int) -> str | None:
    """A valid NHS number from nine leading digits, or ``None`` if none exists."""
    digits = f"{first_nine:09d}"
    check = nhs_number_check_digit(digits)
    return None if check is None else digits + str(check)
