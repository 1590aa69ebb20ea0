"""My cases, the area's caseload and timeliness in the browser: a coordinator filters their
work and the area's by status, a SEND manager reads the timeliness figures, and a health
practitioner finds the advice asked of their trust. axe-core checks every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import OrganisationFactory, staff
from opensend.ehc import services
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.browser

D = dt.date
DAY = dt.timedelta(days=1)
NARROW = {"width": 320, "height": 640}


def _request(area, forename, surname, *, on, coordinator=None):
    child = ChildFactory(area=area, forename=forename, surname=surname)
    return ehc.received(child, on=on, coordinator=coordinator)


@pytest.fixture
def trust(area):
    return OrganisationFactory(
        name="Halford Vale Community Health NHS Trust",
        kind=OrganisationKind.NHS_TRUST,
        home_area=area,
    )


@pytest.fixture
def cases(area, coordinator):
    """The coordinator's requests: one overdue, one due this week, one on time, one under an
    exception; and an overdue one nobody holds yet."""
    today = timezone.localdate()
    _request(area, "Ola", "Overdue", on=D(2025, 1, 6), coordinator=coordinator)
    _request(area, "Sam", "Soon", on=today - 40 * DAY, coordinator=coordinator)
    _request(area, "Tia", "Ontime", on=today - 7 * DAY, coordinator=coordinator)
    suspended = _request(area, "Sol", "Suspended", on=D(2025, 3, 3), coordinator=coordinator)
    services.exception_record(
        acting_user=None,
        request=suspended,
        kind="personal_circumstances",
        start_date=D(2025, 3, 10),
        end_date=None,
        description="A family bereavement.",
    )
    _request(area, "Oli", "Unassigned", on=D(2025, 2, 3))


def _children(page):
    """The first cell of each row of the steps table: the child's name and case reference."""
    return page.locator("table[data-steps] tbody tr td:first-child")


def test_a_coordinator_filters_my_cases_and_the_caseload_by_overdue(
    page, check, coordinator, cases, sign_in_as
):
    sign_in_as(coordinator)
    page.goto("/")
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="My cases").click()
    expect(page).to_have_url(re.compile(r"/ehc/my-cases/$"))
    expect(menu.get_by_role("link", name="My cases")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.get_by_role("heading", name="4 open steps")).to_be_visible()
    expect(_children(page)).to_contain_text(
        ["Ola Overdue", "Sol Suspended", "Sam Soon", "Tia Ontime"]
    )
    table = page.get_by_role("table", name="Your open steps")
    expect(table.get_by_role("cell", name="Suspended by exception")).to_be_visible()
    expect(table.get_by_role("cell", name="Due this week")).to_be_visible()
    check("my cases")

    page.get_by_label("Status").select_option(label="Overdue")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"status=overdue"))
    expect(_children(page)).to_have_count(1)
    expect(_children(page)).to_contain_text(["Ola Overdue"])
    expect(page.get_by_label("Status")).to_have_value("overdue")
    check("my cases filtered by overdue")

    page.get_by_role("link", name="Ola Overdue").click()
    expect(page).to_have_url(re.compile(r"/ehc/requests/\d+/$"))
    page.go_back()

    menu.get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload in Halford Vale")
    expect(_children(page)).to_have_count(5)
    expect(page.get_by_role("cell", name="Nobody yet")).to_be_visible()
    check("the area's caseload")

    page.get_by_role("link", name="2 overdue").click()
    expect(page).to_have_url(re.compile(r"/ehc/caseload/\?status=overdue$"))
    expect(_children(page)).to_have_count(2)
    expect(_children(page)).to_contain_text(["Ola Overdue", "Oli Unassigned"])
    expect(page.get_by_role("link", name="2 overdue")).to_have_attribute("aria-current", "true")
    check("the caseload filtered by overdue")

    page.get_by_label("Held by").select_option(label="Casey Coordinator")
    page.get_by_role("button", name="Apply filters").click()
    expect(_children(page)).to_have_count(1)
    page.get_by_role("link", name="Clear filters").click()
    expect(_children(page)).to_have_count(5)

    page.set_viewport_size(NARROW)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"the caseload is {width}px wide at 320px"
    check("the caseload on a narrow screen")


def test_a_send_manager_reads_the_timeliness_figures(
    page, check, area, local_authority, trust, sign_in_as
):
    manager = staff(Role.SEND_MANAGER, local_authority, full_name="Morgan Manager")
    ehc.plan_for(ChildFactory(area=area))
    request = ehc.assessing(_request(area, "Ada", "Advice", on=D(2025, 1, 6)))
    ehc.advice_sent(request, organisation=trust)
    sign_in_as(manager)
    page.goto("/ehc/caseload/")
    page.get_by_role("link", name="See the area's timeliness figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("EHC timeliness in Halford Vale")
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Caseload")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-figure=active-plans]")).to_have_text("1")
    expect(page.locator("[data-figure=advice-overdue]")).to_have_text("1")
    rates = page.get_by_role("table", name="New EHC plans issued within 20 weeks")
    expect(rates.get_by_role("rowheader")).to_have_count(13)
    expect(rates.get_by_role("rowheader").last).to_have_text("Last 12 months")
    agencies = page.get_by_role("table", name="Advice outstanding by agency")
    row = agencies.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Halford Vale Community Health NHS Trust")
    )
    expect(row.get_by_role("cell")).to_have_text(["Health (medical)", "1", "1"])
    check("the timeliness page")

    page.set_viewport_size(NARROW)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"the timeliness page is {width}px wide at 320px"
    check("the timeliness page on a narrow screen")


def test_a_health_practitioner_sees_the_advice_asked_of_their_trust(
    page, check, area, coordinator, trust, sign_in_as
):
    practitioner = staff(Role.HEALTH_PRACTITIONER, trust, full_name="Harper Health")
    request = ehc.assessing(
        _request(area, "Ada", "Advice", on=D(2025, 1, 6), coordinator=coordinator)
    )
    advice = ehc.advice_sent(request, organisation=trust)
    elsewhere = OrganisationFactory(
        name="Apsley Mental Health NHS Trust", kind=OrganisationKind.NHS_TRUST, home_area=area
    )
    ehc.advice_sent(_assessing_other(area), organisation=elsewhere)
    sign_in_as(practitioner)
    page.goto("/")
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Caseload")).to_have_count(0)
    menu.get_by_role("link", name="My cases").click()
    expect(
        page.get_by_text("The advice and consultations addressed to your organisation")
    ).to_be_visible()
    expect(_children(page)).to_have_count(1)
    table = page.get_by_role("table", name="Your open steps")
    expect(
        table.get_by_role("cell", name="Halford Vale Community Health NHS Trust")
    ).to_be_visible()
    link = page.get_by_role("link", name="Ada Advice")
    expect(link).to_have_attribute("href", f"/ehc/advice/{advice.pk}/return/")
    check("a health practitioner's cases")
    link.click()
    expect(page).to_have_url(re.compile(rf"/ehc/advice/{advice.pk}/return/$"))


def _assessing_other(area):
    return ehc.assessing(_request(area, "Eve", "Elsewhere", on=D(2025, 1, 6)))
