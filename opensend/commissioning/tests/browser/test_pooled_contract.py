"""A commissioner records a pooled contract with its contributions in the browser: finds and
ticks the Local Offer service it delivers, the form refuses contributions that do not add up,
then records it; a decision is recorded with a PDF attached, which the commission page offers
for download; the list, the forms, the commission page and the spot purchases page pass
axe-core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from opensend.commissioning.models import Commission, DecisionEvidence
from opensend.commissioning.tests.test_evidence_files import PDF
from opensend.directory.tests.factories import DirectoryOrganizationFactory, public_service

pytestmark = pytest.mark.browser


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_a_commissioner_records_a_pooled_contract(page, check, world, sign_in_as, tmp_path):
    brightwater = DirectoryOrganizationFactory(
        area=world.area, name="Brightwater Sensory Therapy", owner=world.charity
    )
    others = DirectoryOrganizationFactory(area=world.area, name="Halford Parent Forum")
    store = public_service(area=world.area, organization=brightwater, name="Equipment loans")
    public_service(area=world.area, organization=others, name="Parent forum")
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
    # finding services is a plain form submission (no script): all that was typed comes back
    page.get_by_label("Find other services by words").fill("forum")
    page.get_by_role("button", name="Find services").click()
    expect(page.get_by_label("Title")).to_have_value("Pooled community equipment store")
    own = page.get_by_role("group", name="Services run by Brightwater Sensory Therapy")
    expect(own.get_by_role("checkbox")).to_have_count(1)
    expect(
        page.get_by_role(
            "group", name="Other services in the Local Offer matching \u201cforum\u201d"
        )
    ).to_contain_text("Parent forum")
    check("the commission form, Local Offer services found")
    own.get_by_label("Equipment loans").check()
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
    service_link = page.get_by_role("link", name="Equipment loans in the Local Offer")
    expect(service_link).to_have_attribute(
        "href", f"/local-offer/{world.area.la_code}/services/{store.pk}/"
    )
    check("the commission page")

    page.get_by_role("button", name="Record a decision").click()
    check("the decision form")
    paper = tmp_path / "options-appraisal.pdf"
    paper.write_bytes(PDF)
    page.get_by_label("Plan").check()
    page.get_by_label("What was decided").fill("Re-procure the store with a pooled budget")
    page.get_by_label("Evidence title (optional)").fill("Options appraisal")
    page.get_by_label("Evidence file (optional)").set_input_files(str(paper))
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date of the decision")
    check("the decision form, with errors")
    # a browser never sends a file twice: select it again
    today = dt.date.today()
    fill_date(page, "Date of the decision", str(today.day), str(today.month), str(today.year))
    page.get_by_label("Evidence file (optional)").set_input_files(str(paper))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")
    evidence_link = page.get_by_role("link", name="Options appraisal (PDF, 1 KB)")
    with page.expect_download() as download:
        evidence_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes() == PDF
    check("the commission page, with a decision and its evidence")
    assert DecisionEvidence.objects.get().file.name.endswith(".pdf")

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
    assert list(commission.services.all()) == [store]
