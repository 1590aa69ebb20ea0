"""One shape for every error the API returns: ``{"detail": "...", "code": "..."}`` — what went
wrong in plain words, and a stable code for programs — with ``errors`` listing each bad
parameter when the request itself did not validate."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

#: Codes for errors raised by ninja itself, by status.
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
    429: "too_many_requests",
}

#: Every error code the API uses, its status and what it means: for the documentation.
ERROR_CODES: list[tuple[str, int, str]] = [
    ("not_authenticated", 401, "No API token and no signed-in session came with the request."),
    ("authorization_header_invalid", 401, "The Authorization header is not Bearer and a token."),
    ("token_invalid", 401, "The token is not one we issued, or was not copied in full."),
    ("token_expired", 401, "The token is past its expiry date. Ask for a new one."),
    ("token_revoked", 401, "The token was revoked. Ask for a new one."),
    ("user_inactive", 401, "The user the token acts for can no longer sign in."),
    ("csrf_failed", 403, "A browser session sent a change without the page's CSRF token."),
    (
        "no_legitimate_relationship",
        403,
        "The caller has no legitimate relationship with the child. The refusal is logged.",
    ),
    ("forbidden", 403, "The caller may not do this."),
    ("not_found", 404, "There is no such record, or nothing at that address."),
    ("method_not_allowed", 405, "The address does not take that HTTP method."),
    ("query_empty", 400, "A search needs a name, an identifier or a date of birth."),
    ("query_invalid", 400, "Part of the search cannot be read, like a date that does not exist."),
    (
        "step_out_of_order",
        409,
        "The EHC case is not at the step this change belongs to; the message says where it is.",
    ),
    (
        "concurrent_edit",
        409,
        "Someone saved the draft plan after you read it: read it again and redo your change.",
    ),
    ("invalid_request", 422, "A parameter is missing or not valid; errors lists each one."),
    (
        "return_invalid",
        422,
        "A provider's return (a waiting-list or a KPI return) has row errors; errors lists "
        "each one (rows[n], field, message) and nothing was written.",
    ),
    ("server_error", 500, "Something went wrong on our side. It has been logged."),
]

REALM = "OpenSEND API"
NOT_AUTHENTICATED = (
    "Sign in to use the API from a browser, or send an API token in the Authorization "
    "header: Authorization: Bearer <token>."
)


class ParameterError(Schema):
    location: str
    field: str
    message: str


class ErrorOut(Schema):
    """An error: what went wrong in plain words (``detail``) and a stable code (``code``)."""

    detail: str
    code: str
    errors: list[ParameterError] | None = None


class ApiError(Exception):
    """An error the API reports with a status, a code and a message for people."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def body(detail: str, code: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"detail": detail, "code": code}
    if errors is not None:
        data["errors"] = errors
    return data


def _parameter_errors(raw: list[dict[str, Any]]) -> list[dict[str, str]]:
    errors = []
    for item in raw:
        location = [str(part) for part in item.get("loc", [])]
        where = location[0] if location else "request"
        field = ".".join(location[1:]) or where
        message = str(item.get("msg", "is not valid"))
        errors.append({"location": where, "field": field, "message": message})
    return errors


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error responses with ours. ninja hands each handler the
    exception it was registered for; handlers accept ``object`` to match its signature."""

    def respond(request: HttpRequest, status: int, data: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, data, status=status)

    def on_unexpected(request: HttpRequest, exc: object) -> HttpResponse:
        logger.error(
            "API error on %s %s",
            request.method,
            request.path,
            exc_info=exc if isinstance(exc, BaseException) else None,
        )
        return respond(
            request,
            500,
            body(
                "Sorry, something went wrong on our side. The error has been logged; "
                "try again later.",
                "server_error",
            ),
        )

    def on_api_error(request: HttpRequest, exc: object) -> HttpResponse:
        if not isinstance(exc, ApiError):
            return on_unexpected(request, exc)
        response = respond(request, exc.status, body(exc.detail, exc.code))
        if exc.status == 401:
            response["WWW-Authenticate"] = f'Bearer realm="{REALM}", error="invalid_token"'
        return response

    def on_authentication_error(request: HttpRequest, exc: object) -> HttpResponse:
        response = respond(request, 401, body(NOT_AUTHENTICATED, "not_authenticated"))
        response["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
        return response

    def on_http_error(request: HttpRequest, exc: object) -> HttpResponse:
        if not isinstance(exc, HttpError):
            return on_unexpected(request, exc)
        code = STATUS_CODES.get(exc.status_code, "error")
        return respond(request, exc.status_code, body(str(exc), code))

    def on_validation_error(request: HttpRequest, exc: object) -> HttpResponse:
        if not isinstance(exc, ValidationError):
            return on_unexpected(request, exc)
        errors = _parameter_errors(exc.errors)
        summary = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
        return respond(
            request,
            422,
            body(f"The request is not valid. {summary}.", "invalid_request", errors),
        )

    def on_not_found(request: HttpRequest, exc: object) -> HttpResponse:
        detail = str(exc) or "Not found"
        return respond(request, 404, body(detail, "not_found"))

    def on_permission_denied(request: HttpRequest, exc: object) -> HttpResponse:
        detail = str(exc) or "You do not have access to this."
        return respond(request, 403, body(detail, "forbidden"))

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Exception, on_unexpected)
