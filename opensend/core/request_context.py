"""The request being served, for code far from the view (the access log) to read who is
asking from where. Set by ``RequestContextMiddleware``; empty outside a request."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "opensend_request", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def set_current(context: RequestContext | None) -> contextvars.Token[RequestContext | None]:
    return _current.set(context)


def reset(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)
