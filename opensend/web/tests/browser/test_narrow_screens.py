"""Reflow (WCAG 2.2 1.4.10): at 320 CSS pixels wide, the width of a phone or of a desktop
zoomed to 400%, pages do not scroll sideways; only a wide table scrolls, inside a region a
keyboard user can focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensend.web.tests.browser.data import child_with_sen

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}

PAGE_WIDTH = "document.documentElement.scrollWidth"


def _fits(page, check, where):
    assert page.evaluate(PAGE_WIDTH) <= NARROW["width"], (
        f"{where} scrolls sideways at {NARROW['width']}px: it is {page.evaluate(PAGE_WIDTH)}px wide"
    )
    check(f"{where} at {NARROW['width']}px")


def test_pages_reflow_on_a_narrow_screen(page, check, coordinator, area, sign_in_as):
    child = child_with_sen(area, status="E", need="PMLD", forename="Tamsin", surname="Ellery")
    sign_in_as(coordinator)
    page.set_viewport_size(NARROW)

    page.goto("/")
    _fits(page, check, "the home page")
    tables = page.get_by_role("region", name="By primary need")
    tables.focus()
    expect(tables).to_be_focused()
    before = tables.evaluate("element => element.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([element, before]) => element.scrollLeft > before", arg=[tables.element_handle(), before]
    )

    page.goto("/children/?q=ellery")
    expect(page.get_by_role("heading", name="1 child found")).to_be_visible()
    _fits(page, check, "search results")

    page.goto(f"/children/{child.pk}/")
    expect(page.get_by_role("region", name="Current needs")).to_be_visible()
    _fits(page, check, "a child's record")

    page.goto("/account/")
    _fits(page, check, "the account page")


def test_the_census_import_page_reflows(page, check, coordinator, sign_in_as):
    sign_in_as(coordinator)
    page.set_viewport_size(NARROW)
    page.goto("/imports/census/")
    _fits(page, check, "the census import page")
