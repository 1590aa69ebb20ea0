"""The role catalogue (DESIGN.md, "Who uses it"). A user holds roles through memberships of
organisations; which children a role may see is decided in ``opensend.people.policy``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Role(models.TextChoices):
    EHC_COORDINATOR = "ehc_coordinator", "EHC coordinator / SEND case officer"
    SEND_MANAGER = "send_manager", "SEND manager / head of service"
    HEALTH_PRACTITIONER = "health_practitioner", "Health practitioner"
    DESIGNATED_CLINICAL_OFFICER = "dco", "Designated Clinical Officer"
    SOCIAL_WORKER = "social_worker", "Social worker"
    DESIGNATED_SOCIAL_CARE_OFFICER = "dsco", "Designated Social Care Officer"
    COMMISSIONER = "commissioner", "Commissioner"
    LOCAL_OFFER_OFFICER = "local_offer_officer", "Local Offer officer"
    SENCO = "senco", "SENCO"
    PROVIDER = "provider", "Provider"
    ANALYST = "analyst", "Analyst / public health"
    BOARD_MEMBER = "board_member", "Board member"
    SYSTEM_ADMIN = "system_admin", "System administrator"


class OrganisationKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    ICB = "icb", "Integrated Care Board"
    NHS_TRUST = "nhs_trust", "NHS trust"
    SCHOOL = "school", "School or early years setting"
    COLLEGE = "college", "College or post-16 institution"
    INDEPENDENT_SPECIAL = "independent_special", "Independent special school"
    NON_MAINTAINED_SPECIAL = "non_maintained_special", "Non-maintained special school"
    VOLUNTARY_PROVIDER = "voluntary_provider", "Voluntary or community provider"
    PRIVATE_PROVIDER = "private_provider", "Private provider"
    PARENT_CARER_FORUM = "parent_carer_forum", "Parent carer forum"
    SENDIASS = "sendiass", "SEND information, advice and support service"
    MEDIATION_SERVICE = "mediation_service", "Mediation service"


#: Organisations that educate children: a child's placement is at one of these.
SETTING_KINDS = frozenset(
    {
        OrganisationKind.SCHOOL,
        OrganisationKind.COLLEGE,
        OrganisationKind.INDEPENDENT_SPECIAL,
        OrganisationKind.NON_MAINTAINED_SPECIAL,
    }
)

#: Organisations of the NHS.
HEALTH_KINDS = frozenset({OrganisationKind.ICB, OrganisationKind.NHS_TRUST})

#: Organisations that deliver services and may be referred to.
PROVIDER_KINDS = frozenset(
    {
        OrganisationKind.NHS_TRUST,
        OrganisationKind.VOLUNTARY_PROVIDER,
        OrganisationKind.PRIVATE_PROVIDER,
        OrganisationKind.SENDIASS,
        OrganisationKind.MEDIATION_SERVICE,
        OrganisationKind.LOCAL_AUTHORITY,
    }
)


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    description: str
    organisation_kinds: frozenset[str]


_LA = frozenset({OrganisationKind.LOCAL_AUTHORITY})
_ALL = frozenset(OrganisationKind.values)

CATALOGUE: dict[Role, RoleSpec] = {
    spec.role: spec
    for spec in (
        RoleSpec(
            Role.EHC_COORDINATOR,
            "Runs requests, assessments, plans and annual reviews for children of the area.",
            _LA,
        ),
        RoleSpec(
            Role.SEND_MANAGER,
            "Oversees caseload and timeliness, the SEN2 return, tribunals and mediation.",
            _LA,
        ),
        RoleSpec(
            Role.HEALTH_PRACTITIONER,
            "Sees children referred to their service; returns health advice.",
            frozenset({OrganisationKind.NHS_TRUST, OrganisationKind.ICB}),
        ),
        RoleSpec(
            Role.DESIGNATED_CLINICAL_OFFICER,
            "Oversees health in EHC plans across the ICB's areas.",
            frozenset({OrganisationKind.ICB, OrganisationKind.NHS_TRUST}),
        ),
        RoleSpec(
            Role.SOCIAL_WORKER,
            "Sees children allocated to their team; returns social care advice.",
            _LA,
        ),
        RoleSpec(
            Role.DESIGNATED_SOCIAL_CARE_OFFICER,
            "Oversees social care in EHC plans across the area.",
            _LA,
        ),
        RoleSpec(
            Role.COMMISSIONER,
            "Services, contracts, budgets and gaps; sees aggregates, not children.",
            frozenset({OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB}),
        ),
        RoleSpec(
            Role.LOCAL_OFFER_OFFICER,
            "Edits and approves the Local Offer, answers its feedback; sees no child's record.",
            _LA,
        ),
        RoleSpec(
            Role.SENCO,
            "Requests assessments and contributes to reviews for pupils on roll.",
            SETTING_KINDS,
        ),
        RoleSpec(
            Role.PROVIDER,
            "Submits returns for its contracts and sees referrals made to it.",
            PROVIDER_KINDS,
        ),
        RoleSpec(
            Role.ANALYST,
            "Works on the needs assessment from pseudonymised and aggregated data.",
            frozenset({OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB}),
        ),
        RoleSpec(
            Role.BOARD_MEMBER,
            "Sees the dashboard, action plan and board reports; aggregates only.",
            _ALL,
        ),
        RoleSpec(
            Role.SYSTEM_ADMIN,
            "Manages users and reference data; sees no child's record by virtue of this role.",
            _ALL,
        ),
    )
}

#: Roles whose users see only aggregates, where small numbers are suppressed.
AGGREGATE_ONLY_ROLES = frozenset(
    {
        Role.COMMISSIONER,
        Role.LOCAL_OFFER_OFFICER,
        Role.ANALYST,
        Role.BOARD_MEMBER,
        Role.PROVIDER,
        Role.SYSTEM_ADMIN,
    }
)
