"""The OpenAPI document: parsed and checked for structure (openapi-spec-validator is not a
dependency), every operation, schema reference and both security schemes."""

import json

import pytest
from django.test import Client

from opensend.commissioning.tests.test_api import OPERATIONS as COMMISSIONING_OPERATIONS
from opensend.ehc.tests.test_api import OPERATIONS as EHC_OPERATIONS
from opensend.insight.tests.test_api import OPERATIONS as INSIGHT_OPERATIONS
from opensend.pathways.tests.test_api import OPERATIONS as PATHWAYS_OPERATIONS

OPERATIONS = {
    ("/api/v1/me", "get"): "me",
    ("/api/v1/areas", "get"): "areas_list",
    ("/api/v1/children", "get"): "children_search",
    ("/api/v1/children/{child_id}", "get"): "child_record",
    ("/api/v1/children/{child_id}/timeline", "get"): "child_timeline",
    **EHC_OPERATIONS,
    **COMMISSIONING_OPERATIONS,
    **PATHWAYS_OPERATIONS,
    **INSIGHT_OPERATIONS,
}


@pytest.fixture
def document(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_is_an_openapi_3_document(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "OpenSEND API"
    assert document["info"]["version"] == "1"
    assert "access log" in document["info"]["description"]
    assert set(document) >= {"openapi", "info", "paths", "components"}


def test_describes_every_operation_and_nothing_else(document):
    found = {
        (path, method): spec["operationId"]
        for path, item in document["paths"].items()
        for method, spec in item.items()
    }
    assert found == OPERATIONS


def test_every_operation_is_documented_and_secured(document):
    for (path, method), operation_id in OPERATIONS.items():
        spec = document["paths"][path][method]
        assert spec["summary"], operation_id
        assert spec["description"], operation_id
        assert spec["tags"], operation_id
        assert spec["security"] == [{"BearerToken": []}, {"BrowserSession": []}]
        responses = spec["responses"]
        success = "201" if "201" in responses else "200"
        assert success in responses and "401" in responses
        for status, response in responses.items():
            schema = response["content"]["application/json"]["schema"]
            if status != success:
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (path, status)


def test_records_document_refusal_and_not_found(document):
    for path in ("/api/v1/children/{child_id}", "/api/v1/children/{child_id}/timeline"):
        spec = document["paths"][path]["get"]
        assert {"401", "403", "404"} <= set(spec["responses"])
        [parameter] = spec["parameters"]
        assert (parameter["name"], parameter["in"], parameter["required"]) == (
            "child_id",
            "path",
            True,
        )
        assert parameter["schema"]["type"] == "integer"


def test_search_parameters_and_bounds(document):
    parameters = {
        parameter["name"]: parameter
        for parameter in document["paths"]["/api/v1/children"]["get"]["parameters"]
    }
    assert parameters["q"]["required"] is True
    assert parameters["q"]["schema"]["maxLength"] == 200
    assert parameters["page"]["schema"]["minimum"] == 1
    assert parameters["page_size"]["schema"] == {
        "default": 25,
        "description": "Children per page, at most 100.",
        "maximum": 100,
        "minimum": 1,
        "title": "Page Size",
        "type": "integer",
    }


def test_both_security_schemes(document):
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"BearerToken", "BrowserSession"}
    assert schemes["BearerToken"]["type"] == "http"
    assert schemes["BearerToken"]["scheme"] == "bearer"
    assert schemes["BearerToken"]["bearerFormat"].startswith("osk_")
    assert "api-token create" in schemes["BearerToken"]["description"]
    assert schemes["BrowserSession"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": schemes["BrowserSession"]["description"],
    }
    assert "X-CSRFToken" in schemes["BrowserSession"]["description"]


def test_every_reference_resolves_and_every_schema_is_used(document):
    schemas = document["components"]["schemas"]
    referenced = {ref.removeprefix("#/components/schemas/") for ref in _refs(document)}
    assert all(ref.startswith("#/components/schemas/") for ref in _refs(document))
    assert referenced <= set(schemas)
    assert referenced == set(schemas)


def test_schemas_have_the_fields_the_brief_names(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["ErrorOut"]["required"]) == {"detail", "code"}
    assert set(schemas["ChildSearchOut"]["properties"]) == {
        "query",
        "page",
        "page_size",
        "pages",
        "total",
        "items",
    }
    assert set(schemas["ChildSummaryOut"]["properties"]) >= {
        "id",
        "forename",
        "surname",
        "date_of_birth",
        "upn",
        "sen_status",
        "primary_need",
        "current_setting",
        "area_la_code",
    }
    assert set(schemas["ChildRecordOut"]["properties"]) >= {
        "identity",
        "identifiers",
        "sen_status",
        "sen_status_history",
        "needs",
        "placements",
        "flags",
        "contacts",
        "consents",
        "involvements",
    }
    assert set(schemas["PlacementOut"]["properties"]) >= {"setting", "out_of_area"}
    assert set(schemas["SettingOut"]["properties"]) >= {"name", "urn"}
    assert set(schemas["ConsentOut"]["properties"]) >= {"purpose", "given_on", "withdrawn_on"}
    assert set(schemas["AreaOut"]["properties"]) >= {"la_code", "ons_code", "name", "region"}
    assert schemas["SENStatus"]["enum"] == ["N", "K", "E"]
    assert "ASD" in schemas["SENNeed"]["enum"]
    assert schemas["ChildSummaryOut"]["properties"]["date_of_birth"]["format"] == "date"


def test_every_schema_is_an_object_or_an_enum(document):
    for name, schema in document["components"]["schemas"].items():
        assert schema.get("type") in {"object", "string", "integer"}, name
        if schema["type"] == "object":
            assert set(schema.get("required", [])) <= set(schema["properties"]), name
        else:
            assert schema["enum"], name
