"""The pathways the generator writes for a synthetic area: every referral is a pathway the rules
accept, with the summary dates the services keep; the lists behave as the seeds describe
(neurodevelopmental growing, speech and language therapy steady, CAMHS improving); the same
seed gives the same referrals."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import transaction

from opensend.core import bank_holidays
from opensend.core.calendar import add_months, age_on
from opensend.core.tests.factories import AreaFactory
from opensend.pathways import rules
from opensend.pathways import services as pathway_services
from opensend.pathways.models import Pathway, PathwayKind, Referral, TriageOutcome
from opensend.people.models import Child
from opensend.synth import generator
from opensend.synth.generator.context import GenerationError
from opensend.synth.generator.pathways import (
    HISTORY_MONTHS,
    PATHWAYS,
    clear_pathways,
    pathways_generate,
)

REFERENCE = dt.date(2026, 1, 15)
SPECS = {spec.kind: spec for spec in PATHWAYS}

pytestmark = pytest.mark.django_db


def make(profile="halton", scale=0.3, seed=1, la_code=None, replace=False):
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


def referrals(area, kind=None):
    found = Referral.objects.filter(pathway__area=area).prefetch_related("events", "pauses")
    if kind is not None:
        found = found.filter(pathway__kind=kind)
    return list(found.select_related("pathway", "child"))


def month_end_sizes(area, kind, months):
    """The list at the end of each of the ``months`` months before the reference month."""
    pathways = [r.as_rules() for r in referrals(area, kind)]
    first = REFERENCE.replace(day=1)
    return [
        rules.waiting_list(pathways, on=add_months(first, -back) - dt.timedelta(days=1)).size
        for back in range(months, 0, -1)
    ]


def digest(area):
    rows = []
    for referral in Referral.objects.filter(pathway__area=area).order_by(
        "pathway__name", "provider_reference"
    ):
        rows.append(
            [
                referral.pathway.name,
                referral.provider_reference,
                referral.child.nhs_number,
                referral.source,
                referral.received_on,
                referral.triaged_on,
                referral.triage_outcome,
                referral.first_appointment_on,
                referral.stopped_on,
                referral.stop_reason,
                list(referral.events.order_by("on", "pk").values_list("kind", "on")),
                list(referral.pauses.values_list("start", "end", "reason")),
                list(referral.support.values_list("kind", "offered_on", "offered_by")),
            ]
        )
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


# --- the rules hold for everything generated ------------------------------------------------


def test_every_referral_is_a_pathway_the_rules_accept(halton):
    made = referrals(halton.area)
    assert len(made) > 500
    for referral in made:
        assert rules.pathway_problems(referral.as_rules(), today=REFERENCE) == [], referral
        # and every day of its history was possible too
        rules.clock_state(referral.as_rules(), on=REFERENCE)


def test_summary_dates_are_what_the_services_keep(halton):
    made = referrals(halton.area)[::7]
    expected = {
        r.pk: (r.received_on, r.triaged_on, r.first_appointment_on, r.stopped_on, r.stop_reason)
        for r in made
    }
    with transaction.atomic():
        for referral in made:
            pathway_services._sync(referral)
            assert (
                referral.received_on,
                referral.triaged_on,
                referral.first_appointment_on,
                referral.stopped_on,
                referral.stop_reason,
            ) == expected[referral.pk]
        transaction.set_rollback(True)


def test_triage_outcomes_agree_with_the_events(halton):
    for referral in referrals(halton.area):
        kinds = [event.kind for event in referral.events.all()]
        if referral.triaged_on is None:
            assert referral.triage_outcome == ""
            assert rules.EventKind.TRIAGED not in kinds
        elif referral.triage_outcome == TriageOutcome.NOT_ACCEPTED:
            assert kinds[-1] == rules.EventKind.REFERRED_BACK
            assert referral.stopped_on == referral.triaged_on
        else:
            assert referral.triage_outcome == TriageOutcome.ACCEPTED


def test_referrals_are_for_the_areas_children_of_the_right_age(halton):
    area = halton.area
    seen: Counter[tuple[int, int]] = Counter()
    for referral in referrals(area):
        assert referral.child.area_id == area.pk
        low, high = SPECS[referral.pathway.kind].ages
        assert low <= age_on(referral.child.date_of_birth, referral.received_on) <= high
        seen[(referral.pathway_id, referral.child_id)] += 1
    assert max(seen.values()) == 1


def test_needs_the_pathway_serves_are_referred_most(halton):
    children = Counter(
        Child.objects.filter(area=halton.area).values_list("primary_need", flat=True)
    )

    def rate(kind, need):
        referred = Counter(r.child.primary_need for r in referrals(halton.area, kind))
        return referred[need] / children[need]

    assert rate(PathwayKind.AUTISM, "ASD") > rate(PathwayKind.AUTISM, "PD")
    assert rate(PathwayKind.PHYSIOTHERAPY, "PD") > rate(PathwayKind.PHYSIOTHERAPY, "SEMH")
    assert rate(PathwayKind.CAMHS, "SEMH") > rate(PathwayKind.CAMHS, "PD")


def test_history_spans_three_and_a_half_years(halton):
    received = [r.received_on for r in referrals(halton.area)]
    first = add_months(REFERENCE.replace(day=1), -HISTORY_MONTHS)
    assert min(received) >= first
    assert min(received) < first + dt.timedelta(days=31)
    assert max(received) <= REFERENCE


# --- the seeds' picture ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [PathwayKind.AUTISM, PathwayKind.ADHD])
def test_neurodevelopmental_lists_grow_month_on_month(halton, kind):
    sizes = month_end_sizes(halton.area, kind, 24)
    assert all(later > earlier for earlier, later in itertools.pairwise(sizes)), sizes
    now = rules.waiting_list([r.as_rules() for r in referrals(halton.area, kind)], on=REFERENCE)
    assert not now.meets_standard
    assert now.longest_weeks is not None and now.longest_weeks > 52


def test_speech_and_language_therapy_is_roughly_steady(halton):
    sizes = month_end_sizes(halton.area, PathwayKind.SPEECH_AND_LANGUAGE, 12)
    assert max(sizes) <= 1.4 * min(sizes), sizes
    now = rules.waiting_list(
        [r.as_rules() for r in referrals(halton.area, PathwayKind.SPEECH_AND_LANGUAGE)],
        on=REFERENCE,
    )
    assert now.meets_standard


def test_camhs_waits_come_down_after_the_investment(halton):
    sizes = month_end_sizes(halton.area, PathwayKind.CAMHS, 24)
    peak = max(sizes[:8])
    assert sizes[-1] < 0.85 * peak, sizes
    pathways = [r.as_rules() for r in referrals(halton.area, PathwayKind.CAMHS)]
    year_ago = rules.waiting_list(pathways, on=add_months(REFERENCE, -12))
    now = rules.waiting_list(pathways, on=REFERENCE)
    assert now.size < year_ago.size
    assert (now.share_within_18_weeks or 0) >= (year_ago.share_within_18_weeks or 0)


def test_triage_is_mostly_within_ten_working_days_but_not_always(halton):
    holidays = bank_holidays.around(REFERENCE, years=5)
    statuses = Counter(
        rules.triage(r.as_rules(), on=REFERENCE, holidays=holidays).status
        for r in referrals(halton.area)
    )
    met, late = statuses[rules.TriageStatus.MET], statuses[rules.TriageStatus.LATE]
    assert late > 0
    assert 0.7 < met / (met + late) < 0.95


def test_histories_include_missed_appointments_rebookings_pauses_and_support(halton):
    made = referrals(halton.area)
    kinds = Counter(event.kind for referral in made for event in referral.events.all())
    for kind in (
        rules.EventKind.DID_NOT_ATTEND,
        rules.EventKind.REBOOKED,
        rules.EventKind.ACTIVE_MONITORING,
        rules.EventKind.DECISION_NOT_TO_TREAT,
        rules.EventKind.DISCHARGED,
        rules.EventKind.REFERRED_BACK,
    ):
        assert kinds[kind] > 0, kind
    assert any(referral.pauses.all() for referral in made)
    assert any(p.end is None for referral in made for p in referral.pauses.all())
    supported = Referral.objects.filter(pathway__area=halton.area, support__isnull=False)
    for referral in supported.distinct().prefetch_related("support"):
        for offer in referral.support.all():
            assert referral.received_on <= offer.offered_on <= REFERENCE
            if referral.first_appointment_on is not None:
                assert offer.offered_on <= referral.first_appointment_on
            assert offer.offered_by


def test_pathways_are_provided_by_the_areas_trusts(halton):
    pathways = Pathway.objects.filter(area=halton.area).select_related("provider")
    assert {p.kind for p in pathways} == set(SPECS)
    for pathway in pathways:
        pathway.full_clean()
        assert pathway.provider.home_area_id == halton.area.pk
        assert "NHS" in pathway.provider.name


# --- determinism, scale and refusals -----------------------------------------------------------


def test_the_same_seed_gives_the_same_referrals_and_another_seed_others():
    first = make(la_code="995", seed=5, scale=0.05)
    before = digest(first.area)
    again = make(la_code="995", seed=5, scale=0.05, replace=True)
    assert digest(again.area) == before
    other = make(la_code="995", seed=6, scale=0.05, replace=True)
    assert digest(other.area) != before


def test_referrals_scale_with_the_area(halton):
    small = make(la_code="994", scale=0.1)
    ratio = Referral.objects.filter(pathway__area=halton.area).count() / max(
        Referral.objects.filter(pathway__area=small.area).count(), 1
    )
    assert 2.2 < ratio < 3.8


def test_a_real_area_and_an_area_with_pathways_are_refused(halton):
    real = AreaFactory(is_synthetic=False)
    with pytest.raises(GenerationError, match="real area"):
        pathways_generate(area=real, seed=1, on=REFERENCE)
    with pytest.raises(GenerationError, match="real area"):
        clear_pathways(real)
    with pytest.raises(GenerationError, match="already has pathways"):
        pathways_generate(area=halton.area, seed=1, on=REFERENCE)
    bare = AreaFactory(is_synthetic=True)
    with pytest.raises(GenerationError, match="regenerate it"):
        pathways_generate(area=bare, seed=1, on=REFERENCE)
