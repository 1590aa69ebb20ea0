"""The pathways API, mounted at ``/api/v1/pathways``: the waiting-list figures of the pathways
the caller may see, and providers' returns posted as JSON.

Figures go to the provider's own staff exactly and to commissioners of the area with small
numbers suppressed; a pathway the caller may not see is 404. A return is checked row by row
before anything is written: any row error is 422 ``return_invalid`` listing every error (which
row, which field, why) and nothing is written. Only the provider's staff may post a return
(anyone else: 403, saying whose pathway it is).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from opensend.api.auth import caller
from opensend.api.errors import ApiError, ErrorOut, ParameterError
from opensend.core.models import User
from opensend.pathways import access, selectors, services
from opensend.pathways.models import Pathway, ReturnStatus
from opensend.pathways.schemas import (
    FiguresOut,
    PathwayOut,
    ReturnIn,
    ReturnOut,
    figures_out,
    pathway_out,
    return_out,
)

router = Router(tags=["Pathways and waiting lists"])

READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CHANGE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _figures(user: User, pathway: Pathway, on: dt.date) -> FiguresOut:
    figures = selectors.pathway_figures(pathway, on=on)
    shown = selectors.headline(figures, exact=access.sees_exact_figures(user, pathway))
    return figures_out(figures, shown)


def _on(on: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if on is not None and on > today:
        raise ApiError(422, "invalid_request", "The date must be today or in the past.")
    return on or today


@router.get(
    "",
    response={200: list[PathwayOut], **READ_ERRORS},
    operation_id="pathways_list",
    summary="Pathways and their waiting lists",
    description=(
        "Every pathway the caller may see, with its waiting list on a date (today unless "
        "`on` is given): size, the share within the standard, median and longest waits, "
        "week bands, demand by month, triage and the forecast."
    ),
)
def pathways_list(request: HttpRequest, on: Query[dt.date | None] = None) -> list[PathwayOut]:
    user = caller(request).user
    day = _on(on)
    return [
        pathway_out(pathway, _figures(user, pathway, day))
        for pathway in selectors.pathway_list(fetched_by=user)
    ]


@router.get(
    "/{int:pathway_id}",
    response={200: PathwayOut, **READ_ERRORS},
    operation_id="pathways_get",
    summary="A pathway and its waiting list",
    description="One pathway's figures on a date (today unless `on` is given).",
)
def pathways_get(
    request: HttpRequest, pathway_id: int, on: Query[dt.date | None] = None
) -> PathwayOut:
    user = caller(request).user
    pathway = selectors.pathway_get_for_user(fetched_by=user, pathway_id=pathway_id)
    return pathway_out(pathway, _figures(user, pathway, _on(on)))


@router.post(
    "/{int:pathway_id}/returns",
    response={201: ReturnOut, **CHANGE_ERRORS},
    operation_id="pathways_return_post",
    summary="Post a provider's return",
    description=(
        "Referral-level rows for one pathway, matched to children by NHS number with the date "
        "of birth as a check. All or nothing: any row error is 422 `return_invalid` with every "
        "error, and nothing is written. A referral id already sent is updated, so posting the "
        "same return twice changes nothing. Only the pathway's provider's staff (anyone "
        "else: 403)."
    ),
)
def pathways_return_post(
    request: HttpRequest, pathway_id: int, payload: ReturnIn
) -> Status[ReturnOut] | Status[ErrorOut]:
    user = caller(request).user
    pathway = Pathway.objects.select_related("provider", "area").filter(pk=pathway_id).first()
    if pathway is None:
        raise Http404("No such pathway")
    try:
        record = services.return_rows_import(
            acting_user=user,
            pathway=pathway,
            rows=[row.dict() for row in payload.rows],
        )
    except ValidationError as error:
        raise ApiError(422, "invalid_request", " ".join(error.messages)) from error
    if record.status == ReturnStatus.REFUSED:
        return Status(422, _return_invalid(record.error_list()))
    return Status(201, return_out(record))


def _return_invalid(errors: list[dict[str, Any]]) -> ErrorOut:
    """422 ``return_invalid``, with every row error (``rows[n]`` is the n-th row, from 1)."""
    count = len(errors)
    return ErrorOut(
        detail=f"The return has {count} error{'s' if count != 1 else ''}; nothing was written.",
        code="return_invalid",
        errors=[
            ParameterError(
                location=f"rows[{error['row']}]",
                field=str(error["field"]),
                message=str(error["message"]),
            )
            for error in errors
        ],
    )
