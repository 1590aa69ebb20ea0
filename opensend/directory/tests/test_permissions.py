"""Who may edit which services: officers all of their area's, providers their own."""

from __future__ import annotations

import datetime as dt

import pytest

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, UserFactory, staff
from opensend.directory import permissions
from opensend.directory.tests.factories import DirectoryOrganizationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_org(area):
    return OrganisationFactory(
        name="Brightside Therapies", kind=OrganisationKind.VOLUNTARY_PROVIDER, home_area=area
    )


@pytest.fixture
def own_service(area, provider_org):
    organization = DirectoryOrganizationFactory(area=area, owner=provider_org)
    return ServiceFactory(area=area, organization=organization)


@pytest.fixture
def other_service(area):
    return ServiceFactory(area=area)


def test_an_officer_edits_every_service_of_their_area(local_authority, own_service, other_service):
    officer = staff(Role.LOCAL_OFFER_OFFICER, local_authority)
    assert permissions.is_officer(officer, own_service.area)
    assert set(permissions.editable_services(officer, own_service.area)) == {
        own_service,
        other_service,
    }
    assert list(permissions.officer_areas(officer)) == [own_service.area]


def test_an_officer_of_another_area_edits_nothing_here(own_service):
    elsewhere = OrganisationFactory(home_area=AreaFactory())
    officer = staff(Role.LOCAL_OFFER_OFFICER, elsewhere)
    assert not permissions.is_officer(officer, own_service.area)
    assert not permissions.can_edit_service(officer, own_service)


def test_a_provider_edits_only_its_own_services(provider_org, own_service, other_service):
    provider = staff(Role.PROVIDER, provider_org)
    assert permissions.is_provider(provider, own_service.area)
    assert not permissions.is_officer(provider, own_service.area)
    assert permissions.can_edit_service(provider, own_service)
    assert not permissions.can_edit_service(provider, other_service)


@pytest.mark.parametrize("role", [Role.EHC_COORDINATOR, Role.COMMISSIONER, Role.SEND_MANAGER])
def test_other_council_roles_edit_nothing(local_authority, own_service, role):
    user = staff(role, local_authority)
    assert not permissions.is_officer(user, own_service.area)
    assert not permissions.editable_services(user, own_service.area).exists()


def test_a_system_administrator_acts_as_an_officer(local_authority, own_service):
    admin = staff(Role.SYSTEM_ADMIN, local_authority)
    assert permissions.is_officer(admin, own_service.area)


def test_an_ended_membership_gives_nothing(local_authority, own_service):
    officer = staff(Role.LOCAL_OFFER_OFFICER, local_authority)
    officer.memberships.update(
        starts_on=dt.date(2020, 1, 1), ends_on=dt.date.today() - dt.timedelta(days=1)
    )
    assert not permissions.is_officer(officer, own_service.area)
    assert not permissions.editable_services(officer, own_service.area).exists()


def test_nobody_signed_in_edits_nothing(own_service):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not permissions.is_officer(anonymous, own_service.area)
    assert not permissions.is_provider(anonymous, own_service.area)
    assert not permissions.editable_services(anonymous, own_service.area).exists()
    assert not UserFactory().memberships.exists()
