"""Reads for the EHC case pages: fetching a case, plan or piece of work for a user (not found
when they may not see it), the access log entry a read writes, and what a case page shows (the
statutory clock, the task list, the history, the comparison of two versions of a plan).

The task list is worked out from the case's ``Step`` rows, their status computed in the
database by ``selectors.step_status_expression``, and the request's stage.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from opensend.core import access_log
from opensend.core.models import AccessAction, Organisation, User
from opensend.core.roles import Role
from opensend.ehc import rules, selectors
from opensend.ehc.models import (
    HEALTH_SECTIONS,
    PROVISION_SECTIONS,
    SOCIAL_CARE_SECTIONS,
    AdviceRequest,
    AdviceStatus,
    AnnualReview,
    AssessmentRequest,
    CaseEvent,
    Consultation,
    ConsultationResponse,
    Plan,
    PlanPlacement,
    PlanSection,
    PlanVersion,
    ProvisionLine,
    RequestKind,
    RequestStage,
    ReviewStage,
    Step,
    StepKind,
    TimeLimitException,
    VersionState,
)
from opensend.people import policy
from opensend.people.models import Child

CHILD = "people.child"

#: Stages in the order a request passes through them.
STAGE_ORDER: dict[str, int] = {
    RequestStage.RECEIVED: 0,
    RequestStage.ASSESSING: 1,
    RequestStage.DRAFTING: 2,
    RequestStage.DRAFT_ISSUED: 3,
    RequestStage.FINAL_ISSUED: 4,
}


# --- fetch, authorise and log ----------------------------------------------------------------


def _organisation(decision: policy.Decision) -> Organisation | None:
    if decision.organisation_id is None:
        return None
    return Organisation.objects.filter(pk=decision.organisation_id).first()


def record_view(
    *,
    user: User,
    decision: policy.Decision,
    child: Child,
    object_type: str,
    object_id: object,
    detail: dict[str, Any] | None = None,
) -> None:
    """The access log entry for reading part of a child's EHC record."""
    access_log.record(
        actor=user,
        action=AccessAction.VIEW,
        object_type=object_type,
        object_id=object_id,
        subjects=[(CHILD, child.pk)],
        purpose=decision.purpose,
        organisation=_organisation(decision),
        detail=detail or {},
    )


def may_change(user: User, child: Child, grants: policy.Grants | None = None) -> bool:
    """Whether the user may run the EHC process for this child (the LA's SEND team)."""
    decision = policy.decide(grants or policy.grants_for(user), child, policy.Action.CHANGE)
    return decision.allowed


def child_for_ehc(
    *, user: User, child_id: int, log: bool = True, grants: policy.Grants | None = None
) -> tuple[Child, policy.Decision]:
    """A child whose EHC page the user may see, else not found. The view is logged."""
    child = Child.objects.select_related("area").filter(pk=child_id).first()
    if child is None:
        raise Http404("No such child")
    decision = policy.decide(grants or policy.grants_for(user), child, policy.Action.VIEW)
    if not decision.allowed:
        raise Http404("No such child")
    if log:
        record_view(
            user=user,
            decision=decision,
            child=child,
            object_type=CHILD,
            object_id=child.pk,
            detail={"via": "ehc"},
        )
    return child, decision


def request_for_user(
    *, user: User, request_id: int, log: bool = False
) -> tuple[AssessmentRequest, policy.Decision]:
    """A request for assessment the user may see, else not found. ``log`` for a page that
    shows the case (a form does not)."""
    request, decision = selectors.request_get_for_user(user, request_id)
    if log:
        record_view(
            user=user,
            decision=decision,
            child=request.child,
            object_type="ehc.request",
            object_id=request.pk,
        )
    return request, decision


def request_get_letter(*, user: User, request_id: int) -> tuple[AssessmentRequest, policy.Decision]:
    """A request refused (not to assess, or not to issue a plan), for its decision letter;
    not found otherwise. Reading the letter is logged."""
    request, decision = selectors.request_get_for_user(user, request_id)
    if request.stage not in (RequestStage.NOT_ASSESSING, RequestStage.NOT_ISSUING):
        raise Http404("There is no decision letter for this request")
    record_view(
        user=user,
        decision=decision,
        child=request.child,
        object_type="ehc.request",
        object_id=request.pk,
        detail={"letter": str(request.stage)},
    )
    return request, decision


def plan_for_user(
    *, user: User, plan_id: int, log: bool = False, detail: dict[str, Any] | None = None
) -> tuple[Plan, policy.Decision]:
    """A plan the user may see, else not found; ``log`` for a page that shows the plan."""
    plan, decision = selectors.plan_get_for_user(user, plan_id)
    if log:
        record_view(
            user=user,
            decision=decision,
            child=plan.child,
            object_type="ehc.plan",
            object_id=plan.pk,
            detail=detail,
        )
    return plan, decision


def version_of(plan: Plan, number: int) -> PlanVersion:
    version = selectors.plan_versions(plan).filter(number=number).first()
    if version is None:
        raise Http404("No such version")
    return version


def draft_of(plan: Plan) -> PlanVersion:
    version = selectors.draft_version(plan)
    if version is None:
        raise Http404("The plan has no draft")
    return version


def advice_for_user(*, user: User, advice_id: int) -> AdviceRequest:
    """Advice the user may answer: the LA's team, or staff of the organisation asked."""
    return selectors.advice_get_for_user(user, advice_id)


def consultation_for_user(*, user: User, consultation_id: int, today: dt.date) -> Consultation:
    """A consultation the user may answer: the LA's team, or staff of the setting consulted."""
    consultation = (
        Consultation.objects.select_related(
            "version__plan__child__area", "version__plan__area", "setting"
        )
        .filter(pk=consultation_id)
        .first()
    )
    if consultation is None:
        raise Http404("No such consultation")
    grants = policy.grants_for(user, today)
    if consultation.version.plan.area_id in grants.la_area_ids:
        return consultation
    if consultation.setting_id in selectors.user_organisation_ids(user, today):
        return consultation
    raise Http404("No such consultation")


def review_for_user(*, user: User, review_id: int) -> tuple[AnnualReview, policy.Decision]:
    review = (
        AnnualReview.objects.select_related("plan__child__area", "plan__area")
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise Http404("No such review")
    decision = policy.decide(policy.grants_for(user), review.plan.child, policy.Action.VIEW)
    if not decision.allowed:
        raise Http404("No such review")
    return review, decision


def line_of(version: PlanVersion, line_id: int) -> ProvisionLine:
    line = version.lines.filter(pk=line_id).first()
    if line is None:
        raise Http404("No such line of provision")
    return line


def placement_of(version: PlanVersion, rank: int) -> PlanPlacement:
    placement = version.placements.filter(rank=rank).first()
    if placement is None:
        raise Http404("No such placement")
    return placement


def area_organisations(child: Child) -> QuerySet[Organisation]:
    """Organisations serving the child's area, for the lists on the forms."""
    return Organisation.objects.filter(areas=child.area_id, closed_on__isnull=True).order_by("name")


def sign_off_roles(roles: Iterable[str]) -> bool:
    """Whether a user's roles let them sign off health or social care sections."""
    return bool(
        set(roles)
        & {
            Role.DESIGNATED_CLINICAL_OFFICER,
            Role.HEALTH_PRACTITIONER,
            Role.DESIGNATED_SOCIAL_CARE_OFFICER,
            Role.SOCIAL_WORKER,
        }
    )


def sections_to_sign_off(version: PlanVersion) -> list[PlanSection]:
    signed = set(version.sign_offs.values_list("section", flat=True))
    return [
        section
        for section in (*HEALTH_SECTIONS, *SOCIAL_CARE_SECTIONS)
        if section.value not in signed
    ]


# --- the task list ---------------------------------------------------------------------------


class TaskStatus(StrEnum):
    COMPLETED = "completed"
    OVERDUE = "overdue"
    DUE_THIS_WEEK = "due_this_week"
    SUSPENDED = "suspended"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    CANNOT_START = "cannot_start"
    NOT_NEEDED = "not_needed"

    @property
    def label(self) -> str:
        return TASK_STATUS_LABELS[self]

    @property
    def tag_classes(self) -> str | None:
        """The GOV.UK tag colour, or ``None`` for a status shown as plain text."""
        return TASK_STATUS_TAGS.get(self)


TASK_STATUS_LABELS: dict[TaskStatus, str] = {
    TaskStatus.COMPLETED: "Completed",
    TaskStatus.OVERDUE: "Overdue",
    TaskStatus.DUE_THIS_WEEK: "Due this week",
    TaskStatus.SUSPENDED: "Suspended by exception",
    TaskStatus.IN_PROGRESS: "In progress",
    TaskStatus.NOT_STARTED: "Not yet started",
    TaskStatus.CANNOT_START: "Cannot start yet",
    TaskStatus.NOT_NEEDED: "Not needed",
}

TASK_STATUS_TAGS: dict[TaskStatus, str] = {
    TaskStatus.OVERDUE: "govuk-tag--red",
    TaskStatus.DUE_THIS_WEEK: "govuk-tag--yellow",
    TaskStatus.SUSPENDED: "govuk-tag--purple",
    TaskStatus.IN_PROGRESS: "govuk-tag--light-blue",
    TaskStatus.NOT_STARTED: "govuk-tag--blue",
}

#: Which status wins when a task covers several steps.
_URGENCY = [
    TaskStatus.OVERDUE,
    TaskStatus.DUE_THIS_WEEK,
    TaskStatus.SUSPENDED,
    TaskStatus.NOT_STARTED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.COMPLETED,
    TaskStatus.NOT_NEEDED,
    TaskStatus.CANNOT_START,
]

_FROM_STEP: dict[str, TaskStatus] = {
    rules.StepStatus.MET: TaskStatus.COMPLETED,
    rules.StepStatus.MET_LATE: TaskStatus.COMPLETED,
    rules.StepStatus.OVERDUE: TaskStatus.OVERDUE,
    rules.StepStatus.DUE_THIS_WEEK: TaskStatus.DUE_THIS_WEEK,
    rules.StepStatus.SUSPENDED: TaskStatus.SUSPENDED,
    rules.StepStatus.ON_TIME: TaskStatus.NOT_STARTED,
}


def most_urgent(statuses: Iterable[TaskStatus]) -> TaskStatus:
    found = list(statuses)
    return min(found, key=_URGENCY.index) if found else TaskStatus.CANNOT_START


def step_task_status(step: Step | None, *, fallback: TaskStatus) -> TaskStatus:
    """A task's status from the step behind it (annotated with ``status``)."""
    if step is None:
        return fallback
    if step.cancelled:
        return TaskStatus.NOT_NEEDED
    return _FROM_STEP[str(step.status)]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Task:
    """One row of a GOV.UK task list. ``url_name`` and ``url_args`` name the form to open when
    the task is the one to do now and the user may do it."""

    title: str
    status: TaskStatus
    hint: str = ""
    url_name: str = ""
    url_args: tuple[Any, ...] = ()
    anchor: str = ""


def _to(url_name: str, *args: Any) -> dict[str, Any]:
    return {"url_name": url_name, "url_args": args}


def _long(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _due_hint(due: dt.date | None, done: dt.date | None, *, verb: str = "Done") -> str:
    if done is not None:
        late = " (late)" if due is not None and done > due else ""
        return f"{verb} on {_long(done)}{late}"
    return f"Due by {_long(due)}" if due else ""


# --- the statutory clock ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClockRow:
    label: str
    due: dt.date
    done_on: dt.date | None
    status: str


def _clock_status(
    *, due: dt.date, done_on: dt.date | None, today: dt.date, suspended: bool, closed: bool
) -> str:
    if done_on is None and closed:
        return "Not needed"
    status = rules.step_status(due=due, completed_on=done_on, today=today, suspended=suspended)
    if status == rules.StepStatus.MET:
        return f"Met on {_long(done_on)}"
    if status == rules.StepStatus.MET_LATE:
        return f"Met late, on {_long(done_on)}" + (" (an exception applies)" if suspended else "")
    if status == rules.StepStatus.OVERDUE:
        return f"Overdue by {(today - due).days} days"
    if status == rules.StepStatus.DUE_THIS_WEEK:
        return f"Due in {(due - today).days} days" if due != today else "Due today"
    return str(status.label)


def statutory_clock(
    request: AssessmentRequest, *, draft: PlanVersion | None, today: dt.date
) -> list[ClockRow]:
    closed = not request.is_open
    exception = request.has_exception
    final_weeks = 14 if request.kind == RequestKind.REASSESSMENT else 20
    served = draft.draft_served_date if draft is not None else None
    rows = [
        (
            "Decide whether to assess (6 weeks)",
            request.decision_due,
            request.decision_date,
            exception,
        ),
        (
            "Decide whether to issue a plan (a decision not to issue: 16 weeks)",
            request.not_to_issue_due,
            request.issue_decision_date
            if request.stage != RequestStage.NOT_ASSESSING
            else request.decision_date,
            exception,
        ),
        ("Draft plan (good practice: 14 weeks)", request.draft_target, served, False),
        (
            f"Final plan ({final_weeks} weeks)",
            request.final_due,
            request.final_issued_date,
            exception,
        ),
    ]
    result = []
    for label, due, done_on, suspended in rows:
        not_reached = request.stage == RequestStage.NOT_ASSESSING and label.startswith(
            ("Draft", "Final")
        )
        result.append(
            ClockRow(
                label=label,
                due=due,
                done_on=done_on,
                status=_clock_status(
                    due=due,
                    done_on=None if not_reached else done_on,
                    today=today,
                    suspended=suspended,
                    closed=closed,
                ),
            )
        )
    return result


# --- a request's page ------------------------------------------------------------------------


@dataclass(frozen=True)
class AdviceRow:
    advice: AdviceRequest
    status: TaskStatus
    can_answer: bool


@dataclass(frozen=True)
class RequestOverview:
    request: AssessmentRequest
    clock: list[ClockRow]
    tasks: list[Task]
    advice: list[AdviceRow]
    exceptions: list[TimeLimitException]
    events: list[CaseEvent]
    draft: PlanVersion | None
    consultations: list[Consultation] = field(default_factory=list)


def _steps_by_kind(steps: QuerySet[Step]) -> dict[str, list[Step]]:
    by_kind: dict[str, list[Step]] = defaultdict(list)
    for step in steps:
        by_kind[step.kind].append(step)
    return by_kind


def _one(steps: dict[str, list[Step]], kind: StepKind) -> Step | None:
    found = steps.get(kind)
    return found[-1] if found else None


def _advice_status(advice: AdviceRequest, today: dt.date) -> TaskStatus:
    if advice.status == AdviceStatus.RETURNED:
        return TaskStatus.COMPLETED
    if advice.status == AdviceStatus.CANCELLED:
        return TaskStatus.NOT_NEEDED
    status = rules.step_status(
        due=advice.due_date,
        completed_on=None,
        today=today,
        suspended=bool(advice.exception_kind),
    )
    return _FROM_STEP[status]


def request_overview(
    request: AssessmentRequest, *, user: User, today: dt.date, can_change: bool
) -> RequestOverview:
    """Everything the case page shows, in a fixed number of queries."""
    steps = _steps_by_kind(
        Step.objects.filter(request=request)
        .annotate(status=selectors.step_status_expression(today))
        .order_by("opened_on", "pk")
    )
    advice = list(
        request.advice_requests.select_related("organisation", "returned_by").order_by(
            "requested_date", "pk"
        )
    )
    organisation_ids = set(selectors.user_organisation_ids(user, today))
    advice_rows = [
        AdviceRow(
            advice=item,
            status=_advice_status(item, today),
            can_answer=item.status == AdviceStatus.REQUESTED
            and request.stage != RequestStage.WITHDRAWN
            and (can_change or item.organisation_id in organisation_ids),
        )
        for item in advice
    ]
    draft = (
        PlanVersion.objects.filter(request=request)
        .exclude(state=VersionState.WITHDRAWN)
        .order_by("-number")
        .first()
    )
    consultations = (
        list(draft.consultations.select_related("setting").order_by("sent_date", "pk"))
        if draft is not None
        else []
    )
    events_q = Q(request=request)
    if request.plan_id is not None:
        events_q |= Q(
            plan_id=request.plan_id,
            request__isnull=True,
            event_date__gte=request.received_date,
            event_date__lte=request.closed_date or today,
        )
    events = list(
        CaseEvent.objects.filter(events_q)
        .select_related("actor")
        .order_by("-event_date", "-recorded_at", "-pk")
    )
    return RequestOverview(
        request=request,
        clock=statutory_clock(request, draft=draft, today=today),
        tasks=request_tasks(
            request,
            steps=steps,
            advice=advice_rows,
            draft=draft,
            consultations=consultations,
            can_change=can_change,
        ),
        advice=advice_rows,
        exceptions=list(request.exceptions.select_related("recorded_by")),
        events=events,
        draft=draft,
        consultations=consultations,
    )


def request_tasks(
    request: AssessmentRequest,
    *,
    steps: dict[str, list[Step]],
    advice: Sequence[AdviceRow],
    draft: PlanVersion | None,
    consultations: Sequence[Consultation],
    can_change: bool,
) -> list[Task]:
    """The steps of a request in order, each with its status and, when it is the one to do
    now and the user may do it, the form to open."""
    stage = str(request.stage)
    reached = STAGE_ORDER.get(stage, -1)
    is_open = request.is_open
    pk = request.pk

    def later(done: bool, needed_at: int) -> TaskStatus:
        """A task not yet reachable: cannot start yet, or not needed if the case closed."""
        if done:
            return TaskStatus.COMPLETED
        return TaskStatus.CANNOT_START if is_open and reached < needed_at else TaskStatus.NOT_NEEDED

    def link(name: str, *args: Any) -> dict[str, Any]:
        return {"url_name": name, "url_args": args} if can_change else {}

    tasks: list[Task] = []

    # 1. decide whether to assess
    step = _one(steps, StepKind.DECIDE_TO_ASSESS)
    if stage == RequestStage.RECEIVED:
        tasks.append(
            Task(
                "Decide whether to assess",
                step_task_status(step, fallback=TaskStatus.NOT_STARTED),
                _due_hint(request.decision_due, None),
                **link("ehc:decide-to-assess", pk),
            )
        )
    else:
        done = request.decision_date is not None
        verb = "Decided not to assess" if stage == RequestStage.NOT_ASSESSING else "Decided"
        tasks.append(
            Task(
                "Decide whether to assess",
                TaskStatus.COMPLETED if done else TaskStatus.NOT_NEEDED,
                _due_hint(request.decision_due, request.decision_date, verb=verb),
                **(link("ehc:decision-letter", pk) if stage == RequestStage.NOT_ASSESSING else {}),
            )
        )

    # 2. ask for advice
    if stage == RequestStage.ASSESSING:
        tasks.append(
            Task(
                "Ask for advice",
                TaskStatus.IN_PROGRESS if advice else TaskStatus.NOT_STARTED,
                f"{len(advice)} asked so far"
                if advice
                else "Education, health, social care, educational psychology and the family",
                **link("ehc:advice-new", pk),
            )
        )
    else:
        tasks.append(
            Task(
                "Ask for advice",
                later(bool(advice) and reached > 1, 1),
                f"{len(advice)} asked" if advice else "",
            )
        )

    # 3. advice returned, one row per request for advice
    if advice:
        for row in advice:
            item = row.advice
            who = item.organisation.name if item.organisation else "the family"
            if item.status == AdviceStatus.RETURNED:
                hint = _due_hint(item.due_date, item.returned_date, verb="Returned")
            elif item.status == AdviceStatus.CANCELLED:
                hint = "Cancelled"
            else:
                hint = f"Asked on {_long(item.requested_date)}, due by {_long(item.due_date)}"
                if item.exception_kind:
                    hint += f". Exception: {item.get_exception_kind_display()}"
            tasks.append(
                Task(
                    f"{item.get_advice_type_display()} advice from {who}",
                    row.status,
                    hint,
                    **(_to("ehc:advice-return", item.pk) if row.can_answer else {}),
                )
            )
    else:
        tasks.append(Task("Advice returned", later(False, 1)))

    # 4. decide whether to issue
    step = _one(steps, StepKind.DECIDE_TO_ISSUE)
    all_in = (
        bool(advice)
        and all(row.advice.status != AdviceStatus.REQUESTED for row in advice)
        and any(row.advice.status == AdviceStatus.RETURNED for row in advice)
    )
    if stage == RequestStage.ASSESSING:
        if all_in:
            tasks.append(
                Task(
                    "Decide whether to issue a plan",
                    step_task_status(step, fallback=TaskStatus.NOT_STARTED),
                    _due_hint(request.not_to_issue_due, None),
                    **link("ehc:decide-to-issue", pk),
                )
            )
        else:
            tasks.append(
                Task(
                    "Decide whether to issue a plan",
                    TaskStatus.CANNOT_START,
                    "When the advice is in. A decision not to issue is due by "
                    f"{_long(request.not_to_issue_due)}",
                )
            )
    else:
        done = request.issue_decision_date is not None
        tasks.append(
            Task(
                "Decide whether to issue a plan",
                later(done, 2),
                _due_hint(request.not_to_issue_due, request.issue_decision_date, verb="Decided")
                if done
                else "",
                **(link("ehc:decision-letter", pk) if stage == RequestStage.NOT_ISSUING else {}),
            )
        )

    # 5. write and send the draft
    served = draft.draft_served_date if draft is not None else None
    plan_id = request.plan_id
    if stage == RequestStage.DRAFTING and plan_id is not None:
        step = _one(steps, StepKind.DRAFT_PLAN)
        tasks.append(
            Task(
                "Write and send the draft plan",
                step_task_status(step, fallback=TaskStatus.NOT_STARTED),
                f"Good practice: by {_long(request.draft_target)}",
                **link("ehc:draft", plan_id),
            )
        )
    else:
        tasks.append(
            Task(
                "Write and send the draft plan",
                later(served is not None, 2),
                _due_hint(request.draft_target, served, verb="Sent") if served else "",
            )
        )

    # 6. the family's comments and consultations with settings
    if stage == RequestStage.DRAFT_ISSUED and plan_id is not None and draft is not None:
        comments = _one(steps, StepKind.DRAFT_COMMENTS)
        statuses = [step_task_status(comments, fallback=TaskStatus.NOT_STARTED)]
        statuses += [
            step_task_status(step, fallback=TaskStatus.NOT_STARTED)
            for step in steps.get(StepKind.CONSULTATION, [])
        ]
        answered = draft.comments_received_date is not None and all(
            c.response != ConsultationResponse.AWAITED for c in consultations
        )
        status = most_urgent(statuses)
        if status == TaskStatus.COMPLETED and not answered:
            status = TaskStatus.IN_PROGRESS
        hint = (
            f"Comments received on {_long(draft.comments_received_date)}"
            if draft.comments_received_date
            else f"The family have until {_long(draft.comments_due)} to comment"
        )
        if consultations:
            hint += f". {len(consultations)} setting{'s' if len(consultations) > 1 else ''} "
            hint += "consulted"
        tasks.append(
            Task(
                "Family's comments and consultations",
                status,
                hint,
                url_name="ehc:draft",
                url_args=(plan_id,),
                anchor="family",
            )
        )
    else:
        tasks.append(
            Task(
                "Family's comments and consultations",
                later(reached >= 4, 3),
                f"Comments received on {_long(draft.comments_received_date)}"
                if draft is not None and draft.comments_received_date
                else "",
            )
        )

    # 7. issue the final plan
    step = _one(steps, StepKind.FINAL_PLAN)
    if stage == RequestStage.DRAFT_ISSUED and plan_id is not None:
        tasks.append(
            Task(
                "Issue the final plan",
                step_task_status(step, fallback=TaskStatus.NOT_STARTED),
                _due_hint(request.final_due, None),
                **link("ehc:issue-final", plan_id),
            )
        )
    else:
        done = request.final_issued_date is not None
        tasks.append(
            Task(
                "Issue the final plan",
                later(done, 3),
                _due_hint(request.final_due, request.final_issued_date, verb="Issued")
                if done or is_open
                else "",
                **(_to("ehc:plan", plan_id) if done and plan_id is not None else {}),
            )
        )
    return tasks


# --- a plan's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewOverview:
    review: AnnualReview
    tasks: list[Task]
    phase_transfer_status: TaskStatus | None


@dataclass(frozen=True)
class PlanOverview:
    plan: Plan
    current: PlanVersion | None
    draft: PlanVersion | None
    versions: list[PlanVersion]
    review: ReviewOverview | None
    past_reviews: list[AnnualReview]
    requests: list[AssessmentRequest]
    events: list[CaseEvent]


def plan_overview(plan: Plan, *, today: dt.date, can_change: bool) -> PlanOverview:
    versions = list(selectors.plan_versions(plan).order_by("number"))
    current = next(
        (v for v in reversed(versions) if v.state == VersionState.ISSUED),
        None,
    )
    draft = next((v for v in versions if v.state == VersionState.DRAFT), None)
    open_review = selectors.open_review(plan)
    return PlanOverview(
        plan=plan,
        current=current,
        draft=draft,
        versions=versions,
        review=review_overview(open_review, today=today, can_change=can_change)
        if open_review is not None
        else None,
        past_reviews=list(
            plan.reviews.filter(stage=ReviewStage.COMPLETED).order_by("-completed_date")
        ),
        requests=list(plan.requests.order_by("-received_date")),
        events=list(
            CaseEvent.objects.filter(plan=plan)
            .select_related("actor")
            .order_by("-event_date", "-recorded_at", "-pk")
        ),
    )


def review_overview(review: AnnualReview, *, today: dt.date, can_change: bool) -> ReviewOverview:
    """The open annual review as a task list: invite, meeting, report, decision, amended plan."""
    steps = _steps_by_kind(
        Step.objects.filter(review=review)
        .annotate(status=selectors.step_status_expression(today))
        .order_by("opened_on", "pk")
    )
    stage = str(review.stage)
    pk = review.pk

    def link(name: str, *args: Any) -> dict[str, Any]:
        return {"url_name": name, "url_args": args} if can_change else {}

    meeting = _one(steps, StepKind.REVIEW_MEETING)
    tasks: list[Task] = []
    if review.invitations_sent_date is not None:
        tasks.append(
            Task(
                "Invite everyone to the review meeting",
                TaskStatus.COMPLETED,
                f"Sent on {_long(review.invitations_sent_date)} for a meeting on "
                f"{_long(review.meeting_date)}",
            )
        )
    elif stage == ReviewStage.SCHEDULED:
        tasks.append(
            Task(
                "Invite everyone to the review meeting",
                step_task_status(meeting, fallback=TaskStatus.NOT_STARTED),
                f"At least 2 weeks before the meeting, which is due by {_long(review.due_date)}",
                **link("ehc:review-invite", pk),
            )
        )
    else:
        tasks.append(Task("Invite everyone to the review meeting", TaskStatus.NOT_NEEDED))

    if stage == ReviewStage.SCHEDULED:
        tasks.append(
            Task(
                "Hold the review meeting",
                step_task_status(meeting, fallback=TaskStatus.NOT_STARTED),
                _due_hint(review.due_date, None),
                **link("ehc:review-meeting", pk),
            )
        )
    else:
        tasks.append(
            Task(
                "Hold the review meeting",
                TaskStatus.COMPLETED,
                _due_hint(review.due_date, review.meeting_date, verb="Held"),
            )
        )

    report = _one(steps, StepKind.REVIEW_REPORT)
    if stage == ReviewStage.MEETING_HELD:
        tasks.append(
            Task(
                "Receive the review report",
                step_task_status(report, fallback=TaskStatus.NOT_STARTED),
                _due_hint(report.due_date if report else None, None),
                **link("ehc:review-report", pk),
            )
        )
    elif stage == ReviewStage.SCHEDULED:
        tasks.append(Task("Receive the review report", TaskStatus.CANNOT_START))
    else:
        tasks.append(
            Task(
                "Receive the review report",
                TaskStatus.COMPLETED,
                _due_hint(
                    report.due_date if report else None,
                    review.report_received_date,
                    verb="Received",
                ),
            )
        )

    decision = _one(steps, StepKind.REVIEW_DECISION)
    title = "Decide whether to maintain, amend or cease the plan"
    if stage == ReviewStage.REPORT_RECEIVED:
        tasks.append(
            Task(
                title,
                step_task_status(decision, fallback=TaskStatus.NOT_STARTED),
                _due_hint(decision.due_date if decision else None, None),
                **link("ehc:review-decide", pk),
            )
        )
    elif review.outcome:
        tasks.append(
            Task(
                title,
                TaskStatus.COMPLETED,
                f"Decided to {review.get_outcome_display().lower()} the plan on "
                f"{_long(review.decision_date)}",
            )
        )
    else:
        tasks.append(Task(title, TaskStatus.CANNOT_START))

    amended = _one(steps, StepKind.AMENDED_PLAN)
    if stage == ReviewStage.AMENDING:
        tasks.append(
            Task(
                "Send the proposed amendments and issue the amended plan",
                step_task_status(amended, fallback=TaskStatus.NOT_STARTED),
                _due_hint(review.amended_plan_due, None),
                **link("ehc:draft", review.plan_id),
            )
        )
    elif review.outcome and review.outcome != "A":
        tasks.append(
            Task("Send the proposed amendments and issue the amended plan", TaskStatus.NOT_NEEDED)
        )
    else:
        tasks.append(
            Task(
                "Send the proposed amendments and issue the amended plan",
                TaskStatus.COMPLETED if stage == ReviewStage.COMPLETED else TaskStatus.CANNOT_START,
            )
        )
    transfer = _one(steps, StepKind.PHASE_TRANSFER)
    return ReviewOverview(
        review=review,
        tasks=tasks,
        phase_transfer_status=step_task_status(transfer, fallback=TaskStatus.NOT_STARTED)
        if review.phase_transfer
        else None,
    )


def child_cases(child: Child) -> dict[str, Any]:
    cases = selectors.child_cases(child)
    return {
        **cases,
        "has_open_request": any(r.is_open for r in cases["requests"]),  # type: ignore[attr-defined]
        "has_live_plan": any(
            p.status in {"draft", "active"}
            for p in cases["plans"]  # type: ignore[attr-defined]
        ),
        "has_active_plan": any(
            p.status == "active"
            for p in cases["plans"]  # type: ignore[attr-defined]
        ),
    }


# --- comparing two versions ------------------------------------------------------------------


@dataclass(frozen=True)
class TextChange:
    """A section's text: the pieces kept, removed and added, word by word."""

    section: PlanSection
    pieces: list[tuple[str, str]]  # ("equal" | "delete" | "insert", text)

    @property
    def changed(self) -> bool:
        return any(kind != "equal" for kind, _ in self.pieces)

    @property
    def label(self) -> str:
        return str(self.section.label)


@dataclass(frozen=True)
class LineChange:
    kind: str  # "added" | "removed" | "changed"
    section: str
    description: str
    before: ProvisionLine | None
    after: ProvisionLine | None
    fields: list[tuple[str, str, str]]  # (what, before, after)


LINE_FIELDS: list[tuple[str, str]] = [
    ("outcome", "Outcome"),
    ("amount", "How much and how often"),
    ("provider", "Provided by"),
    ("commissioner", "Commissioner"),
    ("cost", "Cost per year"),
]


def _line_values(line: ProvisionLine) -> dict[str, str]:
    return {
        "outcome": line.outcome,
        "amount": line.amount,
        "provider": line.provider_organisation.name
        if line.provider_organisation
        else line.provider_description,
        "commissioner": line.get_commissioner_display(),
        "cost": f"£{line.annual_cost:,.2f}" if line.annual_cost is not None else "",
    }


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level differences between two texts, as (kind, text) pieces."""
    old = before.split()
    new = after.split()
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(("equal", " ".join(old[i1:i2])))
        if tag in ("delete", "replace"):
            pieces.append(("delete", " ".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(("insert", " ".join(new[j1:j2])))
    return pieces


def line_changes(
    before: Sequence[ProvisionLine], after: Sequence[ProvisionLine]
) -> list[LineChange]:
    """Lines of provision added, removed or changed between two versions. A line is the same
    line in both when its section and its description match."""

    def key(line: ProvisionLine) -> tuple[str, str]:
        return (line.section, " ".join(line.description.split()).lower())

    old = {key(line): line for line in before}
    new = {key(line): line for line in after}
    changes: list[LineChange] = []
    for line in before:
        if key(line) not in new:
            changes.append(LineChange("removed", line.section, line.description, line, None, []))
    for line in after:
        previous = old.get(key(line))
        if previous is None:
            changes.append(LineChange("added", line.section, line.description, None, line, []))
            continue
        was, now = _line_values(previous), _line_values(line)
        differences = [
            (label, was[name], now[name]) for name, label in LINE_FIELDS if was[name] != now[name]
        ]
        if differences:
            changes.append(
                LineChange("changed", line.section, line.description, previous, line, differences)
            )
    order = {section.value: index for index, section in enumerate(PROVISION_SECTIONS)}
    return sorted(changes, key=lambda change: order.get(change.section, 99))


@dataclass(frozen=True)
class Comparison:
    before: PlanVersion
    after: PlanVersion
    sections: list[TextChange]
    lines: list[LineChange]
    placements_before: list[str]
    placements_after: list[str]

    @property
    def changed_sections(self) -> list[TextChange]:
        return [change for change in self.sections if change.changed]

    @property
    def placements_changed(self) -> bool:
        return self.placements_before != self.placements_after


def compare_versions(before: PlanVersion, after: PlanVersion) -> Comparison:
    return Comparison(
        before=before,
        after=after,
        sections=[
            TextChange(
                section, text_diff(before.section_text(section), after.section_text(section))
            )
            for section in PlanSection
        ],
        lines=line_changes(list(before.lines.all()), list(after.lines.all())),
        placements_before=[f"{p.get_rank_display()}: {p}" for p in before.placements.all()],
        placements_after=[f"{p.get_rank_display()}: {p}" for p in after.placements.all()],
    )
