"""Reads of the commissioning app. Every selector takes the user and returns only what
``permissions`` lets them see; a record they may not see is not found (404), never a refusal
that would tell them it exists. Pages, API and exports share these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from opensend.commissioning.codes import CommissionStatus, FundingStream, ProvisionType
from opensend.commissioning.models import (
    Commission,
    Contribution,
    CycleStage,
    Decision,
    IndividualCommission,
)
from opensend.commissioning.permissions import Access, access_for
from opensend.core.models import User

#: "Expiring soon": the contract ends within this many days.
EXPIRING_SOON_DAYS = 180

ENDED = frozenset({CommissionStatus.ENDED})


@dataclass(frozen=True)
class CommissionFilters:
    arrangement: str = ""
    status: str = ""
    expiring_soon: bool = False
    area_id: int | None = None


def commission_list(
    *, fetched_by: User, filters: CommissionFilters | None = None
) -> QuerySet[Commission]:
    filters = filters or CommissionFilters()
    access = access_for(fetched_by)
    commissions = Commission.objects.filter(access.commissions_q()).select_related(
        "area", "provider", "lead_commissioner"
    )
    if filters.arrangement:
        commissions = commissions.filter(arrangement=filters.arrangement)
    if filters.status:
        commissions = commissions.filter(status=filters.status)
    if filters.area_id is not None:
        commissions = commissions.filter(area_id=filters.area_id)
    if filters.expiring_soon:
        today = timezone.localdate()
        commissions = commissions.exclude(status__in=ENDED).filter(
            end_date__gte=today, end_date__lte=today + dt.timedelta(days=EXPIRING_SOON_DAYS)
        )
    return commissions.prefetch_related(
        Prefetch("contributions", queryset=Contribution.objects.select_related("commissioner"))
    ).order_by("title", "pk")


def commission_get_for_user(user: User, commission_id: int) -> tuple[Commission, Access]:
    """One commission the user may see, with what they may do; anything else: 404."""
    access = access_for(user)
    commission = (
        Commission.objects.filter(access.commissions_q(), pk=commission_id)
        .select_related("area", "provider", "lead_commissioner")
        .prefetch_related(
            Prefetch("contributions", queryset=Contribution.objects.select_related("commissioner")),
            "services",
            Prefetch(
                "stages",
                queryset=CycleStage.objects.prefetch_related(
                    Prefetch(
                        "decisions",
                        queryset=Decision.objects.prefetch_related(
                            "evidence", "agreements__organisation"
                        ),
                    )
                ),
            ),
        )
        .first()
    )
    if commission is None:
        raise Http404("No such commission")
    return commission, access


def totals_by_stream(commissions: QuerySet[Commission]) -> list[tuple[str, Decimal]]:
    """Contributions a year by funding stream, over the commissions given, every stream."""
    sums = dict(
        Contribution.objects.filter(commission__in=commissions.values("pk"))
        .values_list("funding_stream")
        .annotate(total=Sum("annual_amount"))
        .values_list("funding_stream", "total")
    )
    return [(stream.label, sums.get(stream.value) or Decimal(0)) for stream in FundingStream]


def spot_purchase_list(
    *, fetched_by: User, provision_type: str = ""
) -> QuerySet[IndividualCommission]:
    """Spot purchases of the areas the user commissions for (no one else sees them)."""
    access = access_for(fetched_by)
    purchases = IndividualCommission.objects.filter(
        area_id__in=access.commissioner_area_ids
    ).select_related("area", "commissioner", "provider", "provision_line")
    if provision_type:
        purchases = purchases.filter(provision_type=provision_type)
    return purchases.order_by("-start_date", "pk")


@dataclass(frozen=True)
class TypeTotal:
    provision_type: str
    label: str
    purchases: int
    children: int
    cost: Decimal


def spot_totals_by_type(purchases: QuerySet[IndividualCommission]) -> list[TypeTotal]:
    """Spend on spot purchases by type of provision, most first: the case for commissioning
    a service."""
    labels = dict(ProvisionType.choices)
    rows = (
        purchases.order_by()
        .values("provision_type")
        .annotate(purchases=Count("pk"), children=Count("child", distinct=True), cost=Sum("cost"))
    )
    totals = [
        TypeTotal(
            provision_type=row["provision_type"],
            label=str(labels.get(row["provision_type"], row["provision_type"])),
            purchases=row["purchases"],
            children=row["children"],
            cost=row["cost"] or Decimal(0),
        )
        for row in rows
    ]
    return sorted(totals, key=lambda total: (-total.cost, total.label))
