"""The pathways API: figures by who asks, returns posted as JSON, and the refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from opensend.api.tests.conftest import token_for
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import OrganisationFactory, staff
from opensend.pathways.models import Referral
from opensend.pathways.provider_returns import COLUMN_NAMES
from opensend.pathways.tests.factories import PathwayFactory, TrustFactory
from opensend.pathways.tests.test_returns import good_rows
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/pathways"

#: The pathways operations, for ``opensend/api/tests/test_openapi.py``.
OPERATIONS = {
    ("/api/v1/pathways", "get"): "pathways_list",
    ("/api/v1/pathways/{pathway_id}", "get"): "pathways_get",
    ("/api/v1/pathways/{pathway_id}/returns", "post"): "pathways_return_post",
}


def client_for(user):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(user)}"
    return client


def post(client, path, data):
    return client.post(BASE + path, json.dumps(data), content_type="application/json")


@pytest.fixture
def pathway(area):
    return PathwayFactory(area=area, name="ADHD assessment", kind="nd_adhd")


@pytest.fixture
def children(area):
    return [
        ChildFactory(area=area, date_of_birth=dt.date(2016, 5, 1)),
        ChildFactory(area=area, date_of_birth=dt.date(2018, 9, 12)),
    ]


def payload(children):
    return {
        "rows": [
            {k: v for k, v in zip(COLUMN_NAMES, row, strict=True) if v != ""}
            for row in good_rows(children)
        ]
    }


def test_a_provider_posts_a_return_then_reads_its_figures_exactly(pathway, children):
    provider = client_for(staff(Role.PROVIDER, pathway.provider))
    created = post(provider, f"/{pathway.pk}/returns", payload(children))
    assert created.status_code == 201, created.content
    assert created.json() | {"id": 0} == {
        "id": 0,
        "status": "imported",
        "rows": 2,
        "created": 2,
        "updated": 0,
    }
    again = post(provider, f"/{pathway.pk}/returns", payload(children))
    assert (again.json()["created"], again.json()["updated"]) == (0, 2)
    answer = provider.get(f"{BASE}/{pathway.pk}", {"on": "2026-04-30"})
    assert answer.status_code == 200
    figures = answer.json()["figures"]
    assert figures["suppressed"] is False
    assert figures["waiting"] == 1  # SLT-2; SLT-1 stopped on 6 April
    assert answer.json()["kind_label"] == "Neurodevelopmental: ADHD"
    assert [m["referrals"] for m in figures["demand_by_month"] if m["referrals"]] == [1, 1]


def test_a_commissioner_reads_suppressed_figures_and_cannot_post(pathway, children, area):
    commissioner = client_for(
        staff(
            Role.COMMISSIONER,
            OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, home_area=area),
        )
    )
    post(
        client_for(staff(Role.PROVIDER, pathway.provider)),
        f"/{pathway.pk}/returns",
        payload(children),
    )
    listing = commissioner.get(BASE, {"on": "2026-04-30"})
    assert listing.status_code == 200
    (only,) = listing.json()
    assert only["figures"]["waiting"] == "[c]"
    assert only["figures"]["suppressed"] is True
    refused = post(commissioner, f"/{pathway.pk}/returns", payload(children))
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_another_provider_cannot_see_or_post(pathway, children, area):
    other = client_for(staff(Role.PROVIDER, TrustFactory(home_area=area)))
    assert other.get(BASE).json() == []
    assert other.get(f"{BASE}/{pathway.pk}").status_code == 404
    refused = post(other, f"/{pathway.pk}/returns", payload(children))
    assert refused.status_code == 403
    assert f"provided by {pathway.provider.name}" in refused.json()["detail"]
    assert not Referral.objects.exists()


def test_row_errors_are_422_with_every_error_and_nothing_written(pathway, children):
    provider = client_for(staff(Role.PROVIDER, pathway.provider))
    body = payload(children)
    body["rows"][1]["received"] = "2026-13-01"
    body["rows"][0]["clock_stop_reason"] = "bored"
    answer = post(provider, f"/{pathway.pk}/returns", body)
    assert answer.status_code == 422
    data = answer.json()
    assert data["code"] == "return_invalid"
    assert data["detail"] == "The return has 2 errors; nothing was written."
    assert {(e["location"], e["field"]) for e in data["errors"]} == {
        ("rows[1]", "clock_stop_reason"),
        ("rows[2]", "received"),
    }
    assert not Referral.objects.exists()


def test_bad_requests(pathway):
    provider = client_for(staff(Role.PROVIDER, pathway.provider))
    assert post(provider, f"/{pathway.pk}/returns", {"rows": []}).status_code == 422
    row = {"provider_referral_id": "A", "nhs_number": "1", "date_of_birth": "", "received": ""}
    assert post(provider, "/999999/returns", {"rows": [row]}).status_code == 404
    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert provider.get(f"{BASE}/{pathway.pk}", {"on": future}).status_code == 422
    assert Client().get(BASE).status_code == 401


def test_the_operations_are_documented():
    document = Client().get("/api/v1/openapi.json").json()
    found = {
        (path, method): spec["operationId"]
        for path, item in document["paths"].items()
        if path.startswith(BASE)
        for method, spec in item.items()
    }
    assert found == OPERATIONS
    for path, method in OPERATIONS:
        spec = document["paths"][path][method]
        assert spec["summary"] and spec["description"]
        assert "401" in spec["responses"]
