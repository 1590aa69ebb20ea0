"""The commissions the generator writes for a synthetic area: the seeds' picture (joint SALT,
a pooled equipment store, CAMHS, the neurodevelopmental service, SENDIASS, mediation, short
breaks, one nearing expiry), every commission valid under the commissioning rules, the cycle's
decisions agreed by parties only, sensory OT bought child by child and never commissioned, and
the same rows for the same seed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction

from opensend.commissioning import rules
from opensend.commissioning import services as commissioning_services
from opensend.commissioning.codes import Arrangement, FundingStream, ProvisionType
from opensend.commissioning.models import (
    Commission,
    CommissioningProject,
    DecisionAgreement,
    IndividualCommission,
)
from opensend.commissioning.permissions import access_for
from opensend.core.models import Membership
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory
from opensend.ehc.models import PlanStatus, ProvisionLine, VersionState
from opensend.pathways.models import PathwayKind, Referral
from opensend.synth import demo, generator
from opensend.synth.generator.commissioning import (
    SENSORY_OT_LINE,
    clear_commissioning,
    commissioning_add_if_missing,
    commissioning_generate,
)
from opensend.synth.generator.pathways import clear_pathways
from opensend.synth.generator.performance import clear_performance

REFERENCE = dt.date(2026, 1, 15)

pytestmark = pytest.mark.django_db


def make(profile="halton", scale=0.2, seed=1, la_code=None, replace=False):
    options = generator.make_options(
        profile=profile, scale=scale, seed=seed, la_code=la_code, on=REFERENCE
    )
    return generator.generate(acting_user=None, options=options, replace=replace)


@contextmanager
def generated(django_db_blocker, **options):
    with django_db_blocker.unblock(), transaction.atomic():
        yield make(**options)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def halton(django_db_setup, django_db_blocker):
    with generated(django_db_blocker, la_code="996") as result:
        yield result


def by_type(area, provision_type):
    return list(
        Commission.objects.filter(area=area, provision_type=provision_type).prefetch_related(
            "contributions__commissioner"
        )
    )


def kinds(commission):
    return {c.commissioner.kind for c in commission.contributions.all()}


def total(commission):
    return sum((c.annual_amount for c in commission.contributions.all()), Decimal(0))


def digest(area):
    rows = [
        list(
            Commission.objects.filter(area=area)
            .order_by("reference")
            .values_list(
                "reference",
                "title",
                "provider__name",
                "start_date",
                "end_date",
                "annual_value",
                "whole_life_value",
                "capacity_quantity",
                "arrangement",
                "review_date",
                "reprocurement_decision_date",
            )
        ),
        list(
            IndividualCommission.objects.filter(area=area)
            .order_by("child__nhs_number", "start_date")
            .values_list("child__nhs_number", "cost", "start_date", "description")
        ),
        list(
            DecisionAgreement.objects.filter(decision__stage__commission__area=area)
            .order_by("decision__decided_on", "organisation__name")
            .values_list("decision__summary", "organisation__name", "agreed_by_name", "agreed_on")
        ),
    ]
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


# --- the seeds' picture ------------------------------------------------------------------------


def test_speech_and_language_therapy_is_joint_with_contributions_that_add_up(halton):
    (salt,) = by_type(halton.area, ProvisionType.SALT)
    assert salt.arrangement == Arrangement.LEAD
    assert salt.lead_commissioner.kind == OrganisationKind.ICB
    assert kinds(salt) == {OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB}
    streams = {c.funding_stream for c in salt.contributions.all()}
    assert streams == {FundingStream.ICB, FundingStream.HIGH_NEEDS}
    assert total(salt) == salt.annual_value
    names = {service.name for service in salt.services.all()}
    assert names and all("speech and language" in name for name in names)


def test_the_equipment_store_is_a_pooled_budget_under_section_75(halton):
    (store,) = by_type(halton.area, ProvisionType.EQUIPMENT)
    assert store.arrangement == Arrangement.POOLED
    assert store.s75_reference.startswith("S75/")
    assert kinds(store) == {OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB}
    assert total(store) == store.annual_value


def test_camhs_is_commissioned_by_the_icb_alone(halton):
    (camhs,) = by_type(halton.area, ProvisionType.CAMHS)
    assert camhs.arrangement == Arrangement.SOLE
    assert kinds(camhs) == {OrganisationKind.ICB}
    assert camhs.provider.name.endswith("Mental Health NHS Foundation Trust")


def test_sendiass_is_on_aligned_budgets_and_mediation_and_short_breaks_are_there(halton):
    advice = {c.title: c for c in by_type(halton.area, ProvisionType.ADVICE)}
    sendiass = next(c for title, c in advice.items() if "SENDIASS" in title)
    assert sendiass.arrangement == Arrangement.ALIGNED
    assert kinds(sendiass) == {OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB}
    assert total(sendiass) == sendiass.annual_value
    assert any("mediation" in title for title in advice)
    (breaks,) = by_type(halton.area, ProvisionType.SHORT_BREAKS)
    assert {c.funding_stream for c in breaks.contributions.all()} == {FundingStream.SOCIAL_CARE}


def test_the_neurodevelopmental_service_is_contracted_below_its_demand(halton):
    (nd,) = by_type(halton.area, ProvisionType.NEURODEVELOPMENTAL)
    year_ago = REFERENCE - dt.timedelta(days=365)
    referred = Referral.objects.filter(
        pathway__area=halton.area,
        pathway__kind__in=[PathwayKind.AUTISM, PathwayKind.ADHD],
        received_on__gt=year_ago,
    ).count()
    assert nd.capacity_quantity is not None
    assert nd.capacity_quantity < referred


def test_one_contract_nears_expiry_with_a_reprocurement_decision_due(halton):
    due = Commission.objects.filter(area=halton.area, reprocurement_decision_date__isnull=False)
    (salt,) = due
    assert salt.provision_type == ProvisionType.SALT
    assert rules.reminder_window(salt.reprocurement_decision_date, REFERENCE) == 30
    assert 120 <= (salt.end_date - REFERENCE).days <= 310
    assert salt.reprocurement_decision_date < salt.end_date


def test_every_commission_keeps_the_commissioning_rules(halton):
    commissions = Commission.objects.filter(area=halton.area).prefetch_related(
        "contributions__commissioner"
    )
    assert commissions.count() == 9
    for commission in commissions:
        rows = [
            commissioning_services.ContributionInput(
                commissioner=c.commissioner,
                funding_stream=c.funding_stream,
                annual_amount=c.annual_amount,
            )
            for c in commission.contributions.all()
        ]
        # the service's own check, as when a commissioner records it: raises on any error
        commissioning_services._check(commission, rows)
        assert total(commission) == commission.annual_value
        assert commission.start_date <= REFERENCE <= commission.end_date
        assert commission.review_date > REFERENCE
        assert commission.outcome_lines
        for service in commission.services.all():
            assert service.area_id == halton.area.pk


def test_decisions_are_agreed_by_parties_only_after_they_were_made(halton):
    agreements = DecisionAgreement.objects.filter(
        decision__stage__commission__area=halton.area
    ) | DecisionAgreement.objects.filter(decision__stage__project__area=halton.area)
    assert agreements.count() >= 15
    for agreement in agreements.select_related("decision__stage"):
        stage = agreement.decision.stage
        assert agreement.organisation_id in commissioning_services._parties(stage)
        assert stage.started_on <= agreement.decision.decided_on <= agreement.agreed_on
        assert agreement.agreed_on <= REFERENCE
        assert agreement.agreed_by_name
        assert agreement.decision.evidence.exists()
    for stage in (
        agreement.decision.stage for agreement in agreements.select_related("decision__stage")
    ):
        assert stage.completed_on is None or stage.completed_on >= stage.started_on


# --- sensory OT, bought child by child -----------------------------------------------------------


def current_sensory_lines(area):
    """Sensory OT lines in the current (latest issued) version of each active plan."""
    lines = ProvisionLine.objects.filter(
        version__plan__area=area,
        version__plan__status=PlanStatus.ACTIVE,
        version__state=VersionState.ISSUED,
        description=SENSORY_OT_LINE,
    ).select_related("version__plan")
    return [
        line
        for line in lines
        if line.version.number
        == max(
            line.version.plan.versions.filter(state=VersionState.ISSUED).values_list(
                "number", flat=True
            )
        )
    ]


def test_sensory_ot_is_only_ever_spot_purchased(halton):
    area = halton.area
    assert not Commission.objects.filter(area=area, provision_type=ProvisionType.SENSORY_OT)
    purchases = IndividualCommission.objects.filter(area=area).select_related(
        "provision_line__version__plan", "commissioner", "provider"
    )
    assert purchases.count() > 10
    current = {line.pk for line in current_sensory_lines(area)}
    for purchase in purchases:
        assert purchase.provision_type == ProvisionType.SENSORY_OT
        assert purchase.provision_line_id in current
        assert purchase.provision_line.version.plan.child_id == purchase.child_id
        assert purchase.commissioner.kind == OrganisationKind.ICB
        assert purchase.provider.kind == OrganisationKind.PRIVATE_PROVIDER
        assert purchase.cost > 0
        assert purchase.start_date <= REFERENCE
        assert rules.period_errors(purchase.start_date, purchase.end_date) == {}
        assert purchase.start_date >= purchase.provision_line.version.issued_date
    bought = {p.provision_line_id for p in purchases}
    assert current - bought, "some plans name sensory OT that nobody buys: the gap"


def test_the_sensory_ot_project_quotes_the_spot_purchases(halton):
    project = CommissioningProject.objects.get(
        area=halton.area, title__startswith="Sensory occupational therapy"
    )
    audit = project.stages.get(stage="understand").decisions.get()
    assert "bought" in audit.summary and "£" in audit.summary
    assert {o.kind for o in project.partners.all()} == {
        OrganisationKind.LOCAL_AUTHORITY,
        OrganisationKind.ICB,
    }


# --- demo sign-ins -------------------------------------------------------------------------------


def test_the_demo_has_both_commissioners_a_commissioned_provider_and_a_board_member(halton):
    sign_ins = demo.demo_users_reset(area=halton.area, password="demo-a-long-password-1")
    emails = {s.email for s in sign_ins}
    for local in ("commissioner", "icb-commissioner", "provider", "board"):
        assert f"{local}@{demo.DEMO_DOMAIN}" in emails

    def user(local):
        membership = Membership.objects.filter(user__email=f"{local}@{demo.DEMO_DOMAIN}").latest(
            "pk"
        )
        return membership.user, membership.organisation

    icb_user, icb = user("icb-commissioner")
    assert icb.kind == OrganisationKind.ICB
    assert access_for(icb_user).may_change(halton.area.pk)
    provider_user, provider = user("provider")
    contracts = Commission.objects.filter(access_for(provider_user).commissions_q())
    assert contracts.exists()
    assert set(contracts.values_list("provider_id", flat=True)) == {provider.pk}
    board_user, _ = user("board")
    assert Role.BOARD_MEMBER in {
        code for m in Membership.objects.filter(user=board_user) for code in m.role_codes
    }
    assert halton.area.pk in access_for(board_user).board_area_ids


# --- determinism and refusals --------------------------------------------------------------------


def test_the_same_seed_gives_the_same_commissions_and_another_seed_others():
    first = make(la_code="995", seed=5, scale=0.1)
    before = digest(first.area)
    again = make(la_code="995", seed=5, scale=0.1, replace=True)
    assert digest(again.area) == before
    other = make(la_code="995", seed=6, scale=0.1, replace=True)
    assert digest(other.area) != before


def test_an_area_generated_before_the_stages_gets_them_once(halton):
    area = halton.area
    with transaction.atomic():
        clear_performance(area)  # its KPIs and disputes refer to the commissions
        clear_commissioning(area)
        clear_pathways(area)
        assert not Commission.objects.filter(area=area).exists()
        assert commissioning_add_if_missing(area=area, seed=1, on=REFERENCE)
        assert Commission.objects.filter(area=area).count() == 9
        assert Referral.objects.filter(pathway__area=area).exists()
        assert not commissioning_add_if_missing(area=area, seed=1, on=REFERENCE)
        transaction.set_rollback(True)


def test_a_real_area_and_an_area_with_commissions_are_refused(halton):
    real = AreaFactory(is_synthetic=False)
    with pytest.raises(generator.GenerationError, match="real area"):
        commissioning_generate(area=real, seed=1, on=REFERENCE)
    with pytest.raises(generator.GenerationError, match="real area"):
        clear_commissioning(real)
    assert not commissioning_add_if_missing(area=real, seed=1, on=REFERENCE)
    with pytest.raises(generator.GenerationError, match="already has commissions"):
        commissioning_generate(area=halton.area, seed=1, on=REFERENCE)
