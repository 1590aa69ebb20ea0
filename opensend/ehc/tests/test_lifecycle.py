"""The request lifecycle as a state machine: every action tried at every stage, allowed where
the process allows it and refused with ``StepOutOfOrder`` (and nothing changed) elsewhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from opensend.core.tests.factories import SettingFactory
from opensend.ehc import services
from opensend.ehc.models import (
    AdviceType,
    CaseEvent,
    RequestStage,
    Step,
    VersionState,
)
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

STAGES = [
    RequestStage.RECEIVED,
    RequestStage.ASSESSING,
    RequestStage.DRAFTING,
    RequestStage.DRAFT_ISSUED,
    RequestStage.FINAL_ISSUED,
    RequestStage.NOT_ASSESSING,
    RequestStage.NOT_ISSUING,
    RequestStage.WITHDRAWN,
]

LATER = dt.date(2025, 6, 30)


def case_at(stage, area, coordinator):
    child = ChildFactory(area=area)
    request = ehc.received(child, coordinator=coordinator)
    if stage == RequestStage.RECEIVED:
        return request
    if stage == RequestStage.NOT_ASSESSING:
        return services.request_decide_to_assess(
            acting_user=coordinator,
            request=request,
            decision_date=dt.date(2025, 2, 3),
            assess=False,
            reasons="Needs can be met at SEN support.",
        )
    if stage == RequestStage.WITHDRAWN:
        return services.request_withdraw(
            acting_user=coordinator,
            request=request,
            withdrawn_date=dt.date(2025, 1, 20),
            reason="Family moved away.",
        )
    request = ehc.assessing(request)
    if stage == RequestStage.ASSESSING:
        return request
    if stage == RequestStage.NOT_ISSUING:
        advice = ehc.advice_returned(ehc.advice_sent(request))
        return services.request_decide_to_issue(
            acting_user=coordinator,
            request=request,
            decision_date=advice.returned_date + dt.timedelta(days=1),
            issue=False,
            reasons="Needs can be met from the school's resources.",
        )
    request = ehc.drafting(request)
    if stage == RequestStage.DRAFTING:
        return request
    version = ehc.draft_issued(request)
    if stage == RequestStage.DRAFT_ISSUED:
        request.refresh_from_db()
        return request
    ehc.final_issued(version)
    request.refresh_from_db()
    return request


def decide_to_assess(request, user):
    services.request_decide_to_assess(
        acting_user=user, request=request, decision_date=LATER, assess=True
    )


def ask_advice(request, user):
    services.advice_request_send(
        acting_user=user,
        request=request,
        advice_type=AdviceType.PARENT,
        organisation=None,
        requested_date=LATER,
    )


def decide_to_issue(request, user):
    if request.stage == RequestStage.ASSESSING:
        ehc.advice_returned(ehc.advice_sent(request))
    services.request_decide_to_issue(
        acting_user=user, request=request, decision_date=LATER, issue=True
    )


def send_draft(request, user):
    version = (
        request.plan.versions.filter(state=VersionState.DRAFT).first()
        if request.plan is not None
        else None
    )
    if version is None:
        raise services.StepOutOfOrder("no draft")
    services.draft_issue(acting_user=user, version=ehc.write_draft(version), served_date=LATER)


def issue_final(request, user):
    version = (
        request.plan.versions.filter(state=VersionState.DRAFT).first()
        if request.plan is not None
        else None
    )
    if version is None:
        raise services.StepOutOfOrder("no draft")
    if not version.placements.exists():
        services.placement_name(
            acting_user=user,
            version=version,
            expected_lock_version=version.lock_version,
            setting=SettingFactory(home_area=version.plan.area),
        )
    services.plan_issue_final(acting_user=user, version=version, issued_date=LATER)


def withdraw(request, user):
    services.request_withdraw(
        acting_user=user, request=request, withdrawn_date=LATER, reason="Family withdrew."
    )


def record_exception(request, user):
    services.exception_record(
        acting_user=user,
        request=request,
        kind="personal_circumstances",
        start_date=dt.date(2025, 2, 10),
        end_date=dt.date(2025, 3, 10),
        description="A parent was in hospital.",
    )


ACTIONS: dict[str, Callable[..., None]] = {
    "decide_to_assess": decide_to_assess,
    "ask_advice": ask_advice,
    "decide_to_issue": decide_to_issue,
    "send_draft": send_draft,
    "issue_final": issue_final,
    "withdraw": withdraw,
    "record_exception": record_exception,
}

OPEN = {
    RequestStage.RECEIVED,
    RequestStage.ASSESSING,
    RequestStage.DRAFTING,
    RequestStage.DRAFT_ISSUED,
}

#: (action, stage) pairs the process allows, and the stage each leads to.
ALLOWED: dict[tuple[str, RequestStage], RequestStage] = {
    ("decide_to_assess", RequestStage.RECEIVED): RequestStage.ASSESSING,
    ("ask_advice", RequestStage.ASSESSING): RequestStage.ASSESSING,
    ("decide_to_issue", RequestStage.ASSESSING): RequestStage.DRAFTING,
    ("send_draft", RequestStage.DRAFTING): RequestStage.DRAFT_ISSUED,
    ("issue_final", RequestStage.DRAFT_ISSUED): RequestStage.FINAL_ISSUED,
    **{("withdraw", stage): RequestStage.WITHDRAWN for stage in OPEN},
    **{("record_exception", stage): stage for stage in OPEN},
}

CASES = [(action, stage) for action in ACTIONS for stage in STAGES]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "stage"), CASES, ids=[f"{a}-{s}" for a, s in CASES])
def test_transition(action, stage, area, coordinator):
    request = case_at(stage, area, coordinator)
    assert request.stage == stage
    events_before = CaseEvent.objects.filter(request=request).count()
    expected = ALLOWED.get((action, stage))
    if expected is None:
        steps_before = list(
            Step.objects.filter(request=request).values_list("pk", "completed_on", "suspended")
        )
        with pytest.raises(services.StepOutOfOrder):
            ACTIONS[action](request, coordinator)
        request.refresh_from_db()
        assert request.stage == stage
        assert (
            list(
                Step.objects.filter(request=request).values_list("pk", "completed_on", "suspended")
            )
            == steps_before
        )
    else:
        ACTIONS[action](request, coordinator)
        request.refresh_from_db()
        assert request.stage == expected
        assert CaseEvent.objects.filter(request=request).count() > events_before


@pytest.mark.django_db
def test_every_stage_is_reachable_and_tested(area, coordinator):
    """The table covers every stage there is."""
    assert set(STAGES) == set(RequestStage)
