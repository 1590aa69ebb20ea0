"""The commissioning API, mounted at ``/api/v1/commissioning``: commissions (a provider sees
only its own; anything the caller may not see is 404), recording a commission with its
contributions and a spot purchase (commissioners of the area only: 403 otherwise). Bad input
is 422 ``invalid_request`` naming the field (a contribution row as ``contributions.<n>.<field>``);
nothing is written unless everything is."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja import errors as ninja_errors

from opensend.api.auth import caller
from opensend.api.errors import ErrorOut
from opensend.commissioning import selectors, services
from opensend.commissioning.codes import Arrangement, CommissionStatus
from opensend.commissioning.schemas import (
    CommissionIn,
    CommissionOut,
    CommissionPageOut,
    GapAnalysisOut,
    SpotPurchaseIn,
    SpotPurchaseOut,
    commission_out,
    gap_analysis_out,
    spot_purchase_out,
)
from opensend.core.models import Area, Organisation
from opensend.directory.models import Service
from opensend.ehc.models import ProvisionLine
from opensend.people.models import Child

router = Router(tags=["Joint commissioning"])

READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CHANGE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_PAGE_SIZE = 100


def _invalid(errors: Mapping[str, list[str]]) -> ninja_errors.ValidationError:
    return ninja_errors.ValidationError(
        [
            {
                "loc": ("body",) if field == NON_FIELD_ERRORS else ("body", field),
                "msg": text,
            }
            for field, messages in errors.items()
            for text in messages
        ]
    )


@contextmanager
def service_errors(renames: Mapping[str, str]) -> Iterator[None]:
    try:
        yield
    except ValidationError as error:
        by_field = (
            error.message_dict
            if hasattr(error, "error_dict")
            else {NON_FIELD_ERRORS: error.messages}
        )
        raise _invalid(
            {renames.get(field, field): texts for field, texts in by_field.items()}
        ) from error


def _organisation(organisation_id: int | None, field: str) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise ValidationError({field: [f"There is no organisation with id {organisation_id}."]})
    return organisation


def _required(organisation_id: int, field: str) -> Organisation:
    organisation = _organisation(organisation_id, field)
    assert organisation is not None  # noqa: S101 - an id was given
    return organisation


def _local_offer_services(ids: list[str]) -> list[Service]:
    wanted: set[uuid.UUID] = set()
    for value in ids:
        try:
            wanted.add(uuid.UUID(value))
        except ValueError:
            raise ValidationError(
                {"service_ids": [f"{value} is not a Local Offer service id."]}
            ) from None
    chosen = list(Service.objects.filter(pk__in=wanted))
    missing = sorted(str(pk) for pk in wanted - {service.pk for service in chosen})
    if missing:
        raise ValidationError(
            {"service_ids": [f"There is no Local Offer service {pk}." for pk in missing]}
        )
    return chosen


COMMISSION_RENAMES = {
    "provider": "provider_id",
    "lead_commissioner": "lead_commissioner_id",
    "services": "service_ids",
}


@router.get(
    "/commissions",
    response={200: CommissionPageOut, **READ_ERRORS},
    operation_id="commissioning_commission_list",
    summary="Commissions",
    description=(
        "The commissions the caller may see: a commissioner or board member, those of their "
        "areas; a provider, only those it provides. Filter by arrangement, status and area."
    ),
)
def commissioning_commission_list(
    request: HttpRequest,
    arrangement: Arrangement | None = Query(None),  # noqa: B008
    status: CommissionStatus | None = Query(None),  # noqa: B008
    la_code: str | None = Query(None),
    page: int = Query(1, ge=1),
    page_size: int = Query(25, ge=1, le=MAX_PAGE_SIZE),
) -> CommissionPageOut:
    who = caller(request)
    area_id = None
    if la_code:
        area = Area.objects.filter(la_code=la_code).first()
        area_id = area.pk if area is not None else -1
    commissions = selectors.commission_list(
        fetched_by=who.user,
        filters=selectors.CommissionFilters(
            arrangement=arrangement.value if arrangement else "",
            status=status.value if status else "",
            area_id=area_id,
        ),
    )
    start = (page - 1) * page_size
    return CommissionPageOut(
        count=commissions.count(),
        results=[
            commission_out(c)
            for c in commissions.prefetch_related("services")[start : start + page_size]
        ],
    )


@router.get(
    "/commissions/{int:commission_id}",
    response={200: CommissionOut, **READ_ERRORS},
    operation_id="commissioning_commission_get",
    summary="A commission",
    description=(
        "One commission with its contributions. A commission the caller may not see (another "
        "provider's) is not found."
    ),
)
def commissioning_commission_get(request: HttpRequest, commission_id: int) -> CommissionOut:
    commission, _ = selectors.commission_get_for_user(caller(request).user, commission_id)
    return commission_out(commission)


@router.post(
    "/commissions",
    response={201: CommissionOut, **CHANGE_ERRORS},
    operation_id="commissioning_commission_create",
    summary="Record a commission with its contributions",
    description=(
        "Record a commission and its commissioners' contributions, together or not at all. "
        "Only commissioners of the area (anyone else: 403). Refused with 422: a contract "
        "ending before it starts; contributions that do not add up to the value per year "
        "for aligned or pooled budgets; a sole arrangement with more than one commissioner; "
        "a lead arrangement without its lead; a pooled budget without its section 75 "
        "agreement reference; a Local Offer service (service_ids) that does not exist or is "
        "in another area's Local Offer."
    ),
)
def commissioning_commission_create(
    request: HttpRequest, payload: CommissionIn
) -> Status[CommissionOut]:
    who = caller(request)
    area = Area.objects.filter(la_code=payload.la_code).first()
    with service_errors(COMMISSION_RENAMES):
        if area is None:
            raise ValidationError(
                {"la_code": [f"There is no area with LA code {payload.la_code}."]}
            )
        contributions = [
            services.ContributionInput(
                commissioner=_required(
                    row.commissioner_id, f"contributions.{index}.commissioner_id"
                ),
                funding_stream=row.funding_stream,
                annual_amount=row.annual_amount,
            )
            for index, row in enumerate(payload.contributions)
        ]
        chosen = _local_offer_services(payload.service_ids)
        commission = services.commission_create(
            acting_user=who.user,
            area=area,
            contributions=contributions,
            services=chosen,
            reference=payload.reference,
            title=payload.title,
            purpose=payload.purpose,
            provision_type=payload.provision_type,
            provider=_required(payload.provider_id, "provider_id"),
            start_date=payload.start_date,
            end_date=payload.end_date,
            annual_value=payload.annual_value,
            whole_life_value=payload.whole_life_value,
            capacity_quantity=payload.capacity_quantity,
            capacity_unit=payload.capacity_unit,
            arrangement=payload.arrangement,
            lead_commissioner=_organisation(payload.lead_commissioner_id, "lead_commissioner_id"),
            s75_reference=payload.s75_reference,
            status=payload.status,
            review_date=payload.review_date,
            contract_expiry=payload.contract_expiry,
            reprocurement_decision_date=payload.reprocurement_decision_date,
            outcomes="\n".join(line.strip() for line in payload.outcomes if line.strip()),
        )
    commission, _ = selectors.commission_get_for_user(who.user, commission.pk)
    return Status(201, commission_out(commission))


@router.post(
    "/spot-purchases",
    response={201: SpotPurchaseOut, **CHANGE_ERRORS},
    operation_id="commissioning_spot_purchase_record",
    summary="Record a spot purchase",
    description=(
        "Record provision bought for one child, linked to the line of the child's EHC plan it "
        "delivers. Only commissioners of the child's area (a child outside them: 404); the "
        "record is written to the access log. A provision line of another child's plan, or "
        "an end before the start: 422."
    ),
)
def commissioning_spot_purchase_record(
    request: HttpRequest, payload: SpotPurchaseIn
) -> Status[SpotPurchaseOut]:
    from django.http import Http404

    from opensend.commissioning.permissions import access_for

    who = caller(request)
    access = access_for(who.user)
    child = (
        Child.objects.filter(pk=payload.child_id, area_id__in=access.commissioner_area_ids)
        .select_related("area")
        .first()
    )
    if child is None:
        raise Http404("No child with that reference")
    with service_errors(
        {
            "provision_line": "provision_line_id",
            "commissioner": "commissioner_id",
            "provider": "provider_id",
        }
    ):
        line = None
        if payload.provision_line_id is not None:
            line = (
                ProvisionLine.objects.select_related("version__plan")
                .filter(pk=payload.provision_line_id)
                .first()
            )
            if line is None:
                raise ValidationError(
                    {
                        "provision_line_id": [
                            f"There is no provision line {payload.provision_line_id}."
                        ]
                    }
                )
        purchase = services.spot_purchase_record(
            acting_user=who.user,
            child=child,
            provision_line=line,
            commissioner=_required(payload.commissioner_id, "commissioner_id"),
            provider=_required(payload.provider_id, "provider_id"),
            provision_type=payload.provision_type,
            cost=payload.cost,
            start_date=payload.start_date,
            end_date=payload.end_date,
            description=payload.description,
        )
    return Status(201, spot_purchase_out(purchase))


@router.get(
    "/gaps",
    response={200: GapAnalysisOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="commissioning_gap_analysis",
    summary="Gap analysis",
    description=(
        "An area's gap analysis on a date (today if none): children by need and age, what "
        "plans promise by type of provision and commissioner, waits, commissioned capacity, "
        "Local Offer coverage, and the gaps: provision promised with no commission behind "
        "it, spot purchase spend, capacity against demand, open responsibility disputes and "
        "searches that found nothing. The same tables as the page and the XLSX export. "
        "Commissioners and SEND managers of the area get exact figures; board members get "
        "counts of 1 to 5 children suppressed as [c] and no list of disputes; anyone else "
        "is refused (403), and an area the caller may not see is not found (404). A date in "
        "the future: 422."
    ),
)
def commissioning_gap_analysis(
    request: HttpRequest,
    la_code: str | None = Query(None, description="The area; the caller's first if not given."),
    on: dt.date | None = Query(None, description="The date of the analysis, YYYY-MM-DD."),  # noqa: B008
) -> GapAnalysisOut:
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from opensend.commissioning import gaps

    who = caller(request)
    if not gaps.gap_access(who.user).area_ids:
        raise PermissionDenied(
            "The gap analysis is for commissioners, SEND managers and board members."
        )
    if on is not None and on > timezone.localdate():
        raise ninja_errors.ValidationError(
            [{"loc": ("query", "on"), "msg": "The date must be today or in the past."}]
        )
    area, _ = gaps.gap_area_get_for_user(who.user, la_code=la_code)
    return gap_analysis_out(gaps.gap_analysis(fetched_by=who.user, area=area, on=on))
