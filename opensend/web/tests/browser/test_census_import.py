"""Uploading a census file in the browser: a file with a bad row is checked and nothing is
imported; the user imports the valid rows only; the pupils are then found and opened."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from opensend.core.identifiers import make_upn
from opensend.core.tests.factories import SettingFactory
from opensend.people.models import Child

pytestmark = pytest.mark.browser


def _upn(serial: int) -> str:
    return make_upn("990", 3100, 18, serial)


def test_upload_check_and_import_the_valid_rows(
    page, check, coordinator, area, sign_in_as, tmp_path
):
    school = SettingFactory(home_area=area, name="Hill Primary School")
    bad_upn = "A" + _upn(3)[1:] if _upn(3)[0] != "A" else "B" + _upn(3)[1:]
    path = tmp_path / "autumn-census.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "UPN",
                "Surname",
                "Forename",
                "DOB",
                "Gender",
                "SENprovision",
                "SENtype1",
                "SENtype2",
                "URN",
            ]
        )
        writer.writerow(
            [_upn(1), "Uploadova", "Robin", "2015-03-14", "F", "K", "SLCN", "", school.urn]
        )
        writer.writerow(
            [_upn(2), "Uploadova", "Kit", "14/09/2012", "M", "E", "ASD", "SEMH", school.urn]
        )
        writer.writerow(
            [bad_upn, "Uploadova", "Sam", "2016-01-02", "M", "K", "MLD", "", school.urn]
        )

    sign_in_as(coordinator)
    page.goto("/")
    page.get_by_role("link", name="Census import").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check("the census upload page")

    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("10")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("Census file").set_input_files(str(path))
    page.get_by_role("button", name="Check and import").click()

    problems = page.get_by_role("region", name="Problems by row of the file")
    expect(problems).to_contain_text(re.compile("the check letter is", re.IGNORECASE))
    expect(problems).to_contain_text("4")  # the bad pupil is on row 4 (the headings are row 1)
    assert not Child.objects.filter(surname="Uploadova").exists()
    check("the census check page, with problems")

    report = page.request.get(
        page.get_by_role("link", name="Download all the problems as CSV").get_attribute("href")
    )
    assert report.status == 200
    rows = list(csv.DictReader(io.StringIO(report.text().lstrip("\ufeff"))))  # Excel-friendly BOM
    assert [(row["row"], row["field"]) for row in rows] == [("4", "UPN")]

    page.get_by_role("button", name="Import the 2 valid rows only").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check("the census import result page")
    assert set(
        Child.objects.filter(surname="Uploadova").values_list(
            "forename", "sen_status", "primary_need"
        )
    ) == {
        ("Robin", "K", "SLCN"),
        ("Kit", "E", "ASD"),
    }

    page.goto("/children/?q=uploadova")
    expect(page.get_by_role("heading", name="2 children found")).to_be_visible()
    page.get_by_role("link", name="UPLOADOVA, Kit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kit Uploadova")
    expect(page.get_by_text("Hill Primary School").first).to_be_visible()
    check("the record of an imported pupil")
