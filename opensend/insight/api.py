"""The performance API, mounted at ``/api/v1/performance``: the indicators the caller may see
with their status (RAG, direction of travel, Making Data Count verdicts), one indicator's
series, and providers' KPI returns posted as JSON.

Officers of the area and the contract's provider see figures exactly; board members and
analysts with small numbers suppressed. An indicator the caller may not see is 404. A return
is checked row by row before anything is written: any row error is 422 ``return_invalid``
listing every error (which row, which field, why) and nothing is written. Only the contract's
provider may post its return (anyone else: 403, saying whose contract it is).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from opensend.api.auth import caller
from opensend.api.errors import ApiError, ErrorOut
from opensend.commissioning.models import Commission
from opensend.core.models import Area
from opensend.insight import kpi_returns, selectors
from opensend.insight.models import ReturnStatus
from opensend.insight.permissions import access_for
from opensend.insight.schemas import (
    IndicatorDetailOut,
    IndicatorOut,
    KpiReturnIn,
    KpiReturnOut,
    indicator_detail_out,
    indicator_out,
    return_out,
)
from opensend.pathways.api import _return_invalid

router = Router(tags=["Performance framework"])

READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CHANGE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _on(on: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if on is not None and on > today:
        raise ApiError(422, "invalid_request", "The date must be today or in the past.")
    return on or today


@router.get(
    "/areas/{la_code}/indicators",
    response={200: list[IndicatorOut], **READ_ERRORS},
    operation_id="performance_indicators_list",
    summary="An area's indicators and their status",
    description=(
        "Every indicator of the area the caller may see, with its latest value as on a date "
        "(today unless `on` is given), RAG status, direction of travel and the Making Data "
        "Count variation and assurance verdicts. Small numbers are suppressed ([c]) for "
        "board members and analysts."
    ),
)
def performance_indicators_list(
    request: HttpRequest, la_code: str, on: Query[dt.date | None] = None
) -> list[IndicatorOut]:
    user = caller(request).user
    area = Area.objects.filter(la_code=la_code).first()
    if area is None:
        raise Http404("No such area")
    day = _on(on)
    access = access_for(user)
    return [
        indicator_out(
            selectors.indicator_status(indicator, on=day, exact=access.sees_exact(indicator))
        )
        for indicator in selectors.indicators_for(user, area)
    ]


@router.get(
    "/indicators/{int:indicator_id}",
    response={200: IndicatorDetailOut, **READ_ERRORS},
    operation_id="performance_indicator_get",
    summary="An indicator and its series",
    description=(
        "One indicator's status and its last 24 periods to a date (today unless `on` is "
        "given), each with its figures and its nature on the SPC chart, with the chart's "
        "mean and process limits."
    ),
)
def performance_indicator_get(
    request: HttpRequest, indicator_id: int, on: Query[dt.date | None] = None
) -> IndicatorDetailOut:
    user = caller(request).user
    indicator, access = selectors.indicator_get_for_user(user, indicator_id)
    series = selectors.indicator_series(indicator, on=_on(on), exact=access.sees_exact(indicator))
    return indicator_detail_out(series, selectors.status_from_series(series))


@router.post(
    "/contracts/{int:commission_id}/returns",
    response={201: KpiReturnOut, **CHANGE_ERRORS},
    operation_id="performance_return_post",
    summary="Post a provider's KPI return",
    description=(
        "Values for the KPIs of one contract, one row per KPI and period. All or nothing: "
        "any row error is 422 `return_invalid` with every error, and nothing is written. A "
        "period already supplied is corrected (the earlier figures are kept), so posting the "
        "same return twice changes nothing. A closed period is refused. Only the contract's "
        "provider (anyone else: 403)."
    ),
)
def performance_return_post(
    request: HttpRequest, commission_id: int, payload: KpiReturnIn
) -> Status[KpiReturnOut] | Status[ErrorOut]:
    user = caller(request).user
    commission = Commission.objects.select_related("provider").filter(pk=commission_id).first()
    if commission is None:
        raise Http404("No such contract")
    record = kpi_returns.kpi_return_rows_import(
        acting_user=user,
        commission=commission,
        rows=[{**row.dict(), "row": number} for number, row in enumerate(payload.rows, 1)],
    )
    if record.status == ReturnStatus.REFUSED:
        return Status(422, _return_invalid(record.error_list()))
    return Status(201, return_out(record))
