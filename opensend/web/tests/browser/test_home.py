"""The home page: the area at a glance, exact for case officers, suppressed for aggregate roles."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensend.core.disclosure import SUPPRESSED
from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, SettingFactory, staff
from opensend.people import services
from opensend.people.models import RecordSource
from opensend.web.tests.browser.data import D, child_with_sen

pytestmark = pytest.mark.browser

SLCN = "Speech, language and communication needs"
ASD = "Autistic spectrum disorder"


@pytest.fixture
def cohort(area):
    """3 children on SEN support (SLCN) and 12 with EHC plans (ASD), all of primary age; one
    of the plans names a special school in another area."""
    for _ in range(3):
        child_with_sen(area, status="K", need="SLCN")
    plans = [child_with_sen(area, status="E", need="ASD") for _ in range(12)]
    elsewhere = SettingFactory(name="Brookfield Special School", home_area=AreaFactory())
    services.placement_start(
        acting_user=None,
        child=plans[0],
        setting=elsewhere,
        start_date=D(2023, 9, 1),
        source=RecordSource.CENSUS,
    )
    return area


def _row_cells(page, caption, label):
    table = page.get_by_role("table", name=caption)
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label))
    return row.get_by_role("cell")


def test_an_ehc_coordinator_sees_the_exact_figures(page, check, coordinator, cohort, sign_in_as):
    sign_in_as(coordinator)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Halford Vale at a glance")
    expect(page.locator("[data-figure=sen-support]")).to_have_text("3")
    expect(page.locator("[data-figure=ehc-plan]")).to_have_text("12")
    expect(page.locator("[data-figure=out-of-area]")).to_have_text("1")
    expect(page.get_by_text("shown as [c]")).to_have_count(0)

    expect(page.get_by_role("table")).to_have_count(2)
    need_headers = page.get_by_role("table", name="By primary need").get_by_role("columnheader")
    expect(need_headers).to_have_text(["Primary need", "SEN support", "EHC plan", "Total"])
    expect(_row_cells(page, "By primary need", SLCN)).to_have_text(["3", "0", "3"])
    expect(_row_cells(page, "By primary need", ASD)).to_have_text(["0", "12", "12"])
    expect(_row_cells(page, "By phase of education", "Primary")).to_have_text(["3", "12", "15"])
    expect(_row_cells(page, "By phase of education", "Secondary")).to_have_text(["0", "0", "0"])
    check("the home page of an EHC coordinator")


def test_a_commissioner_sees_small_numbers_suppressed(
    page, check, local_authority, cohort, sign_in_as
):
    commissioner = staff(Role.COMMISSIONER, local_authority, full_name="Cam Commissioner")
    sign_in_as(commissioner)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Halford Vale at a glance")
    expect(
        page.get_by_text("Figures from 1 to 5, and figures that would reveal them")
    ).to_contain_text("are shown as [c]")
    expect(page.locator("[data-figure=sen-support]")).to_have_text(SUPPRESSED)
    expect(page.locator("[data-figure=ehc-plan]")).to_have_text("12")
    expect(page.locator("[data-figure=out-of-area]")).to_have_text(SUPPRESSED)
    expect(_row_cells(page, "By primary need", SLCN).first).to_have_text(SUPPRESSED)
    expect(_row_cells(page, "By primary need", SLCN).last).to_have_text(SUPPRESSED)
    # No cell anywhere gives the 3 away, directly or by subtraction from a total.
    cells = page.get_by_role("table").get_by_role("cell").all_inner_texts()
    assert "3" not in cells, cells
    # Aggregate roles see no children, so they are not offered the search; a commissioner is
    # offered commissioning.
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link")).to_have_text(
        ["Home", "Commissioning", "Board dashboard", "Performance", "Your account"]
    )
    check("the home page of a commissioner")
