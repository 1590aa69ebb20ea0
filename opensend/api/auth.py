"""Who is calling the API. Two ways in, tried in this order:

- ``BearerToken``: a system sends ``Authorization: Bearer <token>``. The token acts as its
  user. A token that is unknown, expired or revoked is refused with 401 and the reason.
- ``BrowserSession``: a person signed in to the web service calls the API from their browser
  with the session cookie. Unsafe methods also need the CSRF token (the ``X-CSRFToken``
  header), as forms do.

Either way the handler gets a ``Caller``: the user, and how they came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from opensend.api import services
from opensend.api.errors import ApiError
from opensend.api.models import ApiToken
from opensend.core.models import User


@dataclass(frozen=True)
class Caller:
    user: User
    method: Literal["token", "session"]
    token: ApiToken | None = None

    @property
    def via(self) -> str:
        """How the caller reached the record, for the access log."""
        if self.token is not None:
            return f"api token {self.token.prefix}"
        return "api session"


class BearerToken(HttpBearer):
    """An API token, sent as ``Authorization: Bearer <token>``."""

    openapi_description = (
        "An API token, created with `opensend api-token create --user EMAIL --name NAME`. "
        "It acts as its user: the same memberships, the same access to children's records, "
        "every read recorded in the access log."
    )
    openapi_bearerFormat = "osk_<8 characters>_<43 characters>"

    def __call__(self, request: HttpRequest) -> Caller | None:
        header = request.headers.get(self.header)
        if not header:
            return None
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(
                401,
                "authorization_header_invalid",
                "The Authorization header must be the word Bearer, a space, then the API token.",
            )
        return self.authenticate(request, value.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        try:
            api_token = services.api_token_authenticate(presented=token)
        except services.TokenRefused as refused:
            raise ApiError(401, refused.code, refused.message) from refused
        return Caller(user=api_token.user, method="token", token=api_token)


class BrowserSession(APIKeyCookie):
    """The session of a person signed in to the web service."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = (
        "The session cookie of someone signed in to the web service, for trying the API "
        "from a browser. Requests that change anything also need the CSRF token in the "
        "X-CSRFToken header."
    )

    def __call__(self, request: HttpRequest) -> Caller | None:
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise ApiError(
                403,
                "csrf_failed",
                "This request changes data, so a browser session must also send the page's "
                "CSRF token in the X-CSRFToken header.",
            )
        return Caller(user=user, method="session")


def caller(request: HttpRequest) -> Caller:
    """The caller of an authenticated operation."""
    found = getattr(request, "auth", None)
    if not isinstance(found, Caller):
        raise ApiError(401, "not_authenticated", "This operation needs a signed-in caller.")
    return found


AUTH = [BearerToken(), BrowserSession()]
