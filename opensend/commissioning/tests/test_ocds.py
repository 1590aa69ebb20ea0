"""The Open Contracting export, checked against the OCDS 1.1 subset schema shipped with the
app (written from the standard's documentation: the official schema is not a dependency)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from django.test import Client

from opensend.commissioning import ocds
from opensend.commissioning.tests import factories

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(ocds.__file__).parent / "data" / "ocds-1.1-subset.json").read_text(encoding="utf-8")
)


@pytest.fixture
def pooled(world):
    return factories.commission(
        world.area,
        world.trust,
        [(world.council, "high_needs", 150000), (world.icb, "icb", 100000)],
        reference="HV-SALT-01",
        arrangement="pooled",
        s75_reference="S75-1",
        annual_value=Decimal(250000),
        whole_life_value=Decimal(750000),
        contract_expiry=dt.date(2030, 3, 31),
    )


def validate(package):
    jsonschema.Draft4Validator(
        SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    ).validate(package)


def test_a_pooled_commission_as_a_release(world, pooled, settings):
    settings.OPENSEND_OCDS_OCID_PREFIX = "ocds-hv0001"
    release = ocds.release(pooled)
    assert release["ocid"] == "ocds-hv0001-990-HV-SALT-01"
    assert release["tag"] == ["contract"]
    roles = {party["name"]: party["roles"] for party in release["parties"]}
    assert roles == {
        "Halford Vale Council": ["buyer", "funder"],
        "Halford Vale Integrated Care Board": ["funder", "buyer"],
        "Halford Community Health NHS Trust": ["supplier"],
    }
    assert release["contracts"][0]["value"] == {"amount": 750000.0, "currency": "GBP"}
    assert release["contracts"][0]["period"]["startDate"].startswith("2026-04-01")
    assert release["contracts"][0]["period"]["maxExtentDate"].startswith("2030-03-31")
    assert release["awards"][0]["suppliers"][0]["name"] == "Halford Community Health NHS Trust"
    assert release["planning"]["budget"]["amount"] == {"amount": 250000.0, "currency": "GBP"}
    assert release["tender"]["items"][0]["quantity"] == 400.0
    validate(
        {
            "uri": "x",
            "version": "1.1",
            "publishedDate": release["date"],
            "publisher": {"name": "x"},
            "releases": [release],
        }
    )


@pytest.mark.parametrize(
    ("status", "tag", "has_contract"),
    [
        ("planned", "planning", False),
        ("procuring", "tender", False),
        ("live", "contract", True),
        ("ending", "contract", True),
        ("ended", "contractTermination", True),
    ],
)
def test_the_tag_follows_the_status(world, status, tag, has_contract):
    commission = factories.commission(
        world.area, world.trust, [(world.council, "high_needs", 100000)], status=status
    )
    release = ocds.release(commission)
    assert release["tag"] == [tag]
    assert ("contracts" in release) is has_contract
    assert release["buyer"]["name"] == "Halford Vale Council"


def test_the_area_package_validates_and_is_scoped(world, pooled):
    factories.commission(
        world.other_area, world.trust, [(world.other_council, "high_needs", 100000)]
    )
    client = Client()
    client.force_login(world.la_commissioner)
    response = client.get("/commissioning/areas/990/ocds.json")
    assert response.status_code == 200
    package = json.loads(response.content)
    validate(package)
    assert package["version"] == "1.1"
    assert [r["ocid"].rsplit("-", 1)[-1] for r in package["releases"]] == ["01"]
    assert client.get("/commissioning/areas/991/ocds.json").status_code == 404


def test_the_schema_catches_a_broken_release(world, pooled):
    release = ocds.release(pooled)
    del release["initiationType"]
    with pytest.raises(jsonschema.ValidationError):
        validate(
            {
                "uri": "x",
                "version": "1.1",
                "publishedDate": release["date"],
                "publisher": {"name": "x"},
                "releases": [release],
            }
        )
    release = ocds.release(pooled)
    release["parties"][0]["roles"] = ["owner"]
    with pytest.raises(jsonschema.ValidationError):
        validate(
            {
                "uri": "x",
                "version": "1.1",
                "publishedDate": release["date"],
                "publisher": {"name": "x"},
                "releases": [release],
            }
        )


def test_a_providers_release_is_its_own(world, pooled):
    client = Client()
    client.force_login(world.charity_user)
    assert client.get(f"/commissioning/{pooled.pk}/ocds.json").status_code == 404
    client.force_login(world.trust_user)
    assert client.get(f"/commissioning/{pooled.pk}/ocds.json").status_code == 200
