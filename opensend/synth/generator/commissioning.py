"""Joint commissioning in a synthetic area, as the seeds describe it: a jointly commissioned
speech and language therapy service (the ICB as lead commissioner, the council contributing
from the high needs block) coming up for re-procurement, a children's equipment store under a
section 75 pooled budget, CAMHS commissioned by the ICB alone, the neurodevelopmental
assessment service (contracted for less than the demand its waiting list shows), occupational
therapy and physiotherapy, SENDIASS on aligned budgets, mediation, and short breaks from the
social care budget; the commissioning cycle of each, with the decisions taken and which partner
agreed them; and **sensory occupational therapy bought child by child** (Halton's finding):
no commission of that type, but spot purchases for many of the children whose current EHC plan
names it, linked to the plan's provision line (the others are the gap).

Every commission is checked with ``opensend.commissioning.rules`` (the period, the values, the
arrangement and its contributions) before it is written, as ``commissioning.services`` checks
it; a generator that broke a rule stops with the rule's message. Rows are written with
``bulk_create``; the run's access log entry is the generator's.

Values are a Halton-sized area's, scaled by the area's children (never below a quarter), to the
nearest £1,000. Dates are relative to the reference date. The stage draws from a random number
generator of its own, derived from the seed and the LA code.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from opensend.commissioning import rules
from opensend.commissioning.codes import (
    Arrangement,
    CapacityUnit,
    CommissionStatus,
    CycleStageKind,
    FundingStream,
    ProvisionType,
)
from opensend.commissioning.models import (
    Commission,
    CommissioningProject,
    Contribution,
    CycleStage,
    Decision,
    DecisionAgreement,
    DecisionEvidence,
    IndividualCommission,
)
from opensend.core.calendar import add_months
from opensend.core.models import Area, Organisation
from opensend.directory.models import Service
from opensend.ehc.models import PlanStatus, ProvisionLine, VersionState
from opensend.pathways.models import Pathway
from opensend.synth import names
from opensend.synth.generator.context import GenerationError
from opensend.synth.generator.pathways import (
    HALTON_CHILDREN,
    PATHWAYS,
    area_partners,
    children_scale,
    pathways_generate,
)

__all__ = [
    "COMMISSIONS",
    "SENSORY_OT_LINE",
    "clear_commissioning",
    "commissioning_add_if_missing",
    "commissioning_generate",
]

#: The provision line the EHC stage writes into plans that name sensory occupational therapy.
SENSORY_OT_LINE = "Occupational therapy sensory assessment and a sensory diet programme"
#: Never less than this share of a Halton-sized area's values: a service has a smallest size.
SMALLEST_SCALE = 0.25
#: The share of plans naming sensory OT for which it is bought; the others go without.
BOUGHT_SHARE = 0.4


@dataclass(frozen=True)
class CommissionSpec:
    """A commission at Halton's size. ``contributions`` are (commissioner: ``council`` or
    ``icb``, funding stream, pounds a year); the value is their sum. ``started_years_ago``
    and ``years`` place the contract around the reference date (financial years from
    1 April); ``expiring`` puts its end four to seven months after the reference date with a
    re-procurement decision due within the month."""

    code: str
    title: str
    purpose: str
    provision_type: str
    provider: str
    services: tuple[str, ...]
    arrangement: str
    contributions: tuple[tuple[str, str, int], ...]
    lead: str = ""
    s75: bool = False
    capacity: tuple[int, str] | None = None
    started_years_ago: int = 1
    years: int = 3
    extension_years: int = 0
    expiring: bool = False
    review_in_days: int = 120
    outcomes: tuple[str, ...] = ()


COMMISSIONS: tuple[CommissionSpec, ...] = (
    CommissionSpec(
        code="SALT",
        title="Children's speech and language therapy",
        purpose=(
            "Assessment, therapy and training for children and young people aged 0 to 19 with "
            "speech, language and communication needs, and the speech and language therapy "
            "named in EHC plans, jointly commissioned by the ICB and the council."
        ),
        provision_type=ProvisionType.SALT,
        provider="community_trust",
        services=(
            "Children's speech and language therapy",
            "Talking Time speech and language drop-in",
        ),
        arrangement=Arrangement.LEAD,
        lead="icb",
        contributions=(
            ("icb", FundingStream.ICB, 640_000),
            ("council", FundingStream.HIGH_NEEDS, 210_000),
        ),
        capacity=(14_000, CapacityUnit.HOURS),
        years=5,
        expiring=True,
        review_in_days=40,
        outcomes=(
            "92% of children seen within 18 weeks of referral",
            "Speech and language therapy advice for EHC needs assessments returned within 6 weeks",
            "Every school and early years setting offered training in language-rich "
            "classrooms each year",
            "Provision in section G of EHC plans delivered as written",
        ),
    ),
    CommissionSpec(
        code="EQUIP",
        title="Children's community equipment store",
        purpose=(
            "Assessment for, supply, delivery, fitting, maintenance and recycling of "
            "equipment for disabled children at home and in education, from one store funded "
            "by a pooled budget."
        ),
        provision_type=ProvisionType.EQUIPMENT,
        provider="council",
        services=("Children's community equipment service",),
        arrangement=Arrangement.POOLED,
        contributions=(
            ("council", FundingStream.SOCIAL_CARE, 165_000),
            ("icb", FundingStream.ICB, 215_000),
        ),
        s75=True,
        started_years_ago=2,
        years=5,
        review_in_days=75,
        outcomes=(
            "Standard equipment delivered within 7 working days of the prescription",
            "At least 60% of returned equipment recycled",
        ),
    ),
    CommissionSpec(
        code="CAMHS",
        title="Child and adolescent mental health service (CAMHS)",
        purpose=(
            "Assessment and treatment for children and young people up to 18 with moderate to "
            "severe mental health needs, with a mental health support team in schools."
        ),
        provision_type=ProvisionType.CAMHS,
        provider="mental_health_trust",
        services=(
            "Child and adolescent mental health service (CAMHS)",
            "Mental health support team in schools",
        ),
        arrangement=Arrangement.SOLE,
        contributions=(("icb", FundingStream.ICB, 1_450_000),),
        capacity=(900, CapacityUnit.ASSESSMENTS),
        started_years_ago=2,
        years=5,
        extension_years=2,
        review_in_days=150,
        outcomes=(
            "92% of children and young people starting treatment within 18 weeks",
            "Urgent referrals seen within 7 days",
        ),
    ),
    CommissionSpec(
        code="ND",
        title="Neurodevelopmental assessment service (autism and ADHD)",
        purpose=(
            "Multidisciplinary assessment for autism and ADHD for children and young people up "
            "to 18, with support for families while they wait and after diagnosis."
        ),
        provision_type=ProvisionType.NEURODEVELOPMENTAL,
        provider="community_trust",
        services=(
            "Neurodevelopmental pathway (autism and ADHD assessment)",
            "Waiting well: support while you wait for an autism or ADHD assessment",
        ),
        arrangement=Arrangement.SOLE,
        contributions=(("icb", FundingStream.ICB, 720_000),),
        started_years_ago=3,
        years=4,
        extension_years=1,
        review_in_days=20,
        outcomes=(
            "Referrals triaged within 10 working days",
            "92% of children assessed within 18 weeks of referral",
            "Every family offered support while waiting",
        ),
    ),
    CommissionSpec(
        code="OT",
        title="Children's occupational therapy",
        purpose=(
            "Occupational therapy for children and young people with physical, motor and "
            "daily living needs. It does not include sensory integration therapy."
        ),
        provision_type=ProvisionType.OT,
        provider="community_trust",
        services=("Children's occupational therapy",),
        arrangement=Arrangement.SOLE,
        contributions=(("icb", FundingStream.ICB, 310_000),),
        started_years_ago=2,
        years=4,
        review_in_days=200,
        outcomes=("92% of children seen within 18 weeks of referral",),
    ),
    CommissionSpec(
        code="PHYS",
        title="Children's physiotherapy",
        purpose="Physiotherapy for children and young people with physical disabilities.",
        provision_type=ProvisionType.PHYSIO,
        provider="acute_trust",
        services=("Children's physiotherapy",),
        arrangement=Arrangement.SOLE,
        contributions=(("icb", FundingStream.ICB, 240_000),),
        started_years_ago=2,
        years=4,
        review_in_days=200,
        outcomes=("92% of children seen within 18 weeks of referral",),
    ),
    CommissionSpec(
        code="IAS",
        title="SEND information, advice and support service (SENDIASS)",
        purpose=(
            "Impartial, confidential information, advice and support about SEND for children, "
            "young people and parents, including health matters, on aligned budgets."
        ),
        provision_type=ProvisionType.ADVICE,
        provider="sendiass",
        services=("SEND information, advice and support service (SENDIASS)",),
        arrangement=Arrangement.ALIGNED,
        contributions=(
            ("council", FundingStream.HIGH_NEEDS, 96_000),
            ("icb", FundingStream.ICB, 28_000),
        ),
        started_years_ago=1,
        years=3,
        review_in_days=100,
        outcomes=(
            "Enquiries answered within 3 working days",
            "At least 90% of families rating the service good or better",
        ),
    ),
    CommissionSpec(
        code="MED",
        title="SEND mediation and disagreement resolution",
        purpose=(
            "Independent mediation about EHC needs assessments and plans, and disagreement "
            "resolution for any SEND disagreement."
        ),
        provision_type=ProvisionType.ADVICE,
        provider="mediation",
        services=("SEND mediation and disagreement resolution",),
        arrangement=Arrangement.SOLE,
        contributions=(("council", FundingStream.HIGH_NEEDS, 34_000),),
        capacity=(80, CapacityUnit.SESSIONS),
        started_years_ago=1,
        years=3,
        review_in_days=160,
        outcomes=("Mediation meetings held within 30 days of the request",),
    ),
    CommissionSpec(
        code="SB",
        title="Short breaks for disabled children",
        purpose=(
            "Saturday clubs, holiday playschemes and befriending for disabled children and "
            "young people, and breaks from caring for their families."
        ),
        provision_type=ProvisionType.SHORT_BREAKS,
        provider="short_breaks",
        services=(
            "Saturday short breaks club",
            "Holiday playscheme for disabled children",
            "Buddy Up befriending",
        ),
        arrangement=Arrangement.SOLE,
        contributions=(("council", FundingStream.SOCIAL_CARE, 460_000),),
        capacity=(220, CapacityUnit.PLACES),
        started_years_ago=2,
        years=4,
        review_in_days=90,
        outcomes=(
            "Every eligible family offered a break within 8 weeks of assessment",
            "Places used at least 85% of the time",
        ),
    ),
)

#: The commissioners' signatories: job titles; names are drawn.
SIGNATORIES = {
    "council": "Director of Children's Services",
    "icb": "Director of Nursing and Quality",
    "provider": "Director of Operations",
}


def _financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _money(pounds: float) -> Decimal:
    return Decimal(max(1000, round(pounds / 1000) * 1000))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Builder:
    def __init__(
        self, *, area: Area, rng: random.Random, on: dt.date, partners: dict[str, Organisation]
    ) -> None:
        self.area = area
        self.rng = rng
        self.on = on
        self.partners = partners
        self.picker = names.NamePicker(rng)
        base = area.name.replace("(synthetic)", "").strip() or area.name
        self.domain = f"{_slug(base) or 'area'}.example.org"
        self.stages: list[CycleStage] = []
        self.decisions: list[tuple[CycleStage, Decision, list[Organisation], str]] = []

    def signatory(self, key: str) -> str:
        sex = self.rng.choice("FM")
        name = f"{self.picker.adult_forename(sex)} {self.picker.surname('british')}"
        return f"{name}, {SIGNATORIES[key]}"

    def stage(
        self,
        *,
        kind: str,
        started: dt.date,
        completed: dt.date | None,
        notes: str = "",
        commission: Commission | None = None,
        project: CommissioningProject | None = None,
    ) -> CycleStage:
        stage = CycleStage(
            commission=commission,
            project=project,
            stage=kind,
            started_on=started,
            completed_on=completed,
            notes=notes,
        )
        self.stages.append(stage)
        return stage

    def decide(
        self, stage: CycleStage, summary: str, on: dt.date, agreed_by: list[Organisation]
    ) -> None:
        if on < stage.started_on or on > self.on:
            raise GenerationError(f"A decision on {on} is outside its stage or in the future.")
        decision = Decision(
            stage=stage,
            summary=summary,
            decided_on=on,
            recorded_at=dt.datetime.combine(on, dt.time(16, 0), tzinfo=dt.UTC),
        )
        self.decisions.append((stage, decision, agreed_by, _slug(summary)[:60]))


# --- The stage --------------------------------------------------------------------------------


def commissioning_generate(
    *, area: Area, seed: int, on: dt.date, scale: float | None = None
) -> dict[str, int]:
    """Generate a synthetic area's commissions, their cycles, the commissioning projects and
    the spot purchases of sensory occupational therapy; return the rows written per table.
    Refuses a real area and an area that already has commissions."""
    if not area.is_synthetic:
        raise GenerationError(f"{area.name} is a real area: its commissions are never generated.")
    if Commission.objects.filter(area=area).exists():
        raise GenerationError(f"{area.name} already has commissions; clear them first.")
    partners = area_partners(area)
    wanted = {spec.provider for spec in COMMISSIONS} | {"council", "icb", "therapy_partners"}
    missing = sorted(wanted - set(partners))
    if missing:
        raise GenerationError(
            f"{area.name} has no {', '.join(key.replace('_', ' ') for key in missing)} for its "
            "commissions: regenerate it with `opensend synth --replace`."
        )
    size = max(children_scale(area) if scale is None else scale, SMALLEST_SCALE)
    rng = random.Random(f"opensend-synth-commissioning-{seed}-{area.la_code}")
    builder = _Builder(area=area, rng=rng, on=on, partners=partners)
    commissions, contributions, links = _commissions(builder, size)
    Commission.objects.bulk_create(commissions)
    for contribution in contributions:
        contribution.commission_id = contribution.commission.pk
    Contribution.objects.bulk_create(contributions)
    through = Commission.services.through
    through.objects.bulk_create(
        [
            through(commission_id=commission.pk, service_id=service.pk)
            for commission, service in links
        ]
    )
    purchases = _spot_purchases(builder)
    IndividualCommission.objects.bulk_create(purchases, batch_size=1000)
    by_code = {commission.reference.split("-")[1]: commission for commission in commissions}
    projects = _cycles(builder, by_code, purchases)
    return {
        "commissioning.Commission": len(commissions),
        "commissioning.Contribution": len(contributions),
        "commissioning.Commission.services": len(links),
        "commissioning.IndividualCommission": len(purchases),
        "commissioning.CommissioningProject": projects,
        **_write_cycles(builder),
    }


def _dates(spec: CommissionSpec, on: dt.date) -> tuple[dt.date, dt.date, dt.date | None]:
    """Start, end and re-procurement decision date of a commission."""
    if spec.expiring:
        end = on + dt.timedelta(days=120)
        while (end.month, end.day) not in ((3, 31), (9, 30)):
            end += dt.timedelta(days=1)
        start = dt.date(end.year - spec.years, end.month, end.day) + dt.timedelta(days=1)
        return start, end, on + dt.timedelta(days=25)
    start = dt.date(_financial_year(on) - spec.started_years_ago, 4, 1)
    end = dt.date(start.year + spec.years, 3, 31)
    return start, end, None


def _commissions(
    builder: _Builder, size: float
) -> tuple[list[Commission], list[Contribution], list[tuple[Commission, Service]]]:
    area, on, partners = builder.area, builder.on, builder.partners
    services = list(Service.objects.filter(area=area).order_by("name", "pk"))
    commissions: list[Commission] = []
    contributions: list[Contribution] = []
    links: list[tuple[Commission, Service]] = []
    nd_assessments = sum(
        spec.referrals * spec.capacity * (1 - spec.not_accepted) * 12
        for spec in PATHWAYS
        if spec.kind in ("nd_autism", "nd_adhd")
    )
    for spec in COMMISSIONS:
        start, end, reprocure = _dates(spec, on)
        amounts = [
            (partners[who], stream, _money(pounds * size))
            for who, stream, pounds in spec.contributions
        ]
        value = sum((amount for _, _, amount in amounts), Decimal(0))
        years = (
            end.year - start.year + (1 if (end.month, end.day) >= (start.month, start.day) else 0)
        )
        capacity = spec.capacity
        if spec.code == "ND":
            # contracted for the assessments the pathway can do: less than its demand
            capacity = (
                round(nd_assessments * HALTON_CHILDREN / 1000 * size),
                CapacityUnit.ASSESSMENTS,
            )
        commission = Commission(
            area=area,
            reference=f"JC-{spec.code}-{start.year}",
            title=spec.title,
            purpose=spec.purpose,
            provision_type=spec.provision_type,
            provider=partners[spec.provider],
            start_date=start,
            end_date=end,
            annual_value=value,
            whole_life_value=value * max(years, 1),
            capacity_quantity=(
                Decimal(max(1, round(capacity[0] * (1 if spec.code == "ND" else size))))
                if capacity
                else None
            ),
            capacity_unit=capacity[1] if capacity else "",
            arrangement=spec.arrangement,
            lead_commissioner=partners[spec.lead] if spec.lead else None,
            s75_reference=(
                f"S75/{area.la_code}/{start.year}/CHILDREN-EQUIPMENT" if spec.s75 else ""
            ),
            status=CommissionStatus.LIVE if start <= on <= end else CommissionStatus.PLANNED,
            review_date=on + dt.timedelta(days=spec.review_in_days),
            contract_expiry=dt.date(end.year + spec.extension_years, end.month, end.day),
            reprocurement_decision_date=reprocure,
            outcomes="\n".join(spec.outcomes),
            created_at=dt.datetime.combine(
                start - dt.timedelta(days=60), dt.time(9, 0), tzinfo=dt.UTC
            ),
            updated_at=dt.datetime.combine(start, dt.time(9, 0), tzinfo=dt.UTC),
        )
        _check(commission, amounts)
        commissions.append(commission)
        contributions.extend(
            Contribution(
                commission=commission, commissioner=who, funding_stream=stream, annual_amount=amount
            )
            for who, stream, amount in amounts
        )
        links.extend(
            (commission, service)
            for service in services
            if any(service.name.startswith(prefix) for prefix in spec.services)
        )
    return commissions, contributions, links


def _check(commission: Commission, amounts: list[tuple[Organisation, str, Decimal]]) -> None:
    """The rules ``commissioning.services`` checks a commission with."""
    errors: rules.Errors = {}
    for found in (
        rules.period_errors(commission.start_date, commission.end_date),
        rules.value_errors(
            start=commission.start_date,
            end=commission.end_date,
            annual_value=commission.annual_value,
            whole_life=commission.whole_life_value,
        ),
        rules.arrangement_errors(
            arrangement=commission.arrangement,
            annual_value=commission.annual_value,
            lead_commissioner_id=commission.lead_commissioner_id,
            s75_reference=commission.s75_reference,
            contributions=[
                rules.ContributionRow(
                    commissioner_id=who.pk,
                    commissioner_name=who.name,
                    commissioner_kind=who.kind,
                    funding_stream=stream,
                    annual_amount=amount,
                )
                for who, stream, amount in amounts
            ],
        ),
    ):
        for field, messages in found.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise GenerationError(f"Commission {commission.reference} breaks the rules: {errors}")


# --- Sensory OT, bought child by child ---------------------------------------------------------


def _spot_purchases(builder: _Builder) -> list[IndividualCommission]:
    """A spot purchase for each year since the plan was issued, for ``BOUGHT_SHARE`` of the
    active plans whose current version names sensory occupational therapy, from the
    independent therapy provider (no commissioned service offers it), paid by the ICB as the
    line says."""
    area, rng, on = builder.area, builder.rng, builder.on
    current = (
        ProvisionLine.objects.filter(
            version__plan__area=area,
            version__plan__status=PlanStatus.ACTIVE,
            version__state=VersionState.ISSUED,
        )
        .values("version__plan_id")
        .annotate(latest=Max("version__number"))
    )
    latest = {row["version__plan_id"]: row["latest"] for row in current}
    lines = (
        ProvisionLine.objects.filter(
            version__plan__area=area,
            version__plan__status=PlanStatus.ACTIVE,
            version__state=VersionState.ISSUED,
            description=SENSORY_OT_LINE,
        )
        .select_related("version", "version__plan")
        .order_by("version__plan__child__date_of_birth", "version__plan_id", "pk")
    )
    provider = builder.partners["therapy_partners"]
    commissioner = builder.partners["icb"]
    purchases: list[IndividualCommission] = []
    for line in lines:
        version = line.version
        if latest.get(version.plan_id) != version.number or version.issued_date is None:
            continue
        if rng.random() >= BOUGHT_SHARE:
            continue  # named in the plan, bought for nobody: the gap the seeds describe
        start = version.issued_date + dt.timedelta(days=rng.randint(21, 84))
        while start <= on:
            sessions = rng.choice((6, 6, 8, 10))
            cost = Decimal(450 + sessions * rng.choice((85, 90, 95, 110)))
            end = add_months(start, 12) - dt.timedelta(days=1)
            errors = rules.period_errors(start, end, noun="purchase")
            if errors:
                raise GenerationError(f"A spot purchase breaks the rules: {errors}")
            purchases.append(
                IndividualCommission(
                    area=area,
                    child_id=version.plan.child_id,
                    provision_line=line,
                    commissioner=commissioner,
                    provider=provider,
                    provision_type=ProvisionType.SENSORY_OT,
                    description=(
                        f"Sensory integration assessment and {sessions} therapy sessions, with "
                        "a sensory diet programme for home and school"
                    ),
                    cost=cost,
                    start_date=start,
                    end_date=end,
                    created_at=dt.datetime.combine(start, dt.time(11, 0), tzinfo=dt.UTC),
                )
            )
            start = add_months(start, 12)
    return purchases


# --- The commissioning cycle ------------------------------------------------------------------


def _cycles(
    builder: _Builder, by_code: dict[str, Commission], purchases: list[IndividualCommission]
) -> int:
    """The stages and decisions of each commission, and the two commissioning projects."""
    on, partners = builder.on, builder.partners
    council, icb = partners["council"], partners["icb"]

    def months(count: int) -> dt.date:
        return add_months(on, -count)

    for commission in by_code.values():
        builder.stage(
            kind=CycleStageKind.DO,
            started=commission.start_date,
            completed=None,
            notes="The contract is delivered and monitored quarterly.",
            commission=commission,
        )

    salt = by_code["SALT"]
    salt_do = builder.stages[list(by_code.values()).index(salt)]
    salt_do.completed_on = months(14)
    review = builder.stage(
        kind=CycleStageKind.REVIEW,
        started=months(14),
        completed=months(9),
        commission=salt,
        notes="Contract review ahead of the end of the contract.",
    )
    builder.decide(
        review,
        "The service meets four of its six KPIs; school-age children wait too long. Agreed to "
        "re-procure jointly rather than extend, after a joint needs analysis.",
        months(10),
        [icb, council, salt.provider],
    )
    understand = builder.stage(
        kind=CycleStageKind.UNDERSTAND,
        started=months(9),
        completed=months(5),
        commission=salt,
        notes="Joint needs analysis of speech, language and communication needs.",
    )
    builder.decide(
        understand,
        "Joint needs analysis accepted: SLCN is the most common primary need of children on "
        "SEN support under 11, and demand from EHC plans has risen each year.",
        months(6),
        [icb, council],
    )
    plan = builder.stage(
        kind=CycleStageKind.PLAN,
        started=months(5),
        completed=None,
        commission=salt,
        notes="Service specification and procurement plan.",
    )
    builder.decide(
        plan,
        "New specification agreed: the ICB remains lead commissioner, the council contributes "
        "from the high needs block, three years with an option of two more; the decision to "
        f"award is due by {salt.reprocurement_decision_date:%-d %B %Y}.",
        months(3),
        [icb, council],
    )

    equipment = by_code["EQUIP"]
    review = builder.stage(
        kind=CycleStageKind.REVIEW,
        started=months(4),
        completed=None,
        commission=equipment,
        notes="Annual review of the section 75 agreement.",
    )
    builder.decide(
        review,
        "The pooled budget continues for another year under the section 75 agreement, with "
        "both partners' contributions uprated by 3%.",
        months(3),
        [council, icb],
    )

    nd = by_code["ND"]
    review = builder.stage(
        kind=CycleStageKind.REVIEW,
        started=months(6),
        completed=None,
        commission=nd,
        notes="Demand against contracted capacity.",
    )
    builder.decide(
        review,
        "Referrals are running well above the contracted number of assessments and the "
        "waiting list has grown every month. Agreed a waiting-list initiative and a redesign "
        "of the pathway with schools and the parent carer forum.",
        months(5),
        [icb, nd.provider],
    )

    camhs = by_code["CAMHS"]
    camhs_do = builder.stages[list(by_code.values()).index(camhs)]
    camhs_do.completed_on = months(20)
    review = builder.stage(
        kind=CycleStageKind.REVIEW,
        started=months(20),
        completed=months(18),
        commission=camhs,
        notes="Waiting times review.",
    )
    builder.decide(
        review,
        "Extra investment agreed to bring CAMHS waits down: capacity for first appointments "
        "up by more than half from next month.",
        months(19),
        [icb, camhs.provider],
    )
    builder.stage(
        kind=CycleStageKind.DO,
        started=months(18),
        completed=None,
        commission=camhs,
        notes="Delivering the increased capacity.",
    )

    sensory = CommissioningProject(
        area=builder.area,
        title="Sensory occupational therapy: the case for a commissioned service",
        description=(
            "No sensory occupational therapy is commissioned, so it is bought child by child "
            "whenever an EHC plan names it. Gather the evidence and decide whether to "
            "commission a service."
        ),
        created_at=dt.datetime.combine(months(10), dt.time(9, 0), tzinfo=dt.UTC),
    )
    redesign = CommissioningProject(
        area=builder.area,
        title="Neurodevelopmental pathway redesign",
        description=(
            "A needs-led pathway: support in school without waiting for a diagnosis, and "
            "assessment capacity matched to demand."
        ),
        created_at=dt.datetime.combine(months(5), dt.time(9, 0), tzinfo=dt.UTC),
    )
    CommissioningProject.objects.bulk_create([sensory, redesign])
    through = CommissioningProject.partners.through
    through.objects.bulk_create(
        [
            through(commissioningproject_id=project.pk, organisation_id=organisation.pk)
            for project, organisation in (
                (sensory, council),
                (sensory, icb),
                (redesign, council),
                (redesign, icb),
                (redesign, nd.provider),
            )
        ]
    )
    year_ago = months(12)
    last_year = [p for p in purchases if year_ago <= p.start_date <= months(2)]
    spend = sum((p.cost for p in last_year), Decimal(0))
    understand = builder.stage(
        kind=CycleStageKind.UNDERSTAND,
        started=months(10),
        completed=months(4),
        project=sensory,
        notes="Audit of spot purchases and of plans naming sensory OT.",
    )
    builder.decide(
        understand,
        f"Audit accepted: sensory occupational therapy was bought {len(last_year)} times for "
        f"individual children in the twelve months to {months(2):%B %Y}, at £{spend:,.0f}, "
        "with no commissioned service and no quality assurance of providers.",
        months(5),
        [council, icb],
    )
    plan = builder.stage(
        kind=CycleStageKind.PLAN,
        started=months(4),
        completed=None,
        project=sensory,
        notes="Options appraisal and market engagement.",
    )
    builder.decide(
        plan,
        "Agreed to draft a specification for a jointly commissioned sensory OT service and to "
        "hold a market engagement event with local providers.",
        months(2),
        [council, icb],
    )
    understand = builder.stage(
        kind=CycleStageKind.UNDERSTAND,
        started=months(5),
        completed=None,
        project=redesign,
        notes="Listening to families and schools.",
    )
    builder.decide(
        understand,
        "Co-production group set up with the parent carer forum, schools and the trust.",
        months(4),
        [council, icb, nd.provider],
    )
    return 2


def _write_cycles(builder: _Builder) -> dict[str, int]:
    for stage in builder.stages:
        stage.commission_id = stage.commission.pk if stage.commission else None
        stage.project_id = stage.project.pk if stage.project else None
    CycleStage.objects.bulk_create(builder.stages)
    decisions = [decision for _, decision, _, _ in builder.decisions]
    for stage, decision, _, _ in builder.decisions:
        decision.stage_id = stage.pk
    Decision.objects.bulk_create(decisions)
    agreements: list[DecisionAgreement] = []
    evidence: list[DecisionEvidence] = []
    for stage, decision, agreed_by, slug in builder.decisions:
        parties = _parties(stage)
        for index, organisation in enumerate(agreed_by):
            if organisation.pk not in parties:
                raise GenerationError(
                    f"{organisation.name} is not party to {stage}, so cannot agree its decisions."
                )
            key = (
                "council"
                if organisation == builder.partners["council"]
                else "icb"
                if organisation == builder.partners["icb"]
                else "provider"
            )
            agreements.append(
                DecisionAgreement(
                    decision=decision,
                    organisation=organisation,
                    agreed_by_name=builder.signatory(key),
                    agreed_on=decision.decided_on
                    + dt.timedelta(days=min(index * builder.rng.randint(1, 6), 20)),
                )
            )
        evidence.append(
            DecisionEvidence(
                decision=decision,
                title=f"Paper and minutes, {decision.decided_on:%-d %B %Y}",
                url=f"https://{builder.domain}/commissioning/{decision.decided_on:%Y-%m}-{slug}",
            )
        )
    for agreement in agreements:
        if agreement.agreed_on > builder.on:
            agreement.agreed_on = builder.on
    DecisionAgreement.objects.bulk_create(agreements)
    DecisionEvidence.objects.bulk_create(evidence)
    return {
        "commissioning.CycleStage": len(builder.stages),
        "commissioning.Decision": len(decisions),
        "commissioning.DecisionAgreement": len(agreements),
        "commissioning.DecisionEvidence": len(evidence),
    }


def _parties(stage: CycleStage) -> set[int]:
    """The organisations party to what a stage is about (as ``commissioning.services``
    allows to agree a decision)."""
    if stage.commission is not None:
        commission = stage.commission
        parties = set(commission.contributions.values_list("commissioner_id", flat=True))
        parties.add(commission.provider_id)
        if commission.lead_commissioner_id is not None:
            parties.add(commission.lead_commissioner_id)
        return parties
    assert stage.project is not None  # noqa: S101 - the check constraint
    return set(stage.project.partners.values_list("pk", flat=True))


# --- Clearing, and areas generated before this stage --------------------------------------------


def clear_commissioning(area: Area) -> None:
    """Delete a synthetic area's commissions (with their contributions, cycles, decisions and
    reminders), projects and spot purchases."""
    if not area.is_synthetic:
        raise GenerationError(f"{area.name} is a real area: its commissions are never cleared.")
    IndividualCommission.objects.filter(area=area).delete()
    Commission.objects.filter(area=area).delete()
    CommissioningProject.objects.filter(area=area).delete()


def commissioning_add_if_missing(*, area: Area, seed: int, on: dt.date) -> bool:
    """Give a synthetic area generated before these stages existed its pathways and
    commissions. Returns whether anything was made (nothing for a real area, or one that
    already has pathways or commissions)."""
    if not area.is_synthetic:
        return False
    if Pathway.objects.filter(area=area).exists() or Commission.objects.filter(area=area).exists():
        return False
    pathways_generate(area=area, seed=seed, on=on)
    commissioning_generate(area=area, seed=seed, on=on)
    return True
