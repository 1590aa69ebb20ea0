"""The small partnership the performance framework's tests work in: Halford Vale's council
and ICB, two providers each with a contract, an officer of each kind, a provider user at each
provider, a board member, and a second area with its own commissioner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from opensend.commissioning.models import Commission
from opensend.core.models import Area, Organisation, User
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, staff
from opensend.insight.tests.factories import contract


@dataclass
class Partnership:
    area: Area
    council: Organisation
    icb: Organisation
    trust: Organisation
    charity: Organisation
    commissioner: User
    send_manager: User
    trust_user: User
    charity_user: User
    board_member: User
    coordinator: User
    trust_contract: Commission
    charity_contract: Commission
    other_area: Area
    other_commissioner: User


@pytest.fixture
def world(area, local_authority, coordinator):
    icb = OrganisationFactory(
        name="Halford Vale Integrated Care Board", kind=OrganisationKind.ICB, home_area=area
    )
    trust = OrganisationFactory(
        name="Halford Community Health NHS Trust", kind=OrganisationKind.NHS_TRUST, home_area=area
    )
    charity = OrganisationFactory(
        name="Brightwater Sensory Therapy",
        kind=OrganisationKind.VOLUNTARY_PROVIDER,
        home_area=area,
    )
    other_area = AreaFactory(name="Northmoor", la_code="991")
    other_council = OrganisationFactory(name="Northmoor Council", home_area=other_area)
    return Partnership(
        area=area,
        council=local_authority,
        icb=icb,
        trust=trust,
        charity=charity,
        commissioner=staff(Role.COMMISSIONER, icb, full_name="Isla Commissioner"),
        send_manager=staff(Role.SEND_MANAGER, local_authority, full_name="Sam Manager"),
        trust_user=staff(Role.PROVIDER, trust, full_name="Tariq Provider"),
        charity_user=staff(Role.PROVIDER, charity, full_name="Cara Provider"),
        board_member=staff(Role.BOARD_MEMBER, local_authority, full_name="Bea Board"),
        coordinator=coordinator,
        trust_contract=contract(area, trust, local_authority),
        charity_contract=contract(area, charity, local_authority),
        other_area=other_area,
        other_commissioner=staff(Role.COMMISSIONER, other_council, full_name="Omar Other"),
    )
