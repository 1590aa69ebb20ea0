"""Facts about the signed-in user that the layout and the pages share, worked out once per
request and cached on it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from opensend.core.models import Area, Membership
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
    user = request.user
    grants = policy.grants_for(user)  # type: ignore[arg-type]
    memberships = Membership.objects.current().filter(user_id=user.pk)
    area_ids = frozenset(
        area_id for area_id in memberships.values_list("areas", flat=True) if area_id is not None
    )
    roles = frozenset(memberships.values_list("role_links__role", flat=True)) - {None}
    if grants.is_parent:
        area_ids = area_ids | frozenset(
            user.family_contacts.values_list("child__area_id", flat=True)  # type: ignore[union-attr]
        )
    shell = UserShell(
        grants=grants,
        area_ids=area_ids,
        roles=frozenset(str(role) for role in roles),
        has_synthetic_area=Area.objects.filter(pk__in=area_ids, is_synthetic=True).exists(),
    )
    request._opensend_shell = shell  # type: ignore[attr-defined]
    return shell

