"""Responsibility disputes: raising and resolving them (services and pages), who may, and
the errors for bad input, with nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from opensend.commissioning import services
from opensend.commissioning.models import ResponsibilityDispute
from opensend.core.models import AccessAction, AccessLogEntry
from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def plan_line(world):
    plan = ehc.plan_for(ChildFactory(area=world.area))
    return plan.versions.get(state="issued").lines.get()


def raise_one(world, line, **overrides):
    values = {
        "acting_user": world.la_commissioner,
        "provision_line": line,
        "disputing_organisation": world.icb,
        "disputed": "The ICB says this is educational provision.",
        "raised_on": TODAY - dt.timedelta(days=10),
    }
    values.update(overrides)
    return services.dispute_raise(**values)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_raise_and_resolve(world, plan_line):
    dispute = raise_one(world, plan_line)
    assert dispute.is_open
    assert dispute.area == world.area
    assert dispute.reference == f"RD{dispute.pk:05d}"
    created = AccessLogEntry.objects.get(object_type=services.DISPUTE, action=AccessAction.CREATE)
    assert created.subjects.get().subject_id == str(plan_line.version.plan.child_id)
    services.dispute_resolve(
        acting_user=world.icb_commissioner,
        dispute=dispute,
        resolved_on=TODAY,
        outcome="shared",
        outcome_note=" Split 50:50 ",
    )
    dispute.refresh_from_db()
    assert (dispute.resolved_on, dispute.outcome, dispute.outcome_note) == (
        TODAY,
        "shared",
        "Split 50:50",
    )
    assert dispute.resolved_by == world.icb_commissioner
    assert AccessLogEntry.objects.filter(
        object_type=services.DISPUTE, action=AccessAction.CHANGE
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"disputed": "  "}, "disputed", "Enter what is disputed"),
        ({"raised_on": TODAY + dt.timedelta(days=1)}, "raised_on", "today or earlier"),
        (
            {"disputing_organisation": "trust"},
            "disputing_organisation",
            "is not the council or an ICB",
        ),
        (
            {"disputing_organisation": "other_council"},
            "disputing_organisation",
            "is not the council",
        ),
    ],
)
def test_raising_refuses_bad_input(world, plan_line, overrides, field, message):
    if isinstance(overrides.get("disputing_organisation"), str):
        overrides = {"disputing_organisation": getattr(world, overrides["disputing_organisation"])}
    with pytest.raises(ValidationError) as error:
        raise_one(world, plan_line, **overrides)
    assert message in " ".join(error.value.message_dict[field])
    assert not ResponsibilityDispute.objects.exists()


def test_one_open_dispute_per_line_and_organisation(world, plan_line):
    raise_one(world, plan_line)
    with pytest.raises(ValidationError) as error:
        raise_one(world, plan_line)
    assert "already has an open dispute" in error.value.message_dict["provision_line"][0]
    raise_one(world, plan_line, disputing_organisation=world.council)  # another organisation
    assert ResponsibilityDispute.objects.count() == 2


@pytest.mark.parametrize("who", ["board_member", "trust_user", "other_commissioner"])
def test_only_the_areas_commissioners_raise(world, plan_line, who):
    with pytest.raises(PermissionDenied):
        raise_one(world, plan_line, acting_user=getattr(world, who))
    assert not ResponsibilityDispute.objects.exists()


@pytest.mark.parametrize(
    ("resolved_on", "outcome", "field", "message"),
    [
        (TODAY - dt.timedelta(days=11), "accepted", "resolved_on", "before it was raised"),
        (TODAY + dt.timedelta(days=1), "accepted", "resolved_on", "today or earlier"),
        (TODAY, "lost", "outcome", "Select how the dispute was resolved"),
    ],
)
def test_resolving_refuses_bad_input(world, plan_line, resolved_on, outcome, field, message):
    dispute = raise_one(world, plan_line)
    with pytest.raises(ValidationError) as error:
        services.dispute_resolve(
            acting_user=world.la_commissioner,
            dispute=dispute,
            resolved_on=resolved_on,
            outcome=outcome,
        )
    assert message in error.value.message_dict[field][0]
    dispute.refresh_from_db()
    assert dispute.is_open


def test_a_dispute_is_resolved_once(world, plan_line):
    dispute = raise_one(world, plan_line)
    services.dispute_resolve(
        acting_user=None, dispute=dispute, resolved_on=TODAY, outcome="withdrawn"
    )
    with pytest.raises(ValidationError) as error:
        services.dispute_resolve(
            acting_user=None, dispute=dispute, resolved_on=TODAY, outcome="moved"
        )
    assert "already resolved" in error.value.message_dict["resolved_on"][0]
    dispute.refresh_from_db()
    assert dispute.outcome == "withdrawn"


def test_only_the_areas_commissioners_resolve(world, plan_line):
    dispute = raise_one(world, plan_line)
    with pytest.raises(PermissionDenied):
        services.dispute_resolve(
            acting_user=world.board_member, dispute=dispute, resolved_on=TODAY, outcome="accepted"
        )


# --- pages ------------------------------------------------------------------------------------


def test_the_list(world, plan_line):
    dispute = raise_one(world, plan_line)
    response = client_for(world.la_commissioner).get("/commissioning/disputes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert dispute.reference in html
    assert "Resolve" in html
    assert "Record a dispute" in html
    manager = staff(Role.SEND_MANAGER, world.council)
    html = client_for(manager).get("/commissioning/disputes/").content.decode()
    assert dispute.reference in html
    assert "Record a dispute" not in html  # SEND managers see, commissioners act


@pytest.mark.parametrize(("who", "status"), [("board_member", 404), ("trust_user", 403)])
def test_the_list_is_not_for_others(world, who, status):
    assert client_for(getattr(world, who)).get("/commissioning/disputes/").status_code == status


def test_record_a_dispute_on_the_page(world, plan_line):
    client = client_for(world.la_commissioner)
    assert client.get("/commissioning/disputes/new/").status_code == 200
    data = {
        "provision_line_id": str(plan_line.pk),
        "disputing_organisation": str(world.icb.pk),
        "disputed": "Health or education?",
        "raised_on_day": "1",
        "raised_on_month": "3",
        "raised_on_year": "2026",
    }
    response = client.post("/commissioning/disputes/new/", data)
    assert response.status_code == 302
    dispute = ResponsibilityDispute.objects.get()
    assert dispute.raised_on == dt.date(2026, 3, 1)
    response = client.post(
        f"/commissioning/disputes/{dispute.pk}/resolve/",
        {
            "outcome": "accepted",
            "resolved_on_day": "2",
            "resolved_on_month": "3",
            "resolved_on_year": "2026",
        },
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.outcome == "accepted"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"provision_line_id": "999999"},
            "There is no provision line 999999 in a plan of Halford Vale",
        ),
        ({"provision_line_id": "abc"}, "The provision line number must be a number"),
        ({"disputed": ""}, "Enter what is disputed"),
        ({"disputing_organisation": ""}, "Select who disputes responsibility"),
        ({"raised_on_year": "2999"}, "must be today or in the past"),
    ],
)
def test_the_form_explains_bad_input(world, plan_line, changes, message):
    data = {
        "provision_line_id": str(plan_line.pk),
        "disputing_organisation": str(world.icb.pk),
        "disputed": "Health or education?",
        "raised_on_day": "1",
        "raised_on_month": "3",
        "raised_on_year": "2026",
        **changes,
    }
    response = client_for(world.la_commissioner).post("/commissioning/disputes/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ResponsibilityDispute.objects.exists()


def test_a_line_of_another_area_is_not_found_on_the_form(world):
    other_line = (
        ehc.plan_for(ChildFactory(area=world.other_area)).versions.get(state="issued").lines.get()
    )
    response = client_for(world.la_commissioner).post(
        "/commissioning/disputes/new/",
        {
            "provision_line_id": str(other_line.pk),
            "disputing_organisation": str(world.icb.pk),
            "disputed": "x",
            "raised_on_day": "1",
            "raised_on_month": "3",
            "raised_on_year": "2026",
        },
    )
    assert response.status_code == 400
    assert not ResponsibilityDispute.objects.exists()


def test_others_cannot_open_the_forms(world, plan_line):
    dispute = raise_one(world, plan_line)
    manager = staff(Role.SEND_MANAGER, world.council)
    assert client_for(manager).get("/commissioning/disputes/new/").status_code == 403
    assert (
        client_for(manager).get(f"/commissioning/disputes/{dispute.pk}/resolve/").status_code == 403
    )
    assert (
        client_for(world.other_commissioner)
        .get(f"/commissioning/disputes/{dispute.pk}/resolve/")
        .status_code
        == 404
    )


def test_resolving_twice_on_the_page_is_explained(world, plan_line):
    dispute = raise_one(world, plan_line)
    services.dispute_resolve(
        acting_user=None, dispute=dispute, resolved_on=TODAY, outcome="withdrawn"
    )
    response = client_for(world.la_commissioner).post(
        f"/commissioning/disputes/{dispute.pk}/resolve/",
        {
            "outcome": "accepted",
            "resolved_on_day": str(TODAY.day),
            "resolved_on_month": str(TODAY.month),
            "resolved_on_year": str(TODAY.year),
        },
    )
    assert response.status_code == 400
    assert "already resolved" in response.content.decode()
