"""The arithmetic and shapes the generator draws from: pure functions, tables of cases."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from opensend.synth import shapes


@pytest.mark.parametrize(
    ("total", "shares", "expected"),
    [
        (10, {"a": 0.5, "b": 0.5}, {"a": 5, "b": 5}),
        (3, {"a": 1, "b": 1}, {"a": 2, "b": 1}),  # a tie goes to the key listed first
        (7, {"a": 0.31, "b": 0.643, "c": 0.045}, {"a": 2, "b": 5, "c": 0}),
        (100, {"a": 31.5, "b": 21.3, "c": 47.2}, {"a": 32, "b": 21, "c": 47}),
        (0, {"a": 1.0}, {"a": 0}),
        (1, {"a": 0.2, "b": 0.8}, {"a": 0, "b": 1}),
        (855, {"m": 31.0, "s": 64.3, "o": 4.5}, {"m": 266, "s": 551, "o": 38}),
    ],
)
def test_apportion_adds_up_and_stays_within_one_of_each_share(total, shares, expected):
    counts = shapes.apportion(total, shares)
    assert counts == expected
    assert sum(counts.values()) == total
    weight = sum(shares.values())
    for key, share in shares.items():
        assert abs(counts[key] - total * share / weight) < 1


@pytest.mark.parametrize(
    ("total", "shares", "message"),
    [(-1, {"a": 1.0}, "negative"), (5, {"a": 0.0}, "more than zero"), (5, {}, "more than zero")],
)
def test_apportion_refuses_nonsense(total, shares, message):
    with pytest.raises(ValueError, match=message):
        shapes.apportion(total, shares)


def test_quota_list_is_shuffled_by_the_seed_but_keeps_the_counts():
    first = shapes.quota_list(random.Random(1), 50, {"x": 0.3, "y": 0.7})
    again = shapes.quota_list(random.Random(1), 50, {"x": 0.3, "y": 0.7})
    other = shapes.quota_list(random.Random(2), 50, {"x": 0.3, "y": 0.7})
    assert first == again
    assert first != other
    assert first.count("x") == 15
    assert first.count("y") == 35


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 11, 23), dt.date(2026, 1, 15)),  # spring census: 3rd Thursday of January
        (dt.date(2026, 1, 15), dt.date(2026, 1, 15)),
        (dt.date(2026, 1, 14), dt.date(2025, 1, 16)),
        (dt.date(2027, 1, 21), dt.date(2027, 1, 21)),
        (dt.date(2027, 1, 1), dt.date(2026, 1, 15)),
    ],
)
def test_reference_date_is_the_latest_spring_census_day(today, expected):
    assert shapes.reference_date(today) == expected


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (dt.date(2010, 3, 14), 18, dt.date(2028, 3, 14)),
        (dt.date(2008, 2, 29), 18, dt.date(2026, 2, 28)),
        (dt.date(2008, 2, 29), 4, dt.date(2012, 2, 29)),
    ],
)
def test_add_years(day, years, expected):
    assert shapes.add_years(day, years) == expected


def test_random_date_stays_within_its_bounds_and_handles_crossed_bounds():
    rng = random.Random(3)
    earliest, latest = dt.date(2020, 1, 1), dt.date(2020, 1, 10)
    days = {shapes.random_date(rng, earliest, latest) for _ in range(300)}
    assert min(days) == earliest
    assert max(days) == latest
    assert shapes.random_date(rng, latest, earliest) == latest


@pytest.mark.parametrize("white_british", [0.64, 0.82, 0.93])
def test_ethnicity_mix_keeps_the_white_british_share_and_sums_to_one(white_british):
    mix = shapes.ethnicity_mix(white_british)
    assert mix["WBRI"] == white_british
    assert sum(mix.values()) == pytest.approx(1.0)
    assert set(mix) == set(shapes.EAL_CHANCE)


def test_plan_ages_peak_in_secondary_and_support_is_school_age():
    assert max(shapes.PLAN_PHASES, key=shapes.PLAN_PHASES.__getitem__) == "secondary"
    assert sum(shapes.PLAN_PHASES.values()) == pytest.approx(1.0)
    assert min(shapes.SUPPORT_YEARS) == 0
    assert max(shapes.SUPPORT_YEARS) == 13
    assert max(shapes.PLAN_YEARS["post_19"]) == 19  # aged 24 at most on the reference date
