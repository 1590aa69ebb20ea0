"""The commissioning API: providers see only their own contracts, commissioners create
commissions with contributions and record spot purchases, errors in the API's one shape."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from opensend.api.tests.conftest import token_for
from opensend.commissioning.models import Commission, Contribution, IndividualCommission
from opensend.commissioning.tests import factories
from opensend.core.models import AccessLogEntry
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/commissioning"

#: Every operation of the commissioning API, for the OpenAPI tests.
OPERATIONS = {
    ("/api/v1/commissioning/commissions", "get"): "commissioning_commission_list",
    ("/api/v1/commissioning/commissions", "post"): "commissioning_commission_create",
    ("/api/v1/commissioning/commissions/{commission_id}", "get"): "commissioning_commission_get",
    ("/api/v1/commissioning/spot-purchases", "post"): "commissioning_spot_purchase_record",
    ("/api/v1/commissioning/gaps", "get"): "commissioning_gap_analysis",
}


class Api:
    def __init__(self, user):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token_for(user)}"}

    def get(self, path, **params):
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(self, path, data):
        return self.client.post(
            BASE + path, json.dumps(data), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def contracts(world):
    mine = factories.commission(
        world.area, world.trust, [(world.council, "high_needs", 100000)], reference="T-1"
    )
    theirs = factories.commission(
        world.area, world.charity, [(world.council, "social_care", 100000)], reference="C-1"
    )
    return mine, theirs


@pytest.mark.parametrize(
    ("who", "references"),
    [
        ("la_commissioner", ["C-1", "T-1"]),
        ("board_member", ["C-1", "T-1"]),
        ("trust_user", ["T-1"]),
        ("charity_user", ["C-1"]),
        ("other_commissioner", []),
    ],
)
def test_the_list_is_scoped_to_the_caller(world, contracts, who, references):
    response = Api(getattr(world, who)).get("/commissions")
    assert response.status_code == 200
    body = response.json()
    assert sorted(r["reference"] for r in body["results"]) == references
    assert body["count"] == len(references)


def test_filters(world, contracts):
    api = Api(world.la_commissioner)
    assert api.get("/commissions", arrangement="pooled").json()["count"] == 0
    assert api.get("/commissions", la_code="990").json()["count"] == 2
    assert api.get("/commissions", la_code="000").json()["count"] == 0
    bad = api.get("/commissions", status="nonsense")
    assert bad.status_code == 422


def test_a_provider_never_gets_another_providers_contract(world, contracts):
    mine, theirs = contracts
    api = Api(world.trust_user)
    assert api.get(f"/commissions/{mine.pk}").json()["reference"] == "T-1"
    refused = api.get(f"/commissions/{theirs.pk}")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"


def payload(world, **overrides):
    data = {
        "la_code": "990",
        "reference": "HV-EQ",
        "title": "Pooled equipment store",
        "provision_type": "equipment",
        "provider_id": world.charity.pk,
        "start_date": "2026-04-01",
        "end_date": "2029-03-31",
        "annual_value": "120000.00",
        "whole_life_value": "360000.00",
        "arrangement": "pooled",
        "s75_reference": "S75-EQ",
        "status": "live",
        "outcomes": ["Equipment within 10 days"],
        "contributions": [
            {
                "commissioner_id": world.council.pk,
                "funding_stream": "social_care",
                "annual_amount": "70000",
            },
            {"commissioner_id": world.icb.pk, "funding_stream": "icb", "annual_amount": "50000"},
        ],
    }
    data.update(overrides)
    return data


def test_a_commissioner_creates_a_commission_with_contributions(world):
    response = Api(world.icb_commissioner).post("/commissions", payload(world))
    assert response.status_code == 201
    body = response.json()
    assert body["arrangement"] == "pooled"
    assert [c["commissioner"]["name"] for c in body["contributions"]] == [
        "Halford Vale Council",
        "Halford Vale Integrated Care Board",
    ]
    assert body["outcomes"] == ["Equipment within 10 days"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "2026-01-01"}, "end_date"),
        ({"s75_reference": ""}, "s75_reference"),
        ({"annual_value": "130000"}, "contributions"),
        ({"provider_id": 999999}, "provider_id"),
        ({"la_code": "000"}, "la_code"),
        (
            {
                "contributions": [
                    {"commissioner_id": 999999, "funding_stream": "icb", "annual_amount": "120000"}
                ]
            },
            "contributions.0.commissioner_id",
        ),
        (
            {"arrangement": "lead", "s75_reference": ""},
            "lead_commissioner_id",
        ),
    ],
)
def test_bad_input_is_422_with_the_field_and_nothing_is_written(world, overrides, field):
    response = Api(world.la_commissioner).post("/commissions", payload(world, **overrides))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert field in [error["field"] for error in body["errors"]]
    assert not Commission.objects.exists()
    assert not Contribution.objects.exists()


@pytest.mark.parametrize("who", ["trust_user", "board_member", "other_commissioner"])
def test_only_the_areas_commissioners_create(world, who):
    response = Api(getattr(world, who)).post("/commissions", payload(world))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Commission.objects.exists()


@pytest.fixture
def planned(world):
    child = ChildFactory(area=world.area, forename="Sam", surname="Spot")
    other = ChildFactory(area=world.area, forename="Alex", surname="Other")
    line = ehc.plan_for(child).versions.order_by("-number").first().lines.first()
    return child, other, line


def spot_payload(world, child, line, **overrides):
    data = {
        "child_id": child.pk,
        "provision_line_id": line.pk,
        "commissioner_id": world.council.pk,
        "provider_id": world.charity.pk,
        "provision_type": "sensory_ot",
        "cost": "2400.00",
        "start_date": "2026-01-05",
        "end_date": "2026-07-17",
    }
    data.update(overrides)
    return data


def test_recording_a_spot_purchase(world, planned):
    child, other, line = planned
    api = Api(world.la_commissioner)
    response = api.post("/spot-purchases", spot_payload(world, child, line))
    assert response.status_code == 201
    assert response.json()["provision_type"] == "sensory_ot"
    assert AccessLogEntry.objects.filter(
        object_type="commissioning.individualcommission", subjects__subject_id=str(child.pk)
    ).exists()
    wrong = api.post("/spot-purchases", spot_payload(world, other, line))
    assert wrong.status_code == 422
    assert "provision_line_id" in [e["field"] for e in wrong.json()["errors"]]
    backwards = api.post("/spot-purchases", spot_payload(world, child, line, end_date="2025-01-01"))
    assert "end_date" in [e["field"] for e in backwards.json()["errors"]]
    assert IndividualCommission.objects.count() == 1


def test_a_spot_purchase_for_a_child_outside_the_callers_areas_is_not_found(world, planned):
    child, _, line = planned
    assert (
        Api(world.other_commissioner)
        .post("/spot-purchases", spot_payload(world, child, line))
        .status_code
        == 404
    )
    assert (
        Api(world.trust_user).post("/spot-purchases", spot_payload(world, child, line)).status_code
        == 404
    )
    assert not IndividualCommission.objects.exists()


def test_the_openapi_document_lists_the_operations(db):
    document = Client().get("/api/v1/openapi.json").json()
    found = {
        (path, method): spec["operationId"]
        for path, item in document["paths"].items()
        if path.startswith(BASE)
        for method, spec in item.items()
    }
    assert found == OPERATIONS
    for (path, method), _ in OPERATIONS.items():
        spec = document["paths"][path][method]
        assert spec["tags"] == ["Joint commissioning"]
        assert spec["summary"] and spec["description"]


def test_dates_are_iso(world, contracts):
    body = Api(world.la_commissioner).get(f"/commissions/{contracts[0].pk}").json()
    assert dt.date.fromisoformat(body["start_date"]) == factories.START
    assert Decimal(body["annual_value"]) == Decimal(100000)
