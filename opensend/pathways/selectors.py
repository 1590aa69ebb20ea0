"""Reads of pathways: the pathways a user may see, one fetched and authorised, and the figures
of a pathway on a date.

SQL picks the referrals that matter (received by the date and not stopped before the window
of months the figures cover) and counts triage; ``rules.py`` works out each clock, and
``forecast.py`` the forecast. Figures for commissioners have small numbers suppressed
(``opensend.core.disclosure``); the provider's own staff see them exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Q, QuerySet
from django.http import Http404

from opensend.core import bank_holidays
from opensend.core.calendar import add_months
from opensend.core.disclosure import SUPPRESSED, is_small, suppress, suppress_table
from opensend.core.models import User
from opensend.pathways import access, forecast, rules
from opensend.pathways.models import Pathway, Referral

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


def _referrals(pathway: Pathway, *, on: dt.date, since: dt.date) -> list[Referral]:
    return list(
        Referral.objects.filter(pathway=pathway, received_on__lte=on)
        .filter(Q(stopped_on__isnull=True) | Q(stopped_on__gte=since))
        .prefetch_related("events", "pauses")
    )


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
    forecast: ForecastFigures | None
    invalid: int  # referrals whose recorded events cannot have happened (left out)

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
    standard for referrals received in those months, and the forecast."""
    first_month = add_months(on.replace(day=1), -(DEMAND_MONTHS - 1))
    referrals = _referrals(pathway, on=on, since=first_month)
    measure = pathway.rules_measure
    states: list[rules.ClockState] = []
    valid: list[rules.Pathway] = []
    invalid = 0
    for referral in referrals:
        as_rules = referral.as_rules()
        try:
            states.append(rules.clock_state(as_rules, on=on, measure=measure))
            rules.clocks(as_rules.as_at(on))
        except rules.PathwayInvalid:
            invalid += 1
            continue
        valid.append(as_rules.as_at(on))
    summary = rules.summarise(states)
    limit = pathway.standard_weeks * 7
    within = sum(1 for s in states if s.on_waiting_list and s.waited_days <= limit)
    flows = rules.monthly_flows(valid, first=first_month, last=on)
    holidays = bank_holidays.around(on)
    due_by = [
        r
        for r in valid
        if (ref := r.referral()) is not None
        and ref.on >= first_month
        and rules.triage_due(ref.on, holidays=holidays, working_days=pathway.triage_working_days)
        <= on
    ]
    met = sum(
        1
        for r in due_by
        if rules.triage(
            r, on=on, holidays=holidays, working_days=pathway.triage_working_days
        ).status
        is rules.TriageStatus.MET
    )
    return PathwayFigures(
        pathway=pathway,
        on=on,
        summary=summary,
        within_standard=within,
        flows=flows,
        triage=TriageFigures(len(due_by), met),
        forecast=_forecast(states, flows, on=on, target=target),
        invalid=invalid,
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
