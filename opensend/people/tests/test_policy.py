"""The access policy as a matrix of roles × relationships, for viewing and changing a record,
and the list filter checked against the single-record decision for every pair."""

import datetime as dt

import pytest

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    UserFactory,
    grant,
)
from opensend.people import policy, services
from opensend.people.models import RecordSource
from opensend.people.selectors import children_visible_to
from opensend.people.tests.factories import ChildFactory

TODAY = dt.date.today()
LONG_AGO = dt.date(2020, 9, 1)

RELATIONSHIPS = [
    "same_area",
    "same_area_with_plan",
    "other_area_with_plan",
    "involved",
    "involvement_ended",
    "on_roll",
    "left_roll",
    "own_child",
]

# role -> (organisation key, the relationships that let them VIEW)
MATRIX = {
    Role.EHC_COORDINATOR: ("la", {"same_area", "same_area_with_plan"}),
    Role.SEND_MANAGER: ("la", {"same_area", "same_area_with_plan"}),
    Role.DESIGNATED_CLINICAL_OFFICER: ("icb", {"same_area_with_plan", "involved"}),
    Role.DESIGNATED_SOCIAL_CARE_OFFICER: ("la", {"same_area_with_plan", "involved"}),
    Role.HEALTH_PRACTITIONER: ("trust", {"involved"}),
    Role.SOCIAL_WORKER: ("la", {"involved"}),
    Role.SENCO: ("school", {"on_roll"}),
    Role.COMMISSIONER: ("la", set()),
    Role.ANALYST: ("icb", set()),
    Role.BOARD_MEMBER: ("la", set()),
    Role.PROVIDER: ("provider", set()),
    Role.SYSTEM_ADMIN: ("la", set()),
    "parent": (None, {"own_child"}),
    "parent_without_responsibility": (None, set()),
    "no_membership": (None, set()),
}
CHANGERS = {Role.EHC_COORDINATOR, Role.SEND_MANAGER}


@pytest.fixture
def world(db):
    home = AreaFactory(name="Home area")
    other = AreaFactory(name="Other area")
    orgs = {
        "la": OrganisationFactory(
            name="Home council", kind=OrganisationKind.LOCAL_AUTHORITY, home_area=home
        ),
        "icb": OrganisationFactory(
            name="ICB", kind=OrganisationKind.ICB, home_area=home, areas=[home, other]
        ),
        "trust": OrganisationFactory(name="Trust", kind=OrganisationKind.NHS_TRUST, home_area=home),
        "school": SettingFactory(name="Home school", home_area=home),
        "provider": OrganisationFactory(
            name="Charity", kind=OrganisationKind.VOLUNTARY_PROVIDER, home_area=home
        ),
    }
    return home, other, orgs


def _child_for(relationship, role, user, org, home, other):
    area = home if relationship.startswith("same_area") else other
    child = ChildFactory(area=area)
    if relationship.endswith("with_plan"):
        services.sen_status_set(
            acting_user=None,
            child=child,
            status="E",
            start_date=dt.date(2024, 1, 10),
            source=RecordSource.MANUAL,
        )
    if relationship in ("involved", "involvement_ended") and org is not None:
        involvement = services.involvement_start(
            acting_user=None, child=child, organisation=org, kind="referral", start_date=LONG_AGO
        )
        if relationship == "involvement_ended":
            services.involvement_end(
                acting_user=None, involvement=involvement, end_date=dt.date(2021, 1, 1)
            )
    if relationship in ("on_roll", "left_roll") and org is not None and org.is_setting:
        placement = services.placement_start(
            acting_user=None,
            child=child,
            setting=org,
            start_date=LONG_AGO,
            source=RecordSource.MANUAL,
        )
        if relationship == "left_roll":
            services.placement_end(
                acting_user=None, placement=placement, end_date=dt.date(2021, 7, 20)
            )
    if relationship == "own_child":
        contact = services.contact_add(
            acting_user=None,
            child=child,
            full_name="A Parent",
            relationship="mother",
            has_parental_responsibility=True,
        )
        parent = user if role == "parent" else UserFactory()
        services.contact_link_user(acting_user=None, contact=contact, user=parent)
    return child


def _user_for(role, orgs, home):
    user = UserFactory()
    org_key = MATRIX[role][0]
    if org_key is not None:
        grant(user, orgs[org_key], role, areas=[home])
    return user, (orgs[org_key] if org_key else None)


@pytest.mark.parametrize("role", list(MATRIX), ids=str)
def test_matrix(world, role):
    home, other, orgs = world
    user, org = _user_for(role, orgs, home)
    children = {}
    for relationship in RELATIONSHIPS:
        children[relationship] = _child_for(relationship, role, user, org, home, other)
    if role == "parent_without_responsibility":
        contact = services.contact_add(
            acting_user=None,
            child=children["own_child"],
            full_name="A Step-parent",
            relationship="step_parent",
            has_parental_responsibility=False,
        )
        contact.user = user  # linked directly: the service refuses to link without PR
        contact.save(update_fields=["user"])

    grants = policy.grants_for(user)
    allowed_views = MATRIX[role][1]
    for relationship, child in children.items():
        view = policy.decide(grants, child, policy.Action.VIEW)
        change = policy.decide(grants, child, policy.Action.CHANGE)
        assert view.allowed == (relationship in allowed_views), (role, relationship, "view")
        assert change.allowed == (role in CHANGERS and relationship in allowed_views), (
            role,
            relationship,
            "change",
        )
        if view.allowed:
            assert view.basis is not None
            assert view.purpose != "No legitimate relationship"

    visible = set(children_visible_to(user, grants).values_list("pk", flat=True))
    expected = {
        child.pk
        for child in children.values()
        if policy.decide(grants, child, policy.Action.VIEW).allowed
    }
    assert visible == expected


def test_ended_membership_gives_nothing(world):
    home, other, orgs = world
    from opensend.core import services as core_services

    user = UserFactory()
    membership = core_services.membership_grant(
        acting_user=None,
        user=user,
        organisation=orgs["la"],
        roles=[Role.EHC_COORDINATOR],
        areas=[home],
        starts_on=dt.date(2024, 1, 1),
    )
    child = ChildFactory(area=home)
    assert policy.decide(policy.grants_for(user), child, policy.Action.VIEW).allowed
    core_services.membership_end(
        acting_user=None, membership=membership, on=TODAY - dt.timedelta(days=1)
    )
    assert not policy.decide(policy.grants_for(user), child, policy.Action.VIEW).allowed


def test_inactive_user_gets_nothing(world):
    home, other, orgs = world
    user = UserFactory()
    grant(user, orgs["la"], Role.EHC_COORDINATOR, areas=[home])
    user.is_active = False
    assert not policy.grants_for(user).sees_any_child


def test_coordinator_sees_only_the_areas_of_their_membership(world):
    home, other, orgs = world
    both = OrganisationFactory(name="Shared service council", home_area=home, areas=[home, other])
    user = UserFactory()
    grant(user, both, Role.EHC_COORDINATOR, areas=[other])
    grants = policy.grants_for(user)
    assert not policy.decide(grants, ChildFactory(area=home), policy.Action.VIEW).allowed
    assert policy.decide(grants, ChildFactory(area=other), policy.Action.VIEW).allowed


def test_basis_names_the_broadest_duty(world):
    home, other, orgs = world
    user = UserFactory()
    grant(user, orgs["la"], Role.EHC_COORDINATOR, Role.SOCIAL_WORKER, areas=[home])
    child = ChildFactory(area=home)
    services.involvement_start(
        acting_user=None,
        child=child,
        organisation=orgs["la"],
        kind="open_case",
        start_date=LONG_AGO,
    )
    decision = policy.decide(policy.grants_for(user), child, policy.Action.VIEW)
    assert decision.basis == policy.Basis.LA_AREA
    assert decision.organisation_id == orgs["la"].pk


def test_a_senco_role_cannot_be_held_at_a_council(world):
    from django.core.exceptions import ValidationError

    home, other, orgs = world
    with pytest.raises(ValidationError, match="SENCO is not a role in a local authority"):
        grant(UserFactory(), orgs["la"], Role.SENCO, areas=[home])


def test_a_membership_only_covers_areas_the_organisation_serves(world):
    from django.core.exceptions import ValidationError

    home, other, orgs = world
    with pytest.raises(ValidationError, match="does not serve Other area"):
        grant(UserFactory(), orgs["la"], Role.EHC_COORDINATOR, areas=[other])
