"""The gap analysis page, its XLSX workbook and its API: who gets what, and bad input."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from opensend.api.tests.conftest import token_for
from opensend.commissioning.gap_export import SHEET_NAMES
from opensend.commissioning.tests.test_gap_analysis import known  # noqa: F401 - the fixture
from opensend.core.models import AccessAction, AccessLogEntry
from opensend.core.roles import Role
from opensend.core.tests.factories import staff

pytestmark = pytest.mark.django_db

PAGE = "/commissioning/gaps/"
API = "/api/v1/commissioning/gaps"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def api_get(user, **params):
    return Client().get(API, params, headers={"Authorization": f"Bearer {token_for(user)}"})


def test_the_page_shows_every_table_and_the_summary(known):  # noqa: F811
    response = client_for(known.la_commissioner).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for key in SHEET_NAMES:
        assert f'id="{key}"' in html
    assert "Plans promise sensory occupational therapy to 3 children" in html
    assert "£3,000.00" in html
    assert "Over capacity" in html
    assert "Responsibility disputes" in html
    entry = AccessLogEntry.objects.filter(action=AccessAction.SEARCH).latest("seq")
    assert entry.detail["commissioning"] == "responsibility_dispute_list"


def test_a_board_member_sees_suppressed_figures_and_no_dispute_list(known):  # noqa: F811
    response = client_for(known.board_member).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "are shown as [c]" in html
    assert 'id="disputes_open"' not in html
    assert "Sensory OT programme" not in html
    assert "/commissioning/disputes/" not in html


@pytest.mark.parametrize("who", ["trust_user", "charity_user"])
def test_providers_are_refused(known, who):  # noqa: F811
    assert client_for(getattr(known, who)).get(PAGE).status_code == 403


def test_another_area_is_not_found(known):  # noqa: F811
    response = client_for(known.other_commissioner).get(PAGE, {"area": known.area.pk})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("31/03/2026", "Enter the date as a year, month and day"),
        ("2026-02-30", "Enter the date as a year, month and day"),
        ((timezone.localdate() + dt.timedelta(days=1)).isoformat(), "today or in the past"),
    ],
)
def test_a_bad_date_is_explained(known, on, message):  # noqa: F811
    response = client_for(known.la_commissioner).get(PAGE, {"on": on})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_earlier_date(known):  # noqa: F811
    response = client_for(known.la_commissioner).get(PAGE, {"on": "2025-01-01"})
    assert response.status_code == 200
    assert "1 January 2025" in response.content.decode()


def test_the_workbook_has_a_sheet_per_table(known):  # noqa: F811
    response = client_for(known.la_commissioner).get(PAGE, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="gap-analysis-990-')
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["About", *SHEET_NAMES.values()]
    about = workbook["About"]
    assert about["B3"].value == "Exact"
    sheet = workbook["Promised, not commissioned"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    heading = values.index(
        [
            "Type of provision",
            "Children",
            "Plan lines",
            "Hours a year",
            "Sessions a year",
            "Children with spot purchases",
            "Spent on spot purchases (£)",
        ]
    )
    assert values[heading + 1] == ["Sensory occupational therapy", 3, 3, 134, 6, 2, 3000]
    assert AccessLogEntry.objects.filter(action=AccessAction.EXPORT).exists()


def test_the_board_workbook_is_suppressed(known):  # noqa: F811
    response = client_for(known.board_member).get(PAGE, {"format": "xlsx"})
    workbook = load_workbook(BytesIO(response.content))
    assert "Open disputes" not in workbook.sheetnames
    rows = [[c.value for c in row] for row in workbook["Promised, not commissioned"].iter_rows()]
    assert ["Sensory occupational therapy", *["[c]"] * 6] in rows


def test_the_api_gives_the_same_figures(known):  # noqa: F811
    response = api_get(known.la_commissioner, la_code="990")
    assert response.status_code == 200
    body = response.json()
    assert body["exact"] is True
    assert body["la_code"] == "990"
    tables = {table["key"]: table for table in body["tables"]}
    assert set(tables) == set(SHEET_NAMES)
    assert tables["uncommissioned"]["rows"] == [
        ["Sensory occupational therapy", 3, 3, "134.00", "6.00", 2, "3000.00"]
    ]
    assert tables["spot_spend"]["rows"] == [
        ["Sensory occupational therapy", 2, 2, "3000.00", "1500.00"]
    ]
    assert body["summary"][0].startswith("Plans promise sensory occupational therapy")


def test_the_api_suppresses_for_a_board_member(known):  # noqa: F811
    body = api_get(known.board_member).json()
    assert body["exact"] is False
    tables = {table["key"]: table for table in body["tables"]}
    assert "disputes_open" not in tables
    assert tables["uncommissioned"]["rows"][0][1:] == ["[c]"] * 6


def test_the_api_for_a_send_manager(known):  # noqa: F811
    body = api_get(staff(Role.SEND_MANAGER, known.council)).json()
    assert body["exact"] is True


@pytest.mark.parametrize(
    ("who", "params", "status", "code"),
    [
        ("trust_user", {}, 403, "forbidden"),
        ("other_commissioner", {"la_code": "990"}, 404, "not_found"),
        ("la_commissioner", {"la_code": "000"}, 404, "not_found"),
        ("la_commissioner", {"on": "2026-02-30"}, 422, "invalid_request"),
        ("la_commissioner", {"on": "2999-01-01"}, 422, "invalid_request"),
    ],
)
def test_the_api_refuses(known, who, params, status, code):  # noqa: F811
    response = api_get(getattr(known, who), **params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_the_api_needs_a_caller(known):  # noqa: F811
    assert Client().get(API).status_code == 401
