"""The EHC app's API: caseloads, timeliness, requests for assessment, plans and annual
reviews, mounted at ``/api/v1/ehc``.

Handlers are thin. Reads go through ``opensend.ehc.selectors`` (and the people selectors for a
child), which apply the access policy: a record the caller may not see is 404. Writes go
through ``opensend.ehc.services``, which decide who may act: a change the caller may not make
is 403. The services' refusals become the API's error shape: bad input is 422 with the field
(``invalid_request``), a step at the wrong point of the case is 409 ``step_out_of_order`` and
a clash with someone else's edit of a draft is 409 ``concurrent_edit``. Reading a case or a
plan, and each page of a caseload, is written to the access log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import cast

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from ninja import errors as ninja_errors

from opensend.api.auth import Caller, caller
from opensend.api.errors import ApiError, ErrorOut
from opensend.api.schemas import area_out
from opensend.core import access_log
from opensend.core.calendar import add_months
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.ehc import selectors, services
from opensend.ehc.models import (
    AdviceRequest,
    AnnualReview,
    AssessmentRequest,
    Consultation,
    Plan,
    PlanVersion,
    Step,
    StepKind,
    VersionState,
)
from opensend.ehc.rules import StepStatus
from opensend.ehc.schemas import (
    AdviceCancelIn,
    AdviceExceptionIn,
    AdviceOut,
    AdviceRequestIn,
    AdviceReturnIn,
    AssessmentDecisionIn,
    ChildCasesOut,
    ConsultationOut,
    ConsultationRespondIn,
    ConsultationSendIn,
    DraftCommentsIn,
    DraftIssueIn,
    DraftUpdateIn,
    ExceptionIn,
    ExceptionOut,
    FinalIssueIn,
    IssueDecisionIn,
    LockVersionOut,
    PlacementIn,
    PlacementSavedOut,
    PlanAppealIn,
    PlanCeaseIn,
    PlanOut,
    PlanVersionOut,
    ProvisionLineIn,
    ProvisionLineSavedOut,
    RequestAssignIn,
    RequestOut,
    RequestReceiveIn,
    ReviewDecisionIn,
    ReviewInviteIn,
    ReviewMeetingIn,
    ReviewOut,
    ReviewReportIn,
    SignOffIn,
    SignOffOut,
    StepPageOut,
    TimelinessOut,
    TransferInIn,
    WithdrawIn,
    advice_out,
    agency_overdue_out,
    child_ref,
    consultation_out,
    exception_out,
    figures_out,
    line_out,
    month_rate_out,
    placement_out,
    plan_out,
    plan_summary_out,
    request_out,
    request_summary_out,
    review_out,
    sign_off_out,
    step_out,
    version_out,
)
from opensend.people import policy
from opensend.people import selectors as people_selectors
from opensend.people.models import Child

router = Router(tags=["EHC assessments and plans"])

CHILD = "people.child"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25

READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CHANGE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# Errors ------------------------------------------------------------------------------------


def _invalid(location: str, errors: Mapping[str, list[str]]) -> ninja_errors.ValidationError:
    """422 ``invalid_request``, in the shape ninja's own validation errors take."""
    return ninja_errors.ValidationError(
        [
            {"loc": (location,) if field == NON_FIELD_ERRORS else (location, field), "msg": text}
            for field, messages in errors.items()
            for text in messages
        ]
    )


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


@contextmanager
def service_errors(fields: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a service's refusal into the API's answer. ``fields`` renames the services'
    argument names to the request body's (``decision_date`` is ``date``)."""
    try:
        yield
    except services.ConcurrentEdit as clash:
        raise ApiError(409, "concurrent_edit", _message(clash)) from clash
    except services.StepOutOfOrder as out_of_order:
        raise ApiError(409, "step_out_of_order", _message(out_of_order)) from out_of_order
    except ValidationError as error:
        renames = fields or {}
        by_field = (
            error.message_dict
            if hasattr(error, "error_dict")
            else {NON_FIELD_ERRORS: error.messages}
        )
        raise _invalid(
            "body", {renames.get(field, field): texts for field, texts in by_field.items()}
        ) from error


def _out_of_order(detail: str) -> ApiError:
    return ApiError(409, "step_out_of_order", detail)


# Fetching what a request names -------------------------------------------------------------


def _organisation(organisation_id: int | None, field: str) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise ValidationError({field: f"There is no organisation with id {organisation_id}."})
    return organisation


def _setting(organisation_id: int, field: str) -> Organisation:
    """An organisation a body names and the service needs (a setting to consult)."""
    organisation = _organisation(organisation_id, field)
    assert organisation is not None  # noqa: S101 - an id was given
    return organisation


def _coordinator(area: Area, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = selectors.coordinators(area).filter(pk=user_id).first()
    if user is None:
        raise ValidationError(
            {
                "coordinator_id": f"User {user_id} is not an EHC coordinator or SEND manager "
                f"of {area.name}."
            }
        )
    return user


def _area(la_code: str) -> Area:
    area = Area.objects.filter(la_code=la_code).first()
    if area is None:
        raise Http404("No area with that LA code")
    return area


def _child(who: Caller, child_id: int, *, log: bool) -> tuple[Child, policy.Decision]:
    """A child the caller may see; one they may not is not found (the refusal is logged)."""
    try:
        return people_selectors.child_get_for_user(
            user=who.user, child_id=child_id, log=log, via=who.via
        )
    except PermissionDenied as refused:
        raise Http404("No child with that reference") from refused


def _review(who: Caller, review_id: int) -> AnnualReview:
    """A review of a plan the caller may see."""
    review = AnnualReview.objects.filter(pk=review_id).only("pk", "plan_id").first()
    if review is None:
        raise Http404("No such review")
    selectors.plan_get_for_user(who.user, review.plan_id)
    return review


def _consultation(who: Caller, consultation_id: int) -> Consultation:
    """A consultation the caller may answer or see: staff of the setting consulted who answer
    such work, or anyone who may see the plan. Anyone else: not found."""
    consultation = (
        Consultation.objects.select_related("version", "setting").filter(pk=consultation_id).first()
    )
    if consultation is None:
        raise Http404("No such consultation")
    answering = selectors.user_organisation_ids(
        who.user, timezone.localdate(), selectors.ANSWERING_ROLES
    )
    if consultation.setting_id not in answering:
        try:
            selectors.plan_get_for_user(who.user, consultation.version.plan_id)
        except Http404 as hidden:
            raise Http404("No such consultation") from hidden
    return consultation


def _draft(plan: Plan, doing: str) -> PlanVersion:
    draft = selectors.draft_version(plan)
    if draft is None:
        raise _out_of_order(
            f"You cannot {doing}: {plan.reference} has no draft. A draft starts with the "
            "decision to issue a plan, or to amend it after an annual review."
        )
    return draft


def _log_view(
    who: Caller, *, object_type: str, object_id: int, child: Child, decision: policy.Decision
) -> None:
    access_log.record(
        actor=who.user,
        action=AccessAction.VIEW,
        object_type=object_type,
        object_id=object_id,
        subjects=[(CHILD, child.pk)],
        purpose=decision.purpose,
        organisation=(
            Organisation.objects.filter(pk=decision.organisation_id).first()
            if decision.organisation_id is not None
            else None
        ),
        detail={"via": who.via},
    )


# Answers -----------------------------------------------------------------------------------


def _request_answer(who: Caller, request_id: int, *, log: bool = False) -> RequestOut:
    request, decision = selectors.request_get_for_user(who.user, request_id)
    if log:
        _log_view(
            who,
            object_type="ehc.request",
            object_id=request.pk,
            child=request.child,
            decision=decision,
        )
    return request_out(
        request,
        advice=list(request.advice_requests.select_related("organisation")),
        exceptions=list(request.exceptions.all()),
        steps=list(selectors.case_steps(request, timezone.localdate())),
        events=list(request.events.select_related("actor")),
    )


def _plan_answer(plan: Plan) -> PlanOut:
    versions = list(
        selectors.plan_versions(plan).prefetch_related("consultations__setting").order_by("number")
    )
    issued = [version for version in versions if version.state == VersionState.ISSUED]
    drafts = [version for version in versions if version.state == VersionState.DRAFT]
    return plan_out(
        plan,
        in_force=issued[-1] if issued else None,
        draft=drafts[0] if drafts else None,
        versions=versions,
        reviews=list(plan.reviews.select_related("new_setting").order_by("due_date", "pk")),
    )


def _step_page(
    who: Caller,
    steps: QuerySet[Step],
    *,
    page: int,
    page_size: int,
    purpose: str,
    filters: dict[str, object],
) -> StepPageOut:
    """One page of steps, logged with the children on it as a search results page is."""
    total = steps.count()
    pages = max(1, -(-total // page_size))
    page = min(page, pages)
    items = list(steps[(page - 1) * page_size : page * page_size])
    access_log.record(
        actor=who.user,
        action=AccessAction.SEARCH,
        object_type="ehc.step",
        subjects=sorted({(CHILD, step.child_id) for step in items}),
        purpose=purpose,
        detail={
            **{name: value for name, value in filters.items() if value not in (None, "")},
            "page": page,
            "total": total,
            "via": who.via,
        },
    )
    return StepPageOut(
        page=page,
        page_size=page_size,
        pages=pages,
        total=total,
        items=[step_out(step) for step in items],
    )


PAGE = Query(1, ge=1, description="The page, from 1.")
PAGE_SIZE = Query(
    DEFAULT_PAGE_SIZE,
    ge=1,
    le=MAX_PAGE_SIZE,
    description=f"Steps per page, at most {MAX_PAGE_SIZE}.",
)

STATUS_FILTER = Query(None, description="Only steps with this status.")
KIND_FILTER = Query(None, description="Only steps of this kind.")
PERIOD_FROM = Query(
    None, alias="from", description="The first day of the period (default: 12 months ago)."
)
PERIOD_TO = Query(None, alias="to", description="The last day of the period (default: today).")


# Caseloads and timeliness ------------------------------------------------------------------


@router.get(
    "/steps/mine",
    response={200: StepPageOut, **READ_ERRORS},
    operation_id="ehc_my_steps",
    summary="My open EHC work",
    description=(
        "The open steps the caller holds: those given to them, and those addressed to an "
        "organisation they work for (advice asked of their service, a consultation with their "
        "school). Each has its due date and its status today: on_time, due_this_week, overdue "
        "or suspended (an exception lifts the limit). Soonest due first. Each page is "
        "recorded in the access log with the children on it."
    ),
)
def ehc_my_steps(
    request: HttpRequest,
    status: StepStatus | None = STATUS_FILTER,
    kind: StepKind | None = KIND_FILTER,
    page: int = PAGE,
    page_size: int = PAGE_SIZE,
) -> StepPageOut:
    who = caller(request)
    filters = selectors.StepFilters(kind=kind or "", status=status or "")
    steps = selectors.my_steps(user=who.user, today=timezone.localdate(), filters=filters)
    return _step_page(
        who,
        steps,
        page=page,
        page_size=page_size,
        purpose="My EHC work",
        filters={"status": status, "kind": kind},
    )


@router.get(
    "/areas/{la_code}/caseload",
    response={200: StepPageOut, **READ_ERRORS},
    operation_id="ehc_area_caseload",
    summary="An area's EHC caseload",
    description=(
        "Every open step in the area's EHC cases, for its local authority SEND team (anyone "
        "else: 404), soonest due first, filtered by status, kind or the coordinator holding "
        "it. Each page is recorded in the access log with the children on it."
    ),
)
def ehc_area_caseload(
    request: HttpRequest,
    la_code: str,
    status: StepStatus | None = STATUS_FILTER,
    kind: StepKind | None = KIND_FILTER,
    coordinator: int | None = Query(None, description="Only steps this user (by id) holds."),
    page: int = PAGE,
    page_size: int = PAGE_SIZE,
) -> StepPageOut:
    who = caller(request)
    area = _area(la_code)
    filters = selectors.StepFilters(
        kind=kind or "", status=status or "", coordinator_id=coordinator
    )
    steps = selectors.area_steps(
        user=who.user, area=area, today=timezone.localdate(), filters=filters
    )
    return _step_page(
        who,
        steps,
        page=page,
        page_size=page_size,
        purpose="EHC caseload of the area",
        filters={"area": area.la_code, "status": status, "kind": kind, "coordinator": coordinator},
    )


@router.get(
    "/areas/{la_code}/timeliness",
    response={200: TimelinessOut, **READ_ERRORS},
    operation_id="ehc_area_timeliness",
    summary="An area's EHC timeliness",
    description=(
        "New EHC plans issued each month of the period and how many within 20 weeks, with and "
        "without the cases an exception applied to; the area's figures today (active plans, "
        "open requests, open steps by status, annual reviews and advice overdue); and advice "
        "outstanding by agency. Counts only, for anyone whose membership covers the area "
        "(anyone else: 404). The period defaults to the 12 months to today."
    ),
)
def ehc_area_timeliness(
    request: HttpRequest,
    la_code: str,
    start: dt.date | None = PERIOD_FROM,
    end: dt.date | None = PERIOD_TO,
) -> TimelinessOut:
    who = caller(request)
    area = _area(la_code)
    if area.pk not in policy.aggregate_area_ids(who.user):
        raise Http404("No area with that LA code")
    today = timezone.localdate()
    end = end or today
    start = start or add_months(end.replace(day=1), -11)
    if start > end:
        raise _invalid("query", {"from": ["The period must start on or before its end (to)."]})
    rates = selectors.twenty_week_rates(area=area, start=start, end=end)
    period = selectors.MonthRate(
        month=start,
        issued=sum(row.issued for row in rates),
        on_time=sum(row.on_time for row in rates),
        issued_excluding_exceptions=sum(row.issued_excluding_exceptions for row in rates),
        on_time_excluding_exceptions=sum(row.on_time_excluding_exceptions for row in rates),
    )
    return TimelinessOut(
        area=area_out(area),
        start=start,
        end=end,
        today=today,
        rates=[month_rate_out(row) for row in rates],
        period=month_rate_out(period),
        figures=figures_out(selectors.area_figures(area=area, today=today)),
        advice_overdue_by_agency=[
            agency_overdue_out(row)
            for row in selectors.advice_overdue_by_agency(area=area, today=today)
        ],
    )


@router.get(
    "/children/{int:child_id}/cases",
    response={200: ChildCasesOut, **READ_ERRORS},
    operation_id="ehc_child_cases",
    summary="A child's EHC requests and plans",
    description=(
        "The child's requests for assessment and EHC plans, newest first, for anyone who may "
        "see the child's record (anyone else: 404). Recorded in the access log as a view of "
        "the record."
    ),
)
def ehc_child_cases(request: HttpRequest, child_id: int) -> ChildCasesOut:
    who = caller(request)
    child, _ = _child(who, child_id, log=True)
    cases = selectors.child_cases(child)
    return ChildCasesOut(
        child=child_ref(child),
        requests=[
            request_summary_out(item) for item in cast(list[AssessmentRequest], cases["requests"])
        ],
        plans=[plan_summary_out(item) for item in cast(list[Plan], cases["plans"])],
    )


# Requests for assessment -------------------------------------------------------------------


@router.post(
    "/requests",
    response={201: RequestOut, **CHANGE_ERRORS},
    operation_id="ehc_request_receive",
    summary="Receive a request for assessment",
    description=(
        "Record a request for an EHC needs assessment, or for a re-assessment of the child's "
        "plan, and start its clock: 6 weeks to decide whether to assess, 16 to decide not to "
        "issue, 20 (14 for a re-assessment) to issue the final plan. Only the local "
        "authority's SEND team for the child's area (anyone else who may see the child: 403)."
    ),
)
def ehc_request_receive(request: HttpRequest, payload: RequestReceiveIn) -> Status[RequestOut]:
    who = caller(request)
    child, _ = _child(who, payload.child_id, log=False)
    with service_errors(
        {
            "child": "child_id",
            "requester_organisation": "requester_organisation_id",
            "coordinator": "coordinator_id",
        }
    ):
        received = services.request_receive(
            acting_user=who.user,
            child=child,
            received_date=payload.received_date,
            source=payload.source,
            kind=payload.kind,
            requester_organisation=_organisation(
                payload.requester_organisation_id, "requester_organisation_id"
            ),
            requester_name=payload.requester_name,
            coordinator=_coordinator(child.area, payload.coordinator_id),
        )
    return Status(201, _request_answer(who, received.pk))


@router.get(
    "/requests/{int:request_id}",
    response={200: RequestOut, **READ_ERRORS},
    operation_id="ehc_request_get",
    summary="A request for assessment",
    description=(
        "The request with its statutory clock, decisions, advice requests, exceptions, every "
        "step with its status today, and its history. For anyone who may see the child's "
        "record (anyone else: 404); the view is recorded in the access log."
    ),
)
def ehc_request_get(request: HttpRequest, request_id: int) -> RequestOut:
    return _request_answer(caller(request), request_id, log=True)


@router.post(
    "/requests/{int:request_id}/assessment-decision",
    response={200: RequestOut, **CHANGE_ERRORS},
    operation_id="ehc_request_decide_to_assess",
    summary="Decide whether to assess",
    description=(
        "Decide whether to carry out an EHC needs assessment (Regs 4, 5), within 6 weeks of "
        "the request. A decision not to assess needs its reasons and closes the request. Only "
        "while the request is received (else 409)."
    ),
)
def ehc_request_decide_to_assess(
    request: HttpRequest, request_id: int, payload: AssessmentDecisionIn
) -> RequestOut:
    who = caller(request)
    case, _ = selectors.request_get_for_user(who.user, request_id)
    with service_errors({"decision_date": "date"}):
        services.request_decide_to_assess(
            acting_user=who.user,
            request=case,
            decision_date=payload.date,
            assess=payload.assess,
            reasons=payload.reasons,
        )
    return _request_answer(who, request_id)


@router.post(
    "/requests/{int:request_id}/advice",
    response={201: AdviceOut, **CHANGE_ERRORS},
    operation_id="ehc_advice_request_send",
    summary="Ask for advice",
    description=(
        "Ask an agency for advice for the assessment (Reg 6); it is due 6 weeks later "
        "(Reg 8(1)). The organisation's staff can then see the child's record and return the "
        "advice. Only while assessing (else 409)."
    ),
)
def ehc_advice_request_send(
    request: HttpRequest, request_id: int, payload: AdviceRequestIn
) -> Status[AdviceOut]:
    who = caller(request)
    case, _ = selectors.request_get_for_user(who.user, request_id)
    with service_errors({"organisation": "organisation_id"}):
        advice = services.advice_request_send(
            acting_user=who.user,
            request=case,
            advice_type=payload.advice_type,
            organisation=_organisation(payload.organisation_id, "organisation_id"),
            requested_date=payload.requested_date,
        )
    return Status(201, advice_out(advice))


@router.post(
    "/advice/{int:advice_id}/return",
    response={200: AdviceOut, **CHANGE_ERRORS},
    operation_id="ehc_advice_return",
    summary="Return advice",
    description=(
        "Record advice returned: by the local authority's SEND team, or by staff of the "
        "organisation it was asked of (anyone else: 404). Refused (409) once the advice is "
        "returned or cancelled, or when the request was withdrawn."
    ),
)
def ehc_advice_return(request: HttpRequest, advice_id: int, payload: AdviceReturnIn) -> AdviceOut:
    who = caller(request)
    advice: AdviceRequest = selectors.advice_get_for_user(who.user, advice_id)
    with service_errors():
        returned = services.advice_return(
            acting_user=who.user,
            advice=advice,
            returned_date=payload.returned_date,
            summary=payload.summary,
        )
    return advice_out(returned)


@router.post(
    "/advice/{int:advice_id}/exception",
    response={200: AdviceOut, **CHANGE_ERRORS},
    operation_id="ehc_advice_record_exception",
    summary="Record an exception to the advice time limit",
    description=(
        "Record why advice cannot be given within 6 weeks (Reg 8(2)): exceptional personal "
        "circumstances, the family away from the area for 4 weeks or more, or a missed "
        "appointment. The advice step then shows as suspended. By the local authority's SEND "
        "team or staff of the organisation asked (anyone else: 404). Refused (409) once the "
        "advice is returned or cancelled."
    ),
)
def ehc_advice_record_exception(
    request: HttpRequest, advice_id: int, payload: AdviceExceptionIn
) -> AdviceOut:
    who = caller(request)
    advice: AdviceRequest = selectors.advice_get_for_user(who.user, advice_id)
    with service_errors():
        recorded = services.advice_record_exception(
            acting_user=who.user, advice=advice, kind=payload.kind, note=payload.note
        )
    return advice_out(recorded)


@router.post(
    "/advice/{int:advice_id}/cancel",
    response={200: AdviceOut, **CHANGE_ERRORS},
    operation_id="ehc_advice_cancel",
    summary="Cancel a request for advice",
    description=(
        "Cancel advice that is no longer needed, with the reason; its step ends. Only the "
        "local authority's SEND team (staff of the organisation asked: 403; anyone else: 404). "
        "Refused (409) once the advice is returned or cancelled."
    ),
)
def ehc_advice_cancel(request: HttpRequest, advice_id: int, payload: AdviceCancelIn) -> AdviceOut:
    who = caller(request)
    advice: AdviceRequest = selectors.advice_get_for_user(who.user, advice_id)
    with service_errors():
        cancelled = services.advice_cancel(
            acting_user=who.user, advice=advice, reason=payload.reason
        )
    return advice_out(cancelled)


@router.post(
    "/requests/{int:request_id}/exceptions",
    response={201: ExceptionOut, **CHANGE_ERRORS},
    operation_id="ehc_exception_record",
    summary="Record an exception to the time limits",
    description=(
        "Record an exception that lifts the 6-, 16- and 20-week limits (Regs 5(4), 10(4), "
        "13(3)): a closure of 4 weeks or more, exceptional personal circumstances, or being "
        "away from the area for 4 weeks or more. The request's statutory steps then show as "
        "suspended. Only while the request is open (else 409)."
    ),
)
def ehc_exception_record(
    request: HttpRequest, request_id: int, payload: ExceptionIn
) -> Status[ExceptionOut]:
    who = caller(request)
    case, _ = selectors.request_get_for_user(who.user, request_id)
    with service_errors():
        exception = services.exception_record(
            acting_user=who.user,
            request=case,
            kind=payload.kind,
            start_date=payload.start_date,
            end_date=payload.end_date,
            description=payload.description,
            advice_requested_on=payload.advice_requested_on,
        )
    return Status(201, exception_out(exception))


@router.post(
    "/requests/{int:request_id}/issue-decision",
    response={200: RequestOut, **CHANGE_ERRORS},
    operation_id="ehc_request_decide_to_issue",
    summary="Decide whether to issue a plan",
    description=(
        "Decide, once the advice is in, whether to issue an EHC plan (Reg 10). Deciding to "
        "issue starts the draft plan; deciding not to needs its reasons and closes the "
        "request. Refused (409) while advice is outstanding or before the decision to assess."
    ),
)
def ehc_request_decide_to_issue(
    request: HttpRequest, request_id: int, payload: IssueDecisionIn
) -> RequestOut:
    who = caller(request)
    case, _ = selectors.request_get_for_user(who.user, request_id)
    with service_errors({"decision_date": "date"}):
        services.request_decide_to_issue(
            acting_user=who.user,
            request=case,
            decision_date=payload.date,
            issue=payload.issue,
            reasons=payload.reasons,
        )
    return _request_answer(who, request_id)


@router.post(
    "/requests/{int:request_id}/withdraw",
    response={200: RequestOut, **CHANGE_ERRORS},
    operation_id="ehc_request_withdraw",
    summary="Withdraw a request",
    description=(
        "End a request the family or the requester withdrew: outstanding advice is cancelled "
        "and a draft plan is not finalised. Refused (409) once the request is closed."
    ),
)
def ehc_request_withdraw(request: HttpRequest, request_id: int, payload: WithdrawIn) -> RequestOut:
    who = caller(request)
    case, _ = selectors.request_get_for_user(who.user, request_id)
    with service_errors({"withdrawn_date": "date"}):
        services.request_withdraw(
            acting_user=who.user,
            request=case,
            withdrawn_date=payload.date,
            reason=payload.reason,
        )
    return _request_answer(who, request_id)


@router.post(
    "/requests/{int:request_id}/assign",
    response={200: RequestOut, **CHANGE_ERRORS},
    operation_id="ehc_request_assign",
    summary="Give a request to a coordinator",
    description=(
        "Give the case to an EHC coordinator or SEND manager of the child's area; the open "
        "steps the local authority holds move to them (advice and consultations stay with the "
        "organisations asked). Only while the request is open (else 409)."
    ),
)
def ehc_request_assign(
    request: HttpRequest, request_id: int, payload: RequestAssignIn
) -> RequestOut:
    who = caller(request)
    case, _ = selectors.request_get_for_user(who.user, request_id)
    with service_errors({"coordinator": "coordinator_id"}):
        coordinator = _coordinator(case.area, payload.coordinator_id)
        assert coordinator is not None  # noqa: S101 - an id was given
        services.request_assign(acting_user=who.user, request=case, coordinator=coordinator)
    return _request_answer(who, request_id)


# Plans -------------------------------------------------------------------------------------


@router.get(
    "/plans/{int:plan_id}",
    response={200: PlanOut, **READ_ERRORS},
    operation_id="ehc_plan_get",
    summary="An EHC plan",
    description=(
        "The plan in force (sections A to K, provision lines with their commissioner and cost, "
        "placements, sign-offs), the draft being written if there is one, every version and "
        "the annual reviews. For anyone who may see the child's record (anyone else: 404); "
        "the view is recorded in the access log."
    ),
)
def ehc_plan_get(request: HttpRequest, plan_id: int) -> PlanOut:
    who = caller(request)
    plan, decision = selectors.plan_get_for_user(who.user, plan_id)
    _log_view(who, object_type="ehc.plan", object_id=plan.pk, child=plan.child, decision=decision)
    return _plan_answer(plan)


@router.get(
    "/plans/{int:plan_id}/versions/{int:number}",
    response={200: PlanVersionOut, **READ_ERRORS},
    operation_id="ehc_plan_version_get",
    summary="A version of an EHC plan",
    description=(
        "One version of the plan, by its number: every issued version is kept, so any two "
        "can be compared. Access and logging as for the plan."
    ),
)
def ehc_plan_version_get(request: HttpRequest, plan_id: int, number: int) -> PlanVersionOut:
    who = caller(request)
    plan, decision = selectors.plan_get_for_user(who.user, plan_id)
    version = selectors.plan_versions(plan).filter(number=number).first()
    if version is None:
        raise Http404(f"{plan.reference} has no version {number}")
    _log_view(who, object_type="ehc.plan", object_id=plan.pk, child=plan.child, decision=decision)
    return version_out(version)


@router.post(
    "/plans/{int:plan_id}/versions/{int:number}/sign-offs",
    response={201: SignOffOut, **CHANGE_ERRORS},
    operation_id="ehc_section_sign_off",
    summary="Sign off a health or social care section",
    description=(
        "Record that the caller's agency agrees its sections of a version: health staff "
        "(designated clinical officers, health practitioners) sign off C and G, social care "
        "staff (designated social care officers, social workers) D, H1 and H2. Anyone else "
        "who may see the plan: 403; anyone else: 404. Each section is signed off once per "
        "version (422); a withdrawn version cannot be (409)."
    ),
)
def ehc_section_sign_off(
    request: HttpRequest, plan_id: int, number: int, payload: SignOffIn
) -> Status[SignOffOut]:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    version = selectors.plan_versions(plan).filter(number=number).first()
    if version is None:
        raise Http404(f"{plan.reference} has no version {number}")
    with service_errors():
        services.section_sign_off(
            acting_user=who.user,
            version=version,
            section=payload.section,
            signed_on=payload.signed_on,
            note=payload.note,
        )
    signed = selectors.plan_versions(plan).get(pk=version.pk)
    sign_off = next(item for item in signed.sign_offs.all() if item.section == payload.section)
    return Status(201, sign_off_out(sign_off))


@router.patch(
    "/plans/{int:plan_id}/draft",
    response={200: PlanVersionOut, **CHANGE_ERRORS},
    operation_id="ehc_draft_update",
    summary="Change the draft",
    description=(
        "Change the draft's sections or personal budget. Send the lock_version you read: if "
        "someone else saved the draft since, nothing is changed and the answer is 409 "
        "concurrent_edit, saying who and when; read the draft again and make your changes "
        "again. A draft already sent to the family can still be changed; an issued version "
        "cannot (409)."
    ),
)
def ehc_draft_update(request: HttpRequest, plan_id: int, payload: DraftUpdateIn) -> PlanVersionOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    changes = payload.model_dump(exclude={"lock_version"}, exclude_none=True)
    if not changes:
        raise _invalid(
            "body", {NON_FIELD_ERRORS: ["Send at least one part of the plan to change."]}
        )
    draft = _draft(plan, "change the draft")
    with service_errors():
        services.version_update(
            acting_user=who.user,
            version=draft,
            expected_lock_version=payload.lock_version,
            changes=changes,
        )
    return version_out(_draft(plan, "change the draft"))


@router.post(
    "/plans/{int:plan_id}/draft/lines",
    response={201: ProvisionLineSavedOut, **CHANGE_ERRORS},
    operation_id="ehc_provision_line_add",
    summary="Add a line of provision to the draft",
    description=(
        "Add provision to section F, G, H1 or H2 of the draft: what, how much and how often, "
        "who provides it, the commissioner responsible (F: LA education or the school's "
        "budget; G: the ICB or LA public health; H1, H2: LA social care) and its annual cost. "
        "Send the draft's lock_version (409 concurrent_edit if it has changed); the answer "
        "gives the new one."
    ),
)
def ehc_provision_line_add(
    request: HttpRequest, plan_id: int, payload: ProvisionLineIn
) -> Status[ProvisionLineSavedOut]:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    draft = _draft(plan, "add provision")
    with service_errors({"provider_organisation": "provider_organisation_id"}):
        line = services.provision_line_save(
            acting_user=who.user,
            version=draft,
            expected_lock_version=payload.lock_version,
            section=payload.section,
            description=payload.description,
            commissioner=payload.commissioner,
            outcome=payload.outcome,
            quantity=payload.quantity,
            unit=payload.unit or "",
            frequency=payload.frequency or "",
            provider_organisation=_organisation(
                payload.provider_organisation_id, "provider_organisation_id"
            ),
            provider_description=payload.provider_description,
            annual_cost=payload.annual_cost,
        )
    return Status(
        201, ProvisionLineSavedOut(line=line_out(line), lock_version=line.version.lock_version)
    )


@router.delete(
    "/plans/{int:plan_id}/draft/lines/{int:line_id}",
    response={200: LockVersionOut, **CHANGE_ERRORS},
    operation_id="ehc_provision_line_remove",
    summary="Remove a line of provision from the draft",
    description=(
        "Remove a line from the draft. Send the draft's lock_version (409 concurrent_edit if "
        "it has changed); the answer gives the new one."
    ),
)
def ehc_provision_line_remove(
    request: HttpRequest,
    plan_id: int,
    line_id: int,
    lock_version: int = Query(..., ge=0, description="The draft's lock_version when you read it."),
) -> LockVersionOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    draft = _draft(plan, "remove provision")
    line = next((line for line in draft.lines.all() if line.pk == line_id), None)
    if line is None:
        raise Http404(f"The draft of {plan.reference} has no line {line_id}")
    with service_errors():
        services.provision_line_remove(
            acting_user=who.user, line=line, expected_lock_version=lock_version
        )
    return LockVersionOut(lock_version=_draft(plan, "remove provision").lock_version)


RANK = Path(..., ge=1, le=2, description="1 the main setting, 2 a second one.")


@router.put(
    "/plans/{int:plan_id}/draft/placements/{int:rank}",
    response={200: PlacementSavedOut, **CHANGE_ERRORS},
    operation_id="ehc_placement_name",
    summary="Name the setting in section I of the draft",
    description=(
        "Name the school or college (setting_id), or an arrangement without one (sen_setting, "
        "an SEN2 SENSetting code; OTH needs sen_setting_other), in section I: rank 1 the main "
        "setting, 2 a second one. Replaces what that rank named. A new plan's draft names no "
        "school until it has been sent to the family (sending it is refused while one is "
        "named). Send the draft's lock_version (409 concurrent_edit if it has changed); the "
        "answer gives the new one."
    ),
)
def ehc_placement_name(
    request: HttpRequest, plan_id: int, payload: PlacementIn, rank: int = RANK
) -> PlacementSavedOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    draft = _draft(plan, "name a setting")
    with service_errors({"setting": "setting_id"}):
        placement = services.placement_name(
            acting_user=who.user,
            version=draft,
            expected_lock_version=payload.lock_version,
            rank=rank,
            setting=_organisation(payload.setting_id, "setting_id"),
            sen_setting=payload.sen_setting or "",
            sen_setting_other=payload.sen_setting_other,
            in_sen_unit=payload.in_sen_unit,
            in_resourced_provision=payload.in_resourced_provision,
            residential=payload.residential or "",
            work_based=payload.work_based or "",
        )
    return PlacementSavedOut(
        placement=placement_out(placement),
        lock_version=_draft(plan, "name a setting").lock_version,
    )


@router.delete(
    "/plans/{int:plan_id}/draft/placements/{int:rank}",
    response={200: LockVersionOut, **CHANGE_ERRORS},
    operation_id="ehc_placement_remove",
    summary="Remove a setting from section I of the draft",
    description=(
        "Remove what section I of the draft names at this rank (404 if it names nothing "
        "there). Send the draft's lock_version (409 concurrent_edit if it has changed); the "
        "answer gives the new one."
    ),
)
def ehc_placement_remove(
    request: HttpRequest,
    plan_id: int,
    rank: int = RANK,
    lock_version: int = Query(..., ge=0, description="The draft's lock_version when you read it."),
) -> LockVersionOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    draft = _draft(plan, "remove a setting")
    placement = next((item for item in draft.placements.all() if item.rank == rank), None)
    if placement is None:
        raise Http404(f"The draft of {plan.reference} names no setting at rank {rank}")
    with service_errors():
        services.placement_remove(
            acting_user=who.user, placement=placement, expected_lock_version=lock_version
        )
    return LockVersionOut(lock_version=_draft(plan, "remove a setting").lock_version)


@router.post(
    "/plans/{int:plan_id}/draft/issue",
    response={200: PlanVersionOut, **CHANGE_ERRORS},
    operation_id="ehc_draft_issue",
    summary="Send the draft to the family",
    description=(
        "Serve the draft plan (or, after a review, the proposed amendments) on the family. "
        "They have 15 days beginning with that day to comment, ask for a meeting and say "
        "which setting they want (Reg 13(1)). A new plan's draft must not name a school. "
        "Refused (409) if already sent or before the decision to issue."
    ),
)
def ehc_draft_issue(request: HttpRequest, plan_id: int, payload: DraftIssueIn) -> PlanVersionOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    draft = _draft(plan, "send a draft")
    with service_errors():
        services.draft_issue(acting_user=who.user, version=draft, served_date=payload.served_date)
    return version_out(_draft(plan, "send a draft"))


@router.post(
    "/plans/{int:plan_id}/draft/comments",
    response={200: PlanVersionOut, **CHANGE_ERRORS},
    operation_id="ehc_draft_record_comments",
    summary="Record the family's comments on the draft",
    description=(
        "Record the family's response to the draft: their comments, whether they want a "
        "meeting, and the school or college they asked for (preferred_setting_id, or "
        "preferred_setting_other for one with no record here). Once they have commented, the "
        "final plan may be issued before their 15 days end. Refused (409) before the draft "
        "is sent to them."
    ),
)
def ehc_draft_record_comments(
    request: HttpRequest, plan_id: int, payload: DraftCommentsIn
) -> PlanVersionOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    draft = _draft(plan, "record the family's comments")
    with service_errors({"preferred_setting": "preferred_setting_id"}):
        services.draft_record_comments(
            acting_user=who.user,
            version=draft,
            received_date=payload.received_date,
            comments=payload.comments,
            preferred_setting=_organisation(payload.preferred_setting_id, "preferred_setting_id"),
            preferred_setting_other=payload.preferred_setting_other,
            meeting_requested=payload.meeting_requested,
        )
    return version_out(_draft(plan, "record the family's comments"))


@router.post(
    "/plans/{int:plan_id}/draft/consultations",
    response={201: ConsultationOut, **CHANGE_ERRORS},
    operation_id="ehc_consultation_send",
    summary="Consult a setting about the draft",
    description=(
        "Send the draft to a school or college to consult it about being named (s.39(2)); it "
        "has 15 days to answer, and its staff see the consultation in their work. Each setting "
        "is consulted once per draft. Refused (409) before the draft is sent to the family."
    ),
)
def ehc_consultation_send(
    request: HttpRequest, plan_id: int, payload: ConsultationSendIn
) -> Status[ConsultationOut]:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    draft = _draft(plan, "consult a setting")
    with service_errors({"setting": "setting_id"}):
        consultation = services.consultation_send(
            acting_user=who.user,
            version=draft,
            setting=_setting(payload.setting_id, "setting_id"),
            sent_date=payload.sent_date,
            parent_preference=payload.parent_preference,
        )
    return Status(201, consultation_out(consultation))


@router.post(
    "/consultations/{int:consultation_id}/response",
    response={200: ConsultationOut, **CHANGE_ERRORS},
    operation_id="ehc_consultation_respond",
    summary="Answer a consultation",
    description=(
        "Record whether the setting can meet the child's needs (cannot_meet needs its "
        "reasons in note): by staff of the setting consulted, or by the local authority's SEND "
        "team. Anyone else who may see the plan: 403; anyone else: 404. Refused (409) once "
        "answered."
    ),
)
def ehc_consultation_respond(
    request: HttpRequest, consultation_id: int, payload: ConsultationRespondIn
) -> ConsultationOut:
    who = caller(request)
    consultation = _consultation(who, consultation_id)
    with service_errors():
        answered = services.consultation_respond(
            acting_user=who.user,
            consultation=consultation,
            response=payload.response,
            response_date=payload.response_date,
            note=payload.note,
        )
    return consultation_out(answered)


@router.post(
    "/plans/{int:plan_id}/final",
    response={200: PlanOut, **CHANGE_ERRORS},
    operation_id="ehc_plan_issue_final",
    summary="Issue the final plan",
    description=(
        "Issue the draft as the final plan (Reg 13(2): within 20 weeks of the request), or "
        "the final amended plan after a review. It must name a setting or arrangement in "
        "section I, and comes after the family's 15 days unless they have commented. Refused "
        "(409) before the draft is sent."
    ),
)
def ehc_plan_issue_final(request: HttpRequest, plan_id: int, payload: FinalIssueIn) -> PlanOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    draft = _draft(plan, "issue the final plan")
    with service_errors():
        services.plan_issue_final(
            acting_user=who.user, version=draft, issued_date=payload.issued_date
        )
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    return _plan_answer(plan)


@router.post(
    "/plans/{int:plan_id}/cease",
    response={200: PlanOut, **CHANGE_ERRORS},
    operation_id="ehc_plan_cease",
    summary="Cease to maintain a plan",
    description=(
        "Cease the plan (Regs 29–31), with an SEN2 CeaseReason: under 18 only if it is no "
        "longer needed (2) or the area is no longer responsible (5 transferred, with "
        "transferred_to; 7 moved outside England; 8 deceased); 18 or over and left education "
        "(3, 4, 6) only after a review shows they do not want to return; never while an appeal "
        "is under way. Its open review and steps end. Refused (409) unless the plan is active."
    ),
)
def ehc_plan_cease(request: HttpRequest, plan_id: int, payload: PlanCeaseIn) -> PlanOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    with service_errors():
        services.plan_cease(
            acting_user=who.user,
            plan=plan,
            ceased_date=payload.ceased_date,
            reason=payload.reason,
            notice_date=payload.notice_date,
            review_shows_no_wish_to_return=payload.review_shows_no_wish_to_return,
            transferred_to=payload.transferred_to,
        )
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    return _plan_answer(plan)


@router.post(
    "/plans/{int:plan_id}/appeal",
    response={200: PlanOut, **CHANGE_ERRORS},
    operation_id="ehc_plan_record_appeal",
    summary="Record an appeal about the plan",
    description=(
        "Record that an appeal about the plan is under way (pending true: the plan stays in "
        "place and cannot cease) or has concluded (false)."
    ),
)
def ehc_plan_record_appeal(request: HttpRequest, plan_id: int, payload: PlanAppealIn) -> PlanOut:
    who = caller(request)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    with service_errors():
        services.plan_record_appeal(acting_user=who.user, plan=plan, pending=payload.pending)
    plan, _ = selectors.plan_get_for_user(who.user, plan_id)
    return _plan_answer(plan)


@router.post(
    "/plans/transfer-in",
    response={201: PlanOut, **CHANGE_ERRORS},
    operation_id="ehc_plan_transfer_in",
    summary="Take on a plan from another area",
    description=(
        "Take on the plan another local authority maintained when the family moved here "
        "(Reg 15): it is this area's from the transfer date, the child's SEN status becomes "
        "EHC plan, and the next annual review is due 12 months from its last review (or from "
        "the transfer). Enter its content in the version created. Only the local authority's "
        "SEND team for the child's area (anyone else who may see the child: 403)."
    ),
)
def ehc_plan_transfer_in(request: HttpRequest, payload: TransferInIn) -> Status[PlanOut]:
    who = caller(request)
    child, _ = _child(who, payload.child_id, log=False)
    with service_errors({"child": "child_id", "coordinator": "coordinator_id"}):
        plan = services.plan_transfer_in(
            acting_user=who.user,
            child=child,
            previous_la_code=payload.previous_la_code,
            transfer_date=payload.transfer_date,
            last_review_date=payload.last_review_date,
            coordinator=_coordinator(child.area, payload.coordinator_id),
        )
    plan, _ = selectors.plan_get_for_user(who.user, plan.pk)
    return Status(201, _plan_answer(plan))


# Annual reviews ----------------------------------------------------------------------------


@router.post(
    "/reviews/{int:review_id}/invitations",
    response={200: ReviewOut, **CHANGE_ERRORS},
    operation_id="ehc_review_invite",
    summary="Invite people to the annual review meeting",
    description=(
        "Record the invitations to the review meeting, sent at least 2 weeks before it "
        "(Reg 20(3)); the meeting is then arranged for meeting_date. Only while the review is "
        "due (else 409)."
    ),
)
def ehc_review_invite(request: HttpRequest, review_id: int, payload: ReviewInviteIn) -> ReviewOut:
    who = caller(request)
    review = _review(who, review_id)
    with service_errors():
        invited = services.review_invite(
            acting_user=who.user,
            review=review,
            sent_date=payload.sent_date,
            meeting_date=payload.meeting_date,
        )
    return review_out(invited)


@router.post(
    "/reviews/{int:review_id}/meeting",
    response={200: ReviewOut, **CHANGE_ERRORS},
    operation_id="ehc_review_meeting",
    summary="Record the annual review meeting",
    description=(
        "Record the review meeting. The report is then due within 2 weeks and the local "
        "authority's decision within 4 weeks of the meeting (Reg 20). Only while the review "
        "is due (else 409)."
    ),
)
def ehc_review_meeting(request: HttpRequest, review_id: int, payload: ReviewMeetingIn) -> ReviewOut:
    who = caller(request)
    review = _review(who, review_id)
    with service_errors():
        held = services.review_hold_meeting(
            acting_user=who.user, review=review, meeting_date=payload.meeting_date
        )
    return review_out(held)


@router.post(
    "/reviews/{int:review_id}/report",
    response={200: ReviewOut, **CHANGE_ERRORS},
    operation_id="ehc_review_report",
    summary="Record the annual review report",
    description=(
        "Record the report of the review meeting and its recommendations. Only after the "
        "meeting (else 409)."
    ),
)
def ehc_review_report(request: HttpRequest, review_id: int, payload: ReviewReportIn) -> ReviewOut:
    who = caller(request)
    review = _review(who, review_id)
    with service_errors():
        reported = services.review_receive_report(
            acting_user=who.user,
            review=review,
            received_date=payload.received_date,
            summary=payload.summary,
        )
    return review_out(reported)


@router.post(
    "/reviews/{int:review_id}/decision",
    response={200: ReviewOut, **CHANGE_ERRORS},
    operation_id="ehc_review_decide",
    summary="Decide after the annual review",
    description=(
        "Decide to maintain (M), amend (A) or cease (C) the plan, within 4 weeks of the "
        "meeting (Reg 20(10)); amending or ceasing needs reasons. To amend, a draft is "
        "started from the plan in force: change it and send it to the family, since the "
        "notice must carry the proposed amendments. Only after the report (else 409)."
    ),
)
def ehc_review_decide(request: HttpRequest, review_id: int, payload: ReviewDecisionIn) -> ReviewOut:
    who = caller(request)
    review = _review(who, review_id)
    with service_errors({"decision_date": "date"}):
        decided = services.review_decide(
            acting_user=who.user,
            review=review,
            decision_date=payload.date,
            outcome=payload.outcome,
            reasons=payload.reasons,
        )
    return review_out(decided)
