"""Open Referral UK documents: the JSON shapes the profile's compiled schemas describe, built from
the directory's rows.

``service_document`` is the full service (``compiled/service.json``), with OpenSEND's extension
under the ``"opensend"`` key; the list shapes (``service_list.json``,
``service_at_location_list.json``) carry only one-to-one fields. The compiled schemas do not
forbid additional properties, so HSDS 3.0 fields the UK profile leaves out (a contact's
``email`` and ``phones``, an address's ``address_2``, a language's ``name`` and ``code``, an
attribute's ``link_entity``) are written too, and the extension stays in the public API.

Empty optional values are left out rather than written as ``""`` or ``null``: the schemas give
most fields a single type (``"string"``, ``"number"``) and formats (``uri``, ``email``) an empty
string would break. Dates are ISO dates, times ``HH:MM:SS``, amounts numbers and
``last_modified`` an ISO date-time.

Reading many services costs a fixed number of queries: pass a queryset through
``with_related`` (a prefetch of every child table) and the builders read the prefetched rows.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from opensend.directory.models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

__all__ = [
    "EXTENSION_KEY",
    "attribute_document",
    "location_document",
    "organization_document",
    "service_at_location_document",
    "service_at_location_list_item",
    "service_document",
    "service_list_item",
    "taxonomy_document",
    "taxonomy_term_document",
    "with_related",
]

#: Where OpenSEND's own fields travel in a service document.
EXTENSION_KEY = "opensend"

Document = dict[str, Any]


def with_related(queryset: QuerySet[Service]) -> QuerySet[Service]:
    """``queryset`` with everything a full service document reads, fetched in a fixed number
    of queries however many services there are."""
    return queryset.select_related("organization").prefetch_related(
        "organization__identifiers",
        "schedules",
        "service_areas",
        Prefetch("languages", queryset=Language.objects.filter(phone__isnull=True)),
        "funding",
        "cost_options",
        "contacts__phones__languages",
        Prefetch(
            "attributes",
            queryset=Attribute.objects.select_related("taxonomy_term__taxonomy").order_by(
                "link_type", "taxonomy_term__position", "taxonomy_term__name", "id"
            ),
        ),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").order_by(
                "location__name", "id"
            ),
        ),
        "service_at_locations__location__addresses",
        "service_at_locations__location__accessibility",
        "schedule2",
    )


def _prefetched(service: Service) -> Service:
    """The service with its related rows prefetched (fetched again unless they already are)."""
    cache = getattr(service, "_prefetched_objects_cache", None)
    if cache and "service_at_locations" in cache:
        return service
    return with_related(Service.objects.filter(pk=service.pk)).get()


# --- Value formats ------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _fields(obj: object, names: Iterable[str], *, required: Iterable[str] = ()) -> Document:
    """The named fields of ``obj``, leaving out empty optional ones."""
    always = set(required)
    out: Document = {}
    for name in names:
        value = getattr(obj, name)
        if value is None or value == "":
            if name in always:
                out[name] = "" if value is None else value
            continue
        out[name] = _value(value)
    return out


# --- Taxonomies -----------------------------------------------------------------------------


def taxonomy_term_document(term: TaxonomyTerm) -> Document:
    """ORUK ``taxonomy_term`` (``schema/taxonomy_term.json``)."""
    doc = _fields(term, ("id", "name", "description"), required=("name", "description"))
    if term.parent_id:
        doc["parent_id"] = str(term.parent_id)
    doc["taxonomy"] = term.taxonomy.name
    doc["taxonomy_id"] = str(term.taxonomy_id)
    doc.update(_fields(term, ("term_uri", "term")))
    return doc


def taxonomy_document(
    taxonomy: Taxonomy, *, terms: Iterable[TaxonomyTerm] | None = None
) -> Document:
    """ORUK ``taxonomy`` (``schema/taxonomy.json``), with its terms if ``terms`` is given."""
    doc = _fields(
        taxonomy, ("id", "name", "description", "uri", "version"), required=("name", "description")
    )
    if terms is not None:
        doc["taxonomy_terms"] = [taxonomy_term_document(term) for term in terms]
    return doc


def attribute_document(attribute: Attribute) -> Document:
    doc: Document = {
        "id": str(attribute.id),
        "link_id": str(attribute.link_id),
        "link_entity": attribute.link_entity,
        "taxonomy_term_id": str(attribute.taxonomy_term_id),
    }
    if attribute.link_type:
        doc["link_type"] = attribute.link_type
    doc["taxonomy_term"] = taxonomy_term_document(attribute.taxonomy_term)
    return doc


# --- Organisations ------------------------------------------------------------------------------

_ORGANIZATION_FIELDS = ("id", "name", "description", "email", "website", "logo", "uri")


def organization_document(organization: Organization, *, full: bool = True) -> Document:
    """ORUK ``organization``; ``full`` adds its identifiers (the list shape leaves them out)."""
    doc = _fields(organization, _ORGANIZATION_FIELDS, required=("name", "description"))
    if organization.parent_organization_id:
        doc["parent_organization_id"] = str(organization.parent_organization_id)
    if full:
        doc["organization_identifiers"] = [
            {
                **_fields(
                    identifier,
                    ("id", "identifier_scheme", "identifier_type", "identifier"),
                    required=("identifier_type", "identifier"),
                ),
                "organization_id": str(organization.id),
            }
            for identifier in sorted(organization.identifiers.all(), key=lambda i: str(i.id))
        ]
    return doc


# --- Locations ----------------------------------------------------------------------------------

_LOCATION_FIELDS = (
    "id",
    "location_type",
    "name",
    "description",
    "latitude",
    "longitude",
    "external_identifier",
    "external_identifier_type",
)
_ADDRESS_FIELDS = (
    "id",
    "attention",
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
    "address_type",
)
_ADDRESS_REQUIRED = ("address_1", "city", "state_province", "postal_code", "country")


def _address_document(address: Address, attributes: dict[uuid.UUID, list[Attribute]]) -> Document:
    doc = _fields(address, _ADDRESS_FIELDS, required=_ADDRESS_REQUIRED)
    doc["location_id"] = str(address.location_id)
    doc["attributes"] = [attribute_document(a) for a in attributes.get(address.id, [])]
    return doc


def _accessibility_document(
    accessibility: Accessibility, attributes: dict[uuid.UUID, list[Attribute]]
) -> Document:
    doc = _fields(accessibility, ("id", "description", "details", "url", "accessibility"))
    doc["location_id"] = str(accessibility.location_id)
    doc["attributes"] = [attribute_document(a) for a in attributes.get(accessibility.id, [])]
    return doc


def location_document(
    location: Location,
    *,
    full: bool = True,
    attributes: dict[uuid.UUID, list[Attribute]] | None = None,
) -> Document:
    """ORUK ``location``; ``full`` adds addresses, accessibility and attributes."""
    doc = _fields(location, _LOCATION_FIELDS)
    if full:
        attributes = attributes or {}
        doc["addresses"] = [
            _address_document(a, attributes)
            for a in sorted(location.addresses.all(), key=lambda a: str(a.id))
        ]
        doc["accessibility"] = [
            _accessibility_document(a, attributes)
            for a in sorted(location.accessibility.all(), key=lambda a: str(a.id))
        ]
        doc["attributes"] = [attribute_document(a) for a in attributes.get(location.id, [])]
    return doc


# --- Services -----------------------------------------------------------------------------------

_SERVICE_FIELDS = (
    "id",
    "name",
    "description",
    "url",
    "email",
    "status",
    "fees",
    "accreditations",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "assurer_email",
    "alert",
    "last_modified",
)
_SCHEDULE_FIELDS = (
    "id",
    "valid_from",
    "valid_to",
    "dtstart",
    "freq",
    "interval",
    "byday",
    "bymonthday",
    "description",
    "opens_at",
    "closes_at",
    "schedule_link",
    "attending_type",
    "notes",
)


def _service_fields(service: Service) -> Document:
    doc = _fields(service, _SERVICE_FIELDS, required=("name", "status"))
    doc["organization_id"] = str(service.organization_id)
    return doc


def _schedule_document(schedule: Schedule) -> Document:
    doc = _fields(schedule, _SCHEDULE_FIELDS)
    if schedule.service_id:
        doc["service_id"] = str(schedule.service_id)
    if schedule.service_at_location_id:
        doc["service_at_location_id"] = str(schedule.service_at_location_id)
    return doc


def _language_document(language: Language) -> Document:
    doc = _fields(language, ("id", "name", "code"))
    if language.service_id:
        doc["service_id"] = str(language.service_id)
    if language.phone_id:
        doc["phone_id"] = str(language.phone_id)
    return doc


def _phone_document(phone: Phone) -> Document:
    doc = _fields(phone, ("id", "number", "description"), required=("number",))
    doc["contact_id"] = str(phone.contact_id)
    doc["languages"] = [
        _language_document(language)
        for language in sorted(phone.languages.all(), key=lambda x: str(x.id))
    ]
    return doc


def _contact_document(contact: Contact, attributes: dict[uuid.UUID, list[Attribute]]) -> Document:
    doc = _fields(contact, ("id", "name", "title", "email"))
    doc["service_id"] = str(contact.service_id)
    doc["phones"] = [
        _phone_document(phone) for phone in sorted(contact.phones.all(), key=lambda p: str(p.id))
    ]
    doc["attributes"] = [attribute_document(a) for a in attributes.get(contact.id, [])]
    return doc


def _attributes_by_link(service: Service) -> dict[uuid.UUID, list[Attribute]]:
    by_link: dict[uuid.UUID, list[Attribute]] = {}
    for attribute in service.attributes.all():
        by_link.setdefault(attribute.link_id, []).append(attribute)
    return by_link


def _sal_document(
    sal: ServiceAtLocation,
    schedules: list[Schedule],
    attributes: dict[uuid.UUID, list[Attribute]],
) -> Document:
    return {
        "id": str(sal.id),
        "service_id": str(sal.service_id),
        "location_id": str(sal.location_id),
        "location": location_document(sal.location, attributes=attributes),
        "schedules": [
            _schedule_document(s) for s in schedules if s.service_at_location_id == sal.id
        ],
        "attributes": [attribute_document(a) for a in attributes.get(sal.id, [])],
    }


def extension_document(service: Service) -> Document:
    """OpenSEND's fields that are not in the profile: how to access the service, who can refer,
    and the Schedule 2 answers of an education provider."""
    return {
        "how_to_access": service.how_to_access,
        "referral_by": service.referral_by,
        "schedule2": {
            answer.topic: {"options": list(answer.options), "detail": answer.detail}
            for answer in sorted(service.schedule2.all(), key=lambda a: a.topic)
        },
    }


def service_document(service: Service, *, include_extension: bool = True) -> Document:
    """The full ORUK service (``compiled/service.json``), with OpenSEND's extension under
    ``"opensend"`` unless ``include_extension`` is false."""
    service = _prefetched(service)
    attributes = _attributes_by_link(service)
    schedules = sorted(service.schedules.all(), key=lambda s: str(s.id))
    doc = _service_fields(service)
    doc["organization"] = organization_document(service.organization)
    doc["schedules"] = [_schedule_document(s) for s in schedules if not s.service_at_location_id]
    doc["service_areas"] = [
        {
            **_fields(area, ("id", "name", "extent", "extent_type", "uri", "service_area")),
            "service_id": str(service.id),
        }
        for area in sorted(service.service_areas.all(), key=lambda a: str(a.id))
    ]
    doc["service_at_locations"] = [
        _sal_document(sal, schedules, attributes) for sal in service.service_at_locations.all()
    ]
    doc["languages"] = [
        _language_document(language)
        for language in sorted(service.languages.all(), key=lambda x: str(x.id))
        if not language.phone_id
    ]
    doc["funding"] = [
        {**_fields(funding, ("id", "source")), "service_id": str(service.id)}
        for funding in sorted(service.funding.all(), key=lambda f: str(f.id))
    ]
    doc["cost_options"] = [
        {
            **_fields(
                cost,
                ("id", "valid_from", "valid_to", "option", "amount", "amount_description"),
            ),
            "service_id": str(service.id),
        }
        for cost in sorted(service.cost_options.all(), key=lambda c: str(c.id))
    ]
    doc["contacts"] = [
        _contact_document(contact, attributes)
        for contact in sorted(service.contacts.all(), key=lambda c: str(c.id))
    ]
    doc["attributes"] = [attribute_document(a) for a in attributes.get(service.id, [])]
    if include_extension:
        doc[EXTENSION_KEY] = extension_document(service)
    return doc


def service_list_item(service: Service) -> Document:
    """A service as the paged ``/services`` list shows it (``compiled/service_list.json``):
    one-to-one fields and its organisation. Needs only ``select_related("organization")``."""
    doc = _service_fields(service)
    doc["organization"] = organization_document(service.organization, full=False)
    return doc


def service_at_location_document(
    sal: ServiceAtLocation, *, include_extension: bool = True
) -> Document:
    """The full ORUK ``service_at_location`` (``compiled/service_at_location.json``): the
    location with its addresses and accessibility, and the service it offers."""
    service = _prefetched(sal.service)
    attributes = _attributes_by_link(service)
    schedules = sorted(service.schedules.all(), key=lambda s: str(s.id))
    own = next((s for s in service.service_at_locations.all() if s.id == sal.id), sal)
    doc = _sal_document(own, schedules, attributes)
    service_doc = service_document(service, include_extension=include_extension)
    del service_doc["service_at_locations"]
    doc["service"] = service_doc
    return doc


def service_at_location_list_item(sal: ServiceAtLocation) -> Document:
    """A service at a location as the paged list shows it
    (``compiled/service_at_location_list.json``). Needs
    ``select_related("location", "service__organization")``."""
    return {
        "id": str(sal.id),
        "service_id": str(sal.service_id),
        "location_id": str(sal.location_id),
        "location": location_document(sal.location, full=False),
        "service": service_list_item(sal.service),
    }
