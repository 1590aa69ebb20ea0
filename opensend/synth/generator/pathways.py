"""Pathways and waiting lists of a synthetic area: the neurodevelopmental (autism and ADHD),
speech and language therapy, occupational therapy, physiotherapy and CAMHS pathways, each
provided by one of the area's NHS trusts, with three and a half years of referrals for the
area's own synthetic children.

Each pathway is a month-by-month queue. Referrals arrive at a rate per thousand children of the
cohort (so the stage scales with the profile and scale), for children of the right age, more
often for the needs the pathway serves; they are triaged (most within the seeds' 10 working
days, some later; a few referred back), then wait, in order of their clock start, for a first
appointment the provider has capacity for. At the appointment the family attends and the clock
stops (treatment, active monitoring, a decision not to treat or treatment declined), or the
child is not brought: the clock is nullified, and the family rebooks (a new clock) or is
discharged. Some families ask for a pause; many are offered support while they wait.

The picture the seeds paint: the neurodevelopmental lists **grow** every month, as demand runs
above capacity (the queue is served so that each month ends with a longer list than the month
before); speech and language therapy is roughly steady, with a booking horizon of about ten
weeks; CAMHS had less capacity than demand for two years, then extra investment, and its list
now comes down.

Every referral is checked with ``opensend.pathways.rules`` as it is made (the same
``pathway_problems`` the services refuse impossible sequences with), and its summary dates
(triaged, first appointment, clock stop and why) are what ``pathways.services`` keeps from the
events. The stage draws from a random number generator of its own, derived from the seed and
the LA code, so the stages before it draw what they drew before it existed; dates are relative
to the reference date, so the same seed, area and date give the same referrals.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from opensend.core import bank_holidays
from opensend.core.calendar import add_months, add_working_days, age_on
from opensend.core.models import Area, Organisation
from opensend.core.roles import OrganisationKind
from opensend.pathways import rules
from opensend.pathways.models import (
    MeasureChoice,
    Pathway,
    PathwayKind,
    ProviderReturn,
    Referral,
    ReferralEvent,
    ReferralPause,
    ReferralSource,
    SupportKind,
    SupportWhileWaiting,
    TriageOutcome,
)
from opensend.people.models import Child
from opensend.synth.generator.context import GenerationError
from opensend.synth.profiles import PROFILES

__all__ = [
    "HISTORY_MONTHS",
    "PATHWAYS",
    "PathwaySpec",
    "area_partners",
    "children_scale",
    "clear_pathways",
    "pathways_generate",
]

EventKind = rules.EventKind

#: Months of referral history before the reference date's month.
HISTORY_MONTHS = 42
BATCH_SIZE = 2000
#: Children in a Halton-sized area: the rates below are for an area of this size.
HALTON_CHILDREN = PROFILES["halton"].children(1.0)

#: The area's partners as the Local Offer stage names them: key -> (kind, word in the name).
PARTNER_LOOKUP: dict[str, tuple[str, str]] = {
    "council": (OrganisationKind.LOCAL_AUTHORITY, ""),
    "icb": (OrganisationKind.ICB, ""),
    "community_trust": (OrganisationKind.NHS_TRUST, "Community"),
    "acute_trust": (OrganisationKind.NHS_TRUST, "Hospitals"),
    "mental_health_trust": (OrganisationKind.NHS_TRUST, "Mental Health"),
    "sendiass": (OrganisationKind.SENDIASS, ""),
    "mediation": (OrganisationKind.MEDIATION_SERVICE, ""),
    "autism": (OrganisationKind.VOLUNTARY_PROVIDER, "Autism"),
    "short_breaks": (OrganisationKind.VOLUNTARY_PROVIDER, "Short Breaks"),
    "therapy_partners": (OrganisationKind.PRIVATE_PROVIDER, "Therapy"),
}


def area_partners(area: Area) -> dict[str, Organisation]:
    """The area's partners that the organisations stage made (the council, the ICB, the NHS
    trusts, the voluntary and private providers), by key."""
    candidates = list(
        Organisation.objects.filter(home_area=area, setting_type="").order_by("name", "pk")
    )
    found: dict[str, Organisation] = {}
    for key, (kind, word) in PARTNER_LOOKUP.items():
        for organisation in candidates:
            if organisation.kind == kind and word in organisation.name:
                found[key] = organisation
                break
    return found


def children_scale(area: Area) -> float:
    """The area's size against a Halton-sized one, by its children."""
    return Child.objects.filter(area=area).count() / HALTON_CHILDREN


# --- The pathways --------------------------------------------------------------------------


@dataclass(frozen=True)
class PathwaySpec:
    """A pathway and how its queue behaves.

    ``referrals`` is referrals a month per thousand children of the cohort at the start of the
    history, growing by ``growth`` a month; ``capacity`` is first appointments a month as a
    share of the accepted referrals at the start (``capacity_later`` from
    ``investment_months_ago`` months before the reference date). Nobody is seen before
    ``booking_days`` after their clock started, except the ``urgent`` share. ``grows`` makes
    each month end with a longer list than the last (demand above capacity)."""

    code: str
    kind: str
    name: str
    provider: str
    ages: tuple[int, int]
    needs: dict[str, float]
    referrals: float
    capacity: float
    growth: float = 0.0
    capacity_later: float | None = None
    investment_months_ago: int = 0
    booking_days: int = 0
    urgent: float = 0.0
    grows: bool = False
    triage_met: float = 0.85
    not_accepted: float = 0.08
    did_not_attend: float = 0.07
    pause: float = 0.05
    measure: str = MeasureChoice.UNADJUSTED
    outcomes: tuple[tuple[str, float], ...] = ((EventKind.TREATMENT_STARTED, 1.0),)
    sources: tuple[tuple[str, float], ...] = ()
    support: tuple[tuple[str, str, str], ...] = ()
    support_share: float = 0.0


_THERAPY_OUTCOMES: tuple[tuple[str, float], ...] = (
    (EventKind.TREATMENT_STARTED, 0.8),
    (EventKind.ACTIVE_MONITORING, 0.1),
    (EventKind.DECISION_NOT_TO_TREAT, 0.07),
    (EventKind.DECLINED_TREATMENT, 0.03),
)

PATHWAYS: tuple[PathwaySpec, ...] = (
    PathwaySpec(
        code="ASD",
        kind=PathwayKind.AUTISM,
        name="Neurodevelopmental pathway: autism assessment",
        provider="community_trust",
        ages=(2, 17),
        needs={"ASD": 4.0, "SLCN": 2.5, "SEMH": 2.0, "MLD": 0.8, "SPLD": 0.6, "": 0.5},
        referrals=6.0,
        growth=0.012,
        capacity=0.78,
        grows=True,
        triage_met=0.72,
        not_accepted=0.07,
        did_not_attend=0.05,
        outcomes=(
            (EventKind.TREATMENT_STARTED, 0.72),
            (EventKind.DECISION_NOT_TO_TREAT, 0.22),
            (EventKind.DECLINED_TREATMENT, 0.06),
        ),
        sources=(
            (ReferralSource.SCHOOL, 0.42),
            (ReferralSource.GP, 0.22),
            (ReferralSource.HEALTH_VISITOR, 0.1),
            (ReferralSource.PARENT, 0.16),
            (ReferralSource.SOCIAL_CARE, 0.05),
            (ReferralSource.OTHER, 0.05),
        ),
        support=(
            (
                SupportKind.ADVICE_PACK,
                "Waiting well pack: understanding autism, sleep, routines and where to get help",
                "autism",
            ),
            (
                SupportKind.WORKSHOP,
                "Four-week parent course on understanding and supporting an autistic child",
                "autism",
            ),
            (
                SupportKind.SCHOOL_STRATEGIES,
                "Strategies for the school: visual supports, a quiet space and a key adult",
                "community_trust",
            ),
        ),
        support_share=0.7,
    ),
    PathwaySpec(
        code="ADHD",
        kind=PathwayKind.ADHD,
        name="Neurodevelopmental pathway: ADHD assessment",
        provider="community_trust",
        ages=(5, 17),
        needs={"SEMH": 3.5, "ASD": 1.5, "SPLD": 1.2, "MLD": 1.0, "SLCN": 0.8, "": 0.6},
        referrals=3.5,
        growth=0.015,
        capacity=0.75,
        grows=True,
        triage_met=0.7,
        not_accepted=0.1,
        did_not_attend=0.06,
        outcomes=(
            (EventKind.TREATMENT_STARTED, 0.68),
            (EventKind.DECISION_NOT_TO_TREAT, 0.26),
            (EventKind.DECLINED_TREATMENT, 0.06),
        ),
        sources=(
            (ReferralSource.SCHOOL, 0.45),
            (ReferralSource.GP, 0.3),
            (ReferralSource.PARENT, 0.15),
            (ReferralSource.SOCIAL_CARE, 0.05),
            (ReferralSource.OTHER, 0.05),
        ),
        support=(
            (
                SupportKind.ADVICE_PACK,
                "Information on ADHD, sleep and managing behaviour at home",
                "community_trust",
            ),
            (
                SupportKind.WORKSHOP,
                "Parent workshop: understanding attention and impulsivity",
                "autism",
            ),
        ),
        support_share=0.55,
    ),
    PathwaySpec(
        code="SALT",
        kind=PathwayKind.SPEECH_AND_LANGUAGE,
        name="Children's speech and language therapy",
        provider="community_trust",
        ages=(1, 16),
        needs={"SLCN": 5.0, "ASD": 2.0, "SLD": 2.0, "PMLD": 1.0, "HI": 1.5, "MLD": 0.8, "": 0.4},
        referrals=6.0,
        capacity=1.08,
        booking_days=70,
        triage_met=0.9,
        not_accepted=0.08,
        did_not_attend=0.08,
        outcomes=_THERAPY_OUTCOMES,
        sources=(
            (ReferralSource.SCHOOL, 0.38),
            (ReferralSource.HEALTH_VISITOR, 0.27),
            (ReferralSource.PARENT, 0.15),
            (ReferralSource.GP, 0.15),
            (ReferralSource.OTHER, 0.05),
        ),
        support=(
            (
                SupportKind.DROP_IN,
                "Talking Time drop-in with a speech and language therapy assistant",
                "community_trust",
            ),
            (
                SupportKind.SCHOOL_STRATEGIES,
                "Advice for the setting on language-rich classrooms and visual supports",
                "community_trust",
            ),
        ),
        support_share=0.35,
    ),
    PathwaySpec(
        code="OT",
        kind=PathwayKind.OCCUPATIONAL_THERAPY,
        name="Children's occupational therapy",
        provider="community_trust",
        ages=(2, 17),
        needs={"PD": 4.0, "PMLD": 2.5, "SLD": 1.5, "MSI": 1.5, "SPLD": 1.2, "ASD": 1.0, "": 0.4},
        referrals=2.5,
        capacity=1.05,
        booking_days=56,
        measure=MeasureChoice.ADJUSTED,
        outcomes=_THERAPY_OUTCOMES,
        sources=(
            (ReferralSource.SCHOOL, 0.35),
            (ReferralSource.GP, 0.3),
            (ReferralSource.SOCIAL_CARE, 0.15),
            (ReferralSource.PARENT, 0.1),
            (ReferralSource.OTHER, 0.1),
        ),
        support=(
            (
                SupportKind.ADVICE_PACK,
                "Fine motor and handwriting activities to try at home and at school",
                "community_trust",
            ),
        ),
        support_share=0.25,
    ),
    PathwaySpec(
        code="PHYS",
        kind=PathwayKind.PHYSIOTHERAPY,
        name="Children's physiotherapy",
        provider="acute_trust",
        ages=(0, 17),
        needs={"PD": 5.0, "PMLD": 3.0, "SLD": 1.0, "MSI": 1.0, "": 0.3},
        referrals=1.5,
        capacity=1.3,
        booking_days=21,
        triage_met=0.93,
        not_accepted=0.05,
        outcomes=_THERAPY_OUTCOMES,
        sources=(
            (ReferralSource.GP, 0.45),
            (ReferralSource.HEALTH_VISITOR, 0.2),
            (ReferralSource.SCHOOL, 0.2),
            (ReferralSource.OTHER, 0.15),
        ),
    ),
    PathwaySpec(
        code="CAMHS",
        kind=PathwayKind.CAMHS,
        name="Child and adolescent mental health service (CAMHS)",
        provider="mental_health_trust",
        ages=(8, 17),
        needs={"SEMH": 5.0, "ASD": 1.5, "SLCN": 0.6, "MLD": 0.6, "SPLD": 0.6, "": 0.8},
        referrals=5.0,
        capacity=0.82,
        capacity_later=1.3,
        investment_months_ago=18,
        booking_days=28,
        urgent=0.08,
        triage_met=0.82,
        not_accepted=0.15,
        did_not_attend=0.09,
        pause=0.06,
        outcomes=(
            (EventKind.TREATMENT_STARTED, 0.66),
            (EventKind.ACTIVE_MONITORING, 0.1),
            (EventKind.DECISION_NOT_TO_TREAT, 0.16),
            (EventKind.DECLINED_TREATMENT, 0.08),
        ),
        sources=(
            (ReferralSource.GP, 0.45),
            (ReferralSource.SCHOOL, 0.3),
            (ReferralSource.SOCIAL_CARE, 0.12),
            (ReferralSource.PARENT, 0.05),
            (ReferralSource.OTHER, 0.08),
        ),
        support=(
            (
                SupportKind.SIGNPOSTING,
                "Signposted to the young people's wellbeing café and the online counselling "
                "service",
                "mental_health_trust",
            ),
            (
                SupportKind.DROP_IN,
                "Mental health support team in school: weekly check-ins while waiting",
                "mental_health_trust",
            ),
        ),
        support_share=0.5,
    ),
)

PAUSE_REASONS = (
    "The family asked for a later appointment: holiday booked",
    "The child was unwell and the family asked to wait",
    "The family asked to wait until after exams",
    "The family moved house and asked for time to settle",
)


# --- Building referrals --------------------------------------------------------------------


@dataclass
class _Referral:
    """One referral as the stage builds it: its events in order and its pauses."""

    serial: int
    child_id: int
    source: str
    received: dt.date
    triage_on: dt.date | None
    accepted: bool
    urgent: bool
    clock_start: dt.date
    events: list[tuple[str, dt.date]] = field(default_factory=list)
    pauses: list[tuple[dt.date, dt.date | None, str]] = field(default_factory=list)
    support: list[tuple[str, str, str, dt.date]] = field(default_factory=list)
    served_on: dt.date | None = None

    def add(self, kind: str, on: dt.date) -> None:
        self.events.append((kind, on))

    def as_rules(self) -> rules.Pathway:
        return rules.Pathway(
            events=tuple(rules.Event(EventKind(kind), on) for kind, on in self.events),
            pauses=tuple(rules.Pause(start, end) for start, end, _ in self.pauses),
        )


@dataclass
class _Candidate:
    child_id: int
    born: dt.date


class _ChildPool:
    """The area's children in a random order weighted by the needs the pathway serves
    (Efraimidis and Spirakis: key ``u ** (1 / w)``), each referred at most once."""

    def __init__(
        self,
        rng: random.Random,
        children: Sequence[tuple[int, dt.date, str]],
        spec: PathwaySpec,
        first: dt.date,
        last: dt.date,
    ) -> None:
        low, high = spec.ages
        keyed: list[tuple[float, int, _Candidate]] = []
        for index, (child_id, born, need) in enumerate(children):
            weight = spec.needs.get(need, spec.needs.get("", 0.5))
            key = rng.random() ** (1.0 / weight)
            if age_on(born, last) < low or age_on(born, first) > high:
                continue
            keyed.append((-key, index, _Candidate(child_id, born)))
        keyed.sort(key=lambda item: (item[0], item[1]))
        self.order = [candidate for _, _, candidate in keyed]
        self.used = [False] * len(self.order)
        self.start = 0
        self.ages = spec.ages

    def take(self, on: dt.date) -> int | None:
        """The next child of the right age on ``on`` who has not been referred yet."""
        low, high = self.ages
        while self.start < len(self.order) and self.used[self.start]:
            self.start += 1
        for index in range(self.start, len(self.order)):
            if self.used[index]:
                continue
            candidate = self.order[index]
            if candidate.born <= on and low <= age_on(candidate.born, on) <= high:
                self.used[index] = True
                return candidate.child_id
        return None


def _weighted(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    return rng.choices([value for value, _ in table], [weight for _, weight in table])[0]


def _random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


class _Queue:
    """One pathway's history, month by month up to the reference date."""

    def __init__(
        self,
        *,
        rng: random.Random,
        spec: PathwaySpec,
        pool: _ChildPool,
        on: dt.date,
        first_month: dt.date,
        scale: float,
        holidays: frozenset[dt.date],
    ) -> None:
        self.rng = rng
        self.spec = spec
        self.pool = pool
        self.on = on
        self.first_month = first_month
        self.holidays = holidays
        self.base_rate = spec.referrals * scale * HALTON_CHILDREN / 1000
        self.referrals: list[_Referral] = []
        self.waiting: list[_Referral] = []  # triaged and accepted, clock running, not seen
        self.pending: dict[int, int] = defaultdict(int)  # month index -> change to the list
        self.list_size = 0
        self.month_ends: list[int] = []

    def _month_index(self, day: dt.date) -> int:
        return (day.year - self.first_month.year) * 12 + day.month - self.first_month.month

    def _change(self, day: dt.date, delta: int) -> None:
        if day <= self.on:
            self.pending[self._month_index(day)] += delta

    def capacity(self, index: int, months: int) -> int:
        spec = self.spec
        share = spec.capacity
        if spec.capacity_later is not None and index >= months - spec.investment_months_ago:
            share = spec.capacity_later
        accepted_rate = self.base_rate * (1 - spec.not_accepted)
        return max(1, round(share * accepted_rate))

    def run(self) -> list[_Referral]:
        months = self._month_index(self.on) + 1
        for index in range(months):
            month = add_months(self.first_month, index)
            last = add_months(month, 1) - dt.timedelta(days=1)
            first, last = month, min(last, self.on)
            self._arrivals(index, first, last)
            before = self.list_size
            self.list_size += self.pending.pop(index, 0)
            self._serve(index, months, first, last, before)
            self.month_ends.append(self.list_size)
        for referral in self.waiting:
            self._maybe_pause(referral, referral.clock_start, self.on, still_waiting=True)
        return self.referrals

    def _arrivals(self, index: int, first: dt.date, last: dt.date) -> None:
        rng, spec = self.rng, self.spec
        expected = self.base_rate * (1 + spec.growth) ** index
        if last < add_months(first, 1) - dt.timedelta(days=1):
            expected *= ((last - first).days + 1) / 30.4
        count = max(0, round(expected * rng.uniform(0.94, 1.06)))
        if spec.grows:
            count = max(count, 3)
        days = sorted(_random_day(rng, first, last) for _ in range(count))
        for day in days:
            child_id = self.pool.take(day)
            if child_id is None:
                continue
            met = rng.random() < spec.triage_met
            working = rng.randint(1, 10) if met else rng.randint(11, 25)
            triage_on: dt.date | None = add_working_days(day, working, self.holidays)
            accepted = rng.random() >= spec.not_accepted
            referral = _Referral(
                serial=len(self.referrals) + 1,
                child_id=child_id,
                source=_weighted(rng, spec.sources),
                received=day,
                triage_on=triage_on,
                accepted=accepted,
                urgent=rng.random() < spec.urgent,
                clock_start=day,
            )
            referral.add(EventKind.REFERRAL_RECEIVED, day)
            self.referrals.append(referral)
            self._change(day, +1)
            if triage_on is None or triage_on > self.on:
                referral.triage_on = None
                continue
            referral.add(EventKind.TRIAGED, triage_on)
            if accepted:
                self.waiting.append(referral)
                self._offer_support(referral)
            else:
                referral.add(EventKind.REFERRED_BACK, triage_on)
                self._change(triage_on, -1)

    def _offer_support(self, referral: _Referral) -> None:
        rng, spec = self.rng, self.spec
        if not spec.support or referral.triage_on is None or rng.random() >= spec.support_share:
            return
        chosen = [spec.support[0]]
        if len(spec.support) > 1 and rng.random() < 0.4:
            chosen.append(rng.choice(spec.support[1:]))
        day = referral.triage_on
        for kind, description, offered_by in chosen:
            day = day + dt.timedelta(days=rng.randint(0, 28))
            referral.support.append((kind, description, offered_by, day))

    def _serve(self, index: int, months: int, first: dt.date, last: dt.date, before: int) -> None:
        rng, spec = self.rng, self.spec
        room = self.capacity(index, months)
        booking = first - dt.timedelta(days=spec.booking_days)
        ready = [
            r
            for r in self.waiting
            if r.triage_on is not None
            and r.triage_on < first
            and r.clock_start < first
            and (r.urgent or r.clock_start <= booking)
        ]
        ready.sort(key=lambda r: (not r.urgent, r.clock_start, r.serial))
        seen: set[int] = set()
        for referral in ready:
            if room <= 0:
                break
            day = _random_day(rng, first, last)
            missed = rng.random() < spec.did_not_attend
            rebook = day + dt.timedelta(days=rng.randint(5, 35)) if rng.random() < 0.6 else None
            change = -1 + (1 if missed and rebook is not None and rebook <= last else 0)
            if spec.grows and self.list_size + change <= before:
                break
            room -= 1
            seen.add(referral.serial)
            self.list_size += change
            self._appointment(referral, day, missed, rebook)
        self.waiting = [r for r in self.waiting if r.serial not in seen or r.served_on is None]

    def _appointment(
        self, referral: _Referral, day: dt.date, missed: bool, rebook: dt.date | None
    ) -> None:
        rng, spec = self.rng, self.spec
        assert referral.triage_on is not None  # noqa: S101 - only triaged referrals wait
        offered = max(
            referral.triage_on, referral.clock_start, day - dt.timedelta(days=rng.randint(7, 28))
        )
        self._maybe_pause(referral, referral.clock_start, day, still_waiting=False)
        referral.add(EventKind.APPOINTMENT_OFFERED, offered)
        if missed:
            referral.add(EventKind.DID_NOT_ATTEND, day)
            if rebook is not None:
                if rebook <= self.on:
                    referral.add(EventKind.REBOOKED, rebook)
                    referral.clock_start = rebook
                    # back on the list, waiting again from the rebooking
                    if rebook.month != day.month or rebook.year != day.year:
                        self._change(rebook, +1)
                    return
                referral.served_on = day
                return
            discharged = day + dt.timedelta(days=rng.randint(14, 42))
            if discharged <= self.on:
                referral.add(EventKind.DISCHARGED, discharged)
            referral.served_on = day
            return
        referral.add(EventKind.APPOINTMENT_ATTENDED, day)
        outcome = _weighted(rng, spec.outcomes)
        referral.add(outcome, day)
        referral.served_on = day
        if outcome == EventKind.ACTIVE_MONITORING:
            discharged = day + dt.timedelta(days=rng.randint(90, 240))
            if discharged <= self.on:
                referral.add(EventKind.DISCHARGED, discharged)

    def _maybe_pause(
        self, referral: _Referral, start: dt.date, end: dt.date, *, still_waiting: bool
    ) -> None:
        """A pause the family asked for, inside the clock that is running from ``start`` to
        ``end`` (the first appointment, or the reference date for a referral still
        waiting)."""
        rng = self.rng
        if rng.random() >= self.spec.pause or (end - start).days < 45 or referral.pauses:
            return
        begins = start + dt.timedelta(days=rng.randint(7, (end - start).days - 30))
        ends: dt.date | None = begins + dt.timedelta(days=rng.randint(7, 35))
        if ends is not None and ends > end:
            ends = None if still_waiting and ends > self.on else end
        referral.pauses.append((begins, ends, rng.choice(PAUSE_REASONS)))


# --- The stage -------------------------------------------------------------------------------


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


def pathways_generate(
    *, area: Area, seed: int, on: dt.date, scale: float | None = None
) -> dict[str, int]:
    """Generate the pathways of a synthetic area and their referral histories up to ``on``,
    and return the rows written per table. ``scale`` is the area's size against a
    Halton-sized one (by default, from its children). Refuses a real area and an area that
    already has pathways."""
    if not area.is_synthetic:
        raise GenerationError(f"{area.name} is a real area: its pathways are never generated.")
    if Pathway.objects.filter(area=area).exists():
        raise GenerationError(f"{area.name} already has pathways; clear them first.")
    partners = area_partners(area)
    missing = sorted({spec.provider for spec in PATHWAYS} - set(partners))
    if missing:
        raise GenerationError(
            f"{area.name} has no {', '.join(key.replace('_', ' ') for key in missing)} to "
            "provide its pathways: regenerate it with `opensend synth --replace`."
        )
    size = children_scale(area) if scale is None else scale
    rng = random.Random(f"opensend-synth-pathways-{seed}-{area.la_code}")
    first_month = add_months(on.replace(day=1), -HISTORY_MONTHS)
    holidays = bank_holidays.around(on, years=5)
    children = list(
        Child.objects.filter(area=area)
        .order_by("date_of_birth", "pk")
        .values_list("pk", "date_of_birth", "primary_need")
    )
    pathways: list[Pathway] = []
    built: list[tuple[Pathway, PathwaySpec, list[_Referral]]] = []
    for spec in PATHWAYS:
        pathway = Pathway(
            area=area,
            kind=spec.kind,
            name=spec.name,
            provider=partners[spec.provider],
            measure=spec.measure,
            created_at=_at(first_month),
        )
        pool = _ChildPool(rng, children, spec, first_month, on)
        queue = _Queue(
            rng=rng,
            spec=spec,
            pool=pool,
            on=on,
            first_month=first_month,
            scale=size,
            holidays=holidays,
        )
        pathways.append(pathway)
        built.append((pathway, spec, queue.run()))
    Pathway.objects.bulk_create(pathways)
    return _write(built, partners, on)


def _write(
    built: list[tuple[Pathway, PathwaySpec, list[_Referral]]],
    partners: dict[str, Organisation],
    on: dt.date,
) -> dict[str, int]:
    counts = {
        "pathways.Pathway": len(built),
        "pathways.Referral": 0,
        "pathways.ReferralEvent": 0,
        "pathways.ReferralPause": 0,
        "pathways.SupportWhileWaiting": 0,
    }
    for pathway, spec, made in built:
        for start in range(0, len(made), BATCH_SIZE):
            batch = made[start : start + BATCH_SIZE]
            rows = [_referral_row(pathway, spec, referral, on) for referral in batch]
            Referral.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            events: list[ReferralEvent] = []
            pauses: list[ReferralPause] = []
            support: list[SupportWhileWaiting] = []
            for row, referral in zip(rows, batch, strict=True):
                events.extend(
                    ReferralEvent(referral=row, kind=kind, on=day, recorded_at=_at(day))
                    for kind, day in referral.events
                )
                pauses.extend(
                    ReferralPause(referral=row, start=begins, end=ends, reason=reason)
                    for begins, ends, reason in referral.pauses
                )
                until = referral.served_on or on
                support.extend(
                    SupportWhileWaiting(
                        referral=row,
                        kind=kind,
                        description=description,
                        offered_on=day,
                        offered_by=partners[by].name if by in partners else "",
                    )
                    for kind, description, by, day in referral.support
                    if day <= until and by in partners
                )
            ReferralEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
            ReferralPause.objects.bulk_create(pauses, batch_size=BATCH_SIZE)
            SupportWhileWaiting.objects.bulk_create(support, batch_size=BATCH_SIZE)
            counts["pathways.Referral"] += len(rows)
            counts["pathways.ReferralEvent"] += len(events)
            counts["pathways.ReferralPause"] += len(pauses)
            counts["pathways.SupportWhileWaiting"] += len(support)
    return counts


def _referral_row(
    pathway: Pathway, spec: PathwaySpec, referral: _Referral, on: dt.date
) -> Referral:
    """The referral row, with the summary dates ``pathways.services`` keeps from the events;
    an impossible sequence is a fault of the generator and stops it."""
    candidate = referral.as_rules()
    problems = rules.pathway_problems(candidate, today=on)
    if problems:
        raise GenerationError(
            f"{spec.name} referral {referral.serial} could not have happened: {'; '.join(problems)}"
        )
    last = max(day for _, day in referral.events)
    state = rules.clock_state(candidate, on=last)
    stopped = not state.on_waiting_list and state.stopped_on is not None
    triaged = referral.triage_on
    attended = next(
        (day for kind, day in referral.events if kind == EventKind.APPOINTMENT_ATTENDED), None
    )
    return Referral(
        pathway=pathway,
        child_id=referral.child_id,
        provider_reference=f"{spec.code}-{referral.serial:06d}",
        source=referral.source,
        received_on=referral.received,
        triaged_on=triaged,
        triage_outcome=(
            ""
            if triaged is None
            else TriageOutcome.ACCEPTED
            if referral.accepted
            else TriageOutcome.NOT_ACCEPTED
        ),
        first_appointment_on=attended,
        stopped_on=state.stopped_on if stopped else None,
        stop_reason=str(state.stopped_by or "") if stopped else "",
        created_at=_at(referral.received),
        updated_at=_at(last),
    )


# --- Clearing and counting ---------------------------------------------------------------------


def clear_pathways(area: Area) -> None:
    """Delete a synthetic area's pathways with their referrals and returns."""
    if not area.is_synthetic:
        raise GenerationError(f"{area.name} is a real area: its pathways are never cleared.")
    pathways = Pathway.objects.filter(area=area)
    ProviderReturn.objects.filter(pathway__in=pathways).delete()
    Referral.objects.filter(pathway__in=pathways).delete()
    pathways.delete()
