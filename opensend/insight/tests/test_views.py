"""The performance pages: who sees what, the officers' forms, the provider's upload with its
row-level report, and the XLSX export (opened with openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from opensend.insight.models import ClosedPeriod, Indicator, IndicatorValue
from opensend.insight.tests.factories import contract_indicator, indicator, value
from opensend.insight.tests.test_returns import csv_bytes

pytestmark = pytest.mark.django_db


def as_(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def kpis(world):
    area_kpi = indicator(world.area, name="Plans reviewed on time", code="reviews")
    trust_kpi = contract_indicator(world.trust_contract, name="Seen within 18 weeks", code="seen")
    charity_kpi = contract_indicator(world.charity_contract, name="Sensory sessions", code="ot")
    for month, (numerator, denominator) in enumerate([(40, 50), (45, 50), (3, 4)], start=8):
        value(trust_kpi, dt.date(2026, month, 1), numerator, denominator)
    return {"area": area_kpi, "trust": trust_kpi, "charity": charity_kpi}


@pytest.mark.parametrize(
    ("who", "seen", "unseen"),
    [
        (
            "commissioner",
            ["Plans reviewed on time", "Seen within 18 weeks", "Sensory sessions"],
            [],
        ),
        ("board_member", ["Plans reviewed on time", "Seen within 18 weeks"], []),
        ("trust_user", ["Seen within 18 weeks"], ["Plans reviewed on time", "Sensory sessions"]),
    ],
)
def test_the_list_by_role(world, kpis, who, seen, unseen):
    page = as_(getattr(world, who)).get("/performance/")
    assert page.status_code == 200
    for name in seen:
        assert name in page.text
    for name in unseen:
        assert name not in page.text


def test_nobody_else_sees_the_list(world, kpis):
    assert as_(world.coordinator).get("/performance/").status_code == 404


@pytest.mark.parametrize(
    ("who", "key", "status"),
    [
        ("trust_user", "trust", 200),
        ("trust_user", "charity", 404),
        ("trust_user", "area", 404),
        ("charity_user", "trust", 404),
        ("board_member", "trust", 200),
        ("other_commissioner", "area", 404),
    ],
)
def test_indicator_page_permissions(world, kpis, who, key, status):
    response = as_(getattr(world, who)).get(f"/performance/indicators/{kpis[key].pk}/")
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "shown", "hidden"), [("trust_user", "75%", "[c]"), ("board_member", "[c]", "75%")]
)
def test_indicator_page_shows_chart_table_and_suppression(world, kpis, who, shown, hidden):
    page = as_(getattr(world, who)).get(f"/performance/indicators/{kpis['trust'].pk}/")
    assert 'data-chart="spc"' in page.text
    assert '<title id="spc-title">' in page.text
    assert shown in page.text
    assert hidden not in page.text.split('data-table="values"')[1].split("</table>")[0]


@pytest.mark.parametrize(
    ("who", "status"),
    [("commissioner", 200), ("send_manager", 200), ("board_member", 403), ("trust_user", 404)],
)
def test_officer_forms_are_for_officers(world, kpis, who, status):
    client = as_(getattr(world, who))
    for page in ("edit/", "values/new/", "close/"):
        response = client.get(f"/performance/indicators/{kpis['area'].pk}/{page}")
        assert response.status_code == status


def test_define_an_indicator_with_errors_then_without(world):
    client = as_(world.commissioner)
    data = {
        "name": "Advice returned in 6 weeks",
        "code": "advice-6",
        "domain": "health",
        "numerator_label": "advice returned in 6 weeks",
        "denominator_label": "",
        "unit": "percent",
        "decimal_places": "1",
        "polarity": "higher",
        "frequency": "monthly",
        "year_start": "financial",
        "source": "manual",
        "rag_tolerance_kind": "units",
    }
    refused = client.post("/performance/indicators/new/", data)
    assert refused.status_code == 400
    assert "A percentage needs a denominator" in refused.text
    data["denominator_label"] = "advice requested"
    saved = client.post("/performance/indicators/new/", data)
    assert saved.status_code == 302
    assert Indicator.objects.get(code="advice-6").denominator_label == "advice requested"


def test_record_a_value_and_close_the_period(world, kpis):
    client = as_(world.send_manager)
    url = f"/performance/indicators/{kpis['area'].pk}/"
    form = {
        "period_start_day": "1",
        "period_start_month": "9",
        "period_start_year": "2026",
        "numerator": "18",
        "denominator": "20",
    }
    assert client.post(url + "values/new/", form).status_code == 302
    assert IndicatorValue.objects.get(indicator=kpis["area"]).value == Decimal(90)
    closing = {k: v for k, v in form.items() if k.startswith("period_start")}
    assert client.post(url + "close/", closing).status_code == 302
    refused = client.post(url + "values/new/", {**form, "numerator": "19"})
    assert refused.status_code == 400
    assert "The period Sep 2026 was closed on" in refused.text
    assert "by Sam Manager" in refused.text
    closed = ClosedPeriod.objects.get()
    assert client.post(url + f"closed/{closed.pk}/reopen/").status_code == 302
    assert not ClosedPeriod.objects.exists()


def test_upload_with_row_errors_then_a_good_one(world, kpis):
    client = as_(world.trust_user)
    page = client.get("/performance/returns/")
    assert page.status_code == 200
    assert world.trust_contract.reference in page.text
    assert world.charity_contract.reference not in page.text
    bad = SimpleUploadedFile("r.csv", csv_bytes([["seen", "2026-11-15", 9, 10, "", ""]]))
    refused = client.post(
        "/performance/returns/", {"commission": world.trust_contract.pk, "file": bad}
    )
    assert refused.status_code == 400
    assert "not the first day of a monthly period" in refused.text
    good = SimpleUploadedFile("r.csv", csv_bytes([["seen", "2026-11-01", 9, 10, "", ""]]))
    imported = client.post(
        "/performance/returns/", {"commission": world.trust_contract.pk, "file": good}
    )
    assert imported.status_code == 302
    assert IndicatorValue.objects.filter(indicator=kpis["trust"]).count() == 4


def test_a_provider_cannot_upload_for_another_contract(world, kpis):
    upload = SimpleUploadedFile("r.csv", csv_bytes([["ot", "2026-11-01", 9, 10, "", ""]]))
    response = as_(world.trust_user).post(
        "/performance/returns/", {"commission": world.charity_contract.pk, "file": upload}
    )
    assert response.status_code == 400
    assert "Select one of your contracts" in response.text
    assert not IndicatorValue.objects.filter(indicator=kpis["charity"]).exists()


@pytest.mark.parametrize(
    ("who", "value", "numerator"),
    [("trust_user", Decimal(75), Decimal(3)), ("board_member", "[c]", "[c]")],
)
def test_export_series_as_xlsx(world, kpis, who, value, numerator):
    response = as_(getattr(world, who)).get(
        f"/performance/indicators/{kpis['trust'].pk}/export.xlsx"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Seen within 18 weeks"
    heading = rows.index(next(r for r in rows if r and r[0] == "Period"))
    by_period = {row[0]: row for row in rows[heading + 1 :] if row and row[0]}
    assert by_period["Aug 2026"][2:5] == (Decimal(40), Decimal(50), Decimal(80))
    october = by_period["Oct 2026"]
    assert (october[2], october[4]) == (numerator, value)
    assert by_period["Oct 2026"][1].date() == dt.date(2026, 10, 1)
