"""A provider uploads a return in the browser: a file with row errors is refused with every
problem listed, the corrected file is imported, and the pathway's figures show it. Every page
is checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.pathways.models import Referral
from opensend.pathways.tests.factories import PathwayFactory
from opensend.pathways.tests.test_returns import csv_bytes, good_rows, xlsx_bytes
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.browser


def test_a_provider_uploads_a_return(page, check, area, sign_in_as):
    pathway = PathwayFactory(area=area, name="Speech and language therapy", kind="salt")
    provider = staff(Role.PROVIDER, pathway.provider, full_name="Priya Provider")
    children = [
        ChildFactory(area=area, date_of_birth=dt.date(2016, 5, 1)),
        ChildFactory(area=area, date_of_birth=dt.date(2018, 9, 12)),
    ]
    sign_in_as(provider)

    page.goto("/pathways/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pathways and waiting lists")
    check("the pathways list")
    page.get_by_role("link", name="Speech and language therapy").click()
    check("the pathway page")
    page.get_by_role("link", name="Upload a return for this pathway").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Upload a return")
    check("the upload page")

    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the return file")
    check("the upload page with no file")

    bad = good_rows(children)
    bad[1][1] = "9434765919"
    page.get_by_label("Return file").set_input_files(
        files=[{"name": "return.csv", "mimeType": "text/csv", "buffer": csv_bytes(bad)}]
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("nothing was imported")
    report = page.locator('[data-table="row-errors"]')
    expect(report).to_contain_text("No child with NHS number 9434765919 is known to OpenSEND")
    check("the row-level error report")
    assert not Referral.objects.exists()

    page.get_by_label("Return file").set_input_files(
        files=[
            {
                "name": "return.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": xlsx_bytes(good_rows(children)),
            }
        ]
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Return imported: 2 rows, 2 new referrals, 0 updated."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Speech and language therapy")
    check("the pathway page after the import")
    assert Referral.objects.filter(pathway=pathway).count() == 2
