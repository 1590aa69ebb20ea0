"""The access policy: the one place that decides whether a user may see or change a child's
record, and which children a user may see.

Access follows a legitimate relationship (DESIGN.md, "Data protection"):

=============================  =========================================================
basis                          who, and to which children
=============================  =========================================================
``la_area``                    EHC coordinators and SEND managers of a local authority:
                               children of the areas their membership covers
``plan_oversight``             Designated Clinical and Social Care Officers: children of
                               their areas who have an EHC plan, and any their
                               organisation is involved with
``involvement``                health practitioners and social workers: children their
                               organisation is working with (an open involvement)
``on_roll``                    SENCOs: pupils with a current placement at their setting
``parental_responsibility``    a parent carer: their own child, where they hold parental
                               responsibility and their account is linked to the contact
=============================  =========================================================

Everyone else (commissioners, analysts, board members, providers, system administrators)
sees no child's record: they work from aggregates. Only ``la_area`` users may change a record.

``decide`` answers for one child and gives the basis, written to the access log as the
"why"; ``visible_children_q`` answers for lists, as a filter the database applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from opensend.core.models import Membership, Organisation, User
from opensend.core.roles import OrganisationKind, Role
from opensend.people.models import Child, FamilyContact, Involvement, Placement, SENStatus


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"


class Basis(StrEnum):
    LA_AREA = "la_area"
    PLAN_OVERSIGHT = "plan_oversight"
    INVOLVEMENT = "involvement"
    ON_ROLL = "on_roll"
    PARENTAL_RESPONSIBILITY = "parental_responsibility"


BASIS_DESCRIPTIONS: dict[Basis, str] = {
    Basis.LA_AREA: "Local authority SEND officer for the child's area",
    Basis.PLAN_OVERSIGHT: "Designated officer overseeing EHC plans in the child's area",
    Basis.INVOLVEMENT: "Their organisation is working with the child",
    Basis.ON_ROLL: "SENCO at the setting where the child is on roll",
    Basis.PARENTAL_RESPONSIBILITY: "Parent carer with parental responsibility",
}

LA_CASE_ROLES = frozenset({Role.EHC_COORDINATOR, Role.SEND_MANAGER})
OVERSIGHT_ROLES = frozenset({Role.DESIGNATED_CLINICAL_OFFICER, Role.DESIGNATED_SOCIAL_CARE_OFFICER})
INVOLVEMENT_ROLES = frozenset({Role.HEALTH_PRACTITIONER, Role.SOCIAL_WORKER, *OVERSIGHT_ROLES})
#: Which bases allow which actions.
BASIS_ACTIONS: dict[Basis, frozenset[Action]] = {
    Basis.LA_AREA: frozenset({Action.VIEW, Action.CHANGE}),
    Basis.PLAN_OVERSIGHT: frozenset({Action.VIEW}),
    Basis.INVOLVEMENT: frozenset({Action.VIEW}),
    Basis.ON_ROLL: frozenset({Action.VIEW}),
    Basis.PARENTAL_RESPONSIBILITY: frozenset({Action.VIEW}),
}


@dataclass(frozen=True)
class Grants:
    """What a user's current memberships give them, worked out once per request."""

    user_id: int
    la_area_ids: frozenset[int] = frozenset()
    la_organisations: dict[int, int] = field(default_factory=dict)  # area id -> organisation id
    oversight_area_ids: frozenset[int] = frozenset()
    oversight_organisations: dict[int, int] = field(default_factory=dict)
    involvement_organisation_ids: frozenset[int] = frozenset()
    roll_organisation_ids: frozenset[int] = frozenset()
    is_parent: bool = False

    @property
    def sees_any_child(self) -> bool:
        return bool(
            self.la_area_ids
            or self.oversight_area_ids
            or self.involvement_organisation_ids
            or self.roll_organisation_ids
            or self.is_parent
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis | None
    organisation_id: int | None

    @property
    def purpose(self) -> str:
        return BASIS_DESCRIPTIONS[self.basis] if self.basis else "No legitimate relationship"


def grants_for(user: User, on: dt.date | None = None) -> Grants:
    """Collect what the user's current memberships allow. Two queries."""
    if not user.is_authenticated or not user.is_active:
        return Grants(user_id=0)
    day = on or timezone.localdate()
    la_areas: dict[int, int] = {}
    oversight_areas: dict[int, int] = {}
    involvement_orgs: set[int] = set()
    roll_orgs: set[int] = set()
    memberships = (
        Membership.objects.current(day)
        .filter(user=user)
        .select_related("organisation")
        .prefetch_related("role_links", "areas")
    )
    for membership in memberships:
        roles = membership.role_codes
        organisation: Organisation = membership.organisation
        area_ids = [area.pk for area in membership.areas.all()]
        if roles & LA_CASE_ROLES and organisation.kind == OrganisationKind.LOCAL_AUTHORITY:
            for area_id in area_ids:
                la_areas.setdefault(area_id, organisation.pk)
        if roles & OVERSIGHT_ROLES:
            for area_id in area_ids:
                oversight_areas.setdefault(area_id, organisation.pk)
        if roles & INVOLVEMENT_ROLES:
            involvement_orgs.add(organisation.pk)
        if Role.SENCO in roles:
            roll_orgs.add(organisation.pk)
    is_parent = FamilyContact.objects.filter(user=user, has_parental_responsibility=True).exists()
    return Grants(
        user_id=user.pk,
        la_area_ids=frozenset(la_areas),
        la_organisations=la_areas,
        oversight_area_ids=frozenset(oversight_areas),
        oversight_organisations=oversight_areas,
        involvement_organisation_ids=frozenset(involvement_orgs),
        roll_organisation_ids=frozenset(roll_orgs),
        is_parent=is_parent,
    )


def _current(prefix: str, day: dt.date) -> Q:
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _involved(organisation_ids: frozenset[int], day: dt.date) -> Exists:
    return Exists(
        Involvement.objects.filter(
            _current("", day), child=OuterRef("pk"), organisation_id__in=organisation_ids
        )
    )


def _on_roll(organisation_ids: frozenset[int], day: dt.date) -> Exists:
    return Exists(
        Placement.objects.filter(
            _current("", day), child=OuterRef("pk"), setting_id__in=organisation_ids
        )
    )


def _parent_of(user_id: int) -> Exists:
    return Exists(
        FamilyContact.objects.filter(
            child=OuterRef("pk"), user_id=user_id, has_parental_responsibility=True
        )
    )


def visible_children_q(grants: Grants, on: dt.date | None = None) -> Q:
    """A filter selecting exactly the children the user may see. Each basis is an indexed
    lookup or an EXISTS subquery, so the filter never multiplies rows."""
    day = on or timezone.localdate()
    q = Q(pk__in=[])
    if grants.la_area_ids:
        q |= Q(area_id__in=grants.la_area_ids)
    if grants.oversight_area_ids:
        q |= Q(area_id__in=grants.oversight_area_ids, sen_status=SENStatus.EHC_PLAN)
    if grants.involvement_organisation_ids:
        q |= Q(_involved(grants.involvement_organisation_ids, day))
    if grants.roll_organisation_ids:
        q |= Q(_on_roll(grants.roll_organisation_ids, day))
    if grants.is_parent:
        q |= Q(_parent_of(grants.user_id))
    return q


def _first_involved_organisation(
    child: Child, organisation_ids: frozenset[int], day: dt.date
) -> int | None:
    return (
        Involvement.objects.filter(
            _current("", day), child=child, organisation_id__in=organisation_ids
        )
        .values_list("organisation_id", flat=True)
        .first()
    )


def decide(grants: Grants, child: Child, action: Action, on: dt.date | None = None) -> Decision:
    """May the user take ``action`` on this child's record, and on what basis?

    Bases are tried from the broadest duty to the narrowest, so the access log names the
    relationship that most plainly justifies the access.
    """
    day = on or timezone.localdate()
    candidates: list[tuple[Basis, int | None]] = []
    if child.area_id in grants.la_area_ids:
        candidates.append((Basis.LA_AREA, grants.la_organisations[child.area_id]))
    if child.area_id in grants.oversight_area_ids and child.sen_status == SENStatus.EHC_PLAN:
        candidates.append((Basis.PLAN_OVERSIGHT, grants.oversight_organisations[child.area_id]))
    if grants.involvement_organisation_ids:
        organisation_id = _first_involved_organisation(
            child, grants.involvement_organisation_ids, day
        )
        if organisation_id is not None:
            candidates.append((Basis.INVOLVEMENT, organisation_id))
    if grants.roll_organisation_ids:
        setting_id = (
            Placement.objects.filter(
                _current("", day), child=child, setting_id__in=grants.roll_organisation_ids
            )
            .values_list("setting_id", flat=True)
            .first()
        )
        if setting_id is not None:
            candidates.append((Basis.ON_ROLL, setting_id))
    if (
        grants.is_parent
        and FamilyContact.objects.filter(
            child=child, user_id=grants.user_id, has_parental_responsibility=True
        ).exists()
    ):
        candidates.append((Basis.PARENTAL_RESPONSIBILITY, None))
    for basis, organisation_id in candidates:
        if action in BASIS_ACTIONS[basis]:
            return Decision(True, basis, organisation_id)
    return Decision(False, None, None)


def aggregate_area_ids(user: User, on: dt.date | None = None) -> frozenset[int]:
    """Areas whose aggregate figures (counts, never records) a user may see: any area one of
    their current memberships covers."""
    if not user.is_authenticated:
        return frozenset()
    day = on or timezone.localdate()
    area_ids = Membership.objects.current(day).filter(user=user).values_list("areas", flat=True)
    return frozenset(area_id for area_id in area_ids if area_id is not None)
