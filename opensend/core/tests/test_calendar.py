import datetime as dt

import pytest

from opensend.core import bank_holidays
from opensend.core import calendar as cal
from opensend.core.calendar import DayCounting

D = dt.date


@pytest.fixture
def holidays(db):
    bank_holidays.clear_cache()
    yield bank_holidays.england_and_wales(2020, 2028)
    bank_holidays.clear_cache()


def test_bank_holidays_include_substitute_and_one_off_days(holidays):
    assert D(2026, 12, 28) in holidays  # Boxing Day substitute (26th is a Saturday)
    assert D(2022, 9, 19) in holidays  # state funeral, by proclamation
    assert D(2023, 5, 8) in holidays  # coronation, by proclamation
    assert D(2022, 6, 3) in holidays  # platinum jubilee
    assert D(2026, 4, 3) in holidays  # Good Friday
    assert D(2026, 8, 31) in holidays  # summer bank holiday
    assert D(2026, 3, 17) not in holidays  # St Patrick's Day is Northern Ireland only


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 1, 5), 1, D(2026, 1, 6)),  # Monday -> Tuesday
        (D(2026, 1, 9), 1, D(2026, 1, 12)),  # Friday -> Monday
        (D(2026, 1, 10), 1, D(2026, 1, 12)),  # Saturday -> Monday
        (D(2026, 4, 2), 1, D(2026, 4, 7)),  # over Good Friday and Easter Monday
        (D(2026, 12, 24), 3, D(2026, 12, 31)),  # Christmas, Boxing Day substitute on the 28th
        (D(2026, 12, 23), 3, D(2026, 12, 30)),
        (D(2026, 1, 12), -1, D(2026, 1, 9)),  # backwards over a weekend
        (D(2026, 1, 12), 0, D(2026, 1, 12)),
        (D(2026, 5, 22), 1, D(2026, 5, 26)),  # spring bank holiday Monday
    ],
)
def test_add_working_days(holidays, start, days, expected):
    assert cal.add_working_days(start, days, holidays) == expected


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (D(2026, 1, 5), D(2026, 1, 9), 4),
        (D(2026, 1, 9), D(2026, 1, 12), 1),
        (D(2026, 12, 24), D(2026, 12, 31), 3),
        (D(2026, 1, 9), D(2026, 1, 5), -4),
        (D(2026, 1, 5), D(2026, 1, 5), 0),
    ],
)
def test_working_days_between(holidays, start, end, count):
    assert cal.working_days_between(start, end, holidays) == count


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 25), D(2026, 12, 29)),
        (D(2026, 12, 29), D(2026, 12, 29)),
        (D(2026, 8, 29), D(2026, 9, 1)),
    ],
)
def test_next_working_day(holidays, day, expected):
    assert cal.next_working_day(day, holidays) == expected


@pytest.mark.parametrize(
    ("start", "weeks", "counting", "expected"),
    [
        (D(2026, 1, 5), 6, DayCounting.RECEIPT_IS_DAY_0, D(2026, 2, 16)),
        (D(2026, 1, 5), 6, DayCounting.RECEIPT_IS_DAY_1, D(2026, 2, 15)),
        (D(2026, 1, 5), 20, DayCounting.RECEIPT_IS_DAY_0, D(2026, 5, 25)),
        (D(2026, 11, 30), 16, DayCounting.RECEIPT_IS_DAY_0, D(2027, 3, 22)),
    ],
)
def test_add_weeks_is_calendar_time(start, weeks, counting, expected):
    assert cal.add_weeks(start, weeks, counting) == expected


def test_fifteen_days_beginning_with_the_day_served():
    # Reg 13(1): the day the draft is served is day 1.
    assert cal.add_days_beginning_with(D(2026, 3, 2), 15) == D(2026, 3, 16)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 3, 15), 2, D(2026, 5, 15)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 12, 1), 1, D(2027, 1, 1)),
    ],
)
def test_add_months(start, months, expected):
    assert cal.add_months(start, months) == expected


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (D(2010, 5, 20), D(2026, 5, 19), 15),
        (D(2010, 5, 20), D(2026, 5, 20), 16),
        (D(2012, 2, 29), D(2026, 2, 28), 13),
        (D(2012, 2, 29), D(2026, 3, 1), 14),
    ],
)
def test_age_on(born, on, age):
    assert cal.age_on(born, on) == age


@pytest.mark.parametrize(
    ("born", "on", "year"),
    [
        (D(2020, 8, 31), D(2024, 10, 1), 0),  # youngest in Reception
        (D(2020, 9, 1), D(2024, 10, 1), -1),  # oldest in nursery
        (D(2020, 9, 1), D(2025, 10, 1), 0),
        (D(2013, 9, 1), D(2026, 11, 23), 8),
        (D(2014, 8, 31), D(2026, 11, 23), 8),
        (D(2010, 3, 1), D(2026, 7, 31), 11),  # Year 11 until the end of August
        (D(2010, 3, 1), D(2026, 9, 1), 12),
    ],
)
def test_national_curriculum_year(born, on, year):
    assert cal.national_curriculum_year(born, on) == year


def test_override_adds_and_removes_days(db):
    from opensend.core import services

    bank_holidays.clear_cache()
    services.bank_holiday_override_set(
        acting_user=None, date=D(2027, 6, 7), name="Proclaimed holiday", is_holiday=True
    )
    services.bank_holiday_override_set(
        acting_user=None, date=D(2027, 5, 31), name="Moved", is_holiday=False
    )
    bank_holidays.clear_cache()
    days = bank_holidays.england_and_wales(2027, 2027)
    assert D(2027, 6, 7) in days
    assert D(2027, 5, 31) not in days
    bank_holidays.clear_cache()
