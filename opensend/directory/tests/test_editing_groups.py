"""Every location, contact, set of times and cost option of a service is edited in the one
form: existing ones shown and removable, new ones added without JavaScript ("add another"),
errors naming the group; the version holds exactly the rows left, and approval applies them,
keeping the ids of the rows untouched. Accessibility is per place, on the form and on the
public page."""

from __future__ import annotations

import re
import uuid

import pytest
from django.http import QueryDict
from django.urls import reverse

from opensend.directory import forms
from opensend.directory.models import (
    Attribute,
    Contact,
    CostOption,
    Location,
    Schedule,
    ServiceAtLocation,
)
from opensend.directory.services import editing, publish
from opensend.directory.taxonomy import term_id
from opensend.directory.tests.factories import tag
from opensend.directory.tests.test_editing import officer_of, provider_setup, published
from opensend.directory.tests.test_manage_views import form_data, url

pytestmark = pytest.mark.django_db

SERVICE = "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a01"
SAL_1, LOC_1 = "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a11", "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a12"
SAL_2, LOC_2 = "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a21", "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a22"
CONTACT_1, PHONE_1 = "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a31", "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a32"
CONTACT_2 = "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a41"
COST_1, COST_2 = "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a51", "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a52"
TIMES_1 = "5b1c2f0e-8a51-4c3e-9a37-2f1d6c0b7a61"


def _place(sal_id, location_id, name, line_1, city, postcode, tags):
    return {
        "id": sal_id,
        "service_id": SERVICE,
        "location_id": location_id,
        "location": {
            "id": location_id,
            "name": name,
            "location_type": "physical",
            "latitude": 53.4,
            "longitude": -2.9,
            "addresses": [
                {
                    "id": str(uuid.uuid5(uuid.UUID(location_id), "address")),
                    "location_id": location_id,
                    "address_1": line_1,
                    "city": city,
                    "state_province": "Merseyside",
                    "address_type": "physical",
                    "postal_code": postcode,
                    "country": "GB",
                }
            ],
            "accessibility": [],
        },
        "schedules": [],
        "attributes": [
            {
                "id": str(uuid.uuid5(uuid.UUID(sal_id), code)),
                "taxonomy_term_id": str(term_id(code)),
                "link_type": "accessibility",
                "link_entity": "service_at_location",
            }
            for code in tags
        ],
    }


def rich_document(organization):
    return {
        "id": SERVICE,
        "name": "Splash Swimming Club",
        "description": "Swimming for disabled children.",
        "status": "active",
        "organization_id": str(organization.pk),
        "schedules": [
            {
                "id": TIMES_1,
                "service_id": SERVICE,
                "freq": "WEEKLY",
                "byday": "MO",
                "opens_at": "09:00:00",
                "closes_at": "10:00:00",
            }
        ],
        "cost_options": [
            {"id": COST_1, "service_id": SERVICE, "option": "One session", "amount": 5},
            {"id": COST_2, "service_id": SERVICE, "option": "Ten sessions", "amount": 40},
        ],
        "service_at_locations": [
            _place(
                SAL_1, LOC_1, "Leisure Centre", "1 Pool Road", "Liverpool", "L1 8JQ", ["step-free"]
            ),
            _place(
                SAL_2, LOC_2, "Village Hall", "2 Church Lane", "Runcorn", "WA7 1AB", ["quiet-space"]
            ),
        ],
        "contacts": [
            {
                "id": CONTACT_1,
                "service_id": SERVICE,
                "name": "Reception",
                "title": "Front desk",
                "phones": [{"id": PHONE_1, "contact_id": CONTACT_1, "number": "01632 960001"}],
            },
            {"id": CONTACT_2, "service_id": SERVICE, "name": "Manager", "email": "m@example.org"},
        ],
        "opensend": {"how_to_access": "self", "referral_by": "", "schedule2": {}},
    }


@pytest.fixture
def officer(local_authority):
    return officer_of(local_authority, full_name="Olive Officer")


@pytest.fixture
def provider(area):
    return provider_setup(area, full_name="Pat Provider")


@pytest.fixture
def service(area, provider):
    _user, organization = provider
    revision = publish.publish_document(
        area=area,
        document=rich_document(organization),
        organization=organization,
        acting_user=None,
        summary="Imported",
    )
    return revision.service


def posted(data):
    """What a browser posts: every value of every field."""
    if isinstance(data, QueryDict):
        return {key: data.getlist(key) for key in data}
    return data


def set_values(data, values):
    for key, value in values.items():
        data[key] = value


def save_draft(client, service, data):
    response = client.post(url("manage-service-edit", service), posted(data))
    assert response.status_code == 302, response.text
    return editing.open_revision(service).document


def layout(client, service, data, action):
    """Press an "add another" or "remove" button: the form comes back, nothing saved."""
    response = client.post(url("manage-service-edit", service), {**data, "layout": action})
    assert response.status_code == 200
    assert "There is a problem" not in response.text
    assert editing.open_revision(service) is None
    return response


def values(data):
    """A re-rendered form's posted values, for the next press."""
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


# --- "add another" and "remove" without JavaScript ---------------------------------------------


@pytest.mark.parametrize(
    ("posted", "action", "expected"),
    [
        ({"cost_1_id": "a", "cost_2_id": "b"}, "add-cost", {"cost_1_id", "cost_2_id", "cost_3_id"}),
        ({}, "add-location", {"location_2_id"}),
        (
            {"contact_1_id": "a", "contact_2_id": "b", "contact_2_phone_1": "1", "name": "x"},
            "remove-contact-1",
            {"contact_1_id", "contact_1_phone_1", "name"},
        ),
        (
            {"times_1_id": "a", "times_2_id": "b", "times_3_id": "c", "cost_2_id": "d"},
            "remove-times-2",
            {"times_1_id", "times_2_id", "cost_2_id"},
        ),
    ],
)
def test_rearranged_adds_a_blank_group_or_removes_one_and_renumbers(posted, action, expected):
    assert set(forms.rearranged(values(posted), action)) == expected


def test_removing_renumbers_the_later_groups_values():
    posted = values({"contact_1_id": "a", "contact_2_id": "b", "contact_2_name": "Manager"})
    data = forms.rearranged(posted, "remove-contact-1")
    assert data["contact_1_id"] == "b"
    assert data["contact_1_name"] == "Manager"


@pytest.mark.parametrize(
    "action", ["add-cost-2", "remove-cost", "remove-people-1", "add-everything", "remove-cost-0"]
)
def test_rearranged_refuses_anything_else(action):
    assert forms.rearranged(values({"cost_1_id": "a"}), action) is None


def test_an_unknown_layout_action_is_not_found(client, provider, service):
    user, _ = provider
    client.force_login(user)
    data = {**form_data(service), "layout": "add-everything"}
    assert client.post(url("manage-service-edit", service), data).status_code == 404


def test_the_form_shows_every_location_contact_time_and_cost(client, provider, service):
    user, _ = provider
    client.force_login(user)
    page = client.get(url("manage-service-edit", service)).text
    for text in ("Location 2", "Contact 2", "Cost 2", "Times 1", "Add another location"):
        assert text in page
    for value in ("Village Hall", "WA7 1AB", "Manager", "m@example.org", "40.00", "01632 960001"):
        assert f'value="{value}"' in page
    assert f'name="location_2_id" value="{SAL_2}"' in page
    assert 'value="remove-location-2"' in page
    assert 'value="remove-contact-1"' in page
    # each place's own accessibility
    assert re.search(r'name="location_1_accessibility"[^>]*value="step-free" checked', page)
    assert re.search(r'name="location_2_accessibility"[^>]*value="quiet-space" checked', page)
    assert not re.search(r'name="location_2_accessibility"[^>]*value="step-free" checked', page)


def test_add_another_location_shows_a_blank_group_keeping_what_was_typed(client, provider, service):
    user, _ = provider
    client.force_login(user)
    data = form_data(service, description="Typed, not saved", location_1_postcode="bad")
    response = layout(client, service, data, "add-location")
    assert "Location 3" in response.text
    assert 'name="location_3_name"' in response.text
    assert ">Typed, not saved</textarea>" in response.text
    assert 'value="bad"' in response.text  # shown again, not checked until saved


def test_remove_takes_the_group_out_of_the_form(client, provider, service):
    user, _ = provider
    client.force_login(user)
    response = layout(client, service, form_data(service), "remove-contact-1")
    assert 'value="Reception"' not in response.text
    assert f'name="contact_1_id" value="{CONTACT_2}"' in response.text
    assert "Contact 2" not in response.text


# --- what a save writes ------------------------------------------------------------------------


def test_editing_the_second_location(client, provider, service):
    user, _ = provider
    client.force_login(user)
    before = editing.editing_state(service).document
    document = save_draft(
        client,
        service,
        form_data(
            service,
            location_2_name="Village Hall Annexe",
            location_2_address_1="4 Church Lane",
            location_2_accessibility=["quiet-space", "hearing-loop"],
            location_2_accessibility_detail="The loop is in the main hall.",
        ),
    )
    first, second = document["service_at_locations"]
    assert first == before["service_at_locations"][0]  # untouched, ids and all
    assert (second["id"], second["location"]["id"]) == (SAL_2, LOC_2)
    assert second["location"]["name"] == "Village Hall Annexe"
    assert second["location"]["addresses"][0]["address_1"] == "4 Church Lane"
    assert second["location"]["accessibility"][0]["description"] == (
        "The loop is in the main hall."
    )
    tags = {a["taxonomy_term_id"]: a for a in second["attributes"]}
    assert set(tags) == {str(term_id("quiet-space")), str(term_id("hearing-loop"))}
    assert tags[str(term_id("hearing-loop"))]["link_id"] == SAL_2
    assert tags[str(term_id("hearing-loop"))]["link_entity"] == "service_at_location"


def test_a_place_keeps_its_map_position_until_its_postcode_changes(client, provider, service):
    user, _ = provider
    client.force_login(user)
    document = save_draft(client, service, form_data(service))
    assert document["service_at_locations"][1]["location"]["latitude"] == 53.4
    document = save_draft(client, service, form_data(service, location_2_postcode="L1 8JQ"))
    assert document["service_at_locations"][1]["location"]["latitude"] != 53.4


def test_removing_a_contact_leaves_exactly_the_others(client, provider, service):
    user, _ = provider
    client.force_login(user)
    data = forms.rearranged(values(form_data(service)), "remove-contact-1")
    document = save_draft(client, service, data)
    assert [c["id"] for c in document["contacts"]] == [CONTACT_2]
    assert document["contacts"][0]["email"] == "m@example.org"


def test_adding_a_third_and_fourth_cost_option(client, provider, service):
    user, _ = provider
    client.force_login(user)
    data = values(form_data(service))
    for _ in range(2):
        data = forms.rearranged(data, "add-cost")
    response = layout(client, service, form_data(service), "add-cost")
    assert 'name="cost_3_amount"' in response.text
    set_values(
        data,
        {
            "cost_3_option": "A term",
            "cost_3_amount": "£55",
            "cost_4_option": "Holiday week",
            "cost_4_amount": "1,020.50",
            "cost_4_amount_description": "Lunch included",
        },
    )
    document = save_draft(client, service, data)
    costs = document["cost_options"]
    assert [c["id"] for c in costs[:2]] == [COST_1, COST_2]
    assert [(c["option"], c["amount"]) for c in costs] == [
        ("One session", 5),
        ("Ten sessions", 40),
        ("A term", 55),
        ("Holiday week", 1020.5),
    ]
    assert costs[3]["amount_description"] == "Lunch included"
    assert len({c["id"] for c in costs}) == 4


def test_adding_a_schedule(client, provider, service):
    user, _ = provider
    client.force_login(user)
    data = forms.rearranged(values(form_data(service)), "add-times")
    data.setlist("times_2_days", ["SA", "SU"])
    set_values(data, {"times_2_opens": "10am", "times_2_closes": "12:30"})
    document = save_draft(client, service, data)
    first, second = document["schedules"]
    assert first["id"] == TIMES_1 and first["byday"] == "MO"
    assert (second["byday"], second["opens_at"], second["closes_at"]) == (
        "SA,SU",
        "10:00:00",
        "12:30:00",
    )


def test_a_phone_number_is_added_to_a_contact_and_another_cleared(client, provider, service):
    user, _ = provider
    client.force_login(user)
    data = form_data(service, contact_1_phone_2="07700 900982", contact_2_phone_1="01632 960002")
    document = save_draft(client, service, data)
    reception, manager = document["contacts"]
    assert (reception["phones"][0]["id"], reception["phones"][0]["number"]) == (
        PHONE_1,
        "01632 960001",
    )
    assert [p["number"] for p in reception["phones"]] == ["01632 960001", "07700 900982"]
    assert [p["number"] for p in manager["phones"]] == ["01632 960002"]
    page = client.get(url("manage-service-edit", service)).text
    assert 'name="contact_1_phone_3"' in page  # always room for one more
    document = save_draft(client, service, form_data(service, contact_1_phone_1=""))
    assert [p["number"] for p in document["contacts"][0]["phones"]] == ["07700 900982"]


def test_a_group_claiming_a_record_that_is_not_there_makes_a_new_one(client, provider, service):
    user, _ = provider
    client.force_login(user)
    stranger = str(uuid.uuid4())
    document = save_draft(
        client, service, form_data(service, cost_2_id=COST_1, contact_2_id=stranger)
    )
    cost_ids = [c["id"] for c in document["cost_options"]]
    assert cost_ids[0] == COST_1 and cost_ids[1] not in (COST_1, COST_2)
    assert document["contacts"][1]["id"] not in (stranger, CONTACT_2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"location_2_postcode": ""}, "location_2_postcode", "Location 2: enter the postcode"),
        ({"location_2_city": ""}, "location_2_city", "Location 2: enter the town or city"),
        (
            {"location_3_id": "", "location_3_accessibility": ["step-free"]},
            "location_3_address_1",
            "Location 3: enter the address the accessibility information is about",
        ),
        ({"contact_2_email": "m@"}, "contact_2_email", "Contact 2: enter an email address"),
        ({"cost_2_amount": "1.234"}, "cost_2_amount", "Cost 2: the amount must be pounds and"),
        ({"times_1_days": []}, "times_1_days", "Times 1: choose the days it runs"),
        ({"location_2_name": "x" * 256}, "location_2_name", "Location 2: name of the place must"),
        ({"location_2_accessibility": ["lift"]}, "location_2_accessibility", "Location 2: choose"),
    ],
)
def test_errors_name_the_group_and_field(client, provider, service, changes, field, message):
    user, _ = provider
    client.force_login(user)
    response = client.post(url("manage-service-edit", service), form_data(service, **changes))
    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.text
    assert message in response.text
    assert editing.open_revision(service) is None


def test_an_officer_places_the_second_location_on_the_map(client, officer, service):
    client.force_login(officer)
    response = client.post(
        url("manage-service-edit", service),
        form_data(service, location_2_latitude="53.33", location_2_longitude=""),
    )
    assert response.status_code == 400
    assert "Location 2: enter both the latitude and the longitude, or neither" in response.text
    data = form_data(
        service, action="publish", location_2_latitude="53.33", location_2_longitude="-2.70"
    )
    assert client.post(url("manage-service-edit", service), data).status_code == 302
    location = Location.objects.get(pk=LOC_2)
    assert (location.latitude, location.longitude) == (53.33, -2.70)


def test_paid_costs_need_free_or_paid_chosen(client, provider, area):
    user, organization = provider
    bare = published(area, organization, name="No Cost Yet")
    client.force_login(user)
    response = client.post(
        url("manage-service-edit", bare),
        form_data(bare, cost_1_option="Session", cost_1_amount="3"),
    )
    assert response.status_code == 400
    assert "Choose whether it costs anything" in response.text


# --- approval applies it -----------------------------------------------------------------------


def test_approval_applies_every_group_keeping_the_ids_of_untouched_rows(
    client, provider, officer, service
):
    user, _ = provider
    client.force_login(user)
    data = values(form_data(service, action="submit"))
    data = forms.rearranged(data, "remove-contact-1")
    data = forms.rearranged(data, "remove-location-1")
    data = forms.rearranged(data, "add-location")
    data = forms.rearranged(data, "add-cost")
    set_values(
        data,
        {
            "location_1_name": "Village Hall Annexe",
            "location_2_name": "Library",
            "location_2_address_1": "3 Book Street",
            "location_2_city": "Runcorn",
            "location_2_postcode": "WA7 1AB",
            "cost_3_option": "A term",
            "cost_3_amount": "55",
        },
    )
    data.setlist("location_2_accessibility", ["changing-places"])
    data.setlist("location_1_accessibility", [])
    save_draft(client, service, data)
    revision = editing.open_revision(service)
    editing.revision_approve(acting_user=officer, revision=revision)

    sals = list(ServiceAtLocation.objects.filter(service=service).select_related("location"))
    assert {s.location.name for s in sals} == {"Village Hall Annexe", "Library"}
    kept = next(s for s in sals if s.location.name == "Village Hall Annexe")
    assert (str(kept.pk), str(kept.location_id)) == (SAL_2, LOC_2)
    assert not Location.objects.filter(pk=LOC_1).exists()  # no service is there any more
    library = next(s for s in sals if s.location.name == "Library")
    address = library.location.addresses.get()
    assert (address.postal_code, address.state_province, address.address_type) == (
        "WA7 1AB",
        "Runcorn",
        "physical",
    )
    assert [str(c.pk) for c in Contact.objects.filter(service=service)] == [CONTACT_2]
    costs = CostOption.objects.filter(service=service)
    assert {str(c.pk) for c in costs} >= {COST_1, COST_2} and costs.count() == 3
    assert [str(s.pk) for s in Schedule.objects.filter(service=service)] == [TIMES_1]
    tags = {
        (str(a.link_id), a.taxonomy_term_id)
        for a in Attribute.objects.filter(service=service, link_type="accessibility")
    }
    assert tags == {(str(library.pk), term_id("changing-places"))}


def test_the_public_page_shows_each_locations_accessibility_under_it(client, area, service):
    page = client.get(reverse("directory:public-service", args=[area.la_code, service.pk])).text
    centre = page[page.index("Leisure Centre</h3>") : page.index("Village Hall</h3>")]
    hall = page[page.index("Village Hall</h3>") :]
    hall = hall[: hall.index("</dl>")]
    assert "Step-free access" in centre and "Quiet space" not in centre
    assert "Quiet space" in hall and "Step-free access" not in hall


def test_accessibility_tagged_on_the_service_belongs_to_its_first_place(client, area, provider):
    """As older versions and the generator tag it: shown under the first place, ticked on the
    first place in the form, and moved onto that place when the form is saved."""
    user, organization = provider
    old = published(area, organization, name="Older Club", postcode="L1 8JQ", latitude=53.4)
    tag(old, "hearing-loop", "accessibility")
    page = client.get(reverse("directory:public-service", args=[area.la_code, old.pk])).text
    assert "Hearing loop" in page[page.index("Older Club base</h3>") :]
    client.force_login(user)
    data = form_data(old)
    assert data["location_1_accessibility"] == ["hearing-loop"]
    document = save_draft(client, old, data)
    assert not [
        a for a in document["attributes"] if a["taxonomy_term_id"] == str(term_id("hearing-loop"))
    ]
    sal = document["service_at_locations"][0]
    assert [a["taxonomy_term_id"] for a in sal["attributes"]] == [str(term_id("hearing-loop"))]


def test_a_service_with_no_place_keeps_its_own_accessibility(client, area, provider):
    user, organization = provider
    helpline = published(area, organization, name="Helpline")
    tag(helpline, "bsl", "accessibility")
    client.force_login(user)
    document = save_draft(client, helpline, form_data(helpline))
    assert [a["taxonomy_term_id"] for a in document["attributes"]] == [str(term_id("bsl"))]
    page = client.get(reverse("directory:public-service", args=[area.la_code, helpline.pk]))
    assert "British Sign Language" in page.text
