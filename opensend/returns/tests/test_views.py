"""The census import pages: upload (multipart POST), result and check page, importing the
valid rows, the error report download and the history, and who may see them."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from opensend.core.models import AccessAction, AccessLogEntry
from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, staff
from opensend.people.models import Child
from opensend.returns import services
from opensend.returns.forms import default_census_date
from opensend.returns.models import CensusImport, CensusImportStatus
from opensend.returns.tests.helpers import HEADER, SPRING_2025, pupil, upn, write_csv

pytestmark = pytest.mark.django_db

UPLOAD = reverse("returns:census-upload")
HISTORY = reverse("returns:census-history")


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def _post(client, path, *, day="16", month="1", year="2025", area=None, extra=None):
    data = {"census_date_day": day, "census_date_month": month, "census_date_year": year}
    if area is not None:
        data["area"] = str(area.pk)
    data.update(extra or {})
    if path is not None:
        with path.open("rb") as handle:
            data["file"] = handle
            return client.post(UPLOAD, data)
    return client.post(UPLOAD, data)


def test_the_upload_page_explains_the_layout_and_suggests_the_latest_census(signed_in, area):
    response = signed_in.get(UPLOAD)
    assert response.status_code == 200
    page = response.content.decode()
    census = default_census_date()
    assert f'name="census_date_day" type="text" value="{census.day}"' in page
    assert f'name="census_date_year" type="text" value="{census.year}"' in page
    assert f'<input type="hidden" name="area" value="{area.pk}">' in page
    assert "Expected columns" in page
    for heading in ("SENprovision", "PrimarySENtype", "LAESTAB", "DateOfBirth"):
        assert f"<code>{heading}</code>" in page
    assert 'enctype="multipart/form-data"' in page
    assert f'href="{UPLOAD}"' in page  # the navigation links here


def test_the_default_census_date_is_the_latest_census_day_before_today():
    assert default_census_date(dt.date(2025, 1, 16)) == dt.date(2024, 10, 3)
    assert default_census_date(dt.date(2025, 1, 17)) == dt.date(2025, 1, 16)


def test_a_user_of_two_areas_chooses_the_area(client, area, local_authority):
    other = AreaFactory(name="Sefton Moss")
    council = OrganisationFactory(name="Joint SEND Service", home_area=area, areas=[area, other])
    user = staff(Role.EHC_COORDINATOR, council)
    client.force_login(user)
    page = client.get(UPLOAD).content.decode()
    assert '<select class="govuk-select" id="id_area" name="area"' in page
    assert "Sefton Moss" in page and "Halford Vale" in page
    response = client.post(
        UPLOAD, {"census_date_day": "16", "census_date_month": "1", "census_date_year": "2025"}
    )
    assert response.status_code == 400
    assert "Select the area" in response.content.decode()


def test_a_good_file_is_imported_and_the_result_shown(signed_in, tmp_path, area, schools):
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, schools[0].urn), pupil(2, schools[1].urn)])
    response = _post(signed_in, path, area=area)
    record = CensusImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:census-import", args=[record.pk])
    assert record.status == CensusImportStatus.IMPORTED and record.file_name == "census.csv"
    page = signed_in.get(response["Location"]).content.decode()
    assert '<h1 class="govuk-heading-l">Census file imported</h1>' in page
    assert "Every row was valid and the file has been imported." in page
    assert Child.objects.count() == 2


def test_a_bad_file_shows_every_problem_and_offers_the_valid_rows(
    signed_in, tmp_path, area, schools
):
    path = tmp_path / "census.csv"
    write_csv(
        path,
        [pupil(1, schools[0].urn), pupil(2, schools[0].urn, Gender="=1+1"), pupil(3, "999999")],
    )
    response = _post(signed_in, path, area=area)
    record = CensusImport.objects.get()
    assert record.status == CensusImportStatus.CHECKED_WITH_ERRORS
    result = response["Location"]
    page = signed_in.get(result).content.decode()
    assert "Census file checked: nothing imported" in page
    assert "2 of 3 rows have problems, so nothing has been imported." in page
    assert '<caption class="govuk-table__caption govuk-table__caption--s">Problems by row' in page
    assert "=1+1 is not a gender code; use M, F or U" in page
    assert "No setting with URN 999999 is known" in page  # the first letter made a capital
    assert "Import the 1 valid row only" in page
    assert f'href="{UPLOAD}">Upload a corrected file' in page
    assert Child.objects.count() == 0

    response = signed_in.post(result)
    assert response.status_code == 302
    page = signed_in.get(result).content.decode()
    assert "Census file imported: valid rows only" in page
    assert "The valid rows have been imported." in page
    assert "Import the 1 valid row only" not in page
    assert list(Child.objects.values_list("upn", flat=True)) == [upn(1)]


def test_importing_the_valid_rows_twice_explains_why_not(
    signed_in, tmp_path, area, schools, coordinator
):
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="c.csv",
        content=write_csv(tmp_path / "c.csv", [pupil(1, schools[0].urn), pupil(2, "999999")]),
    )
    url = reverse("returns:census-import", args=[record.pk])
    signed_in.post(url)
    response = signed_in.post(url)
    assert response.status_code == 400
    assert (
        "This file cannot be imported again: it is valid rows imported."
        in response.content.decode()
    )


def test_only_the_first_100_problems_are_shown(signed_in, tmp_path, area, coordinator):
    rows = [pupil(n, "999999") for n in range(1, 131)]
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="c.csv",
        content=write_csv(tmp_path / "c.csv", rows),
    )
    page = signed_in.get(reverse("returns:census-import", args=[record.pk])).content.decode()
    assert "The first 100 of 130 problems." in page
    assert page.count('<td class="govuk-table__cell govuk-table__cell--numeric">') == 100


def test_a_file_missing_columns_is_refused_on_the_upload_page(signed_in, tmp_path, area):
    path = tmp_path / "short.csv"
    write_csv(path, [pupil(1, "100001")], [c for c in HEADER if c not in ("Gender", "SENtype2")])
    response = _post(signed_in, path, area=area)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert (
        'href="#id_file">The file is missing these columns: Gender (or Sex), SENtype2 '
        "(or SecondarySENtype)." in page
    )
    assert CensusImport.objects.get().status == CensusImportStatus.REFUSED


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "anchor"),
    [
        ("", "", "", "Enter the census date", "id_census_date_day"),
        ("16", "", "2025", "The census date must include a month", "id_census_date_month"),
        ("", "", "2025", "The census date must include a day and month", "id_census_date_day"),
        ("31", "2", "2025", "The census date must be a real date", "id_census_date_day"),
        ("16", "1", "25", "The year must include 4 numbers", "id_census_date_year"),
        ("1", "1", "2099", "The census date must be today or in the past", "id_census_date_day"),
    ],
)
def test_the_census_date_is_checked(signed_in, tmp_path, area, day, month, year, message, anchor):
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, "100001")])
    response = _post(signed_in, path, day=day, month=month, year=year, area=area)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<a href="#{anchor}">{message}</a>' in page
    assert "govuk-form-group--error" in page
    assert not CensusImport.objects.exists()


def test_the_file_is_checked(signed_in, tmp_path, area, settings):
    response = _post(signed_in, None, area=area)
    assert '<a href="#id_file">Select the census file</a>' in response.content.decode()
    text = tmp_path / "census.txt"
    text.write_text("UPN\n")
    response = _post(signed_in, text, area=area)
    assert "The selected file must be a CSV or XLSX file" in response.content.decode()
    settings.OPENSEND_MAX_IMPORT_BYTES = 1024 * 1024
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    response = _post(signed_in, big, area=area)
    assert "The selected file must be smaller than 1 MB" in response.content.decode()
    assert not CensusImport.objects.exists()


def test_the_error_report_downloads_as_csv_and_is_logged(
    signed_in, tmp_path, area, schools, coordinator
):
    rows = [
        pupil(1, schools[0].urn, Gender="=HYPERLINK(1)"),
        pupil(2, schools[0].urn, UPN="A12345"),
    ]
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="c.csv",
        content=write_csv(tmp_path / "c.csv", rows),
    )
    response = signed_in.get(reverse("returns:census-errors", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="census-import-{record.pk}-errors.csv"'
    )
    download = tmp_path / "errors.csv"
    download.write_bytes(response.content)
    with download.open(encoding="utf-8-sig", newline="") as handle:
        parsed = list(csv.reader(handle))
    assert parsed == [
        ["row", "field", "value", "problem"],
        ["2", "Gender", "'=HYPERLINK(1)", "=HYPERLINK(1) is not a gender code; use M, F or U"],
        ["3", "UPN", "A12345", "a UPN is 13 characters; this has 6"],
    ]
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_type, entry.object_id, entry.actor) == (
        AccessAction.EXPORT,
        "returns.censusimport",
        str(record.pk),
        coordinator,
    )
    assert entry.detail == {"export": "census import error report", "rows": 2}


def test_the_history_lists_the_areas_imports(signed_in, tmp_path, area, schools, coordinator):
    mine = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="spring.csv",
        content=write_csv(tmp_path / "s.csv", [pupil(1, schools[0].urn)]),
    )
    elsewhere = AreaFactory(name="Other Borough")
    theirs = services.census_import_run(
        acting_user=None,
        area=elsewhere,
        census_date=SPRING_2025,
        file_name="theirs.csv",
        content=write_csv(tmp_path / "t.csv", [pupil(2, "999999")]),
    )
    page = signed_in.get(HISTORY).content.decode()
    assert (
        '<caption class="govuk-table__caption govuk-table__caption--m">Past census imports' in page
    )
    assert reverse("returns:census-import", args=[mine.pk]) in page
    assert "spring.csv" in page and "Imported" in page
    assert "theirs.csv" not in page
    response = signed_in.get(reverse("returns:census-import", args=[theirs.pk]))
    assert response.status_code == 404
    assert signed_in.get(reverse("returns:census-errors", args=[theirs.pk])).status_code == 404


def test_the_history_says_when_there_is_nothing_yet(signed_in):
    assert (
        "No census file has been uploaded for your areas yet."
        in signed_in.get(HISTORY).content.decode()
    )


@pytest.mark.parametrize("role", [Role.SENCO, Role.ANALYST, Role.COMMISSIONER])
def test_other_roles_are_refused_every_page(
    client, tmp_path, area, local_authority, schools, coordinator, role
):
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="c.csv",
        content=write_csv(tmp_path / "c.csv", [pupil(1, "999999")]),
    )
    organisation = schools[0] if role == Role.SENCO else local_authority
    client.force_login(staff(role, organisation))
    for url in (
        UPLOAD,
        HISTORY,
        reverse("returns:census-import", args=[record.pk]),
        reverse("returns:census-errors", args=[record.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "EHC coordinator or SEND manager" in response.content.decode()
    assert client.post(reverse("returns:census-import", args=[record.pk])).status_code == 403
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, schools[0].urn)])
    assert _post(client, path, area=area).status_code == 403
    assert not Child.objects.exists()
    assert f'href="{UPLOAD}"' not in client.get(reverse("web:home")).content.decode()


def test_signing_in_is_required(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:sign-in"))


def test_a_census_date_today_is_accepted(signed_in, tmp_path, area, schools):
    today = timezone.localdate()
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, schools[0].urn)])
    response = _post(
        signed_in, path, day=str(today.day), month=str(today.month), year=str(today.year), area=area
    )
    assert response.status_code == 302
