"""The error pages as people meet them: a wrong address, a form that cannot be sent, and a
fault in the service. (The 403 page is checked where access is refused: test_children.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opensend.web.views import home

pytestmark = pytest.mark.browser


def test_page_not_found(page, check, coordinator, sign_in_as):
    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title("Page not found – OpenSEND")
    check("the 404 page, signed out")

    sign_in_as(coordinator)
    response = page.goto("/children/98765/")  # a record that does not exist
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("main").get_by_role("link", name="Search for the child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")


def test_a_form_sent_without_its_cookies_gets_the_csrf_page(page, check, coordinator):
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(coordinator.email)
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.context.clear_cookies()  # as when the session ends in another tab
    with page.expect_response(re.compile(r"/sign-in/$")) as sent:
        page.get_by_role("button", name="Sign in").click()
    assert sent.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form could not be sent")
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    check("the CSRF failure page")


def test_a_fault_in_the_service_shows_the_500_page(
    page, check, coordinator, sign_in_as, monkeypatch
):
    """No address fails on purpose, so the home page's selector is made to fail. The live
    server runs in this process, so it sees the patch."""

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(home.selectors, "area_at_a_glance", broken)
    sign_in_as(coordinator)
    response = page.goto("/")
    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, there is a problem with the service"
    )
    expect(page.get_by_text("the database went away")).to_have_count(0)  # no internals shown
    check("the 500 page")
