"""Factories for the Local Offer. They write the public rows directly; ``public_service``
also records the approved version and indexes the service, as publishing does."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from opensend.core.tests.factories import AreaFactory
from opensend.directory.models import (
    Address,
    Attribute,
    Contact,
    CostOption,
    Location,
    Organization,
    Phone,
    RevisionState,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceRevision,
)
from opensend.directory.taxonomy import term_id

__all__ = [
    "AddressFactory",
    "ContactFactory",
    "DirectoryOrganizationFactory",
    "LocationFactory",
    "ServiceFactory",
    "public_service",
    "tag",
]


class DirectoryOrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"Provider {n}")
    description = "A provider of services for children and young people with SEND."


class ServiceFactory(DjangoModelFactory[Service]):
    class Meta:
        model = Service

    area = factory.SubFactory(AreaFactory)
    organization = factory.SubFactory(
        DirectoryOrganizationFactory, area=factory.SelfAttribute("..area")
    )
    name = factory.Sequence(lambda n: f"Service {n}")
    description = "A service for children and young people with SEND and their families."
    last_modified = factory.LazyFunction(timezone.now)
    last_checked_at = factory.LazyFunction(timezone.now)


class LocationFactory(DjangoModelFactory[Location]):
    class Meta:
        model = Location

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"Centre {n}")
    latitude = 53.4
    longitude = -2.9


class AddressFactory(DjangoModelFactory[Address]):
    class Meta:
        model = Address

    location = factory.SubFactory(LocationFactory)
    address_1 = factory.Sequence(lambda n: f"{n} High Street")
    city = "Testtown"
    state_province = "Testshire"
    postal_code = "L1 8JQ"


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    service = factory.SubFactory(ServiceFactory)
    name = "Reception"


def tag(service: Service, code: str, link_type: str = "") -> Attribute:
    """Attach the SEND taxonomy term ``code`` (e.g. ``"need-asd"``, ``"therapies"``)."""
    return Attribute.objects.create(
        taxonomy_term_id=term_id(code),
        link_id=service.id,
        link_entity="service",
        link_type=link_type or code.split("-")[0],
        service=service,
    )


def public_service(
    *,
    needs: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    postcode: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    phone: str = "",
    cost: str | None = None,
    opens: tuple[str, str, str] | None = None,
    **kwargs: Any,
) -> Service:
    """A service the public can see: tagged, optionally at a location, with an approved version
    whose document is the service as published, and indexed for search.

    ``needs`` are census codes (``"ASD"``), ``categories`` SEND taxonomy codes; ``opens`` is
    ``(byday, opens_at, closes_at)`` such as ``("MO,TU", "09:00", "17:00")``; ``cost`` is an
    amount ("0" for free)."""
    from opensend.directory.oruk.documents import service_document
    from opensend.directory.search import index_service

    service: Service = ServiceFactory.create(**kwargs)
    for need in needs:
        tag(service, f"need-{need.lower()}", "need")
    for category in categories:
        tag(service, category, "category")
    if latitude is not None or postcode:
        location: Location = LocationFactory.create(
            area=service.area, latitude=latitude, longitude=longitude, name=f"{service.name} base"
        )
        if postcode:
            AddressFactory.create(location=location, postal_code=postcode)
        ServiceAtLocation.objects.create(service=service, location=location)
    if phone:
        contact: Contact = ContactFactory.create(service=service)
        Phone.objects.create(contact=contact, number=phone)
    if cost is not None:
        CostOption.objects.create(service=service, amount=cost, option="Per session")
    if opens is not None:
        byday, opens_at, closes_at = opens
        Schedule.objects.create(
            service=service, freq="WEEKLY", byday=byday, opens_at=opens_at, closes_at=closes_at
        )
    now = timezone.now()
    revision = ServiceRevision.objects.create(
        service=service,
        number=1,
        document=service_document(service),
        state=RevisionState.APPROVED,
        created_at=now,
        submitted_at=now,
        decided_at=now,
    )
    service.published_revision = revision
    service.save(update_fields=["published_revision"])
    index_service(service)
    return service
