"""``/me`` and ``/areas``: who the caller is and the areas they work in."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from opensend.api import selectors
from opensend.api.auth import caller
from opensend.api.errors import ErrorOut
from opensend.api.schemas import (
    AreaListOut,
    AuthenticationOut,
    MeOut,
    RoleOut,
    area_out,
    coded,
    membership_out,
    user_out,
)
from opensend.core.roles import Role
from opensend.people import policy

router = Router(tags=["Account"])


@router.get(
    "/me",
    response={200: MeOut, 401: ErrorOut},
    operation_id="me",
    summary="Who is calling",
    description="The user the token or session acts as, how the request was authenticated, "
    "and the user's current memberships with their roles and areas.",
)
def me(request: HttpRequest) -> MeOut:
    who = caller(request)
    identity = selectors.identity_for(user=who.user)
    token = who.token
    return MeOut(
        user=user_out(who.user),
        authentication=AuthenticationOut(
            method=who.method,
            token_prefix=token.prefix if token else None,
            token_name=token.name if token else None,
            token_expires_at=token.expires_at if token else None,
        ),
        memberships=[membership_out(membership) for membership in identity.memberships],
        roles=[RoleOut.model_validate(coded(Role, role)) for role in identity.roles],
        areas=[area_out(area) for area in identity.areas],
        sees_children_records=policy.grants_for(who.user).sees_any_child,
    )


@router.get(
    "/areas",
    response={200: AreaListOut, 401: ErrorOut},
    operation_id="areas_list",
    summary="Areas you work in",
    description="The local authority areas the caller's current memberships cover, by name.",
)
def areas_list(request: HttpRequest) -> AreaListOut:
    who = caller(request)
    identity = selectors.identity_for(user=who.user)
    return AreaListOut(items=[area_out(area) for area in identity.areas])
