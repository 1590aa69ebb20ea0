"""Factories for core data. They create through the services, so tests exercise the same
paths as the application (validation, the access log)."""

from __future__ import annotations

import itertools
from typing import Any, cast

import factory

from opensend.core import services
from opensend.core.codes import Region
from opensend.core.models import Area, Membership, Organisation, User
from opensend.core.roles import OrganisationKind, Role

_la_codes = itertools.count()


def _free_la_code() -> str:
    """An LA code from 901 to 989 that no area in the database has yet: clear of the fixtures'
    990s and of the real codes the synthetic profiles use, however many areas a run makes."""
    for _ in range(89):
        code = f"{901 + next(_la_codes) % 89:03d}"
        if not Area.objects.filter(la_code=code).exists():
            return code
    raise RuntimeError("Every test LA code from 901 to 989 is in use.")


_urns = itertools.count(900001)


class ServiceFactory(factory.Factory):
    """Base: ``_create`` calls a service with ``acting_user=None`` (the system)."""

    class Meta:
        abstract = True


class AreaFactory(ServiceFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Testshire {n}")
    la_code = factory.LazyFunction(_free_la_code)
    ons_code = factory.LazyAttribute(lambda o: f"E06{int(o.la_code):06d}")
    region = Region.NORTH_WEST

    @classmethod
    def _create(cls, model_class: type[Area], *args: Any, **kwargs: Any) -> Area:
        return services.area_create(acting_user=None, **kwargs)


class OrganisationFactory(ServiceFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.LOCAL_AUTHORITY
    home_area = factory.SubFactory(AreaFactory)

    @classmethod
    def _create(cls, model_class: type[Organisation], *args: Any, **kwargs: Any) -> Organisation:
        areas = kwargs.pop("areas", None) or [kwargs["home_area"]]
        return services.organisation_create(acting_user=None, areas=areas, **kwargs)


class SettingFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Test Primary School {n}")
    kind = OrganisationKind.SCHOOL
    setting_type = "academy"
    phase = "primary"
    urn = factory.LazyFunction(lambda: f"{next(_urns):06d}")
    laestab = factory.LazyAttribute(
        lambda o: f"{o.home_area.la_code}{int(o.urn) % 10000:04d}" if o.home_area else ""
    )


class UserFactory(ServiceFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Test User {n}")
    password = "correct horse battery staple"

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return services.user_create(acting_user=None, **kwargs)


def grant(
    user: User,
    organisation: Organisation,
    *roles: Role | str,
    areas: list[Area] | None = None,
) -> Membership:
    """Give a user roles at an organisation, in the given areas (default: all it serves)."""
    return services.membership_grant(
        acting_user=None,
        user=user,
        organisation=organisation,
        roles=roles,
        areas=areas if areas is not None else list(organisation.areas.all()),
    )


def staff(
    role: Role | str, organisation: Organisation, areas: list[Area] | None = None, **kwargs: Any
) -> User:
    """A new user holding one role at an organisation."""
    user = cast(User, UserFactory(**kwargs))
    grant(user, organisation, role, areas=areas)
    return user
