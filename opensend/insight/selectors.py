"""Reads of the performance framework, shared by the pages, the dashboard, the API and the
exports. Selectors that take the user return only what ``permissions`` lets them see; an
indicator they may not see is not found (404), never a refusal that says it exists.

``indicator_status`` is an indicator's headline as on a day: its latest value (formatted, or
suppressed for a reader who may not see small numbers), RAG, direction of travel, and the
Making Data Count verdicts of its SPC chart; ``indicator_series`` is the chart itself with
every period of the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from opensend.core.models import Area, User
from opensend.insight import kpi, spc
from opensend.insight.models import (
    ClosedPeriod,
    Indicator,
    IndicatorValue,
    IndicatorValueRevision,
    KpiReturn,
)
from opensend.insight.permissions import Access, access_for

#: What a table shows for a period with no value.
NO_DATA = "No data"


def indicators_for(user: User, area: Area) -> QuerySet[Indicator]:
    """The indicators of ``area`` the user may see: officers every one, providers their
    contracts' active KPIs, board members and analysts the active ones."""
    access = access_for(user)
    if not access.sees_anything:
        return Indicator.objects.none()
    return (
        Indicator.objects.filter(access.indicators_q(), area=area)
        .select_related("area", "commission", "commission__provider", "pathway")
        .order_by("domain", "name", "pk")
    )


def visible_areas(user: User) -> QuerySet[Area]:
    """The areas where the user sees at least one indicator (or may define them)."""
    access = access_for(user)
    if not access.sees_anything:
        return Area.objects.none()
    with_indicators = Indicator.objects.filter(access.indicators_q()).values("area_id")
    return Area.objects.filter(
        Q(pk__in=with_indicators) | Q(pk__in=access.officer_area_ids)
    ).order_by("name")


def indicator_get_for_user(user: User, indicator_id: int) -> tuple[Indicator, Access]:
    """One indicator the user may see, with their access; anything else: 404."""
    access = access_for(user)
    indicator = (
        Indicator.objects.filter(access.indicators_q(), pk=indicator_id)
        .select_related("area", "commission", "commission__provider", "pathway")
        .first()
        if access.sees_anything
        else None
    )
    if indicator is None:
        raise Http404("No such indicator")
    return indicator, access


def sees_exact(user: User, indicator: Indicator) -> bool:
    return access_for(user).sees_exact(indicator)


# --- one period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A period's value as a table shows it to one reader."""

    text: str  # "92.5%", the suppression mark, or "No data"
    suppressed: bool
    reason: str  # why suppressed, or why there is no data ("" otherwise)


def shown(
    definition: kpi.KpiDefinition, row: IndicatorValue | None, *, exact: bool
) -> tuple[kpi.PeriodValue | None, Shown]:
    if row is None:
        return None, Shown(NO_DATA, False, "No value has been recorded for this period")
    value = row.period_value(definition)
    if not exact:
        hidden = kpi.suppression(definition, numerator=row.numerator, denominator=row.denominator)
        if hidden.suppressed:
            return value, Shown(hidden.mark, True, hidden.reason)
    if value.value is None:
        return value, Shown(NO_DATA, False, value.no_data_reason)
    return value, Shown(kpi.format_value(definition, value.value), False, "")


def figure_text(figure: object | None, *, suppressed: bool) -> str:
    """A numerator or denominator for a table: hidden with the value when it is suppressed."""
    if suppressed:
        return kpi.SUPPRESSED
    if figure is None:
        return ""
    text = f"{figure:f}" if hasattr(figure, "normalize") else str(figure)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --- the series and its chart --------------------------------------------------------------


@dataclass(frozen=True)
class SeriesPoint:
    period: kpi.Period
    row: IndicatorValue | None
    value: Fraction | None  # exact, whoever reads (the chart's own input)
    shown: Shown
    numerator: str
    denominator: str
    closed: ClosedPeriod | None

    @property
    def label(self) -> str:
        return self.period.label

    @property
    def has_data(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class IndicatorSeries:
    indicator: Indicator
    definition: kpi.KpiDefinition
    points: tuple[SeriesPoint, ...]  # every period of the window, oldest first
    chart: spc.Chart | None  # over the periods with data; None with fewer than 2
    chart_problems: tuple[str, ...]
    exact: bool

    @property
    def charted(self) -> tuple[SeriesPoint, ...]:
        """The points on the chart, in its order (``chart.points[i]`` is ``charted[i]``)."""
        return tuple(point for point in self.points if point.has_data)

    @property
    def placed(self) -> tuple[SeriesPoint, ...]:
        """The periods along the chart's axis: those charted and those suppressed for this
        reader (a gap where each suppressed one would be)."""
        return tuple(point for point in self.points if point.has_data or point.shown.suppressed)

    @property
    def latest(self) -> SeriesPoint | None:
        with_value = [point for point in self.points if point.row is not None]
        return with_value[-1] if with_value else None


def window(indicator: Indicator, *, on: dt.date, periods: int) -> tuple[kpi.Period, ...]:
    current = indicator.period_of(on)
    return (*kpi.previous_periods(current, max(periods - 1, 0)), current)


def indicator_series(
    indicator: Indicator, *, on: dt.date, periods: int = 24, exact: bool = True
) -> IndicatorSeries:
    """The indicator's last ``periods`` periods to the one ``on`` falls in, each with its
    value as the reader may see it, and the XmR chart of the periods with data."""
    definition = indicator.definition()
    span = window(indicator, on=on, periods=periods)
    rows = {
        row.period_start: row
        for row in IndicatorValue.objects.filter(
            indicator=indicator, period_start__gte=span[0].start, period_start__lte=span[-1].start
        )
    }
    closed = {
        row.period_start: row
        for row in ClosedPeriod.objects.filter(
            indicator=indicator, period_start__gte=span[0].start, period_start__lte=span[-1].start
        ).select_related("closed_by")
    }
    points: list[SeriesPoint] = []
    for period in span:
        row = rows.get(period.start)
        value, seen = shown(definition, row, exact=exact)
        points.append(
            SeriesPoint(
                period=period,
                row=row,
                # a suppressed value is not in the series at all, so that neither the chart
                # nor its mean and limits can give it away to the reader
                value=value.value if value is not None and not seen.suppressed else None,
                shown=seen,
                numerator=figure_text(row.numerator if row else None, suppressed=seen.suppressed),
                denominator=figure_text(
                    row.denominator if row else None, suppressed=seen.suppressed
                ),
                closed=closed.get(period.start),
            )
        )
    values = [point.value for point in points if point.value is not None]
    labels = [point.label for point in points if point.value is not None]
    problems = spc.xmr_problems(values, labels=labels)
    chart = None if problems else spc.xmr(values, polarity=definition.polarity, labels=labels)
    return IndicatorSeries(
        indicator=indicator,
        definition=definition,
        points=tuple(points),
        chart=chart,
        chart_problems=tuple(problems),
        exact=exact,
    )


# --- the headline --------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorStatus:
    indicator: Indicator
    latest: IndicatorValue | None
    latest_period_label: str
    shown_value: str  # formatted with kpi.format_value, or the suppression mark
    rag: kpi.RagResult | None
    variation: spc.Variation | None
    assurance: spc.Assurance | None
    travel: kpi.Travel | None
    concerning: bool  # red, or special cause of concern, or failing assurance
    reason: str  # why it is concerning, in words ("" if not)


CONCERNING_VARIATION = frozenset({spc.Variation.CONCERNING_HIGH, spc.Variation.CONCERNING_LOW})


def status_from_series(series: IndicatorSeries) -> IndicatorStatus:
    """The headline of an indicator from its series (see ``indicator_status``)."""
    indicator, definition = series.indicator, series.definition
    latest = series.latest
    variation = assurance = None
    if series.chart is not None:
        variation = series.chart.variation
        assurance = series.chart.assurance(definition.target)
    if latest is None:
        return IndicatorStatus(
            indicator=indicator,
            latest=None,
            latest_period_label="",
            shown_value=NO_DATA,
            rag=kpi.rag_status(definition, None),
            variation=variation,
            assurance=assurance,
            travel=None,
            concerning=False,
            reason="",
        )
    rag = (
        kpi.RagResult(kpi.RagStatus.NOT_RATED, latest.shown.reason)
        if latest.shown.suppressed
        else kpi.rag_status(definition, latest.value)
    )
    index = series.points.index(latest)
    previous = series.points[index - 1].value if index > 0 else None
    travel = kpi.direction_of_travel(definition.polarity, latest.value, previous)
    reasons: list[str] = []
    if rag.status is kpi.RagStatus.RED:
        reasons.append(f"Red: {rag.reason}")
    if variation in CONCERNING_VARIATION and variation is not None:
        reasons.append(variation.label)
    if assurance is spc.Assurance.CONSISTENTLY_FAILING:
        reasons.append(assurance.label)
    return IndicatorStatus(
        indicator=indicator,
        latest=latest.row,
        latest_period_label=latest.label,
        shown_value=latest.shown.text,
        rag=rag,
        variation=variation,
        assurance=assurance,
        travel=travel,
        concerning=bool(reasons),
        reason="; ".join(reasons),
    )


def indicator_status(
    indicator: Indicator, *, on: dt.date, exact: bool, periods: int = 24
) -> IndicatorStatus:
    """The indicator's headline as on ``on``: the latest period with a value in the last
    ``periods`` periods. ``exact=False`` suppresses small numbers (board members, the
    public); a suppressed value is not rated, so the rating cannot give it away."""
    return status_from_series(indicator_series(indicator, on=on, periods=periods, exact=exact))


# --- history -------------------------------------------------------------------------------


def value_history(indicator: Indicator) -> QuerySet[IndicatorValueRevision]:
    """Every correction of the indicator's values, newest first."""
    return (
        IndicatorValueRevision.objects.filter(value__indicator=indicator)
        .select_related("value", "supplied_by", "replaced_by")
        .order_by("-replaced_at", "-pk")
    )


def closed_periods(indicator: Indicator) -> QuerySet[ClosedPeriod]:
    return ClosedPeriod.objects.filter(indicator=indicator).select_related("closed_by")


def returns_for(user: User) -> QuerySet[KpiReturn]:
    """The KPI returns of the provider organisations the user works for."""
    access = access_for(user)
    return (
        KpiReturn.objects.filter(commission__provider_id__in=access.provider_organisation_ids)
        .select_related("commission", "uploaded_by")
        .prefetch_related(Prefetch("commission__indicators"))
    )
