"""The waiting-list forecast against queues worked out by hand.

A month is 52/12 weeks, so 18 weeks is 54/13 months: everyone who has waited 0 to 3 whole
months is within 18 weeks, 2/13 of those who have waited 4 whole months are (their waits are
spread over the month), nobody who has waited 5 or more is.
"""

import datetime as dt
from fractions import Fraction

import pytest

from opensend.pathways import forecast
from opensend.pathways.forecast import Goal, Queue
from opensend.pathways.rules import ClockState, ClockStatus

D = dt.date
F = Fraction
CENSUS = D(2026, 10, 31)


def cohorts(queue):
    return [int(c) if c.denominator == 1 else c for c in queue.cohorts]


def test_the_model_month_and_standard():
    assert F(54, 13) == forecast.STANDARD_MONTHS
    assert F(91, 3) == forecast.DAYS_PER_MONTH


@pytest.mark.parametrize(
    ("months", "share"), [(0, 1), (1, 1), (3, 1), (4, F(2, 13)), (5, 0), (12, 0)]
)
def test_share_of_a_cohort_within_18_weeks(months, share):
    assert forecast.within_share_of_cohort(months) == share


def test_hand_worked_queue():
    """10 waiting, 4 referred and 3 seen a month, at the end of October 2026.

    Cohorts are by whole months waited, youngest first. Each month the 3 seen are the longest
    waiters; then everyone is a month older and the 4 new referrals join at the front.

    ==  =========  ===============  ===============  ====  ============================
    m   month end  seen (from age)  queue after       size  within 18 weeks / share
    ==  =========  ===============  ===============  ====  ============================
    0   31 Oct     –                2 2 2 4          10    10 / 10 = 1
    1   30 Nov     3 (age 3)        4 2 2 2 1        11    10 + 2/13 = 132/13 → 12/13
    2   31 Dec     1 (4), 2 (3)     4 4 2 2          12    12 → 1
    3   31 Jan     2 (3), 1 (2)     4 4 4 1          13    13 → 1
    4   28 Feb     1 (3), 2 (2)     4 4 4 2          14    14 → 1
    5   31 Mar     2 (3), 1 (2)     4 4 4 3          15    15 → 1
    6   30 Apr     3 (3)            4 4 4 4          16    16 → 1
    7   31 May     3 (3)            4 4 4 4 1        17    16 + 2/13 = 210/13 → 210/221
    8   30 Jun     1 (4), 2 (3)     4 4 4 4 2        18    16 + 4/13 = 212/13 → 106/117
    9   31 Jul     2 (4), 1 (3)     4 4 4 4 3        19    16 + 6/13 = 214/13 → 214/247
    ==  =========  ===============  ===============  ====  ============================

    The list grows by one a month. 12/13 is 92.3% (meets the standard), 210/221 is 95.0%
    (meets), 106/117 is 90.6% (misses) and 214/247 is 86.6%: from June 2027 it misses the
    standard, and every month after that it is further away.
    """
    months = forecast.project(
        Queue.of(2, 2, 2, 4), start=CENSUS, arrivals=4, clearances=3, months=9
    )
    expected = [
        (D(2026, 10, 31), [2, 2, 2, 4], 10, F(1), 0, True),
        (D(2026, 11, 30), [4, 2, 2, 2, 1], 11, F(12, 13), 3, True),
        (D(2026, 12, 31), [4, 4, 2, 2], 12, F(1), 3, True),
        (D(2027, 1, 31), [4, 4, 4, 1], 13, F(1), 3, True),
        (D(2027, 2, 28), [4, 4, 4, 2], 14, F(1), 3, True),
        (D(2027, 3, 31), [4, 4, 4, 3], 15, F(1), 3, True),
        (D(2027, 4, 30), [4, 4, 4, 4], 16, F(1), 3, True),
        (D(2027, 5, 31), [4, 4, 4, 4, 1], 17, F(210, 221), 3, True),
        (D(2027, 6, 30), [4, 4, 4, 4, 2], 18, F(106, 117), 3, False),
        (D(2027, 7, 31), [4, 4, 4, 4, 3], 19, F(214, 247), 3, False),
    ]
    assert [
        (
            m.month_end,
            cohorts(m.queue),
            m.size,
            m.share_within_18_weeks,
            m.seen,
            m.meets_standard,
        )
        for m in months
    ] == expected
    assert [m.month for m in months] == list(range(10))
    assert months[9].queue.within_18_weeks == F(214, 13)
    assert months[9].queue.over_18_weeks == 3 - F(6, 13)
    assert months[9].queue.longest_months == 4


def test_when_the_standard_is_met():
    """From June 2027's list (4 4 4 4 2, 18 waiting) with 4 referrals a month.

    At 3 a month it never recovers (the list grows). At 5 a month the first month sees the 2
    oldest and 3 of the next cohort: 4 4 4 4 1 is left, 17 waiting, 16 + 2/13 within, 95%.
    """
    june = Queue.of(4, 4, 4, 4, 2)
    assert forecast.month_standard_met(june, start=D(2027, 6, 30), arrivals=4, clearances=3) is None
    met = forecast.month_standard_met(june, start=D(2027, 6, 30), arrivals=4, clearances=5)
    assert met is not None
    assert (met.month, met.month_end, cohorts(met.queue)) == (1, D(2027, 7, 31), [4, 4, 4, 4, 1])
    already = forecast.month_standard_met(
        Queue.of(2, 2, 2, 4), start=CENSUS, arrivals=4, clearances=3
    )
    assert already is not None
    assert already.month == 0


@pytest.mark.parametrize(
    ("queue", "arrivals", "months", "goal", "capacity"),
    [
        # June 2027's list: 4 a month misses for ever (4 4 4 4 2 again each month); 5 meets it
        (Queue.of(4, 4, 4, 4, 2), 4, 1, Goal.STANDARD, 5),
        (Queue.of(4, 4, 4, 4, 2), 4, 3, Goal.STANDARD, 5),
        # nobody over 18 weeks in one month: the 2 oldest and all 4 at age 3 must be seen
        (Queue.of(4, 4, 4, 4, 2), 4, 1, Goal.NO_ONE_OVER_18_WEEKS, 6),
        # in three months 5 is enough: 4 4 4 4 1, then 4 4 4 4, then 4 4 4 3
        (Queue.of(4, 4, 4, 4, 2), 4, 3, Goal.NO_ONE_OVER_18_WEEKS, 5),
        # a list already within the standard needs no capacity at all to stay there for a month
        # (its youngest 3 cohorts age into cohorts 1 to 3)
        (Queue.of(1, 1, 1), 0, 1, Goal.STANDARD, 0),
        # 20 waiting 6 months, none arriving: all 20 must be seen in the month
        (Queue.of(0, 0, 0, 0, 0, 0, 20), 0, 1, Goal.NO_ONE_OVER_18_WEEKS, 20),
        # over two months, 10 a month
        (Queue.of(0, 0, 0, 0, 0, 0, 20), 0, 2, Goal.NO_ONE_OVER_18_WEEKS, 10),
        # an empty list with referrals stays within the standard with nothing seen for 3 months
        (Queue(), 5, 3, Goal.STANDARD, 0),
        # ... but by month 5 the first month's referrals have waited 4 whole months
        (Queue(), 5, 5, Goal.NO_ONE_OVER_18_WEEKS, 1),
        (Queue.of(F(25, 2)), F(25, 2), 1, Goal.STANDARD, 0),
    ],
)
def test_capacity_needed(queue, arrivals, months, goal, capacity):
    assert forecast.capacity_needed(queue, arrivals=arrivals, months=months, goal=goal) == capacity


@pytest.mark.parametrize(
    "queue",
    [
        Queue.of(4, 4, 4, 4, 2),
        Queue.of(0, 0, 3, 7, 9, 2, 1),
        Queue.of(10),
        Queue.of(1, 0, 0, 0, 0, 8),
    ],
)
@pytest.mark.parametrize("goal", list(Goal))
@pytest.mark.parametrize("months", [1, 2, 6])
def test_capacity_needed_is_the_least_that_works(queue, goal, months):
    """Against a plain search upwards from nothing."""

    def met(capacity):
        last = forecast.project(
            queue, start=CENSUS, arrivals=6, clearances=capacity, months=months
        )[-1].queue
        return last.meets_standard() if goal is Goal.STANDARD else last.over_18_weeks == 0

    least = next(c for c in range(100) if met(c))
    assert forecast.capacity_needed(queue, arrivals=6, months=months, goal=goal) == least


def test_capacity_needed_by_a_date():
    june = Queue.of(4, 4, 4, 4, 2)
    assert (
        forecast.capacity_needed_by(
            june, start=D(2027, 6, 30), target=D(2027, 9, 15), arrivals=4,
            goal=Goal.NO_ONE_OVER_18_WEEKS,
        )
        == 5
    )  # fmt: skip
    with pytest.raises(ValueError, match="The date must be in a month after June 2027"):
        forecast.capacity_needed_by(june, start=D(2027, 6, 30), target=D(2027, 6, 30), arrivals=4)
    with pytest.raises(ValueError, match="at least one month"):
        forecast.capacity_needed(june, arrivals=4, months=0)


@pytest.mark.parametrize(
    ("start", "target", "months"),
    [
        (D(2026, 10, 31), D(2027, 3, 31), 5),
        (D(2026, 10, 31), D(2026, 10, 1), 0),
        (D(2026, 10, 31), D(2026, 9, 30), -1),
        (D(2026, 12, 31), D(2027, 1, 1), 1),
    ],
)
def test_months_until(start, target, months):
    assert forecast.months_until(start, target) == months


# --- Edge cases --------------------------------------------------------------------------------


def test_no_arrivals():
    """2 in each of cohorts 0 to 4, nobody referred, 3 seen a month.

    m1: seen 2 (age 4) and 1 (age 3): 2 2 2 1 left, aged to 0 2 2 2 1; 7 waiting,
        6 + 2/13 = 80/13 within, 80/91.
    m2: seen 1 (age 4) and 2 (age 3): 0 0 2 2; 4 waiting, all within.
    m3: seen 2 (age 3) and 1 (age 2): 0 0 0 1; 1 waiting.
    m4: seen the last 1; 2 places unused and lost. m5: empty, nothing seen.
    """
    months = forecast.project(
        Queue.of(2, 2, 2, 2, 2), start=CENSUS, arrivals=0, clearances=3, months=5
    )
    assert [(cohorts(m.queue), m.size, m.share_within_18_weeks, m.seen) for m in months] == [
        ([2, 2, 2, 2, 2], 10, F(8 + F(4, 13), 10), 0),
        ([0, 2, 2, 2, 1], 7, F(80, 91), 3),
        ([0, 0, 2, 2], 4, F(1), 3),
        ([0, 0, 0, 1], 1, F(1), 3),
        ([], 0, None, 1),
        ([], 0, None, 0),
    ]
    assert months[4].meets_standard  # an empty list meets the standard
    assert months[4].queue.longest_months is None
    met = forecast.month_standard_met(
        Queue.of(2, 2, 2, 2, 2), start=CENSUS, arrivals=0, clearances=3
    )
    assert met is not None
    assert met.month == 2


def test_capacity_equal_to_demand():
    """4 in, 4 out: a young list stays exactly as it is; a list with a backlog keeps its size
    while the backlog is seen, then stays put; one whose steady state misses the standard
    never meets it."""
    steady = forecast.project(Queue.of(4, 4, 4), start=CENSUS, arrivals=4, clearances=4, months=3)
    assert {tuple(cohorts(m.queue)) for m in steady} == {(4, 4, 4)}

    backlog = forecast.project(
        Queue.of(0, 0, 0, 0, 0, 8), start=CENSUS, arrivals=4, clearances=4, months=3
    )
    # m1: 4 of the 8 seen, aged: 4 0 0 0 0 0 4 (half within); m2: the other 4: 4 4;
    # m3: the 4 who have waited a month seen, 4 new: 4 4 again
    assert [(cohorts(m.queue), m.size, m.share_within_18_weeks) for m in backlog] == [
        ([0, 0, 0, 0, 0, 8], 8, F(0)),
        ([4, 0, 0, 0, 0, 0, 4], 8, F(1, 2)),
        ([4, 4], 8, F(1)),
        ([4, 4], 8, F(1)),
    ]
    met = forecast.month_standard_met(
        Queue.of(0, 0, 0, 0, 0, 8), start=CENSUS, arrivals=4, clearances=4
    )
    assert met is not None
    assert met.month == 2

    # 4 in each of 6 cohorts, 4 in and 4 out: the same list every month, 16 + 8/13 of 24 within
    stuck = Queue.of(4, 4, 4, 4, 4, 4)
    assert stuck.share_within_18_weeks == F(216, 312)
    assert (
        forecast.month_standard_met(stuck, start=CENSUS, arrivals=4, clearances=4, horizon=10**9)
        is None
    )  # found steady at once, not after a billion months


def test_growing_list_reaches_the_horizon():
    """5 in, 4 out, from an empty list: the list grows by one a month, so after t months the
    oldest have waited about t/5 months. At 24 months: 5 5 5 5 4, 20 + 8/13 of 24 within (86%),
    and the standard is lost; at 48 the oldest have waited 9 whole months. A list that starts
    badly (30 waiting, a third of them over 18 weeks) never meets it within the horizon."""
    months = forecast.project(Queue(), start=CENSUS, arrivals=5, clearances=4, months=48)
    assert [m.size for m in months[:4]] == [0, 1, 2, 3]
    assert cohorts(months[24].queue) == [5, 5, 5, 5, 4]
    assert months[24].share_within_18_weeks == F(20 + F(8, 13), 24)
    assert not months[24].meets_standard
    assert months[48].queue.longest_months == 9  # waits keep growing
    met = forecast.month_standard_met(Queue(), start=CENSUS, arrivals=5, clearances=4)
    assert met is not None
    assert met.month == 0
    bad = Queue.of(5, 5, 5, 5, 5, 5)  # 30 waiting, 20 + 10/13 within (69%)
    assert (
        forecast.month_standard_met(bad, start=CENSUS, arrivals=5, clearances=4, horizon=36) is None
    )


def test_zero_capacity():
    """Nobody seen: every month's 2 referrals wait on. After 4 months 2/13 of the first
    month's referrals are still within 18 weeks: 8 + 4/13 of 10, 54/65 (83%)."""
    months = forecast.project(Queue.of(2), start=CENSUS, arrivals=2, clearances=0, months=5)
    assert [m.size for m in months] == [2, 4, 6, 8, 10, 12]
    assert all(m.seen == 0 for m in months)
    assert months[4].share_within_18_weeks == F(54, 65)
    assert months[5].share_within_18_weeks == F(8 + F(4, 13), 12)
    assert forecast.capacity_needed(Queue.of(2), arrivals=2, months=5) == 1


def test_spare_capacity_sees_new_referrals_then_is_lost():
    spill = forecast.step(Queue.of(0, 0, 5), arrivals=10, clearances=9)
    assert (cohorts(spill.queue), spill.seen) == ([6], 9)
    lost = forecast.step(Queue.of(1), arrivals=1, clearances=5)
    assert (cohorts(lost.queue), lost.seen) == ([], 2)


def test_fractional_rates_stay_exact():
    months = forecast.project(
        Queue.of(10), start=CENSUS, arrivals=F(25, 2), clearances=F(21, 2), months=2
    )
    """m1: the 10 seen and ½ of the 12½ referred: 12 left. m2: 10½ of those 12 seen."""
    assert cohorts(months[1].queue) == [12]
    assert cohorts(months[2].queue) == [F(25, 2), F(3, 2)]
    assert months[2].size == 14
    assert [m.seen for m in months[1:]] == [F(21, 2), F(21, 2)]
    assert Queue.of(1, 0, 0) == Queue.of(1)  # no trailing empty cohorts


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Queue.of(3, -1), "A number waiting cannot be negative"),
        (lambda: forecast.step(Queue.of(1), arrivals=-1, clearances=1), "Referrals a month"),
        (lambda: forecast.step(Queue.of(1), arrivals=1, clearances=-2), "Clearances a month"),
        (
            lambda: forecast.project(Queue(), start=CENSUS, arrivals=1, clearances=1, months=-1),
            "months cannot be negative",
        ),
        (lambda: forecast.queue_from_waits([3, -1]), "A wait cannot be negative"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- From the clock rules ----------------------------------------------------------------------


def test_queue_from_waits():
    """Whole months of 30⅓ days: 30 days is 0 months, 31 is 1, 91 is 3, 121 is 3 (3.99),
    122 is 4 (4.02)."""
    queue = forecast.queue_from_waits([0, 30, 31, 91, 121, 122])
    assert cohorts(queue) == [2, 1, 0, 2, 1]
    assert forecast.queue_from_waits([]) == Queue()


def test_queue_from_clock_states():
    on = D(2026, 10, 31)
    states = [
        ClockState(on=on, status=ClockStatus.RUNNING, waited_days=10),
        ClockState(on=on, status=ClockStatus.PAUSED, waited_days=40),
        ClockState(on=on, status=ClockStatus.STOPPED, waited_days=10),
        ClockState(on=on, status=ClockStatus.NULLIFIED, waited_days=10),
    ]
    assert cohorts(forecast.queue_from_states(states)) == [1, 1]


@pytest.mark.parametrize(
    ("counts", "mean"), [([10, 12, 15], F(37, 3)), ([4], F(4)), ([], F(0)), ([0, 0], F(0))]
)
def test_mean_per_month(counts, mean):
    assert forecast.mean_per_month(counts) == mean


def test_goal_labels():
    assert Goal.STANDARD.label == "92% waiting 18 weeks or less"
    assert Goal.NO_ONE_OVER_18_WEEKS.label == "Nobody waiting more than 18 weeks"
