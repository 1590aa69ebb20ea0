"""What every page's layout needs: the service name, the navigation the user may use, and
whether the areas they work in hold synthetic (demo) data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from opensend.web.shell import user_shell


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "service_name": settings.OPENSEND_SERVICE_NAME,
        "navigation": [],
        "shows_synthetic_banner": False,
        "signed_in": bool(user and user.is_authenticated),
    }
    if not (user and user.is_authenticated):
        return context
    info = user_shell(request)
    path = request.path
    items: list[tuple[str, str, bool]] = [
        ("Home", reverse("web:home"), path == reverse("web:home"))
    ]
    if info.sees_children and not (info.grants.is_parent and not info.roles):
        # Parent carers reach their own children from the home page.
        search = reverse("people:search")
        items.append(("Find a child", search, path.startswith(search)))
    if info.imports_census:
        imports = reverse("returns:census-upload")
        items.append(("Census import", imports, path.startswith("/imports/")))
    account = reverse("web:account")
    items.append(("Your account", account, path.startswith(account)))
    context["navigation"] = [
        {"text": text, "href": href, "current": current} for text, href, current in items
    ]
    context["shows_synthetic_banner"] = info.has_synthetic_area
    return context
