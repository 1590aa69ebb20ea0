"""Who may do what in the Local Offer.

The public reads without signing in. Staff act through a current membership in the area:
a Local Offer officer (the council's team) edits and approves every service of the area,
answers feedback and runs imports; a provider edits the services of the directory
organisations its organisation owns, and its edits wait for an officer's approval; a system
administrator of the area may also act as an officer. Nobody's directory role gives sight of
any child.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from opensend.core.models import Area, Membership, User
from opensend.core.roles import Role
from opensend.directory.models import Service

__all__ = [
    "OFFICER_ROLES",
    "can_edit_service",
    "editable_services",
    "is_officer",
    "is_provider",
    "officer_areas",
]

#: Roles that run an area's Local Offer.
OFFICER_ROLES = frozenset({Role.LOCAL_OFFER_OFFICER, Role.SYSTEM_ADMIN})


def _memberships(user: User, area: Area) -> QuerySet[Membership]:
    return Membership.objects.current().filter(user=user, areas=area)


def is_officer(user: User, area: Area) -> bool:
    """A Local Offer officer (or system administrator) in ``area``."""
    if not user.is_authenticated:
        return False
    return _memberships(user, area).filter(role_links__role__in=OFFICER_ROLES).exists()


def is_provider(user: User, area: Area) -> bool:
    """A provider user in ``area`` (edits only its own organisation's services)."""
    if not user.is_authenticated:
        return False
    return _memberships(user, area).filter(role_links__role=Role.PROVIDER).exists()


def officer_areas(user: User) -> QuerySet[Area]:
    """The areas whose Local Offer ``user`` runs."""
    return Area.objects.filter(
        memberships__in=Membership.objects.current().filter(
            user=user, role_links__role__in=OFFICER_ROLES
        )
    ).distinct()


def editable_services(user: User, area: Area) -> QuerySet[Service]:
    """The services of ``area`` that ``user`` may edit: all for an officer; for a provider,
    those of the directory organisations its organisation owns; otherwise none."""
    services = Service.objects.filter(area=area)
    if not user.is_authenticated:
        return services.none()
    if is_officer(user, area):
        return services
    provider_orgs = _memberships(user, area).filter(role_links__role=Role.PROVIDER)
    if not provider_orgs.exists():
        return services.none()
    return services.filter(Q(organization__owner__in=provider_orgs.values("organisation")))


def can_edit_service(user: User, service: Service) -> bool:
    return editable_services(user, service.area).filter(pk=service.pk).exists()
