"""Who may do what with pathways.

- A provider's staff (``PROVIDER`` or ``HEALTH_PRACTITIONER`` at the pathway's provider) act on
  their own pathways: record referrals, upload returns, read their figures exactly.
- Commissioners at a local authority or ICB see the figures of the pathways of their areas,
  as aggregates with small numbers suppressed.
- Nobody else sees pathways at all.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from opensend.core.models import Membership, User
from opensend.core.roles import OrganisationKind, Role
from opensend.pathways.models import Pathway

PROVIDER_ROLES = frozenset({Role.PROVIDER, Role.HEALTH_PRACTITIONER})
COMMISSIONING_KINDS = frozenset({OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB})


def provider_organisation_ids(user: User | None) -> frozenset[int]:
    """The organisations whose pathways the user works on."""
    if user is None or not user.is_active:
        return frozenset()
    return frozenset(
        Membership.objects.current()
        .filter(user=user, role_links__role__in=PROVIDER_ROLES)
        .values_list("organisation_id", flat=True)
    )


def commissioner_area_ids(user: User | None) -> frozenset[int]:
    """The areas whose pathway figures the user sees as a commissioner."""
    if user is None or not user.is_active:
        return frozenset()
    return frozenset(
        area_id
        for area_id in Membership.objects.current()
        .filter(
            user=user,
            role_links__role=Role.COMMISSIONER,
            organisation__kind__in=COMMISSIONING_KINDS,
        )
        .values_list("areas", flat=True)
        if area_id is not None
    )


def visible_pathways(user: User | None) -> QuerySet[Pathway]:
    """Every pathway the user may see the figures of."""
    providers = provider_organisation_ids(user)
    areas = commissioner_area_ids(user)
    if not providers and not areas:
        return Pathway.objects.none()
    return Pathway.objects.filter(Q(provider_id__in=providers) | Q(area_id__in=areas))


def has_visible_pathways(user: User | None) -> bool:
    """Whether the user sees any pathway (for the navigation): one query."""
    if user is None or not user.is_active:
        return False
    memberships = Membership.objects.current().filter(user=user)
    providers = memberships.filter(role_links__role__in=PROVIDER_ROLES).values("organisation_id")
    areas = memberships.filter(
        role_links__role=Role.COMMISSIONER, organisation__kind__in=COMMISSIONING_KINDS
    ).values("areas")
    return Pathway.objects.filter(Q(provider_id__in=providers) | Q(area_id__in=areas)).exists()


def works_on(user: User | None, pathway: Pathway) -> bool:
    """Whether the user is the pathway's provider's staff (may record and upload)."""
    return pathway.provider_id in provider_organisation_ids(user)


def sees_exact_figures(user: User | None, pathway: Pathway) -> bool:
    """The provider's own staff see their own list exactly; commissioners see it suppressed."""
    return works_on(user, pathway)
