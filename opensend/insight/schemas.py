"""The shapes of the performance API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from opensend.insight import kpi
from opensend.insight.models import Indicator, KpiReturn
from opensend.insight.selectors import IndicatorSeries, IndicatorStatus


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    area: str = Field(description="The area's DfE LA code")
    domain: str = Field(description="education, health, care or joint")
    numerator: str
    denominator: str | None = Field(description="null for a plain figure")
    unit: str
    polarity: str = Field(description="higher, lower or neither")
    frequency: str
    source: str = Field(description="computed, provider or manual")
    target: str | None = Field(description="The target, formatted; null: none")
    contract: str | None = Field(description="The reference of the contract it is written into")
    latest_period: str = Field(description="The latest period with a value; empty: none")
    shown_value: str = Field(description="Formatted, [c] when suppressed, or No data")
    rag: str | None = Field(description="red, amber, green, no_data or not_rated")
    rag_reason: str
    variation: str | None = Field(description="The Making Data Count variation verdict")
    assurance: str | None = Field(description="The Making Data Count assurance verdict")
    travel: str | None
    concerning: bool
    reason: str = Field(description="Why it is of concern, in words")


class PointOut(Schema):
    period: str = Field(description="Apr 2026, 2026-27 Q1 or 2026-27")
    period_start: dt.date
    numerator: str = Field(description="Empty: none; [c] when suppressed")
    denominator: str
    shown_value: str
    suppressed: bool
    special_cause: str | None = Field(
        description="common_cause, improving, concerning or neither; null: not on the chart"
    )
    closed: bool


class IndicatorDetailOut(IndicatorOut):
    mean: str | None = Field(description="The SPC chart's centre line; null: no chart")
    lower_limit: str | None
    upper_limit: str | None
    points: list[PointOut]


class KpiRowIn(Schema):
    indicator_code: str
    period_start: dt.date = Field(description="The first day of the month, quarter or year")
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = Field(None, description="For a plain figure, instead of numerator")
    note: str = ""


class KpiReturnIn(Schema):
    rows: list[KpiRowIn] = Field(min_length=1, max_length=5000)


class KpiReturnOut(Schema):
    id: int
    contract: str
    status: str
    rows: int
    created: int
    updated: int


def indicator_out(status: IndicatorStatus) -> IndicatorOut:
    return IndicatorOut(**_fields(status))


def _fields(status: IndicatorStatus) -> dict[str, Any]:
    indicator: Indicator = status.indicator
    definition = indicator.definition()

    return {
        "id": indicator.pk,
        "code": indicator.code,
        "name": indicator.name,
        "area": indicator.area.la_code,
        "domain": indicator.domain,
        "numerator": definition.numerator,
        "denominator": definition.denominator,
        "unit": indicator.unit,
        "polarity": indicator.polarity,
        "frequency": indicator.frequency,
        "source": indicator.source,
        "target": (
            kpi.format_value(definition, definition.target)
            if definition.target is not None
            else None
        ),
        "contract": indicator.commission.reference if indicator.commission else None,
        "latest_period": status.latest_period_label,
        "shown_value": status.shown_value,
        "rag": status.rag.status.value if status.rag else None,
        "rag_reason": status.rag.reason if status.rag else "",
        "variation": status.variation.value if status.variation else None,
        "assurance": status.assurance.value if status.assurance else None,
        "travel": status.travel.value if status.travel else None,
        "concerning": status.concerning,
        "reason": status.reason,
    }


def indicator_detail_out(series: IndicatorSeries, status: IndicatorStatus) -> IndicatorDetailOut:

    natures = {}
    limits = None
    if series.chart is not None:
        natures = {point.label: point.nature.value for point in series.chart.points}
        limits = series.chart.limits
    shown = series.definition

    def text(value: object) -> str | None:
        return None if value is None else kpi.format_value(shown, value)  # type: ignore[arg-type]

    return IndicatorDetailOut(
        **_fields(status),
        mean=text(limits.mean) if limits else None,
        lower_limit=text(limits.lower) if limits else None,
        upper_limit=text(limits.upper) if limits else None,
        points=[
            PointOut(
                period=point.label,
                period_start=point.period.start,
                numerator=point.numerator,
                denominator=point.denominator,
                shown_value=point.shown.text,
                suppressed=point.shown.suppressed,
                special_cause=natures.get(point.label) if point.has_data else None,
                closed=point.closed is not None,
            )
            for point in series.points
        ],
    )


def return_out(record: KpiReturn) -> KpiReturnOut:
    return KpiReturnOut(
        id=record.pk,
        contract=record.commission.reference,
        status=record.status,
        rows=record.rows,
        created=record.created,
        updated=record.updated,
    )
