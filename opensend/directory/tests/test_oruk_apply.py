"""Applying ORUK documents: every problem found and reported by path before anything is
written, ids kept, taxonomy terms resolved or added, markup neutralised."""

from __future__ import annotations

import copy
import uuid

import pytest

from opensend.core.tests.factories import AreaFactory
from opensend.directory.models import (
    Attribute,
    Location,
    Organization,
    Schedule2Answer,
    Service,
    Taxonomy,
    TaxonomyTerm,
)
from opensend.directory.oruk.apply import (
    DocumentInvalid,
    apply_service_document,
    clean_document,
    imported_taxonomy_id,
    plain_text,
)
from opensend.directory.taxonomy import SEND_TAXONOMY_ID, term_id
from opensend.directory.tests.factories import DirectoryOrganizationFactory, LocationFactory

pytestmark = pytest.mark.django_db

SERVICE_ID = "5a1f5d2e-54a6-4c54-9a7e-0f4a6b1c2d01"
ORG_ID = "5a1f5d2e-54a6-4c54-9a7e-0f4a6b1c2d02"
LOCATION_ID = "5a1f5d2e-54a6-4c54-9a7e-0f4a6b1c2d03"


def record(**overrides):
    document = {
        "id": SERVICE_ID,
        "name": "Cedar Lane Stay and Play",
        "description": "Play sessions for under fives with additional needs.",
        "status": "active",
        "minimum_age": 0,
        "maximum_age": 5,
        "organization": {
            "id": ORG_ID,
            "name": "Cedar Lane Family Hub",
            "description": "A family hub.",
        },
        "service_at_locations": [
            {
                "id": "5a1f5d2e-54a6-4c54-9a7e-0f4a6b1c2d04",
                "location": {
                    "id": LOCATION_ID,
                    "location_type": "physical",
                    "name": "Cedar Lane Hub",
                    "latitude": 53.41,
                    "longitude": -2.97,
                    "addresses": [
                        {
                            "id": "5a1f5d2e-54a6-4c54-9a7e-0f4a6b1c2d05",
                            "address_1": "1 Cedar Lane",
                            "city": "Halford",
                            "state_province": "Halford Vale",
                            "postal_code": "L4 0TH",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "schedules": [
            {
                "id": "5a1f5d2e-54a6-4c54-9a7e-0f4a6b1c2d06",
                "freq": "WEEKLY",
                "byday": "TU",
                "opens_at": "10:00:00",
                "closes_at": "11:30:00",
            }
        ],
        "attributes": [
            {
                "id": "5a1f5d2e-54a6-4c54-9a7e-0f4a6b1c2d07",
                "taxonomy_term_id": str(term_id("need-slcn")),
                "link_type": "need",
            }
        ],
    }
    document.update(overrides)
    return document


def test_a_valid_record_creates_the_service_its_organisation_and_location(area):
    service = apply_service_document(area=area, document=record(), organization=None)
    assert str(service.id) == SERVICE_ID
    assert service.area == area and service.maximum_age == 5
    assert str(service.organization_id) == ORG_ID and service.organization.area == area
    assert str(Location.objects.get().id) == LOCATION_ID
    assert service.schedules.get().byday == "TU"
    assert service.attributes.get().taxonomy_term.term == "need-slcn"
    assert service.last_modified is not None


def test_a_given_organisation_is_used_and_the_documents_ignored(area):
    org = DirectoryOrganizationFactory(area=area)
    service = apply_service_document(area=area, document=record(), organization=org)
    assert service.organization == org
    assert not Organization.objects.filter(id=ORG_ID).exists()


def test_organization_id_alone_finds_the_organisation_in_the_area(area):
    org = DirectoryOrganizationFactory(area=area)
    document = record(organization_id=str(org.id))
    del document["organization"]
    assert (
        apply_service_document(area=area, document=document, organization=None).organization == org
    )


def broken(path_and_change):
    document = record()
    path_and_change(document)
    return document


def _set(path, value):
    def change(document):
        node = document
        keys = path[:-1]
        for key in keys:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return change


ADDRESS = ["service_at_locations", 0, "location", "addresses", 0]

CASES = [
    (_set(["name"], KeyError), "name", "is required"),
    (_set(["status"], "open"), "status", "must be one of"),
    (_set(["id"], "not-a-uuid"), "id", "must be a UUID"),
    (_set(["minimum_age"], "three"), "minimum_age", "must be a number"),
    (_set(["minimum_age"], 2.5), "minimum_age", "whole age"),
    (_set(["minimum_age"], 9), "maximum_age", "must not be less than the minimum age"),
    (_set(["email"], "not an email"), "email", "must be an email address"),
    (_set(["url"], "not a web address"), "url", "must be a web address"),
    (_set(["assured_date"], "1st March"), "assured_date", "must be a date"),
    (_set(["last_modified"], "yesterday"), "last_modified", "date and time"),
    (_set(["schedules", 0, "opens_at"], "ten"), "schedules[0].opens_at", "must be a time"),
    (_set(["schedules", 0, "byday"], "Tuesdays"), "schedules[0].byday", "days like MO"),
    (_set(["schedules", 0, "freq"], "DAILY"), "schedules[0].freq", "must be one of"),
    (
        _set([*ADDRESS, "postal_code"], KeyError),
        "service_at_locations[0].location.addresses[0].postal_code",
        "is required",
    ),
    (
        _set([*ADDRESS, "address_type"], "home"),
        "service_at_locations[0].location.addresses[0].address_type",
        "must be one of",
    ),
    (
        _set([*ADDRESS, "country"], "GBR"),
        "service_at_locations[0].location.addresses[0].country",
        "at most 2 characters",
    ),
    (
        _set(["service_at_locations", 0, "location", "latitude"], 123.0),
        "service_at_locations[0].location.latitude",
        "between -90 and 90",
    ),
    (
        _set(["service_at_locations", 0, "location"], KeyError),
        "service_at_locations[0].location",
        "is required",
    ),
    (
        _set(["attributes", 0, "taxonomy_term_id"], str(uuid.UUID(int=7))),
        "attributes[0].taxonomy_term_id",
        "not a known taxonomy term",
    ),
    (
        _set(["attributes", 0, "taxonomy_term_id"], KeyError),
        "attributes[0].taxonomy_term_id",
        "is required",
    ),
    (
        _set(["cost_options"], [{"id": str(uuid.UUID(int=9)), "amount": 3.333}]),
        "cost_options[0].amount",
        "at most 2 decimals",
    ),
    (
        _set(
            ["contacts"],
            [{"id": str(uuid.UUID(int=10)), "phones": [{"id": str(uuid.UUID(int=11))}]}],
        ),
        "contacts[0].phones[0].number",
        "is required",
    ),
    (_set(["organization"], KeyError), "organization", "is required"),
    (_set(["organization", "description"], KeyError), "organization.description", "is required"),
    (
        _set(["opensend"], {"how_to_access": "by pigeon"}),
        "opensend.how_to_access",
        "must be one of",
    ),
    (
        _set(["opensend"], {"schedule2": {"cooking": {}}}),
        "opensend.schedule2.cooking",
        "not a Schedule 2 topic",
    ),
    (
        _set(["opensend"], {"schedule2": {"facilities": {"options": ["moat"]}}}),
        "opensend.schedule2.facilities.options[0]",
        "not an option",
    ),
    (
        _set(["schedules"], [{"id": SERVICE_ID[:-1] + "9"}, {"id": SERVICE_ID[:-1] + "9"}]),
        "schedules[1].id",
        "is also the id",
    ),
    (_set(["name"], "x" * 300), "name", "at most 255 characters"),
]


@pytest.mark.parametrize(("change", "path", "reason"), CASES)
def test_a_bad_record_is_rejected_with_its_path_and_reason_and_nothing_is_written(
    area, change, path, reason
):
    with pytest.raises(DocumentInvalid) as raised:
        apply_service_document(area=area, document=broken(change), organization=None)
    problems = dict(raised.value.problems)
    assert path in problems, raised.value.problems
    assert reason in problems[path]
    assert not Service.objects.exists()
    assert not Organization.objects.exists() and not Location.objects.exists()


def test_every_problem_is_collected_not_only_the_first(area):
    document = record(status="open", minimum_age="x")
    del document["name"]
    document["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = 5
    with pytest.raises(DocumentInvalid) as raised:
        apply_service_document(area=area, document=document, organization=None)
    paths = [path for path, _ in raised.value.problems]
    assert {"name", "status", "minimum_age"} <= set(paths)
    assert "service_at_locations[0].location.addresses[0].postal_code" in paths
    assert "name" in str(raised.value)


def test_a_document_that_is_not_an_object_is_rejected(area):
    with pytest.raises(DocumentInvalid) as raised:
        apply_service_document(area=area, document=["a list"], organization=None)
    assert raised.value.problems == [("", "must be a JSON object")]


def test_nulls_are_read_as_absent(area):
    service = apply_service_document(
        area=area, document=record(email=None, url=None, alert=None), organization=None
    )
    assert service.email == "" and service.url == ""


def test_ids_of_another_areas_records_are_refused(area):
    other = AreaFactory(la_code="991", ons_code="E06000991")
    apply_service_document(area=other, document=record(), organization=None)
    with pytest.raises(DocumentInvalid) as raised:
        apply_service_document(area=area, document=record(), organization=None)
    problems = dict(raised.value.problems)
    assert problems["id"] == "is the id of a service in another area"
    assert "organisation in another area" in problems["organization.id"]
    assert "location in another area" in problems["service_at_locations[0].location.id"]


def test_a_child_id_used_by_another_service_is_refused(area):
    apply_service_document(area=area, document=record(), organization=None)
    second = record(id=str(uuid.UUID(int=77)))
    second["service_at_locations"] = []
    with pytest.raises(DocumentInvalid) as raised:
        apply_service_document(area=area, document=second, organization=None)
    problems = dict(raised.value.problems)
    assert problems["schedules[0].id"] == "is the id of another service's record"


def test_missing_child_ids_are_made_stable(area):
    document = record()
    del document["schedules"][0]["id"]
    first = apply_service_document(area=area, document=document, organization=None)
    made = first.schedules.get().id
    again = apply_service_document(area=area, document=document, organization=None)
    assert again.schedules.get().id == made


def test_an_inline_term_is_added_to_the_areas_imported_taxonomy(area):
    new_term = str(uuid.UUID(int=1234))
    document = record(
        attributes=[
            {
                "id": str(uuid.UUID(int=99)),
                "taxonomy_term_id": new_term,
                "taxonomy_term": {
                    "id": new_term,
                    "name": "Sensory processing",
                    "description": "Support with sensory processing.",
                    "term": "sensory-processing",
                },
            }
        ]
    )
    service = apply_service_document(area=area, document=document, organization=None)
    term = TaxonomyTerm.objects.get(id=new_term)
    assert term.taxonomy_id == imported_taxonomy_id(area)
    assert term.taxonomy.area == area
    assert service.attributes.get().taxonomy_term == term


def test_an_inline_term_with_its_own_taxonomy_creates_that_taxonomy(area):
    new_term, taxonomy = str(uuid.UUID(int=1235)), str(uuid.UUID(int=1236))
    document = record(
        attributes=[
            {
                "id": str(uuid.UUID(int=98)),
                "taxonomy_term": {
                    "id": new_term,
                    "name": "Respite",
                    "description": "Respite care.",
                    "taxonomy": "Neighbouring taxonomy",
                    "taxonomy_id": taxonomy,
                },
            }
        ]
    )
    apply_service_document(area=area, document=document, organization=None)
    created = Taxonomy.objects.get(id=taxonomy)
    assert created.name == "Neighbouring taxonomy" and created.area == area


def test_terms_cannot_be_added_to_the_send_taxonomy(area):
    new_term = str(uuid.UUID(int=1237))
    document = record(
        attributes=[
            {
                "id": str(uuid.UUID(int=97)),
                "taxonomy_term": {
                    "id": new_term,
                    "name": "Made up",
                    "description": "Made up.",
                    "taxonomy_id": str(SEND_TAXONOMY_ID),
                },
            }
        ]
    )
    with pytest.raises(DocumentInvalid) as raised:
        apply_service_document(area=area, document=document, organization=None)
    assert (
        "built-in SEND taxonomy"
        in dict(raised.value.problems)["attributes[0].taxonomy_term.taxonomy_id"]
    )


def test_another_areas_term_is_refused(area):
    other = AreaFactory(la_code="991", ons_code="E06000991")
    theirs = Taxonomy.objects.create(area=other, name="Theirs", description="Theirs.")
    term = TaxonomyTerm.objects.create(taxonomy=theirs, name="T", description="T.")
    with pytest.raises(DocumentInvalid) as raised:
        apply_service_document(
            area=area,
            document=record(
                attributes=[{"id": str(uuid.UUID(int=96)), "taxonomy_term_id": str(term.id)}]
            ),
            organization=None,
        )
    assert "another area" in dict(raised.value.problems)["attributes[0].taxonomy_term_id"]


def test_schedule2_answers_come_from_the_extension_and_stay_when_it_is_absent(area):
    document = record(
        opensend={
            "how_to_access": "referral",
            "referral_by": "School SENCO",
            "schedule2": {"wellbeing": {"options": ["elsa", "key-adult"], "detail": "Daily."}},
        }
    )
    service = apply_service_document(area=area, document=document, organization=None)
    assert service.how_to_access == "referral" and service.referral_by == "School SENCO"
    answer = Schedule2Answer.objects.get(service=service)
    assert answer.options == ["elsa", "key-adult"] and answer.detail == "Daily."
    apply_service_document(area=area, document=record(), organization=None)
    assert Schedule2Answer.objects.filter(service=service).count() == 1


def test_an_existing_location_can_be_linked_by_id(area):
    location = LocationFactory(area=area)
    document = record(service_at_locations=[{"location_id": str(location.id)}])
    service = apply_service_document(area=area, document=document, organization=None)
    assert service.service_at_locations.get().location == location


def test_attributes_on_a_location_are_kept_with_their_link(area):
    document = record()
    document["service_at_locations"][0]["location"]["attributes"] = [
        {"id": str(uuid.UUID(int=95)), "taxonomy_term_id": str(term_id("step-free"))}
    ]
    apply_service_document(area=area, document=document, organization=None)
    attribute = Attribute.objects.get(taxonomy_term_id=term_id("step-free"))
    assert str(attribute.link_id) == LOCATION_ID and attribute.link_entity == "location"


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("Plain words", "Plain words"),
        ("<p>Fun &amp; games</p>", "Fun & games"),
        ("Hello<script>alert('x')</script> there", "Hello there"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Safe", "Safe"),
        ('<b onclick="steal()">Bold</b>', "Bold"),
        ("Line one<br>Line two", "Line one\nLine two"),
        ("Ages 5 < 11 and 3 > 2", "Ages 5 < 11 and 3 > 2"),
        ("<style>p{}</style><iframe src=x></iframe>Text", "Text"),
    ],
)
def test_plain_text_neutralises_markup(raw, plain):
    assert plain_text(raw) == plain
    assert plain_text(plain_text(raw)) == plain_text(raw)


def test_script_in_an_imported_description_is_never_stored(area):
    service = apply_service_document(
        area=area,
        document=record(description="<p>Messy play</p><script>alert('pwned')</script>"),
        organization=None,
    )
    assert service.description == "Messy play"
    assert "<" not in clean_document(record(name="<i>Play</i>"))["name"]


def test_clean_document_leaves_the_original_alone():
    original = record(description="<b>x</b>", email=None)
    snapshot = copy.deepcopy(original)
    cleaned = clean_document(original)
    assert original == snapshot
    assert cleaned["description"] == "x" and "email" not in cleaned
