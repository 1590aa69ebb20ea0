"""Reads of pathways: the pathways a user may see, one fetched and authorised, and the figures
of a pathway on a date.

SQL picks the referrals that matter (received by the date and not stopped before the window
of months the figures cover), read as plain rows (three queries, however many referrals);
``rules.py`` works out each clock, and ``forecast.py`` the forecast, which is worked out only
when something reads it (the pathway page and the API do; the dashboard and the gap analysis,
which show the headline figures of every pathway, do not). Figures for commissioners have
small numbers suppressed (``opensend.core.disclosure``); the provider's own staff see them
exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from django.db.models import Q, QuerySet
from django.http import Http404

from opensend.core import bank_holidays
from opensend.core.calendar import add_months
from opensend.core.disclosure import SUPPRESSED, is_small, suppress, suppress_table
from opensend.core.models import User
from opensend.pathways import access, forecast, rules
from opensend.pathways.models import Pathway, Referral, ReferralEvent, ReferralPause
from opensend.pathways.rules import MonthFlow

#: Months of demand the pathway page shows, the month of the date included.
DEMAND_MONTHS = 12
#: Complete months whose average referrals and clock stops drive the forecast.
RATE_MONTHS = 6


def pathway_list(*, fetched_by: User) -> QuerySet[Pathway]:
    return access.visible_pathways(fetched_by).select_related("area", "provider")


def pathway_get_for_user(*, fetched_by: User, pathway_id: int) -> Pathway:
    """The pathway, or 404 for one the user may not see (not telling them it exists)."""
    pathway = pathway_list(fetched_by=fetched_by).filter(pk=pathway_id).first()
    if pathway is None:
        raise Http404("No such pathway")
    return pathway


_EVENT_KINDS = {kind.value: kind for kind in rules.EventKind}
_RECEIVED = rules.EventKind.REFERRAL_RECEIVED.value
_TRIAGED = rules.EventKind.TRIAGED.value

#: A referral's events as read from the database: (kind, date, clearly communicated), in the
#: order ``Referral.as_rules`` gives them; and its pauses: (start, end).
EventRow = tuple[str, dt.date, bool]
PauseRow = tuple[dt.date, dt.date | None]


@dataclass(frozen=True)
class ReferralRows:
    """A referral's events and pauses, as read from the database."""

    events: tuple[EventRow, ...]
    pauses: tuple[PauseRow, ...]

    def as_rules(self) -> rules.Pathway:
        """The same as ``Referral.as_rules``."""
        return rules.Pathway(
            events=tuple(
                rules.Event(_EVENT_KINDS[kind], on, clear) for kind, on, clear in self.events
            ),
            pauses=tuple(rules.Pause(start, end) for start, end in self.pauses),
        )

    def waiting_since(self, on: dt.date) -> tuple[dt.date, dt.date | None] | None:
        """For a referral that, as it stood at the end of ``on``, had only been received (once)
        and perhaps triaged (not before it was received), with no pause begun: the day it was
        received and the day it was first triaged. ``None`` for any other referral.

        Such a referral is valid and has one clock, started by the referral and running on
        ``on``, whatever the measure: ``rules.clock_state`` gives it a wait of ``on`` less the
        day received, ``rules.monthly_flows`` one referral and one clock start in the month
        received, and ``rules.triage`` "met" when it was triaged by its due date. Most
        referrals on a long waiting list are like this: ``pathway_figures`` counts them so,
        and works every other referral out with ``rules.py``."""
        if any(start <= on for start, _ in self.pauses):
            return None
        received: dt.date | None = None
        triaged: dt.date | None = None
        for kind, day, _ in self.events:
            if day > on:
                continue
            if kind == _RECEIVED:
                if received is not None:
                    return None
                received = day
            elif kind == _TRIAGED:
                triaged = day if triaged is None else min(triaged, day)
            else:
                return None
        if received is None or (triaged is not None and triaged < received):
            return None
        return received, triaged


def referral_rows(pathway: Pathway, *, on: dt.date, since: dt.date) -> list[ReferralRows]:
    """The referrals that matter on ``on`` (received by then, and not stopped before
    ``since``), in the referrals' order, with their events and pauses as plain rows: three
    queries, however many referrals, and no model instances."""
    chosen = Referral.objects.filter(pathway=pathway, received_on__lte=on).filter(
        Q(stopped_on__isnull=True) | Q(stopped_on__gte=since)
    )
    ids = list(chosen.values_list("pk", flat=True))
    events: defaultdict[int, list[EventRow]] = defaultdict(list)
    rows = (
        ReferralEvent.objects.filter(referral__in=chosen.values("pk"))
        .order_by("referral_id", "on", "pk")
        .values_list("referral_id", "kind", "on", "clearly_communicated")
    )
    for referral_id, kind, day, clearly in rows:
        events[referral_id].append((kind, day, clearly))
    pauses: defaultdict[int, list[PauseRow]] = defaultdict(list)
    pause_rows = (
        ReferralPause.objects.filter(referral__in=chosen.values("pk"))
        .order_by("referral_id", "start", "pk")
        .values_list("referral_id", "start", "end")
    )
    for referral_id, start, end in pause_rows:
        pauses[referral_id].append((start, end))
    return [
        ReferralRows(events=tuple(events.get(pk, ())), pauses=tuple(pauses.get(pk, ())))
        for pk in ids
    ]


@dataclass(frozen=True)
class TriageFigures:
    received: int  # referrals received in the window, whose triage was due by the date
    met: int  # triaged within the standard

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.met, self.received) if self.received else None


@dataclass(frozen=True)
class ForecastFigures:
    arrivals: Fraction  # mean referrals a month
    clearances: Fraction  # mean clock stops a month
    rate_from: dt.date
    rate_to: dt.date  # the months the rates are averaged over (first days)
    met: forecast.MonthForecast | None
    target: dt.date
    capacity_needed: int
    projection: tuple[forecast.MonthForecast, ...]


@dataclass(frozen=True)
class PathwayFigures:
    pathway: Pathway
    on: dt.date
    summary: rules.ListSummary
    within_standard: int  # waiting no longer than the pathway's standard
    flows: tuple[rules.MonthFlow, ...]
    triage: TriageFigures
    invalid: int  # referrals whose recorded events cannot have happened (left out)
    target: dt.date | None = None  # the month the forecast is asked for (a year on if None)
    states: tuple[rules.ClockState, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def forecast(self) -> ForecastFigures | None:
        """The forecast, worked out when first read (month by month over the clocks on the
        list: the costliest figure, and only the pathway's own page and the API show it)."""
        return _forecast(list(self.states), self.flows, on=self.on, target=self.target)

    @property
    def share_within_standard(self) -> Fraction | None:
        size = self.summary.size
        return Fraction(self.within_standard, size) if size else None

    @property
    def meets_standard(self) -> bool:
        share = self.share_within_standard
        return share is None or share * 100 >= self.pathway.standard_percent


def pathway_figures(
    pathway: Pathway, *, on: dt.date, target: dt.date | None = None
) -> PathwayFigures:
    """The waiting list on ``on``, demand by month for the 12 months to it, triage within the
    standard for referrals received in those months, and the forecast (when read).

    A referral only received and perhaps triaged by ``on`` is counted from those two dates
    (``ReferralRows.waiting_since``); every other one goes through ``rules.py``: the same
    figures as working every referral out with ``rules.py``, in a fraction of the time."""
    first_month = add_months(on.replace(day=1), -(DEMAND_MONTHS - 1))
    measure = pathway.rules_measure
    holidays = bank_holidays.around(on)
    working_days = pathway.triage_working_days
    due_on: dict[dt.date, dt.date] = {}

    def due(received: dt.date) -> dt.date:
        if received not in due_on:
            due_on[received] = rules.triage_due(
                received, holidays=holidays, working_days=working_days
            )
        return due_on[received]

    states: list[rules.ClockState] = []
    valid: list[rules.Pathway] = []
    invalid = 0
    waiting_referrals: Counter[dt.date] = Counter()  # month received -> referrals only waiting
    triage_due_count = triage_met = 0
    for rows in referral_rows(pathway, on=on, since=first_month):
        waiting = rows.waiting_since(on)
        if waiting is not None:
            received, triaged = waiting
            states.append(
                rules.ClockState(
                    on=on,
                    status=rules.ClockStatus.RUNNING,
                    clock_start=received,
                    waited_days=(on - received).days,
                )
            )
            waiting_referrals[received.replace(day=1)] += 1
            if received >= first_month and due(received) <= on:
                triage_due_count += 1
                triage_met += triaged is not None and triaged <= due(received)
            continue
        as_rules = rows.as_rules()
        as_at = as_rules.as_at(on)
        try:
            state = rules.clock_state(as_rules, on=on, measure=measure)
            states.append(state)
            if state.status is rules.ClockStatus.NOT_STARTED:
                # Otherwise ``clock_state`` has already checked every problem ``clocks`` would
                # find; a referral received after ``on`` has no clock on it: left out.
                rules.clocks(as_at)
        except rules.PathwayInvalid:
            invalid += 1
            continue
        valid.append(as_at)
    summary = rules.summarise(states)
    limit = pathway.standard_weeks * 7
    within = sum(1 for s in states if s.on_waiting_list and s.waited_days <= limit)
    flows = tuple(
        MonthFlow(
            flow.month,
            flow.referrals + waiting_referrals[flow.month],
            flow.clock_starts + waiting_referrals[flow.month],
            flow.clock_stops,
        )
        for flow in rules.monthly_flows(valid, first=first_month, last=on)
    )
    for r in valid:
        ref = r.referral()
        if ref is None or ref.on < first_month or due(ref.on) > on:
            continue
        triage_due_count += 1
        triage_met += (
            rules.triage(r, on=on, holidays=holidays, working_days=working_days).status
            is rules.TriageStatus.MET
        )
    return PathwayFigures(
        pathway=pathway,
        on=on,
        summary=summary,
        within_standard=within,
        flows=flows,
        triage=TriageFigures(triage_due_count, triage_met),
        invalid=invalid,
        target=target,
        states=tuple(states),
    )


def default_target(on: dt.date) -> dt.date:
    """A year on: the end of the same month next year."""
    return add_months(on.replace(day=1), 12)


def _forecast(
    states: list[rules.ClockState],
    flows: tuple[rules.MonthFlow, ...],
    *,
    on: dt.date,
    target: dt.date | None,
) -> ForecastFigures | None:
    complete = [f for f in flows if f.month < on.replace(day=1)][-RATE_MONTHS:]
    if not complete:
        return None
    arrivals = forecast.mean_per_month([f.referrals for f in complete])
    clearances = forecast.mean_per_month([f.clock_stops for f in complete])
    queue = forecast.queue_from_states(states)
    chosen = target if target is not None and target > on else default_target(on)
    if forecast.months_until(on, chosen) < 1:
        chosen = default_target(on)
    return ForecastFigures(
        arrivals=arrivals,
        clearances=clearances,
        rate_from=complete[0].month,
        rate_to=complete[-1].month,
        met=forecast.month_standard_met(queue, start=on, arrivals=arrivals, clearances=clearances),
        target=chosen,
        capacity_needed=forecast.capacity_needed_by(
            queue, start=on, target=chosen, arrivals=arrivals
        ),
        projection=forecast.project(
            queue,
            start=on,
            arrivals=arrivals,
            clearances=clearances,
            months=forecast.months_until(on, chosen),
        ),
    )


# Showing figures -----------------------------------------------------------------------------


Shown = int | str


@dataclass(frozen=True)
class Headline:
    """The figures as a user may see them: exact, or with small numbers suppressed."""

    size: Shown
    within: Shown
    share_percent: str
    median_weeks: str
    longest_weeks: str
    meets_standard: bool | None  # None when suppressed
    bands: tuple[tuple[rules.WeekBand, Shown], ...]
    months: tuple[tuple[dt.date, Shown, Shown], ...]  # month, referrals, clock stops
    triage_received: Shown
    triage_met: Shown
    triage_percent: str
    suppressed: bool


def percent(value: Fraction | None) -> str:
    if value is None:
        return "No one waiting"
    return f"{float(value * 100):.1f}%"


def weeks(days: Fraction | int | None) -> str:
    if days is None:
        return "No one waiting"
    whole = Fraction(days) / 7
    return f"{float(whole):.1f} weeks"


def _bands(summary: rules.ListSummary, *, exact: bool) -> tuple[tuple[rules.WeekBand, Shown], ...]:
    """The week bands; suppressed with the secondary suppression of ``suppress_table``, as the
    list size (their total) is shown beside them."""
    if exact:
        return summary.by_band
    row = suppress_table({"list": {band.value: count for band, count in summary.by_band}})["list"]
    return tuple((band, row[band.value]) for band, _ in summary.by_band)


def headline(figures: PathwayFigures, *, exact: bool) -> Headline:
    """What a page, the API and the export show. Suppressed: every count from 1 to 5, and the
    share, median and longest wait of a list of 1 to 5 (each would identify a child's wait)."""
    summary = figures.summary

    def shown(count: int) -> Shown:
        return count if exact else suppress(count)

    small_list = not exact and is_small(summary.size)
    small_triage = not exact and is_small(figures.triage.received)
    return Headline(
        size=shown(summary.size),
        within=shown(figures.within_standard),
        share_percent=SUPPRESSED if small_list else percent(figures.share_within_standard),
        median_weeks=SUPPRESSED if small_list else weeks(summary.median_days),
        longest_weeks=SUPPRESSED if small_list else weeks(summary.longest_days),
        meets_standard=None if small_list else figures.meets_standard,
        bands=_bands(summary, exact=exact),
        months=tuple(
            (flow.month, shown(flow.referrals), shown(flow.clock_stops)) for flow in figures.flows
        ),
        triage_received=shown(figures.triage.received),
        triage_met=shown(figures.triage.met),
        triage_percent=(
            SUPPRESSED
            if small_triage
            else ("None due" if figures.triage.share is None else percent(figures.triage.share))
        ),
        suppressed=not exact,
    )
