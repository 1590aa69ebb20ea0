"""Service documents: their shape against the compiled schemas, the round trip through
``apply_service_document``, and the cost of documents for many services."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opensend.core.tests.factories import AreaFactory
from opensend.directory.models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    Funding,
    Language,
    Location,
    Organization,
    OrganizationIdentifier,
    Phone,
    Schedule,
    Schedule2Answer,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
)
from opensend.directory.oruk.apply import apply_service_document
from opensend.directory.oruk.documents import (
    service_at_location_document,
    service_at_location_list_item,
    service_document,
    service_list_item,
    with_related,
)
from opensend.directory.oruk.validate import schema_problems
from opensend.directory.taxonomy import term_id
from opensend.directory.tests.factories import public_service, tag

pytestmark = pytest.mark.django_db


def full_service(area):
    """A service with one of everything the document carries."""
    service = public_service(
        area=area,
        name="Harbour Sensory Play",
        description="Sensory play sessions for children with autism.",
        url="https://harbour.example.org/play",
        email="play@harbour.example.org",
        minimum_age=2,
        maximum_age=11,
        assured_date=dt.date(2026, 3, 1),
        alert="Closed on bank holidays.",
        how_to_access="either",
        referral_by="GP or health visitor",
        needs=("ASD",),
        categories=("leisure",),
        postcode="L1 8JQ",
        latitude=53.40,
        longitude=-2.98,
        phone="01632 960123",
        cost="3.50",
        opens=("MO,WE", "09:30", "12:00"),
    )
    OrganizationIdentifier.objects.create(
        organization=service.organization,
        identifier_scheme="GB-CHC",
        identifier_type="Charity number",
        identifier="1234567",
    )
    sal = service.service_at_locations.get()
    Accessibility.objects.create(
        location=sal.location, description="Step-free entrance", url="https://harbour.example.org"
    )
    Schedule.objects.create(
        service=service,
        service_at_location=sal,
        freq="WEEKLY",
        byday="SA",
        opens_at=dt.time(10),
        closes_at=dt.time(12),
        valid_from=dt.date(2026, 1, 1),
    )
    ServiceArea.objects.create(service=service, name="Halford Vale", service_area="The borough")
    Language.objects.create(service=service, name="Welsh", code="cy")
    Funding.objects.create(service=service, source="Short breaks grant")
    contact = service.contacts.get()
    contact.email = "reception@harbour.example.org"
    contact.title = "Reception"
    contact.save()
    Language.objects.create(phone=contact.phones.get(), name="Polish", code="pl")
    tag(service, "step-free", "accessibility")
    Schedule2Answer.objects.create(
        service=service, topic="facilities", options=["sensory-room"], detail="A calm room."
    )
    return service


def strip_volatile(document):
    out = dict(document)
    out.pop("last_modified", None)
    return out


def test_a_full_document_is_valid_against_the_compiled_service_schema(area):
    service = full_service(area)
    document = service_document(service)
    assert schema_problems(document, "compiled/service.json") == []
    assert document["minimum_age"] == 2
    assert document["assured_date"] == "2026-03-01"
    assert document["cost_options"][0]["amount"] == 3.5
    weekly = next(s for s in document["schedules"] if s.get("byday") == "MO,WE")
    assert weekly["opens_at"] == "09:30:00"
    assert dt.datetime.fromisoformat(document["last_modified"]).tzinfo is not None
    assert document["opensend"] == {
        "how_to_access": "either",
        "referral_by": "GP or health visitor",
        "schedule2": {"facilities": {"options": ["sensory-room"], "detail": "A calm room."}},
    }
    sal = document["service_at_locations"][0]
    assert sal["location"]["addresses"][0]["postal_code"] == "L1 8JQ"
    assert sal["schedules"][0]["byday"] == "SA"
    assert document["contacts"][0]["phones"][0]["number"] == "01632 960123"
    codes = {a["taxonomy_term"]["term"] for a in document["attributes"]}
    assert codes == {"need-asd", "leisure", "step-free"}


def test_the_extension_can_be_left_out(area):
    document = service_document(full_service(area), include_extension=False)
    assert "opensend" not in document


def test_list_shapes_are_valid(area):
    service = full_service(area)
    assert schema_problems(service_list_item(service), "compiled/service_list.json") == []
    sal = ServiceAtLocation.objects.select_related("location", "service__organization").get()
    assert (
        schema_problems(
            service_at_location_list_item(sal), "compiled/service_at_location_list.json"
        )
        == []
    )
    full = service_at_location_document(sal)
    assert schema_problems(full, "compiled/service_at_location.json") == []
    assert full["service"]["id"] == str(service.id)
    assert "service_at_locations" not in full["service"]


def test_round_trip_on_an_empty_database_recreates_an_equal_document(area):
    service = full_service(area)
    before = service_document(service)
    # Empty the directory of this area, keeping the SEND taxonomy.
    Service.objects.all().update(published_revision=None)
    Service.objects.all().delete()
    Location.objects.all().delete()
    Organization.objects.all().delete()
    assert not Contact.objects.exists() and not Phone.objects.exists()

    recreated = apply_service_document(area=area, document=before, organization=None)

    after = service_document(recreated)
    assert strip_volatile(after) == strip_volatile(before)
    assert Address.objects.count() == 1 and CostOption.objects.get().amount == decimal.Decimal(
        "3.50"
    )


def test_applying_twice_replaces_rather_than_adds(area):
    service = full_service(area)
    document = service_document(service)
    apply_service_document(area=area, document=document, organization=None)
    apply_service_document(area=area, document=document, organization=None)
    assert Schedule.objects.count() == 2
    assert Contact.objects.count() == 1 and Phone.objects.count() == 1
    assert ServiceAtLocation.objects.count() == 1 and Location.objects.count() == 1
    assert strip_volatile(service_document(service)) == strip_volatile(document)


def test_a_location_dropped_from_the_document_is_removed(area):
    service = full_service(area)
    document = service_document(service)
    document["service_at_locations"] = []
    apply_service_document(area=area, document=document, organization=None)
    assert not Location.objects.exists()
    assert Schedule.objects.count() == 1


def test_a_list_of_services_costs_a_bounded_number_of_queries(area):
    for _ in range(3):
        full_service(area)

    def count(n_services):
        with CaptureQueriesContext(connection) as queries:
            services = list(with_related(Service.objects.filter(area=area))[:n_services])
            documents = [service_document(s) for s in services]
        assert len(documents) == n_services
        return len(queries)

    assert count(1) == count(3)


def test_documents_of_another_area_keep_their_own_organisation():
    area = AreaFactory(la_code="991", ons_code="E06000991")
    service = public_service(area=area, name="Far Away Club")
    document = service_document(service)
    assert document["organization"]["id"] == str(service.organization_id)
    assert document["organization_id"] == str(service.organization_id)
    assert uuid.UUID(document["id"]) == service.id
    assert document["status"] == ServiceStatus.ACTIVE
    assert term_id("leisure") != service.id
