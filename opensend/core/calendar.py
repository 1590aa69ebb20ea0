"""Calendar arithmetic for statutory time limits (RULES.md §1, §2).

Pure functions with no database: the set of bank holidays is passed in, so every rule can be
tested with a table of cases. ``bank_holidays.england_and_wales()`` supplies the real set.

Calendar limits (the EHC timescales) are calendar weeks and days; only a few limits (mediation
certificates, telling the ICB of a health dispute) are working days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from enum import StrEnum

SATURDAY = 5


class DayCounting(StrEnum):
    """Whether the day a request is received counts as day 0 or day 1 of a time limit.

    Areas differ (RULES.md §1); the default is that the day of receipt is day 0, so a six-week
    limit from Monday 5 January ends on Monday 16 February.
    """

    RECEIPT_IS_DAY_0 = "day0"
    RECEIPT_IS_DAY_1 = "day1"


def is_weekend(day: dt.date) -> bool:
    return day.weekday() >= SATURDAY


def is_working_day(day: dt.date, holidays: Collection[dt.date]) -> bool:
    """Monday to Friday, except England and Wales bank holidays."""
    return not is_weekend(day) and day not in holidays


def next_working_day(day: dt.date, holidays: Collection[dt.date]) -> dt.date:
    """The day itself if it is a working day, otherwise the next working day after it."""
    while not is_working_day(day, holidays):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.date, days: int, holidays: Collection[dt.date]) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted).

    ``add_working_days(friday, 1)`` is the next Monday, unless that is a bank holiday.
    Negative ``days`` count backwards.
    """
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = start
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day, holidays):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, holidays: Collection[dt.date]) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start, holidays)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count


def add_weeks(
    start: dt.date, weeks: int, counting: DayCounting = DayCounting.RECEIPT_IS_DAY_0
) -> dt.date:
    """The last day of a limit of ``weeks`` calendar weeks beginning at ``start``.

    With the day of receipt as day 0 the limit ends on the same weekday ``weeks`` later; with
    the day of receipt as day 1 it ends the day before.
    """
    end = start + dt.timedelta(weeks=weeks)
    return end if counting is DayCounting.RECEIPT_IS_DAY_0 else end - dt.timedelta(days=1)


def add_days_beginning_with(start: dt.date, days: int) -> dt.date:
    """The last day of a period of ``days`` days *beginning with* ``start`` (``start`` is day 1),
    as in the 15 days a parent has to comment on a draft plan (Reg 13(1))."""
    return start + dt.timedelta(days=days - 1)


def add_months(start: dt.date, months: int) -> dt.date:
    """The same date ``months`` later, or the last day of that month if it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    last_day = _days_in_month(year, month)
    return dt.date(year, month, min(start.day, last_day))


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Age in whole years on a date (a 29 February birthday turns over on 1 March)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def academic_year_start(on: dt.date) -> int:
    """The calendar year in which the academic year containing ``on`` began (1 September)."""
    return on.year if on.month >= 9 else on.year - 1


def national_curriculum_year(date_of_birth: dt.date, on: dt.date) -> int:
    """The national curriculum year group a child born on ``date_of_birth`` is in on ``on``.

    Reception is 0, nursery -1; children born 1 September to 31 August share a year group.
    Reception is the academic year in which a child turns five.
    """
    cohort = date_of_birth.year if date_of_birth.month < 9 else date_of_birth.year + 1
    return academic_year_start(on) - cohort - 4
