"""Facts about the signed-in user that the layout and the pages share, worked out once per
request and cached on it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from opensend.core.models import Area, Membership, User
from opensend.people import policy


@dataclass(frozen=True)
class UserShell:
    grants: policy.Grants
    area_ids: frozenset[int]
    roles: frozenset[str]
    has_synthetic_area: bool

    @property
    def sees_children(self) -> bool:
        return self.grants.sees_any_child

    @property
    def imports_census(self) -> bool:
        return bool(self.grants.la_area_ids)

    @property
    def exact_area_figures(self) -> bool:
        """Area-wide figures are shown exactly only to those whose duty covers the whole area's
        children (LA SEND officers, designated officers); everyone else sees them with small
        numbers suppressed."""
        return bool(self.grants.la_area_ids or self.grants.oversight_area_ids)


def user_shell(request: HttpRequest) -> UserShell:
    cached = getattr(request, "_opensend_shell", None)
    if isinstance(cached, UserShell):
        return cached
    user = signed_in_user(request)
    grants = policy.grants_for(user)
    memberships = Membership.objects.current().filter(user=user)
    area_ids = frozenset(
        area_id for area_id in memberships.values_list("areas", flat=True) if area_id is not None
    )
    roles = frozenset(
        role for role in memberships.values_list("role_links__role", flat=True) if role is not None
    )
    if grants.is_parent:
        area_ids = area_ids | frozenset(
            user.family_contacts.values_list("child__area_id", flat=True)
        )
    shell = UserShell(
        grants=grants,
        area_ids=area_ids,
        roles=roles,
        has_synthetic_area=Area.objects.filter(pk__in=area_ids, is_synthetic=True).exists(),
    )
    request._opensend_shell = shell  # type: ignore[attr-defined]
    return shell


def signed_in_user(request: HttpRequest) -> User:
    """The user of a page that needs one (the login middleware has already made sure)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("Sign in to use this page.")
    return user
