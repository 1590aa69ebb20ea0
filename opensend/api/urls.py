"""The JSON API, version 1, mounted at ``/api/v1/`` by ``opensend.config.urls``.

Each app exposes a router from its ``api.py``; this module mounts them, with the
authentication (``opensend.api.auth``), the error shape (``opensend.api.errors``) and the
documentation page (``opensend.api.docs``) they share.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, URLResolver, path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from opensend.api import errors
from opensend.api.account import router as account_router
from opensend.api.auth import AUTH
from opensend.api.docs import GovukDocs, docs_try
from opensend.commissioning.api import router as commissioning_router
from opensend.ehc.api import router as ehc_router
from opensend.insight.api import router as insight_router
from opensend.pathways.api import router as pathways_router
from opensend.people.api import router as people_router

DESCRIPTION = (
    "The joint child record and EHC casework (requests, advice, decisions, plans, reviews, "
    "caseload and timeliness) for the systems of a local area SEND partnership. "
    "Every request acts as one user, under the same access policy as the web service: a "
    "child's record is returned only to someone with a legitimate relationship to the child, "
    "and every search results page, record view and refusal is written to the access log. "
    "Systems authenticate with an API token; a signed-in browser uses its session. Dates are "
    "ISO 8601. Every error is a JSON object with a plain-words detail and a stable code."
)

View = Callable[..., HttpResponseBase]


def _json_method_not_allowed(view: View, api: NinjaAPI) -> View:
    """ninja answers a method an operation does not take with plain text; answer in JSON."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        allowed = response.get("Allow", "GET")
        replacement = api.create_response(
            request,
            errors.body(
                f"{request.method} is not allowed here; this address takes {allowed}.",
                "method_not_allowed",
            ),
            status=405,
        )
        replacement["Allow"] = allowed
        return replacement

    return wrapped


def index(request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
    """The API's root: where its description and documentation are."""
    if request.method not in ("GET", "HEAD"):
        response = api.create_response(
            request,
            errors.body(
                f"{request.method} is not allowed here; this address takes GET.",
                "method_not_allowed",
            ),
            status=405,
        )
        response["Allow"] = "GET"
        return response
    return api.create_response(
        request,
        {
            "title": api.title,
            "version": api.version,
            "documentation": reverse(f"{api.urls_namespace}:openapi-view", kwargs=kwargs),
            "openapi": reverse(f"{api.urls_namespace}:openapi-json", kwargs=kwargs),
        },
        status=200,
    )


def not_found(request: HttpRequest, api: NinjaAPI, rest: str = "", **kwargs: Any) -> HttpResponse:
    """Any address under the API that is not an operation: a JSON 404, not the web page."""
    docs = reverse(f"{api.urls_namespace}:openapi-view", kwargs=kwargs)
    detail = f"There is nothing at {request.path}. The operations are listed at {docs}."
    if rest.endswith("/"):
        detail += " Addresses in this API do not end with a slash."
    return api.create_response(request, errors.body(detail, "not_found"), status=404)


class OpenSendAPI(NinjaAPI):
    """A NinjaAPI whose every answer, including for unknown addresses and methods, is JSON in
    the error shape, with a self-contained documentation page."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns: list[URLResolver | URLPattern] = [
            path("docs/try", csrf_exempt(partial(docs_try, api=self)), name="docs-try")
        ]
        for pattern in super()._get_urls():
            if not isinstance(pattern, URLPattern) or pattern.name == "api-root":
                continue
            patterns.append(
                URLPattern(
                    pattern.pattern,
                    _json_method_not_allowed(pattern.callback, self),
                    pattern.default_args,
                    pattern.name,
                )
            )
        patterns.append(path("", csrf_exempt(partial(index, api=self)), name="api-root"))
        patterns.append(
            re_path(r"^(?P<rest>.*)$", csrf_exempt(partial(not_found, api=self)), name="not-found")
        )
        return patterns


api = OpenSendAPI(
    title="OpenSEND API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-1",
    auth=AUTH,
    docs=GovukDocs(),
)
errors.install(api)
api.add_router("/", account_router)
api.add_router("/children", people_router)
api.add_router("/ehc", ehc_router)
api.add_router("/pathways", pathways_router)
api.add_router("/commissioning", commissioning_router)
api.add_router("/performance", insight_router)
