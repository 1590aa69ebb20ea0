"""Finding a child, their record, and who may not open it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opensend.core.models import AccessLogEntry
from opensend.core.roles import Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    UserFactory,
    staff,
)
from opensend.people import services
from opensend.people.models import RecordSource
from opensend.people.tests.factories import ChildFactory
from opensend.web.tests.browser.data import D, child_with_sen

pytestmark = pytest.mark.browser


def _search(page, text):
    page.get_by_label("Name, UPN, NHS number or date of birth").fill(text)
    page.get_by_role("button", name="Search").click()


def _result_names(page):
    return page.get_by_role("table").get_by_role("link")


@pytest.fixture
def zoe(area):
    return child_with_sen(
        area,
        status="E",
        need="ASD",
        forename="Zoë",
        surname="O'Brien-Smith",
        date_of_birth=D(2014, 6, 2),
    )


@pytest.fixture
def others(area):
    return [
        ChildFactory(area=area, forename="Zachary", surname="Obi", date_of_birth=D(2013, 1, 9)),
        ChildFactory(area=area, forename="Ola", surname="Smith", date_of_birth=D(2014, 6, 3)),
    ]


def test_search_by_name_upn_and_date_of_birth_then_open_a_record(
    page, check, coordinator, zoe, others, sign_in_as
):
    sign_in_as(coordinator)
    page.goto("/")
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Find a child"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")
    check("the search page")

    _search(page, "zo obr")
    expect(page.get_by_role("heading", name="1 child found")).to_be_visible()
    expect(_result_names(page)).to_have_text(["O'BRIEN-SMITH, Zoë"])
    expect(page).to_have_title("Search results for zo obr – OpenSEND")
    expect(page.get_by_role("table").get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [
            "O'BRIEN-SMITH, Zoë",
            "2 June 2014",
            zoe.upn,
            "EHC plan",
            "Autistic spectrum disorder",
            "None recorded",
        ]
    )
    check("search results")

    _search(page, zoe.upn)
    expect(_result_names(page)).to_have_text(["O'BRIEN-SMITH, Zoë"])
    _search(page, zoe.upn.lower())  # as people type it
    expect(_result_names(page)).to_have_text(["O'BRIEN-SMITH, Zoë"])
    _search(page, "02/06/2014")
    expect(_result_names(page)).to_have_text(["O'BRIEN-SMITH, Zoë"])
    _search(page, "z o")
    expect(_result_names(page)).to_have_count(2)
    assert sorted(_result_names(page).all_inner_texts()) == ["O'BRIEN-SMITH, Zoë", "OBI, Zachary"]

    _result_names(page).get_by_text("O'BRIEN-SMITH, Zoë").click()
    expect(page).to_have_url(re.compile(rf"/children/{zoe.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoë O'Brien-Smith")
    page.get_by_role("navigation", name="Back").get_by_role("link", name="Find a child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")


def test_search_errors_and_no_results(page, check, coordinator, zoe, sign_in_as):
    sign_in_as(coordinator)
    page.goto("/children/")
    _search(page, "   ")
    message = "Enter a name, UPN, NHS number or date of birth"
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", "#q")
    expect(page.locator("#q-error")).to_have_text(f"Error: {message}")
    expect(page).to_have_title("Error: Find a child – OpenSEND")
    check("the search page with an empty search")

    _search(page, "31/02/2014")
    expect(page.locator("#q-error")).to_contain_text("31/02/2014 is not a real date")
    check("the search page with an impossible date")

    _search(page, "Quennell")
    expect(page.get_by_role("heading", name="No children found")).to_be_visible()
    expect(page.get_by_text("Check the spelling, try fewer letters of the name")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    check("the search page with no results")


def test_more_than_a_page_of_results(page, check, coordinator, area, sign_in_as):
    for n in range(27):
        ChildFactory(area=area, forename=f"Pat{n:02d}", surname="Pagewood")
    sign_in_as(coordinator)
    page.goto("/children/?q=pagewood")
    expect(page.get_by_role("heading", name="27 children found")).to_be_visible()
    expect(page.get_by_text("Showing 1 to 25.")).to_be_visible()
    expect(_result_names(page)).to_have_count(25)
    expect(_result_names(page).first).to_have_text("PAGEWOOD, Pat00")
    pagination = page.get_by_role("navigation", name="Pagination")
    expect(pagination.get_by_role("link", name="Page 1")).to_have_attribute("aria-current", "page")
    check("the first page of results")

    pagination.get_by_role("link", name=re.compile("Next")).click()
    expect(page).to_have_url(re.compile(r"/children/\?q=pagewood&page=2$"))
    expect(page.get_by_text("Showing 26 to 27.")).to_be_visible()
    expect(_result_names(page)).to_have_text(["PAGEWOOD, Pat25", "PAGEWOOD, Pat26"])
    expect(pagination.get_by_role("link", name=re.compile("Next"))).to_have_count(0)
    check("the last page of results")

    pagination.get_by_role("link", name=re.compile("Previous")).click()
    expect(page.get_by_text("Showing 1 to 25.")).to_be_visible()
    _result_names(page).nth(2).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pat02 Pagewood")


def test_the_record_shows_every_section_and_the_timeline(
    page, check, coordinator, area, local_authority, sign_in_as
):
    child = child_with_sen(
        area, status="E", need="SLCN", forename="Rhys", surname="Penhallow", sex="M"
    )
    local = SettingFactory(name="Halford Vale Primary", home_area=area)
    away = SettingFactory(name="Brookfield Special School", home_area=AreaFactory(name="Elmbury"))
    services.placement_start(
        acting_user=None,
        child=child,
        setting=local,
        start_date=D(2021, 9, 1),
        source=RecordSource.CENSUS,
    )
    placement = child.placements.get()
    services.placement_end(acting_user=None, placement=placement, end_date=D(2023, 7, 21))
    services.placement_start(
        acting_user=None,
        child=child,
        setting=away,
        start_date=D(2023, 9, 4),
        source=RecordSource.CENSUS,
    )
    services.flag_set(
        acting_user=None,
        child=child,
        kind="fsm",
        start_date=D(2022, 1, 5),
        source_agency="education",
        source=RecordSource.CENSUS,
    )
    mother = services.contact_add(
        acting_user=None,
        child=child,
        full_name="Morwenna Penhallow",
        relationship="mother",
        has_parental_responsibility=True,
        is_main_contact=True,
        phone="01632 960123",
    )
    services.consent_record(
        acting_user=None,
        child=child,
        purpose="share_ehc",
        given_on=D(2023, 2, 1),
        given_by_contact=mother,
    )
    sign_in_as(coordinator)
    page.goto(f"/children/{child.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rhys Penhallow")
    expect(page.get_by_text("You can see this record because: Local authority")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("heading", level=2)).to_have_text(
        [
            "About Rhys",
            "Needs",
            "Education placements",
            "Circumstances",
            "Family",
            "Morwenna Penhallow (Mother)",
            "Consent",
            "EHC needs assessment and plans",
            "Timeline",
        ]
    )
    expect(page.get_by_role("table", name="Current needs")).to_contain_text(
        "Speech, language and communication needs"
    )
    placements = page.get_by_role("table", name="Placements").get_by_role("row")
    expect(placements.filter(has_text="Brookfield Special School")).to_contain_text("Out of area")
    expect(placements.filter(has_text="Halford Vale Primary")).not_to_contain_text("Out of area")
    expect(page.locator(".govuk-tag", has_text="Free school meals")).to_be_visible()
    expect(page.get_by_text("01632 960123")).to_be_visible()
    timeline = page.locator(".app-timeline")
    expect(timeline.get_by_role("listitem").first).to_be_visible()
    assert timeline.get_by_role("listitem").count() >= 5
    expect(timeline.get_by_role("heading", level=3).first).not_to_be_empty()
    expect(timeline).to_contain_text("Brookfield Special School")
    check("a child's record")


def test_a_coordinator_of_another_area_is_refused_and_it_is_logged(page, check, area, sign_in_as):
    child = ChildFactory(area=area, forename="Idris", surname="Morgan")
    elsewhere = OrganisationFactory(name="Elmbury Council", home_area=AreaFactory(name="Elmbury"))
    stranger = staff(Role.EHC_COORDINATOR, elsewhere, full_name="Sol Stranger")
    sign_in_as(stranger)
    response = page.goto(f"/children/{child.pk}/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    expect(page.get_by_text("This attempt has been recorded in the access log.")).to_be_visible()
    expect(page.get_by_text("Idris")).to_have_count(0)
    check("the 403 page")
    refusal = AccessLogEntry.objects.filter(action="refused", object_id=str(child.pk)).get()
    assert refusal.actor_id == stranger.pk

    page.goto("/children/?q=idris")
    expect(page.get_by_role("heading", name="No children found")).to_be_visible()


def test_a_parent_carer_sees_their_own_child_only(page, check, area, sign_in_as):
    child = child_with_sen(area, status="K", need="SEMH", forename="Efa", surname="Rowlands")
    other = ChildFactory(area=area, forename="Gwion", surname="Rowlands")
    parent = UserFactory(full_name="Carys Rowlands", email="carys@example.org")
    contact = services.contact_add(
        acting_user=None,
        child=child,
        full_name="Carys Rowlands",
        relationship="mother",
        has_parental_responsibility=True,
    )
    services.contact_link_user(acting_user=None, contact=contact, user=parent)
    sign_in_as(parent)
    page.goto("/")
    expect(page.get_by_role("heading", name="Your child")).to_be_visible()
    expect(page.get_by_text("at a glance")).to_have_count(0)  # no area-wide figures
    check("a parent carer's home page")

    page.get_by_role("link", name="Efa Rowlands").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Efa Rowlands")
    expect(page.get_by_text("You can see this record because: Parent carer")).to_be_visible()
    expect(page.locator(".govuk-back-link")).to_have_count(0)  # no way back to a search
    check("a child's record seen by their parent carer")

    response = page.goto(f"/children/{other.pk}/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    expect(page.get_by_text("Gwion")).to_have_count(0)
    assert AccessLogEntry.objects.filter(
        action="refused", object_id=str(other.pk), actor=parent
    ).exists()
