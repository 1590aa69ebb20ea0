"""The documentation page (self-contained: nothing from outside the site), its forms and their
no-JavaScript redirect, and the JSON answers for the API's root, unknown addresses, wrong
methods and unexpected errors."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from markupsafe import escape

from opensend.api.docs import build_reference, constraints, describe

DOCS = "/api/v1/docs"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []
        self.tags = []
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.tags.append((tag, values))
        if "id" in values:
            self.ids.add(values["id"])
        for name in ("src", "href", "action", "poster", "data"):
            if values.get(name):
                self.urls.append(values[name])
        if values.get("srcset"):
            self.urls.extend(part.split()[0] for part in values["srcset"].split(","))


def _parse(html):
    parser = _Links()
    parser.feed(html)
    return parser


@pytest.fixture
def page(db):
    response = Client().get(DOCS)
    assert response.status_code == 200
    return response.content.decode()


class TestPage:
    def test_has_language_title_and_main_landmark(self, page):
        assert re.search(r'<html lang="en"', page)
        assert "<title>OpenSEND API documentation – OpenSEND</title>" in page
        assert len(re.findall(r"<main\b", page)) == 1
        assert len(re.findall(r"<h1\b", page)) == 1

    def test_loads_nothing_from_outside_the_site(self, page):
        parsed = _parse(page)
        assert parsed.urls
        for url in parsed.urls:
            assert url.startswith(("/", "#")) and not url.startswith("//"), url
        # No stylesheet, script, font or image from a CDN, in attributes or CSS.
        assert not re.search(r"(src|href)=\"(https?:)?//", page)
        assert "@import" not in page
        assert "cdn" not in page.lower()
        # The only absolute addresses are this server's, shown as examples to copy.
        for absolute in re.findall(r"https?://[^\s\"'<]+", page):
            assert absolute.startswith("http://testserver/api/v1/"), absolute

    def test_every_asset_it_references_is_served(self, page):
        assets = [url for url in _parse(page).urls if url.startswith("/static/")]
        assert "/static/api/docs.js" in assets
        assert "/static/api/docs.css" in assets
        client = Client()
        for asset in assets:
            response = client.get(asset)
            assert response.status_code == 200, asset
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if asset.startswith("/static/api/"):
                assert b"http://" not in body and b"https://" not in body, asset

    def test_every_in_page_link_has_a_target(self, page):
        parsed = _parse(page)
        for url in parsed.urls:
            if url.startswith("#") and len(url) > 1:
                assert url[1:] in parsed.ids, url

    def test_describes_every_operation_and_schema(self, page, db):
        document = Client().get("/api/v1/openapi.json").json()
        for item in document["paths"].values():
            for spec in item.values():
                assert f'id="op-{spec["operationId"]}"' in page
                assert str(escape(spec["summary"])) in page
        for name in document["components"]["schemas"]:
            assert f'id="schema-{name}"' in page
        assert 'id="security-BearerToken"' in page
        assert 'id="security-BrowserSession"' in page
        assert "token_revoked" in page  # the error codes table

    def test_each_operation_has_a_labelled_form(self, page):
        parsed = _parse(page)
        forms = [attrs for tag, attrs in parsed.tags if tag == "form" and "data-api-path" in attrs]
        assert {form["data-api-path"] for form in forms} == {
            "/api/v1/me",
            "/api/v1/areas",
            "/api/v1/children",
            "/api/v1/children/{child_id}",
            "/api/v1/children/{child_id}/timeline",
            "/api/v1/ehc/steps/mine",
            "/api/v1/ehc/areas/{la_code}/caseload",
            "/api/v1/ehc/areas/{la_code}/timeliness",
            "/api/v1/ehc/children/{child_id}/cases",
            "/api/v1/ehc/requests/{request_id}",
            "/api/v1/ehc/plans/{plan_id}",
            "/api/v1/ehc/plans/{plan_id}/versions/{number}",
            "/api/v1/commissioning/commissions",
            "/api/v1/commissioning/commissions/{commission_id}",
            "/api/v1/commissioning/gaps",
            "/api/v1/pathways",
            "/api/v1/pathways/{pathway_id}",
            "/api/v1/performance/areas/{la_code}/indicators",
            "/api/v1/performance/indicators/{indicator_id}",
        }
        assert all(form["action"] == "/api/v1/docs/try" for form in forms)
        labels = {attrs["for"] for tag, attrs in parsed.tags if tag == "label"}
        inputs = [
            attrs for tag, attrs in parsed.tags if tag == "input" and attrs.get("type") != "hidden"
        ]
        assert inputs
        assert all(attrs["id"] in labels for attrs in inputs)

    def test_signed_in_it_says_the_session_is_used(self, coordinator):
        client = Client()
        client.force_login(coordinator)
        page = client.get(DOCS).content.decode()
        assert "You are signed in, so the requests use your session" in page
        assert "Sign out" in page


@pytest.mark.django_db
class TestTryWithoutJavaScript:
    @pytest.mark.parametrize(
        ("params", "location"),
        [
            ({"operation": "me"}, "/api/v1/me"),
            (
                {"operation": "children_search", "q": "jo smi", "page": "", "page_size": "5"},
                "/api/v1/children?q=jo+smi&page_size=5",
            ),
            ({"operation": "child_record", "child_id": " 42 "}, "/api/v1/children/42"),
            (
                {"operation": "child_timeline", "child_id": "4/../me"},
                "/api/v1/children/4%2F..%2Fme/timeline",
            ),
        ],
    )
    def test_redirects_to_the_operation(self, params, location):
        response = Client().get("/api/v1/docs/try", params)
        assert response.status_code == 302
        assert response["Location"] == location

    @pytest.mark.parametrize(
        ("params", "detail"),
        [
            ({"operation": "child_record"}, "Enter child_id: it is part of the address"),
            ({"operation": "drop_tables"}, "There is no operation called drop_tables"),
            ({}, "There is no operation called that"),
        ],
    )
    def test_refuses_what_it_cannot_build(self, params, detail):
        response = Client().get("/api/v1/docs/try", params)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_request"
        assert response.json()["detail"].startswith(detail)


@pytest.mark.django_db
class TestEveryAnswerIsJson:
    def test_the_root_points_to_the_documentation(self):
        response = Client().get("/api/v1/")
        assert response.json() == {
            "title": "OpenSEND API",
            "version": "1",
            "documentation": "/api/v1/docs",
            "openapi": "/api/v1/openapi.json",
        }

    @pytest.mark.parametrize(
        ("path", "hint"),
        [
            ("/api/v1/nothing-here", ""),
            ("/api/v1/children/", "do not end with a slash"),
            ("/api/v1/children/12/plan", ""),
        ],
    )
    def test_an_unknown_address_is_a_json_404(self, path, hint):
        for method in ("get", "post"):
            response = getattr(Client(), method)(path)
            assert response.status_code == 404
            body = response.json()
            assert body["code"] == "not_found"
            assert body["detail"].startswith(f"There is nothing at {path}.")
            assert hint in body["detail"]

    @pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/children", "/api/v1/"])
    def test_a_wrong_method_is_a_json_405(self, path):
        response = Client().delete(path)
        assert response.status_code == 405
        assert response["Allow"] == "GET"
        assert response.json() == {
            "detail": "DELETE is not allowed here; this address takes GET.",
            "code": "method_not_allowed",
        }

    def test_an_unexpected_error_is_a_json_500_and_logged(self, coordinator, monkeypatch, caplog):
        from opensend.api import account

        def broken(**kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(account.selectors, "identity_for", broken)
        client = Client(raise_request_exception=False)
        client.force_login(coordinator)
        response = client.get("/api/v1/me")
        assert response.status_code == 500
        assert response.json()["code"] == "server_error"
        assert "the database went away" not in response.content.decode()
        assert "the database went away" in caplog.text


class TestDescribe:
    @pytest.mark.parametrize(
        ("schema", "words"),
        [
            ({"$ref": "#/components/schemas/AreaOut"}, [("AreaOut", "schema-AreaOut")]),
            ({"type": "string"}, [("text", None)]),
            ({"type": "string", "format": "date"}, [("date (YYYY-MM-DD)", None)]),
            ({"type": "string", "format": "date-time"}, [("date and time (ISO 8601)", None)]),
            ({"type": "integer"}, [("whole number", None)]),
            ({"type": "boolean"}, [("true or false", None)]),
            ({"enum": ["token", "session"], "type": "string"}, [("one of token, session", None)]),
            (
                {"type": "array", "items": {"$ref": "#/components/schemas/NeedOut"}},
                [("list of ", None), ("NeedOut", "schema-NeedOut")],
            ),
            (
                {"anyOf": [{"$ref": "#/components/schemas/SENNeedOut"}, {"type": "null"}]},
                [("SENNeedOut", "schema-SENNeedOut"), (" or ", None), ("null", None)],
            ),
            ({}, [("any value", None)]),
        ],
    )
    def test_types_in_words(self, schema, words):
        assert describe(schema) == words

    @pytest.mark.parametrize(
        ("schema", "text"),
        [
            ({"minimum": 1, "maximum": 100, "default": 25}, "from 1 to 100, default 25"),
            ({"minimum": 1, "default": 1}, "at least 1, default 1"),
            ({"maximum": 9}, "at most 9"),
            ({"maxLength": 200, "default": ""}, "at most 200 characters"),
            ({}, ""),
        ],
    )
    def test_constraints_in_words(self, schema, text):
        assert constraints(schema) == text

    def test_builds_the_reference_from_a_document(self):
        document = {
            "info": {"title": "T", "version": "9", "description": "D"},
            "paths": {
                "/x/{id}": {
                    "get": {
                        "operationId": "x_get",
                        "summary": "Get x",
                        "tags": ["Xs"],
                        "parameters": [
                            {
                                "in": "path",
                                "name": "id",
                                "required": True,
                                "schema": {"type": "integer"},
                            }
                        ],
                        "responses": {
                            "200": {
                                "description": "OK",
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/X"}
                                    }
                                },
                            },
                            "404": {"description": "Not Found"},
                        },
                        "security": [{"A": []}, {"B": []}],
                    }
                }
            },
            "components": {
                "schemas": {
                    "X": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {"id": {"type": "integer"}, "y": {"type": "string"}},
                    },
                    "Kind": {"type": "string", "enum": ["a", "b"]},
                },
                "securitySchemes": {"A": {"type": "http", "scheme": "bearer"}},
            },
        }
        reference = build_reference(document)
        assert (reference.title, reference.version) == ("T", "9")
        [(tag, [operation])] = reference.tags
        assert tag == "Xs"
        assert (operation.method, operation.path, operation.security) == (
            "GET",
            "/x/{id}",
            ["A", "B"],
        )
        assert operation.parameters[0].required is True
        assert [(r.status, r.type) for r in operation.responses] == [
            ("200", [("X", "schema-X")]),
            ("404", []),
        ]
        kind, x = reference.schemas
        assert (kind.name, kind.values) == ("Kind", ["a", "b"])
        assert [(p.name, p.required) for p in x.properties] == [("id", True), ("y", False)]
        assert (
            reference.security[0].summary == "HTTP bearer authentication: an Authorization header"
        )
