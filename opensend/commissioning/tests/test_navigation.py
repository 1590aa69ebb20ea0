"""The navigation offers commissioning and waiting lists to those who may use them."""

from __future__ import annotations

import re

import pytest

from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.pathways.tests.factories import PathwayFactory, TrustFactory

pytestmark = pytest.mark.django_db


def _menu(client) -> list[str]:
    home = client.get("/").content.decode()
    return [
        text
        for text in ("Waiting lists", "Commissioning", "Local Offer")
        if re.search(rf'class="govuk-service-navigation__link"[^>]*>\s*{text}\s*<', home)
    ]


@pytest.mark.parametrize(
    ("role", "with_pathway", "menu"),
    [
        (Role.COMMISSIONER, False, ["Commissioning"]),
        (Role.COMMISSIONER, True, ["Waiting lists", "Commissioning"]),
        (Role.BOARD_MEMBER, True, ["Commissioning"]),
        (Role.EHC_COORDINATOR, True, []),
    ],
)
def test_who_is_offered_what(client, area, local_authority, role, with_pathway, menu):
    if with_pathway:
        PathwayFactory(area=area, provider=TrustFactory(home_area=area))
    client.force_login(staff(role, local_authority))
    assert _menu(client) == menu


def test_a_providers_staff_are_offered_their_waiting_lists(client, area):
    trust = TrustFactory(home_area=area)
    PathwayFactory(area=area, provider=trust)
    client.force_login(staff(Role.PROVIDER, trust))
    assert _menu(client) == ["Waiting lists", "Commissioning", "Local Offer"]
