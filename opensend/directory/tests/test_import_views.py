"""The officers' import pages and the ``opensend import-oruk`` command."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, staff
from opensend.directory.models import ImportRun, Service
from opensend.directory.services import imports
from opensend.directory.tests.test_import_oruk import Feed, free_port, service_record

pytestmark = pytest.mark.django_db

PAGE = "/local-offer/manage/990/imports/"


@pytest.fixture
def officer(local_authority):
    return staff(Role.LOCAL_OFFER_OFFICER, local_authority, full_name="Imogen Importer")


@pytest.fixture
def officer_client(officer):
    client = Client()
    client.force_login(officer)
    return client


def upload(records, name="feed.json"):
    return SimpleUploadedFile(name, json.dumps(records).encode(), content_type="application/json")


def text(response):
    return response.content.decode()


def test_the_page_offers_an_upload_and_lists_past_runs(officer_client, area):
    imports.import_file(area=area, name="older.json", data=b"[]", acting_user=None)
    response = officer_client.get(PAGE)
    assert response.status_code == 200
    page = text(response)
    assert "Import services from another directory" in page
    assert 'type="file"' in page and "older.json" in page


def test_uploading_a_file_imports_it_and_shows_the_run(officer_client, officer, area):
    bad = service_record(2, status="open")
    response = officer_client.post(PAGE, {"file": upload([service_record(1), bad]), "feed": ""})
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}{run.pk}/"
    assert run.started_by == officer and run.created == 1 and run.rejected == 1
    page = text(officer_client.get(response["Location"]))
    assert "Completed with records rejected" in page
    assert bad["id"] in page and "status" in page and "must be one of" in page
    assert "Download the report (CSV)" in page


def test_the_report_downloads_as_csv(officer_client, area):
    no_name = service_record(3)
    del no_name["name"]
    officer_client.post(PAGE, {"file": upload([no_name])})
    run = ImportRun.objects.get()
    response = officer_client.get(f"{PAGE}{run.pk}/report.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["index", "id", "path", "reason"], ["0", no_name["id"], "name", "is required"]]


def test_giving_a_url_imports_the_feed(officer_client, area):
    with Feed([service_record(1)]) as feed:
        response = officer_client.post(PAGE, {"url": feed.url})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.created == 1 and run.source == feed.url


def test_an_unreachable_url_shows_the_failure(officer_client, area):
    response = officer_client.post(
        PAGE, {"url": f"http://127.0.0.1:{free_port()}/api"}, follow=True
    )
    page = text(response)
    assert "Failed" in page and "could not read the feed" in page and "Could not reach" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose an ORUK file to upload, or give the feed’s address"),
        ({"url": "not a url at all"}, "Enter the feed’s address in full"),
        (
            {"url": "https://feed.example/api", "file": "FILE"},
            "Give a file or an address, not both",
        ),
        ({"file": "EMPTY"}, "The file is empty"),
    ],
)
def test_bad_input_gets_an_error_summary(officer_client, area, data, message):
    if data.get("file") == "FILE":
        data["file"] = upload([service_record(1)])
    elif data.get("file") == "EMPTY":
        data["file"] = SimpleUploadedFile("empty.json", b"")
    response = officer_client.post(PAGE, data)
    assert response.status_code == 200
    page = text(response)
    assert "govuk-error-summary" in page and message in page
    assert "<title>Error:" in page
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.EHC_COORDINATOR, Role.SEND_MANAGER])
def test_only_officers_may_import(area, local_authority, role):
    client = Client()
    client.force_login(staff(role, local_authority))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"file": upload([service_record(1)])}).status_code == 403
    assert not Service.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, area):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert PAGE in response["Location"]  # back here after signing in


def test_an_officer_of_another_area_cannot_see_this_areas_runs(area, officer_client):
    other = AreaFactory(la_code="991", ons_code="E06000991")
    run = imports.import_file(area=other, name="theirs.json", data=b"[]", acting_user=None)
    assert officer_client.get("/local-offer/manage/991/imports/").status_code == 403
    assert officer_client.get(f"{PAGE}{run.pk}/").status_code == 404
    assert officer_client.get(f"{PAGE}{run.pk}/report.csv").status_code == 404


def test_imported_markup_is_shown_as_text_on_the_report(officer_client, area):
    record = service_record(1, status="<script>alert(1)</script>")
    officer_client.post(PAGE, {"file": upload([record])})
    run = ImportRun.objects.get()
    page = text(officer_client.get(f"{PAGE}{run.pk}/"))
    assert "<script>alert(1)</script>" not in page


# --- the command ---------------------------------------------------------------------------


def test_the_command_imports_a_file(area, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([service_record(1), service_record(2, status="open")]))
    out = io.StringIO()
    call_command("import_oruk", str(path), area="990", stdout=out)
    output = out.getvalue()
    assert "1 new, 0 updated, 0 unchanged, 1 rejected" in output
    assert "status: must be one of" in output
    assert Service.objects.count() == 1


def test_the_command_imports_a_url(area):
    with Feed([service_record(1)]) as feed:
        out = io.StringIO()
        call_command("import_oruk", feed.url, area="990", timeout=5, stdout=out)
    assert "1 new" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["missing-file.json", "--area", "990"], 2),
        (["x.json", "--area", "000"], 2),
    ],
)
def test_the_command_refuses_bad_usage(area, args, code):
    with pytest.raises(CommandError) as raised:
        call_command("import_oruk", *args)
    assert raised.value.returncode == code


def test_the_command_fails_when_the_feed_cannot_be_read(area):
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_oruk",
            f"http://127.0.0.1:{free_port()}/api",
            area="990",
            timeout=2,
            stdout=io.StringIO(),
        )
    assert raised.value.returncode == 1
    assert "Could not reach" in str(raised.value)
    assert ImportRun.objects.get().outcome == ImportRun.Outcome.FAILED
