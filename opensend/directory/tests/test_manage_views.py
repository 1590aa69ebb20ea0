"""The staff pages: who may see them, the edit form's errors, saving, sending, approving,
returning, comparing, the lifecycle actions, the data quality page and the area's settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from opensend.core.roles import Role
from opensend.core.tests.factories import OrganisationFactory, staff
from opensend.directory.forms import initial_from_document
from opensend.directory.models import (
    DirectorySettings,
    RevisionState,
    Service,
    ServiceRevision,
    ServiceStatus,
)
from opensend.directory.services import editing
from opensend.directory.tests.test_editing import officer_of, provider_setup, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(local_authority):
    return officer_of(local_authority, full_name="Olive Officer")


@pytest.fixture
def provider(area):
    return provider_setup(area, full_name="Pat Provider")


@pytest.fixture
def service(area, provider):
    _user, organization = provider
    return published(
        area,
        organization,
        name="Splash Swimming Club",
        phone="01632 960001",
        opens=("MO,WE", "09:00", "12:00"),
        cost="4.50",
        postcode="L1 8JQ",
        latitude=53.4,
        longitude=-2.9,
    )


@pytest.fixture
def other_service(area):
    _user, organization = provider_setup(area, name="Other Provider")
    return published(area, organization, name="Other Club")


def url(name, service, *extra):
    return reverse(f"directory:{name}", args=[service.area.la_code, service.pk, *extra])


def form_data(service, **changes):
    """What the edit form posts when nothing is changed, with ``changes``."""
    state = editing.editing_state(service)
    data = {"token": state.token, "action": "save"}
    for key, value in initial_from_document(state.document).items():
        if value is None:
            continue
        data[key] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- who may see what --------------------------------------------------------------------------


def test_anonymous_gets_the_sign_in_page(client, area, service):
    for address in (
        reverse("directory:manage-services", args=[area.la_code]),
        url("manage-service", service),
        url("manage-service-edit", service),
        reverse("directory:manage-quality", args=[area.la_code]),
    ):
        response = client.get(address)
        assert response.status_code == 302
        assert reverse("web:sign-in") in response["Location"]


def test_someone_without_a_local_offer_role_is_refused(client, area, local_authority, service):
    coordinator = staff(Role.EHC_COORDINATOR, local_authority)
    client.force_login(coordinator)
    assert client.get(reverse("directory:manage-services", args=[area.la_code])).status_code == 403
    assert client.get(url("manage-service", service)).status_code == 403
    assert client.get(reverse("directory:manage-home")).status_code == 403


def test_a_provider_sees_only_its_own_services(client, area, provider, service, other_service):
    user, _ = provider
    client.force_login(user)
    listing = client.get(reverse("directory:manage-services", args=[area.la_code]))
    assert listing.status_code == 200
    assert "Splash Swimming Club" in listing.text
    assert "Other Club" not in listing.text
    for name in ("manage-service", "manage-service-edit", "manage-compare"):
        assert client.get(url(name, other_service)).status_code == 404
    assert client.get(url("manage-version", other_service, 1)).status_code == 404
    assert client.post(url("manage-service-edit", other_service), {}).status_code == 404
    assert client.get(url("manage-service-action", other_service, "check")).status_code == 404


@pytest.mark.parametrize(
    "page",
    ["manage-approvals", "manage-quality", "manage-settings"],
)
def test_officer_pages_refuse_providers(client, area, provider, page):
    user, _ = provider
    client.force_login(user)
    assert client.get(reverse(f"directory:{page}", args=[area.la_code])).status_code == 403


@pytest.mark.parametrize("action", ["archive", "unarchive", "schedule"])
def test_officer_actions_refuse_providers(client, provider, service, action):
    user, _ = provider
    client.force_login(user)
    assert client.get(url("manage-service-action", service, action)).status_code == 403
    assert client.post(url("manage-service-action", service, action)).status_code == 403


def test_a_provider_cannot_approve(client, provider, service):
    user, _ = provider
    client.force_login(user)
    client.post(url("manage-service-edit", service), form_data(service, action="submit"))
    response = client.post(url("manage-service-approve", service), {"action": "approve"})
    assert response.status_code == 403
    assert editing.open_revision(service).state == RevisionState.SUBMITTED


def test_the_staff_home_goes_to_the_area(client, area, officer):
    client.force_login(officer)
    response = client.get(reverse("directory:manage-home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:manage-services", args=[area.la_code])


def test_an_unknown_action_is_not_found(client, officer, service):
    client.force_login(officer)
    assert client.get(url("manage-service-action", service, "explode")).status_code == 404


# --- the edit form ------------------------------------------------------------------------------


def test_the_edit_form_shows_the_service(client, provider, service):
    user, _ = provider
    client.force_login(user)
    response = client.get(url("manage-service-edit", service))
    assert response.status_code == 200
    assert 'value="Splash Swimming Club"' in response.text
    assert 'value="01632 960001"' in response.text
    assert 'value="09:00"' in response.text
    assert 'value="4.50"' in response.text
    assert "Latitude" not in response.text  # officers only


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the name of the service"),
        ({"minimum_age": "12", "maximum_age": "5"}, "maximum_age", "The oldest age must be"),
        ({"minimum_age": "five"}, "minimum_age", "whole number of years"),
        ({"times_1_closes": "08:00"}, "times_1_closes", "Times 1: the time it closes must be"),
        ({"times_1_opens": "25:00"}, "times_1_opens", "Times 1: enter the time it opens"),
        (
            {"times_2_id": "", "times_2_opens": "09:00", "times_2_closes": "10:00"},
            "times_2_days",
            "Times 2: choose the days it runs",
        ),
        ({"location_1_postcode": "12345"}, "location_1_postcode", "Location 1: enter a real"),
        (
            {"location_1_postcode": "ZZ9 9ZZ"},
            "location_1_postcode",
            "Location 1: we could not find the postcode ZZ9 9ZZ",
        ),
        (
            {"location_1_address_1": ""},
            "location_1_address_1",
            "Location 1: enter the first line of the address",
        ),
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        (
            {"contact_1_email": "x@"},
            "contact_1_email",
            "Contact 1: enter an email address in the correct format",
        ),
        ({"contact_1_phone_1": "call us"}, "contact_1_phone_1", "Contact 1: enter a phone number"),
        ({"cost_1_amount": "lots"}, "cost_1_amount", "Cost 1: the amount must be a number"),
        (
            {"cost_1_amount": "", "cost_1_option": "Session"},
            "cost_1_amount",
            "Cost 1: enter the amount",
        ),
        ({"url": "not a web address"}, "url", "Enter a web address"),
        ({"needs": ["XYZ"]}, "needs", "Choose needs it meets from the list"),
    ],
)
def test_bad_input_gets_field_errors(client, provider, service, changes, field, message):
    user, _ = provider
    client.force_login(user)
    response = client.post(url("manage-service-edit", service), form_data(service, **changes))
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert f'href="#id_{field}"' in response.text
    assert message in response.text
    assert editing.open_revision(service) is None


def test_saving_a_draft_keeps_the_public_version(client, provider, service):
    user, _ = provider
    client.force_login(user)
    response = client.post(
        url("manage-service-edit", service),
        form_data(
            service,
            description="Lessons for beginners.",
            needs=["need-asd", "need-pd"],
            location_1_accessibility=["step-free"],
            how_to_access="self",
            times_2_id="",
            times_2_days=["SA"],
            times_2_opens="10am",
            times_2_closes="11:30",
            summary="Added Saturday",
        ),
    )
    assert response.status_code == 302
    revision = editing.open_revision(service)
    assert revision.state == RevisionState.DRAFT
    assert revision.summary == "Added Saturday"
    assert revision.document["description"] == "Lessons for beginners."
    assert [s["byday"] for s in revision.document["schedules"]] == ["MO,WE", "SA"]
    service.refresh_from_db()
    assert service.description != "Lessons for beginners."


def test_a_stale_form_is_refused_with_who_saved(client, officer, provider, service):
    user, _ = provider
    stale = form_data(service, description="Provider words")
    client.force_login(officer)
    client.post(
        url("manage-service-edit", service), form_data(service, description="Officer words")
    )
    client.force_login(user)
    response = client.post(url("manage-service-edit", service), stale)
    assert response.status_code == 409
    assert "Olive Officer saved this service at" in response.text
    assert editing.open_revision(service).document["description"] == "Officer words"


def test_a_second_editor_is_told_they_work_on_the_same_draft(client, officer, provider, service):
    user, _ = provider
    client.force_login(user)
    client.post(url("manage-service-edit", service), form_data(service, description="Draft"))
    client.force_login(officer)
    response = client.get(url("manage-service-edit", service))
    assert "You are working on the draft (version 2) that Pat Provider started" in response.text


def test_submit_approve_and_the_public_sees_the_new_version(client, officer, provider, service):
    user, _ = provider
    client.force_login(user)
    response = client.post(
        url("manage-service-edit", service),
        form_data(service, name="Splash Club", action="submit"),
    )
    assert response.status_code == 302
    assert editing.open_revision(service).state == RevisionState.SUBMITTED
    client.force_login(officer)
    queue = client.get(reverse("directory:manage-approvals", args=[service.area.la_code]))
    assert "Splash Swimming Club" in queue.text
    review = client.get(url("manage-service-approve", service))
    assert review.status_code == 200
    assert "<del>Splash Swimming Club</del>" in review.text
    assert "<ins>Splash Club</ins>" in review.text
    response = client.post(
        url("manage-service-approve", service), {"action": "approve", "note": ""}
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Splash Club"


def test_return_needs_a_reason(client, officer, provider, service):
    user, _ = provider
    client.force_login(user)
    client.post(url("manage-service-edit", service), form_data(service, action="submit"))
    client.force_login(officer)
    response = client.post(
        url("manage-service-approve", service), {"action": "return", "reason": ""}
    )
    assert response.status_code == 400
    assert "Say why the edit is being returned" in response.text
    response = client.post(
        url("manage-service-approve", service), {"action": "return", "reason": "Add prices"}
    )
    assert response.status_code == 302
    assert ServiceRevision.objects.get(service=service, number=2).state == RevisionState.REJECTED
    client.force_login(user)
    page = client.get(url("manage-service", service))
    assert "Add prices" in page.text


def test_officer_publishes_directly_and_sets_a_map_position(client, officer, service):
    client.force_login(officer)
    data = form_data(
        service, action="publish", location_1_latitude="53.41", location_1_longitude="-2.95"
    )
    response = client.post(url("manage-service-edit", service), data)
    assert response.status_code == 302, response.text
    service.refresh_from_db()
    location = service.service_at_locations.get().location
    assert (location.latitude, location.longitude) == (53.41, -2.95)


def test_the_postcode_places_a_new_location(client, provider, area):
    user, organization = provider
    service = published(area, organization, name="No Place Yet")
    client.force_login(user)
    data = form_data(
        service,
        location_1_name="Village Hall",
        location_1_address_1="1 Church Lane",
        location_1_city="Runcorn",
        location_1_postcode="wa7 1ab",
    )
    response = client.post(url("manage-service-edit", service), data)
    assert response.status_code == 302, response.text
    location = editing.open_revision(service).document["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] == "WA7 1AB"
    assert location["latitude"] is not None


def test_versions_and_compare_pages(client, officer, service):
    client.force_login(officer)
    client.post(
        url("manage-service-edit", service), form_data(service, name="Renamed", action="publish")
    )
    assert client.get(url("manage-version", service, 1)).status_code == 200
    assert client.get(url("manage-version", service, 9)).status_code == 404
    page = client.get(url("manage-compare", service) + "?a=2&b=1")
    assert page.status_code == 200
    assert "Changes from version 1 to version 2" in page.text
    assert "<ins>Renamed</ins>" in page.text
    assert client.get(url("manage-compare", service) + "?a=x").status_code == 404


def test_a_new_service_starts_as_a_draft(client, area, provider):
    user, organization = provider
    client.force_login(user)
    page = reverse("directory:manage-service-new", args=[area.la_code])
    response = client.post(page, {"name": "", "organization": str(organization.pk)})
    assert response.status_code == 400
    assert "Enter the name of the service" in response.text
    response = client.post(page, {"name": "Stay and Play", "organization": str(organization.pk)})
    assert response.status_code == 302
    service = Service.objects.get(name="Stay and Play")
    assert service.published_revision is None
    assert editing.open_revision(service).state == RevisionState.DRAFT


# --- lifecycle actions -------------------------------------------------------------------------


def test_lifecycle_actions_through_the_pages(client, officer, service):
    client.force_login(officer)
    assert client.get(url("manage-service-action", service, "close")).status_code == 200
    response = client.post(
        url("manage-service-action", service, "close"), {"reopens_on": "1/1/2000"}
    )
    assert response.status_code == 400
    assert "must be in the future" in response.text
    response = client.post(url("manage-service-action", service, "close"), {"reopens_on": "not"})
    assert "must be a real date" in response.text
    client.post(url("manage-service-action", service, "close"), {"reopens_on": ""})
    service.refresh_from_db()
    assert service.status == ServiceStatus.TEMPORARILY_CLOSED
    client.post(url("manage-service-action", service, "reopen"))
    client.post(url("manage-service-action", service, "archive"))
    service.refresh_from_db()
    assert service.archived_at is not None
    archived = client.get(
        reverse("directory:manage-services", args=[service.area.la_code]) + "?show=archived"
    )
    assert "Splash Swimming Club" in archived.text
    client.post(url("manage-service-action", service, "unarchive"))
    later = timezone.localdate() + dt.timedelta(days=10)
    client.post(
        url("manage-service-action", service, "schedule"),
        {"publish_from": later.strftime("%d/%m/%Y")},
    )
    service.refresh_from_db()
    assert service.archived_at is None
    assert service.publish_from == later
    client.post(url("manage-service-action", service, "check"), {"note": "Rang them"})
    assert service.checks.get().note == "Rang them"


@pytest.mark.parametrize(
    "show", ["", "waiting", "drafts", "due", "hidden", "archived", "mine", "junk"]
)
def test_the_services_list_filters(client, officer, service, show):
    client.force_login(officer)
    response = client.get(
        reverse("directory:manage-services", args=[service.area.la_code]) + f"?show={show}"
    )
    assert response.status_code == 200
    assert ("Splash Swimming Club" in response.text) == (show in ("", "junk"))


# --- quality and settings ----------------------------------------------------------------------


def test_the_data_quality_page(client, officer, service):
    client.force_login(officer)
    response = client.get(reverse("directory:manage-quality", args=[service.area.la_code]))
    assert response.status_code == 200
    assert "Without how to access" in response.text


def test_area_settings(client, officer, area):
    client.force_login(officer)
    page = reverse("directory:manage-settings", args=[area.la_code])
    assert client.get(page).status_code == 200
    response = client.post(page, {"review_interval_days": "10", "grace_period_days": "30"})
    assert response.status_code == 400
    assert "at least 30 days" in response.text
    response = client.post(
        page,
        {
            "review_interval_days": "180",
            "grace_period_days": "30",
            "feedback_email": "local.offer@example.org",
            "accessibility_statement": "We aim for WCAG 2.2 AA.",
        },
    )
    assert response.status_code == 302
    settings = DirectorySettings.objects.get(area=area)
    assert (settings.review_interval_days, settings.grace_period_days) == (180, 30)
    assert settings.feedback_email == "local.offer@example.org"


def test_an_officer_of_another_area_is_refused(client, service):
    from opensend.core.tests.factories import AreaFactory

    elsewhere = OrganisationFactory(home_area=AreaFactory())
    other_officer = staff(Role.LOCAL_OFFER_OFFICER, elsewhere)
    client.force_login(other_officer)
    assert client.get(url("manage-service", service)).status_code == 403


def test_script_in_an_edit_is_shown_as_text(client, officer, provider, service):
    user, _ = provider
    client.force_login(user)
    client.post(
        url("manage-service-edit", service),
        form_data(service, description="<script>alert(1)</script>", action="submit"),
    )
    client.force_login(officer)
    for page in (url("manage-service-approve", service), url("manage-version", service, 2)):
        response = client.get(page)
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
