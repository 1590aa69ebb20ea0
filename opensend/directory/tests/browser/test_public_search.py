"""A parent searches the Local Offer by need and postcode, reads a service, shortlists it and
prints the shortlist; every page is checked with axe-core. Then the same search with
JavaScript switched off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensend.directory.tests.factories import public_service

pytestmark = pytest.mark.browser

WA7 = (53.32987, -2.7028)
L1 = (53.40254, -2.97928)


@pytest.fixture
def services(area):
    near = public_service(
        area=area,
        name="Brightwater Autism Family Support",
        description="Workshops and a Saturday club for autistic children and their families.",
        needs=("ASD",),
        categories=("parent-carer-support",),
        latitude=WA7[0],
        longitude=WA7[1],
        postcode="WA7 1AB",
        phone="01632 960456",
        cost="0",
        opens=("SA", "10:00", "12:00"),
        how_to_access="self",
    )
    far = public_service(
        area=area,
        name="Riverside Autism Outreach",
        description="Outreach for autistic young people.",
        needs=("ASD",),
        latitude=L1[0],
        longitude=L1[1],
    )
    public_service(area=area, name="Sunny Days Short Breaks", categories=("short-breaks",))
    return near, far


def search_by_need_and_postcode(page) -> None:
    page.goto("/local-offer/990/")
    page.get_by_label("Autistic spectrum disorder").check()
    page.get_by_label("Postcode", exact=True).fill("wa7 1ab")
    page.get_by_label("Distance from postcode").select_option("5")
    page.get_by_role("button", name="Search").click()


def test_a_parent_searches_reads_shortlists_and_prints(page, check, services):
    near, _far = services
    page.goto("/local-offer/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Find services in the Halford Vale Local Offer"
    )
    check("the Local Offer search page")

    search_by_need_and_postcode(page)
    expect(page.locator("#results-heading")).to_have_text("1 service found")
    expect(page.locator("[data-result]")).to_contain_text("Brightwater Autism Family Support")
    expect(page.locator("[data-distance]")).to_have_text("0.0 miles away")
    check("search results")

    page.get_by_role("link", name="Brightwater Autism Family Support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brightwater Autism Family Support")
    expect(page.locator("[data-access]")).to_contain_text("Saturdays, 10am to midday")
    check("a service page")

    page.get_by_role("button", name="Add to shortlist").click()
    expect(page.get_by_role("button", name="Remove from shortlist")).to_be_visible()
    check("a service page, shortlisted")

    page.get_by_role("link", name="Large print").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brightwater Autism Family Support")
    check("the large-print service page")

    page.get_by_role("link", name="Your shortlist").click()
    expect(page.locator("[data-shortlist]")).to_contain_text("Brightwater Autism Family Support")
    check("the shortlist")

    page.get_by_role("link", name="Print your shortlist").click()
    expect(page.locator("[data-shortlist]")).to_contain_text("Brightwater Autism Family Support")
    check("the shortlist, print view")

    page.goto(f"/local-offer/990/services/{near.pk}/print/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Brightwater Autism Family Support")
    check("the service print view")

    page.goto("/local-offer/990/shortlist/email/")
    check("the email form")
    page.get_by_role("button", name="Send the email").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    check("the email form, with errors")
    page.get_by_label("Email address").fill("parent@example.com")
    page.get_by_role("button", name="Send the email").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Shortlist sent")
    check("the email sent page")


def test_no_results_and_bad_input_pages_are_accessible(page, check, services):
    page.goto("/local-offer/990/?q=autism&postcode=WA7&distance=5&day=MO")
    expect(page.locator("[data-no-results]")).to_contain_text("No services match your search")
    expect(page.locator("[data-suggestions]")).to_contain_text("Remove the day and time filter")
    check("no results, with suggestions")
    page.locator("[data-suggestions] a").first.click()
    expect(page.locator("#results-heading")).not_to_have_text("0 services found")

    page.goto("/local-offer/990/?age=old&postcode=nowhere")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Age must be a number")
    check("the search page, with errors")
    page.goto("/local-offer/990/?postcode=ZZ9+9ZZ")
    expect(page.locator(".govuk-error-summary")).to_contain_text("We could not find the postcode")
    check("the search page, unknown postcode")


def test_the_search_works_without_javascript(chromium, live_server, services):
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        search_by_need_and_postcode(page)
        expect(page.locator("#results-heading")).to_have_text("1 service found")
        page.get_by_role("button", name="Add to shortlist").click()
        expect(page.get_by_role("button", name="Remove from shortlist")).to_be_visible()
        page.get_by_role("link", name="Within 5 miles of WA7 1AB").click()
        expect(page.locator("#results-heading")).to_have_text("2 services found")
        page.get_by_role("link", name="Riverside Autism Outreach").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Autism Outreach")
        page.get_by_role("link", name="Your shortlist").click()
        expect(page.locator("[data-shortlist]")).to_contain_text(
            "Brightwater Autism Family Support"
        )
    finally:
        context.close()
