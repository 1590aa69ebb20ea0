"""A Local Offer officer imports another directory's ORUK file: a mistake gets an error
summary, the run shows what was imported and what was rejected and why, and the report
downloads. Every page is checked with axe-core."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.directory.models import Service
from opensend.directory.tests.test_import_oruk import service_record

pytestmark = pytest.mark.browser


def test_an_officer_imports_a_file_and_reads_its_report(
    page, check, area, local_authority, sign_in_as, tmp_path
):
    officer = staff(Role.LOCAL_OFFER_OFFICER, local_authority, full_name="Imogen Importer")
    bad = service_record(2, status="open", description="<script>window.pwned = 1</script>Club")
    feed = tmp_path / "riverside.json"
    feed.write_text(json.dumps([service_record(1), bad]))

    sign_in_as(officer)
    page.goto("/local-offer/manage/990/imports/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import services from another directory"
    )
    check("the import page")

    page.get_by_role("button", name="Import services").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose an ORUK file to upload, or give the feed’s address"
    )
    check("the import page, with errors")

    page.get_by_label("Upload an ORUK file").set_input_files(str(feed))
    page.get_by_label("Name of the directory the file comes from (optional)").fill("Riverside")
    page.get_by_role("button", name="Import services").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import of")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Completed with records rejected")
    expect(page.get_by_role("table")).to_contain_text("must be one of")
    expect(page.get_by_role("table")).to_contain_text(bad["id"])
    check("an import's report")
    assert page.evaluate("window.pwned") is None

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")

    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("table")).to_contain_text("riverside.json")
    check("the import page with a past run")
    assert Service.objects.get().name == "Riverside Youth Club 1"
