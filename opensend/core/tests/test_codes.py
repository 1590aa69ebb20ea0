import datetime as dt

import pytest

from opensend.core.codes import CensusTerm, census_day, latest_census_day

D = dt.date


@pytest.mark.parametrize(
    ("year", "term", "day"),
    [
        (2026, CensusTerm.SPRING, D(2026, 1, 15)),  # RULES.md §4: 2026 census Thursday 15 January
        (2025, CensusTerm.SPRING, D(2025, 1, 16)),
        (2026, CensusTerm.SUMMER, D(2026, 5, 21)),
        (2026, CensusTerm.AUTUMN, D(2026, 10, 1)),
        (2025, CensusTerm.AUTUMN, D(2025, 10, 2)),
    ],
)
def test_census_day(year, term, day):
    assert census_day(year, term) == day
    assert day.weekday() == 3


def test_census_day_rejects_unknown_term():
    with pytest.raises(ValueError, match="Unknown census term"):
        census_day(2026, "winter")


@pytest.mark.parametrize(
    ("on", "latest"),
    [
        (D(2026, 11, 23), D(2026, 10, 1)),
        (D(2026, 10, 1), D(2026, 10, 1)),
        (D(2026, 9, 30), D(2026, 5, 21)),
        (D(2026, 1, 14), D(2025, 10, 2)),
    ],
)
def test_latest_census_day(on, latest):
    assert latest_census_day(on) == latest
