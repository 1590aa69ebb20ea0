"""Stage 8: EHC histories — requests, assessments, plans, annual reviews and ceased plans —
calibrated to the profile's published timeliness, refusal and review figures.

Every child with a plan gets the history that led to it: a request (or a plan transferred in
from another area), the decision to assess, advice from education, health, educational
psychology and social care (some of it late), the decision to issue, the draft with the
family, consultation with settings, the final plan (sections A to K, provision lines with their
commissioners and costs, section I naming the child's setting), and annual reviews every year
since, each maintaining or amending the plan, up to the review open now. Children on SEN
support carry the requests of the last 15 months that did not lead to a plan: refused, not
issued, withdrawn, or still open at every stage. Young people who left have ceased plans.

The per-case services are not used (each writes an access log entry, and an area holds up to
20,000 plans). The stage keeps their invariants instead: the statutory dates come from
``opensend.ehc.rules`` with the area's day counting; each case has the ``Step`` rows the
services would have opened and closed, with the same due dates, holders and suspensions;
``Plan.next_review_due`` and ``last_review_date`` follow the reviews; every issued version is
kept; case events record the main steps. The tests check each against the services' rules.

It runs in two parts so that nothing earlier changes: ``stage_ehc`` (before the people rows are
written) decides every case with its own random number generator, derived from the seed, and
adds the people rows the EHC process makes (young people who left, with their status history);
``write_ehc`` (after them) builds the EHC rows case by case and writes them a few hundred cases
at a time, in dependency order, inside the generator's one transaction: the rows others refer
to with ``bulk_create`` (which sets their keys on SQLite and PostgreSQL), the rows nothing
refers to (steps, case events, provision lines, section I placements: most of the rows) with
one parametrised INSERT per batch.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import connections, models, router
from django.db.models import Q

from opensend.core.calendar import (
    DayCounting,
    academic_year_start,
    add_months,
    age_on,
    national_curriculum_year,
)
from opensend.core.codes import (
    DS_FIRST_CENSUS,
    AgencyType,
    CeaseReason,
    NeedRank,
    ResidentialCode,
    ReviewOutcome,
)
from opensend.core.codes import SENSetting as SENSettingCode
from opensend.core.models import SPECIAL_SETTING_TYPES, Area, Organisation, SettingType, User
from opensend.core.roles import SETTING_KINDS
from opensend.ehc import rules
from opensend.ehc.models import (
    EXCEPTION_STEP_KINDS,
    OPEN_REQUEST_STAGES,
    AdviceRequest,
    AdviceStatus,
    AdviceType,
    AnnualReview,
    AssessmentRequest,
    CaseEvent,
    Commissioner,
    Consultation,
    ConsultationResponse,
    Frequency,
    Plan,
    PlanPlacement,
    PlanStatus,
    PlanVersion,
    ProvisionLine,
    QuantityUnit,
    RequestKind,
    RequestSource,
    RequestStage,
    ReviewStage,
    Step,
    StepKind,
    TimeLimitException,
    VersionKind,
    VersionState,
)
from opensend.ehc.services.reviews import _SETTING_PHASES, PHASE_TRANSFER_LEAD
from opensend.people.models import (
    Child,
    FlagKind,
    Involvement,
    InvolvementKind,
    Need,
    Placement,
    PlacementKind,
    SENStatus,
    SENStatusPeriod,
)
from opensend.synth import identifiers, names, shapes
from opensend.synth.generator.context import (
    BATCH_SIZE,
    SOURCE,
    ChildDraft,
    Context,
    GenerationError,
    pick,
    school_start,
)
from opensend.synth.profiles import (
    AMEND_SHARE,
    CEASED_LEAVERS_PER_PLAN,
    ELSEWHERE_LA_CODE,
    EXCEPTION_SHARE,
    PERSONAL_BUDGET_SHARE,
    TRANSFER_IN_SHARE,
    WITHDRAWN_SHARE,
)

__all__ = [
    "EhcState",
    "clear_ehc",
    "demo_caseload_assign",
    "stage_ehc",
    "write_ehc",
]

#: Requests that did not lead to a plan are generated for this many days before the reference
#: date (15 months): a full year for the return and the manager's figures, and the quarter
#: before it, whose cases are still open or recently closed.
WINDOW_DAYS = 456
#: Young people who left have plans ceased in the 2 years before the reference date.
CEASE_WINDOW_DAYS = 730
#: Cases built before their rows are written; memory stays flat at any size.
CASES_PER_WRITE = 400
#: The earliest EHC request: Part 3 of the Children and Families Act 2014 began on 1 September
#: 2014.
EHC_START = dt.date(2014, 9, 1)
#: Shares and delays that no source gives (assumptions, listed in docs/synthetic-data.md).
ADVICE_LATE_WHEN_PLAN_ON_TIME = 0.10
ADVICE_LATE_WHEN_PLAN_LATE = 0.45
ADVICE_EXCEPTION_WHEN_OVERDUE = 0.15
REVIEW_REPORT_ON_TIME = 0.80
REVIEW_DECISION_ON_TIME = 0.75
AMENDED_PLAN_ON_TIME = 0.60
FAMILY_COMMENTS = 0.70
SECOND_CONSULTATION = 0.25
#: Who asks for an assessment (SEN2 v1.3 RequestSource): an assumption.
REQUEST_SOURCES: dict[str, float] = {
    RequestSource.PARENT: 0.46,
    RequestSource.SETTING: 0.40,
    RequestSource.HEALTH: 0.05,
    RequestSource.SOCIAL_CARE: 0.03,
    RequestSource.YOUNG_PERSON: 0.03,
    RequestSource.OTHER: 0.03,
}
#: Why a young person who left has a ceased plan (SEN2 CeaseReason): an assumption.
LEAVER_REASONS: dict[str, float] = {
    CeaseReason.HIGHER_EDUCATION: 0.20,
    CeaseReason.EMPLOYMENT: 0.25,
    CeaseReason.DISENGAGED: 0.20,
    CeaseReason.TRANSFERRED: 0.20,
    CeaseReason.MOVED_ABROAD: 0.05,
    CeaseReason.OTHER: 0.10,
}
#: Reasons that need a review showing the young person does not want to return (Reg 30).
_CEASE_AFTER_REVIEW = frozenset(
    {CeaseReason.HIGHER_EDUCATION, CeaseReason.EMPLOYMENT, CeaseReason.DISENGAGED}
)
#: The advice every assessment seeks (Reg 6(1)).
ADVICE_TYPES = (
    AdviceType.EDUCATION,
    AdviceType.HEALTH,
    AdviceType.PSYCHOLOGICAL,
    AdviceType.SOCIAL_CARE,
)
_ACUTE_NEEDS = frozenset({"HI", "VI", "MSI", "PMLD", "DS"})
_ADVICE_INVOLVEMENT_REASON = "Advice for an EHC needs assessment"


def _stamp(day: dt.date) -> dt.datetime:
    """A recorded-at time for something that happened on ``day``."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _days(day: dt.date, count: int) -> dt.date:
    return day + dt.timedelta(days=count)


def _money(pounds: int) -> Decimal:
    return Decimal(pounds).quantize(Decimal("0.01"))


# --- rows nothing refers to -------------------------------------------------------------------
#
# Steps, case events, provision lines and section I placements are most of the rows (a million
# and more in a large area). They are built as these light records, not model instances (which
# cost ten times as much to make), and written by ``_insert``: each attribute is the model
# field of the same name.


@dataclass(slots=True)
class _StepRow:
    kind: str
    child: Child
    opened_on: dt.date
    due_date: dt.date | None
    statutory: bool = True
    suspended: bool = False
    completed_on: dt.date | None = None
    cancelled: bool = False
    request: AssessmentRequest | None = None
    plan: Plan | None = None
    review: AnnualReview | None = None
    advice: AdviceRequest | None = None
    consultation: Consultation | None = None
    holder_organisation: Organisation | None = None


@dataclass(slots=True)
class _EventRow:
    child: Child
    action: str
    summary: str
    detail: dict[str, Any]
    event_date: dt.date
    recorded_at: dt.datetime
    request: AssessmentRequest | None = None
    plan: Plan | None = None


@dataclass(slots=True)
class _LineRow:
    version: PlanVersion
    section: str
    position: int
    description: str
    outcome: str
    quantity: Decimal | None
    unit: str
    frequency: str
    provider_organisation: Organisation | None
    provider_description: str
    commissioner: str
    annual_cost: Decimal | None


@dataclass(slots=True)
class _PlacementRow:
    version: PlanVersion
    setting: Organisation | None
    sen_setting: str
    sen_setting_other: str
    in_sen_unit: bool
    in_resourced_provision: bool
    residential: str
    rank: int = 1
    work_based: str = ""


_LEAF_MODELS: dict[type, type[models.Model]] = {
    _StepRow: Step,
    _EventRow: CaseEvent,
    _LineRow: ProvisionLine,
    _PlacementRow: PlanPlacement,
}


# --- what the plan says ------------------------------------------------------------------


@dataclass(frozen=True)
class _NeedText:
    label: str
    section_b: str
    section_c: str
    outcomes: tuple[str, ...]
    education: tuple[tuple[str, float | None, str, str], ...]
    health: tuple[tuple[str, float | None, str, str, str, int], ...] = ()


#: For each primary need: what sections B, C and E say, the special educational provision
#: (what, how much, unit, how often) and the health provision (what, how much, unit, how often,
#: which trust, yearly cost). Invented, plausible text; no real plan was used.
NEED_TEXT: dict[str, _NeedText] = {
    "ASD": _NeedText(
        "autism",
        "{name} is autistic. {name} finds changes to routine, busy rooms and noise hard, and "
        "needs help to understand what others mean and to join in with other children.",
        "{name} was diagnosed with autism by the child development centre. {name} has "
        "difficulty sleeping and eats a narrow range of foods.",
        (
            "{name} will cope with changes to the day when warned in advance with a visual "
            "timetable.",
            "{name} will take part in a small-group activity with other children for 20 minutes.",
        ),
        (
            (
                "Small-group social communication sessions with a trained teaching assistant",
                3,
                QuantityUnit.SESSIONS,
                Frequency.WEEKLY,
            ),
            (
                "A visual timetable, and warning of changes, given by staff who know {name}",
                None,
                "",
                Frequency.DAILY,
            ),
            (
                "A quiet space to go to when overwhelmed, with an agreed signal",
                None,
                "",
                Frequency.DAILY,
            ),
        ),
        (
            (
                "Review by the community paediatrician",
                1,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "community_trust",
                350,
            ),
            (
                "Occupational therapy sensory assessment and a sensory diet programme",
                6,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "community_trust",
                1400,
            ),
        ),
    ),
    "SLCN": _NeedText(
        "speech, language and communication needs",
        "{name} has a developmental language disorder. {name} understands short instructions "
        "but loses track of longer ones, and finds it hard to find words and put them in order.",
        "{name}'s hearing has been tested and is normal.",
        (
            "{name} will follow a two-step instruction in class without help.",
            "{name} will tell an adult about something that happened, in the right order.",
        ),
        (
            (
                "A speech and language programme delivered by a trained teaching assistant",
                3,
                QuantityUnit.SESSIONS,
                Frequency.WEEKLY,
            ),
            (
                "Key vocabulary for each topic taught before the lesson",
                20,
                QuantityUnit.MINUTES,
                Frequency.WEEKLY,
            ),
        ),
        (
            (
                "Speech and language therapy: assessment, programme writing and training for staff",
                6,
                QuantityUnit.HOURS,
                Frequency.ANNUALLY,
                "community_trust",
                1800,
            ),
        ),
    ),
    "SEMH": _NeedText(
        "social, emotional and mental health needs",
        "{name} experiences high levels of anxiety, which show as withdrawal or as sudden "
        "distress. {name} finds it hard to trust new adults and to manage feelings of anger.",
        "{name} is known to the children and young people's mental health service.",
        (
            "{name} will name feelings and use an agreed strategy to calm down.",
            "{name} will attend every lesson in a week, with support when needed.",
        ),
        (
            (
                "A daily check-in with a named key adult at the start and end of the day",
                15,
                QuantityUnit.MINUTES,
                Frequency.DAILY,
            ),
            ("Nurture group sessions", 2, QuantityUnit.SESSIONS, Frequency.WEEKLY),
            ("A time-out card and a safe space to use it", None, "", Frequency.DAILY),
        ),
        (
            (
                "Mental health practitioner sessions",
                8,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "mental_health_trust",
                1600,
            ),
        ),
    ),
    "MLD": _NeedText(
        "moderate learning difficulties",
        "{name} learns more slowly than most children of the same age, and needs new learning "
        "broken into small steps and repeated often to remember it.",
        "No health needs related to {name}'s special educational needs have been identified.",
        (
            "{name} will read and understand a short passage at the next reading level.",
            "{name} will use money to pay for an item and check the change.",
        ),
        (
            (
                "Small-group literacy and numeracy intervention",
                4,
                QuantityUnit.SESSIONS,
                Frequency.WEEKLY,
            ),
            ("Work adapted to {name}'s level, with practical materials", None, "", Frequency.DAILY),
        ),
    ),
    "SLD": _NeedText(
        "severe learning difficulties",
        "{name} has severe learning difficulties and communicates with some words, signs and "
        "symbols. {name} needs adult help with personal care and to stay safe.",
        "{name} has epilepsy, controlled with medication, with a care plan held by school.",
        (
            "{name} will use symbols to make a choice between two activities.",
            "{name} will wash and dry hands with one spoken prompt.",
        ),
        (
            (
                "Teaching in a small class with a high ratio of adults to pupils",
                None,
                "",
                Frequency.DAILY,
            ),
            (
                "Signing and symbols used by all staff working with {name}",
                None,
                "",
                Frequency.DAILY,
            ),
        ),
        (
            (
                "Epilepsy nurse review and training for school staff",
                2,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "community_trust",
                500,
            ),
            (
                "Speech and language therapy: communication programme",
                6,
                QuantityUnit.HOURS,
                Frequency.ANNUALLY,
                "community_trust",
                1800,
            ),
        ),
    ),
    "PMLD": _NeedText(
        "profound and multiple learning difficulties",
        "{name} has profound and multiple learning difficulties, uses a wheelchair and "
        "communicates through sounds, facial expression and movement.",
        "{name} is fed by gastrostomy and needs regular repositioning and suction.",
        (
            "{name} will show a choice by looking at one of two objects.",
            "{name} will tolerate a new sensory activity for five minutes.",
        ),
        (
            (
                "A sensory curriculum taught by staff trained in intensive interaction",
                None,
                "",
                Frequency.DAILY,
            ),
            ("Two adults for moving and handling", None, "", Frequency.DAILY),
        ),
        (
            (
                "Community children's nursing: gastrostomy care and training for staff",
                6,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "acute_trust",
                2400,
            ),
            (
                "Physiotherapy: postural management programme",
                12,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "community_trust",
                2600,
            ),
        ),
    ),
    "SPLD": _NeedText(
        "specific learning difficulties",
        "{name} has dyslexia. {name} reads slowly and finds spelling and copying from the board "
        "hard, though {name} understands well when things are explained aloud.",
        "No health needs related to {name}'s special educational needs have been identified.",
        (
            "{name} will read a text at the expected level with the help of reading software.",
            "{name} will write a paragraph using a spelling aid.",
        ),
        (
            ("Specialist teaching for dyslexia", 2, QuantityUnit.SESSIONS, Frequency.WEEKLY),
            ("A laptop with reading and dictation software", None, "", Frequency.DAILY),
        ),
    ),
    "PD": _NeedText(
        "a physical disability",
        "{name} has cerebral palsy affecting both legs, walks with a frame over short distances "
        "and uses a wheelchair for longer ones. Fine motor skills are also affected.",
        "{name} needs a programme of stretches and regular reviews of equipment.",
        (
            "{name} will move between lessons on time using the walking frame.",
            "{name} will record work using a keyboard.",
        ),
        (
            (
                "Adult support for personal care and moving around school",
                10,
                QuantityUnit.HOURS,
                Frequency.WEEKLY,
            ),
            ("A keyboard and adapted equipment for writing", None, "", Frequency.DAILY),
        ),
        (
            (
                "Physiotherapy programme and reviews",
                8,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "community_trust",
                1800,
            ),
            (
                "Occupational therapy: equipment and seating review",
                3,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "community_trust",
                700,
            ),
        ),
    ),
    "HI": _NeedText(
        "a hearing impairment",
        "{name} has a moderate to severe hearing loss in both ears and wears hearing aids. "
        "{name} misses much of what is said in a noisy room or from a distance.",
        "{name}'s hearing and hearing aids are reviewed by audiology.",
        (
            "{name} will take part in group discussion using a radio aid.",
            "{name} will ask for repetition when something is missed.",
        ),
        (
            (
                "Visits from a qualified teacher of the deaf",
                1,
                QuantityUnit.SESSIONS,
                Frequency.HALF_TERMLY,
            ),
            ("A radio aid used by every teacher", None, "", Frequency.DAILY),
        ),
        (
            (
                "Audiology review and hearing aid maintenance",
                2,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "acute_trust",
                400,
            ),
        ),
    ),
    "VI": _NeedText(
        "a vision impairment",
        "{name} has a severe vision impairment and reads large print at close range. {name} "
        "needs help to find the way in unfamiliar places.",
        "{name} is seen by ophthalmology once a year.",
        (
            "{name} will read enlarged text independently using a magnifier.",
            "{name} will find the way around school independently.",
        ),
        (
            (
                "Visits from a qualified teacher of children with vision impairment",
                1,
                QuantityUnit.SESSIONS,
                Frequency.MONTHLY,
            ),
            ("Materials enlarged to 24 point", None, "", Frequency.DAILY),
        ),
        (
            (
                "Ophthalmology review",
                1,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "acute_trust",
                250,
            ),
        ),
    ),
    "MSI": _NeedText(
        "multi-sensory impairment",
        "{name} has impairments of both hearing and vision and relies on touch, residual sight "
        "and hearing to learn and communicate.",
        "{name}'s hearing and vision are reviewed by audiology and ophthalmology.",
        (
            "{name} will use an object of reference to anticipate the next activity.",
            "{name} will greet familiar adults using an agreed sign.",
        ),
        (
            (
                "An intervenor who knows {name}'s communication",
                25,
                QuantityUnit.HOURS,
                Frequency.WEEKLY,
            ),
            (
                "Visits from a specialist teacher for multi-sensory impairment",
                1,
                QuantityUnit.SESSIONS,
                Frequency.MONTHLY,
            ),
        ),
        (
            (
                "Audiology and ophthalmology reviews",
                2,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "acute_trust",
                600,
            ),
        ),
    ),
    "DS": _NeedText(
        "Down syndrome",
        "{name} has Down syndrome. {name} learns well from pictures and practical activities, "
        "and needs help with speech and with number.",
        "{name} has mild hearing loss and attends the Down syndrome health clinic.",
        (
            "{name} will read 50 familiar words on sight.",
            "{name} will count objects to 20.",
        ),
        (
            (
                "A reading programme using whole words and pictures",
                4,
                QuantityUnit.SESSIONS,
                Frequency.WEEKLY,
            ),
            ("Adult support in lessons to adapt tasks", 15, QuantityUnit.HOURS, Frequency.WEEKLY),
        ),
        (
            (
                "Down syndrome health clinic review",
                1,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "acute_trust",
                300,
            ),
            (
                "Speech and language therapy: advice and programme",
                4,
                QuantityUnit.HOURS,
                Frequency.ANNUALLY,
                "community_trust",
                1200,
            ),
        ),
    ),
    "OTH": _NeedText(
        "other difficulties",
        "{name} has a rare genetic condition that affects attention, energy and coordination, "
        "and needs rest breaks and help to organise work.",
        "{name}'s condition is monitored by the community paediatrician.",
        (
            "{name} will complete a task with one rest break.",
            "{name} will use a checklist to organise equipment for the day.",
        ),
        (
            (
                "Adult support to organise and complete work",
                8,
                QuantityUnit.HOURS,
                Frequency.WEEKLY,
            ),
            ("Planned rest breaks", 2, QuantityUnit.SESSIONS, Frequency.DAILY),
        ),
        (
            (
                "Review by the community paediatrician",
                1,
                QuantityUnit.SESSIONS,
                Frequency.ANNUALLY,
                "community_trust",
                350,
            ),
        ),
    ),
}
NEED_TEXT["NSA"] = NEED_TEXT["MLD"]

_INTERESTS = (
    "football", "drawing", "dinosaurs", "music", "swimming", "building with Lego", "animals",
    "trains", "computer games", "cooking", "dancing", "being outdoors", "comics", "singing",
    "riding a bike", "films", "space", "gardening",
)  # fmt: skip
_YOUNG_VIEWS = (
    "I like playing with my friends.",
    "I want to be good at reading.",
    "I like it when my teacher helps me.",
    "I don't like it when it is noisy.",
)
_OLDER_VIEWS = (
    "I want to go to college and learn a trade.",
    "I want people to listen to me and not talk over me.",
    "I want to get a job and earn my own money.",
    "I want to travel on the bus by myself.",
)
_ASPIRATIONS_YOUNG = (
    "to make friends and enjoy school",
    "to talk with other children and be understood",
    "to be happy and settled at school",
)
_ASPIRATIONS_OLDER = (
    "to go to college and then into work",
    "to live as independently as possible",
    "to have a circle of friends and a part-time job",
)
_REFUSAL_REASONS = (
    "The evidence shows that {name}'s needs can be met from the resources normally available "
    "to the school, with the support set out in the SEN support plan.",
    "The school has not yet tried and reviewed the support it can put in place; the council "
    "will work with the school on a graduated approach.",
    "The information does not show that {name} may need special educational provision through "
    "an EHC plan at this time.",
)
_NOT_ISSUE_REASONS = (
    "The assessment shows that {name}'s needs can be met through SEN support, with the advice "
    "from the assessment shared with the school.",
    "The advice shows that {name} is making good progress with the support already in place.",
)
_WITHDRAWAL_REASONS = (
    "The family moved out of the area.",
    "The family asked to withdraw the request while the school tries new support.",
    "The school withdrew its request after agreeing a new support plan with the family.",
)
_EXCEPTIONS: tuple[tuple[rules.ExceptionKind, str], ...] = (
    (
        rules.ExceptionKind.PERSONAL_CIRCUMSTANCES,
        "A bereavement in the family meant they could not take part in the assessment for "
        "several weeks.",
    ),
    (
        rules.ExceptionKind.AWAY_FROM_AREA,
        "The family were abroad visiting relatives for more than four weeks.",
    ),
    (
        rules.ExceptionKind.PERSONAL_CIRCUMSTANCES,
        "The child was in hospital for several weeks during the assessment.",
    ),
)


@dataclass(frozen=True)
class _Named:
    """What section I names: a setting, or an arrangement without one."""

    setting: Organisation | None
    code: str = ""
    other: str = ""
    unit: bool = False
    resourced: bool = False
    residential: str = ""

    @property
    def label(self) -> str:
        if self.setting is not None:
            return self.setting.name
        return self.other or SENSettingCode(self.code).label


@dataclass
class _Line:
    section: str
    description: str
    outcome: str
    quantity: Decimal | None
    unit: str
    frequency: str
    provider: Organisation | None
    provider_description: str
    commissioner: str
    cost: Decimal | None


@dataclass
class _Content:
    sections: dict[str, str]
    lines: list[_Line]
    personal_budget: bool = False
    organised_arrangements: str = ""
    direct_payments: str = ""


# --- decisions made before anything is written ------------------------------------------


@dataclass(slots=True)
class _Timing:
    """Days from the request to each step: the decision whether to assess, the advice requests,
    the decision whether to issue, the draft, and the final plan."""

    decide: int
    advice: int
    issue: int
    draft: int
    final: int


@dataclass(slots=True)
class _Cease:
    reason: str
    earliest: dt.date


@dataclass(slots=True)
class PlanCase:
    """A child with a plan (or a young person whose plan ceased): how the plan began."""

    draft: ChildDraft
    kind: str
    issued: dt.date
    received: dt.date
    on_time: bool
    exception: bool
    cease: _Cease | None = None


@dataclass(slots=True)
class RequestCase:
    """A request of the last 15 months from a child on SEN support: refused, not issued,
    withdrawn, or still open."""

    outcome: str  # "plan" (still open), "refuse", "not_issue", "withdraw"
    received: dt.date
    timing: _Timing
    on_time: bool
    exception: bool = False
    withdraw_at: int = 0
    draft: ChildDraft | None = None


@dataclass
class _Figures:
    issued_12m: int = 0
    on_time_12m: int = 0
    issued_12m_all: int = 0
    on_time_12m_all: int = 0
    decided_window: int = 0
    refused_window: int = 0
    reviews_held_12m: int = 0
    reviews_on_time_12m: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    plans: Counter[str] = field(default_factory=Counter)


@dataclass
class EhcState:
    """What ``stage_ehc`` decided, for ``write_ehc`` to build."""

    ctx: Context
    rng: random.Random
    counting: DayCounting
    final_limit: int
    not_to_issue_limit: int
    plans: list[PlanCase] = field(default_factory=list)
    requests: list[RequestCase] = field(default_factory=list)
    placements: dict[int, list[Placement]] = field(default_factory=dict)
    pending: dict[type[models.Model], list[Any]] = field(default_factory=lambda: defaultdict(list))
    involved: set[tuple[int, int]] = field(default_factory=set)
    involvements: list[Involvement] = field(default_factory=list)
    figures: _Figures = field(default_factory=_Figures)
    leavers: int = 0

    @property
    def on(self) -> dt.date:
        return self.ctx.on

    @property
    def window_start(self) -> dt.date:
        return self.on - dt.timedelta(days=WINDOW_DAYS)

    def add(self, row: Any) -> None:
        self.pending[_LEAF_MODELS.get(type(row), type(row))].append(row)


# --- stage 8a: decide the cases ---------------------------------------------------------


def stage_ehc(ctx: Context) -> EhcState:
    """Decide every EHC case of the area, and add the people rows of the young people whose
    plans ceased. Runs after the other stages and before the rows are written, with a random
    number generator of its own (derived from the seed), so the earlier stages draw exactly
    what they drew before."""
    counting = DayCounting(ctx.area.ehc_day_counting)
    start = dt.date(2001, 1, 1)
    state = EhcState(
        ctx=ctx,
        rng=random.Random(f"opensend-synth-ehc-{ctx.options.seed}"),
        counting=counting,
        final_limit=(rules.final_plan_due(start, counting) - start).days,
        not_to_issue_limit=(rules.decision_not_to_issue_due(start, counting) - start).days,
    )
    for placement in ctx.rows.get(Placement, []):
        assert isinstance(placement, Placement)  # noqa: S101 - the stage's own rows
        state.placements.setdefault(id(placement.child), []).append(placement)
    for rows in state.placements.values():
        rows.sort(key=lambda p: p.start_date)
    for involvement in ctx.rows.get(Involvement, []):
        assert isinstance(involvement, Involvement)  # noqa: S101
        if involvement.end_date is None:
            state.involved.add((id(involvement.child), involvement.organisation.pk))
    with_plans = [d for d in ctx.drafts if d.status == SENStatus.EHC_PLAN]
    leavers = _leaver_drafts(state, round(CEASED_LEAVERS_PER_PLAN * 2 * len(with_plans)))
    state.plans = _plan_cases(state, with_plans + [draft for draft, _ in leavers])
    cases = {id(case.draft): case for case in state.plans}
    builder = _Builder(state)
    for draft, cease in leavers:
        case = cases[id(draft)]
        case.cease = cease
        ceased_on = builder.plan_case(case)
        _leaver_rows(state, draft, case, ceased_on)
    state.leavers = len(leavers)
    state.requests = _request_cases(state, len(with_plans))
    return state


def _quota(rng: random.Random, total: int, share: float) -> list[bool]:
    return shapes.quota_list(rng, total, {True: share, False: 1 - share})


def _duration(state: EhcState, on_time: bool) -> int:
    """Days from the request to the final plan: 12 to 20 weeks when on time; when late, a long
    tail (an assumption: most late plans take 5 to 8 months)."""
    limit = state.final_limit
    if on_time:
        return state.rng.randint(limit - 56, limit)
    return limit + 1 + min(int(state.rng.expovariate(1 / 75)), 300)


def _plan_cases(state: EhcState, drafts: list[ChildDraft]) -> list[PlanCase]:
    """How each plan began: transferred in (a share), or a new request, within 20 weeks at the
    profile's rate exactly (by quota within each calendar year of issue, excluding the exception
    cases, which are late)."""
    rng = state.rng
    figures = state.ctx.profile.ehc
    transfers = _quota(rng, len(drafts), TRANSFER_IN_SHARE)
    new = [d for d, moved in zip(drafts, transfers, strict=True) if not moved]
    exceptions = dict(zip(map(id, new), _quota(rng, len(new), EXCEPTION_SHARE), strict=True))
    by_year: dict[int, list[ChildDraft]] = defaultdict(list)
    for draft in new:
        if not exceptions[id(draft)]:
            assert draft.status_change is not None  # noqa: S101 - a plan has a start
            by_year[draft.status_change.year].append(draft)
    on_time: dict[int, bool] = {}
    for year in sorted(by_year):
        group = by_year[year]
        for draft, flag in zip(
            group, _quota(rng, len(group), figures.within_20_weeks), strict=True
        ):
            on_time[id(draft)] = flag
    cases: list[PlanCase] = []
    for draft, moved in zip(drafts, transfers, strict=True):
        issued = draft.status_change
        assert issued is not None  # noqa: S101
        if moved:
            cases.append(PlanCase(draft, RequestKind.TRANSFER_IN, issued, issued, True, False))
            continue
        timely = on_time.get(id(draft), False)
        duration = _duration(state, timely)
        earliest = max(EHC_START, _days(draft.child.date_of_birth, 60))
        received = max(_days(issued, -duration), earliest)
        cases.append(
            PlanCase(
                draft,
                RequestKind.NEW,
                issued,
                received,
                (issued - received).days <= state.final_limit,
                exceptions[id(draft)],
            )
        )
    return cases


def _timing(rng: random.Random, final: int, late: bool) -> _Timing:
    """The steps of a request that ends in a final plan ``final`` days after it arrived: the
    draft 15 to 30 days before the final plan, so the family have their 15 days; the decision
    whether to assess by week 6 (later for some late plans); advice asked for within days of
    it; the decision to issue one to four weeks before the draft."""
    gap = rng.randint(15, 30) if final >= 90 else max(2, final // 4)
    draft = final - gap
    decide = rng.randint(43, 75) if late and rng.random() < 0.5 else rng.randint(24, 42)
    decide = max(1, min(decide, int(draft * 0.45)))
    advice = max(decide, min(decide + rng.randint(0, 3), draft - 2))
    span = draft - advice
    issue = draft - rng.randint(max(1, min(7, span // 4)), max(1, min(28, span // 2)))
    issue = max(issue, advice + 1)
    return _Timing(decide, advice, issue, draft, final)


def _request_cases(state: EhcState, plans: int) -> list[RequestCase]:
    """The requests of the last 15 months from children on SEN support, at the profile's rate
    of requests per plan: those that will lead to a plan but have not yet (still open, at
    whatever stage they have reached), decisions not to issue and withdrawals, and refusals in
    the number that makes the refusal rate among decisions the profile's."""
    rng = state.rng
    on = state.on
    figures = state.ctx.profile.ehc
    per_day = figures.requests_per_plan * plans * (1 - figures.refused) / 365
    cases: list[RequestCase] = []

    def arrival(outcome: str) -> None:
        received = _days(state.window_start, rng.randint(0, WINDOW_DAYS))
        timely = rng.random() < figures.within_20_weeks
        timing = _timing(rng, _duration(state, timely), not timely)
        if outcome == "not_issue":
            # a decision not to issue is due by week 16 (Reg 10(1)); most are made by then
            limit = state.not_to_issue_limit
            issue = rng.randint(limit - 28, limit) if timely else rng.randint(limit + 1, limit + 70)
            timing.issue = max(timing.advice + 1, issue)
            timing.draft = timing.final = timing.issue + 1
        case = RequestCase(outcome, received, timing, timely)
        if outcome == "withdraw":
            case.withdraw_at = rng.randint(
                timing.advice + 1, max(timing.advice + 1, timing.issue - 1)
            )
        if outcome == "plan" and (on - received).days >= timing.final:
            return  # it became a plan: those children are among the children with plans
        cases.append(case)

    destined = 1 - figures.not_issued - WITHDRAWN_SHARE
    for outcome, share in (
        ("plan", destined),
        ("not_issue", figures.not_issued),
        ("withdraw", WITHDRAWN_SHARE),
    ):
        for _ in range(round(per_day * share * WINDOW_DAYS)):
            arrival(outcome)
    open_plans = [c for c in cases if c.outcome == "plan"]
    flags = _quota(rng, len(open_plans), EXCEPTION_SHARE)
    if len(open_plans) >= 5 and not any(flags):
        flags[0] = True
    for case, flag in zip(open_plans, flags, strict=True):
        if flag:
            # an exception case is late, and still open on the reference date
            case.exception = True
            case.on_time = False
            elapsed = (on - case.received).days
            final = max(_duration(state, False), elapsed + rng.randint(10, 90))
            case.timing = _timing(rng, final, True)
    # Refusals: enough that refusals are the profile's share of the decisions made on requests
    # received in the window, counting the assessments that became plans.
    assessed = sum(
        1
        for case in state.plans
        if case.kind == RequestKind.NEW
        and case.received >= state.window_start
        and _days(case.received, 1) <= on
    )
    assessed += sum(1 for c in cases if (on - c.received).days >= c.timing.decide)
    refused = round(assessed * figures.refused / (1 - figures.refused))
    mean_decision = 38
    waiting = round(refused * mean_decision / (WINDOW_DAYS - mean_decision))
    for index in range(refused + waiting):
        decide = rng.randint(20, 42) if rng.random() < 0.8 else rng.randint(43, 70)
        if index < refused:
            received = _days(state.window_start, rng.randint(0, WINDOW_DAYS - decide))
        else:
            received = _days(on, -rng.randint(0, decide - 1))
        timing = _Timing(decide, decide, decide, decide, decide)
        cases.append(RequestCase("refuse", received, timing, decide <= 42))
    cases.sort(key=lambda c: (c.received, c.outcome))
    _children_for(state, cases)
    return [case for case in cases if case.draft is not None]


def _children_for(state: EhcState, cases: list[RequestCase]) -> None:
    """One request per child on SEN support, from a child whose SEN support began at least two
    weeks before it (if there is one left)."""
    pool = [d for d in state.ctx.drafts if d.status == SENStatus.SEN_SUPPORT]
    state.rng.shuffle(pool)
    for case in cases:
        chosen = None
        for index, draft in enumerate(pool):
            if draft.sen_start is not None and draft.sen_start <= _days(case.received, -14):
                chosen = pool.pop(index)
                break
        if chosen is None and pool:
            chosen = pool.pop()
        case.draft = chosen


# --- young people who left -----------------------------------------------------------------


def _leaver_drafts(state: EhcState, count: int) -> list[tuple[ChildDraft, _Cease]]:
    """Young people aged 19 to 24 whose plans ceased in the last 2 years: a secondary school,
    then a college or specialist college they left."""
    ctx = state.ctx
    rng = state.rng
    on = ctx.on
    picker = names.NamePicker(rng)
    ethnicities = shapes.ethnicity_mix(ctx.profile.white_british_share)
    used = {d.child.nhs_number for d in ctx.drafts if d.child.nhs_number}
    numbers = (n for n in identifiers.nhs_numbers(ctx.area.la_code) if n not in used)
    groups = ctx.settings
    made: list[tuple[ChildDraft, _Cease]] = []
    for _ in range(count):
        year = rng.choice((16, 17, 18, 19))
        sex = "M" if rng.random() < shapes.BOYS_SHARE[SENStatus.EHC_PLAN] else "F"
        ethnicity = shapes.weighted_choice(rng, ethnicities)
        group = names.ETHNICITY_GROUP[ethnicity]
        start = academic_year_start(on)
        born = shapes.random_date(
            rng, dt.date(start - year - 5, 9, 1), dt.date(start - year - 4, 8, 31)
        )
        postcode = names.postcode(rng, ctx.profile.postcode_districts)
        child = Child(
            area=ctx.area,
            forename=picker.child_forename(group, sex),
            surname=picker.surname(group),
            date_of_birth=born,
            sex=sex,
            ethnicity=ethnicity,
            home_postcode=postcode,
            postcode_district=postcode.split(" ")[0],
            nhs_number=next(numbers, "") if rng.random() < 0.98 else "",
            sen_status=SENStatus.NONE,
        )
        draft = ChildDraft(
            child=child, status=SENStatus.NONE, year=year, group=group, history="ceased"
        )
        draft.age = age_on(born, on)
        draft.primary_need = shapes.weighted_choice(rng, ctx.profile.plan_needs)
        if draft.primary_need == "DS" and on < DS_FIRST_CENSUS:
            draft.primary_need = "OTH"
        eighteen = shapes.add_years(born, 18)
        earliest = max(eighteen, on - dt.timedelta(days=CEASE_WINDOW_DAYS))
        plan_from = shapes.random_date(
            rng,
            max(EHC_START, shapes.add_years(born, 4)),
            max(EHC_START, earliest - dt.timedelta(days=400)),
        )
        draft.status_change = plan_from
        draft.sen_start = plan_from
        # Secondary school, then post-16 (ended when the plan ceases).
        secondary_from = school_start(ctx, 7, year)
        post16_from = school_start(ctx, 12, year)
        special = rng.random() < 0.35
        secondary = pick(rng, groups.special if special else groups.secondary)
        college = pick(
            rng,
            (groups.specialist_post16 or groups.college)
            if special
            else (groups.college or groups.secondary),
        )
        placements: list[Placement] = []
        if secondary is not None:
            placements.append(
                _past_placement(child, secondary, secondary_from, _days(post16_from, -1))
            )
        if college is not None:
            placements.append(_past_placement(child, college, post16_from, None))
        state.placements[id(child)] = placements
        for placement in placements:
            ctx.add(placement)
        primary = pick(rng, groups.primary)
        if primary is not None and primary.laestab and rng.random() < 0.97:
            child.upn = (
                ctx.upns.allocate(primary.laestab[3:], school_start(ctx, 0, year).year) or ""
            )
        reason = shapes.weighted_choice(rng, LEAVER_REASONS)
        ctx.drafts.append(draft)
        made.append((draft, _Cease(reason, earliest)))
    return made


def _past_placement(
    child: Child, setting: Organisation, start: dt.date, end: dt.date | None
) -> Placement:
    return Placement(
        child=child,
        setting=setting,
        kind=PlacementKind.SOLE,
        start_date=start,
        end_date=end,
        source=SOURCE,
    )


def _leaver_rows(state: EhcState, draft: ChildDraft, case: PlanCase, ceased: dt.date) -> None:
    """The status history and needs of a young person whose plan ceased: no SEN from birth,
    an EHC plan from its first issue, no SEN again from the day it ceased."""
    ctx = state.ctx
    child = draft.child
    draft.status_change = ceased
    last = _days(ceased, -1)
    periods = [
        (SENStatus.NONE, child.date_of_birth, _days(case.issued, -1)),
        (SENStatus.EHC_PLAN, case.issued, last),
        (SENStatus.NONE, ceased, None),
    ]
    for status, start, end in periods:
        ctx.add(
            SENStatusPeriod(
                child=child, status=status, start_date=start, end_date=end, source=SOURCE
            )
        )
    partners = ctx.partnership
    health = draft.primary_need in {"ASD", "HI", "VI", "MSI", "PD", "PMLD", "DS"}
    ctx.add(
        Need(
            child=child,
            code=draft.primary_need,
            rank=NeedRank.PRIMARY,
            start_date=case.issued,
            end_date=last,
            source_agency=AgencyType.HEALTH if health else AgencyType.EDUCATION,
            source_organisation=partners.community_trust if health else None,
            source=SOURCE,
        )
    )
    for placement in state.placements.get(id(child), []):
        if placement.start_date >= ceased:
            placement.start_date = _days(ceased, -1)
        if placement.end_date is None or placement.end_date >= ceased:
            placement.end_date = max(placement.start_date, last)


# --- stage 8b: build and write ---------------------------------------------------------------

_WRITE_ORDER: tuple[type[models.Model], ...] = (
    Plan,
    AssessmentRequest,
    TimeLimitException,
    AdviceRequest,
    AnnualReview,
    PlanVersion,
    ProvisionLine,
    PlanPlacement,
    Consultation,
    Step,
    CaseEvent,
    Involvement,
)


#: Rows nothing else refers to: written without asking for their keys back, by ``_insert``.
_LEAVES = frozenset({ProvisionLine, PlanPlacement, Step, CaseEvent})


def _flush(state: EhcState, counts: Counter[str]) -> None:
    for model in _WRITE_ORDER:
        rows = state.pending.get(model)
        if rows:
            if model in _LEAVES:
                _insert(model, rows, state.ctx.area)
            else:
                model._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)
            counts[model._meta.label] += len(rows)
            rows.clear()


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """How a value of ``field`` goes to the database driver, as ``get_db_prep_save`` would
    prepare it (the few kinds of field the leaf tables have)."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField | models.DecimalField):
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: value


def _key(parent: models.Model | None) -> Any:
    if parent is None:
        return None
    if parent.pk is None:
        raise GenerationError(f"A row refers to a {type(parent).__name__} not yet written.")
    return parent.pk


def _getter(column: models.Field[Any, Any], connection: Any, area: Area) -> Callable[[Any], Any]:
    """Read one column's value, ready for the driver, from a light row."""
    name = column.name
    if name == "area":
        pk = area.pk

        def area_key(row: Any) -> Any:
            return pk

        return area_key
    if isinstance(column, models.ForeignKey):

        def parent_key(row: Any) -> Any:
            return _key(getattr(row, name, None))

        return parent_key
    default = column.get_default()
    convert = _converter(column, connection)

    def value(row: Any) -> Any:
        found = getattr(row, name, default)
        return None if found is None else convert(found)

    return value


def _insert(model: type[models.Model], rows: list[Any], area: Area) -> None:
    """Insert light rows (``_StepRow`` and the like) of a table nothing refers to, with one
    parametrised INSERT per batch. The columns, their defaults and conversions come from the
    model's fields; a parent is referred to by the key ``bulk_create`` set on it; the area is
    the generated one."""
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    getters = [_getter(column, connection, area) for column in fields]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            cursor.executemany(sql, [tuple(get(row) for get in getters) for row in batch])


def write_ehc(ctx: Context, state: EhcState) -> dict[str, int]:
    """Build the EHC rows of every case decided by ``stage_ehc`` and write them, a few hundred
    cases at a time. Call after the people rows are written."""
    counts: Counter[str] = Counter()
    _flush(state, counts)
    builder = _Builder(state)
    for index, case in enumerate(state.plans):
        if case.cease is not None:
            continue
        builder.plan_case(case)
        if index % CASES_PER_WRITE == CASES_PER_WRITE - 1:
            _flush(state, counts)
    _flush(state, counts)
    for index, request in enumerate(state.requests):
        builder.request_case(request)
        if index % CASES_PER_WRITE == CASES_PER_WRITE - 1:
            _flush(state, counts)
    _flush(state, counts)
    return {model._meta.label: counts[model._meta.label] for model in _WRITE_ORDER}


def ehc_figures(state: EhcState) -> dict[str, Any]:
    """What the summary reports: the calibrated rates as generated, and the cases by stage."""
    f = state.figures
    profile = state.ctx.profile.ehc

    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "within_20_weeks": rate(f.on_time_12m, f.issued_12m),
        "within_20_weeks_target": profile.within_20_weeks,
        "within_20_weeks_with_exceptions": rate(f.on_time_12m_all, f.issued_12m_all),
        "new_plans_12_months": f.issued_12m_all,
        "refused": rate(f.refused_window, f.decided_window),
        "refused_target": round(profile.refused, 4),
        "reviews_on_time": rate(f.reviews_on_time_12m, f.reviews_held_12m),
        "reviews_on_time_target": profile.reviews_on_time,
        "requests_by_stage": {str(k): v for k, v in sorted(f.stages.items())},
        "plans_by_status": {str(k): v for k, v in sorted(f.plans.items())},
        "ceased_leavers": state.leavers,
    }


class _Builder:
    """Builds the rows of one case at a time into ``state.pending``, as the services would have
    written them step by step."""

    def __init__(self, state: EhcState) -> None:
        self.state = state
        self.ctx = state.ctx
        self.rng = state.rng
        self.on = state.on
        self.area = state.ctx.area
        self.partners = state.ctx.partnership
        self.counting = state.counting
        self.primaries = {
            school.laestab: school for school in state.ctx.settings.primary if school.laestab
        }

    # -- small helpers ---------------------------------------------------------------------

    def recent(self, day: dt.date) -> bool:
        """Whether the detail of a step on ``day`` (advice, comments, consultations) goes on
        the case history: for the last 15 months; before that, the main events only."""
        return day >= self.state.window_start

    def step(
        self,
        kind: StepKind,
        child: Child,
        opened: dt.date,
        due: dt.date | None,
        *,
        completed: dt.date | None = None,
        cancelled: bool = False,
        statutory: bool = True,
        suspended: bool = False,
        request: AssessmentRequest | None = None,
        plan: Plan | None = None,
        review: AnnualReview | None = None,
        advice: AdviceRequest | None = None,
        consultation: Consultation | None = None,
        holder: Organisation | None = None,
    ) -> _StepRow:
        row = _StepRow(
            kind=kind,
            child=child,
            opened_on=opened,
            due_date=due,
            statutory=statutory,
            suspended=suspended,
            completed_on=max(completed, opened) if completed is not None else None,
            cancelled=cancelled,
            request=request,
            plan=plan,
            review=review,
            advice=advice,
            consultation=consultation,
            holder_organisation=holder,
        )
        self.state.add(row)
        return row

    def event(
        self,
        child: Child,
        action: str,
        summary: str,
        day: dt.date,
        *,
        request: AssessmentRequest | None = None,
        plan: Plan | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        row = _EventRow(
            child=child,
            request=request,
            plan=plan,
            action=action,
            summary=summary[:255],
            detail=detail or {},
            event_date=day,
            recorded_at=_stamp(day),
        )
        self.state.add(row)

    def involve(self, child: Child, organisation: Organisation, day: dt.date) -> None:
        """Advice asked of an organisation makes it involved with the child, so its staff can
        see the record they advise on (as ``advice_request_send`` does). Not for the council,
        whose SEND staff see every child of the area."""
        if organisation.pk == self.partners.local_authority.pk:
            return
        key = (id(child), organisation.pk)
        if key in self.state.involved:
            return
        self.state.involved.add(key)
        self.state.add(
            Involvement(
                child=child,
                organisation=organisation,
                kind=InvolvementKind.ADVICE_REQUEST,
                start_date=day,
                reason=_ADVICE_INVOLVEMENT_REASON,
            )
        )

    def setting_at(self, child: Child, day: dt.date) -> Placement | None:
        for placement in reversed(self.state.placements.get(id(child), [])):
            if placement.start_date <= day and (
                placement.end_date is None or placement.end_date >= day
            ):
                return placement
        return None

    def first_school(self, child: Child, day: dt.date) -> Organisation | None:
        """For a child of primary school age on ``day`` whose record has no placement then
        (the record keeps the current and the previous phase only), the primary school the
        child's UPN says they joined."""
        if not 0 <= national_curriculum_year(child.date_of_birth, day) <= 6:
            return None
        return self.primaries.get(child.upn[1:8]) if child.upn else None

    def school_at(self, child: Child, day: dt.date) -> Organisation | None:
        placement = self.setting_at(child, day)
        return placement.setting if placement is not None else self.first_school(child, day)

    def named_at(self, draft: ChildDraft, day: dt.date) -> _Named:
        """What section I names for a plan in force on ``day``: the child's setting then, or an
        arrangement without a setting."""
        child = draft.child
        placement = self.setting_at(child, day)
        if placement is not None:
            residential = ""
            if placement.is_residential:
                residential = ResidentialCode.WEEKS_38_TO_51
            return _Named(
                placement.setting,
                unit=placement.in_sen_unit,
                resourced=placement.in_resourced_provision,
                residential=residential,
            )
        school = self.first_school(child, day)
        if school is not None:
            return _Named(school)
        age = age_on(child.date_of_birth, day)
        if age >= 16:
            return _Named(None, SENSettingCode.NEET)
        if age < 5:
            return _Named(None, SENSettingCode.OTH, "At home with the family, with outreach")
        return _Named(None, SENSettingCode.OLA)

    def phase_of(self, child: Child, day: dt.date) -> str | None:
        school = self.school_at(child, day)
        return _SETTING_PHASES.get(school.phase) if school is not None else None

    # -- the request ---------------------------------------------------------------------------

    def _source(self, draft: ChildDraft, received: dt.date) -> tuple[str, Organisation | None, str]:
        rng = self.rng
        source = shapes.weighted_choice(rng, REQUEST_SOURCES)
        child = draft.child
        school = self.school_at(child, received)
        if source == RequestSource.SETTING:
            if school is not None:
                return source, school, ""
            source = RequestSource.PARENT
        if source == RequestSource.YOUNG_PERSON and age_on(child.date_of_birth, received) < 16:
            source = RequestSource.PARENT
        if source == RequestSource.HEALTH:
            return source, self.partners.community_trust, ""
        if source == RequestSource.SOCIAL_CARE:
            return source, self.partners.local_authority, ""
        if source == RequestSource.YOUNG_PERSON:
            return source, None, f"{child.forename} {child.surname}"
        if source == RequestSource.PARENT and draft.contacts:
            return source, None, draft.contacts[0].full_name
        return source, None, ""

    def _advice_organisation(self, draft: ChildDraft, kind: str, day: dt.date) -> Organisation:
        partners = self.partners
        if kind == AdviceType.EDUCATION:
            return self.school_at(draft.child, day) or partners.local_authority
        if kind == AdviceType.HEALTH:
            return (
                partners.acute_trust
                if draft.primary_need in _ACUTE_NEEDS
                else partners.community_trust
            )
        return partners.local_authority

    def process(
        self,
        draft: ChildDraft,
        received: dt.date,
        timing: _Timing,
        *,
        outcome: str,
        exception: bool,
        withdraw_at: int = 0,
    ) -> tuple[AssessmentRequest, Plan | None, PlanVersion | None, list[str]]:
        """A request from receipt to a final plan, a refusal, a decision not to issue or a
        withdrawal, as far as it got by the reference date: the request, the plan and version
        it made (if any), and section K's list of the advice."""
        rng = self.rng
        on = self.on
        child = draft.child
        counting = self.counting
        elapsed = (on - received).days

        def at(offset: int) -> dt.date:
            return _days(received, offset)

        def done(offset: int) -> bool:
            return offset <= elapsed

        source, requester, requester_name = self._source(draft, received)
        request = AssessmentRequest(
            area=self.area,
            child=child,
            kind=RequestKind.NEW,
            source=source,
            requester_organisation=requester,
            requester_name=requester_name,
            received_date=received,
            stage=RequestStage.RECEIVED,
            decision_due=rules.decision_to_assess_due(received, counting),
            not_to_issue_due=rules.decision_not_to_issue_due(received, counting),
            draft_target=rules.draft_plan_target(received, counting),
            final_due=rules.final_plan_due(received, counting),
            created_at=_stamp(received),
            updated_at=_stamp(received),
        )
        self.state.add(request)
        self.event(
            child,
            "request_received",
            f"{request.get_kind_display()} received from {request.get_source_display()}",
            received,
            request=request,
            detail={"decision_due": request.decision_due.isoformat()},
        )
        name = child.preferred_forename or child.forename
        # An exception recorded part-way, lifting the 6-, 16- and 20-week limits.
        excepted: dt.date | None = None
        if exception:
            offset = rng.randint(0, max(0, min(timing.issue, elapsed)))
            excepted = at(offset)
            kind, description = rng.choice(_EXCEPTIONS)
            length = rng.randint(28, 70)
            end: dt.date | None = at(offset + length - 1)
            if end is not None and end > on:
                end = None
            self.state.add(
                TimeLimitException(
                    request=request,
                    kind=kind,
                    start_date=excepted,
                    end_date=end,
                    description=description,
                    recorded_at=_stamp(excepted),
                )
            )
            request.has_exception = True
            self.event(
                child,
                "exception_recorded",
                f"Exception to the time limits recorded: {rules.EXCEPTION_LABELS[kind]}",
                excepted,
                request=request,
                detail={
                    "kind": kind.value,
                    "from": excepted.isoformat(),
                    "to": end.isoformat() if end else None,
                },
            )

        def suspended(kind: StepKind, completed: dt.date | None) -> bool:
            return (
                excepted is not None
                and kind in EXCEPTION_STEP_KINDS
                and (completed is None or completed > excepted)
            )

        def statutory_step(
            kind: StepKind, opened: dt.date, due: dt.date, completed: dt.date | None, **extra: Any
        ) -> _StepRow:
            return self.step(
                kind,
                child,
                opened,
                due,
                completed=completed,
                suspended=suspended(kind, completed),
                request=request,
                **extra,
            )

        # Decide whether to assess (Regs 4, 5).
        decided = at(timing.decide)
        statutory_step(
            StepKind.DECIDE_TO_ASSESS,
            received,
            request.decision_due,
            decided if done(timing.decide) else None,
        )
        if not done(timing.decide):
            return request, None, None, []
        request.decision_date = decided
        on_time = decided <= request.decision_due
        if outcome == "refuse":
            request.stage = RequestStage.NOT_ASSESSING
            request.closed_date = decided
            request.decision_reasons = rng.choice(_REFUSAL_REASONS).format(name=name)
            request.updated_at = _stamp(decided)
            self.event(
                child,
                "assess_refused",
                "Decided not to carry out an EHC needs assessment",
                decided,
                request=request,
                detail={"on_time": on_time, "reasons": request.decision_reasons},
            )
            return request, None, None, []
        request.stage = RequestStage.ASSESSING
        self.event(
            child,
            "assess_decided",
            "Decided to carry out an EHC needs assessment",
            decided,
            request=request,
            detail={"on_time": on_time, "reasons": ""},
        )
        issue_day = at(timing.issue)
        issue_done = done(timing.issue) and outcome in ("plan", "not_issue")
        final_day = at(timing.final)
        final_done = done(timing.final) and outcome == "plan"
        withdrawn = outcome == "withdraw" and done(withdraw_at)
        withdrawn_day = at(withdraw_at)
        closing = (
            withdrawn_day
            if withdrawn
            else issue_day
            if issue_done and outcome == "not_issue"
            else None
        )
        decide_issue = statutory_step(
            StepKind.DECIDE_TO_ISSUE,
            decided,
            request.not_to_issue_due,
            issue_day if issue_done else closing,
        )
        final_plan = statutory_step(
            StepKind.FINAL_PLAN,
            decided,
            request.final_due,
            final_day if final_done else closing,
        )
        if withdrawn:
            decide_issue.cancelled = True
        if closing is not None:
            final_plan.cancelled = True
        # Advice (Regs 6, 8): education, health, psychology, social care.
        advice_list: list[str] = []
        if done(timing.advice):
            asked = at(timing.advice)
            last_return = issue_day
            late_chance = (
                ADVICE_LATE_WHEN_PLAN_LATE
                if timing.final > self.state.final_limit
                else ADVICE_LATE_WHEN_PLAN_ON_TIME
            )
            for advice_type in ADVICE_TYPES:
                organisation = self._advice_organisation(draft, advice_type, asked)
                due = rules.advice_due(asked, counting)
                earliest = min(_days(asked, 10), last_return)
                if rng.random() < late_chance and last_return > due:
                    returned = shapes.random_date(rng, _days(due, 1), last_return)
                elif earliest <= min(due, last_return):
                    returned = shapes.random_date(rng, earliest, min(due, last_return))
                else:
                    returned = shapes.random_date(rng, _days(asked, 1), last_return)
                advice = AdviceRequest(
                    request=request,
                    advice_type=advice_type,
                    organisation=organisation,
                    requested_date=asked,
                    due_date=due,
                )
                back = returned <= on and not (withdrawn and returned > withdrawn_day)
                if back:
                    advice.status = AdviceStatus.RETURNED
                    advice.returned_date = returned
                    advice.summary = _advice_summary(advice_type, name)
                    advice_list.append(
                        f"{advice.get_advice_type_display()} advice from {organisation.name}, "
                        f"{returned:%-d %B %Y}"
                    )
                elif withdrawn:
                    advice.status = AdviceStatus.CANCELLED
                    advice.cancelled_reason = "The request was withdrawn."
                elif due < on and rng.random() < ADVICE_EXCEPTION_WHEN_OVERDUE:
                    advice.exception_kind = rules.ExceptionKind.MISSED_APPOINTMENT
                    advice.exception_note = "The family could not attend the appointment offered."
                self.state.add(advice)
                self.step(
                    StepKind.ADVICE,
                    child,
                    asked,
                    due,
                    completed=returned if back else withdrawn_day if withdrawn else None,
                    cancelled=not back and withdrawn,
                    suspended=bool(advice.exception_kind),
                    request=request,
                    advice=advice,
                    holder=organisation,
                )
                if self.recent(asked):
                    self.involve(child, organisation, asked)
                    self.event(
                        child,
                        "advice_requested",
                        f"{advice.get_advice_type_display()} advice requested from "
                        f"{organisation.name}",
                        asked,
                        request=request,
                        detail={"due": due.isoformat(), "organisation": organisation.name},
                    )
                    if back:
                        self.event(
                            child,
                            "advice_returned",
                            f"{advice.get_advice_type_display()} advice returned by "
                            f"{organisation.name}",
                            returned,
                            request=request,
                            detail={"on_time": returned <= due, "organisation": organisation.name},
                        )
        if withdrawn:
            request.stage = RequestStage.WITHDRAWN
            request.closed_date = withdrawn_day
            request.withdrawal_reason = rng.choice(_WITHDRAWAL_REASONS)
            request.updated_at = _stamp(withdrawn_day)
            self.event(
                child,
                "request_withdrawn",
                "Request withdrawn",
                withdrawn_day,
                request=request,
                detail={"reason": request.withdrawal_reason},
            )
            return request, None, None, advice_list
        if not issue_done:
            return request, None, None, advice_list
        # Decide whether to issue (Reg 10).
        request.issue_decision_date = issue_day
        issue_on_time = issue_day <= request.not_to_issue_due
        if outcome == "not_issue":
            request.stage = RequestStage.NOT_ISSUING
            request.closed_date = issue_day
            request.issue_decision_reasons = rng.choice(_NOT_ISSUE_REASONS).format(name=name)
            request.updated_at = _stamp(issue_day)
            self.event(
                child,
                "issue_refused",
                "Decided not to issue an EHC plan",
                issue_day,
                request=request,
                detail={"on_time": issue_on_time, "reasons": request.issue_decision_reasons},
            )
            return request, None, None, advice_list
        request.stage = RequestStage.DRAFTING
        plan = Plan(
            area=self.area,
            child=child,
            status=PlanStatus.DRAFT,
            created_at=_stamp(issue_day),
            updated_at=_stamp(issue_day),
        )
        self.state.add(plan)
        request.plan = plan
        version = PlanVersion(
            plan=plan,
            number=1,
            kind=VersionKind.NEW,
            state=VersionState.DRAFT,
            request=request,
            lock_version=2,
            updated_at=_stamp(issue_day),
        )
        self.state.add(version)
        self.event(
            child,
            "issue_decided",
            "Decided to issue an EHC plan",
            issue_day,
            request=request,
            plan=plan,
            detail={"on_time": issue_on_time, "reasons": ""},
        )
        draft_day = at(timing.draft)
        draft_done = done(timing.draft)
        self.step(
            StepKind.DRAFT_PLAN,
            child,
            issue_day,
            request.draft_target,
            completed=draft_day if draft_done else None,
            statutory=False,
            request=request,
            plan=plan,
        )
        if not draft_done:
            return request, plan, version, advice_list
        # The draft with the family (Reg 13(1)), and settings consulted (s.39(2)).
        request.stage = RequestStage.DRAFT_ISSUED
        version.draft_served_date = draft_day
        version.comments_due = rules.draft_comments_due(draft_day)
        version.lock_version += 1
        self.event(
            child,
            "draft_issued",
            "Draft plan sent to the family",
            draft_day,
            request=request,
            plan=plan,
            detail={"comments_due": version.comments_due.isoformat(), "version": 1},
        )
        commented: dt.date | None = None
        if rng.random() < FAMILY_COMMENTS:
            commented = _days(draft_day, rng.randint(3, 14))
            if final_done:
                commented = min(commented, final_day)
            if commented > on:
                commented = None
        if commented is None and final_done and final_day < version.comments_due:
            # a final plan before the 15 days are up needs the family's reply (Reg 13(1))
            commented = shapes.random_date(rng, draft_day, final_day)
        comments_closed = commented
        if comments_closed is None and final_done:
            comments_closed = min(final_day, version.comments_due)
        self.step(
            StepKind.DRAFT_COMMENTS,
            child,
            draft_day,
            version.comments_due,
            completed=comments_closed,
            statutory=False,
            request=request,
            plan=plan,
        )
        named = self.named_at(draft, final_day if final_done else on)
        if commented is not None:
            version.comments_received_date = commented
            version.family_comments = (
                "We agree with the draft and would like the school named below."
                if named.setting is not None
                else "We agree with the draft."
            )
            if named.setting is not None:
                version.preferred_setting = named.setting
            if self.recent(commented):
                self.event(
                    child,
                    "draft_comments",
                    "Family's comments on the draft received",
                    commented,
                    request=request,
                    plan=plan,
                    detail={
                        "preferred_setting": named.setting.name if named.setting else "",
                        "meeting_requested": False,
                    },
                )
        self._consult(draft, version, plan, request, named, draft_day, final_day, final_done)
        if not final_done:
            return request, plan, version, advice_list
        # The final plan (Reg 13(2)).
        version.state = VersionState.ISSUED
        version.issued_date = final_day
        version.lock_version += 1
        version.updated_at = _stamp(final_day)
        plan.status = PlanStatus.ACTIVE
        plan.start_date = final_day
        plan.updated_at = _stamp(final_day)
        request.stage = RequestStage.FINAL_ISSUED
        request.final_issued_date = final_day
        request.closed_date = final_day
        request.updated_at = _stamp(final_day)
        self.event(
            child,
            "final_issued",
            "Final EHC plan issued (version 1)",
            final_day,
            request=request,
            plan=plan,
            detail={
                "version": 1,
                "on_time": final_day <= request.final_due,
                "exception": request.has_exception,
            },
        )
        return request, plan, version, advice_list

    def _consult(
        self,
        draft: ChildDraft,
        version: PlanVersion,
        plan: Plan,
        request: AssessmentRequest,
        named: _Named,
        draft_day: dt.date,
        final_day: dt.date,
        final_done: bool,
    ) -> None:
        """Consult the setting the plan will name (and, for some, first the family's
        preference, which cannot meet the needs), each with 15 days to respond."""
        rng = self.rng
        on = self.on
        child = draft.child
        settings: list[tuple[Organisation, bool]] = []
        if named.setting is not None and named.setting.kind in SETTING_KINDS:
            if rng.random() < SECOND_CONSULTATION:
                other = self._another_setting(named.setting)
                if other is not None:
                    settings.append((other, False))
            settings.append((named.setting, True))
        elif not final_done:
            placement = self.setting_at(child, on)
            if placement is not None:
                settings.append((placement.setting, True))
        for setting, can_meet in settings:
            sent = _days(draft_day, rng.randint(0, 3))
            if sent > on or (final_done and sent > final_day):
                continue
            due = rules.setting_consultation_due(sent)
            answered: dt.date | None = _days(sent, rng.randint(4, 20))
            if answered is not None and (answered > on or (final_done and answered > final_day)):
                answered = None
            answered_on = answered
            consultation = Consultation(
                version=version,
                setting=setting,
                sent_date=sent,
                response_due=due,
                parent_preference=not can_meet or version.preferred_setting_id == setting.pk,
            )
            if answered_on is not None:
                consultation.response = (
                    ConsultationResponse.CAN_MEET if can_meet else ConsultationResponse.CANNOT_MEET
                )
                consultation.response_date = answered_on
                consultation.response_note = (
                    ""
                    if can_meet
                    else "The school cannot meet the needs described with its "
                    "current staffing and building."
                )
            self.state.add(consultation)
            closed = answered_on if answered_on is not None else final_day if final_done else None
            self.step(
                StepKind.CONSULTATION,
                child,
                sent,
                due,
                completed=closed,
                cancelled=answered_on is None and final_done,
                request=request,
                plan=plan,
                consultation=consultation,
                holder=setting,
            )
            if self.recent(sent):
                self.event(
                    child,
                    "consultation_sent",
                    f"{setting.name} consulted about a place",
                    sent,
                    request=request,
                    plan=plan,
                    detail={"response_due": due.isoformat()},
                )

    def _another_setting(self, setting: Organisation) -> Organisation | None:
        groups = self.ctx.settings
        special = setting.setting_type in SPECIAL_SETTING_TYPES
        pool = groups.special if special else groups.primary + groups.secondary
        choices = [s for s in pool if s.pk != setting.pk]
        return self.rng.choice(choices) if choices else None

    # -- cases ----------------------------------------------------------------------------------

    def plan_case(self, case: PlanCase) -> dt.date:
        """A child's plan from its request to the reference date (or to ceasing, for a young
        person who left); the day it ceased, or the reference date."""
        draft = case.draft
        child = draft.child
        figures = self.state.figures
        if case.kind == RequestKind.TRANSFER_IN:
            request, plan, version = self._transfer_in(draft, case.issued)
            advice: list[str] = []
        else:
            late = not case.on_time or case.exception
            final = (case.issued - case.received).days
            timing = _timing(self.rng, final, late)
            request, made, drafted, advice = self.process(
                draft, case.received, timing, outcome="plan", exception=case.exception
            )
            if made is None or drafted is None or request.final_issued_date != case.issued:
                raise GenerationError(f"the plan of child {child.forename} did not come out")
            plan, version = made, drafted
            if request.received_date >= self.state.window_start:
                figures.decided_window += 1
                figures.stages[request.stage] += 1
            if case.issued > _days(self.on, -365):
                figures.issued_12m_all += 1
                figures.on_time_12m_all += int(case.issued <= request.final_due)
                if not request.has_exception:
                    figures.issued_12m += 1
                    figures.on_time_12m += int(case.issued <= request.final_due)
        until = self.on if case.cease is None else _days(self.on, -7)
        ceased = _PlanLife(self, draft, plan, version, advice, case.cease, until).run()
        figures.plans[plan.status] += 1
        return ceased or self.on

    def request_case(self, case: RequestCase) -> None:
        assert case.draft is not None  # noqa: S101 - only cases with a child are kept
        request, plan, version, advice = self.process(
            case.draft,
            case.received,
            case.timing,
            outcome=case.outcome,
            exception=case.exception,
            withdraw_at=case.withdraw_at,
        )
        figures = self.state.figures
        figures.stages[request.stage] += 1
        if request.decision_date is not None:
            figures.decided_window += 1
            figures.refused_window += int(request.stage == RequestStage.NOT_ASSESSING)
        if version is not None and plan is not None:
            day = request.issue_decision_date or self.on
            _apply(self, version, _first_content(self, case.draft, None, advice, day), None)
            figures.plans[plan.status] += 1

    def _transfer_in(
        self, draft: ChildDraft, day: dt.date
    ) -> tuple[AssessmentRequest, Plan, PlanVersion]:
        """A plan another area maintained, ours from the day the family moved (Reg 15)."""
        child = draft.child
        counting = self.counting
        plan = Plan(
            area=self.area,
            child=child,
            status=PlanStatus.ACTIVE,
            start_date=day,
            transferred_in_from=ELSEWHERE_LA_CODE,
            created_at=_stamp(day),
            updated_at=_stamp(day),
        )
        self.state.add(plan)
        request = AssessmentRequest(
            area=self.area,
            child=child,
            kind=RequestKind.TRANSFER_IN,
            source=RequestSource.LOCAL_AUTHORITY,
            received_date=day,
            previous_la_code=ELSEWHERE_LA_CODE,
            plan=plan,
            stage=RequestStage.FINAL_ISSUED,
            decision_due=rules.decision_to_assess_due(day, counting),
            not_to_issue_due=rules.decision_not_to_issue_due(day, counting),
            draft_target=rules.draft_plan_target(day, counting),
            final_due=rules.final_plan_due(day, counting),
            decision_date=day,
            issue_decision_date=day,
            final_issued_date=day,
            closed_date=day,
            created_at=_stamp(day),
            updated_at=_stamp(day),
        )
        self.state.add(request)
        version = PlanVersion(
            plan=plan,
            number=1,
            kind=VersionKind.TRANSFER_IN,
            state=VersionState.ISSUED,
            request=request,
            issued_date=day,
            updated_at=_stamp(day),
        )
        self.state.add(version)
        self.event(
            child,
            "plan_transferred_in",
            f"EHC plan transferred in from LA {ELSEWHERE_LA_CODE}",
            day,
            request=request,
            plan=plan,
        )
        return request, plan, version


_ADVICE_SUMMARIES: dict[str, str] = {
    AdviceType.EDUCATION: "{name}'s school describes progress, the support tried and its effect, "
    "and what {name} needs next.",
    AdviceType.HEALTH: "The paediatric assessment describes {name}'s health needs and the health "
    "support recommended.",
    AdviceType.PSYCHOLOGICAL: "The educational psychologist's assessment of how {name} learns, "
    "with the provision recommended.",
    AdviceType.SOCIAL_CARE: "Social care advice on {name}'s and the family's needs, and any "
    "support recommended.",
}


def _advice_summary(kind: str, name: str) -> str:
    return _ADVICE_SUMMARIES[kind].format(name=name)


# --- a plan in force: versions and annual reviews -----------------------------------------------


@dataclass
class _Slot:
    """A version of the plan: the day from which it speaks for the plan (its issue, or the
    decision that started a draft), and the review that amended it."""

    version: PlanVersion
    day: dt.date
    review: AnnualReview | None = None
    transfer: _StepRow | None = None


class _PlanLife:
    """A plan from its first issue: each annual review scheduled, held, decided and (to
    amend) followed by the amended plan, as ``opensend.ehc.services.reviews`` does it, until
    the reference date or the day the plan ceased."""

    def __init__(
        self,
        builder: _Builder,
        draft: ChildDraft,
        plan: Plan,
        first: PlanVersion,
        advice: list[str],
        cease: _Cease | None,
        until: dt.date,
    ) -> None:
        self.b = builder
        self.rng = builder.rng
        self.state = builder.state
        self.draft = draft
        self.child = draft.child
        self.born = draft.child.date_of_birth
        self.plan = plan
        self.advice = advice
        self.cease = cease
        self.until = until
        start = plan.start_date
        assert start is not None  # noqa: S101 - the plan is in force
        self.start = start
        self.slots = [_Slot(first, start)]
        self.steps: list[_StepRow] = []
        self.number = 1
        self.cease_on: dt.date | None = None

    def step(self, kind: StepKind, opened: dt.date, due: dt.date | None, **extra: Any) -> _StepRow:
        row = self.b.step(kind, self.child, opened, due, plan=self.plan, **extra)
        self.steps.append(row)
        return row

    def schedule(
        self, due: dt.date, opened: dt.date
    ) -> tuple[AnnualReview, _StepRow, _StepRow | None]:
        """``reviews._schedule``: the review due by ``due`` (earlier when a phase transfer is
        coming), with its meeting step and, where due, the phase-transfer step. A transfer the
        last review already dealt with (held in the 12 months before it, by its deadline) is
        not scheduled again, as ``rules.annual_review_due`` counts it."""
        phase = self.b.phase_of(self.child, opened)
        last = self.plan.last_review_date
        transfer = None
        for day in (opened, due):
            found = rules.next_phase_transfer(self.born, day, setting_phase=phase)
            if found is None or found[2] < opened:
                continue
            if last is not None and add_months(found[1], -12) <= last <= found[2]:
                continue
            transfer = found
            break
        if transfer is not None:
            due = max(opened, min(due, transfer[2] - PHASE_TRANSFER_LEAD))
        review = AnnualReview(plan=self.plan, due_date=due, stage=ReviewStage.SCHEDULED)
        if transfer is not None:
            review.phase_transfer = transfer[0]
            review.transfer_date = transfer[1]
            review.phase_transfer_deadline = transfer[2]
        self.state.add(review)
        meeting = self.step(StepKind.REVIEW_MEETING, opened, due, review=review)
        deadline = review.phase_transfer_deadline
        moving = (
            self.step(StepKind.PHASE_TRANSFER, opened, deadline, review=review)
            if deadline is not None
            else None
        )
        self.plan.next_review_due = due
        return review, meeting, moving

    def run(self) -> dt.date | None:
        """Review after review up to ``until``; the day the plan ceased, if it did."""
        rng = self.rng
        b = self.b
        plan = self.plan
        child = self.child
        figures = self.state.figures
        on_time_share = self.state.ctx.profile.ehc.reviews_on_time
        opened = self.start
        review, meeting_step, transfer_step = self.schedule(
            rules.annual_review_due(opened, date_of_birth=self.born), opened
        )
        while True:
            earliest = max(opened, plan.last_review_date or self.start)
            if rng.random() < on_time_share and review.due_date >= earliest:
                meeting = shapes.random_date(
                    rng, max(earliest, _days(review.due_date, -42)), review.due_date
                )
            else:
                late = 1 + min(int(rng.expovariate(1 / 50)), 300)
                meeting = max(earliest, _days(review.due_date, late))
            if self.cease_on is not None:
                # a young person who moved away or left: the plan ceases before the meeting
                return self._cease(max(opened, min(self.cease_on, _days(meeting, -1))))
            if meeting > self.until:
                break
            # The meeting (Reg 20), with at least 2 weeks' notice where there was time.
            if _days(meeting, -14) >= opened:
                review.invitations_sent_date = shapes.random_date(
                    rng, max(opened, _days(meeting, -35)), _days(meeting, -14)
                )
                review.lock_version += 1
            review.meeting_date = meeting
            review.stage = ReviewStage.MEETING_HELD
            review.prepares_for_adulthood = rules.prepares_for_adulthood(self.born, meeting)
            review.lock_version += 1
            meeting_step.completed_on = max(meeting, meeting_step.opened_on)
            plan.last_review_date = meeting
            if meeting > _days(self.state.on, -365):
                figures.reviews_held_12m += 1
                figures.reviews_on_time_12m += int(meeting <= review.due_date)
            b.event(
                child,
                "review_meeting",
                "Annual review meeting held",
                meeting,
                plan=plan,
                detail={"on_time": meeting <= review.due_date},
            )
            report_step = self.step(
                StepKind.REVIEW_REPORT, meeting, rules.review_report_due(meeting), review=review
            )
            decision_step = self.step(
                StepKind.REVIEW_DECISION, meeting, rules.review_decision_due(meeting), review=review
            )
            report_days = (
                rng.randint(3, 14) if rng.random() < REVIEW_REPORT_ON_TIME else rng.randint(15, 45)
            )
            report = _days(meeting, report_days)
            if report > self.until:
                break
            review.report_received_date = report
            review.report_summary = (
                f"{child.forename} is making progress towards most outcomes; the review "
                "recommends what the decision sets out."
            )
            review.stage = ReviewStage.REPORT_RECEIVED
            review.lock_version += 1
            report_step.completed_on = report
            if b.recent(report):
                b.event(child, "review_report", "Annual review report received", report, plan=plan)
            decision_days = (
                rng.randint(7, 28)
                if rng.random() < REVIEW_DECISION_ON_TIME
                else rng.randint(29, 60)
            )
            decision = max(report, _days(meeting, decision_days))
            if decision > self.until:
                break
            outcome = self._outcome(review, meeting, decision)
            review.outcome = outcome
            review.decision_date = decision
            review.lock_version += 1
            decision_step.completed_on = decision
            plan.last_review_outcome = outcome
            b.event(
                child,
                "review_decided",
                f"Decision after the annual review: {ReviewOutcome(outcome).label.lower()} "
                "the plan",
                decision,
                plan=plan,
                detail={
                    "outcome": outcome,
                    "on_time": decision <= rules.review_decision_due(meeting),
                },
            )
            if outcome != ReviewOutcome.AMEND:
                review.stage = ReviewStage.COMPLETED
                review.completed_date = decision
                if transfer_step is not None and transfer_step.completed_on is None:
                    transfer_step.completed_on = max(decision, transfer_step.opened_on)
                    transfer_step.cancelled = True
            if outcome == ReviewOutcome.CEASE:
                review.decision_reasons = (
                    f"{child.forename} has left education and, as the review showed, does not "
                    "wish to return."
                )
                plan.cease_notice_date = decision
                ceased = min(self.until, _days(decision, rng.randint(14, 56)))
                return self._cease(ceased, notice=decision, after_review=True)
            done = decision
            if outcome == ReviewOutcome.AMEND:
                amended = self._amend(review, meeting, decision, transfer_step)
                if amended is None:
                    break
                done = amended
            opened = done
            review, meeting_step, transfer_step = self.schedule(
                rules.annual_review_due(meeting, date_of_birth=self.born), done
            )
            cease = self.cease
            if (
                cease is not None
                and cease.reason not in _CEASE_AFTER_REVIEW
                and done >= cease.earliest
            ):
                self.cease_on = min(self.until, _days(done, rng.randint(14, 150)))
        if self.cease is not None:
            return self._cease(self.cease_on or self.until)
        self._content(self.until)
        return None

    def _outcome(self, review: AnnualReview, meeting: dt.date, decision: dt.date) -> str:
        cease = self.cease
        if (
            cease is not None
            and cease.reason in _CEASE_AFTER_REVIEW
            and meeting >= cease.earliest
            and decision <= _days(self.until, -14)
        ):
            return ReviewOutcome.CEASE
        if review.phase_transfer or self.rng.random() < AMEND_SHARE:
            return ReviewOutcome.AMEND
        return ReviewOutcome.MAINTAIN

    def _amend(
        self,
        review: AnnualReview,
        meeting: dt.date,
        decision: dt.date,
        transfer: _StepRow | None,
    ) -> dt.date | None:
        """Amend after a review (Reg 22, and *Devon*): the proposals with (or soon after) the
        decision, 15 days for comments, the final amended plan within 8 weeks of them and 12 of
        the meeting. The day it was issued, or ``None`` if it is still under way."""
        rng = self.rng
        b = self.b
        plan = self.plan
        child = self.child
        review.stage = ReviewStage.AMENDING
        review.amended_plan_due = rules.amended_plan_due(decision, meeting)
        review.decision_reasons = (
            "The plan needs amending: the review recommended changes to outcomes and provision."
        )
        self.number += 1
        version = PlanVersion(
            plan=plan,
            number=self.number,
            kind=VersionKind.AMENDMENT,
            state=VersionState.DRAFT,
            review=review,
            lock_version=1,
            updated_at=_stamp(decision),
        )
        self.state.add(version)
        slot = _Slot(version, decision, review, transfer)
        self.slots.append(slot)
        amended_step = self.step(
            StepKind.AMENDED_PLAN, decision, review.amended_plan_due, review=review
        )
        served = _days(decision, rng.randint(0, 14))
        if served > self.until:
            return None
        version.draft_served_date = served
        version.comments_due = rules.draft_comments_due(served)
        version.lock_version += 1
        review.amended_plan_due = rules.amended_plan_due(served, meeting)
        amended_step.due_date = review.amended_plan_due
        if b.recent(served):
            b.event(
                child,
                "draft_issued",
                "Proposed amendments sent to the family",
                served,
                plan=plan,
                detail={"comments_due": version.comments_due.isoformat(), "version": self.number},
            )
        commented: dt.date | None = None
        if rng.random() < FAMILY_COMMENTS - 0.1:
            commented = _days(served, rng.randint(2, 14))
            if commented > self.until:
                commented = None
        if commented is not None:
            version.comments_received_date = commented
            version.family_comments = "We agree with the proposed amendments."
        earliest = max(commented or version.comments_due, served)
        due = max(earliest, review.amended_plan_due)
        if rng.random() < AMENDED_PLAN_ON_TIME:
            issued = shapes.random_date(rng, earliest, due)
        else:
            issued = _days(due, rng.randint(1, 90))
        comments_step = self.step(
            StepKind.DRAFT_COMMENTS,
            served,
            version.comments_due,
            completed=commented,
            statutory=False,
            review=review,
        )
        if issued > self.until:
            return None
        if comments_step.completed_on is None:
            comments_step.completed_on = max(served, min(issued, version.comments_due))
        version.state = VersionState.ISSUED
        version.issued_date = issued
        version.lock_version += 1
        version.updated_at = _stamp(issued)
        slot.day = issued
        amended_step.completed_on = issued
        review.stage = ReviewStage.COMPLETED
        review.completed_date = issued
        review.lock_version += 1
        b.event(
            child,
            "final_issued",
            f"Final amended plan issued (version {self.number})",
            issued,
            plan=plan,
            detail={"version": self.number, "on_time": issued <= due, "exception": False},
        )
        return issued

    def _cease(
        self, ceased: dt.date, *, notice: dt.date | None = None, after_review: bool = False
    ) -> dt.date:
        """Cease the plan (Regs 29–31): an open review is cancelled, with its open steps."""
        assert self.cease is not None  # noqa: S101 - only a leaver's plan ceases
        plan = self.plan
        reason = self.cease.reason
        if reason in _CEASE_AFTER_REVIEW and not after_review:
            # no review showed the young person does not want to return (Reg 30)
            reason = CeaseReason.TRANSFERRED
        for slot in self.slots:
            review = slot.review
            if review is not None and review.stage not in (
                ReviewStage.COMPLETED,
                ReviewStage.CANCELLED,
            ):
                review.stage = ReviewStage.CANCELLED
        for review_row in self.state.pending[AnnualReview]:
            assert isinstance(review_row, AnnualReview)  # noqa: S101
            if review_row.plan is plan and review_row.stage not in (
                ReviewStage.COMPLETED,
                ReviewStage.CANCELLED,
            ):
                review_row.stage = ReviewStage.CANCELLED
        for row in self.steps:
            if row.completed_on is None:
                row.completed_on = max(ceased, row.opened_on)
                row.cancelled = True
        problems = rules.cease_problems(
            date_of_birth=self.born,
            on=ceased,
            reason=reason,
            review_shows_no_wish_to_return=after_review,
        )
        if problems:
            raise GenerationError(f"A generated plan cannot cease: {'; '.join(problems)}.")
        plan.status = PlanStatus.CEASED
        plan.ceased_date = ceased
        plan.cease_reason = reason
        plan.cease_notice_date = notice or ceased
        plan.transferred_out_to = ELSEWHERE_LA_CODE if reason == CeaseReason.TRANSFERRED else ""
        plan.next_review_due = None
        plan.updated_at = _stamp(ceased)
        self.b.event(
            self.child,
            "plan_ceased",
            f"EHC plan ceased: {CeaseReason(reason).label}",
            ceased,
            plan=plan,
            detail={"reason": reason},
        )
        self._content(ceased)
        return ceased

    def _content(self, end: dt.date) -> None:
        """Fill every version: the first from the child's needs, each amendment from the one
        before it. Each names the setting the child attends at the end of its time in force,
        so the plan in force names the child's setting now; an amendment at a phase transfer
        that names a setting completes the transfer (``reviews.complete_amendment``)."""
        issued = [slot.day for slot in self.slots if slot.version.state == VersionState.ISSUED]
        content: _Content | None = None
        for slot in self.slots:
            version = slot.version
            later = [day for day in issued if day > slot.day]
            if version.state == VersionState.ISSUED and later:
                last_day = _days(later[0], -1)
            else:
                last_day = end
            named = self.b.named_at(self.draft, max(slot.day, last_day))
            if content is None:
                content = _first_content(self.b, self.draft, named, self.advice, slot.day)
            else:
                review_day = slot.review.meeting_date if slot.review is not None else None
                content = _amended(self.b, self.draft, content, named, review_day)
            _apply(self.b, version, content, named)
            transfer = slot.transfer
            if (
                version.state == VersionState.ISSUED
                and slot.review is not None
                and transfer is not None
                and transfer.completed_on is None
                and named.setting is not None
            ):
                slot.review.new_setting = named.setting
                transfer.completed_on = max(slot.day, transfer.opened_on)


# --- the content of a version ----------------------------------------------------------------


def _first_content(
    b: _Builder, draft: ChildDraft, named: _Named | None, advice: list[str], day: dt.date
) -> _Content:
    """Sections A to K and the provision lines of a plan's first version, from the child's
    needs, circumstances and setting."""
    rng = b.rng
    child = draft.child
    name = child.preferred_forename or child.forename
    code = draft.primary_need if draft.primary_need in NEED_TEXT else "MLD"
    text = NEED_TEXT[code]
    age = age_on(child.date_of_birth, day)
    older = age >= 11
    interests = rng.sample(_INTERESTS, 2)
    view = rng.choice(_OLDER_VIEWS if older else _YOUNG_VIEWS)
    aspiration = rng.choice(_ASPIRATIONS_OLDER if older else _ASPIRATIONS_YOUNG)
    secondary = NEED_TEXT.get(draft.secondary_need) if draft.secondary_need else None
    section_b = text.section_b.format(name=name)
    if secondary is not None and secondary is not text:
        section_b += f" {name} also has {secondary.label}."
    flags = set(draft.flags)
    social = flags & {FlagKind.CHILD_IN_NEED, FlagKind.LOOKED_AFTER, FlagKind.CHILD_PROTECTION}
    disabled = FlagKind.DISABILITY_REGISTER in flags
    if social:
        section_d = (
            f"{name} is known to children's social care, who support the family under a plan "
            "reviewed every three months."
        )
    elif disabled:
        section_d = (
            f"{name} is on the council's register of disabled children. The family need "
            "regular breaks from caring."
        )
    else:
        section_d = f"No social care needs related to {name}'s special educational needs."
    lines: list[_Line] = []
    outcomes = [outcome.format(name=name) for outcome in text.outcomes]
    for description, quantity, unit, frequency in text.education:
        lines.append(
            _Line(
                section="f",
                description=description.format(name=name),
                outcome=outcomes[0][:255],
                quantity=Decimal(str(quantity)) if quantity is not None else None,
                unit=unit if quantity is not None else "",
                frequency=frequency,
                provider=named.setting if named is not None else None,
                provider_description="" if named is not None and named.setting else "The setting",
                commissioner=Commissioner.SCHOOL_BUDGET,
                cost=None,
            )
        )
    lines.append(_funding_line(b, named))
    providers = {
        "community_trust": b.partners.community_trust,
        "acute_trust": b.partners.acute_trust,
        "mental_health_trust": b.partners.mental_health_trust,
    }
    for description, quantity, unit, frequency, provider, cost in text.health:
        lines.append(
            _Line(
                section="g",
                description=description,
                outcome=outcomes[-1][:255],
                quantity=Decimal(str(quantity)) if quantity is not None else None,
                unit=unit,
                frequency=frequency,
                provider=providers[provider],
                provider_description="",
                commissioner=Commissioner.ICB,
                cost=_money(cost),
            )
        )
    if disabled:
        lines.append(
            _Line(
                section="h1",
                description="Short breaks: overnight stays with a short breaks provider",
                outcome="",
                quantity=Decimal(rng.choice((12, 18, 24))),
                unit=QuantityUnit.NIGHTS,
                frequency=Frequency.ANNUALLY,
                provider=None,
                provider_description="Council short breaks service",
                commissioner=Commissioner.LA_SOCIAL_CARE,
                cost=_money(rng.choice((3600, 5400, 7200))),
            )
        )
    if social:
        lines.append(
            _Line(
                section="h2",
                description="Social worker visits and family support under the child in need plan",
                outcome="",
                quantity=Decimal(1),
                unit=QuantityUnit.SESSIONS,
                frequency=Frequency.MONTHLY,
                provider=b.partners.local_authority,
                provider_description="",
                commissioner=Commissioner.LA_SOCIAL_CARE,
                cost=None,
            )
        )
    budget = rng.random() < PERSONAL_BUDGET_SHARE
    sections = {
        "a": (
            f"{name} likes {interests[0]} and {interests[1]}. {name} says: “{view}” "
            f"{name}'s family would like {name} {aspiration}."
        ),
        "b": section_b,
        "c": text.section_c.format(name=name),
        "d": section_d,
        "e": " ".join(outcomes),
        "f": "The provision below is made for every outcome in section E.",
        "g": "As below." if text.health else "No health provision is needed.",
        "h1": "As below." if disabled else "None.",
        "h2": "As below." if social else "None.",
        "i": named.label if named is not None else "To be named in the final plan.",
        "j": (
            "A personal budget for the adult support in section F, paid as a direct payment."
            if budget
            else "The family have not asked for a personal budget."
        ),
        "k": "Advice and information gathered for the assessment: "
        + ("; ".join(advice) if advice else "the plan transferred from the previous council.")
        + ".",
    }
    return _Content(
        sections=sections,
        lines=lines,
        personal_budget=budget,
        direct_payments="E" if budget else "",
    )


def _funding_line(b: _Builder, named: _Named | None) -> _Line:
    """The cost of the placement or support to the high needs budget (invented figures)."""
    rng = b.rng
    setting = named.setting if named is not None else None
    kind = setting.setting_type if setting is not None else ""
    if kind in (SettingType.INDEPENDENT_SPECIAL, SettingType.NON_MAINTAINED_SPECIAL):
        description, cost = "Placement fees", rng.randint(45, 80) * 1000
    elif kind in SPECIAL_SETTING_TYPES:
        description, cost = (
            "Place funding and top-up at the special school",
            rng.randint(18, 35) * 1000,
        )
    elif kind == SettingType.ALTERNATIVE_PROVISION:
        description, cost = "Alternative provision place", rng.randint(15, 22) * 1000
    else:
        description, cost = (
            "Top-up funding for additional adult support, on top of the first £6,000 from the "
            "setting's own budget",
            rng.choice((3, 4, 5, 6, 8, 10, 12)) * 1000,
        )
    return _Line(
        section="f",
        description=description,
        outcome="",
        quantity=None,
        unit="",
        frequency="",
        provider=setting,
        provider_description="" if setting is not None else "Commissioned by the council",
        commissioner=Commissioner.LA_EDUCATION,
        cost=_money(cost),
    )


def _amended(
    b: _Builder, draft: ChildDraft, base: _Content, named: _Named, meeting: dt.date | None
) -> _Content:
    """An amendment: a copy of the plan in force (as ``version_start`` copies it) with updated
    outcomes, more or less support, and section I naming the setting."""
    rng = b.rng
    name = draft.child.preferred_forename or draft.child.forename
    sections = dict(base.sections)
    when = f" (updated after the review of {meeting:%-d %B %Y})" if meeting else ""
    sections["e"] = base.sections["e"].split(" (updated after")[0] + when
    sections["i"] = named.label
    lines = [replace(line) for line in base.lines]
    for line in lines:
        if line.section == "f" and line.commissioner == Commissioner.LA_EDUCATION:
            fresh = _funding_line(b, named)
            line.description, line.provider, line.cost = (
                fresh.description,
                fresh.provider,
                fresh.cost,
            )
            line.provider_description = fresh.provider_description
        elif line.section == "f":
            line.provider = named.setting
            line.provider_description = "" if named.setting is not None else "The setting"
            countable = line.unit in (QuantityUnit.SESSIONS, QuantityUnit.HOURS)
            if countable and line.quantity is not None and rng.random() < 0.3:
                line.quantity = max(Decimal(1), line.quantity + rng.choice((-1, 1)))
    if rng.random() < 0.2:
        lines.append(
            _Line(
                section="f",
                description=f"Preparation for the next step: visits and a transition plan for "
                f"{name}",
                outcome="",
                quantity=Decimal(rng.choice((2, 3, 4))),
                unit=QuantityUnit.SESSIONS,
                frequency=Frequency.TERMLY,
                provider=named.setting,
                provider_description="" if named.setting is not None else "The setting",
                commissioner=Commissioner.SCHOOL_BUDGET,
                cost=None,
            )
        )
    return _Content(
        sections=sections,
        lines=lines,
        personal_budget=base.personal_budget,
        organised_arrangements=base.organised_arrangements,
        direct_payments=base.direct_payments,
    )


def _apply(b: _Builder, version: PlanVersion, content: _Content, named: _Named | None) -> None:
    """Put the content on the version, with its provision lines and section I placement."""
    for key, value in content.sections.items():
        setattr(version, f"section_{key}", value)
    version.personal_budget = content.personal_budget
    version.organised_arrangements = content.organised_arrangements
    version.direct_payments = content.direct_payments
    positions: Counter[str] = Counter()
    for line in content.lines:
        positions[line.section] += 1
        b.state.add(
            _LineRow(
                version=version,
                section=line.section,
                position=positions[line.section],
                description=line.description,
                outcome=line.outcome,
                quantity=line.quantity,
                unit=line.unit,
                frequency=line.frequency,
                provider_organisation=line.provider,
                provider_description=line.provider_description,
                commissioner=line.commissioner,
                annual_cost=line.cost,
            )
        )
    if named is not None:
        b.state.add(
            _PlacementRow(
                version=version,
                setting=named.setting,
                sen_setting=named.code if named.setting is None else "",
                sen_setting_other=named.other if named.setting is None else "",
                in_sen_unit=named.unit,
                in_resourced_provision=named.resourced,
                residential=named.residential,
            )
        )


# --- after generation -----------------------------------------------------------------------


def clear_ehc(area: Area) -> None:
    """Delete a synthetic area's EHC cases (before its children): steps and events, then the
    versions (with their lines, placements and consultations), the requests (with their
    advice and exceptions) and the plans (with their reviews)."""
    Step.objects.filter(area=area).delete()
    CaseEvent.objects.filter(area=area).delete()
    PlanVersion.objects.filter(plan__area=area).delete()
    AssessmentRequest.objects.filter(area=area).delete()
    Plan.objects.filter(area=area).delete()


def demo_caseload_assign(
    *, area: Area, coordinator: User, share: int = 4, most_requests: int = 40, most_plans: int = 160
) -> tuple[int, int]:
    """Give the demo coordinator a caseload: every ``share``-th open request and active plan
    of the area (up to a realistic number), with the steps the coordinator holds in them. A
    bulk update, for the demo only: the demo's accounts are made after the area is generated.
    Returns the number of requests and plans assigned."""
    requests = list(
        AssessmentRequest.objects.filter(area=area, stage__in=OPEN_REQUEST_STAGES)
        .order_by("pk")
        .values_list("pk", "plan_id")
    )[::share][:most_requests]
    plans = list(
        Plan.objects.filter(area=area, status=PlanStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )[::share][:most_plans]
    request_ids = [pk for pk, _ in requests]
    plan_ids = sorted({*plans, *(plan for _, plan in requests if plan is not None)})
    AssessmentRequest.objects.filter(Q(pk__in=request_ids) | Q(plan_id__in=plan_ids)).update(
        coordinator=coordinator
    )
    Plan.objects.filter(pk__in=plan_ids).update(coordinator=coordinator)
    Step.objects.filter(
        Q(request_id__in=request_ids) | Q(plan_id__in=plan_ids),
        holder_organisation__isnull=True,
    ).update(holder_user=coordinator)
    return len(request_ids), len(plans)
