"""The referral-to-treatment (RTT) clock of a children's health or therapy pathway, and the
figures a waiting list is judged by (RULES.md §6), as pure functions.

Nothing here touches the database: a pathway is a tuple of dated events and patient pauses, the
bank holidays are passed in, so every rule is tested with a table of cases. ADR 0015 records the
choices made here.

Sources:

- "Rules suite" is *Referral to treatment consultant-led waiting times: rules suite* (DHSC,
  October 2022), national clock rules: clock starts (Rules 1 to 3), clock stops for treatment,
  clock stops for non-treatment, and did not attends (DNAs).
- "Recording guidance" is NHS England's *Recording and reporting referral to treatment (RTT)
  waiting times for consultant-led elective care*: how waits are counted and reported (whole
  days from the clock start; the incomplete-pathway figure; weekly time bands).
- The NHS Data Model and Dictionary, *Referral To Treatment Period*: a did-not-attend at the
  first appointment completes the period, and a new period starts when the patient rebooks.
- The patient pause was removed from the consultant-led rules on 1 October 2015 (the Standing
  Rules (Amendment) (No.2) Regulations 2015). Delays the patient chooses are still recorded
  locally, but they do not stop the national clock; only a local ("adjusted") measure that an
  area adopts for a community pathway deducts them (``Measure``).
- The NHS Constitution standard: at least 92% of incomplete pathways waiting no more than 18
  weeks. Community services (community paediatrics, therapies) report their lists in the week
  bands 0–1, 1–2, 2–4, 4–12, 12–18, 18–52 and over 52 weeks. The seeds' triage standard is 10
  working days from referral.

Counting: the day the referral is received is day 0, so a referral received on a Monday has
waited 7 days, one whole week, on the next Monday. A pause runs from its first day up to, not
including, the day the patient is available again.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from opensend.core.calendar import add_working_days, working_days_between

#: NHS Constitution: 92% of incomplete pathways should have waited no more than 18 weeks.
STANDARD_WEEKS = 18
STANDARD_DAYS = STANDARD_WEEKS * 7
STANDARD_SHARE = Fraction(92, 100)

#: The seeds' triage standard: a referral is triaged within 10 working days of its receipt.
TRIAGE_WORKING_DAYS = 10


def _long(day: dt.date) -> str:
    """A date as GOV.UK writes it: 1 September 2026."""
    return f"{day.day} {day:%B %Y}"


def _lower_first(text: str) -> str:
    """A label inside a sentence: "Referred back to the GP" -> "referred back to the GP"."""
    return text[:1].lower() + text[1:]


# --- Events ------------------------------------------------------------------------------------


class EventKind(StrEnum):
    """What can happen on a pathway; the value is a short code for returns and the API."""

    REFERRAL_RECEIVED = "referral_received"
    TRIAGED = "triaged"
    APPOINTMENT_OFFERED = "appointment_offered"
    APPOINTMENT_ATTENDED = "appointment_attended"
    DID_NOT_ATTEND = "did_not_attend"
    REBOOKED = "rebooked"
    TREATMENT_STARTED = "treatment_started"
    ACTIVE_MONITORING = "active_monitoring"
    DECISION_TO_TREAT = "decision_to_treat"
    DECISION_NOT_TO_TREAT = "decision_not_to_treat"
    DECLINED_TREATMENT = "declined_treatment"
    REFERRED_BACK = "referred_back"
    DISCHARGED = "discharged"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS: dict[EventKind, str] = {
    EventKind.REFERRAL_RECEIVED: "Referral received",
    EventKind.TRIAGED: "Triage",
    EventKind.APPOINTMENT_OFFERED: "Appointment offered",
    EventKind.APPOINTMENT_ATTENDED: "Appointment attended",
    EventKind.DID_NOT_ATTEND: "Did not attend (was not brought)",
    EventKind.REBOOKED: "Appointment rebooked",
    EventKind.TREATMENT_STARTED: "First definitive treatment started",
    EventKind.ACTIVE_MONITORING: "Active monitoring started",
    EventKind.DECISION_TO_TREAT: "Decision to treat after active monitoring",
    EventKind.DECISION_NOT_TO_TREAT: "Decision not to treat",
    EventKind.DECLINED_TREATMENT: "Treatment declined",
    EventKind.REFERRED_BACK: "Referred back to the GP or referrer",
    EventKind.DISCHARGED: "Discharged",
}

#: Events that stop a running clock (rules suite: clock stops for treatment, and for
#: non-treatment: active monitoring, a decision not to treat, treatment declined, return to the
#: GP or referrer, discharge after a did-not-attend under the local access policy).
STOP_EVENTS = frozenset(
    {
        EventKind.TREATMENT_STARTED,
        EventKind.ACTIVE_MONITORING,
        EventKind.DECISION_NOT_TO_TREAT,
        EventKind.DECLINED_TREATMENT,
        EventKind.REFERRED_BACK,
        EventKind.DISCHARGED,
    }
)

#: Events that close a pathway whose clock is not running (after a nullifying did-not-attend or
#: during active monitoring) without starting a clock.
_CLOSING_EVENTS = frozenset({EventKind.REFERRED_BACK, EventKind.DISCHARGED})

#: Appointments go on during active monitoring; they do not start a clock.
_MONITORING_EVENTS = frozenset(
    {
        EventKind.APPOINTMENT_OFFERED,
        EventKind.APPOINTMENT_ATTENDED,
        EventKind.DID_NOT_ATTEND,
        EventKind.REBOOKED,
    }
)


@dataclass(frozen=True)
class Event:
    """One dated event. ``clearly_communicated`` matters only for a did-not-attend: the rules
    suite nullifies the clock on a missed first appointment only where the provider can show the
    appointment was clearly communicated to the family; otherwise the clock keeps running."""

    kind: EventKind
    on: dt.date
    clearly_communicated: bool = True


@dataclass(frozen=True)
class Pause:
    """A patient-initiated delay: from ``start`` up to, not including, ``end`` (the day the
    family is available again); ``end`` is ``None`` while it continues."""

    start: dt.date
    end: dt.date | None = None

    def days_within(self, first: dt.date, last: dt.date) -> int:
        """Paused days in the period from ``first`` up to, not including, ``last``; an open
        pause runs to ``last``."""
        start = max(self.start, first)
        end = last if self.end is None else min(self.end, last)
        return max((end - start).days, 0)


@dataclass(frozen=True)
class Pathway:
    """A referral's events and pauses, in any order (events on the same day keep the order
    given, except that the referral always comes first)."""

    events: tuple[Event, ...]
    pauses: tuple[Pause, ...] = ()

    def sorted_events(self) -> list[Event]:
        indexed = list(enumerate(self.events))
        indexed.sort(
            key=lambda pair: (pair[1].on, pair[1].kind is not EventKind.REFERRAL_RECEIVED, pair[0])
        )
        return [event for _, event in indexed]

    def referral(self) -> Event | None:
        return next((e for e in self.events if e.kind is EventKind.REFERRAL_RECEIVED), None)

    def as_at(self, on: dt.date) -> Pathway:
        """The pathway as it stood at the end of ``on``: later events left out, pauses that
        began later left out, and a pause that ended later still open."""
        return Pathway(
            events=tuple(e for e in self.events if e.on <= on),
            pauses=tuple(
                p if p.end is None or p.end <= on else Pause(p.start)
                for p in self.pauses
                if p.start <= on
            ),
        )


# --- Clocks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One RTT clock of a pathway. A pathway has more than one when a missed first appointment
    nullified a clock and the family rebooked (Rule 3(e)), or when a decision to treat ended a
    period of active monitoring (Rule 3(d))."""

    start: dt.date
    started_by: EventKind
    stop: dt.date | None = None
    stopped_by: EventKind | None = None
    nullified: bool = False


class PathwayInvalid(ValueError):
    """Raised for a pathway that cannot have happened; ``problems`` are messages to show."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class _State(StrEnum):
    RUNNING = "running"
    NULLIFIED = "nullified"
    MONITORING = "monitoring"
    STOPPED = "stopped"


def _walk(pathway: Pathway) -> tuple[list[Clock], list[str]]:
    """The pathway's clocks, in order, and what is wrong with its events."""
    problems: list[str] = []
    events = pathway.sorted_events()
    referrals = [e for e in events if e.kind is EventKind.REFERRAL_RECEIVED]
    if not referrals:
        return [], ["Enter the date the referral was received: it starts the clock (Rule 1)"]
    referral = referrals[0]
    for extra in referrals[1:]:
        problems.append(
            f"A second referral on {_long(extra.on)}: a new referral starts a new pathway "
            "(Rule 3(c))"
        )
    for event in events:
        if event.on < referral.on:
            problems.append(
                f"{event.kind.label} on {_long(event.on)} is before the referral was received "
                f"on {_long(referral.on)}"
            )

    clocks: list[Clock] = []
    start, started_by = referral.on, EventKind.REFERRAL_RECEIVED
    state = _State.RUNNING
    attended = False  # whether the current clock has had its first appointment
    ended_on, ended_by = referral.on, EventKind.REFERRAL_RECEIVED
    for event in events:
        if event is referral or event.on < referral.on or event.kind is EventKind.REFERRAL_RECEIVED:
            continue
        kind = event.kind
        if state is _State.RUNNING:
            if kind is EventKind.APPOINTMENT_ATTENDED:
                attended = True
            elif kind is EventKind.DID_NOT_ATTEND and not attended and event.clearly_communicated:
                clocks.append(Clock(start, started_by, event.on, kind, nullified=True))
                state, ended_on, ended_by = _State.NULLIFIED, event.on, kind
            elif kind is EventKind.DECISION_TO_TREAT:
                problems.append(
                    f"{kind.label} on {_long(event.on)}: a decision to treat starts a new clock "
                    "only after a period of active monitoring (Rule 3(d))"
                )
            elif kind in STOP_EVENTS:
                clocks.append(Clock(start, started_by, event.on, kind))
                state = _State.MONITORING if kind is EventKind.ACTIVE_MONITORING else _State.STOPPED
                ended_on, ended_by = event.on, kind
        elif state is _State.NULLIFIED:
            if kind is EventKind.REBOOKED:
                start, started_by, attended = event.on, kind, False
                state = _State.RUNNING
            elif kind in _CLOSING_EVENTS:
                state, ended_on, ended_by = _State.STOPPED, event.on, kind
            else:
                problems.append(
                    f"{kind.label} on {_long(event.on)}: the clock stopped and was nullified when "
                    f"the first appointment was missed on {_long(ended_on)}; record the "
                    "rebooking first (Rule 3(e))"
                )
        elif state is _State.MONITORING:
            if kind is EventKind.DECISION_TO_TREAT:
                # the family has been seen, so a later missed appointment is not a first one
                start, started_by, attended = event.on, kind, True
                state = _State.RUNNING
            elif kind in _CLOSING_EVENTS:
                state, ended_on, ended_by = _State.STOPPED, event.on, kind
            elif kind not in _MONITORING_EVENTS:
                problems.append(
                    f"{kind.label} on {_long(event.on)} is during active monitoring, which "
                    f"began on {_long(ended_on)}; record the decision to treat first (Rule 3(d))"
                )
        else:
            problems.append(
                f"{kind.label} on {_long(event.on)} is after the clock stopped on "
                f"{_long(ended_on)} ({_lower_first(ended_by.label)}); a new referral starts a new "
                "pathway"
            )
    if state is _State.RUNNING:
        clocks.append(Clock(start, started_by))
    return clocks, problems


def _pause_problems(pathway: Pathway, clocks: Sequence[Clock], referral: dt.date) -> list[str]:
    problems: list[str] = []
    for pause in pathway.pauses:
        label = f"The pause starting on {_long(pause.start)}"
        if pause.end is not None and pause.end < pause.start:
            problems.append(f"{label} ends on {_long(pause.end)}, before it begins")
            continue
        if pause.start < referral:
            problems.append(f"{label} begins before the referral was received on {_long(referral)}")
            continue
        clock = next(
            (
                c
                for c in clocks
                if c.start <= pause.start and (c.stop is None or pause.start < c.stop)
            ),
            None,
        )
        if clock is None:
            last_stop = max((c.stop for c in clocks if c.stop is not None), default=None)
            if (
                last_stop is not None
                and pause.start >= last_stop
                and all(c.stop is not None for c in clocks)
            ):
                problems.append(f"{label} begins after the clock stopped on {_long(last_stop)}")
            else:
                problems.append(f"{label} begins while no clock was running")
        elif clock.stop is not None and (pause.end is None or pause.end > clock.stop):
            problems.append(
                f"{label} is still going when the clock stopped on {_long(clock.stop)}: "
                "enter the day it ended"
            )
    ordered = sorted(
        (p for p in pathway.pauses if p.end is None or p.end >= p.start), key=lambda p: p.start
    )
    for earlier, later in itertools.combinations(ordered, 2):
        if earlier.end is None or later.start < earlier.end:
            problems.append(
                f"The pauses starting on {_long(earlier.start)} and {_long(later.start)} overlap"
            )
    return problems


def pathway_problems(pathway: Pathway, *, today: dt.date) -> list[str]:
    """What makes a pathway impossible, as messages; ``[]`` if it could have happened.

    Refused: no referral, or a second one (a new referral is a new pathway, Rule 3(c)); any event
    before the referral (a stop before the start); an event or pause dated after ``today``; a
    pause that ends before it begins, begins before the referral, while no clock runs or after
    the clock stopped, or is still going when it stopped; overlapping pauses; a decision to treat
    without active monitoring; and any event after the clock stopped, except that a rebooking
    after a nullifying missed first appointment starts a new clock (Rule 3(e)), a decision to
    treat ends active monitoring with a new clock (Rule 3(d)), appointments go on during active
    monitoring, and a discharge or referral back may close a pathway whose clock is not running.
    """
    clocks, problems = _walk(pathway)
    for event in pathway.sorted_events():
        if event.on > today:
            problems.append(f"{event.kind.label} on {_long(event.on)} is in the future")
    for pause in pathway.pauses:
        for day in (pause.start, pause.end):
            if day is not None and day > today:
                problems.append(
                    f"The pause starting on {_long(pause.start)} has a date in the future"
                )
                break
    referral = pathway.referral()
    if referral is not None:
        problems.extend(_pause_problems(pathway, clocks, referral.on))
    return problems


def clocks(pathway: Pathway) -> tuple[Clock, ...]:
    """Every clock of a valid pathway, in order (raises ``PathwayInvalid`` otherwise)."""
    found, problems = _walk(pathway)
    referral = pathway.referral()
    if referral is not None:
        problems.extend(_pause_problems(pathway, found, referral.on))
    if problems:
        raise PathwayInvalid(problems)
    return tuple(found)


# --- Week bands --------------------------------------------------------------------------------


class WeekBand(StrEnum):
    """The community services reporting bands. A band includes its upper bound: exactly 18
    weeks (126 days) is in 12–18, as the national figure counts it within 18 weeks."""

    UP_TO_1 = "0-1"
    UP_TO_2 = "1-2"
    UP_TO_4 = "2-4"
    UP_TO_12 = "4-12"
    UP_TO_18 = "12-18"
    UP_TO_52 = "18-52"
    OVER_52 = "52+"

    @property
    def label(self) -> str:
        return (
            "Over 52 weeks" if self is WeekBand.OVER_52 else f"{self.value.replace('-', '–')} weeks"
        )


_BAND_LIMITS: tuple[tuple[int, WeekBand], ...] = (
    (7, WeekBand.UP_TO_1),
    (14, WeekBand.UP_TO_2),
    (28, WeekBand.UP_TO_4),
    (84, WeekBand.UP_TO_12),
    (STANDARD_DAYS, WeekBand.UP_TO_18),
    (364, WeekBand.UP_TO_52),
)


def week_band(days: int) -> WeekBand:
    """The reporting band of a wait of ``days`` days (upper bounds inclusive)."""
    if days < 0:
        raise ValueError("A wait cannot be negative")
    for limit, band in _BAND_LIMITS:
        if days <= limit:
            return band
    return WeekBand.OVER_52


def within_standard(days: int) -> bool:
    """Whether a wait is within 18 weeks: no more than 126 days (NHS Constitution)."""
    return days <= STANDARD_DAYS


# --- The clock on a date -----------------------------------------------------------------------


class Measure(StrEnum):
    """How patient-initiated delays count.

    ``UNADJUSTED`` is the national RTT rule: since 1 October 2015 no patient pause stops the
    clock, so recorded delays are shown but never deducted. ``ADJUSTED`` is a local measure an
    area may adopt for a community pathway outside the national RTT collection: recorded patient
    pauses are deducted from the wait.
    """

    UNADJUSTED = "unadjusted"
    ADJUSTED = "adjusted"


class ClockStatus(StrEnum):
    NOT_STARTED = "not_started"  # the referral had not been received on that date
    RUNNING = "running"
    PAUSED = "paused"  # only under the adjusted measure
    STOPPED = "stopped"
    NULLIFIED = "nullified"  # a missed first appointment; off the list until rebooked


@dataclass(frozen=True)
class ClockState:
    """A pathway's clock at the end of a day. ``waited_days`` is the current clock's wait (for
    a stopped clock, the completed wait; for a nullified one, the wait until it was
    nullified), less paused days under the adjusted measure."""

    on: dt.date
    status: ClockStatus
    clock_start: dt.date | None = None
    stopped_on: dt.date | None = None
    stopped_by: EventKind | None = None
    waited_days: int = 0
    paused_days: int = 0
    patient_paused: bool = False
    nullified_clocks: int = 0

    @property
    def is_running(self) -> bool:
        return self.status is ClockStatus.RUNNING

    @property
    def on_waiting_list(self) -> bool:
        """An incomplete pathway: counted in the list size (a paused clock still waits)."""
        return self.status in (ClockStatus.RUNNING, ClockStatus.PAUSED)

    @property
    def waited_weeks(self) -> int:
        """Whole weeks waited."""
        return self.waited_days // 7

    @property
    def band(self) -> WeekBand:
        return week_band(self.waited_days)

    @property
    def within_18_weeks(self) -> bool:
        return within_standard(self.waited_days)


def clock_state(
    pathway: Pathway, *, on: dt.date, measure: Measure = Measure.UNADJUSTED
) -> ClockState:
    """The pathway's clock at the end of ``on``, from what had happened by then.

    Raises ``PathwayInvalid`` if the pathway, as it stood on that day, is impossible. Under the
    national rules a patient pause does not stop the clock (``patient_paused`` still says one is
    open); under ``Measure.ADJUSTED`` the clock is ``PAUSED`` and paused days are deducted.
    """
    referral = pathway.referral()
    if referral is not None and referral.on > on:
        return ClockState(on=on, status=ClockStatus.NOT_STARTED)
    as_at = pathway.as_at(on)
    problems = pathway_problems(as_at, today=on)
    if problems:
        raise PathwayInvalid(problems)
    found = clocks(as_at)
    nullified = sum(1 for c in found if c.nullified)
    clock = found[-1]
    end = clock.stop if clock.stop is not None else on
    paused = sum(p.days_within(clock.start, end) for p in as_at.pauses)
    open_pause = clock.stop is None and any(
        p.start <= on and (p.end is None or p.end > on) for p in as_at.pauses
    )
    waited = (end - clock.start).days
    if measure is Measure.ADJUSTED:
        waited -= paused
    if clock.nullified:
        status = ClockStatus.NULLIFIED
    elif clock.stop is not None:
        status = ClockStatus.STOPPED
    elif open_pause and measure is Measure.ADJUSTED:
        status = ClockStatus.PAUSED
    else:
        status = ClockStatus.RUNNING
    return ClockState(
        on=on,
        status=status,
        clock_start=clock.start,
        stopped_on=clock.stop,
        stopped_by=clock.stopped_by,
        waited_days=waited,
        paused_days=paused,
        patient_paused=open_pause,
        nullified_clocks=nullified,
    )


# --- Triage ------------------------------------------------------------------------------------


class TriageStatus(StrEnum):
    MET = "met"  # triaged within the standard
    LATE = "late"  # triaged, but after the due date
    DUE = "due"  # not yet triaged, still in time
    OVERDUE = "overdue"  # not triaged and past the due date
    NOT_TRIAGED = "not_triaged"  # the pathway ended before any triage


@dataclass(frozen=True)
class Triage:
    status: TriageStatus
    due: dt.date
    triaged_on: dt.date | None = None
    working_days_taken: int | None = None


def triage_due(
    received: dt.date,
    *,
    holidays: Collection[dt.date] = frozenset(),
    working_days: int = TRIAGE_WORKING_DAYS,
) -> dt.date:
    """The last day for triage: ``working_days`` working days after the referral was received
    (the day of receipt is not counted; weekends and the given bank holidays are skipped, so
    pass ``bank_holidays.around(received)`` for England)."""
    return add_working_days(received, working_days, holidays)


def triage(
    pathway: Pathway,
    *,
    on: dt.date,
    holidays: Collection[dt.date] = frozenset(),
    working_days: int = TRIAGE_WORKING_DAYS,
) -> Triage:
    """Whether the pathway met the triage standard, as it stood at the end of ``on``."""
    as_at = pathway.as_at(on)
    referral = as_at.referral()
    if referral is None:
        raise PathwayInvalid(["Enter the date the referral was received"])
    due = triage_due(referral.on, holidays=holidays, working_days=working_days)
    triaged_on = min((e.on for e in as_at.events if e.kind is EventKind.TRIAGED), default=None)
    if triaged_on is not None:
        taken = working_days_between(referral.on, triaged_on, holidays)
        status = TriageStatus.MET if triaged_on <= due else TriageStatus.LATE
        return Triage(status, due, triaged_on, taken)
    if any(e.kind in STOP_EVENTS or e.kind is EventKind.DID_NOT_ATTEND for e in as_at.events):
        ended = clock_state(as_at, on=on)
        if not ended.on_waiting_list:
            return Triage(TriageStatus.NOT_TRIAGED, due)
    return Triage(TriageStatus.DUE if on <= due else TriageStatus.OVERDUE, due)


# --- Many pathways -----------------------------------------------------------------------------


def _median(values: Sequence[int]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


@dataclass(frozen=True)
class ListSummary:
    """The waiting list (incomplete pathways) on a date, as a partnership board reads it."""

    size: int
    within_18_weeks: int
    median_days: Fraction | None
    longest_days: int | None
    by_band: tuple[tuple[WeekBand, int], ...]

    @property
    def over_18_weeks(self) -> int:
        return self.size - self.within_18_weeks

    @property
    def share_within_18_weeks(self) -> Fraction | None:
        """``None`` for an empty list (there is no share of nobody)."""
        return Fraction(self.within_18_weeks, self.size) if self.size else None

    @property
    def meets_standard(self) -> bool:
        """At least 92% within 18 weeks; an empty list meets it, as nobody waits too long."""
        share = self.share_within_18_weeks
        return share is None or share >= STANDARD_SHARE

    @property
    def median_weeks(self) -> Fraction | None:
        return None if self.median_days is None else self.median_days / 7

    @property
    def longest_weeks(self) -> int | None:
        return None if self.longest_days is None else self.longest_days // 7


def summarise(states: Iterable[ClockState]) -> ListSummary:
    """Size, share within 18 weeks, median and longest waits, and counts by week band, of the
    clocks on the waiting list (running or paused); stopped, nullified and not-yet-started
    clocks are left out, as the incomplete-pathway figure leaves them out."""
    waits = [s.waited_days for s in states if s.on_waiting_list]
    counts = dict.fromkeys(WeekBand, 0)
    for days in waits:
        counts[week_band(days)] += 1
    return ListSummary(
        size=len(waits),
        within_18_weeks=sum(1 for days in waits if within_standard(days)),
        median_days=_median(waits),
        longest_days=max(waits, default=None),
        by_band=tuple(counts.items()),
    )


def waiting_list(
    pathways: Iterable[Pathway], *, on: dt.date, measure: Measure = Measure.UNADJUSTED
) -> ListSummary:
    """``summarise`` of every pathway's clock at the end of ``on``."""
    return summarise(clock_state(p, on=on, measure=measure) for p in pathways)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months: list[dt.date] = []
    month = _month(first)
    while month <= _month(last):
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class MonthFlow:
    """One calendar month (``month`` is its first day): referrals received (demand), clocks
    started (referrals, rebookings after a nullified clock, decisions to treat after active
    monitoring) and clocks stopped or nullified (what left the list)."""

    month: dt.date
    referrals: int = 0
    clock_starts: int = 0
    clock_stops: int = 0


def monthly_flows(
    pathways: Iterable[Pathway], *, first: dt.date, last: dt.date
) -> tuple[MonthFlow, ...]:
    """Demand and clearances for every month from ``first``'s to ``last``'s, empty months
    included, from valid pathways (raises ``PathwayInvalid`` otherwise)."""
    months = _months(first, last)
    referrals = dict.fromkeys(months, 0)
    starts = dict.fromkeys(months, 0)
    stops = dict.fromkeys(months, 0)
    for pathway in pathways:
        for clock in clocks(pathway):
            if _month(clock.start) in starts:
                starts[_month(clock.start)] += 1
                if clock.started_by is EventKind.REFERRAL_RECEIVED:
                    referrals[_month(clock.start)] += 1
            if clock.stop is not None and _month(clock.stop) in stops:
                stops[_month(clock.stop)] += 1
    return tuple(MonthFlow(m, referrals[m], starts[m], stops[m]) for m in months)


def demand_by_month(
    pathways: Iterable[Pathway], *, first: dt.date, last: dt.date
) -> tuple[tuple[dt.date, int], ...]:
    """Referrals received in each month from ``first``'s to ``last``'s (first day of month)."""
    return tuple(
        (flow.month, flow.referrals) for flow in monthly_flows(pathways, first=first, last=last)
    )
