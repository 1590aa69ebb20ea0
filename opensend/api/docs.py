"""The API documentation page, built from the OpenAPI document and rendered with the GOV.UK
layout every other page uses.

Why not Swagger UI: django-ninja's docs view loads Swagger UI from a CDN unless ninja is an
installed app, and many council networks (and our tests) have no internet; Swagger UI's own
markup also fails WCAG 2.2 AA checks (contrast, landmarks, the page language). This page
needs nothing from outside, reads with a screen reader like the rest of the service, and is
still interactive: each operation has a form that sends the request — with the browser's
session, or with an API token typed into the page — and shows the answer. Without
JavaScript the form still works: ``docs_try`` turns it into the operation's URL and
redirects there, and the browser shows the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

from opensend.api.errors import ERROR_CODES, body

if TYPE_CHECKING:
    from ninja import NinjaAPI

REF_PREFIX = "#/components/schemas/"
METHODS = ("get", "post", "put", "patch", "delete")

#: One piece of a type description: text, and the anchor of the schema it names, if any.
TypePart = tuple[str, str | None]


def schema_anchor(name: str) -> str:
    return f"schema-{name}"


def describe(schema: dict[str, Any]) -> list[TypePart]:
    """A type in words, with links to the schemas it names: ``list of ChildSummaryOut``."""
    if "$ref" in schema:
        name = str(schema["$ref"]).removeprefix(REF_PREFIX)
        return [(name, schema_anchor(name))]
    for combiner in ("anyOf", "oneOf", "allOf"):
        if combiner in schema:
            parts: list[TypePart] = []
            for index, option in enumerate(schema[combiner]):
                if index:
                    parts.append((" or ", None))
                parts.extend(describe(option))
            return parts
    if "enum" in schema:
        return [("one of " + ", ".join(str(value) for value in schema["enum"]), None)]
    if "const" in schema:
        return [(f"always {schema['const']}", None)]
    kind = schema.get("type")
    if kind == "array":
        return [("list of ", None), *describe(schema.get("items", {}))]
    if kind == "string":
        formats = {
            "date": "date (YYYY-MM-DD)",
            "date-time": "date and time (ISO 8601)",
            "email": "email address",
        }
        return [(formats.get(str(schema.get("format", "")), "text"), None)]
    words = {"integer": "whole number", "number": "number", "boolean": "true or false"}
    if kind == "null":
        return [("null", None)]
    if isinstance(kind, str):
        return [(words.get(kind, kind), None)]
    return [("any value", None)]


def constraints(schema: dict[str, Any]) -> str:
    """Limits on a value, in words."""
    notes = []
    if "minimum" in schema and "maximum" in schema:
        notes.append(f"from {schema['minimum']} to {schema['maximum']}")
    elif "minimum" in schema:
        notes.append(f"at least {schema['minimum']}")
    elif "maximum" in schema:
        notes.append(f"at most {schema['maximum']}")
    if "maxLength" in schema:
        notes.append(f"at most {schema['maxLength']} characters")
    if "default" in schema and schema["default"] not in ("", None):
        notes.append(f"default {schema['default']}")
    return ", ".join(notes)


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    type: list[TypePart]
    description: str
    limits: str


@dataclass(frozen=True)
class ResponseDoc:
    status: str
    description: str
    type: list[TypePart]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    summary: str
    description: str
    tag: str
    parameters: list[Parameter]
    responses: list[ResponseDoc]
    security: list[str]


@dataclass(frozen=True)
class Property:
    name: str
    type: list[TypePart]
    required: bool
    description: str


@dataclass(frozen=True)
class SchemaDoc:
    name: str
    anchor: str
    description: str
    properties: list[Property] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SecurityDoc:
    name: str
    summary: str
    description: str


@dataclass(frozen=True)
class Reference:
    title: str
    version: str
    description: str
    tags: list[tuple[str, list[Operation]]]
    schemas: list[SchemaDoc]
    security: list[SecurityDoc]


def _security_summary(scheme: dict[str, Any]) -> str:
    if scheme.get("type") == "http":
        return f"HTTP {scheme.get('scheme', '')} authentication: an Authorization header"
    if scheme.get("type") == "apiKey":
        return f"A {scheme.get('in', '')} named {scheme.get('name', '')}"
    return str(scheme.get("type", ""))


def _response_type(response: dict[str, Any]) -> list[TypePart]:
    content = response.get("content", {})
    for media in content.values():
        if "schema" in media:
            return describe(media["schema"])
    return []


def build_reference(document: dict[str, Any]) -> Reference:
    """What the page shows, from an OpenAPI 3 document."""
    info = document.get("info", {})
    grouped: dict[str, list[Operation]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            parameters = [
                Parameter(
                    name=str(parameter["name"]),
                    location=str(parameter.get("in", "query")),
                    required=bool(parameter.get("required", False)),
                    type=describe(parameter.get("schema", {})),
                    description=str(
                        parameter.get("description")
                        or parameter.get("schema", {}).get("description", "")
                    ),
                    limits=constraints(parameter.get("schema", {})),
                )
                for parameter in spec.get("parameters", [])
            ]
            responses = [
                ResponseDoc(
                    status=str(status),
                    description=str(response.get("description", "")),
                    type=_response_type(response),
                )
                for status, response in sorted(spec.get("responses", {}).items())
            ]
            security = sorted({name for option in spec.get("security", []) for name in option})
            tag = (spec.get("tags") or ["Other"])[0]
            grouped.setdefault(tag, []).append(
                Operation(
                    operation_id=str(spec.get("operationId", "")),
                    method=method.upper(),
                    path=path,
                    summary=str(spec.get("summary", "")),
                    description=str(spec.get("description", "")),
                    tag=tag,
                    parameters=parameters,
                    responses=responses,
                    security=security,
                )
            )
    components = document.get("components", {})
    schemas = []
    for name, spec in sorted(components.get("schemas", {}).items()):
        required = set(spec.get("required", []))
        schemas.append(
            SchemaDoc(
                name=name,
                anchor=schema_anchor(name),
                description=str(spec.get("description", "")),
                properties=[
                    Property(
                        name=prop_name,
                        type=describe(prop),
                        required=prop_name in required,
                        description=str(prop.get("description", "")),
                    )
                    for prop_name, prop in spec.get("properties", {}).items()
                ],
                values=[str(value) for value in spec.get("enum", [])],
            )
        )
    security = [
        SecurityDoc(
            name=name,
            summary=_security_summary(scheme),
            description=str(scheme.get("description", "")),
        )
        for name, scheme in sorted(components.get("securitySchemes", {}).items())
    ]
    return Reference(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        tags=list(grouped.items()),
        schemas=schemas,
        security=security,
    )


class GovukDocs(DocsBase):
    """Renders ``api/docs.html`` from the API's OpenAPI document."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        document = api.get_openapi_schema(path_params=kwargs)
        reference = build_reference(dict(document))
        openapi_url = self.get_openapi_url(api, kwargs)
        return render(
            request,
            "api/docs.html",
            {
                "page_title": f"{reference.title} documentation",
                "error_codes": ERROR_CODES,
                "reference": reference,
                "openapi_url": openapi_url,
                "try_url": reverse(f"{api.urls_namespace}:docs-try", kwargs=kwargs),
                "base_url": request.build_absolute_uri(api.get_root_path(kwargs)),
            },
        )


def docs_try(request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
    """The documentation page's forms without JavaScript: build the URL of the operation named
    in ``operation`` from the other fields, and send the browser there."""
    document = dict(api.get_openapi_schema(path_params=kwargs))
    wanted = request.GET.get("operation", "")
    for path, item in document.get("paths", {}).items():
        spec = item.get("get")
        if spec is None or spec.get("operationId") != wanted:
            continue
        url = path
        query: list[tuple[str, str]] = []
        for parameter in spec.get("parameters", []):
            name = str(parameter["name"])
            value = request.GET.get(name, "").strip()
            if parameter.get("in") == "path":
                if not value:
                    return _try_error(
                        api, request, f"Enter {name}: it is part of the address of {wanted}."
                    )
                url = url.replace("{" + name + "}", quote(value, safe=""))
            elif value:
                query.append((name, value))
        return HttpResponseRedirect(url + (f"?{urlencode(query)}" if query else ""))
    return _try_error(api, request, f"There is no operation called {wanted or 'that'} to try.")


def _try_error(api: NinjaAPI, request: HttpRequest, detail: str) -> HttpResponse:
    return api.create_response(request, body(detail, "invalid_request"), status=400)
