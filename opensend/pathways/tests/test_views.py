"""The pathway pages: who sees what, the upload with its row-level report, the XLSX export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import OrganisationFactory, staff
from opensend.pathways import services
from opensend.pathways.models import Referral
from opensend.pathways.tests.factories import PathwayFactory, TrustFactory
from opensend.pathways.tests.test_returns import csv_bytes, good_rows, xlsx_bytes
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pathway(area):
    pathway = PathwayFactory(area=area, name="Sensory OT")
    for number in range(7):
        services.referral_record(
            acting_user=None,
            pathway=pathway,
            child=ChildFactory(area=area),
            provider_reference=f"OT-{number}",
            source="school",
            received_on=dt.date(2026, 1, 5) + dt.timedelta(days=number),
        )
    return pathway


@pytest.fixture
def provider(pathway):
    return staff(Role.PROVIDER, pathway.provider)


@pytest.fixture
def commissioner(area):
    return staff(Role.COMMISSIONER, OrganisationFactory(kind=OrganisationKind.ICB, home_area=area))


def as_(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_list_and_the_pathway_page_for_the_provider(pathway, provider):
    client = as_(provider)
    listing = client.get("/pathways/")
    assert listing.status_code == 200
    assert "Sensory OT" in listing.text
    page = client.get(f"/pathways/{pathway.pk}/")
    assert page.status_code == 200
    assert "Upload a return for this pathway" in page.text
    assert "<svg" in page.text and 'data-table="months"' in page.text
    assert "Children waiting" in page.text


def test_a_commissioner_sees_figures_but_cannot_upload(pathway, commissioner):
    client = as_(commissioner)
    page = client.get(f"/pathways/{pathway.pk}/")
    assert page.status_code == 200
    assert "Upload a return" not in page.text
    refused = client.get(f"/pathways/{pathway.pk}/returns/new")
    assert refused.status_code == 403
    assert "Only staff of" in refused.text


def test_another_provider_sees_nothing_and_cannot_upload(pathway, area):
    other = staff(Role.PROVIDER, TrustFactory(home_area=area))
    client = as_(other)
    assert "Sensory OT" not in client.get("/pathways/").text
    assert client.get(f"/pathways/{pathway.pk}/").status_code == 404
    assert client.get(f"/pathways/{pathway.pk}/figures.xlsx").status_code == 404
    upload = SimpleUploadedFile("r.csv", b"x", content_type="text/csv")
    refused = client.post(f"/pathways/{pathway.pk}/returns/new", {"file": upload})
    assert refused.status_code == 403
    assert f"Only staff of {pathway.provider.name} can upload returns" in refused.text


def test_someone_with_no_part_sees_no_pathways(pathway, coordinator):
    client = as_(coordinator)
    assert "There are no pathways for you to see" in client.get("/pathways/").text
    assert client.get(f"/pathways/{pathway.pk}/").status_code == 404


def test_uploading_a_good_return(pathway, provider, area):
    children = [
        ChildFactory(area=area, date_of_birth=dt.date(2016, 5, 1)),
        ChildFactory(area=area, date_of_birth=dt.date(2018, 9, 12)),
    ]
    upload = SimpleUploadedFile("return.xlsx", xlsx_bytes(good_rows(children)))
    response = as_(provider).post(f"/pathways/{pathway.pk}/returns/new", {"file": upload})
    assert response.status_code == 302
    assert Referral.objects.filter(provider_reference__startswith="SLT-").count() == 2


def test_a_bad_return_shows_every_row_error_and_imports_nothing(pathway, provider, area):
    children = [ChildFactory(area=area, date_of_birth=dt.date(2016, 5, 1)), ChildFactory(area=area)]
    rows = good_rows(children)
    rows[1][1] = "9434765919"
    rows[0][3] = "<b>soon</b>"
    upload = SimpleUploadedFile("return.csv", csv_bytes(rows))
    response = as_(provider).post(f"/pathways/{pathway.pk}/returns/new", {"file": upload})
    assert response.status_code == 400
    text = response.text
    assert "There is a problem" in text
    assert "nothing was imported" in text
    assert "No child with NHS number 9434765919 is known to OpenSEND" in text
    assert "Received must be a real date" in text
    assert "<b>soon</b>" not in text
    assert not Referral.objects.filter(provider_reference__startswith="SLT-").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("return.pdf", b"%PDF", "The selected file must be a CSV or XLSX file"),
        ("return.csv", b"a,b\n", "The file has no column for"),
    ],
)
def test_files_refused_as_a_whole(pathway, provider, name, content, message):
    upload = SimpleUploadedFile(name, content)
    response = as_(provider).post(f"/pathways/{pathway.pk}/returns/new", {"file": upload})
    assert response.status_code == 400
    assert message in response.text


def test_no_file_chosen(pathway, provider):
    response = as_(provider).post(f"/pathways/{pathway.pk}/returns/new", {})
    assert response.status_code == 400
    assert "Select the return file" in response.text


def test_the_xlsx_export_exact_for_the_provider_suppressed_for_commissioners(
    pathway, provider, commissioner, area
):
    services.referral_record(
        acting_user=None,
        pathway=pathway,
        child=ChildFactory(area=area),
        provider_reference="LATE",
        source="gp",
        received_on=dt.date.today() - dt.timedelta(days=2),
    )
    exact = as_(provider).get(f"/pathways/{pathway.pk}/figures.xlsx")
    assert exact.status_code == 200
    assert exact["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(exact.content)).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Waiting"] == 8
    assert values["0–1 weeks"] == 1
    suppressed = as_(commissioner).get(f"/pathways/{pathway.pk}/figures.xlsx")
    sheet = load_workbook(io.BytesIO(suppressed.content)).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Waiting"] == 8
    assert values["0–1 weeks"] == "[c]"


def test_the_forecast_target_month(pathway, provider):
    client = as_(provider)
    bad = client.get(f"/pathways/{pathway.pk}/", {"target": "next year"})
    assert bad.status_code == 400
    assert "Enter the month as a year and month" in bad.text
    past = client.get(f"/pathways/{pathway.pk}/", {"target": "2020-01"})
    assert "The month must be after this month" in past.text
    year = dt.date.today().year + 2
    good = client.get(f"/pathways/{pathway.pk}/", {"target": f"{year}-03"})
    assert good.status_code == 200
    assert f"by the end of March {year}" in good.text
