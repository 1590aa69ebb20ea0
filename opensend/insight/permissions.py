"""Who may see and change the performance framework: one policy for pages, API and exports.

=================  ========================================================================
who                what
=================  ========================================================================
officer            ``Role.COMMISSIONER`` (at a local authority or an ICB) or
                   ``Role.SEND_MANAGER`` of the area: sees every indicator of the area with
                   exact figures; defines and edits indicators, records values, closes and
                   reopens periods
provider           ``Role.PROVIDER``: sees and supplies only the active KPIs of the contracts
                   (commissions) its organisation provides, with exact figures
reader             ``Role.BOARD_MEMBER`` or ``Role.ANALYST`` of the area: reads the active
                   indicators, with small numbers suppressed
=================  ========================================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from opensend.core.models import Membership, User
from opensend.core.roles import OrganisationKind, Role
from opensend.insight.models import Indicator

COMMISSIONER_KINDS = frozenset({OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB})
READER_ROLES = frozenset({Role.BOARD_MEMBER, Role.ANALYST})


@dataclass(frozen=True)
class Access:
    """What a user's current memberships give them in the performance framework."""

    officer_area_ids: frozenset[int] = frozenset()
    provider_organisation_ids: frozenset[int] = frozenset()
    reader_area_ids: frozenset[int] = frozenset()

    @property
    def sees_anything(self) -> bool:
        return bool(self.officer_area_ids or self.provider_organisation_ids or self.reader_area_ids)

    @property
    def is_provider(self) -> bool:
        return bool(self.provider_organisation_ids)

    def indicators_q(self) -> Q:
        """The indicators the user may see, as a filter."""
        return (
            Q(area_id__in=self.officer_area_ids)
            | Q(
                active=True,
                area_id__in=self.reader_area_ids,
            )
            | Q(active=True, commission__provider_id__in=self.provider_organisation_ids)
        )

    def may_define(self, area_id: int) -> bool:
        """Define, edit, record values, close and reopen periods."""
        return area_id in self.officer_area_ids

    def may_supply(self, indicator: Indicator) -> bool:
        """Supply values in a return: the provider of the indicator's contract."""
        return (
            indicator.active
            and indicator.commission is not None
            and indicator.commission.provider_id in self.provider_organisation_ids
        )

    def sees_exact(self, indicator: Indicator) -> bool:
        """Officers of the area and the contract's provider see the figures as they are;
        everyone else sees small numbers suppressed."""
        return self.may_define(indicator.area_id) or self.may_supply(indicator)


def access_for(user: User | None, on: dt.date | None = None) -> Access:
    if user is None or not user.is_authenticated or not user.is_active:
        return Access()
    day = on or timezone.localdate()
    officer_areas: set[int] = set()
    provider_orgs: set[int] = set()
    reader_areas: set[int] = set()
    memberships = (
        Membership.objects.current(day)
        .filter(user=user)
        .select_related("organisation")
        .prefetch_related("role_links", "areas")
    )
    for membership in memberships:
        roles = membership.role_codes
        area_ids = {area.pk for area in membership.areas.all()}
        if Role.SEND_MANAGER in roles or (
            Role.COMMISSIONER in roles and membership.organisation.kind in COMMISSIONER_KINDS
        ):
            officer_areas |= area_ids
        if Role.PROVIDER in roles:
            provider_orgs.add(membership.organisation_id)
        if roles & READER_ROLES:
            reader_areas |= area_ids
    return Access(
        officer_area_ids=frozenset(officer_areas),
        provider_organisation_ids=frozenset(provider_orgs),
        reader_area_ids=frozenset(reader_areas),
    )


def sees_performance(user: User | None) -> bool:
    """Whether the "Performance" navigation item is shown: officers, providers and readers
    of any area (the pages then show what each may see)."""
    return access_for(user).sees_anything
