"""A provider sends a KPI return in the browser: a file with row errors is refused with every
problem listed, the corrected file is imported, and the indicator page shows the value. Every
page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensend.insight.models import IndicatorValue
from opensend.insight.tests.factories import contract_indicator
from opensend.insight.tests.test_returns import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.browser


def test_a_provider_sends_a_kpi_return(page, check, world, sign_in_as):
    seen = contract_indicator(
        world.trust_contract, code="seen-18", name="Children seen within 18 weeks"
    )
    sign_in_as(world.trust_user)

    page.goto("/performance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance")
    check("the performance list")
    page.get_by_role("link", name="Send a KPI return for your contracts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a KPI return")
    check("the upload page")

    page.get_by_label("Contract", exact=True).select_option(str(world.trust_contract.pk))
    bad = [["seen-18", "2026-10-15", 45, 50, "", ""], ["nope", "2026-10-01", 1, 2, "", ""]]
    page.get_by_label("Return file").set_input_files(
        files=[{"name": "kpis.csv", "mimeType": "text/csv", "buffer": csv_bytes(bad)}]
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The return was not imported")
    report = page.locator('[data-table="row-errors"]')
    expect(report).to_contain_text("is not the first day of a monthly period")
    expect(report).to_contain_text("nope is not a KPI supplied for contract")
    check("the row-level error report")
    assert not IndicatorValue.objects.exists()

    page.get_by_label("Contract", exact=True).select_option(str(world.trust_contract.pk))
    page.get_by_label("Return file").set_input_files(
        files=[
            {
                "name": "kpis.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": xlsx_bytes(
                    [
                        ["seen-18", "2026-09-01", 40, 50, "", ""],
                        ["seen-18", "2026-10-01", 45, 50, "", "A clinic closed for a week"],
                    ]
                ),
            }
        ]
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Return imported: 2 new values, 0 corrected"
    )
    check("the upload page after the import")

    page.get_by_role("link", name="Children seen within 18 weeks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Children seen within 18 weeks")
    values = page.locator('[data-table="values"]')
    expect(values).to_contain_text("Oct 2026")
    expect(values).to_contain_text("90%")
    expect(page.locator('[data-chart="spc"]')).to_be_visible()
    check("the indicator page")
    assert IndicatorValue.objects.filter(indicator=seen).count() == 2
