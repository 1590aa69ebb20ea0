"""A provider edits a service; the public page still shows the approved version; an officer
compares and approves; the public page shows the new version. Every staff page is checked with
axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensend.directory.tests.factories import public_service
from opensend.directory.tests.test_editing import officer_of, provider_setup

pytestmark = pytest.mark.browser

OLD = "Swimming lessons for disabled children, in a quiet pool."
NEW = "Swimming lessons for disabled children, now on Saturdays too."


#: These pages do more than most (a whole service's form, diffs): allow a loaded machine time.
SLOW_MS = 30_000


def banner(page):
    return page.locator(".govuk-notification-banner")


def test_a_provider_edits_and_an_officer_approves(page, check, area, local_authority, sign_in_as):
    provider, organization = provider_setup(area, full_name="Pat Provider")
    officer = officer_of(local_authority, full_name="Olive Officer")
    service = public_service(
        area=area,
        organization=organization,
        name="Splash Swimming Club",
        description=OLD,
        phone="01632 960001",
        opens=("MO,WE", "09:00", "12:00"),
        postcode="L1 8JQ",
        latitude=53.4,
        longitude=-2.9,
    )
    public_url = f"/local-offer/{area.la_code}/services/{service.pk}/"
    page.set_default_timeout(SLOW_MS)

    # the provider edits
    sign_in_as(provider)
    page.goto(f"/local-offer/manage/{area.la_code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Local Offer services")
    check("the services list")
    page.get_by_role("link", name="Splash Swimming Club").click()
    check("the service's staff page")
    page.get_by_role("button", name="Edit the service").click()
    check("the edit form")
    page.get_by_label("Youngest age").fill("12")
    page.get_by_label("Oldest age").fill("5")
    page.get_by_role("button", name="Save and send for approval").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The oldest age must be the same as or more than the youngest age"
    )
    check("the edit form, with errors")
    page.get_by_label("Youngest age").fill("5")
    page.get_by_label("Oldest age").fill("16")
    page.get_by_label("Description").fill(NEW)
    page.get_by_role("button", name="Save and send for approval").click()
    expect(banner(page)).to_contain_text("Sent for approval")
    check("the service page, waiting for approval")

    # the public still sees the approved version
    page.goto(public_url)
    expect(page.locator("main")).to_contain_text(OLD)
    expect(page.locator("main")).not_to_contain_text(NEW)

    # the officer compares and approves
    sign_in_as(officer)
    page.goto(f"/local-offer/manage/{area.la_code}/approvals/")
    check("the approval queue")
    page.get_by_role("link", name="Splash Swimming Club").click()
    expect(page.locator("ins")).to_contain_text([NEW])
    expect(page.locator("del")).to_contain_text([OLD])
    check("the approval page")
    page.get_by_role("button", name="Approve and publish").click()
    expect(banner(page)).to_contain_text("Approved")
    check("the service page, approved")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes from version 1 to version 2")
    check("the comparison of versions")
    page.get_by_role("link", name="Splash Swimming Club").click()
    page.get_by_role("link", name="Version 1", exact=True).click()
    check("a version")

    # the public sees the new version
    page.goto(public_url)
    expect(page.locator("main")).to_contain_text(NEW)


def test_officer_pages_are_accessible(page, check, area, local_authority, sign_in_as):
    _provider, organization = provider_setup(area)
    officer = officer_of(local_authority)
    service = public_service(area=area, organization=organization, name="Stay and Play")
    page.set_default_timeout(SLOW_MS)
    sign_in_as(officer)
    page.goto(f"/local-offer/manage/{area.la_code}/quality/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Data quality")
    check("the data quality page")
    page.goto(f"/local-offer/manage/{area.la_code}/settings/")
    check("the settings page")
    page.get_by_label("Review every").fill("5")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("at least 30 days")
    check("the settings page, with errors")
    page.goto(f"/local-offer/manage/{area.la_code}/services/new/")
    check("the new service page")
    for action in ("close", "check", "schedule", "archive"):
        page.goto(f"/local-offer/manage/{area.la_code}/services/{service.pk}/{action}/")
        check(f"the {action} page")


def add_a_second_location(page):
    """Press "Add another location", fill the new group in and save the draft."""
    page.get_by_role("button", name="Add another location").click()
    group = page.locator("#location-2")
    expect(group.locator("> legend")).to_have_text("Location 2")
    group.get_by_label("Name of the place").fill("Village Hall")
    group.get_by_label("Address line 1").fill("2 Church Lane")
    group.get_by_label("Town or city").fill("Runcorn")
    group.get_by_label("Postcode").fill("WA7 1AB")
    group.get_by_label("Quiet space").check()
    page.get_by_role("button", name="Save draft", exact=True).click()


def test_a_provider_adds_a_second_location(page, check, area, sign_in_as):
    """The "add another" buttons post the form back: no script is needed (see the next test)."""
    provider, organization = provider_setup(area, full_name="Pat Provider")
    service = public_service(
        area=area, organization=organization, name="Splash Swimming Club", postcode="L1 8JQ"
    )
    page.set_default_timeout(SLOW_MS)
    sign_in_as(provider)
    page.goto(f"/local-offer/manage/{area.la_code}/services/{service.pk}/edit/")
    check("the edit form, one location")
    page.get_by_role("button", name="Add another location").click()
    expect(page.locator("#location-2 > legend")).to_have_text("Location 2")
    check("the edit form, a blank second location")
    page.locator("#location-2").get_by_label("Name of the place").fill("Village Hall")
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Location 2: enter the first line of the address"
    )
    check("the edit form, an error in the second location")
    page.get_by_role("button", name="Remove location 2").click()
    expect(page.locator("#location-2")).to_have_count(0)
    check("the edit form, the second location removed")
    add_a_second_location(page)
    expect(banner(page)).to_contain_text("Draft saved")
    check("the service page, with the draft")


def test_adding_a_location_works_without_javascript(chromium, live_server, area):
    from django.conf import settings
    from django.test import Client

    provider, organization = provider_setup(area, full_name="Pat Provider")
    service = public_service(
        area=area, organization=organization, name="Splash Swimming Club", postcode="L1 8JQ"
    )
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    try:
        client = Client()
        client.force_login(provider)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(SLOW_MS)
        page.goto(f"/local-offer/manage/{area.la_code}/services/{service.pk}/edit/")
        add_a_second_location(page)
        expect(banner(page)).to_contain_text("Draft saved")
    finally:
        context.close()
    from opensend.directory.services import editing

    places = editing.open_revision(service).document["service_at_locations"]
    assert [p["location"]["name"] for p in places] == [
        "Splash Swimming Club base",
        "Village Hall",
    ]
    assert len(places[1]["attributes"]) == 1  # quiet space, at the village hall
