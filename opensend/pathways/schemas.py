"""The shapes of the pathways API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from opensend.pathways.models import Pathway, ProviderReturn
from opensend.pathways.selectors import Headline, PathwayFigures, Shown


class ProviderOut(Schema):
    id: int
    name: str


class BandOut(Schema):
    band: str = Field(description="0-1, 1-2, 2-4, 4-12, 12-18, 18-52 or 52+ weeks")
    label: str
    waiting: Shown


class MonthOut(Schema):
    month: dt.date = Field(description="The first day of the month")
    referrals: Shown
    clock_stops: Shown


class ForecastOut(Schema):
    referrals_a_month: float
    clock_stops_a_month: float
    rates_from: dt.date
    rates_to: dt.date
    standard_met_by: dt.date | None = Field(
        description="The month-end the list meets 92% within 18 weeks at current capacity; "
        "null: not at current capacity"
    )
    target: dt.date
    clock_stops_a_month_needed_by_target: int


class FiguresOut(Schema):
    on: dt.date
    suppressed: bool = Field(description="Small numbers (1 to 5) shown as [c]")
    waiting: Shown
    within_standard: Shown
    share_within_standard: str
    median_wait: str
    longest_wait: str
    meets_standard: bool | None
    bands: list[BandOut]
    demand_by_month: list[MonthOut]
    triage_due: Shown
    triage_within_standard: Shown
    triage_share: str
    forecast: ForecastOut | None = None


class PathwayOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    area: str = Field(description="The LA code of the area")
    provider: ProviderOut
    standard_weeks: int
    standard_percent: int
    triage_working_days: int
    measure: str
    figures: FiguresOut


class ReturnRowIn(Schema):
    """One referral; dates as 2026-03-31 (or 31/03/2026)."""

    provider_referral_id: str
    nhs_number: str
    date_of_birth: str
    received: str
    source: str | None = None
    triaged: str | None = None
    first_appointment: str | None = None
    clock_stop_date: str | None = None
    clock_stop_reason: str | None = None
    pause_start: str | None = None
    pause_end: str | None = None


class ReturnIn(Schema):
    rows: list[ReturnRowIn] = Field(min_length=1)


class ReturnOut(Schema):
    id: int
    status: str
    rows: int
    created: int
    updated: int


def figures_out(figures: PathwayFigures, shown: Headline) -> FiguresOut:
    projection = figures.forecast
    return FiguresOut(
        on=figures.on,
        suppressed=shown.suppressed,
        waiting=shown.size,
        within_standard=shown.within,
        share_within_standard=shown.share_percent,
        median_wait=shown.median_weeks,
        longest_wait=shown.longest_weeks,
        meets_standard=shown.meets_standard,
        bands=[BandOut(band=b.value, label=b.label, waiting=n) for b, n in shown.bands],
        demand_by_month=[MonthOut(month=m, referrals=r, clock_stops=s) for m, r, s in shown.months],
        triage_due=shown.triage_received,
        triage_within_standard=shown.triage_met,
        triage_share=shown.triage_percent,
        forecast=None
        if projection is None or (shown.suppressed and shown.meets_standard is None)
        else ForecastOut(
            referrals_a_month=float(projection.arrivals),
            clock_stops_a_month=float(projection.clearances),
            rates_from=projection.rate_from,
            rates_to=projection.rate_to,
            standard_met_by=projection.met.month_end if projection.met else None,
            target=projection.target,
            clock_stops_a_month_needed_by_target=projection.capacity_needed,
        ),
    )


def pathway_out(pathway: Pathway, figures: FiguresOut) -> PathwayOut:
    return PathwayOut(
        id=pathway.pk,
        name=pathway.name,
        kind=pathway.kind,
        kind_label=pathway.get_kind_display(),
        area=pathway.area.la_code,
        provider=ProviderOut(id=pathway.provider_id, name=pathway.provider.name),
        standard_weeks=pathway.standard_weeks,
        standard_percent=pathway.standard_percent,
        triage_working_days=pathway.triage_working_days,
        measure=pathway.measure,
        figures=figures,
    )


def return_out(record: ProviderReturn) -> ReturnOut:
    return ReturnOut(
        id=record.pk,
        status=record.status,
        rows=record.rows,
        created=record.created,
        updated=record.updated,
    )
