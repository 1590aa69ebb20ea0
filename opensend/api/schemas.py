"""Schemas shared across the API: coded values (a code and its label), users, organisations,
memberships and areas. Each app's router keeps the schemas only it uses."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Choices
from ninja import Field, Schema

from opensend.core.codes import Region
from opensend.core.models import Area, Membership, Organisation, User
from opensend.core.roles import OrganisationKind, Role


def coded(choices: type[Choices], value: object) -> dict[str, object]:
    """A code and its label, from a Django choices class: ``{"code": "E", "label": "EHC plan"}``."""
    return {"code": value, "label": str(choices(value).label)}


class RegionOut(Schema):
    """An English region, by its ONS code."""

    code: Region
    label: str


class RoleOut(Schema):
    """A role a user holds through a membership."""

    code: Role
    label: str


class OrganisationKindOut(Schema):
    code: OrganisationKind
    label: str


class AreaOut(Schema):
    """A local authority area: the tenant every record about a child belongs to."""

    la_code: str = Field(..., description="The DfE local authority code: 3 digits.")
    ons_code: str = Field(..., description="The ONS code of the local authority (E06–E09).")
    name: str
    region: RegionOut
    is_synthetic: bool = Field(
        ..., description="True for a demonstration area: every person in it is fictional."
    )


def area_out(area: Area) -> AreaOut:
    return AreaOut(
        la_code=area.la_code,
        ons_code=area.ons_code,
        name=area.name,
        region=RegionOut.model_validate(coded(Region, area.region)),
        is_synthetic=area.is_synthetic,
    )


class OrganisationOut(Schema):
    id: int
    name: str
    kind: OrganisationKindOut


def organisation_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=organisation.pk,
        name=organisation.name,
        kind=OrganisationKindOut.model_validate(coded(OrganisationKind, organisation.kind)),
    )


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    job_title: str


def user_out(user: User) -> UserOut:
    return UserOut(id=user.pk, email=user.email, full_name=user.full_name, job_title=user.job_title)


class MembershipOut(Schema):
    """The user acting for an organisation, in some areas, with some roles."""

    organisation: OrganisationOut
    roles: list[RoleOut]
    area_la_codes: list[str] = Field(..., description="The areas this membership covers.")
    starts_on: dt.date
    ends_on: dt.date | None


def membership_out(membership: Membership) -> MembershipOut:
    roles = sorted(membership.role_codes)
    areas = sorted(area.la_code for area in membership.areas.all())
    return MembershipOut(
        organisation=organisation_out(membership.organisation),
        roles=[RoleOut.model_validate(coded(Role, role)) for role in roles],
        area_la_codes=areas,
        starts_on=membership.starts_on,
        ends_on=membership.ends_on,
    )


class AuthenticationOut(Schema):
    """How this request was authenticated."""

    method: Literal["token", "session"]
    token_prefix: str | None = Field(None, description="The token's prefix, for a token.")
    token_name: str | None = None
    token_expires_at: dt.datetime | None = None


class MeOut(Schema):
    """Who is calling: the user, how they came in, and what their memberships give them."""

    user: UserOut
    authentication: AuthenticationOut
    memberships: list[MembershipOut]
    roles: list[RoleOut] = Field(..., description="Every role of every current membership.")
    areas: list[AreaOut] = Field(..., description="Every area of every current membership.")
    sees_children_records: bool = Field(
        ...,
        description="Whether any legitimate relationship lets this user see children's "
        "records (a local authority SEND role, a designated officer, a practitioner working "
        "with children, a SENCO, or a parent carer).",
    )


class AreaListOut(Schema):
    items: list[AreaOut]
