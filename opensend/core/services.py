"""Writes to core data. Every function is one business action: keyword-only arguments, the
acting user passed in, validated, atomic, and recorded in the access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from opensend.core import access_log, bank_holidays
from opensend.core.models import (
    AccessAction,
    Area,
    BankHolidayOverride,
    Membership,
    MembershipRole,
    Organisation,
    StatisticalNeighbour,
    User,
)
from opensend.core.roles import CATALOGUE, Role


@transaction.atomic
def area_create(
    *,
    acting_user: User | None,
    name: str,
    la_code: str,
    ons_code: str,
    region: str,
    is_synthetic: bool = False,
) -> Area:
    area = Area(
        name=name, la_code=la_code, ons_code=ons_code, region=region, is_synthetic=is_synthetic
    )
    area.full_clean()
    area.save()
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type="core.area",
        object_id=area.pk,
        detail={"created": {"name": name, "la_code": la_code, "ons_code": ons_code}},
    )
    return area


@transaction.atomic
def area_set_statistical_neighbours(
    *, acting_user: User | None, area: Area, neighbours: Iterable[Area]
) -> None:
    """Replace an area's ranked statistical neighbours (rank 1 is the closest)."""
    ranked = list(neighbours)
    if any(neighbour.pk == area.pk for neighbour in ranked):
        raise ValidationError("An area is not its own statistical neighbour.")
    if len({neighbour.pk for neighbour in ranked}) != len(ranked):
        raise ValidationError("Each statistical neighbour is listed once.")
    StatisticalNeighbour.objects.filter(area=area).delete()
    StatisticalNeighbour.objects.bulk_create(
        [
            StatisticalNeighbour(area=area, neighbour=neighbour, rank=rank)
            for rank, neighbour in enumerate(ranked, start=1)
        ]
    )
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type="core.area",
        object_id=area.pk,
        detail={"statistical_neighbours": [neighbour.la_code for neighbour in ranked]},
    )


@transaction.atomic
def organisation_create(
    *,
    acting_user: User | None,
    name: str,
    kind: str,
    areas: Iterable[Area],
    home_area: Area | None = None,
    **fields: object,
) -> Organisation:
    """Create an organisation serving one or more areas. ``fields`` are the optional
    identifiers and descriptors (urn, ukprn, laestab, ods_code, setting_type, phase ...)."""
    organisation = Organisation(name=name, kind=kind, home_area=home_area, **fields)
    organisation.full_clean()
    organisation.save()
    served = list(areas)
    if not served:
        raise ValidationError({"areas": "An organisation serves at least one area."})
    organisation.areas.set(served)
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type="core.organisation",
        object_id=organisation.pk,
        detail={"created": {"name": name, "kind": kind, "areas": [a.la_code for a in served]}},
    )
    return organisation


@transaction.atomic
def user_create(
    *,
    acting_user: User | None,
    email: str,
    full_name: str,
    password: str | None = None,
    job_title: str = "",
) -> User:
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": f"There is already a user with the email {email}."})
    user = User(email=email, full_name=full_name, job_title=job_title)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type="core.user",
        object_id=user.pk,
        detail={"created": {"email": email, "full_name": full_name}},
    )
    return user


@transaction.atomic
def membership_grant(
    *,
    acting_user: User | None,
    user: User,
    organisation: Organisation,
    roles: Iterable[Role | str],
    areas: Iterable[Area],
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Membership:
    """Let a user act for an organisation in some of the areas it serves, with roles that the
    organisation's kind allows (a SENCO works for a setting, an EHC coordinator for the LA)."""
    role_list = [Role(role) for role in roles]
    if not role_list:
        raise ValidationError({"roles": "Choose at least one role."})
    area_list = list(areas)
    if not area_list:
        raise ValidationError({"areas": "Choose at least one area."})
    errors: list[str] = []
    for role in role_list:
        spec = CATALOGUE[role]
        if organisation.kind not in spec.organisation_kinds:
            errors.append(
                f"{role.label} is not a role in a {organisation.get_kind_display().lower()}."
            )
    served = set(organisation.areas.values_list("pk", flat=True))
    for area in area_list:
        if area.pk not in served:
            errors.append(f"{organisation.name} does not serve {area.name}.")
    if errors:
        raise ValidationError(errors)
    membership = Membership(user=user, organisation=organisation, ends_on=ends_on)
    if starts_on is not None:
        membership.starts_on = starts_on
    membership.full_clean()
    membership.save()
    membership.areas.set(area_list)
    MembershipRole.objects.bulk_create(
        [MembershipRole(membership=membership, role=role) for role in sorted(set(role_list))]
    )
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type="core.membership",
        object_id=membership.pk,
        organisation=organisation,
        detail={
            "granted": {
                "user": user.email,
                "roles": sorted(set(role_list)),
                "areas": [a.la_code for a in area_list],
            }
        },
    )
    return membership


@transaction.atomic
def membership_end(*, acting_user: User | None, membership: Membership, on: dt.date) -> Membership:
    if on < membership.starts_on:
        raise ValidationError({"ends_on": "A membership cannot end before it starts."})
    membership.ends_on = on
    membership.save(update_fields=["ends_on"])
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type="core.membership",
        object_id=membership.pk,
        organisation=membership.organisation,
        detail={"ended": on.isoformat()},
    )
    return membership


@transaction.atomic
def bank_holiday_override_set(
    *, acting_user: User | None, date: dt.date, name: str, is_holiday: bool, source: str = ""
) -> BankHolidayOverride:
    override, _ = BankHolidayOverride.objects.update_or_create(
        date=date, defaults={"name": name, "is_holiday": is_holiday, "source": source}
    )
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type="core.bankholidayoverride",
        object_id=date.isoformat(),
        detail={"name": name, "is_holiday": is_holiday, "source": source},
    )
    transaction.on_commit(bank_holidays.clear_cache)
    return override
