"""Reads of EHC cases for pages, the API, reminders and returns. Every figure is computed in
the database: step status is a CASE expression, rates are conditional counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.http import Http404

from opensend.core.models import Area, Membership, Organisation, User
from opensend.core.roles import Role
from opensend.ehc.models import (
    AdviceRequest,
    AdviceStatus,
    AnnualReview,
    AssessmentRequest,
    Plan,
    PlanStatus,
    PlanVersion,
    RequestKind,
    RequestStage,
    Step,
    StepKind,
    VersionState,
)
from opensend.ehc.rules import DUE_SOON_DAYS, StepStatus
from opensend.people import policy
from opensend.people.models import Child


def step_status_expression(today: dt.date) -> Case:
    """``rules.step_status`` as SQL, so lists filter and count by status in the database."""
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    return Case(
        When(
            completed_on__isnull=False,
            then=Case(
                When(due_date__isnull=True, then=Value(StepStatus.MET.value)),
                When(completed_on__lte=F("due_date"), then=Value(StepStatus.MET.value)),
                default=Value(StepStatus.MET_LATE.value),
            ),
        ),
        When(suspended=True, then=Value(StepStatus.SUSPENDED.value)),
        When(due_date__lt=today, then=Value(StepStatus.OVERDUE.value)),
        When(due_date__lte=soon, then=Value(StepStatus.DUE_THIS_WEEK.value)),
        default=Value(StepStatus.ON_TIME.value),
        output_field=CharField(),
    )


def _with_status(steps: QuerySet[Step], today: dt.date) -> QuerySet[Step]:
    return steps.annotate(status=step_status_expression(today))


#: Roles whose holders answer the work an EHC case addresses to their organisation: advice
#: asked of a health or social care service or a school, a consultation with a school. Other
#: staff of the organisation (a commissioner, an analyst) see no child's record.
ANSWERING_ROLES = frozenset({*policy.INVOLVEMENT_ROLES, Role.SENCO})


def user_organisation_ids(
    user: User, on: dt.date, roles: Collection[str] | None = None
) -> list[int]:
    """The organisations the user works for on a day; with ``roles``, only those where they
    hold one of them."""
    memberships = Membership.objects.current(on).filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role_links__role__in=list(roles))
    return list(memberships.values_list("organisation_id", flat=True).distinct())


@dataclass(frozen=True)
class StepFilters:
    kind: str = ""
    status: str = ""
    coordinator_id: int | None = None
    include_done: bool = False


def _filtered(steps: QuerySet[Step], filters: StepFilters, today: dt.date) -> QuerySet[Step]:
    if not filters.include_done:
        steps = steps.filter(completed_on__isnull=True)
    if filters.kind:
        steps = steps.filter(kind=filters.kind)
    if filters.coordinator_id:
        steps = steps.filter(holder_user_id=filters.coordinator_id)
    steps = _with_status(steps, today)
    if filters.status:
        steps = steps.filter(Q(status=filters.status))
    return steps.select_related(
        "child", "request", "plan", "review", "advice", "holder_user", "holder_organisation"
    ).order_by(F("due_date").asc(nulls_last=True), "pk")


def my_steps(
    *,
    user: User,
    today: dt.date,
    filters: StepFilters | None = None,
    grants: policy.Grants | None = None,
) -> QuerySet[Step]:
    """The work a person holds: steps given to them in an area whose cases they run, and steps
    addressed to an organisation where they answer such work (advice asked of their service,
    a consultation with their school)."""
    grants = grants or policy.grants_for(user, today)
    organisation_ids = user_organisation_ids(user, today, ANSWERING_ROLES)
    steps = Step.objects.filter(
        Q(holder_user=user, area_id__in=grants.la_area_ids)
        | Q(holder_organisation_id__in=organisation_ids)
    )
    return _filtered(steps, filters or StepFilters(), today)


def area_steps(
    *, user: User, area: Area, today: dt.date, filters: StepFilters | None = None
) -> QuerySet[Step]:
    """The area's caseload, for its SEND team."""
    grants = policy.grants_for(user, today)
    if area.pk not in grants.la_area_ids:
        raise Http404("No such area")
    return _filtered(Step.objects.filter(area=area), filters or StepFilters(), today)


def status_counts(steps: QuerySet[Step]) -> dict[str, int]:
    """How many steps in each status, in one query (``steps`` must carry ``status``)."""
    rows = steps.order_by().values(*["status"]).annotate(n=Count("pk"))
    counts = {status.value: 0 for status in StepStatus}
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


# --- fetch and authorise ------------------------------------------------------------------


def _decide_view(user: User, child: Child) -> policy.Decision:
    decision = policy.decide(policy.grants_for(user), child, policy.Action.VIEW)
    if not decision.allowed:
        raise Http404("No such case")
    return decision


def request_get_for_user(user: User, request_id: int) -> tuple[AssessmentRequest, policy.Decision]:
    """A request the user may see (else not found), with the basis of their access."""
    request = (
        AssessmentRequest.objects.select_related(
            "child", "area", "coordinator", "requester_organisation", "plan"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise Http404("No such case")
    return request, _decide_view(user, request.child)


def plan_get_for_user(user: User, plan_id: int) -> tuple[Plan, policy.Decision]:
    plan = Plan.objects.select_related("child", "area", "coordinator").filter(pk=plan_id).first()
    if plan is None:
        raise Http404("No such plan")
    return plan, _decide_view(user, plan.child)


def version_get_for_user(user: User, version_id: int) -> tuple[PlanVersion, policy.Decision]:
    version = (
        PlanVersion.objects.select_related("plan__child", "plan__area", "updated_by")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise Http404("No such plan version")
    return version, _decide_view(user, version.plan.child)


def advice_get_for_user(user: User, advice_id: int) -> AdviceRequest:
    """Advice the user may answer: the LA's team, or staff of the organisation asked."""
    advice = (
        AdviceRequest.objects.select_related("request__child", "request__area", "organisation")
        .filter(pk=advice_id)
        .first()
    )
    if advice is None:
        raise Http404("No such advice request")
    grants = policy.grants_for(user)
    if advice.request.area_id in grants.la_area_ids:
        return advice
    if advice.organisation_id in user_organisation_ids(user, dt.date.today(), ANSWERING_ROLES):  # noqa: DTZ011
        return advice
    raise Http404("No such advice request")


# --- a case ---------------------------------------------------------------------------------


def case_steps(request: AssessmentRequest, today: dt.date) -> QuerySet[Step]:
    return _with_status(
        Step.objects.filter(Q(request=request) | Q(plan=request.plan, plan__isnull=False)),
        today,
    ).select_related("holder_user", "holder_organisation", "advice")


def plan_steps(plan: Plan, today: dt.date) -> QuerySet[Step]:
    return _with_status(Step.objects.filter(plan=plan), today).select_related(
        "holder_user", "holder_organisation", "review"
    )


def child_cases(child: Child) -> dict[str, object]:
    """A child's requests and plans, newest first."""
    return {
        "requests": list(
            AssessmentRequest.objects.filter(child=child)
            .select_related("coordinator")
            .order_by("-received_date")
        ),
        "plans": list(Plan.objects.filter(child=child).order_by("-created_at")),
    }


def plan_versions(plan: Plan) -> QuerySet[PlanVersion]:
    return plan.versions.select_related("issued_by", "updated_by").prefetch_related(
        "lines__provider_organisation", "placements__setting", "sign_offs__organisation"
    )


def current_version(plan: Plan) -> PlanVersion | None:
    return plan_versions(plan).filter(state=VersionState.ISSUED).order_by("-number").first()


def draft_version(plan: Plan) -> PlanVersion | None:
    return plan_versions(plan).filter(state=VersionState.DRAFT).first()


# --- the area's figures -------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRate:
    month: dt.date
    issued: int
    on_time: int
    issued_excluding_exceptions: int
    on_time_excluding_exceptions: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.issued if self.issued else None

    @property
    def rate_excluding_exceptions(self) -> float | None:
        if not self.issued_excluding_exceptions:
            return None
        return self.on_time_excluding_exceptions / self.issued_excluding_exceptions


def twenty_week_rates(*, area: Area, start: dt.date, end: dt.date) -> list[MonthRate]:
    """New plans issued each month, and how many within 20 weeks, with and without the
    cases where an exception applied (as the DfE publishes both)."""
    rows = (
        AssessmentRequest.objects.filter(
            area=area,
            kind=RequestKind.NEW,
            final_issued_date__gte=start,
            final_issued_date__lte=end,
        )
        .annotate(month=TruncMonth("final_issued_date"))
        .values("month")
        .annotate(
            issued=Count("pk"),
            on_time=Count("pk", filter=Q(final_issued_date__lte=F("final_due"))),
            issued_x=Count("pk", filter=Q(has_exception=False)),
            on_time_x=Count(
                "pk", filter=Q(has_exception=False, final_issued_date__lte=F("final_due"))
            ),
        )
        .order_by("month")
    )
    return [
        MonthRate(
            month=row["month"] if isinstance(row["month"], dt.date) else row["month"].date(),
            issued=row["issued"],
            on_time=row["on_time"],
            issued_excluding_exceptions=row["issued_x"],
            on_time_excluding_exceptions=row["on_time_x"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class AreaFigures:
    active_plans: int
    open_requests: int
    open_steps: dict[str, int]
    reviews_overdue: int
    advice_overdue: int
    requests_in_year: int
    refused_in_year: int


def area_figures(*, area: Area, today: dt.date) -> AreaFigures:
    """The headline numbers of the manager's page: a handful of indexed counts."""
    year_start = dt.date(today.year, 1, 1)
    plans = Plan.objects.filter(area=area, status=PlanStatus.ACTIVE).count()
    requests = AssessmentRequest.objects.filter(area=area)
    request_counts = requests.aggregate(
        open=Count(
            "pk",
            filter=Q(
                stage__in=[
                    RequestStage.RECEIVED,
                    RequestStage.ASSESSING,
                    RequestStage.DRAFTING,
                    RequestStage.DRAFT_ISSUED,
                ]
            ),
        ),
        in_year=Count(
            "pk",
            filter=Q(received_date__gte=year_start, kind__in=[RequestKind.NEW]),
        ),
        refused=Count(
            "pk",
            filter=Q(
                received_date__gte=year_start,
                kind=RequestKind.NEW,
                stage=RequestStage.NOT_ASSESSING,
            ),
        ),
    )
    steps = _with_status(Step.objects.filter(area=area, completed_on__isnull=True), today)
    counts = status_counts(steps)
    reviews_overdue = Step.objects.filter(
        area=area, kind=StepKind.REVIEW_MEETING, completed_on__isnull=True, due_date__lt=today
    ).count()
    advice_overdue = Step.objects.filter(
        area=area,
        kind=StepKind.ADVICE,
        completed_on__isnull=True,
        due_date__lt=today,
        suspended=False,
    ).count()
    return AreaFigures(
        active_plans=plans,
        open_requests=request_counts["open"],
        open_steps=counts,
        reviews_overdue=reviews_overdue,
        advice_overdue=advice_overdue,
        requests_in_year=request_counts["in_year"],
        refused_in_year=request_counts["refused"],
    )


@dataclass(frozen=True)
class AgencyOverdue:
    advice_type: str
    advice_type_label: str
    organisation: str
    overdue: int
    outstanding: int


def advice_overdue_by_agency(*, area: Area, today: dt.date) -> list[AgencyOverdue]:
    """Outstanding advice by agency and organisation, with how much is past its 6 weeks."""
    from opensend.ehc.models import AdviceType

    rows = (
        AdviceRequest.objects.filter(request__area=area, status=AdviceStatus.REQUESTED)
        .values("advice_type", "organisation__name")
        .annotate(
            outstanding=Count("pk"),
            # advice under a Reg 8(2) exception is not bound by the 6 weeks
            overdue=Count("pk", filter=Q(due_date__lt=today, exception_kind="")),
        )
        .order_by("-overdue", "advice_type", "organisation__name")
    )
    return [
        AgencyOverdue(
            advice_type=row["advice_type"],
            advice_type_label=AdviceType(row["advice_type"]).label,
            organisation=row["organisation__name"] or "The family",
            overdue=row["overdue"],
            outstanding=row["outstanding"],
        )
        for row in rows
    ]


def advice_for_organisations(
    *, user: User, today: dt.date, include_returned: bool = False
) -> QuerySet[AdviceRequest]:
    """Advice requests addressed to the organisations where the user answers advice."""
    organisation_ids = user_organisation_ids(user, today, ANSWERING_ROLES)
    advice = AdviceRequest.objects.filter(organisation_id__in=organisation_ids)
    if not include_returned:
        advice = advice.filter(status=AdviceStatus.REQUESTED)
    return advice.select_related("request__child", "organisation").order_by("due_date", "pk")


def coordinators(area: Area) -> QuerySet[User]:
    """The area's EHC coordinators and managers, for assigning cases."""
    from opensend.core.roles import Role

    return User.objects.filter(
        Exists(
            Membership.objects.filter(
                user=OuterRef("pk"),
                areas=area,
                role_links__role__in=[Role.EHC_COORDINATOR, Role.SEND_MANAGER],
            )
        ),
        is_active=True,
    ).order_by("full_name")


def open_review(plan: Plan) -> AnnualReview | None:
    return plan.reviews.exclude(stage__in=["completed", "cancelled"]).first()


def settings_for(area: Area) -> QuerySet[Organisation]:
    from opensend.core.roles import SETTING_KINDS

    return Organisation.objects.filter(kind__in=SETTING_KINDS, areas=area).order_by("name")
