"""Requests for assessment: receipt, the decision whether to assess, advice, exceptions, the
decision whether to issue a plan, and withdrawal (Regs 3–10)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from opensend.core.models import Organisation, User
from opensend.ehc import rules
from opensend.ehc.models import (
    EXCEPTION_STEP_KINDS,
    OPEN_REQUEST_STAGES,
    AdviceRequest,
    AdviceStatus,
    AdviceType,
    AssessmentRequest,
    Plan,
    PlanStatus,
    PlanVersion,
    RequestKind,
    RequestSource,
    RequestStage,
    Step,
    StepKind,
    TimeLimitException,
    VersionKind,
    VersionState,
)
from opensend.ehc.services._common import (
    StepOutOfOrder,
    authorise_case_work,
    authorise_for_organisation,
    cancel_steps,
    close_steps,
    counting,
    event,
    lock_request,
    open_step,
    require_date,
    today,
)
from opensend.people import services as people_services
from opensend.people.models import Child, Involvement, InvolvementKind

#: Advice exceptions the regulations allow (Reg 8(2)).
ADVICE_EXCEPTION_KINDS = frozenset(
    {
        rules.ExceptionKind.PERSONAL_CIRCUMSTANCES,
        rules.ExceptionKind.AWAY_FROM_AREA,
        rules.ExceptionKind.MISSED_APPOINTMENT,
    }
)


def _require_stage(request: AssessmentRequest, allowed: set[RequestStage], doing: str) -> None:
    if request.stage not in allowed:
        raise StepOutOfOrder(
            f"You cannot {doing} now: the request is at “{request.get_stage_display()}”."
        )


@transaction.atomic
def request_receive(
    *,
    acting_user: User | None,
    child: Child,
    received_date: dt.date,
    source: RequestSource | str,
    kind: RequestKind | str = RequestKind.NEW,
    requester_organisation: Organisation | None = None,
    requester_name: str = "",
    coordinator: User | None = None,
) -> AssessmentRequest:
    """Record a request for an EHC needs assessment (or a re-assessment of a plan) and start
    its clock: 6 weeks to decide whether to assess, 16 to decide not to issue, 20 (14 for a
    re-assessment) to issue the final plan."""
    decision = authorise_case_work(acting_user, child)
    kind = RequestKind(kind)
    if kind == RequestKind.TRANSFER_IN:
        raise ValidationError({"kind": "Record a plan transferred in with plan_transfer_in."})
    Child.objects.select_for_update().filter(pk=child.pk).first()
    require_date("received_date", received_date, not_before=child.date_of_birth, label="birth")
    if AssessmentRequest.objects.filter(child=child, stage__in=OPEN_REQUEST_STAGES).exists():
        raise ValidationError(
            {"child": f"{child.display_name} already has a request under way; continue that one."}
        )
    live_plan = Plan.objects.filter(child=child, status=PlanStatus.ACTIVE).first()
    if kind == RequestKind.NEW and live_plan is not None:
        raise ValidationError(
            {"kind": f"{child.display_name} has an EHC plan: record a request to re-assess it."}
        )
    if kind == RequestKind.REASSESSMENT and live_plan is None:
        raise ValidationError({"kind": f"{child.display_name} has no EHC plan to re-assess."})
    day_counting = counting(child.area)
    request = AssessmentRequest(
        area=child.area,
        child=child,
        kind=kind,
        source=RequestSource(source),
        requester_organisation=requester_organisation,
        requester_name=requester_name,
        received_date=received_date,
        coordinator=coordinator,
        plan=live_plan,
        decision_due=rules.decision_to_assess_due(received_date, day_counting),
        not_to_issue_due=rules.decision_not_to_issue_due(received_date, day_counting),
        draft_target=rules.draft_plan_target(received_date, day_counting),
        final_due=rules.final_plan_due(
            received_date, day_counting, reassessment=kind == RequestKind.REASSESSMENT
        ),
    )
    request.full_clean()
    request.save()
    open_step(
        kind=StepKind.DECIDE_TO_ASSESS,
        child=child,
        request=request,
        opened_on=received_date,
        due_date=request.decision_due,
        holder_user=coordinator,
    )
    event(
        acting_user=acting_user,
        decision=decision,
        child=child,
        request=request,
        action="request_received",
        summary=f"{request.get_kind_display()} received from {request.get_source_display()}",
        event_date=received_date,
        detail={"decision_due": request.decision_due.isoformat()},
    )
    return request


@transaction.atomic
def request_assign(
    *, acting_user: User | None, request: AssessmentRequest, coordinator: User
) -> AssessmentRequest:
    """Give the case to a coordinator; the steps the coordinator holds move with it."""
    request = lock_request(request)
    decision = authorise_case_work(acting_user, request.child)
    if not request.is_open:
        raise StepOutOfOrder("The request is closed; there is nothing to reassign.")
    previous = request.coordinator
    request.coordinator = coordinator
    request.save(update_fields=["coordinator", "updated_at"])
    Step.objects.filter(
        request=request, completed_on__isnull=True, holder_organisation__isnull=True
    ).update(holder_user=coordinator)
    event(
        acting_user=acting_user,
        decision=decision,
        child=request.child,
        request=request,
        action="request_assigned",
        summary=f"Case given to {coordinator}",
        event_date=today(),
        detail={"from": previous.email if previous else "", "to": coordinator.email},
    )
    return request


@transaction.atomic
def request_decide_to_assess(
    *,
    acting_user: User | None,
    request: AssessmentRequest,
    decision_date: dt.date,
    assess: bool,
    reasons: str = "",
) -> AssessmentRequest:
    """Decide whether to carry out an EHC needs assessment (Reg 4, 5). A refusal gives its
    reasons; the letter states the rights to mediation and appeal."""
    request = lock_request(request)
    decision = authorise_case_work(acting_user, request.child)
    _require_stage(request, {RequestStage.RECEIVED}, "decide whether to assess")
    require_date(
        "decision_date", decision_date, not_before=request.received_date, label="the request"
    )
    if not assess and not reasons.strip():
        raise ValidationError({"reasons": "Give the reasons for deciding not to assess."})
    request.decision_date = decision_date
    request.decision_reasons = reasons.strip()
    close_steps(kinds=[StepKind.DECIDE_TO_ASSESS], request=request, on=decision_date)
    if assess:
        request.stage = RequestStage.ASSESSING
        for kind, due, statutory in (
            (StepKind.DECIDE_TO_ISSUE, request.not_to_issue_due, True),
            (StepKind.FINAL_PLAN, request.final_due, True),
        ):
            open_step(
                kind=kind,
                child=request.child,
                request=request,
                opened_on=decision_date,
                due_date=due,
                statutory=statutory,
                holder_user=request.coordinator,
                suspended=request.has_exception,
            )
        summary = "Decided to carry out an EHC needs assessment"
    else:
        request.stage = RequestStage.NOT_ASSESSING
        request.closed_date = decision_date
        summary = "Decided not to carry out an EHC needs assessment"
    request.full_clean()
    request.save()
    event(
        acting_user=acting_user,
        decision=decision,
        child=request.child,
        request=request,
        action="assess_decided" if assess else "assess_refused",
        summary=summary,
        event_date=decision_date,
        detail={"on_time": decision_date <= request.decision_due, "reasons": reasons.strip()},
    )
    return request


@transaction.atomic
def advice_request_send(
    *,
    acting_user: User | None,
    request: AssessmentRequest,
    advice_type: AdviceType | str,
    organisation: Organisation | None,
    requested_date: dt.date,
) -> AdviceRequest:
    """Ask an agency for advice (Reg 6); it is due 6 weeks later (Reg 8(1)). The organisation
    is recorded as involved with the child so its staff can see the record they advise on."""
    request = lock_request(request)
    decision = authorise_case_work(acting_user, request.child)
    _require_stage(request, {RequestStage.ASSESSING}, "ask for advice")
    assert request.decision_date is not None  # noqa: S101 - guaranteed by the stage
    require_date(
        "requested_date",
        requested_date,
        not_before=request.decision_date,
        label="the decision to assess",
    )
    advice_type = AdviceType(advice_type)
    if advice_type != AdviceType.PARENT and organisation is None:
        raise ValidationError({"organisation": "Choose the organisation to ask for advice."})
    if (
        organisation is not None
        and AdviceRequest.objects.filter(
            request=request,
            advice_type=advice_type,
            organisation=organisation,
            status=AdviceStatus.REQUESTED,
        ).exists()
    ):
        raise ValidationError(
            {"organisation": f"{organisation.name} has already been asked for this advice."}
        )
    advice = AdviceRequest(
        request=request,
        advice_type=advice_type,
        organisation=organisation,
        requested_date=requested_date,
        due_date=rules.advice_due(requested_date, counting(request.area)),
    )
    advice.full_clean()
    advice.save()
    open_step(
        kind=StepKind.ADVICE,
        child=request.child,
        request=request,
        advice=advice,
        opened_on=requested_date,
        due_date=advice.due_date,
        holder_organisation=organisation,
        holder_user=request.coordinator if organisation is None else None,
    )
    if (
        organisation is not None
        and not Involvement.objects.filter(
            child=request.child, organisation=organisation, end_date__isnull=True
        ).exists()
    ):
        people_services.involvement_start(
            acting_user=acting_user,
            child=request.child,
            organisation=organisation,
            kind=InvolvementKind.ADVICE_REQUEST,
            start_date=requested_date,
            reason="Advice for an EHC needs assessment",
        )
    who = organisation.name if organisation else "the family"
    event(
        acting_user=acting_user,
        decision=decision,
        child=request.child,
        request=request,
        action="advice_requested",
        summary=f"{advice.get_advice_type_display()} advice requested from {who}",
        event_date=requested_date,
        detail={"due": advice.due_date.isoformat(), "organisation": who},
    )
    return advice


def _lock_advice(advice: AdviceRequest) -> AdviceRequest:
    return (
        AdviceRequest.objects.select_for_update(of=("self",))
        .select_related("request__child", "request__area", "organisation")
        .get(pk=advice.pk)
    )


@transaction.atomic
def advice_return(
    *,
    acting_user: User | None,
    advice: AdviceRequest,
    returned_date: dt.date,
    summary: str,
) -> AdviceRequest:
    """Record advice returned, by the LA or by the organisation asked."""
    advice = _lock_advice(advice)
    request = advice.request
    decision = authorise_for_organisation(
        acting_user, request.child, advice.organisation, "return this advice"
    )
    if request.stage == RequestStage.WITHDRAWN:
        raise StepOutOfOrder(
            "The request for assessment was withdrawn, so this advice is no longer needed."
        )
    if advice.status != AdviceStatus.REQUESTED:
        raise StepOutOfOrder(f"This advice is already {advice.get_status_display().lower()}.")
    require_date(
        "returned_date", returned_date, not_before=advice.requested_date, label="the request"
    )
    if not summary.strip():
        raise ValidationError({"summary": "Enter the advice or a summary of it."})
    advice.status = AdviceStatus.RETURNED
    advice.returned_date = returned_date
    advice.returned_by = acting_user
    advice.summary = summary.strip()
    advice.full_clean()
    advice.save()
    close_steps(kinds=[StepKind.ADVICE], advice=advice, on=returned_date)
    who = advice.organisation.name if advice.organisation else "the family"
    event(
        acting_user=acting_user,
        decision=decision,
        child=request.child,
        request=request,
        action="advice_returned",
        summary=f"{advice.get_advice_type_display()} advice returned by {who}",
        event_date=returned_date,
        detail={"on_time": returned_date <= advice.due_date, "organisation": who},
    )
    return advice


@transaction.atomic
def advice_cancel(*, acting_user: User | None, advice: AdviceRequest, reason: str) -> AdviceRequest:
    advice = _lock_advice(advice)
    request = advice.request
    decision = authorise_case_work(acting_user, request.child)
    if advice.status != AdviceStatus.REQUESTED:
        raise StepOutOfOrder(f"This advice is already {advice.get_status_display().lower()}.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the advice is no longer needed."})
    advice.status = AdviceStatus.CANCELLED
    advice.cancelled_reason = reason.strip()
    advice.save(update_fields=["status", "cancelled_reason"])
    cancel_steps(advice=advice, on=today())
    event(
        acting_user=acting_user,
        decision=decision,
        child=request.child,
        request=request,
        action="advice_cancelled",
        summary=f"{advice.get_advice_type_display()} advice request cancelled",
        event_date=today(),
        detail={"reason": advice.cancelled_reason},
    )
    return advice


@transaction.atomic
def advice_record_exception(
    *,
    acting_user: User | None,
    advice: AdviceRequest,
    kind: rules.ExceptionKind | str,
    note: str,
) -> AdviceRequest:
    """Record why advice cannot be given within 6 weeks (Reg 8(2)); its step is then shown
    as suspended by exception."""
    advice = _lock_advice(advice)
    decision = authorise_for_organisation(
        acting_user, advice.request.child, advice.organisation, "record an exception here"
    )
    kind = rules.ExceptionKind(kind)
    if kind not in ADVICE_EXCEPTION_KINDS:
        raise ValidationError(
            {"kind": f"“{rules.EXCEPTION_LABELS[kind]}” is not an exception for advice."}
        )
    if advice.status != AdviceStatus.REQUESTED:
        raise StepOutOfOrder(f"This advice is already {advice.get_status_display().lower()}.")
    if not note.strip():
        raise ValidationError({"note": "Describe the exceptional circumstances."})
    advice.exception_kind = kind
    advice.exception_note = note.strip()
    advice.save(update_fields=["exception_kind", "exception_note"])
    Step.objects.filter(advice=advice, completed_on__isnull=True).update(suspended=True)
    event(
        acting_user=acting_user,
        decision=decision,
        child=advice.request.child,
        request=advice.request,
        action="advice_exception",
        summary=f"Exception to the advice time limit: {rules.EXCEPTION_LABELS[kind]}",
        event_date=today(),
        detail={"kind": kind.value, "note": advice.exception_note},
    )
    return advice


@transaction.atomic
def exception_record(
    *,
    acting_user: User | None,
    request: AssessmentRequest,
    kind: rules.ExceptionKind | str,
    start_date: dt.date,
    end_date: dt.date | None,
    description: str,
    advice_requested_on: dt.date | None = None,
) -> TimeLimitException:
    """Record an exception that lifts the 6-, 16- and 20-week limits (Regs 5(4), 10(4),
    13(3)). The request's open statutory steps show as suspended by exception, and the
    request counts among the DfE's exception cases."""
    request = lock_request(request)
    decision = authorise_case_work(acting_user, request.child)
    if not request.is_open:
        raise StepOutOfOrder("The request is closed; an exception can no longer apply.")
    kind = rules.ExceptionKind(kind)
    if kind == rules.ExceptionKind.MISSED_APPOINTMENT:
        raise ValidationError(
            {"kind": "A missed appointment is an exception for advice only (Reg 8(2))."}
        )
    if not description.strip():
        raise ValidationError({"description": "Describe the circumstances."})
    if start_date < request.received_date - dt.timedelta(weeks=5):
        raise ValidationError(
            {"start_date": "The exception must be about the time of the assessment."}
        )
    problems = rules.exception_problems(
        kind, start=start_date, end=end_date, advice_requested_on=advice_requested_on
    )
    if problems:
        raise ValidationError({"kind": problems})
    exception = TimeLimitException(
        request=request,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        description=description.strip(),
        recorded_by=acting_user,
    )
    exception.full_clean()
    exception.save()
    request.has_exception = True
    request.save(update_fields=["has_exception", "updated_at"])
    Step.objects.filter(
        request=request, kind__in=EXCEPTION_STEP_KINDS, completed_on__isnull=True
    ).update(suspended=True)
    event(
        acting_user=acting_user,
        decision=decision,
        child=request.child,
        request=request,
        action="exception_recorded",
        summary=f"Exception to the time limits recorded: {rules.EXCEPTION_LABELS[kind]}",
        event_date=start_date,
        detail={
            "kind": kind.value,
            "from": start_date.isoformat(),
            "to": end_date.isoformat() if end_date else None,
        },
    )
    return exception


@transaction.atomic
def request_decide_to_issue(
    *,
    acting_user: User | None,
    request: AssessmentRequest,
    decision_date: dt.date,
    issue: bool,
    reasons: str = "",
) -> AssessmentRequest:
    """Decide, once the advice is in, whether to issue an EHC plan (Reg 10). Deciding to
    issue opens the draft plan; deciding not to ends the request, with appeal rights."""
    request = lock_request(request)
    decision = authorise_case_work(acting_user, request.child)
    _require_stage(request, {RequestStage.ASSESSING}, "decide whether to issue a plan")
    assert request.decision_date is not None  # noqa: S101 - guaranteed by the stage
    require_date(
        "decision_date",
        decision_date,
        not_before=request.decision_date,
        label="the decision to assess",
    )
    outstanding = list(
        request.advice_requests.filter(status=AdviceStatus.REQUESTED).select_related("organisation")
    )
    if outstanding:
        names = ", ".join(
            f"{a.get_advice_type_display()} ({a.organisation.name if a.organisation else 'family'})"
            for a in outstanding
        )
        raise StepOutOfOrder(
            f"{len(outstanding)} advice request{'s are' if len(outstanding) > 1 else ' is'} "
            f"still outstanding: {names}. Record the advice or cancel the request first."
        )
    if not request.advice_requests.filter(status=AdviceStatus.RETURNED).exists():
        raise StepOutOfOrder(
            "No advice has been returned: an assessment must seek advice before the decision."
        )
    if not issue and not reasons.strip():
        raise ValidationError({"reasons": "Give the reasons for deciding not to issue a plan."})
    request.issue_decision_date = decision_date
    request.issue_decision_reasons = reasons.strip()
    close_steps(kinds=[StepKind.DECIDE_TO_ISSUE], request=request, on=decision_date)
    if issue:
        request.stage = RequestStage.DRAFTING
        if request.kind == RequestKind.REASSESSMENT:
            assert request.plan is not None  # noqa: S101 - a re-assessment has a plan
            plan = request.plan
            kind = VersionKind.REASSESSMENT
        else:
            plan = Plan(
                area=request.area,
                child=request.child,
                status=PlanStatus.DRAFT,
                coordinator=request.coordinator,
            )
            plan.full_clean()
            plan.save()
            request.plan = plan
            kind = VersionKind.NEW
        from opensend.ehc.services.plans import version_start

        version_start(plan=plan, kind=kind, request=request, acting_user=acting_user)
        open_step(
            kind=StepKind.DRAFT_PLAN,
            child=request.child,
            request=request,
            plan=plan,
            opened_on=decision_date,
            due_date=request.draft_target,
            statutory=False,
            holder_user=request.coordinator,
        )
        summary = "Decided to issue an EHC plan"
    else:
        request.stage = RequestStage.NOT_ISSUING
        request.closed_date = decision_date
        cancel_steps(request=request, on=decision_date)
        summary = "Decided not to issue an EHC plan"
    request.full_clean()
    request.save()
    event(
        acting_user=acting_user,
        decision=decision,
        child=request.child,
        request=request,
        plan=request.plan,
        action="issue_decided" if issue else "issue_refused",
        summary=summary,
        event_date=decision_date,
        detail={"on_time": decision_date <= request.not_to_issue_due, "reasons": reasons.strip()},
    )
    return request


@transaction.atomic
def request_withdraw(
    *,
    acting_user: User | None,
    request: AssessmentRequest,
    withdrawn_date: dt.date,
    reason: str,
) -> AssessmentRequest:
    """End a request the family or the requester withdrew. Outstanding advice is cancelled
    and a draft plan is marked not finalised."""
    request = lock_request(request)
    decision = authorise_case_work(acting_user, request.child)
    if not request.is_open:
        raise StepOutOfOrder(f"The request is already closed (“{request.get_stage_display()}”).")
    require_date(
        "withdrawn_date", withdrawn_date, not_before=request.received_date, label="the request"
    )
    if not reason.strip():
        raise ValidationError({"reason": "Say why the request was withdrawn."})
    request.stage = RequestStage.WITHDRAWN
    request.closed_date = withdrawn_date
    request.withdrawal_reason = reason.strip()
    request.save()
    request.advice_requests.filter(status=AdviceStatus.REQUESTED).update(
        status=AdviceStatus.CANCELLED, cancelled_reason="The request was withdrawn."
    )
    cancel_steps(request=request, on=withdrawn_date)
    if request.plan is not None:
        PlanVersion.objects.filter(
            plan=request.plan, request=request, state=VersionState.DRAFT
        ).update(state=VersionState.WITHDRAWN)
        if request.plan.status == PlanStatus.DRAFT:
            Plan.objects.filter(pk=request.plan.pk).update(status=PlanStatus.NOT_FINALISED)
    event(
        acting_user=acting_user,
        decision=decision,
        child=request.child,
        request=request,
        action="request_withdrawn",
        summary="Request withdrawn",
        event_date=withdrawn_date,
        detail={"reason": request.withdrawal_reason},
    )
    return request
