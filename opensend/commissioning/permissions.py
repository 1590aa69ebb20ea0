"""Who may see and change commissioning records: one policy for pages, API and exports.

=====================  ==================================================================
who                    what
=====================  ==================================================================
commissioner           ``Role.COMMISSIONER`` at a local authority or an ICB: sees, creates
                       and changes the commissions and spot purchases of the areas their
                       membership covers
provider               ``Role.PROVIDER``: sees only the commissions its organisation
                       provides, read only; never another provider's, never spot purchases
board member           ``Role.BOARD_MEMBER``: sees summaries of the area's commissions (no
                       decisions, agreements, evidence or spot purchases)
=====================  ==================================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from opensend.commissioning.codes import COMMISSIONER_KINDS
from opensend.core.models import Membership, User
from opensend.core.roles import Role


@dataclass(frozen=True)
class Access:
    """What a user's current memberships give them in commissioning."""

    commissioner_area_ids: frozenset[int] = frozenset()
    commissioner_organisation_ids: frozenset[int] = frozenset()
    provider_organisation_ids: frozenset[int] = frozenset()
    board_area_ids: frozenset[int] = frozenset()

    @property
    def sees_anything(self) -> bool:
        return bool(
            self.commissioner_area_ids or self.provider_organisation_ids or self.board_area_ids
        )

    @property
    def summary_area_ids(self) -> frozenset[int]:
        return self.commissioner_area_ids | self.board_area_ids

    def commissions_q(self) -> Q:
        """The commissions the user may see, as a filter."""
        return Q(area_id__in=self.summary_area_ids) | Q(
            provider_id__in=self.provider_organisation_ids
        )

    def may_change(self, area_id: int) -> bool:
        return area_id in self.commissioner_area_ids

    def sees_detail(self, area_id: int) -> bool:
        """Decisions, agreements and evidence: commissioners of the area, and the provider."""
        return area_id in self.commissioner_area_ids


def access_for(user: User, on: dt.date | None = None) -> Access:
    if not user.is_authenticated or not user.is_active:
        return Access()
    day = on or timezone.localdate()
    commissioner_areas: set[int] = set()
    commissioner_orgs: set[int] = set()
    provider_orgs: set[int] = set()
    board_areas: set[int] = set()
    memberships = (
        Membership.objects.current(day)
        .filter(user=user)
        .select_related("organisation")
        .prefetch_related("role_links", "areas")
    )
    for membership in memberships:
        roles = membership.role_codes
        area_ids = {area.pk for area in membership.areas.all()}
        if Role.COMMISSIONER in roles and membership.organisation.kind in COMMISSIONER_KINDS:
            commissioner_areas |= area_ids
            commissioner_orgs.add(membership.organisation_id)
        if Role.PROVIDER in roles:
            provider_orgs.add(membership.organisation_id)
        if Role.BOARD_MEMBER in roles:
            board_areas |= area_ids
    return Access(
        commissioner_area_ids=frozenset(commissioner_areas),
        commissioner_organisation_ids=frozenset(commissioner_orgs),
        provider_organisation_ids=frozenset(provider_orgs),
        board_area_ids=frozenset(board_areas),
    )
