"""The layout, the pages about the service, the API documentation, the census import page,
and moving around with the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, grant, staff

pytestmark = pytest.mark.browser


def test_the_stylesheet_and_scripts_are_served(page):
    css = page.request.get("/static/web/build/opensend.css")
    assert css.status == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ".govuk-header" in css.text() and ".app-figure" in css.text()
    for path in ("/static/web/build/govuk-frontend.min.js", "/static/web/app.js"):
        script = page.request.get(path)
        assert script.status == 200, path
        assert "javascript" in script.headers["content-type"], path


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/accessibility/", "Accessibility statement for OpenSEND"),
        ("/privacy/", "How we use information"),
    ],
)
def test_pages_about_the_service_are_public(page, check, path, heading):
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check(f"{path}, signed out")


def test_the_footer_links_to_the_pages_about_the_service(page, check, coordinator, sign_in_as):
    sign_in_as(coordinator)
    page.goto("/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accessibility statement for OpenSEND"
    )
    check("the accessibility statement, signed in")
    footer.get_by_role("link", name="How we use information").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How we use information")
    check("the privacy page, signed in")


def test_the_account_page_lists_every_membership_and_the_demo_banner(page, check, sign_in_as):
    demo = AreaFactory(name="Demoshire", is_synthetic=True)
    council = OrganisationFactory(name="Demoshire Council", home_area=demo)
    trust = OrganisationFactory(
        name="Demoshire Community NHS Trust", kind="nhs_trust", home_area=demo
    )
    user = staff(Role.EHC_COORDINATOR, council, full_name="Dana Demo", job_title="Case officer")
    grant(user, trust, Role.HEALTH_PRACTITIONER)
    sign_in_as(user)
    page.goto("/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Your account")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=2)).to_contain_text(
        ["Where you work", "Demoshire Community NHS Trust", "Demoshire Council"]
    )
    expect(page.get_by_text("Case officer", exact=True)).to_be_visible()
    banner = page.get_by_role("banner").locator(".govuk-phase-banner")
    expect(banner).to_contain_text("Synthetic data.")
    check("the account page in a demo area")


def test_the_api_documentation(page, check, coordinator, sign_in_as):
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_have_text("OpenSEND API")
    check("the API documentation, signed out")

    sign_in_as(coordinator)
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="API documentation").click()
    expect(page).to_have_url(re.compile(r"/api/v1/docs$"))
    expect(page.get_by_role("heading", name="Getting started")).to_be_visible()
    check("the API documentation, signed in")


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(
    page, check, coordinator, sign_in_as
):
    sign_in_as(coordinator)
    page.goto("/account/")
    check("the account page")  # also waits for GOV.UK Frontend to start
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # visible when focused
    page.keyboard.press("Enter")
    main = page.get_by_role("main")
    expect(main).to_be_focused()
    expect(page).to_have_url(re.compile(r"/account/#main-content$"))
    # The next tab stop is the first in the content, not the header again.
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.closest('main') !== null")
    assert first, page.evaluate("document.activeElement.outerHTML")


def test_the_census_import_page(page, check, coordinator, sign_in_as):
    sign_in_as(coordinator)
    page.goto("/")
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Census import", exact=True).click()
    expect(page).to_have_url(re.compile(r"/imports/census/$"))
    expect(menu.get_by_role("link", name="Census import", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check("the census import upload page")
