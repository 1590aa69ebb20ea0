"""Evidence files on decisions: attached through the decision form (errors against the field),
checked again by ``decision_record`` with nothing left behind on a refusal, shown on the
commission page, and downloaded only by those who see the commission's decisions, each
download written to the access log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from opensend.commissioning import evidence, services
from opensend.commissioning.models import Decision, DecisionEvidence
from opensend.commissioning.tests import factories
from opensend.commissioning.tests.test_evidence_files import CSV, PDF, PNG, XLSX
from opensend.core.models import AccessAction, AccessLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_storage(settings):
    """A new in-memory storage for each test, so what one test stores another never sees."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def contracts(world):
    salt = factories.commission(
        world.area,
        world.trust,
        [(world.council, "high_needs", 150000), (world.icb, "icb", 100000)],
        reference="HV-SALT",
        title="Joint SALT service",
        arrangement="pooled",
        s75_reference="S75-1",
        annual_value=Decimal(250000),
        whole_life_value=Decimal(750000),
    )
    breaks = factories.commission(
        world.area,
        world.charity,
        [(world.council, "social_care", 80000)],
        reference="HV-SB",
        title="Short breaks",
        provision_type="short_breaks",
        annual_value=Decimal(80000),
        whole_life_value=Decimal(80000),
    )
    return salt, breaks


def stored_files():
    """Every evidence file in the storage (the tests' storage is in memory)."""
    year = str(dt.date.today().year)
    folder = f"commissioning/evidence/{year}"
    if not default_storage.exists(folder):
        return []
    return sorted(default_storage.listdir(folder)[1])


def decision_data(**overrides):
    today = dt.date.today()
    data = {
        "stage": "plan",
        "summary": "Re-procure the service with a pooled budget",
        "decided_on_day": str(today.day),
        "decided_on_month": str(today.month),
        "decided_on_year": str(today.year),
        "evidence_title": "Options appraisal",
        "evidence_url": "",
    }
    data.update(overrides)
    return data


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- attaching through the decision form ----------------------------------------------------


def test_the_decision_form_is_a_file_upload_form(world, contracts):
    page = client_for(world.la_commissioner).get(f"/commissioning/{contracts[0].pk}/decisions/new/")
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html
    assert f'accept="{evidence.ACCEPT}"' in html
    assert "up to 10 MB" in html


def test_a_commissioner_attaches_a_pdf_and_the_page_offers_it(world, contracts):
    salt = contracts[0]
    client = client_for(world.la_commissioner)
    response = client.post(
        f"/commissioning/{salt.pk}/decisions/new/",
        {**decision_data(), "evidence_file": upload("options-appraisal.pdf", PDF)},
    )
    assert response.status_code == 302
    item = DecisionEvidence.objects.get()
    assert item.title == "Options appraisal"
    assert item.url == ""
    assert item.file.name.endswith(".pdf")
    assert item.file.read() == PDF
    page = client.get(f"/commissioning/{salt.pk}/").content.decode()
    href = f"/commissioning/{salt.pk}/evidence/{item.pk}/"
    assert f'href="{href}"' in page
    assert "Options appraisal (PDF, 1 KB)" in page


def test_a_file_and_a_link_together(world, contracts):
    salt = contracts[0]
    client = client_for(world.la_commissioner)
    response = client.post(
        f"/commissioning/{salt.pk}/decisions/new/",
        {
            **decision_data(evidence_url="https://example.org/board/2026-04"),
            "evidence_file": upload("costings.xlsx", XLSX),
        },
    )
    assert response.status_code == 302
    item = DecisionEvidence.objects.get()
    assert item.url == "https://example.org/board/2026-04"
    assert item.file
    page = client.get(f"/commissioning/{salt.pk}/").content.decode()
    assert "Options appraisal (Excel (XLSX)" in page
    assert 'href="https://example.org/board/2026-04"' in page


@pytest.mark.parametrize(
    ("name", "content", "overrides", "message"),
    [
        ("minutes.doc", PDF, {}, "The evidence file must be a PDF, Word (DOCX), Excel (XLSX)"),
        ("minutes.pdf", PNG, {}, "The evidence file is not a real PDF file"),
        ("spend.csv", PDF, {}, "The evidence file is not a real CSV file"),
        ("minutes.pdf", b"", {}, "The evidence file is empty"),
        ("minutes.pdf", PDF, {"evidence_title": ""}, "Give the evidence a title"),
        (None, None, {}, "Attach a file or enter a link to the evidence"),
    ],
)
def test_upload_errors_name_the_field_and_nothing_is_written(
    world, contracts, name, content, overrides, message
):
    salt = contracts[0]
    data = decision_data(**overrides)
    if name is not None:
        data["evidence_file"] = upload(name, content)
    response = client_for(world.la_commissioner).post(
        f"/commissioning/{salt.pk}/decisions/new/", data
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    target = "id_evidence_title" if "title" in message else "id_evidence_file"
    assert f'<a href="#{target}">{message}' in page
    assert not Decision.objects.exists()
    assert stored_files() == []


def test_a_file_over_10_mb_is_refused(world, contracts):
    big = PDF + bytes(evidence.MAX_BYTES + 1 - len(PDF))
    response = client_for(world.la_commissioner).post(
        f"/commissioning/{contracts[0].pk}/decisions/new/",
        {**decision_data(), "evidence_file": upload("big.pdf", big)},
    )
    assert response.status_code == 400
    assert "The evidence file must be smaller than 10 MB" in response.content.decode()
    assert not DecisionEvidence.objects.exists()
    assert stored_files() == []


def test_only_the_areas_commissioners_attach_evidence(world, contracts):
    url = f"/commissioning/{contracts[0].pk}/decisions/new/"
    data = {**decision_data(), "evidence_file": upload("minutes.pdf", PDF)}
    assert client_for(world.trust_user).post(url, data).status_code == 403
    assert client_for(world.other_commissioner).post(url, data).status_code == 404
    assert not DecisionEvidence.objects.exists()


# --- the service ----------------------------------------------------------------------------


@pytest.fixture
def stage(contracts):
    return services.cycle_stage_start(
        acting_user=None, commission=contracts[0], stage="plan", started_on=dt.date(2026, 1, 5)
    )


def test_the_service_checks_the_file_itself(world, stage):
    with pytest.raises(ValidationError) as refused:
        services.decision_record(
            acting_user=world.la_commissioner,
            stage=stage,
            summary="Re-procure",
            decided_on=dt.date(2026, 2, 1),
            evidence=[
                services.EvidenceInput(title="Spend", file=ContentFile(CSV, name="spend.csv")),
                services.EvidenceInput(title="Paper", file=ContentFile(PNG, name="paper.pdf")),
            ],
        )
    assert refused.value.message_dict == {
        "evidence.1": [
            "The evidence file is not a real PDF file: its content does not match its name"
        ]
    }
    assert not Decision.objects.exists()
    assert stored_files() == []


def test_a_failure_after_a_file_is_stored_removes_it(world, stage):
    with pytest.raises(ValidationError) as refused:
        services.decision_record(
            acting_user=world.la_commissioner,
            stage=stage,
            summary="Re-procure",
            decided_on=dt.date(2026, 2, 1),
            evidence=[
                services.EvidenceInput(title="Spend", file=ContentFile(CSV, name="spend.csv")),
                services.EvidenceInput(title="Paper", url="https://example.org/" + "x" * 600),
            ],
        )
    assert "evidence.1" in refused.value.message_dict
    assert not Decision.objects.exists()
    assert stored_files() == []


def test_the_service_stores_the_file(world, stage):
    decision = services.decision_record(
        acting_user=world.la_commissioner,
        stage=stage,
        summary="Re-procure",
        decided_on=dt.date(2026, 2, 1),
        evidence=[services.EvidenceInput(title="Spend", file=ContentFile(CSV, name="spend.csv"))],
    )
    item = decision.evidence.get()
    assert item.file.name.startswith(f"commissioning/evidence/{dt.date.today().year}/spend")
    assert stored_files() == [item.file.name.rsplit("/", 1)[1]]


# --- downloading ----------------------------------------------------------------------------


@pytest.fixture
def attached(world, stage):
    decision = services.decision_record(
        acting_user=world.la_commissioner,
        stage=stage,
        summary="Re-procure",
        decided_on=dt.date(2026, 2, 1),
        evidence=[
            services.EvidenceInput(
                title="Options appraisal", file=ContentFile(PDF, name="options appraisal.pdf")
            ),
            services.EvidenceInput(title="Board paper", url="https://example.org/paper"),
        ],
    )
    with_file, link_only = decision.evidence.order_by("pk")
    return with_file, link_only


def download(user, commission, item):
    return client_for(user).get(f"/commissioning/{commission.pk}/evidence/{item.pk}/")


@pytest.mark.parametrize("who", ["la_commissioner", "icb_commissioner", "trust_user"])
def test_those_who_see_the_decisions_download_the_file(world, contracts, attached, who):
    response = download(getattr(world, who), contracts[0], attached[0])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="options_appraisal' in response["Content-Disposition"]
    entry = AccessLogEntry.objects.filter(object_type="commissioning.decisionevidence").get()
    assert entry.action == AccessAction.EXPORT
    assert entry.actor == getattr(world, who)
    assert entry.object_id == str(attached[0].pk)
    assert entry.detail["reference"] == "HV-SALT"


@pytest.mark.parametrize(
    "who",
    [
        "charity_user",  # the provider of another contract
        "board_member",  # sees the commission's summary, never its evidence
        "other_commissioner",  # another area
    ],
)
def test_anyone_else_is_told_it_does_not_exist(world, contracts, attached, who):
    assert download(getattr(world, who), contracts[0], attached[0]).status_code == 404
    assert not AccessLogEntry.objects.filter(object_type="commissioning.decisionevidence").exists()


def test_evidence_is_found_only_under_its_own_commission_and_only_as_a_file(
    world, contracts, attached
):
    salt, breaks = contracts
    commissioner = world.la_commissioner
    assert download(commissioner, breaks, attached[0]).status_code == 404
    assert download(commissioner, salt, attached[1]).status_code == 404
    assert (
        client_for(commissioner).get(f"/commissioning/{salt.pk}/evidence/999999/").status_code
        == 404
    )


def test_people_without_a_commissioning_role_are_refused(coordinator, contracts, attached):
    assert download(coordinator, contracts[0], attached[0]).status_code == 403


def test_the_board_member_does_not_see_the_evidence_on_the_page(world, contracts, attached):
    page = client_for(world.board_member).get(f"/commissioning/{contracts[0].pk}/").content.decode()
    assert "Options appraisal" not in page
    assert "/evidence/" not in page
