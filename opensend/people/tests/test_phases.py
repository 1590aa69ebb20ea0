import datetime as dt
import itertools

import pytest

from opensend.core.calendar import national_curriculum_year
from opensend.people.phases import (
    Phase,
    birth_range_for_phase,
    birth_range_for_year,
    phase_for_year,
)

D = dt.date
ON = D(2026, 11, 23)


@pytest.mark.parametrize(
    ("year", "phase"),
    [
        (-3, Phase.EARLY_YEARS),
        (-1, Phase.EARLY_YEARS),
        (0, Phase.PRIMARY),
        (6, Phase.PRIMARY),
        (7, Phase.SECONDARY),
        (11, Phase.SECONDARY),
        (12, Phase.POST_16),
        (14, Phase.POST_16),
        (15, Phase.POST_19),
        (21, Phase.POST_19),
    ],
)
def test_phase_for_year(year, phase):
    assert phase_for_year(year) == phase


@pytest.mark.parametrize("year", [-2, 0, 6, 7, 11, 12, 20])
def test_birth_range_for_year_matches_the_year_group_rule(year):
    first, last = birth_range_for_year(year, ON)
    assert national_curriculum_year(first, ON) == year
    assert national_curriculum_year(last, ON) == year
    assert national_curriculum_year(first - dt.timedelta(days=1), ON) == year + 1
    assert national_curriculum_year(last + dt.timedelta(days=1), ON) == year - 1


def test_birth_ranges_for_phases_tile_without_gaps():
    ranges = [birth_range_for_phase(phase, ON) for phase in Phase]
    assert ranges[0][1] is None  # early years: to the youngest
    assert ranges[-1][0] is None  # post-19: from the oldest
    for (earlier_first, _), (_, later_last) in itertools.pairwise(ranges):
        assert later_last == earlier_first - dt.timedelta(days=1)
