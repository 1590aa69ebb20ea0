"""The performance stage of a synthetic area: the computed KPIs with two years of the values
``compute-indicators`` stores, the contract KPIs with the providers' values (the
neurodevelopmental contract in a run below its mean, speech and language therapy improving),
the periods an officer would have closed, the responsibility disputes, and the same rows for
the same seed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from opensend.commissioning.codes import ProvisionType
from opensend.commissioning.models import (
    Commission,
    DisputeOutcome,
    IndividualCommission,
    ResponsibilityDispute,
)
from opensend.core.calendar import add_months
from opensend.core.roles import OrganisationKind
from opensend.core.tests.factories import AreaFactory
from opensend.ehc.models import PlanVersion, VersionState
from opensend.insight import kpi, selectors, services, spc
from opensend.insight.metrics import PARAMETERS, Metric
from opensend.insight.models import (
    ClosedPeriod,
    Indicator,
    IndicatorValue,
    KpiReturn,
    RagKind,
    ReturnStatus,
    ValueSource,
)
from opensend.pathways.models import Pathway
from opensend.synth import generator
from opensend.synth.generator import performance
from opensend.synth.generator.commissioning import SENSORY_OT_LINE
from opensend.synth.generator.pathways import PATHWAYS
from opensend.synth.generator.performance import (
    COMPUTED,
    CONTRACT_KPIS,
    ND_SHIFT_MONTHS,
    SHORT_BREAKS_LINE,
    clear_performance,
    performance_add_if_missing,
    performance_generate,
)

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
    with generated(django_db_blocker, la_code="993") as result:
        yield result


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def indicator(area, code):
    return Indicator.objects.select_related("commission", "pathway").get(area=area, code=code)


def window(on=REFERENCE):
    current = kpi.period_of(on, kpi.Frequency.MONTHLY)
    return [*kpi.previous_periods(current, 23), current]


def digest(area):
    rows = [
        list(
            Indicator.objects.filter(area=area)
            .order_by("code")
            .values_list(
                "code",
                "name",
                "domain",
                "unit",
                "target",
                "rag_kind",
                "rag_tolerance",
                "computed_metric",
                "pathway__name",
                "metric_days",
                "commission__reference",
            )
        ),
        list(
            IndicatorValue.objects.filter(indicator__area=area)
            .order_by("indicator__code", "period_start")
            .values_list(
                "indicator__code", "period_start", "numerator", "denominator", "value", "note"
            )
        ),
        list(
            ClosedPeriod.objects.filter(indicator__area=area)
            .order_by("indicator__code", "period_start")
            .values_list("indicator__code", "period_start")
        ),
        list(
            ResponsibilityDispute.objects.filter(area=area)
            .order_by("raised_on", "disputed")
            .values_list(
                "provision_line__version__plan__child__nhs_number",
                "provision_line__description",
                "disputing_organisation__name",
                "disputed",
                "raised_on",
                "resolved_on",
                "outcome",
            )
        ),
    ]
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


# --- computed KPIs ------------------------------------------------------------------------------


def test_the_computed_kpis_cover_ehc_reviews_advice_each_pathway_and_feedback(halton):
    computed = Indicator.objects.filter(area=halton.area, source=kpi.Source.COMPUTED)
    metrics = sorted(computed.values_list("computed_metric", flat=True))
    assert metrics == sorted(
        [m.value for m in Metric if m is not Metric.WAITING_UNDER_18_WEEKS]
        + [Metric.WAITING_UNDER_18_WEEKS.value] * len(PATHWAYS)
    )
    pathways = {
        i.pathway.name for i in computed.filter(computed_metric=Metric.WAITING_UNDER_18_WEEKS)
    }
    assert pathways == set(Pathway.objects.filter(area=halton.area).values_list("name", flat=True))
    for row in computed.select_related("pathway"):
        assert row.frequency == kpi.Frequency.MONTHLY
        assert row.unit == kpi.Unit.PERCENT and row.denominator_label
        assert row.domain and row.target is not None
        assert row.rag_kind == RagKind.RELATIVE and row.rag_tolerance is not None
        assert kpi.definition_problems(row.definition()) == []
        needs = PARAMETERS[Metric(row.computed_metric)]
        assert ("pathway" in needs) == (row.pathway is not None)
        assert ("days" in needs) == (row.metric_days is not None)
        if row.pathway is not None:
            assert row.target == row.pathway.standard_percent


def test_computed_values_are_exactly_what_compute_indicators_stores(halton):
    with rolled_back():
        again = services.indicators_compute(today=REFERENCE, area_id=halton.area.pk)
        assert again.indicators == len(COMPUTED)
        assert again.failed == 0
        assert again.created == again.changed == 0  # nothing left to change: the same code
    for row in Indicator.objects.filter(area=halton.area, source=kpi.Source.COMPUTED):
        values = {v.period_start: v for v in IndicatorValue.objects.filter(indicator=row)}
        assert {p.start for p in window()} <= set(values)
        assert {v.source for v in values.values()} == {ValueSource.COMPUTED}


def test_the_dashboard_has_history_rag_and_a_chart_for_every_kpi(halton):
    indicators = Indicator.objects.filter(area=halton.area, active=True)
    assert indicators.count() == len(COMPUTED) + len(CONTRACT_KPIS)
    for row in indicators:
        series = selectors.indicator_series(row, on=REFERENCE)
        status = selectors.status_from_series(series)
        assert sum(point.row is not None for point in series.points) >= 23, row.code
        assert status.rag is not None
        if len(series.charted) >= 2:
            assert status.variation is not None and status.assurance is not None


# --- contract KPIs ------------------------------------------------------------------------------

CONTRACTS = {
    "salt-seen-18-weeks": ProvisionType.SALT,
    "nd-assessments": ProvisionType.NEURODEVELOPMENTAL,
    "equipment-28-days": ProvisionType.EQUIPMENT,
    "camhs-urgent-1-week": ProvisionType.CAMHS,
}


def test_contract_kpis_are_written_into_their_commissions_and_supplied_by_the_provider(halton):
    for code, provision_type in CONTRACTS.items():
        row = indicator(halton.area, code)
        assert row.source == kpi.Source.PROVIDER
        assert row.commission.provision_type == provision_type
        values = IndicatorValue.objects.filter(indicator=row)
        assert values.count() == performance.HISTORY_MONTHS
        for value in values:
            assert value.source == ValueSource.PROVIDER
            assert value.supplied_by_organisation_id == row.commission.provider_id
            assert value.period_start >= row.commission.start_date.replace(day=1)
            assert value.period.end < REFERENCE.replace(day=1)
        (record,) = KpiReturn.objects.filter(commission=row.commission)
        assert record.status == ReturnStatus.IMPORTED
        assert record.created == performance.HISTORY_MONTHS
        assert record.organisation_id == row.commission.provider_id


def test_every_value_passes_the_stores_validation(halton):
    values = IndicatorValue.objects.filter(indicator__area=halton.area).select_related("indicator")
    assert values.count() > 400
    for value in values:
        row = value.indicator
        row.period(value.period_start)  # the first day of one of its periods
        errors, _ = services.figures_problems(
            row, services.Figures(value.numerator, value.denominator)
        )
        assert errors == {}
        exact = value.period_value().value
        if exact is None:
            assert value.value is None
        else:
            assert abs(value.value - Decimal(float(exact))) < Decimal("0.000001")


def test_the_neurodevelopmental_contract_shows_a_run_below_its_mean(halton):
    row = indicator(halton.area, "nd-assessments")
    capacity = row.commission.capacity_quantity
    assert row.target == max(1, round(capacity / 12))
    assert row.unit == kpi.Unit.COUNT and not row.denominator_label
    series = selectors.indicator_series(row, on=REFERENCE)
    status = selectors.status_from_series(series)
    assert status.variation is spc.Variation.CONCERNING_LOW
    assert status.concerning
    chart = series.chart
    latest = chart.latest
    assert latest.special_cause
    assert any(signal.rule is spc.Rule.SHIFT for signal in latest.signals)
    recent = chart.points[-ND_SHIFT_MONTHS:]
    assert all(point.value < point.limits.mean for point in recent)
    assert (
        "clinicians left"
        in IndicatorValue.objects.get(
            indicator=row, period_start=series.charted[-ND_SHIFT_MONTHS].period.start
        ).note
    )


def test_speech_and_language_therapy_improves_towards_its_90_percent_target(halton):
    row = indicator(halton.area, "salt-seen-18-weeks")
    assert row.target == 90
    series = selectors.indicator_series(row, on=REFERENCE)
    assert selectors.status_from_series(series).variation is spc.Variation.IMPROVING_HIGH
    values = [point.value for point in series.charted]
    assert sum(values[-6:]) > sum(values[:6])


def test_periods_older_than_three_months_are_closed_and_refuse_a_new_value(halton):
    before = add_months(REFERENCE, -3)
    closed = {
        (c.indicator_id, c.period_start)
        for c in ClosedPeriod.objects.filter(indicator__area=halton.area)
    }
    values = IndicatorValue.objects.filter(indicator__area=halton.area).select_related("indicator")
    assert closed
    for value in values:
        assert ((value.indicator_id, value.period_start) in closed) == (value.period.end < before)
    row = indicator(halton.area, "equipment-28-days")
    oldest = values.filter(indicator=row).earliest("period_start")
    latest = values.filter(indicator=row).latest("period_start")
    with rolled_back():
        with pytest.raises(ValidationError, match="was closed"):
            services.value_supply(
                acting_user=None,
                indicator=row,
                period_start=oldest.period_start,
                figures=services.Figures(Decimal(1), Decimal(2)),
                note="",
                organisation=row.commission.provider,
                today=REFERENCE,
            )
        corrected = services.value_supply(
            acting_user=None,
            indicator=row,
            period_start=latest.period_start,
            figures=services.Figures(Decimal(1), Decimal(2)),
            note="",
            organisation=row.commission.provider,
            today=REFERENCE,
        )
        assert corrected.changed


# --- responsibility disputes ---------------------------------------------------------------------


def test_the_icb_and_social_care_dispute_lines_of_current_plans(halton):
    disputes = list(
        ResponsibilityDispute.objects.filter(area=halton.area).select_related(
            "provision_line__version__plan", "disputing_organisation"
        )
    )
    assert len(disputes) == 3
    by_line = {}
    for dispute in disputes:
        line = dispute.provision_line
        version = line.version
        by_line.setdefault(line.description, []).append(dispute)
        assert version.plan.area_id == halton.area.pk
        assert version.state == VersionState.ISSUED
        assert version.number == max(
            PlanVersion.objects.filter(plan=version.plan, state=VersionState.ISSUED).values_list(
                "number", flat=True
            )
        )
        assert version.issued_date <= dispute.raised_on <= REFERENCE
        assert dispute.disputed
    sensory, breaks = by_line[SENSORY_OT_LINE], by_line[SHORT_BREAKS_LINE]
    assert len(sensory) == 2 and len(breaks) == 1
    assert {d.disputing_organisation.kind for d in sensory} == {OrganisationKind.ICB}
    assert {d.provision_line.section for d in sensory} == {"g"}
    (social_care,) = breaks
    assert social_care.disputing_organisation.kind == OrganisationKind.LOCAL_AUTHORITY
    assert social_care.provision_line.section == "h1"
    resolved = [d for d in disputes if not d.is_open]
    (done,) = resolved
    assert done.outcome == DisputeOutcome.SHARED and done.outcome_note
    assert done.raised_on <= done.resolved_on <= REFERENCE
    assert IndividualCommission.objects.filter(provision_line=done.provision_line).exists()
    assert len({d.provision_line.version.plan.child_id for d in disputes}) == 3


# --- determinism, areas made before the stage, refusals -----------------------------------------


def test_the_same_seed_gives_the_same_performance_and_another_seed_another():
    first = make(la_code="992", seed=5, scale=0.05)
    before = digest(first.area)
    assert Indicator.objects.filter(area=first.area).count() == len(COMPUTED) + len(CONTRACT_KPIS)
    again = make(la_code="992", seed=5, scale=0.05, replace=True)
    assert digest(again.area) == before
    clear_performance(again.area)
    assert not Indicator.objects.filter(area=again.area).exists()
    assert performance_add_if_missing(area=again.area, seed=5, on=REFERENCE)
    assert digest(again.area) == before
    assert not performance_add_if_missing(area=again.area, seed=5, on=REFERENCE)
    other = make(la_code="992", seed=6, scale=0.05, replace=True)
    assert digest(other.area) != before


def test_a_real_area_an_area_with_kpis_and_one_without_commissions_are_refused(halton):
    real = AreaFactory(is_synthetic=False)
    with pytest.raises(generator.GenerationError, match="real area"):
        performance_generate(area=real, seed=1, on=REFERENCE)
    with pytest.raises(generator.GenerationError, match="real area"):
        clear_performance(real)
    assert not performance_add_if_missing(area=real, seed=1, on=REFERENCE)
    with pytest.raises(generator.GenerationError, match="already has indicators"):
        performance_generate(area=halton.area, seed=1, on=REFERENCE)
    bare = AreaFactory(is_synthetic=True)
    assert not performance_add_if_missing(area=bare, seed=1, on=REFERENCE)
    with pytest.raises(generator.GenerationError, match="no CAMHS, EQUIP, ND, SALT commission"):
        performance_generate(area=bare, seed=1, on=REFERENCE)


def test_an_area_missing_a_pathway_is_refused_and_nothing_is_written(halton):
    with rolled_back():
        clear_performance(halton.area)
        Pathway.objects.filter(area=halton.area, name=PATHWAYS[0].name).update(name="Renamed")
        with pytest.raises(generator.GenerationError, match="has no pathway"):
            performance_generate(area=halton.area, seed=1, on=REFERENCE)
        assert not Indicator.objects.filter(area=halton.area).exists()


def test_a_kpi_that_cannot_be_computed_stops_the_run(halton, monkeypatch):
    monkeypatch.setattr(
        services, "indicators_compute", lambda **_: services.ComputeResult(indicators=1, failed=1)
    )
    with pytest.raises(generator.GenerationError, match="could not be computed"):
        performance._compute(halton.area, REFERENCE)


def test_a_series_that_never_shows_its_picture_or_that_the_store_refuses_stops_the_run(halton):
    nd = indicator(halton.area, "nd-assessments")
    spec = next(s for s in CONTRACT_KPIS if s.code == "nd-assessments")
    sizes = performance.Sizes(scale=1.0, nd_monthly=30)
    rng = random.Random(1)
    never = replace(spec, expect=frozenset({spc.Variation.NEITHER_HIGH}))
    with rolled_back(), pytest.raises(generator.GenerationError, match="never showed"):
        performance._supply(rng, nd, never, sizes, REFERENCE)
    salt = indicator(halton.area, "salt-seen-18-weeks")
    salt_spec = next(s for s in CONTRACT_KPIS if s.code == "salt-seen-18-weeks")
    impossible = replace(
        salt_spec, expect=None, series=lambda _rng, months, _sizes: [(9, 3, "")] * len(months)
    )
    with rolled_back(), pytest.raises(generator.GenerationError, match="was refused"):
        performance._supply(rng, salt, impossible, sizes, REFERENCE)


def test_a_contract_without_capacity_cannot_be_measured_against_it():
    with pytest.raises(generator.GenerationError, match="no capacity"):
        performance._monthly_capacity(Commission(reference="JC-ND-2023", capacity_quantity=None))
    assert performance._monthly_capacity(Commission(capacity_quantity=Decimal(354))) == 30


def test_a_run_that_stops_part_way_writes_nothing(halton, monkeypatch):
    def refuse(*_args):
        raise generator.GenerationError("stopped after the returns")

    monkeypatch.setattr(performance, "_disputes", refuse)
    with rolled_back():
        clear_performance(halton.area)
        with pytest.raises(generator.GenerationError, match="stopped after the returns"):
            performance_generate(area=halton.area, seed=1, on=REFERENCE)
        assert not Indicator.objects.filter(area=halton.area).exists()
        assert not KpiReturn.objects.filter(commission__area=halton.area).exists()
        assert not ResponsibilityDispute.objects.filter(area=halton.area).exists()
