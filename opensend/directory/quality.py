"""Reads for the Local Offer's staff pages: the services list with its filters, and the area's
data quality (how complete the public services are in what parents need, how current they are,
and which cannot be placed on a map).

Counts are computed by the database (one aggregate with ``Exists`` subqueries), not by loading
services; only the short lists of services missing something are fetched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from opensend.core.models import Area, User
from opensend.directory.models import (
    Address,
    Attribute,
    Contact,
    CostOption,
    DirectorySettings,
    Phone,
    RevisionState,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceRevision,
    TaxonomyTerm,
)
from opensend.directory.permissions import editable_services

__all__ = [
    "COMPLETENESS",
    "LIST_FILTERS",
    "Completeness",
    "DataQuality",
    "data_quality",
    "due_for_review",
    "service_list",
    "unmappable_services",
]

#: The staff services list's filters: (value, label).
LIST_FILTERS: tuple[tuple[str, str], ...] = (
    ("", "All services"),
    ("waiting", "Waiting for approval"),
    ("drafts", "Drafts"),
    ("due", "Due for review"),
    ("hidden", "Hidden: not reviewed in time"),
    ("archived", "Archived"),
    ("mine", "Edited by me"),
)


def _review_cutoff(
    settings: DirectorySettings, *, now: dt.datetime, extra_days: int = 0
) -> dt.datetime:
    return now - dt.timedelta(days=settings.review_interval_days + extra_days)


def _not_checked_since(cutoff: dt.datetime) -> Q:
    return Q(last_checked_at__lt=cutoff) | Q(last_checked_at__isnull=True, created_at__lt=cutoff)


def due_for_review(area: Area, *, now: dt.datetime | None = None) -> QuerySet[Service]:
    """Public services of ``area`` whose review has fallen due (not checked within the
    review interval)."""
    settings, _ = DirectorySettings.objects.get_or_create(area=area)
    cutoff = _review_cutoff(settings, now=now or timezone.now())
    return Service.objects.public().filter(area=area).filter(_not_checked_since(cutoff))


def service_list(*, fetched_by: User, area: Area, show: str = "") -> QuerySet[Service]:
    """The services of ``area`` that ``fetched_by`` may edit, filtered by ``show`` (one of
    ``LIST_FILTERS``), with what the list shows."""
    services = editable_services(fetched_by, area)
    revisions = ServiceRevision.objects.filter(service=OuterRef("pk"))
    if show == "waiting":
        services = services.filter(Exists(revisions.filter(state=RevisionState.SUBMITTED)))
    elif show == "drafts":
        services = services.filter(Exists(revisions.filter(state=RevisionState.DRAFT)))
    elif show == "due":
        services = services.filter(pk__in=due_for_review(area).values("pk"))
    elif show == "hidden":
        services = services.filter(stale_hidden_at__isnull=False, archived_at__isnull=True)
    elif show == "archived":
        services = services.filter(archived_at__isnull=False)
    elif show == "mine":
        services = services.filter(Exists(revisions.filter(created_by=fetched_by)))
    if show != "archived":
        services = services.filter(archived_at__isnull=True)
    return (
        services.select_related("organization")
        .annotate(
            waiting=Exists(revisions.filter(state=RevisionState.SUBMITTED)),
            drafting=Exists(revisions.filter(state=RevisionState.DRAFT)),
        )
        .order_by("name", "pk")
    )


# --- data quality -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """One field parents need: how many public services have it, and the first few without."""

    key: str
    label: str
    have: int
    total: int
    missing: list[Service]

    @property
    def percent(self) -> int:
        return round(100 * self.have / self.total) if self.total else 0

    @property
    def missing_count(self) -> int:
        return self.total - self.have


def _has_contact() -> Q:
    contact = Contact.objects.filter(service=OuterRef("pk")).filter(
        ~Q(email="") | Exists(Phone.objects.filter(contact=OuterRef("pk")))
    )
    return ~Q(email="") | Q(Exists(contact))


def _has_times() -> Q:
    own = Schedule.objects.filter(service=OuterRef("pk"))
    at_location = Schedule.objects.filter(service_at_location__service=OuterRef("pk"))
    return Q(Exists(own)) | Q(Exists(at_location))


def _has_needs() -> Q:
    return Q(
        Exists(
            Attribute.objects.filter(
                service=OuterRef("pk"), taxonomy_term__facet=TaxonomyTerm.Facet.NEED
            )
        )
    )


#: The fields parents need, as (key, label, the condition a service that has it meets).
COMPLETENESS: tuple[tuple[str, str, Any], ...] = (
    ("description", "Description", lambda: ~Q(description="")),
    ("contact", "Contact (email or phone)", _has_contact),
    ("how_to_access", "How to access", lambda: ~Q(how_to_access="")),
    ("times", "Times", _has_times),
    (
        "cost",
        "Cost",
        lambda: Q(Exists(CostOption.objects.filter(service=OuterRef("pk")))) | ~Q(fees=""),
    ),
    (
        "location",
        "Location",
        lambda: Q(Exists(ServiceAtLocation.objects.filter(service=OuterRef("pk")))),
    ),
    ("needs", "Needs it meets", _has_needs),
    (
        "ages",
        "Ages",
        lambda: Q(minimum_age__isnull=False) | Q(maximum_age__isnull=False),
    ),
)


@dataclass(frozen=True)
class DataQuality:
    total: int
    fields: list[Completeness]
    due: int
    overdue: int
    hidden: int
    unmappable: list[Service]
    due_services: list[Service]


def unmappable_services(area: Area, *, limit: int | None = None) -> list[Service]:
    """Public services with no location that has a map position and no address whose postcode
    can be found (so no distance can be worked out for them)."""
    from opensend.directory import geo

    located = ServiceAtLocation.objects.filter(
        service=OuterRef("pk"), location__latitude__isnull=False, location__longitude__isnull=False
    )
    candidates = list(
        Service.objects.public()
        .filter(area=area)
        .filter(~Exists(located))
        .select_related("organization")
        .order_by("name", "pk")
    )
    if not candidates:
        return []
    postcodes: dict[Any, list[str]] = {}
    for service_id, postcode in Address.objects.filter(
        location__service_at_locations__service__in=[s.pk for s in candidates]
    ).values_list("location__service_at_locations__service", "postal_code"):
        normalised = geo.normalise_postcode(postcode or "")
        if normalised:
            postcodes.setdefault(service_id, []).append(normalised)
    found = geo.locate_many({p for codes in postcodes.values() for p in codes})
    unmappable = [
        service
        for service in candidates
        if not any(code in found for code in postcodes.get(service.pk, []))
    ]
    return unmappable[:limit] if limit is not None else unmappable


def data_quality(area: Area, *, now: dt.datetime | None = None, sample: int = 25) -> DataQuality:
    """The area's data quality: completeness of each field parents need across the public
    services (with up to ``sample`` services missing each), staleness, and services that
    cannot be mapped."""
    now = now or timezone.now()
    settings, _ = DirectorySettings.objects.get_or_create(area=area)
    public = Service.objects.public().filter(area=area)
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for key, _label, condition in COMPLETENESS:
        aggregates[key] = Count("pk", filter=condition())
    due_cutoff = _review_cutoff(settings, now=now)
    overdue_cutoff = _review_cutoff(settings, now=now, extra_days=settings.grace_period_days)
    aggregates["due"] = Count("pk", filter=_not_checked_since(due_cutoff))
    aggregates["overdue"] = Count("pk", filter=_not_checked_since(overdue_cutoff))
    counts = public.aggregate(**aggregates)
    total = counts["total"]
    fields = [
        Completeness(
            key=key,
            label=label,
            have=counts[key],
            total=total,
            missing=list(
                public.exclude(condition())
                .select_related("organization")
                .order_by("name", "pk")[:sample]
            ),
        )
        for key, label, condition in COMPLETENESS
    ]
    hidden = Service.objects.filter(
        area=area, stale_hidden_at__isnull=False, archived_at__isnull=True
    ).count()
    return DataQuality(
        total=total,
        fields=fields,
        due=counts["due"],
        overdue=counts["overdue"],
        hidden=hidden,
        unmappable=unmappable_services(area),
        due_services=list(
            public.filter(_not_checked_since(due_cutoff))
            .select_related("organization")
            .order_by("last_checked_at", "name")[:sample]
        ),
    )
