from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from opensend.core import request_context


class RequestContextMiddleware:
    """Gives every request an id (echoed in the X-Request-ID header and written with each access
    log entry) and records the client address for the access log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        context = request_context.RequestContext(
            request_id=request_id, ip_address=request.META.get("REMOTE_ADDR") or None
        )
        token = request_context.set_current(context)
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response
