"""The performance framework of a synthetic area, as the seeds ask for it ("a performance
dashboard to hold each other to account"), and the disagreements about who pays for a line of
a plan (Lancashire's and Sefton's dispute resolution):

- **Computed KPIs**: EHC plans within 20 weeks (with and without exception cases), annual
  reviews on time, advice within 6 weeks from each agency, each pathway's waiting list within
  its standard, and Local Offer feedback answered within 20 days; each with its domain, target
  and RAG tolerance, monthly. Their values for the last 24 months (and two more) are worked out
  by ``insight.services.indicators_compute``, the function ``opensend compute-indicators``
  runs: once as on the last day of the month 13 months back (the year before it), once as on
  the reference date (the year to it), so every value is the one the command would store.
- **Contract KPIs** written into four commissions, supplied by the provider: speech and
  language therapy (children seen within the 18-week standard, target 90%, **improving**), the
  neurodevelopmental service (assessments completed a month against its contracted capacity,
  **a run below the mean** since two clinicians left nine months ago), the equipment store
  (delivered within 28 days, steady and hit and miss) and CAMHS (urgent referrals seen within
  a week, better since the investment 18 months ago). 24 months of values go in through the
  providers' own path, ``insight.kpi_returns.kpi_return_rows_import`` (one return per
  contract, as when a provider loads its history), so the store checks every row. The noise is
  redrawn until the Making Data Count chart of the dashboard's window shows what the seeds
  describe (it almost always does at the first draw); the chart is the store's own
  (``spc.xmr`` over ``kpi.period_value`` of the figures).
- **Closed periods**: every period with a value that ended more than 3 months before the
  reference date is closed through ``insight.services.period_close``, as an officer closes
  them once the quarter has been reported (closed by the system: no user exists yet).
- **Responsibility disputes** (``commissioning.services.dispute_raise`` and
  ``dispute_resolve``): the ICB disputing that sensory occupational therapy in a plan is
  health provision (one open; an earlier one resolved by sharing the cost) and children's
  social care disputing a short-breaks line (open).

Everything goes through the services, so every row passes the rules a user's would, with
their access log entries, in one transaction: a run that stops writes nothing. The stage
draws from a random number generator of its own, derived from the seed and the LA code;
dates are relative to the reference date.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from opensend.commissioning import services as commissioning_services
from opensend.commissioning.models import (
    Commission,
    DisputeOutcome,
    IndividualCommission,
    ResponsibilityDispute,
)
from opensend.core.calendar import add_months
from opensend.core.models import Area, Organisation
from opensend.ehc.models import PlanStatus, PlanVersion, ProvisionLine, VersionState
from opensend.insight import kpi, selectors, services, spc
from opensend.insight.kpi_returns import kpi_return_rows_import
from opensend.insight.metrics import Metric
from opensend.insight.models import (
    ClosedPeriod,
    Domain,
    Indicator,
    IndicatorValue,
    KpiReturn,
    RagKind,
    ReturnStatus,
    ToleranceKindChoice,
)
from opensend.pathways.models import Pathway
from opensend.synth.generator.commissioning import SENSORY_OT_LINE, SMALLEST_SCALE
from opensend.synth.generator.context import GenerationError
from opensend.synth.generator.pathways import PATHWAYS, area_partners, children_scale

__all__ = [
    "COMPUTED",
    "CONTRACT_KPIS",
    "SHORT_BREAKS_LINE",
    "clear_performance",
    "performance_add_if_missing",
    "performance_generate",
]

#: Months of provider-supplied values, to the month before the reference date's.
HISTORY_MONTHS = 24
#: Periods that ended more than this many months before the reference date are closed.
CLOSE_AFTER_MONTHS = 3
#: The periods the dashboard charts (``insight.selectors.indicator_series``'s default).
WINDOW_PERIODS = 24
#: The provision line the EHC stage writes into section H1 for disabled children.
SHORT_BREAKS_LINE = "Short breaks: overnight stays with a short breaks provider"
#: How many times the noise of a contract's series is redrawn before giving up.
DRAWS = 25
#: Days allowed to answer Local Offer feedback.
FEEDBACK_DAYS = 20


# --- The computed KPIs --------------------------------------------------------------------------


@dataclass(frozen=True)
class ComputedSpec:
    """A KPI OpenSEND computes: a percentage, higher is better, RAG relative to the target
    with an amber tolerance in percentage points. ``pathway`` is a ``PathwaySpec.code``."""

    code: str
    name: str
    description: str
    numerator: str
    denominator: str
    domain: str
    metric: str
    target: int
    tolerance: int
    pathway: str = ""
    days: int | None = None


COMPUTED: tuple[ComputedSpec, ...] = (
    ComputedSpec(
        code="ehc-20-weeks",
        name="New EHC plans issued within 20 weeks (excluding exceptions)",
        description=(
            "The statutory timescale (SEND Regulations 2014, regulation 13(2)), leaving out "
            "the cases where an exception of regulation 13(3) applied, as the SEN2 return does."
        ),
        numerator="New EHC plans issued within 20 weeks of the request",
        denominator="New EHC plans issued in the month, without exception cases",
        domain=Domain.JOINT,
        metric=Metric.EHC_20_WEEKS,
        target=60,
        tolerance=10,
    ),
    ComputedSpec(
        code="ehc-20-weeks-all",
        name="New EHC plans issued within 20 weeks (all plans)",
        description="The statutory timescale, counting every new plan, exception or not.",
        numerator="New EHC plans issued within 20 weeks of the request",
        denominator="New EHC plans issued in the month",
        domain=Domain.JOINT,
        metric=Metric.EHC_20_WEEKS_ALL,
        target=60,
        tolerance=10,
    ),
    ComputedSpec(
        code="reviews-on-time",
        name="Annual reviews completed on time",
        description=(
            "Reviews held by their due date with the decision notified within 4 weeks of the "
            "meeting (regulation 20)."
        ),
        numerator="Annual reviews held and decided on time",
        denominator="Annual reviews due in the month",
        domain=Domain.EDUCATION,
        metric=Metric.REVIEWS_ON_TIME,
        target=80,
        tolerance=10,
    ),
    ComputedSpec(
        code="advice-education-6-weeks",
        name="Education advice returned within 6 weeks",
        description="Advice for EHC needs assessments (regulation 8), from schools and the "
        "educational psychology service.",
        numerator="Education advice returned by its due date",
        denominator="Education advice due in the month",
        domain=Domain.EDUCATION,
        metric=Metric.ADVICE_EDUCATION,
        target=90,
        tolerance=5,
    ),
    ComputedSpec(
        code="advice-health-6-weeks",
        name="Health advice returned within 6 weeks",
        description="Advice for EHC needs assessments (regulation 8), from the NHS trusts.",
        numerator="Health advice returned by its due date",
        denominator="Health advice due in the month",
        domain=Domain.HEALTH,
        metric=Metric.ADVICE_HEALTH,
        target=90,
        tolerance=5,
    ),
    ComputedSpec(
        code="advice-social-care-6-weeks",
        name="Social care advice returned within 6 weeks",
        description="Advice for EHC needs assessments (regulation 8), from children's social care.",
        numerator="Social care advice returned by its due date",
        denominator="Social care advice due in the month",
        domain=Domain.CARE,
        metric=Metric.ADVICE_SOCIAL_CARE,
        target=90,
        tolerance=5,
    ),
    *(
        ComputedSpec(
            code=f"waiting-{spec.code.lower()}-18-weeks",
            name=f"{spec.name}: waiting under 18 weeks",
            description=(
                "The share of the children on the waiting list at the end of the month who "
                "have waited no longer than the pathway's standard (the NHS referral to "
                "treatment standard: 92% within 18 weeks)."
            ),
            numerator="Children waiting no longer than the standard",
            denominator="Children on the waiting list",
            domain=Domain.HEALTH,
            metric=Metric.WAITING_UNDER_18_WEEKS,
            target=92,
            tolerance=5,
            pathway=spec.code,
        )
        for spec in PATHWAYS
    ),
    ComputedSpec(
        code="local-offer-feedback-answered",
        name=f"Local Offer feedback answered within {FEEDBACK_DAYS} days",
        description="Comments on the Local Offer answered, so that the answer can be published "
        "('you said, we did').",
        numerator=f"Feedback answered within {FEEDBACK_DAYS} days of receipt",
        denominator="Feedback received in the month that is answered or out of time",
        domain=Domain.JOINT,
        metric=Metric.FEEDBACK_ANSWERED,
        target=90,
        tolerance=10,
        days=FEEDBACK_DAYS,
    ),
)


# --- The contract KPIs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    """One month of a contract's history: its period, its place in the series and how many
    months before the reference date's month it is."""

    period: kpi.Period
    index: int
    ago: int


#: A month's figures as a provider sends them: numerator, denominator (``None`` for a plain
#: figure) and a note.
Row = tuple[int, int | None, str]
Series = Callable[[random.Random, Sequence[Month], "Sizes"], list[Row]]


@dataclass(frozen=True)
class Sizes:
    """What a contract's figures scale with: the area's size against a Halton-sized one (never
    below ``SMALLEST_SCALE``) and the neurodevelopmental contract's assessments a month."""

    scale: float
    nd_monthly: int


@dataclass(frozen=True)
class ContractSpec:
    """A KPI written into a commission (``commission`` is its ``CommissionSpec.code``). A
    percentage unless ``denominator`` is empty (then a count, with its target from the
    contract's capacity). ``expect`` is the Making Data Count verdict its chart must show."""

    code: str
    commission: str
    name: str
    description: str
    numerator: str
    denominator: str
    domain: str
    target: int | None
    tolerance: int
    tolerance_kind: str
    series: Series
    expect: frozenset[spc.Variation] | None = None


def _share(denominator: int, percent: float) -> int:
    """A numerator out of ``denominator`` near ``percent`` (never more than the whole)."""
    return max(0, min(denominator, round(denominator * percent / 100)))


def _salt(rng: random.Random, months: Sequence[Month], sizes: Sizes) -> list[Row]:
    """Improving: from about 76% to 94% over the two years, after a new triage model and a
    school drop-in, with a little noise."""
    rows: list[Row] = []
    last = max(len(months) - 1, 1)
    for month in months:
        seen = max(1, round(150 * sizes.scale * rng.uniform(0.88, 1.12)))
        percent = min(99.0, 76 + 18 * month.index / last + rng.uniform(-1.5, 1.5))
        note = (
            "New triage model and a weekly drop-in for schools from this month."
            if month.index == len(months) // 3
            else ""
        )
        rows.append((_share(seen, percent), seen, note))
    return rows


#: The neurodevelopmental service lost two of its assessing clinicians this many months ago.
ND_SHIFT_MONTHS = 9


def _nd(rng: random.Random, months: Sequence[Month], sizes: Sizes) -> list[Row]:
    """At capacity until two clinicians left ``ND_SHIFT_MONTHS`` months ago; about a quarter
    fewer assessments since (a run below the mean). No long rise in the run, so its latest
    point reads as the drop it is."""
    rows: list[Row] = []
    target = sizes.nd_monthly
    for month in months:
        if month.ago > ND_SHIFT_MONTHS:
            done = round(target * rng.uniform(0.95, 1.05))
            note = ""
        else:
            done = round(target * rng.uniform(0.68, 0.8))
            if month.ago % 3 == 0 and rows and done >= rows[-1][0]:
                done = max(0, rows[-1][0] - 1)
            note = (
                "Two of the assessing clinicians left this month; the posts are out to advert."
                if month.ago == ND_SHIFT_MONTHS
                else ""
            )
        rows.append((max(done, 0), None, note))
    return rows


def _equipment(rng: random.Random, months: Sequence[Month], sizes: Sizes) -> list[Row]:
    """Steady at about 94%, against a target of 95%: met in some months, missed in others."""
    rows: list[Row] = []
    for _ in months:
        delivered = max(1, round(110 * sizes.scale * rng.uniform(0.85, 1.15)))
        percent = min(100.0, 94 + rng.uniform(-3.0, 3.0))
        rows.append((_share(delivered, percent), delivered, ""))
    return rows


#: The ICB's extra investment in CAMHS took effect this many months ago (the commissioning
#: stage's decision).
CAMHS_INVESTMENT_MONTHS = 18


def _camhs(rng: random.Random, months: Sequence[Month], sizes: Sizes) -> list[Row]:
    """About 80% of urgent referrals seen within a week before the investment, about 95%
    after it."""
    rows: list[Row] = []
    for month in months:
        urgent = max(1, round(14 * sizes.scale * rng.uniform(0.7, 1.3)))
        if month.ago > CAMHS_INVESTMENT_MONTHS:
            percent = 80 + rng.uniform(-7.0, 7.0)
            note = ""
        else:
            percent = min(100.0, 95 + rng.uniform(-4.0, 4.0))
            note = (
                "Extra first-appointment capacity from this month."
                if month.ago == CAMHS_INVESTMENT_MONTHS
                else ""
            )
        rows.append((_share(urgent, percent), urgent, note))
    return rows


CONTRACT_KPIS: tuple[ContractSpec, ...] = (
    ContractSpec(
        code="salt-seen-18-weeks",
        commission="SALT",
        name="Children seen within the 18-week waiting standard",
        description="The contract's waiting standard: children and young people seen for a "
        "first appointment within 18 weeks of referral.",
        numerator="Children seen in the month within 18 weeks of referral",
        denominator="Children seen for a first appointment in the month",
        domain=Domain.HEALTH,
        target=90,
        tolerance=5,
        tolerance_kind=ToleranceKindChoice.UNITS,
        series=_salt,
        expect=frozenset({spc.Variation.IMPROVING_HIGH}),
    ),
    ContractSpec(
        code="nd-assessments",
        commission="ND",
        name="Neurodevelopmental assessments completed",
        description="Autism and ADHD assessments completed in the month, against the "
        "contracted capacity (a twelfth of the assessments a year).",
        numerator="Assessments completed in the month",
        denominator="",
        domain=Domain.HEALTH,
        target=None,
        tolerance=10,
        tolerance_kind=ToleranceKindChoice.SHARE,
        series=_nd,
        expect=frozenset({spc.Variation.CONCERNING_LOW}),
    ),
    ContractSpec(
        code="equipment-28-days",
        commission="EQUIP",
        name="Equipment delivered within 28 days",
        description="Equipment delivered within 28 days of the prescriber's order.",
        numerator="Items delivered within 28 days of the order",
        denominator="Items delivered in the month",
        domain=Domain.JOINT,
        target=95,
        tolerance=3,
        tolerance_kind=ToleranceKindChoice.UNITS,
        series=_equipment,
    ),
    ContractSpec(
        code="camhs-urgent-1-week",
        commission="CAMHS",
        name="Urgent referrals seen within 1 week",
        description="Children and young people referred urgently seen within 7 days.",
        numerator="Urgent referrals seen within 7 days",
        denominator="Urgent referrals received in the month",
        domain=Domain.HEALTH,
        target=95,
        tolerance=5,
        tolerance_kind=ToleranceKindChoice.UNITS,
        series=_camhs,
    ),
)


# --- The stage ----------------------------------------------------------------------------------


@transaction.atomic
def performance_generate(
    *, area: Area, seed: int, on: dt.date, scale: float | None = None
) -> dict[str, int]:
    """Define a synthetic area's KPIs, compute and supply two years of their values, close
    the periods an officer would have closed, and raise the responsibility disputes; return
    the rows written per table. Refuses a real area, one that already has indicators, and one
    without the pathways and commissions the KPIs measure."""
    if not area.is_synthetic:
        raise GenerationError(f"{area.name} is a real area: its KPIs are never generated.")
    if Indicator.objects.filter(area=area).exists():
        raise GenerationError(f"{area.name} already has indicators; clear them first.")
    commissions = _commissions(area)
    pathways = {pathway.name: pathway for pathway in Pathway.objects.filter(area=area)}
    missing = [spec.name for spec in PATHWAYS if spec.name not in pathways]
    if missing:
        raise GenerationError(
            f"{area.name} has no pathway {missing[0]!r} to measure: regenerate it with "
            "`opensend synth --replace`."
        )
    rng = random.Random(f"opensend-synth-performance-{seed}-{area.la_code}")
    size = max(children_scale(area) if scale is None else scale, SMALLEST_SCALE)
    computed = [_define_computed(area, spec, pathways) for spec in COMPUTED]
    _compute(area, on)
    contract = [
        _define_contract(area, spec, commissions[spec.commission]) for spec in CONTRACT_KPIS
    ]
    sizes = Sizes(scale=size, nd_monthly=_monthly_capacity(commissions["ND"]))
    returns = [
        _supply(rng, indicator, spec, sizes, on)
        for indicator, spec in zip(contract, CONTRACT_KPIS, strict=True)
    ]
    closed = _close(area, on)
    disputes = _disputes(rng, area, on)
    return {
        "insight.Indicator": len(computed) + len(contract),
        "insight.IndicatorValue": IndicatorValue.objects.filter(indicator__area=area).count(),
        "insight.KpiReturn": len(returns),
        "insight.ClosedPeriod": closed,
        "commissioning.ResponsibilityDispute": disputes,
    }


def _commissions(area: Area) -> dict[str, Commission]:
    """The area's commissions by their ``CommissionSpec`` code (the middle of the reference)."""
    found: dict[str, Commission] = {}
    for commission in Commission.objects.filter(area=area).select_related("provider"):
        parts = commission.reference.split("-")
        if len(parts) == 3 and parts[0] == "JC":
            found[parts[1]] = commission
    missing = sorted({spec.commission for spec in CONTRACT_KPIS} - set(found))
    if missing:
        raise GenerationError(
            f"{area.name} has no {', '.join(missing)} commission for its contract KPIs: "
            "regenerate it with `opensend synth --replace`."
        )
    return found


def _monthly_capacity(commission: Commission) -> int:
    """A twelfth of a contract's yearly capacity (at least 1)."""
    if commission.capacity_quantity is None:
        raise GenerationError(
            f"Contract {commission.reference} has no capacity to measure assessments against."
        )
    return max(1, round(commission.capacity_quantity / 12))


def _create(area: Area, **fields: Any) -> Indicator:
    """``indicator_create``, as the system; a definition the store refuses stops the run."""
    try:
        return services.indicator_create(acting_user=None, area=area, **fields)
    except ValidationError as error:
        raise GenerationError(
            f"The KPI {fields.get('code')} breaks the store's rules: {error.message_dict}"
        ) from error


def _define_computed(area: Area, spec: ComputedSpec, pathways: dict[str, Pathway]) -> Indicator:
    pathway = None
    if spec.pathway:
        (pathway_spec,) = (p for p in PATHWAYS if p.code == spec.pathway)
        pathway = pathways[pathway_spec.name]
    return _create(
        area,
        code=spec.code,
        name=spec.name,
        description=spec.description,
        counted=spec.description,
        numerator_label=spec.numerator,
        denominator_label=spec.denominator,
        domain=spec.domain,
        unit=kpi.Unit.PERCENT.value,
        polarity=kpi.Polarity.HIGHER_IS_BETTER.value,
        frequency=kpi.Frequency.MONTHLY.value,
        source=kpi.Source.COMPUTED.value,
        target=Decimal(pathway.standard_percent if pathway is not None else spec.target),
        rag_kind=RagKind.RELATIVE,
        rag_tolerance=Decimal(spec.tolerance),
        rag_tolerance_kind=ToleranceKindChoice.UNITS,
        computed_metric=spec.metric,
        pathway=pathway,
        metric_days=spec.days,
    )


def _define_contract(area: Area, spec: ContractSpec, commission: Commission) -> Indicator:
    rate = bool(spec.denominator)
    target = spec.target if spec.target is not None else _monthly_capacity(commission)
    return _create(
        area,
        code=spec.code,
        name=spec.name,
        description=spec.description,
        counted=spec.description,
        numerator_label=spec.numerator,
        denominator_label=spec.denominator,
        domain=spec.domain,
        unit=(kpi.Unit.PERCENT if rate else kpi.Unit.COUNT).value,
        polarity=kpi.Polarity.HIGHER_IS_BETTER.value,
        frequency=kpi.Frequency.MONTHLY.value,
        source=kpi.Source.PROVIDER.value,
        decimal_places=1 if rate else 0,
        target=Decimal(target),
        rag_kind=RagKind.RELATIVE,
        rag_tolerance=Decimal(spec.tolerance),
        rag_tolerance_kind=spec.tolerance_kind,
        commission=commission,
    )


def _compute(area: Area, on: dt.date) -> tuple[services.ComputeResult, services.ComputeResult]:
    """Two runs of the compute-indicators function: the year to the month 13 months back, as
    on its last day, then the year to the reference date. A KPI that could not be computed
    stops the run."""
    current = kpi.period_of(on, kpi.Frequency.MONTHLY)
    earlier = current.shifted(-(services.LOOKBACK_MONTHS + 1))
    results = (
        services.indicators_compute(today=earlier.end, area_id=area.pk),
        services.indicators_compute(today=on, area_id=area.pk),
    )
    for result in results:
        if result.failed:
            raise GenerationError(
                f"{result.failed} of the computed KPIs of {area.name} could not be computed."
            )
    return results


def _months(on: dt.date, commission: Commission) -> list[Month]:
    """The ``HISTORY_MONTHS`` months to the one before the reference date's, from the month
    the contract started."""
    current = kpi.period_of(on, kpi.Frequency.MONTHLY)
    periods = [
        period
        for period in kpi.previous_periods(current, HISTORY_MONTHS)
        if period.start >= commission.start_date.replace(day=1)
    ]
    count = len(periods)
    return [
        Month(period=period, index=index, ago=count - index) for index, period in enumerate(periods)
    ]


def _variation(
    indicator: Indicator, months: Sequence[Month], rows: Sequence[Row], on: dt.date
) -> spc.Variation | None:
    """The variation the dashboard's chart would show for these figures (``None`` if it has
    too few points)."""
    definition = indicator.definition()
    window = {period.start for period in selectors.window(indicator, on=on, periods=WINDOW_PERIODS)}
    values = []
    for month, (numerator, denominator, _) in zip(months, rows, strict=True):
        if month.period.start not in window:
            continue
        value = kpi.period_value(definition, numerator=numerator, denominator=denominator).value
        if value is not None:
            values.append(value)
    if spc.xmr_problems(values):
        return None
    return spc.xmr(values, polarity=definition.polarity).variation


def _supply(
    rng: random.Random, indicator: Indicator, spec: ContractSpec, sizes: Sizes, on: dt.date
) -> KpiReturn:
    """The provider's return of its history for one contract KPI, through the providers' own
    import; a refused return stops the run with its row errors."""
    commission = indicator.commission
    assert commission is not None  # noqa: S101 - a contract KPI names its contract
    months = _months(on, commission)
    rows = spec.series(rng, months, sizes)
    for _ in range(DRAWS):
        if spec.expect is None or _variation(indicator, months, rows, on) in spec.expect:
            break
        rows = spec.series(rng, months, sizes)
    else:
        raise GenerationError(
            f"The values drawn for {spec.code} never showed the expected variation."
        )
    record = kpi_return_rows_import(
        acting_user=None,
        commission=commission,
        rows=[
            {
                "row": number,
                "indicator_code": indicator.code,
                "period_start": month.period.start,
                "numerator": numerator,
                "denominator": denominator,
                "note": note,
            }
            for number, (month, (numerator, denominator, note)) in enumerate(
                zip(months, rows, strict=True), start=1
            )
        ],
        file_name=f"{commission.reference}-{indicator.code}-history.json",
        today=on,
    )
    if record.status != ReturnStatus.IMPORTED:
        raise GenerationError(
            f"The return for {indicator.code} was refused: {record.error_list()[:3]}"
        )
    return record


def _close(area: Area, on: dt.date) -> int:
    """Close every period with a value that ended more than ``CLOSE_AFTER_MONTHS`` months
    before the reference date."""
    before = add_months(on, -CLOSE_AFTER_MONTHS)
    count = 0
    values = (
        IndicatorValue.objects.filter(indicator__area=area)
        .select_related("indicator", "indicator__area")
        .order_by("indicator__code", "period_start")
    )
    for value in values:
        if value.period.end >= before:
            continue
        services.period_close(
            acting_user=None, indicator=value.indicator, period_start=value.period_start, today=on
        )
        count += 1
    return count


# --- Responsibility disputes ---------------------------------------------------------------------


@dataclass(frozen=True)
class DisputeSpec:
    line: str
    disputer: str  # "icb" or "council"
    disputed: str
    raised_days_ago: tuple[int, int]
    bought: bool  # the line is one the ICB buys child by child (for a sensory OT line)
    resolved_after_days: tuple[int, int] | None = None
    outcome: str = ""
    outcome_note: str = ""


DISPUTES: tuple[DisputeSpec, ...] = (
    DisputeSpec(
        line=SENSORY_OT_LINE,
        disputer="icb",
        disputed=(
            "The ICB disputes that the sensory assessment and sensory diet programme in section "
            "G is health provision: the programme is delivered in school by school staff, so "
            "it educates or trains the child and belongs in section F, paid from the high "
            "needs block."
        ),
        raised_days_ago=(230, 270),
        bought=True,
        resolved_after_days=(35, 70),
        outcome=DisputeOutcome.SHARED,
        outcome_note=(
            "Agreed at the joint commissioning panel: the ICB pays for the sensory assessment "
            "and the therapist's reviews, the council for the sensory diet programme in "
            "school, until a sensory occupational therapy service is commissioned."
        ),
    ),
    DisputeSpec(
        line=SENSORY_OT_LINE,
        disputer="icb",
        disputed=(
            "The ICB disputes that sensory integration therapy named in section G is health "
            "provision it must commission: no commissioned service offers it, and the need "
            "it meets is described in section B as a learning need."
        ),
        raised_days_ago=(20, 45),
        bought=False,
    ),
    DisputeSpec(
        line=SHORT_BREAKS_LINE,
        disputer="council",
        disputed=(
            "Children's social care disputes that the overnight short breaks are social care "
            "provision for this child: the nights are needed because of the child's health "
            "needs at night, so they should be assessed for continuing care and funded by "
            "the ICB."
        ),
        raised_days_ago=(70, 110),
        bought=False,
    ),
)


_DISPUTED_LINES = tuple(dict.fromkeys(spec.line for spec in DISPUTES))


def _current_lines(area: Area, description: str) -> list[ProvisionLine]:
    """The lines with this description in the current (latest issued) version of each active
    plan of the area, in the order of the children's NHS numbers."""
    latest = {
        row["plan_id"]: row["latest"]
        for row in PlanVersion.objects.filter(
            plan__area=area, plan__status=PlanStatus.ACTIVE, state=VersionState.ISSUED
        )
        .values("plan_id")
        .annotate(latest=Max("number"))
    }
    lines = (
        ProvisionLine.objects.filter(
            version__plan__area=area,
            version__plan__status=PlanStatus.ACTIVE,
            version__state=VersionState.ISSUED,
            description=description,
        )
        .select_related("version__plan__child")
        .order_by("version__plan__child__nhs_number", "section", "position")
    )
    return [
        line
        for line in lines
        if latest.get(line.version.plan_id) == line.version.number
        and line.version.issued_date is not None
    ]


def _disputes(rng: random.Random, area: Area, on: dt.date) -> int:
    """Raise the disputes of ``DISPUTES`` (and resolve the one that was), each about a
    different child's line issued before the dispute was raised. A dispute with no such line
    in the area (a very small one) is left out."""
    partners = area_partners(area)
    bought = set(
        IndividualCommission.objects.filter(area=area).values_list("provision_line_id", flat=True)
    )
    children: set[int] = set()
    lines = {description: _current_lines(area, description) for description in _DISPUTED_LINES}
    made = 0
    for spec in DISPUTES:
        raised = on - dt.timedelta(days=rng.randint(*spec.raised_days_ago))
        candidates = [
            line
            for line in lines[spec.line]
            if line.version.plan.child_id not in children
            and line.version.issued_date is not None
            and line.version.issued_date <= raised
            and (line.pk in bought) == spec.bought
        ]
        if not candidates:
            continue
        line = rng.choice(candidates)
        children.add(line.version.plan.child_id)
        disputer: Organisation = partners[spec.disputer]
        try:
            dispute = commissioning_services.dispute_raise(
                acting_user=None,
                provision_line=line,
                disputing_organisation=disputer,
                disputed=spec.disputed,
                raised_on=raised,
            )
            if spec.resolved_after_days is not None:
                resolved = raised + dt.timedelta(days=rng.randint(*spec.resolved_after_days))
                commissioning_services.dispute_resolve(
                    acting_user=None,
                    dispute=dispute,
                    resolved_on=min(resolved, on),
                    outcome=spec.outcome,
                    outcome_note=spec.outcome_note,
                )
        except ValidationError as error:
            raise GenerationError(
                f"A responsibility dispute breaks the rules: {error.message_dict}"
            ) from error
        made += 1
    return made


# --- Clearing, and areas generated before this stage ---------------------------------------------


@transaction.atomic
def clear_performance(area: Area) -> None:
    """Delete a synthetic area's indicators (with their values, revisions and closed
    periods), its providers' returns and its responsibility disputes."""
    if not area.is_synthetic:
        raise GenerationError(f"{area.name} is a real area: its KPIs are never cleared.")
    ResponsibilityDispute.objects.filter(area=area).delete()
    KpiReturn.objects.filter(commission__area=area).delete()
    ClosedPeriod.objects.filter(indicator__area=area).delete()
    Indicator.objects.filter(area=area).delete()


def performance_add_if_missing(*, area: Area, seed: int, on: dt.date) -> bool:
    """Give a synthetic area generated before this stage existed its KPIs and disputes.
    Returns whether anything was made (nothing for a real area, one that already has
    indicators, or one without commissions)."""
    if not area.is_synthetic:
        return False
    if Indicator.objects.filter(area=area).exists():
        return False
    if not Commission.objects.filter(area=area).exists():
        return False
    performance_generate(area=area, seed=seed, on=on)
    return True
