"""Reads for the API app: a user's tokens, and who a caller is (memberships, roles, areas)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from opensend.api.models import ApiToken
from opensend.core.models import Area, Membership, User


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    """Every token of a user, newest first, whatever its state."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_by_prefix(*, prefix: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(prefix=prefix.strip().lower()).first()


@dataclass(frozen=True)
class Identity:
    """Who a caller is: their current memberships, and the roles and areas those give."""

    user: User
    memberships: list[Membership]
    roles: list[str]
    areas: list[Area]


def identity_for(*, user: User, on: dt.date | None = None) -> Identity:
    """Three queries, however many memberships the user has."""
    day = on or timezone.localdate()
    memberships = list(
        Membership.objects.current(day)
        .filter(user=user)
        .select_related("organisation")
        .prefetch_related("role_links", "areas")
        .order_by("organisation__name", "pk")
    )
    roles: set[str] = set()
    areas: dict[int, Area] = {}
    for membership in memberships:
        roles |= membership.role_codes
        for area in membership.areas.all():
            areas.setdefault(area.pk, area)
    return Identity(
        user=user,
        memberships=memberships,
        roles=sorted(roles),
        areas=sorted(areas.values(), key=lambda area: (area.name, area.la_code)),
    )
