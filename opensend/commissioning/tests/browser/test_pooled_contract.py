"""A commissioner records a pooled contract with its contributions in the browser: the form
refuses contributions that do not add up, then records it; the list, the commission page and
the spot purchases page pass axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensend.commissioning.models import Commission

pytestmark = pytest.mark.browser


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_a_commissioner_records_a_pooled_contract(page, check, world, sign_in_as):
    sign_in_as(world.la_commissioner)
    page.goto("/commissioning/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissioned services and contracts")
    check("the commissions list, empty")

    page.get_by_role("button", name="Record a commission").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a commission")
    check("the commission form")

    page.get_by_label("Contract reference").fill("HV-EQ-01")
    page.get_by_label("Title").fill("Pooled community equipment store")
    page.get_by_label("Type of provision").select_option(label="Equipment")
    page.locator("#id_provider").select_option(label="Brightwater Sensory Therapy")
    fill_date(page, "Start date", "1", "4", "2026")
    fill_date(page, "End date", "31", "3", "2029")
    page.get_by_label("Value per year").fill("120000")
    page.get_by_label("Whole-life value").fill("360000")
    page.get_by_label("Live").check()
    page.get_by_label("Pooled budget (NHS Act 2006 section 75)").check()
    page.get_by_label("Section 75 agreement reference").fill("S75-HV-EQ")
    page.locator("#id_contributions-0-commissioner").select_option(label="Halford Vale Council")
    page.locator("#id_contributions-0-funding_stream").select_option(label="Social care")
    page.locator("#id_contributions-0-annual_amount").fill("70000")
    page.locator("#id_contributions-1-commissioner").select_option(
        label="Halford Vale Integrated Care Board"
    )
    page.locator("#id_contributions-1-funding_stream").select_option(label="Integrated Care Board")
    page.locator("#id_contributions-1-annual_amount").fill("40000")
    page.get_by_label("Outcomes written into the contract").fill(
        "Equipment delivered within 10 working days\nFamilies rate the service good or better"
    )
    page.get_by_role("button", name="Record the commission").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The contributions add up to £110,000.00 a year")
    check("the commission form, with errors")
    assert not Commission.objects.exists()

    page.locator("#id_contributions-1-annual_amount").fill("50000")
    page.get_by_role("button", name="Record the commission").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Commission HV-EQ-01 recorded"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Pooled community equipment store")
    expect(page.get_by_role("table", name="Contributions a year")).to_contain_text("£50,000.00")
    check("the commission page")

    page.get_by_role("button", name="Record a decision").click()
    check("the decision form")
    page.get_by_role("link", name="Pooled community equipment store").click()

    page.get_by_role("link", name="Commissioned services and contracts").click()
    expect(page.get_by_role("link", name="Pooled community equipment store")).to_be_visible()
    check("the commissions list")

    page.get_by_role("link", name="Spot purchases for individual children").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spot purchases")
    check("the spot purchases page")
    page.get_by_role("button", name="Record a spot purchase").click()
    check("the spot purchase form")

    commission = Commission.objects.get()
    assert commission.arrangement == "pooled"
    assert commission.contributions.count() == 2
