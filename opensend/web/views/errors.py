"""Clear error pages: what happened, and what the user can do next."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


def _render(request: HttpRequest, template: str, status: int, **context: object) -> HttpResponse:
    try:
        return render(request, f"web/errors/{template}.html", context, status=status)
    except Exception:  # an error page must never fail in turn
        logger.exception("Could not render the %s error page", status)
        return HttpResponse(
            f"<!DOCTYPE html><html lang='en'><title>Error {status}</title>"
            f"<main><h1>Sorry, there is a problem with the service</h1></main></html>",
            status=status,
        )


@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "400", 400, page_title="Sorry, we could not understand that request")


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return _render(
        request, "403", 403, page_title="You do not have access to this page", message=message
    )


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "404", 404, page_title="Page not found")


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, "500", 500, page_title="Sorry, there is a problem with the service")


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _render(request, "csrf", 403, page_title="Your form could not be sent")
