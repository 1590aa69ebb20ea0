"""Identifiers for synthetic settings and children, in ranges no real one uses.

* LA codes 990–998 for synthetic areas, 999 for the shared "elsewhere" area.
* URNs ``9dnnnn``: ``d`` is 1–9 for areas 990–998, so each area has a block of 10,000; the
  area's settings elsewhere come from the top of its block (9000 and up).
* UKPRNs ``1099dnnn`` for colleges, ``d`` as above.
* ODS codes ``Z<LA code><letter>`` for the ICB and trusts.
* NHS numbers in the 999 range kept for testing, with valid check digits: each area draws from
  its own ninth of the range (numbers whose last six digits before the check digit are
  congruent to the area's index modulo 9), in a scrambled order.
* UPNs valid (check letter), made from the area's LA code and the establishment number of the
  child's first school (``make_upn``).
"""

from __future__ import annotations

from collections.abc import Iterator

from opensend.core.identifiers import make_nhs_number, make_upn

FIRST_SYNTHETIC_LA = 990
ELSEWHERE_SERIAL_START = 9000
#: Candidates for each area's NHS numbers: 1,000,000 test numbers shared by nine areas.
NHS_BLOCK = 111_111
#: A multiplier coprime to ``NHS_BLOCK``: it scatters consecutive children across the block.
_NHS_STRIDE = 65_537


def area_index(la_code: str) -> int:
    """0 for area 990, up to 8 for area 998."""
    index = int(la_code) - FIRST_SYNTHETIC_LA
    if not 0 <= index <= 8:
        raise ValueError(f"{la_code} is not a synthetic area's LA code (990–998)")
    return index


def urn_prefix(la_code: str) -> str:
    return f"9{area_index(la_code) + 1}"


def urn(la_code: str, serial: int) -> str:
    if not 0 <= serial <= 9999:
        raise ValueError("a synthetic URN serial is 0 to 9999")
    return f"{urn_prefix(la_code)}{serial:04d}"


def ukprn(la_code: str, serial: int) -> str:
    if not 0 <= serial <= 999:
        raise ValueError("a synthetic UKPRN serial is 0 to 999")
    return f"1099{area_index(la_code) + 1}{serial:03d}"


def ods_code(la_code: str, letter: str) -> str:
    return f"Z{la_code}{letter}"


def elsewhere_establishment(la_code: str, kind_digit: int, serial: int) -> str:
    """A 4-digit establishment number in the elsewhere area: the kind, the home area's index,
    then a 2-digit serial."""
    if not 0 <= serial <= 99:
        raise ValueError("at most 100 settings of a kind elsewhere per area")
    return f"{kind_digit}{area_index(la_code)}{serial:02d}"


def nhs_numbers(la_code: str) -> Iterator[str]:
    """Every valid test NHS number of an area's ninth of the 999 range, in a fixed scrambled
    order."""
    index = area_index(la_code)
    for position in range(NHS_BLOCK):
        slot = (position * _NHS_STRIDE + index * 7919) % NHS_BLOCK
        body = 999_000_000 + slot * 9 + index
        if body > 999_999_999:
            continue
        number = make_nhs_number(body)
        if number is not None:
            yield number


class UPNAllocator:
    """Permanent UPNs from the area's LA code, a school's establishment number and the year
    the child joined it; serials count up per school and year."""

    def __init__(self, la_code: str) -> None:
        self.la_code = la_code
        self._next: dict[tuple[str, int], int] = {}

    def allocate(self, establishment: str, year: int) -> str | None:
        key = (establishment, year % 100)
        serial = self._next.get(key, 0)
        if serial > 999:
            return None
        self._next[key] = serial + 1
        return make_upn(self.la_code, establishment, year, serial)
