"""The services: every refusal and validation error, atomic writes, the access log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opensend.commissioning import services
from opensend.commissioning.models import (
    Commission,
    Contribution,
    Decision,
    DecisionAgreement,
    IndividualCommission,
)
from opensend.commissioning.tests import factories
from opensend.core.models import AccessAction, AccessLogEntry, AccessLogSubject
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def contribution(organisation, stream, amount):
    return services.ContributionInput(
        commissioner=organisation, funding_stream=stream, annual_amount=Decimal(amount)
    )


def pooled_fields(world, **overrides):
    fields = {
        "reference": "HV-SALT-01",
        "title": "Joint speech and language therapy service",
        "purpose": "Speech and language therapy for children with SEND.",
        "provision_type": "salt",
        "provider": world.trust,
        "start_date": dt.date(2026, 4, 1),
        "end_date": dt.date(2029, 3, 31),
        "annual_value": Decimal(250000),
        "whole_life_value": Decimal(750000),
        "capacity_quantity": Decimal(600),
        "capacity_unit": "places",
        "arrangement": "pooled",
        "lead_commissioner": None,
        "s75_reference": "S75-HV-2026-01",
        "status": "live",
        "outcomes": "Waits under 18 weeks",
    }
    fields.update(overrides)
    return fields


def pooled_contributions(world, icb_amount=100000):
    return [
        contribution(world.council, "high_needs", 150000),
        contribution(world.icb, "icb", icb_amount),
    ]


def test_a_commissioner_records_a_pooled_commission_with_its_contributions(world):
    commission = services.commission_create(
        acting_user=world.la_commissioner,
        area=world.area,
        contributions=pooled_contributions(world),
        **pooled_fields(world),
    )
    assert commission.arrangement == "pooled"
    assert sorted(commission.contributions.values_list("commissioner__name", "annual_amount")) == [
        ("Halford Vale Council", Decimal("150000.00")),
        ("Halford Vale Integrated Care Board", Decimal("100000.00")),
    ]
    entry = AccessLogEntry.objects.filter(object_type=services.COMMISSION).get()
    assert entry.action == AccessAction.CREATE
    assert entry.actor == world.la_commissioner


@pytest.mark.parametrize(
    ("overrides", "icb_amount", "field", "message"),
    [
        (
            {"end_date": dt.date(2026, 3, 1)},
            100000,
            "end_date",
            "The end date must be on or after the day the contract starts",
        ),
        ({}, 90000, "contributions", "The contributions add up to £240,000.00 a year"),
        ({"s75_reference": ""}, 100000, "s75_reference", "section 75 agreement"),
        ({"arrangement": "lead"}, 100000, "lead_commissioner", "Select the lead commissioner"),
        ({"arrangement": "sole"}, 100000, "arrangement", "A sole arrangement has one commissioner"),
        ({"capacity_unit": ""}, 100000, "capacity_unit", "Select what the capacity is counted in"),
        ({"provision_type": "magic"}, 100000, "provision_type", "not a valid choice"),
    ],
)
def test_a_commission_that_does_not_hold_together_is_refused_and_nothing_is_written(
    world, overrides, icb_amount, field, message
):
    with pytest.raises(ValidationError) as refused:
        services.commission_create(
            acting_user=world.la_commissioner,
            area=world.area,
            contributions=pooled_contributions(world, icb_amount),
            **pooled_fields(world, **overrides),
        )
    assert message in " ".join(refused.value.message_dict[field])
    assert not Commission.objects.exists()
    assert not Contribution.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type=services.COMMISSION).exists()


def test_a_bad_contribution_row_is_named_by_its_position(world):
    with pytest.raises(ValidationError) as refused:
        services.commission_create(
            acting_user=world.la_commissioner,
            area=world.area,
            contributions=[
                contribution(world.council, "high_needs", 150000),
                contribution(world.icb, "high_needs", 100000),
            ],
            **pooled_fields(world),
        )
    assert refused.value.message_dict["contributions.1.funding_stream"] == [
        "Halford Vale Integrated Care Board does not hold the High needs block (DSG) budget"
    ]


def test_the_same_reference_twice_in_an_area_is_refused(world):
    factories.commission(
        world.area, world.trust, [(world.council, "high_needs", 100000)], reference="HV-1"
    )
    with pytest.raises(ValidationError) as refused:
        factories.commission(
            world.area, world.trust, [(world.council, "high_needs", 100000)], reference="HV-1"
        )
    assert "already has the reference HV-1" in refused.value.message_dict["reference"][0]


def test_a_contribution_failing_after_the_commission_is_saved_leaves_nothing(world):
    """The database refuses a zero contribution after the commission row is written: the
    transaction takes the commission with it."""
    with pytest.raises(ValidationError) as refused:
        services.commission_create(
            acting_user=world.la_commissioner,
            area=world.area,
            contributions=[contribution(world.council, "high_needs", "250000.001")],
            **pooled_fields(world, arrangement="sole", s75_reference=""),
        )
    assert "contributions.0.annual_amount" in refused.value.message_dict
    assert not Commission.objects.exists()


@pytest.mark.parametrize("who", ["trust_user", "board_member", "other_commissioner"])
def test_only_the_areas_commissioners_create_commissions(world, who):
    with pytest.raises(PermissionDenied):
        services.commission_create(
            acting_user=getattr(world, who),
            area=world.area,
            contributions=pooled_contributions(world),
            **pooled_fields(world),
        )
    assert not Commission.objects.exists()


def test_an_icb_commissioner_may_record_too(world):
    commission = services.commission_create(
        acting_user=world.icb_commissioner,
        area=world.area,
        contributions=pooled_contributions(world),
        **pooled_fields(world),
    )
    assert commission.pk


def test_update_replaces_the_contributions_atomically(world):
    commission = services.commission_create(
        acting_user=world.la_commissioner,
        area=world.area,
        contributions=pooled_contributions(world),
        **pooled_fields(world),
    )
    with pytest.raises(ValidationError):
        services.commission_update(
            acting_user=world.la_commissioner,
            commission=commission,
            contributions=[contribution(world.council, "high_needs", 1)],
            annual_value=Decimal(250000),
        )
    assert commission.contributions.count() == 2
    services.commission_update(
        acting_user=world.la_commissioner,
        commission=commission,
        contributions=[
            contribution(world.council, "high_needs", 200000),
            contribution(world.icb, "icb", 100000),
        ],
        annual_value=Decimal(300000),
        whole_life_value=Decimal(900000),
    )
    commission.refresh_from_db()
    assert commission.annual_value == Decimal(300000)
    assert sorted(commission.contributions.values_list("annual_amount", flat=True)) == [
        Decimal(100000),
        Decimal(200000),
    ]
    with pytest.raises(PermissionDenied):
        services.commission_update(
            acting_user=world.trust_user, commission=commission, contributions=[]
        )


def test_local_offer_services_of_another_area_are_refused(world):
    from opensend.directory.tests.factories import ServiceFactory

    elsewhere = ServiceFactory(area=world.other_area, name="Northmoor Talking Club")
    with pytest.raises(ValidationError) as refused:
        services.commission_create(
            acting_user=world.la_commissioner,
            area=world.area,
            contributions=pooled_contributions(world),
            services=[elsewhere],
            **pooled_fields(world),
        )
    assert "Northmoor Talking Club is not in the Local Offer" in refused.value.messages[0]
    here = ServiceFactory(area=world.area, name="Halford Talking Club")
    commission = services.commission_create(
        acting_user=world.la_commissioner,
        area=world.area,
        contributions=pooled_contributions(world),
        services=[here],
        **pooled_fields(world),
    )
    assert list(commission.services.all()) == [here]


# --- the cycle ---------------------------------------------------------------------------


@pytest.fixture
def pooled(world):
    return services.commission_create(
        acting_user=world.la_commissioner,
        area=world.area,
        contributions=pooled_contributions(world),
        **pooled_fields(world),
    )


def test_the_cycle_decisions_and_agreements(world, pooled):
    understand = services.cycle_stage_start(
        acting_user=world.la_commissioner,
        commission=pooled,
        stage="understand",
        started_on=dt.date(2025, 9, 1),
    )
    plan = services.cycle_stage_start(
        acting_user=world.la_commissioner,
        commission=pooled,
        stage="plan",
        started_on=dt.date(2025, 11, 1),
    )
    understand.refresh_from_db()
    assert understand.completed_on == dt.date(2025, 11, 1)
    decision = services.decision_record(
        acting_user=world.la_commissioner,
        stage=plan,
        summary="Pool the SALT budgets under a section 75 agreement",
        decided_on=dt.date(2025, 11, 20),
        evidence=[services.EvidenceInput(title="Board paper", url="https://example.org/paper")],
    )
    assert decision.evidence.get().url == "https://example.org/paper"
    agreement = services.decision_agree(
        acting_user=world.la_commissioner,
        decision=decision,
        organisation=world.icb,
        agreed_by_name="Dr Ada Example, ICB director",
        agreed_on=dt.date(2025, 11, 25),
    )
    assert agreement.organisation == world.icb
    with pytest.raises(ValidationError) as twice:
        services.decision_agree(
            acting_user=world.la_commissioner,
            decision=decision,
            organisation=world.icb,
            agreed_by_name="Again",
            agreed_on=dt.date(2025, 11, 26),
        )
    assert "already agreed" in twice.value.message_dict["organisation"][0]


def test_a_decision_agreed_by_an_organisation_not_party_is_refused(world, pooled):
    stage = services.cycle_stage_start(
        acting_user=world.la_commissioner,
        commission=pooled,
        stage="do",
        started_on=dt.date(2026, 1, 1),
    )
    decision = services.decision_record(
        acting_user=world.la_commissioner,
        stage=stage,
        summary="Award to the trust",
        decided_on=dt.date(2026, 2, 1),
    )
    with pytest.raises(ValidationError) as refused:
        services.decision_agree(
            acting_user=world.la_commissioner,
            decision=decision,
            organisation=world.charity,
            agreed_by_name="Someone",
            agreed_on=dt.date(2026, 2, 2),
        )
    assert refused.value.message_dict["organisation"] == [
        "Brightwater Sensory Therapy is not party to this commission, so cannot agree its decisions"
    ]
    assert not DecisionAgreement.objects.exists()


@pytest.mark.parametrize(
    ("summary", "decided_on", "field"),
    [
        ("", dt.date(2026, 2, 1), "summary"),
        ("Award", dt.date(2025, 12, 1), "decided_on"),
        ("Award", dt.date(2099, 1, 1), "decided_on"),
    ],
)
def test_decision_errors(world, pooled, summary, decided_on, field):
    stage = services.cycle_stage_start(
        acting_user=world.la_commissioner,
        commission=pooled,
        stage="do",
        started_on=dt.date(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as refused:
        services.decision_record(
            acting_user=world.la_commissioner, stage=stage, summary=summary, decided_on=decided_on
        )
    assert field in refused.value.message_dict
    assert not Decision.objects.exists()


def test_a_project_stage_and_its_partners(world):
    project = services.project_create(
        acting_user=world.la_commissioner,
        area=world.area,
        title="Sensory OT needs review",
        partners=[world.council, world.icb],
    )
    stage = services.cycle_stage_start(
        acting_user=world.la_commissioner,
        project=project,
        stage="understand",
        started_on=dt.date(2026, 1, 5),
    )
    decision = services.decision_record(
        acting_user=world.la_commissioner,
        stage=stage,
        summary="Commission a sensory OT service",
        decided_on=dt.date(2026, 2, 1),
    )
    services.decision_agree(
        acting_user=world.la_commissioner,
        decision=decision,
        organisation=world.icb,
        agreed_by_name="ICB lead",
        agreed_on=dt.date(2026, 2, 2),
    )
    with pytest.raises(ValidationError):
        services.decision_agree(
            acting_user=world.la_commissioner,
            decision=decision,
            organisation=world.trust,
            agreed_by_name="Trust lead",
            agreed_on=dt.date(2026, 2, 2),
        )
    with pytest.raises(ValidationError):
        services.cycle_stage_start(
            acting_user=world.la_commissioner, stage="plan", started_on=dt.date(2026, 3, 1)
        )


def test_only_commissioners_record_decisions(world, pooled):
    stage = services.cycle_stage_start(
        acting_user=world.la_commissioner,
        commission=pooled,
        stage="do",
        started_on=dt.date(2026, 1, 1),
    )
    with pytest.raises(PermissionDenied):
        services.decision_record(
            acting_user=world.trust_user, stage=stage, summary="x", decided_on=dt.date(2026, 1, 2)
        )
    with pytest.raises(PermissionDenied):
        services.cycle_stage_start(
            acting_user=world.board_member,
            commission=pooled,
            stage="review",
            started_on=dt.date(2026, 1, 2),
        )


# --- spot purchases ----------------------------------------------------------------------


@pytest.fixture
def planned_children(world):
    child = ChildFactory(area=world.area, forename="Sam", surname="Spot")
    other = ChildFactory(area=world.area, forename="Alex", surname="Other")
    plan = ehc.plan_for(child)
    other_plan = ehc.plan_for(other)
    line = plan.versions.order_by("-number").first().lines.first()
    other_line = other_plan.versions.order_by("-number").first().lines.first()
    return child, line, other_line


def spot(world, child, line, **overrides):
    values = {
        "acting_user": world.la_commissioner,
        "child": child,
        "provision_line": line,
        "commissioner": world.council,
        "provider": world.charity,
        "provision_type": "sensory_ot",
        "cost": Decimal("2400.00"),
        "start_date": dt.date(2026, 1, 5),
        "end_date": dt.date(2026, 7, 17),
        "description": "Twelve sessions of sensory integration therapy",
    }
    values.update(overrides)
    return services.spot_purchase_record(**values)


def test_a_spot_purchase_is_recorded_with_its_access_log_entry(world, planned_children):
    child, line, _ = planned_children
    purchase = spot(world, child, line)
    assert purchase.reference.startswith("SP")
    entry = AccessLogEntry.objects.filter(object_type=services.SPOT_PURCHASE).get()
    assert entry.action == AccessAction.CREATE
    assert list(
        AccessLogSubject.objects.filter(entry=entry).values_list("subject_type", "subject_id")
    ) == [("people.child", str(child.pk))]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": dt.date(2026, 1, 1)}, "end_date", "on or after the day the purchase starts"),
        ({"cost": Decimal(-1)}, "cost", "cannot be negative"),
        ({"commissioner": "icb"}, "commissioner", "only for an organisation you commission for"),
        ({"provision_line": "other"}, "provision_line", "another child's EHC plan"),
    ],
)
def test_spot_purchase_errors(world, planned_children, overrides, field, message):
    child, line, other_line = planned_children
    if overrides.get("commissioner") == "icb":
        overrides["commissioner"] = world.icb
    if overrides.get("provision_line") == "other":
        overrides["provision_line"] = other_line
    with pytest.raises(ValidationError) as refused:
        spot(world, child, line, **overrides)
    assert message in " ".join(refused.value.message_dict[field])
    assert not IndividualCommission.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type=services.SPOT_PURCHASE).exists()


@pytest.mark.parametrize("who", ["trust_user", "board_member", "other_commissioner"])
def test_only_the_areas_commissioners_record_spot_purchases(world, planned_children, who):
    child, line, _ = planned_children
    with pytest.raises(PermissionDenied):
        spot(world, child, line, acting_user=getattr(world, who))
