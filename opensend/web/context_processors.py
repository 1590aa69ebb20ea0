"""What every page's layout needs: the service name, the navigation the user may use, and
whether the areas they work in hold synthetic (demo) data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from opensend.core.roles import Role
from opensend.ehc.selectors import ANSWERING_ROLES
from opensend.insight.dashboard import dashboard_area_ids
from opensend.insight.permissions import sees_performance
from opensend.pathways.access import has_visible_pathways
from opensend.web.shell import signed_in_user, user_shell


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
    answers_for_organisation = bool(info.roles & ANSWERING_ROLES)
    if info.grants.la_area_ids or answers_for_organisation:
        # EHC work someone holds: a case officer's steps; advice or a consultation addressed
        # to a health or social care service or a school.
        my_cases = reverse("ehc:my-cases")
        items.append(("My cases", my_cases, path.startswith(my_cases)))
    timeliness = reverse("ehc:timeliness")
    if info.grants.la_area_ids:
        caseload = reverse("ehc:caseload")
        items.append(
            ("Caseload", caseload, path.startswith(caseload) or path.startswith(timeliness))
        )
    elif info.grants.oversight_area_ids:
        items.append(("EHC timeliness", timeliness, path.startswith(timeliness)))
    if info.imports_census:
        imports = reverse("returns:census-upload")
        sen2 = reverse("returns:sen2")
        items.append(
            (
                "Census import",
                imports,
                path.startswith("/imports/") and not path.startswith(sen2),
            )
        )
        items.append(("SEN2 return", sen2, path.startswith(sen2)))
    if info.roles & {
        Role.PROVIDER,
        Role.HEALTH_PRACTITIONER,
        Role.COMMISSIONER,
    } and has_visible_pathways(signed_in_user(request)):
        pathways = reverse("pathways:list")
        items.append(("Waiting lists", pathways, path.startswith(pathways)))
    if info.roles & {Role.COMMISSIONER, Role.PROVIDER, Role.BOARD_MEMBER}:
        commissioning = reverse("commissioning:list")
        items.append(("Commissioning", commissioning, path.startswith(commissioning)))
    performance_roles = {
        Role.COMMISSIONER,
        Role.SEND_MANAGER,
        Role.PROVIDER,
        Role.BOARD_MEMBER,
        Role.ANALYST,
    }
    if info.roles & performance_roles:
        user_now = signed_in_user(request)
        if dashboard_area_ids(user_now):
            dashboard = reverse("insight:dashboard")
            items.append(("Board dashboard", dashboard, path.startswith(dashboard)))
        if sees_performance(user_now):
            performance = reverse("insight:list")
            dashboard_path = reverse("insight:dashboard")
            items.append(
                (
                    "Performance",
                    performance,
                    path.startswith(performance) and not path.startswith(dashboard_path),
                )
            )
    if info.roles & {Role.LOCAL_OFFER_OFFICER, Role.PROVIDER, Role.SYSTEM_ADMIN}:
        local_offer = reverse("directory:manage-home")
        items.append(("Local Offer", local_offer, path.startswith(local_offer)))
    account = reverse("web:account")
    items.append(("Your account", account, path.startswith(account)))
    context["navigation"] = [
        {"text": text, "href": href, "current": current} for text, href, current in items
    ]
    context["shows_synthetic_banner"] = info.has_synthetic_area
    return context
