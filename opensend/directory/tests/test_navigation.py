"""The staff navigation offers the Local Offer to those who run it, and to no one else."""

from __future__ import annotations

import re

import pytest

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import OrganisationFactory, staff

pytestmark = pytest.mark.django_db


def _offered(client) -> bool:
    home = client.get("/").content.decode()
    return bool(re.search(r'class="govuk-service-navigation__link"[^>]*>\s*Local Offer\s*<', home))


@pytest.mark.parametrize(
    ("role", "kind", "offered"),
    [
        (Role.LOCAL_OFFER_OFFICER, OrganisationKind.LOCAL_AUTHORITY, True),
        (Role.SYSTEM_ADMIN, OrganisationKind.LOCAL_AUTHORITY, True),
        (Role.PROVIDER, OrganisationKind.VOLUNTARY_PROVIDER, True),
        (Role.EHC_COORDINATOR, OrganisationKind.LOCAL_AUTHORITY, False),
        (Role.COMMISSIONER, OrganisationKind.LOCAL_AUTHORITY, False),
    ],
)
def test_who_is_offered_the_local_offer(client, area, role, kind, offered):
    organisation = OrganisationFactory(kind=kind, home_area=area)
    client.force_login(staff(role, organisation))
    assert _offered(client) is offered


def test_the_link_opens_the_officers_services(client, area, local_authority):
    client.force_login(staff(Role.LOCAL_OFFER_OFFICER, local_authority))
    response = client.get("/local-offer/manage/")
    assert response.status_code == 302
    assert response["Location"] == f"/local-offer/manage/{area.la_code}/"
