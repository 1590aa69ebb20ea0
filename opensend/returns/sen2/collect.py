"""Build the SEN2 records from the case data of an area, for a collection year.

What is in a collection (our reading of the DfE's guide; docs/sen2.md):

* the **period** is the calendar year before the collection year; the **reference date** is
  the spring census day of the collection year;
* **requests**: every request received in the period, and every earlier one still open at
  its start (its assessment ongoing in the period), with what had happened to it by the
  reference date; plans transferred in during the period (outcome H);
* **plans**: for each request that led to a plan, the plan as in force on the reference
  date; plans **active on the reference date** (with their placements, needs and last
  review) and plans **ceased in the period**, under the request that made them or, where
  that request is older than the period, under a historical request (outcome H).

Everything is read *as at* a day: the reference date for a return, today for the live
checks. The reads are nine set-based queries, whatever the number of children (values, not
model instances); the records are then put together in Python. 20,000 active plans take a
few seconds (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Q, QuerySet

from opensend import __version__
from opensend.core.models import Area
from opensend.ehc.models import (
    AnnualReview,
    AssessmentRequest,
    Plan,
    PlanPlacement,
    PlanStatus,
    PlanVersion,
    RequestKind,
    RequestSource,
    ReviewStage,
    VersionState,
)
from opensend.people.models import Child, Need, Placement
from opensend.returns.sen2 import mapping
from opensend.returns.sen2.records import (
    ActivePlan,
    Assessment,
    Header,
    NamedPlan,
    Person,
    PlacementDetail,
    PlanDetail,
    Request,
    Return,
    SENNeed,
)

SOFTWARE_CODE = "OpenSEND"


@dataclass(frozen=True)
class Scope:
    """Which data a collection reads: an area (or one child of it), a collection year, and
    the day it is read as at (never after the reference date)."""

    area: Area
    year: int
    as_at: dt.date
    child_id: int | None = None

    @property
    def reference_date(self) -> dt.date:
        return mapping.reference_date(self.year)

    @property
    def period_start(self) -> dt.date:
        return dt.date(self.year - 1, 1, 1)

    @property
    def period_end(self) -> dt.date:
        return dt.date(self.year - 1, 12, 31)


def scope_for(
    area: Area, year: int, *, as_at: dt.date | None = None, child_id: int | None = None
) -> Scope:
    reference = mapping.reference_date(year)
    return Scope(area=area, year=year, as_at=min(as_at or reference, reference), child_id=child_id)


# --- the querysets ------------------------------------------------------------------------


def reported_requests(scope: Scope) -> QuerySet[AssessmentRequest]:
    """Requests received in the period, or before it and still open when it began."""
    requests = AssessmentRequest.objects.filter(
        area=scope.area, received_date__lte=min(scope.period_end, scope.as_at)
    ).filter(
        Q(received_date__gte=scope.period_start)
        | Q(closed_date__isnull=True)
        | Q(closed_date__gte=scope.period_start)
    )
    if scope.child_id is not None:
        requests = requests.filter(child_id=scope.child_id)
    return requests


def reported_plans(scope: Scope) -> QuerySet[Plan]:
    """Plans in force on the day, ceased in the period, or made by a reported request."""
    plans = Plan.objects.filter(
        area=scope.area,
        status__in=[PlanStatus.ACTIVE, PlanStatus.CEASED],
        start_date__isnull=False,
        start_date__lte=scope.as_at,
    ).filter(
        Q(ceased_date__isnull=True)
        | Q(ceased_date__gt=scope.as_at)
        | Q(ceased_date__gte=scope.period_start, ceased_date__lte=scope.period_end)
        | Q(pk__in=reported_requests(scope).filter(plan__isnull=False).values("plan_id"))
    )
    if scope.child_id is not None:
        plans = plans.filter(child_id=scope.child_id)
    return plans


def active_plans(scope: Scope) -> QuerySet[Plan]:
    return reported_plans(scope).filter(
        Q(ceased_date__isnull=True) | Q(ceased_date__gt=scope.as_at)
    )


# --- the rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    id: int
    child_id: int
    kind: str
    source: str
    received_date: dt.date
    stage: str
    decision_date: dt.date | None
    issue_decision_date: dt.date | None
    final_issued_date: dt.date | None
    closed_date: dt.date | None
    has_exception: bool
    request_mediation: bool
    request_tribunal: bool
    assessment_mediation: bool
    assessment_tribunal: bool
    plan_id: int | None
    final_due: dt.date


REQUEST_COLUMNS = tuple(RequestRow.__dataclass_fields__)


@dataclass(frozen=True)
class PlanRow:
    id: int
    child_id: int
    start_date: dt.date
    ceased_date: dt.date | None
    cease_reason: str
    transferred_in_from: str


PLAN_COLUMNS = tuple(PlanRow.__dataclass_fields__)


@dataclass(frozen=True)
class VersionRow:
    id: int
    plan_id: int
    number: int
    issued_date: dt.date
    personal_budget: bool
    organised_arrangements: str
    direct_payments: str


VERSION_COLUMNS = tuple(VersionRow.__dataclass_fields__)


@dataclass(frozen=True)
class SectionIRow:
    version_id: int
    rank: int
    setting_id: int | None
    urn: str | None
    ukprn: str | None
    setting_type: str | None
    sen_setting: str
    sen_setting_other: str
    in_sen_unit: bool
    in_resourced_provision: bool
    residential: str
    work_based: str


SECTION_I_COLUMNS = (
    "version_id",
    "rank",
    "setting_id",
    "setting__urn",
    "setting__ukprn",
    "setting__setting_type",
    "sen_setting",
    "sen_setting_other",
    "in_sen_unit",
    "in_resourced_provision",
    "residential",
    "work_based",
)


@dataclass(frozen=True)
class PlacementRow:
    child_id: int
    setting_id: int
    kind: str
    start_date: dt.date
    end_date: dt.date | None
    in_sen_unit: bool
    in_resourced_provision: bool
    urn: str
    ukprn: str
    setting_type: str


PLACEMENT_COLUMNS = (
    "child_id",
    "setting_id",
    "kind",
    "start_date",
    "end_date",
    "in_sen_unit",
    "in_resourced_provision",
    "setting__urn",
    "setting__ukprn",
    "setting__setting_type",
)


@dataclass(frozen=True)
class ReviewRow:
    plan_id: int
    meeting_date: dt.date | None
    outcome: str
    decision_date: dt.date | None
    completed_date: dt.date | None
    phase_transfer: str
    phase_transfer_deadline: dt.date | None
    new_setting_id: int | None


REVIEW_COLUMNS = tuple(ReviewRow.__dataclass_fields__)

CHILD_COLUMNS = (
    "pk",
    "surname",
    "forename",
    "date_of_birth",
    "sex",
    "ethnicity",
    "home_postcode",
    "upn",
    "uln",
)


@dataclass
class Rows:
    """Everything a collection reads, grouped by child and by plan."""

    children: list[tuple[int, str, str, dt.date, str, str, str, str, str]] = field(
        default_factory=list
    )
    requests: dict[int, list[RequestRow]] = field(default_factory=lambda: defaultdict(list))
    plans: dict[int, list[PlanRow]] = field(default_factory=lambda: defaultdict(list))
    origins: dict[int, tuple[dt.date, str]] = field(default_factory=dict)
    versions: dict[int, VersionRow] = field(default_factory=dict)
    section_i: dict[int, list[SectionIRow]] = field(default_factory=lambda: defaultdict(list))
    placements: dict[int, list[PlacementRow]] = field(default_factory=lambda: defaultdict(list))
    needs: dict[int, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    reviews: dict[int, list[ReviewRow]] = field(default_factory=lambda: defaultdict(list))


def _current(scope: Scope) -> Q:
    return Q(start_date__lte=scope.as_at) & (
        Q(end_date__isnull=True) | Q(end_date__gte=scope.as_at)
    )


def read(scope: Scope) -> Rows:
    """The nine queries."""
    rows = Rows()
    requests = reported_requests(scope)
    plans = reported_plans(scope)
    active = active_plans(scope)

    for values in requests.order_by("received_date", "pk").values_list(*REQUEST_COLUMNS):
        row = RequestRow(*values)
        rows.requests[row.child_id].append(row)
    for values in plans.order_by("start_date", "pk").values_list(*PLAN_COLUMNS):
        plan = PlanRow(*values)
        rows.plans[plan.child_id].append(plan)

    children = Child.objects.filter(area=scope.area).filter(
        Q(pk__in=requests.values("child_id")) | Q(pk__in=plans.values("child_id"))
    )
    if scope.child_id is not None:
        children = children.filter(pk=scope.child_id)
    rows.children = list(children.order_by("surname", "forename", "pk").values_list(*CHILD_COLUMNS))

    # the request each plan came from (for a plan older than the period)
    for plan_id, received, kind in (
        AssessmentRequest.objects.filter(
            plan__in=plans, kind__in=[RequestKind.NEW, RequestKind.TRANSFER_IN]
        )
        .order_by("-received_date", "-pk")
        .values_list("plan_id", "received_date", "kind")
    ):
        rows.origins[plan_id] = (received, kind)  # the earliest wins

    # the version of each plan in force on the day, and its section I
    for values in (
        PlanVersion.objects.filter(
            plan__in=plans, state=VersionState.ISSUED, issued_date__lte=scope.as_at
        )
        .order_by("plan_id", "number")
        .values_list(*VERSION_COLUMNS)
    ):
        version = VersionRow(*values)
        rows.versions[version.plan_id] = version  # the highest number wins
    in_force = {version.id for version in rows.versions.values()}
    for values in (
        PlanPlacement.objects.filter(
            version__plan__in=plans,
            version__state=VersionState.ISSUED,
            version__issued_date__lte=scope.as_at,
        )
        .order_by("version_id", "rank")
        .values_list(*SECTION_I_COLUMNS)
    ):
        named = SectionIRow(*values)
        if named.version_id in in_force:
            rows.section_i[named.version_id].append(named)

    # where each child with an active plan is, their needs, and their plan's reviews
    with_plans = active.values("child_id")
    for values in (
        Placement.objects.filter(_current(scope), child_id__in=with_plans)
        .order_by("child_id", "start_date", "pk")
        .values_list(*PLACEMENT_COLUMNS)
    ):
        placement = PlacementRow(*values)
        rows.placements[placement.child_id].append(placement)
    for child_id, code, rank in (
        Need.objects.filter(_current(scope), child_id__in=with_plans, rank__isnull=False)
        .order_by("child_id", "rank", "-start_date")
        .values_list("child_id", "code", "rank")
    ):
        rows.needs[child_id].append((code, int(rank or 0)))
    for values in (
        AnnualReview.objects.filter(plan__in=active)
        .exclude(stage=ReviewStage.CANCELLED)
        .order_by("plan_id", "due_date", "pk")
        .values_list(*REVIEW_COLUMNS)
    ):
        review = ReviewRow(*values)
        rows.reviews[review.plan_id].append(review)
    return rows


# --- putting the records together ---------------------------------------------------------


def _plan_details(rows: Rows, version: VersionRow | None) -> tuple[PlanDetail, ...]:
    if version is None:
        return ()
    return tuple(
        PlanDetail(
            placement_rank=named.rank,
            urn=named.urn or "",
            ukprn="" if named.urn else named.ukprn or "",
            sen_setting=named.sen_setting,
            sen_setting_other=named.sen_setting_other,
            sen_unit=named.in_sen_unit,
            resourced_provision=named.in_resourced_provision,
            establishment=named.setting_type or named.sen_setting,
        )
        for named in rows.section_i.get(version.id, [])
    )


def _named_plan(rows: Rows, plan: PlanRow, *, start: dt.date, scope: Scope) -> NamedPlan:
    version = rows.versions.get(plan.id)
    main = next(
        (
            named
            for named in rows.section_i.get(version.id if version else -1, [])
            if named.rank == 1
        ),
        None,
    )
    ceased = plan.ceased_date if plan.ceased_date and plan.ceased_date <= scope.as_at else None
    budget = version.personal_budget if version else None
    return NamedPlan(
        start_date=start,
        details=_plan_details(rows, version),
        plan_res=main.residential if main else "",
        plan_wbp=main.work_based if main else "",
        personal_budget=budget,
        organised_arrangements=bool(version.organised_arrangements) if budget and version else None,
        direct_payments=version.direct_payments if version else "",
        cease_date=ceased,
        cease_reason=plan.cease_reason if ceased else "",
        plan_id=plan.id,
    )


def _placements(
    rows: Rows, child_id: int, plan: PlanRow, scope: Scope
) -> tuple[PlacementDetail, ...]:
    version = rows.versions.get(plan.id)
    section_i = rows.section_i.get(version.id, []) if version else []
    by_setting = {named.setting_id: named for named in section_i if named.setting_id}
    current = sorted(
        rows.placements.get(child_id, []),
        key=lambda row: mapping.placement_rank_order(row.kind, row.start_date),
    )[:2]
    if current:
        details = []
        for rank, row in enumerate(current, start=1):
            named = by_setting.get(row.setting_id)
            details.append(
                PlacementDetail(
                    placement_rank=rank,
                    entry_date=row.start_date,
                    urn=row.urn,
                    ukprn="" if row.urn else row.ukprn,
                    leaving_date=row.end_date
                    if row.end_date and row.end_date <= scope.as_at
                    else None,
                    sen_unit=row.in_sen_unit,
                    resourced_provision=row.in_resourced_provision,
                    res=named.residential if named else "",
                    wbp=named.work_based if named else "",
                    establishment=row.setting_type,
                )
            )
        return tuple(details)
    # no placement on record: the arrangement or setting section I names, from the day the
    # plan naming it was issued
    return tuple(
        PlacementDetail(
            placement_rank=named.rank,
            entry_date=version.issued_date if version else None,
            urn=named.urn or "",
            ukprn="" if named.urn else named.ukprn or "",
            sen_setting=named.sen_setting,
            sen_setting_other=named.sen_setting_other,
            sen_unit=named.in_sen_unit,
            resourced_provision=named.in_resourced_provision,
            res=named.residential,
            wbp=named.work_based,
            establishment=named.setting_type or named.sen_setting,
        )
        for named in section_i
    )


def _active_plan(rows: Rows, child_id: int, plan: PlanRow, scope: Scope) -> ActivePlan:
    reviews = rows.reviews.get(plan.id, [])
    held = [
        review for review in reviews if review.meeting_date and review.meeting_date <= scope.as_at
    ]
    latest = max(held, key=lambda review: review.meeting_date or dt.date.min, default=None)
    completed = [
        review.completed_date
        for review in reviews
        if review.completed_date and review.completed_date <= scope.as_at
    ]
    decided = latest is not None and latest.decision_date and latest.decision_date <= scope.as_at
    transfers = [
        review
        for review in reviews
        if review.phase_transfer
        and review.phase_transfer_deadline
        and review.phase_transfer_deadline >= scope.period_start
    ]
    transfer = max(
        transfers, key=lambda review: review.phase_transfer_deadline or dt.date.min, default=None
    )
    final = (
        transfer.completed_date
        if transfer is not None
        and transfer.new_setting_id
        and transfer.completed_date
        and transfer.completed_date <= scope.as_at
        else None
    )
    return ActivePlan(
        placements=_placements(rows, child_id, plan, scope),
        needs=tuple(
            SENNeed(sen_type=code, rank=rank) for code, rank in rows.needs.get(child_id, [])
        ),
        transfer_la=plan.transferred_in_from,
        review_meeting=latest.meeting_date if latest else None,
        review_outcome=latest.outcome if latest and decided else "",
        last_review=max(completed, default=None),
        phase_transfer_due=transfer.phase_transfer_deadline if transfer else None,
        phase_transfer_final=final,
        plan_id=plan.id,
    )


def _request(row: RequestRow, plans: dict[int, PlanRow], rows: Rows, scope: Scope) -> Request:
    as_at = scope.as_at
    asked = mapping.request_outcome(
        kind=row.kind,
        stage=row.stage,
        decision_date=row.decision_date,
        closed_date=row.closed_date,
        as_at=as_at,
    )
    assessment: Assessment | None = None
    if asked.code in (mapping.Y, mapping.H):
        decided = mapping.assessment_outcome(
            kind=row.kind,
            stage=row.stage,
            issue_decision_date=row.issue_decision_date,
            closed_date=row.closed_date,
            as_at=as_at,
        )
        plan = plans.get(row.plan_id) if row.plan_id is not None else None
        named: NamedPlan | None = None
        if plan is not None and row.kind == mapping.TRANSFER_IN:
            named = _named_plan(rows, plan, start=plan.start_date, scope=scope)
        elif plan is not None and decided.code == mapping.Y:
            issued = mapping.plan_issued_by_request(
                kind=row.kind, final_issued_date=row.final_issued_date, as_at=as_at
            )
            if issued is not None:
                named = _named_plan(rows, plan, start=issued, scope=scope)
        historical = asked.code == mapping.H
        assessment = Assessment(
            outcome=decided.code,
            outcome_date=decided.date,
            mediation=None if historical else row.assessment_mediation,
            tribunal=None if historical else row.assessment_tribunal,
            week20=row.has_exception if named is not None and not historical else None,
            named_plan=named,
        )
    historical = asked.code == mapping.H
    return Request(
        outcome=asked.code,
        received_date=row.received_date,
        young_person=None if historical else row.source == RequestSource.YOUNG_PERSON,
        outcome_date=asked.date,
        mediation=None if historical else row.request_mediation,
        tribunal=None if historical else row.request_tribunal,
        assessment=assessment,
        request_id=row.id,
        kind=row.kind,
        final_due=row.final_due,
    )


def _historical(rows: Rows, plan: PlanRow, scope: Scope) -> Request:
    """A request standing for a plan whose own request is older than the period."""
    origin = rows.origins.get(plan.id)
    return Request(
        outcome=mapping.H,
        received_date=origin[0] if origin else None,
        assessment=Assessment(
            outcome=mapping.H,
            named_plan=_named_plan(rows, plan, start=plan.start_date, scope=scope),
        ),
        kind=origin[1] if origin else "",
    )


def _with_active(request: Request, active: ActivePlan) -> Request:
    return replace(request, active_plan=active)


def _person_requests(child_id: int, rows: Rows, scope: Scope) -> tuple[Request, ...]:
    plans = {plan.id: plan for plan in rows.plans.get(child_id, [])}
    requests = [_request(row, plans, rows, scope) for row in rows.requests.get(child_id, [])]
    for plan in plans.values():
        active = mapping.plan_active_on(
            start_date=plan.start_date, ceased_date=plan.ceased_date, on=scope.as_at
        )
        ceased_in_period = mapping.in_period(plan.ceased_date, scope.period_start, scope.period_end)
        carriers = [
            index
            for index, request in enumerate(requests)
            if request.named_plan is not None and request.named_plan.plan_id == plan.id
        ]
        if not carriers:
            if not (active or ceased_in_period):
                continue
            requests.append(_historical(rows, plan, scope))
            carriers = [len(requests) - 1]
        if active:
            index = carriers[-1]
            requests[index] = _with_active(
                requests[index], _active_plan(rows, child_id, plan, scope)
            )
    return tuple(requests)


def _no_further_action(requests: Iterable[Request]) -> bool:
    outcomes = [request.outcome for request in requests]
    return bool(outcomes) and all(outcome in (mapping.N, mapping.W) for outcome in outcomes)


def persons(scope: Scope) -> tuple[Person, ...]:
    """Every person in the collection, in name order."""
    rows = read(scope)
    result: list[Person] = []
    for pk, surname, forename, born, sex, ethnicity, postcode, upn, uln in rows.children:
        requests = _person_requests(pk, rows, scope)
        result.append(
            Person(
                surname=surname,
                forename=forename,
                birth_date=born,
                sex=sex,
                ethnicity=ethnicity,
                postcode=postcode,
                upn=upn,
                uln=uln,
                upn_unknown=mapping.upn_unknown(
                    upn=upn,
                    uln=uln,
                    date_of_birth=born,
                    as_at=scope.reference_date,
                    transferred_in=any(
                        request.kind == mapping.TRANSFER_IN
                        and mapping.in_period(
                            request.received_date, scope.period_start, scope.period_end
                        )
                        for request in requests
                    ),
                    no_further_action=_no_further_action(requests),
                ),
                requests=requests,
                child_id=pk,
            )
        )
    return tuple(result)


def header(
    *,
    area: Area,
    year: int,
    serial_no: int,
    generated_at: dt.datetime,
    dmo: str = "N",
    dco: str = "N",
) -> Header:
    return Header(
        year=year,
        reference_date=mapping.reference_date(year),
        la_code=area.la_code,
        software_code=SOFTWARE_CODE,
        release=__version__,
        serial_no=serial_no,
        generated_at=generated_at,
        dmo=dmo,
        dco=dco,
    )


def collect(scope: Scope, head: Header) -> Return:
    return Return(header=head, persons=persons(scope))
