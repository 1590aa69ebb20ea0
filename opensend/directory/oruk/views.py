"""The public, read-only Open Referral UK API of an area's Local Offer, at
``/local-offer/<la_code>/oruk/``: plain JSON views, open to anyone (CORS ``*``), GET only.

Every list is the profile's ``Page`` envelope; every document the shape of the profile's
compiled schemas (``opensend.directory.oruk.documents``). Errors are JSON too: 404 for an
unknown area or record (or one the public cannot see), 400 naming a bad parameter, 405 for any
method but GET, HEAD and OPTIONS. See docs/oruk.md.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.csrf import csrf_exempt

from opensend.core.models import Area
from opensend.directory.models import Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from opensend.directory.oruk import selectors
from opensend.directory.oruk.documents import (
    service_at_location_document,
    service_at_location_list_item,
    service_document,
    service_list_item,
    taxonomy_document,
    taxonomy_term_document,
    with_related,
)
from opensend.directory.oruk.validate import SCHEMA_DIR

__all__ = ["urlpatterns"]

HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
ALLOWED = "GET, HEAD, OPTIONS"

View = Callable[..., HttpResponse]


class NotFound(Exception):
    pass


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = ALLOWED
    response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def oruk_api(view: Callable[..., HttpResponse]) -> View:
    """Open to all (no sign-in, no CSRF: it changes nothing), CORS open, GET only, JSON errors."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, la_code: str, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ALLOWED
            return _cors(response)
        if request.method not in ("GET", "HEAD"):
            response = _json(
                {"error": "method not allowed", "detail": "This API is read-only: use GET."},
                status=405,
            )
            response["Allow"] = ALLOWED
            return _cors(response)
        try:
            area = Area.objects.filter(la_code=la_code).first()
            if area is None:
                raise NotFound(f"There is no area with LA code {la_code}.")
            response = view(request, area, **kwargs)
        except selectors.BadParameter as bad:
            response = _json(
                {"error": "bad parameter", "parameter": bad.parameter, "detail": bad.reason},
                status=400,
            )
        except NotFound as missing:
            response = _json({"error": "not found", "detail": str(missing)}, status=404)
        return _cors(response)

    return csrf_exempt(login_not_required(wrapped))


def _query(request: HttpRequest) -> selectors.ApiQuery:
    return selectors.parse_query(request.GET)


def _id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"There is no {what} with id {value}.") from None


@oruk_api
def api_root(request: HttpRequest, area: Area) -> HttpResponse:
    return _json(
        {
            "version": HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": request.build_absolute_uri(
                reverse("directory:oruk-openapi", args=[area.la_code])
            ),
        }
    )


@functools.cache
def _openapi_bytes() -> bytes:
    return (SCHEMA_DIR / "openapi.json").read_bytes()


@oruk_api
def openapi(request: HttpRequest, area: Area) -> HttpResponse:
    """The profile's OpenAPI description, as shipped (CC BY-SA 4.0)."""
    return HttpResponse(_openapi_bytes(), content_type="application/json")


@oruk_api
def services(request: HttpRequest, area: Area) -> HttpResponse:
    page = selectors.services_page(area, _query(request))
    return _json(page.envelope([service_list_item(s) for s in page.items]))


@oruk_api
def service_detail(request: HttpRequest, area: Area, service_id: str) -> HttpResponse:
    found = with_related(
        Service.objects.public().filter(area=area, pk=_id(service_id, "service"))
    ).first()
    if found is None:
        raise NotFound(f"There is no service with id {service_id}.")
    return _json(service_document(found))


@oruk_api
def service_at_locations(request: HttpRequest, area: Area) -> HttpResponse:
    page = selectors.service_at_location_page(area, _query(request))
    return _json(page.envelope([service_at_location_list_item(s) for s in page.items]))


@oruk_api
def service_at_location_detail(request: HttpRequest, area: Area, sal_id: str) -> HttpResponse:
    found = (
        ServiceAtLocation.objects.filter(
            pk=_id(sal_id, "service at location"),
            service__in=Service.objects.public().filter(area=area),
        )
        .select_related("location", "service")
        .first()
    )
    if found is None:
        raise NotFound(f"There is no service at location with id {sal_id}.")
    return _json(service_at_location_document(found))


@oruk_api
def taxonomies(request: HttpRequest, area: Area) -> HttpResponse:
    rows = selectors.taxonomies(area)
    total = rows.count()
    query = selectors.page_query(request.GET)
    start = (query.page - 1) * query.per_page
    items = list(rows[start : start + query.per_page])
    page = selectors.PageOf(items, total, query.page, query.per_page)
    return _json(page.envelope([taxonomy_document(t) for t in items]))


@oruk_api
def taxonomy_detail(request: HttpRequest, area: Area, taxonomy_id: str) -> HttpResponse:
    found: Taxonomy | None = (
        selectors.taxonomies(area).filter(pk=_id(taxonomy_id, "taxonomy")).first()
    )
    if found is None:
        raise NotFound(f"There is no taxonomy with id {taxonomy_id}.")
    terms = found.terms.select_related("taxonomy").order_by("position", "name", "id")
    return _json(taxonomy_document(found, terms=terms))


@oruk_api
def taxonomy_terms(request: HttpRequest, area: Area) -> HttpResponse:
    rows = selectors.taxonomy_terms(area)
    taxonomy_id = selectors.uuid_param(request.GET, "taxonomy_id")
    if taxonomy_id is not None:
        rows = rows.filter(taxonomy_id=taxonomy_id)
    total = rows.count()
    query = selectors.page_query(request.GET)
    start = (query.page - 1) * query.per_page
    items = list(rows[start : start + query.per_page])
    page = selectors.PageOf(items, total, query.page, query.per_page)
    return _json(page.envelope([taxonomy_term_document(t) for t in items]))


@oruk_api
def taxonomy_term_detail(request: HttpRequest, area: Area, term_id: str) -> HttpResponse:
    found: TaxonomyTerm | None = (
        selectors.taxonomy_terms(area).filter(pk=_id(term_id, "taxonomy term")).first()
    )
    if found is None:
        raise NotFound(f"There is no taxonomy term with id {term_id}.")
    return _json(taxonomy_term_document(found))


_routes: list[tuple[str, View, str]] = [
    ("", api_root, "oruk-root"),
    ("openapi.json", openapi, "oruk-openapi"),
    ("services", services, "oruk-services"),
    ("services/<str:service_id>", service_detail, "oruk-service"),
    ("service_at_locations", service_at_locations, "oruk-service-at-locations"),
    ("service_at_locations/<str:sal_id>", service_at_location_detail, "oruk-service-at-location"),
    ("taxonomies", taxonomies, "oruk-taxonomies"),
    ("taxonomies/<str:taxonomy_id>", taxonomy_detail, "oruk-taxonomy"),
    ("taxonomy_terms", taxonomy_terms, "oruk-taxonomy-terms"),
    ("taxonomy_terms/<str:term_id>", taxonomy_term_detail, "oruk-taxonomy-term"),
]

#: Each endpoint answers with and without a trailing slash (clients differ).
urlpatterns: list[URLPattern] = [
    path(f"<str:la_code>/oruk/{route}", view, name=name) for route, view, name in _routes
] + [path(f"<str:la_code>/oruk/{route}/", view) for route, view, _name in _routes if route]
