"""A small partnership to call the API against: two areas, a council in each, a school, and
children with different relationships to the people who call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client

from opensend.api import services as api_services
from opensend.core.models import AccessLogEntry, Area, Organisation, User
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    UserFactory,
    staff,
)
from opensend.people import services as people
from opensend.people.models import Child, RecordSource
from opensend.people.tests.factories import ChildFactory

MANUAL = RecordSource.MANUAL
SINCE = dt.date(2021, 9, 1)


@dataclass
class World:
    area: Area
    other_area: Area
    council: Organisation
    other_council: Organisation
    school: Organisation
    other_school: Organisation
    pupil: Child  # in the area, on roll at the school, with a parent who signs in
    neighbour: Child  # in the area, on roll at another school in the area
    elsewhere: Child  # in the other area
    coordinator: User
    other_coordinator: User
    senco: User
    parent: User
    analyst: User


@pytest.fixture
def world(area, local_authority, coordinator):
    other_area = AreaFactory(name="Westmere", la_code="991", ons_code="E06000991")
    other_council = OrganisationFactory(name="Westmere Council", home_area=other_area)
    school = SettingFactory(name="Halford Vale Primary", home_area=area)
    other_school = SettingFactory(name="Halford Vale Juniors", home_area=area)
    pupil = ChildFactory(area=area, forename="Amira", surname="Testchild-Okafor")
    neighbour = ChildFactory(area=area, forename="Ben", surname="Testchild-Lowe")
    elsewhere = ChildFactory(area=other_area, forename="Cara", surname="Testchild-Price")
    for child, setting in ((pupil, school), (neighbour, other_school)):
        people.placement_start(
            acting_user=None, child=child, setting=setting, start_date=SINCE, source=MANUAL
        )
    parent = UserFactory(full_name="Nadia Okafor", email="nadia.okafor@example.org")
    contact = people.contact_add(
        acting_user=None,
        child=pupil,
        full_name="Nadia Okafor",
        relationship="mother",
        has_parental_responsibility=True,
        is_main_contact=True,
        phone="01632 960001",
        email="nadia.okafor@example.org",
    )
    people.contact_link_user(acting_user=None, contact=contact, user=parent)
    people.contact_add(
        acting_user=None,
        child=pupil,
        full_name="Tomas Okafor",
        relationship="father",
        has_parental_responsibility=True,
        phone="01632 960002",
    )
    return World(
        area=area,
        other_area=other_area,
        council=local_authority,
        other_council=other_council,
        school=school,
        other_school=other_school,
        pupil=pupil,
        neighbour=neighbour,
        elsewhere=elsewhere,
        coordinator=coordinator,
        other_coordinator=staff(Role.EHC_COORDINATOR, other_council, full_name="Olu Other"),
        senco=staff(Role.SENCO, school, full_name="Sam Senco"),
        parent=parent,
        analyst=staff(
            Role.ANALYST,
            OrganisationFactory(name="Halford ICB", kind=OrganisationKind.ICB, home_area=area),
            full_name="Ana Analyst",
        ),
    )


def token_for(user, days=30):
    _, secret = api_services.api_token_create(acting_user=None, user=user, name="Tests", days=days)
    return secret


class TokenClient:
    """A test client that sends an API token with every request."""

    def __init__(self, secret):
        self.secret = secret
        self.client = Client()

    def get(self, path, **params):
        return self.client.get(path, params, headers={"Authorization": f"Bearer {self.secret}"})


@pytest.fixture
def as_user():
    """``as_user(user)``: a client calling the API with a new token of that user."""

    def make(user):
        return TokenClient(token_for(user))

    return make


def last_entry():
    return AccessLogEntry.objects.order_by("-seq").first()
