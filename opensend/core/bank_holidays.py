"""England and Wales bank holidays, from an offline source that can be updated.

The base list comes from the ``holidays`` package (England, with substitute days and one-off
days by proclamation) installed with OpenSEND, so nothing is fetched at run time. Local
corrections live in the database (``BankHolidayOverride``): a day added by a new proclamation
before the package knows of it, or a day removed. ``opensend bank-holidays --load FILE`` loads
the GOV.UK ``bank-holidays.json`` feed as overrides.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays as holidays_package


@functools.lru_cache(maxsize=64)
def _package_days(year: int) -> frozenset[dt.date]:
    calendar = holidays_package.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(day for day in calendar if isinstance(day, dt.date))


def _overrides() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    from opensend.core.models import BankHolidayOverride

    added: set[dt.date] = set()
    removed: set[dt.date] = set()
    for day, is_holiday in BankHolidayOverride.objects.values_list("date", "is_holiday"):
        (added if is_holiday else removed).add(day)
    return frozenset(added), frozenset(removed)


_override_cache: tuple[frozenset[dt.date], frozenset[dt.date]] | None = None


def clear_cache() -> None:
    """Forget the cached overrides (called when they change)."""
    global _override_cache
    _override_cache = None


def england_and_wales(first_year: int, last_year: int) -> frozenset[dt.date]:
    """Every bank holiday in England and Wales from ``first_year`` to ``last_year`` inclusive."""
    global _override_cache
    if _override_cache is None:
        _override_cache = _overrides()
    added, removed = _override_cache
    days: set[dt.date] = set()
    for year in range(first_year, last_year + 1):
        days |= _package_days(year)
    days |= {day for day in added if first_year <= day.year <= last_year}
    days -= removed
    return frozenset(days)


def around(day: dt.date, years: int = 2) -> frozenset[dt.date]:
    """Bank holidays from ``years`` before to ``years`` after a date: enough for any limit."""
    return england_and_wales(day.year - years, day.year + years)
