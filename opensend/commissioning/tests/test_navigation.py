"""The navigation offers commissioning, waiting lists, the board dashboard and performance to
those who may use them."""

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
        for text in (
            "Waiting lists",
            "Commissioning",
            "Board dashboard",
            "Performance",
            "Local Offer",
        )
        if re.search(rf'class="govuk-service-navigation__link"[^>]*>\s*{text}\s*<', home)
    ]


@pytest.mark.parametrize(
    ("role", "with_pathway", "menu"),
    [
        (Role.COMMISSIONER, False, ["Commissioning", "Board dashboard", "Performance"]),
        (
            Role.COMMISSIONER,
            True,
            ["Waiting lists", "Commissioning", "Board dashboard", "Performance"],
        ),
        (Role.BOARD_MEMBER, True, ["Commissioning", "Board dashboard", "Performance"]),
        (Role.SEND_MANAGER, False, ["Board dashboard", "Performance"]),
        (Role.ANALYST, False, ["Board dashboard", "Performance"]),
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
    # providers supply their contracts' KPIs (Performance) but do not read the board's dashboard
    assert _menu(client) == ["Waiting lists", "Commissioning", "Performance", "Local Offer"]


@pytest.mark.parametrize(
    ("role", "gaps", "disputes"),
    [
        (Role.COMMISSIONER, True, True),
        (Role.BOARD_MEMBER, True, False),
        (Role.PROVIDER, False, False),
    ],
)
def test_the_commission_list_links_to_the_gap_analysis_and_disputes(
    client, area, local_authority, role, gaps, disputes
):
    organisation = local_authority if role != Role.PROVIDER else TrustFactory(home_area=area)
    client.force_login(staff(role, organisation))
    page = client.get("/commissioning/").content.decode()
    assert ('href="/commissioning/gaps/"' in page) is gaps
    assert ('href="/commissioning/disputes/"' in page) is disputes
