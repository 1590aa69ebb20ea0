"""The performance API: indicators by who asks, an indicator's series, KPI returns posted as
JSON, and the refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from opensend.api.tests.conftest import token_for
from opensend.insight.models import IndicatorValue
from opensend.insight.tests.factories import contract_indicator, indicator, value

pytestmark = pytest.mark.django_db

BASE = "/api/v1/performance"

#: The performance operations, for ``opensend/api/tests/test_openapi.py``.
OPERATIONS = {
    ("/api/v1/performance/areas/{la_code}/indicators", "get"): "performance_indicators_list",
    ("/api/v1/performance/indicators/{indicator_id}", "get"): "performance_indicator_get",
    ("/api/v1/performance/contracts/{commission_id}/returns", "post"): "performance_return_post",
}


def row(code, numerator, denominator):
    return {
        "indicator_code": code,
        "period_start": "2026-11-01",
        "numerator": numerator,
        "denominator": denominator,
    }


def api_as(user):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(user)}"
    return client


@pytest.fixture
def kpis(world):
    trust = contract_indicator(world.trust_contract, code="seen", name="Seen within 18 weeks")
    for month, (numerator, denominator) in enumerate([(40, 50), (45, 50), (3, 4)], start=8):
        value(trust, dt.date(2026, month, 1), numerator, denominator)
    return {
        "area": indicator(world.area, code="reviews", name="Reviews on time"),
        "trust": trust,
        "charity": contract_indicator(world.charity_contract, code="ot"),
    }


@pytest.mark.parametrize(
    ("who", "codes"),
    [
        ("commissioner", {"reviews", "seen", "ot"}),
        ("trust_user", {"seen"}),
        ("coordinator", set()),
    ],
)
def test_the_list_by_who_asks(world, kpis, who, codes):
    response = api_as(getattr(world, who)).get(f"{BASE}/areas/{world.area.la_code}/indicators")
    assert response.status_code == 200
    assert {row["code"] for row in response.json()} == codes


@pytest.mark.parametrize(("who", "shown"), [("trust_user", "75%"), ("board_member", "[c]")])
def test_an_indicator_suppressed_for_readers(world, kpis, who, shown):
    response = api_as(getattr(world, who)).get(f"{BASE}/indicators/{kpis['trust'].pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["shown_value"] == shown
    october = next(point for point in body["points"] if point["period"] == "Oct 2026")
    assert october["shown_value"] == shown
    assert october["suppressed"] is (shown == "[c]")
    assert body["mean"] is not None


def test_another_providers_indicator_is_not_found(world, kpis):
    response = api_as(world.trust_user).get(f"{BASE}/indicators/{kpis['charity'].pk}")
    assert response.status_code == 404


def test_post_a_return(world, kpis):
    rows = [
        {"indicator_code": "seen", "period_start": "2026-11-01", "numerator": 9, "denominator": 10}
    ]
    response = api_as(world.trust_user).post(
        f"{BASE}/contracts/{world.trust_contract.pk}/returns",
        json.dumps({"rows": rows}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1
    assert IndicatorValue.objects.get(indicator=kpis["trust"], period_start=dt.date(2026, 11, 1))


def test_a_return_with_row_errors_writes_nothing(world, kpis):
    rows = [
        {"indicator_code": "seen", "period_start": "2026-11-01", "numerator": 9, "denominator": 10},
        {"indicator_code": "ot", "period_start": "2026-11-01", "numerator": 1, "denominator": 2},
    ]
    response = api_as(world.trust_user).post(
        f"{BASE}/contracts/{world.trust_contract.pk}/returns",
        json.dumps({"rows": rows}),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "return_invalid"
    assert body["errors"][0]["location"] == "rows[2]"
    assert body["errors"][0]["field"] == "indicator_code"
    assert not IndicatorValue.objects.filter(period_start=dt.date(2026, 11, 1)).exists()


def test_a_return_for_another_providers_contract_is_refused(world, kpis):
    rows = [
        {"indicator_code": "ot", "period_start": "2026-11-01", "numerator": 1, "denominator": 2}
    ]
    response = api_as(world.trust_user).post(
        f"{BASE}/contracts/{world.charity_contract.pk}/returns",
        json.dumps({"rows": rows}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "Only Brightwater Sensory Therapy" in response.json()["detail"]
    assert not IndicatorValue.objects.filter(indicator=kpis["charity"]).exists()
