"""The waiting-list forecast: where the list goes at current capacity, when (if ever) it meets
the 18-week standard, and what capacity would meet it by a date. Pure and deterministic.

The model (ADR 0015):

- **The list is a first-in-first-out queue of monthly cohorts.** ``Queue.cohorts[k]`` is how
  many are waiting who have waited ``k`` whole months (0 is those referred this month). Counts
  are exact fractions, so averages such as 12½ referrals a month stay exact.
- **A month** is 52/12 weeks (4⅓ weeks, 30⅓ days), so 18 weeks is 54/13 months. Within a
  cohort waits are taken as spread evenly over the month, so a cohort that has waited ``k``
  whole months has waited between ``k`` and ``k + 1`` months: cohorts 0 to 3 are all within 18
  weeks, 2/13 of cohort 4 is, and nobody older is.
- **One month's step**: the month's clearances (clock stops) are taken from the longest waiters
  first; capacity left over once everyone who was waiting has been seen is used on the month's
  new referrals, and capacity left after that is lost (it cannot be banked). The month's
  referrals join as the new cohort 0 and everyone else is a month older.
- The standard is met when at least 92% of the list is within 18 weeks; an empty list meets it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from opensend.core.calendar import add_months
from opensend.pathways.rules import STANDARD_SHARE, STANDARD_WEEKS, ClockState

#: 52 weeks over 12 months.
WEEKS_PER_MONTH = Fraction(52, 12)
#: 18 weeks in months: 54/13, a little over 4 months.
STANDARD_MONTHS = STANDARD_WEEKS / WEEKS_PER_MONTH
#: Days in the model's month (30⅓), for turning waits in days into whole months.
DAYS_PER_MONTH = WEEKS_PER_MONTH * 7
#: How far ``month_standard_met`` looks before answering "not at current capacity": 20 years.
HORIZON_MONTHS = 240

Count = int | Fraction


def _exact(value: Count, what: str) -> Fraction:
    if value < 0:
        raise ValueError(f"{what} cannot be negative")
    return Fraction(value)


def within_share_of_cohort(months_waited: int) -> Fraction:
    """The part of cohort ``months_waited`` that has waited no more than 18 weeks."""
    return max(Fraction(0), min(Fraction(1), STANDARD_MONTHS - months_waited))


@dataclass(frozen=True)
class Queue:
    """The list by whole months waited (``cohorts[0]`` waited under a month); no trailing zeros."""

    cohorts: tuple[Fraction, ...] = ()

    @classmethod
    def of(cls, *counts: Count) -> Queue:
        """``Queue.of(4, 3, 3)``: 4 waiting under a month, 3 for one month, 3 for two."""
        exact = [_exact(count, "A number waiting") for count in counts]
        while exact and exact[-1] == 0:
            exact.pop()
        return cls(tuple(exact))

    @property
    def size(self) -> Fraction:
        return sum(self.cohorts, Fraction(0))

    @property
    def within_18_weeks(self) -> Fraction:
        return sum(
            (count * within_share_of_cohort(k) for k, count in enumerate(self.cohorts)),
            Fraction(0),
        )

    @property
    def over_18_weeks(self) -> Fraction:
        return self.size - self.within_18_weeks

    @property
    def share_within_18_weeks(self) -> Fraction | None:
        size = self.size
        return self.within_18_weeks / size if size else None

    @property
    def longest_months(self) -> int | None:
        """Whole months waited by the longest waiters; ``None`` for an empty list."""
        return len(self.cohorts) - 1 if self.cohorts else None

    def meets_standard(self, share: Fraction = STANDARD_SHARE) -> bool:
        current = self.share_within_18_weeks
        return current is None or current >= share


def queue_from_waits(waited_days: Iterable[int]) -> Queue:
    """The queue of the waits (in days) of the clocks on a list today."""
    counts: list[int] = []
    for days in waited_days:
        if days < 0:
            raise ValueError("A wait cannot be negative")
        months = math.floor(days / DAYS_PER_MONTH)
        counts.extend([0] * (months + 1 - len(counts)))
        counts[months] += 1
    return Queue.of(*counts)


def queue_from_states(states: Iterable[ClockState]) -> Queue:
    """The queue of the clocks on the waiting list (see ``rules.clock_state``)."""
    return queue_from_waits(s.waited_days for s in states if s.on_waiting_list)


def mean_per_month(counts: Sequence[int]) -> Fraction:
    """The average of monthly counts (referrals or clock stops), exactly; 0 for none."""
    return Fraction(sum(counts), len(counts)) if counts else Fraction(0)


@dataclass(frozen=True)
class Step:
    queue: Queue
    seen: Fraction  # clearances used this month (capacity not used is lost)


def step(queue: Queue, *, arrivals: Count, clearances: Count) -> Step:
    """One month on: ``clearances`` seen from the longest waiters first (then from this month's
    referrals), ``arrivals`` join as the new cohort, everyone else a month older."""
    arriving = _exact(arrivals, "Referrals a month")
    capacity = _exact(clearances, "Clearances a month")
    left = capacity
    cohorts = list(queue.cohorts)
    for k in range(len(cohorts) - 1, -1, -1):
        taken = min(cohorts[k], left)
        cohorts[k] -= taken
        left -= taken
    from_arrivals = min(arriving, left)
    seen = capacity - left + from_arrivals
    return Step(Queue.of(arriving - from_arrivals, *cohorts), seen)


def _month_end(start: dt.date, months: int) -> dt.date:
    first_of_next = add_months(start.replace(day=1), months + 1)
    return first_of_next - dt.timedelta(days=1)


def months_until(start: dt.date, target: dt.date) -> int:
    """How many month-ends after ``start``'s month the month-end of ``target`` is (0 for the
    same month; negative for an earlier one)."""
    return (target.year - start.year) * 12 + target.month - start.month


@dataclass(frozen=True)
class MonthForecast:
    """The list at the end of a month: ``month`` 0 is the census month, 1 the next."""

    month: int
    month_end: dt.date
    queue: Queue
    seen: Fraction = Fraction(0)

    @property
    def size(self) -> Fraction:
        return self.queue.size

    @property
    def share_within_18_weeks(self) -> Fraction | None:
        return self.queue.share_within_18_weeks

    @property
    def meets_standard(self) -> bool:
        return self.queue.meets_standard()


def project(
    queue: Queue, *, start: dt.date, arrivals: Count, clearances: Count, months: int
) -> tuple[MonthForecast, ...]:
    """The list at the end of ``start``'s month (month 0) and of each of the next ``months``
    months, with ``arrivals`` referrals and ``clearances`` clock stops every month."""
    if months < 0:
        raise ValueError("The number of months cannot be negative")
    forecast = [MonthForecast(0, _month_end(start, 0), queue)]
    for month in range(1, months + 1):
        moved = step(forecast[-1].queue, arrivals=arrivals, clearances=clearances)
        forecast.append(MonthForecast(month, _month_end(start, month), moved.queue, moved.seen))
    return tuple(forecast)


def month_standard_met(
    queue: Queue,
    *,
    start: dt.date,
    arrivals: Count,
    clearances: Count,
    horizon: int = HORIZON_MONTHS,
) -> MonthForecast | None:
    """The first month-end at which the list meets the standard at current capacity (month 0
    if it already does), or ``None`` — "not at current capacity" — if it does not within
    ``horizon`` months, or the list settles into a steady state that misses it."""
    current = MonthForecast(0, _month_end(start, 0), queue)
    for month in range(1, horizon + 1):
        if current.meets_standard:
            return current
        moved = step(current.queue, arrivals=arrivals, clearances=clearances)
        if moved.queue == current.queue:
            return None  # steady: it will look like this every month from now on
        current = MonthForecast(month, _month_end(start, month), moved.queue, moved.seen)
    return current if current.meets_standard else None


class Goal(StrEnum):
    STANDARD = "standard"  # at least 92% within 18 weeks
    NO_ONE_OVER_18_WEEKS = "no_one_over_18_weeks"  # the over-18-week backlog cleared

    @property
    def label(self) -> str:
        if self is Goal.STANDARD:
            return "92% waiting 18 weeks or less"
        return "Nobody waiting more than 18 weeks"


def _goal_met(queue: Queue, goal: Goal) -> bool:
    if goal is Goal.STANDARD:
        return queue.meets_standard()
    return queue.over_18_weeks == 0


def _met_after(queue: Queue, *, arrivals: Count, capacity: int, months: int, goal: Goal) -> bool:
    for _ in range(months):
        queue = step(queue, arrivals=arrivals, clearances=capacity).queue
    return _goal_met(queue, goal)


def capacity_needed(
    queue: Queue, *, arrivals: Count, months: int, goal: Goal = Goal.STANDARD
) -> int:
    """The fewest whole clearances a month, the same every month, that meet ``goal`` at the
    end of the ``months``-th month from now.

    More capacity never makes the list worse (the queue left is always the most recent
    referrals, and fewer of them), so the answer is found by halving the range between nothing
    and enough to see everyone in the first month.
    """
    if months < 1:
        raise ValueError("The target must be at least one month after the census month")
    low, high = 0, math.ceil(queue.size + _exact(arrivals, "Referrals a month"))
    if _met_after(queue, arrivals=arrivals, capacity=low, months=months, goal=goal):
        return 0
    while high - low > 1:
        middle = (low + high) // 2
        if _met_after(queue, arrivals=arrivals, capacity=middle, months=months, goal=goal):
            high = middle
        else:
            low = middle
    return high


def capacity_needed_by(
    queue: Queue,
    *,
    start: dt.date,
    target: dt.date,
    arrivals: Count,
    goal: Goal = Goal.STANDARD,
) -> int:
    """``capacity_needed`` to meet ``goal`` by the end of ``target``'s month, counting from the
    census at the end of ``start``'s month."""
    months = months_until(start, target)
    if months < 1:
        raise ValueError(
            f"The date must be in a month after {start:%B %Y}, the month of the waiting list used"
        )
    return capacity_needed(queue, arrivals=arrivals, months=months, goal=goal)
