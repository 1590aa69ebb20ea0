"""The EHC services: each rule, permission and error path, through the real database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opensend.core.models import AccessLogEntry, AccessLogSubject, Area
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    staff,
)
from opensend.ehc import services
from opensend.ehc.models import (
    AdviceStatus,
    AdviceType,
    AnnualReview,
    CaseEvent,
    Plan,
    PlanStatus,
    PlanVersion,
    RequestKind,
    RequestStage,
    ReviewStage,
    Step,
    StepKind,
    VersionKind,
    VersionState,
)
from opensend.ehc.tests import factories as ehc
from opensend.people import policy
from opensend.people.models import SENStatus
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(area):
    return ChildFactory(area=area, date_of_birth=dt.date(2015, 3, 14))


def open_kinds(**scope: object) -> set[str]:
    return set(
        Step.objects.filter(completed_on__isnull=True, **scope).values_list("kind", flat=True)
    )


# --- receiving a request ----------------------------------------------------------------------


def test_request_starts_the_statutory_clock(child, coordinator):
    request = ehc.received(child, on=dt.date(2025, 1, 6), coordinator=coordinator)
    assert request.decision_due == dt.date(2025, 2, 17)  # 6 weeks
    assert request.not_to_issue_due == dt.date(2025, 4, 28)  # 16 weeks
    assert request.draft_target == dt.date(2025, 4, 14)  # 14 weeks
    assert request.final_due == dt.date(2025, 5, 26)  # 20 weeks
    step = Step.objects.get(request=request)
    assert (step.kind, step.due_date, step.holder_user) == (
        StepKind.DECIDE_TO_ASSESS,
        request.decision_due,
        coordinator,
    )
    assert CaseEvent.objects.filter(request=request, action="request_received").exists()


def test_day_one_counting_ends_each_limit_a_day_earlier(child):
    Area.objects.filter(pk=child.area_id).update(ehc_day_counting="day1")
    child.area.refresh_from_db()
    request = ehc.received(child, on=dt.date(2025, 1, 6))
    assert request.decision_due == dt.date(2025, 2, 16)
    assert request.final_due == dt.date(2025, 5, 25)


def test_reassessment_has_fourteen_weeks(child):
    ehc.plan_for(child, received_on=dt.date(2024, 1, 8))
    request = ehc.received(child, on=dt.date(2025, 1, 6), kind=RequestKind.REASSESSMENT)
    assert request.final_due == dt.date(2025, 4, 14)
    assert request.plan is not None


@pytest.mark.parametrize(
    ("received_on", "message"),
    [
        (dt.date(2099, 1, 1), "today or in the past"),
        (dt.date(2010, 1, 1), "on or after birth"),
    ],
)
def test_request_dates_are_checked(child, received_on, message):
    with pytest.raises(ValidationError, match=message):
        ehc.received(child, on=received_on)


def test_one_open_request_at_a_time(child):
    ehc.received(child)
    with pytest.raises(ValidationError, match="already has a request under way"):
        ehc.received(child, on=dt.date(2025, 2, 1))


def test_a_child_with_a_plan_is_reassessed_not_assessed(child):
    ehc.plan_for(child, received_on=dt.date(2024, 1, 8))
    with pytest.raises(ValidationError, match="re-assess"):
        ehc.received(child, on=dt.date(2025, 1, 6))


def test_reassessment_needs_a_plan(child):
    with pytest.raises(ValidationError, match="no EHC plan to re-assess"):
        ehc.received(child, kind=RequestKind.REASSESSMENT)


@pytest.mark.parametrize(
    "role", [Role.SENCO, Role.HEALTH_PRACTITIONER, Role.DESIGNATED_CLINICAL_OFFICER]
)
def test_only_the_la_team_records_requests(child, local_authority, role):
    kind = {
        Role.SENCO: OrganisationKind.SCHOOL,
        Role.HEALTH_PRACTITIONER: OrganisationKind.NHS_TRUST,
        Role.DESIGNATED_CLINICAL_OFFICER: OrganisationKind.ICB,
    }[role]
    if kind == OrganisationKind.SCHOOL:
        organisation = SettingFactory(home_area=child.area)
    else:
        organisation = OrganisationFactory(kind=kind, home_area=child.area)
    user = staff(role, organisation)
    with pytest.raises(PermissionDenied):
        ehc.received(child, acting_user=user)


def test_a_coordinator_of_another_area_is_refused(child):
    other = AreaFactory(name="Elsewhere", la_code="991")
    council = OrganisationFactory(name="Elsewhere Council", home_area=other)
    with pytest.raises(PermissionDenied):
        ehc.received(child, acting_user=staff(Role.EHC_COORDINATOR, council))


def test_every_change_is_in_the_access_log(child, coordinator):
    before = AccessLogEntry.objects.count()
    request = ehc.received(child, acting_user=coordinator)
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry is not None
    assert (entry.object_type, entry.object_id, entry.actor) == (
        "ehc.request",
        str(request.pk),
        coordinator,
    )
    assert AccessLogSubject.objects.filter(entry=entry, subject_id=str(child.pk)).exists()


# --- deciding whether to assess ------------------------------------------------------------


def test_refusal_needs_reasons_and_closes_the_request(child, coordinator):
    request = ehc.received(child, coordinator=coordinator)
    with pytest.raises(ValidationError, match="reasons"):
        services.request_decide_to_assess(
            acting_user=coordinator,
            request=request,
            decision_date=dt.date(2025, 2, 3),
            assess=False,
        )
    request = services.request_decide_to_assess(
        acting_user=coordinator,
        request=request,
        decision_date=dt.date(2025, 2, 3),
        assess=False,
        reasons="Needs are met at SEN support.",
    )
    assert (request.stage, request.closed_date) == (
        RequestStage.NOT_ASSESSING,
        dt.date(2025, 2, 3),
    )
    assert open_kinds(request=request) == set()


def test_decision_cannot_precede_the_request(child, coordinator):
    request = ehc.received(child, coordinator=coordinator)
    with pytest.raises(ValidationError, match="on or after the request"):
        services.request_decide_to_assess(
            acting_user=coordinator,
            request=request,
            decision_date=dt.date(2025, 1, 5),
            assess=True,
        )


def test_deciding_to_assess_opens_the_16_and_20_week_steps(child):
    request = ehc.assessing(ehc.received(child))
    assert open_kinds(request=request) == {StepKind.DECIDE_TO_ISSUE, StepKind.FINAL_PLAN}
    step = Step.objects.get(request=request, kind=StepKind.DECIDE_TO_ASSESS)
    assert step.completed_on == request.decision_date


# --- advice -------------------------------------------------------------------------------------


def test_advice_is_due_in_six_weeks_and_lets_the_trust_see_the_child(child):
    request = ehc.assessing(ehc.received(child))
    advice = ehc.advice_sent(request, on=dt.date(2025, 2, 4))
    assert advice.due_date == dt.date(2025, 3, 18)
    step = Step.objects.get(advice=advice)
    assert step.holder_organisation == advice.organisation
    practitioner = staff(Role.HEALTH_PRACTITIONER, advice.organisation)
    decision = policy.decide(policy.grants_for(practitioner), child, policy.Action.VIEW)
    assert decision.allowed and decision.basis == policy.Basis.INVOLVEMENT


def test_advice_needs_an_organisation_except_from_the_family(child):
    request = ehc.assessing(ehc.received(child))
    with pytest.raises(ValidationError, match="Choose the organisation"):
        services.advice_request_send(
            acting_user=None,
            request=request,
            advice_type=AdviceType.HEALTH,
            organisation=None,
            requested_date=dt.date(2025, 2, 4),
        )
    family = services.advice_request_send(
        acting_user=None,
        request=request,
        advice_type=AdviceType.PARENT,
        organisation=None,
        requested_date=dt.date(2025, 2, 4),
    )
    assert family.organisation is None


def test_the_same_advice_is_not_asked_twice(child):
    request = ehc.assessing(ehc.received(child))
    advice = ehc.advice_sent(request)
    with pytest.raises(ValidationError, match="already been asked"):
        ehc.advice_sent(request, organisation=advice.organisation)


def test_staff_of_the_trust_return_its_advice_and_others_cannot(child):
    request = ehc.assessing(ehc.received(child))
    advice = ehc.advice_sent(request)
    outsider_trust = OrganisationFactory(
        name="Another Trust", kind=OrganisationKind.NHS_TRUST, home_area=child.area
    )
    with pytest.raises(PermissionDenied):
        ehc.advice_returned(advice, acting_user=staff(Role.HEALTH_PRACTITIONER, outsider_trust))
    practitioner = staff(Role.HEALTH_PRACTITIONER, advice.organisation)
    advice = ehc.advice_returned(advice, acting_user=practitioner, on=dt.date(2025, 3, 25))
    assert (advice.status, advice.returned_by) == (AdviceStatus.RETURNED, practitioner)
    step = Step.objects.get(advice=advice)
    assert step.completed_on == dt.date(2025, 3, 25)  # a week late
    assert CaseEvent.objects.get(action="advice_returned").detail["on_time"] is False


def test_advice_for_a_withdrawn_request_is_refused(child, coordinator):
    request = ehc.assessing(ehc.received(child))
    advice = ehc.advice_sent(request)
    services.request_withdraw(
        acting_user=coordinator,
        request=request,
        withdrawn_date=dt.date(2025, 2, 20),
        reason="The family moved abroad.",
    )
    with pytest.raises(services.StepOutOfOrder, match="withdrawn"):
        ehc.advice_returned(advice)
    advice.refresh_from_db()
    assert advice.status == AdviceStatus.CANCELLED


def test_advice_cannot_be_returned_before_it_was_asked_for(child):
    advice = ehc.advice_sent(ehc.assessing(ehc.received(child)))
    with pytest.raises(ValidationError, match="on or after the request"):
        ehc.advice_returned(advice, on=advice.requested_date - dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        ("missed_appointment", True),
        ("away_from_area", True),
        ("personal_circumstances", True),
        ("school_closure", False),
        ("early_years_closure", False),
    ],
)
def test_advice_exceptions_are_those_of_regulation_8_2(child, kind, allowed):
    advice = ehc.advice_sent(ehc.assessing(ehc.received(child)))
    if allowed:
        services.advice_record_exception(
            acting_user=None, advice=advice, kind=kind, note="The child was unwell."
        )
        assert Step.objects.get(advice=advice).suspended
    else:
        with pytest.raises(ValidationError, match="not an exception for advice"):
            services.advice_record_exception(
                acting_user=None, advice=advice, kind=kind, note="Closed."
            )


# --- exceptions to the 6-, 16- and 20-week limits ------------------------------------------


def test_an_exception_suspends_the_statutory_steps(child):
    request = ehc.assessing(ehc.received(child))
    advice = ehc.advice_sent(request)
    services.exception_record(
        acting_user=None,
        request=request,
        kind="away_from_area",
        start_date=dt.date(2025, 2, 10),
        end_date=dt.date(2025, 3, 24),
        description="The family were abroad caring for a relative.",
    )
    request.refresh_from_db()
    assert request.has_exception
    suspended = set(
        Step.objects.filter(request=request, suspended=True).values_list("kind", flat=True)
    )
    assert suspended == {StepKind.DECIDE_TO_ISSUE, StepKind.FINAL_PLAN}
    assert not Step.objects.get(advice=advice).suspended


def test_an_exception_that_does_not_meet_the_law_is_refused(child):
    request = ehc.assessing(ehc.received(child))
    with pytest.raises(ValidationError):
        services.exception_record(
            acting_user=None,
            request=request,
            kind="away_from_area",
            start_date=dt.date(2025, 2, 10),
            end_date=dt.date(2025, 2, 20),  # under 4 weeks
            description="A short holiday.",
        )
    request.refresh_from_db()
    assert not request.has_exception


def test_a_missed_appointment_is_for_advice_only(child):
    request = ehc.assessing(ehc.received(child))
    with pytest.raises(ValidationError, match="advice only"):
        services.exception_record(
            acting_user=None,
            request=request,
            kind="missed_appointment",
            start_date=dt.date(2025, 2, 10),
            end_date=None,
            description="Did not attend.",
        )


# --- deciding whether to issue ---------------------------------------------------------------


def test_the_decision_to_issue_waits_for_outstanding_advice(child):
    request = ehc.assessing(ehc.received(child))
    ehc.advice_returned(ehc.advice_sent(request))
    ehc.advice_sent(request, advice_type=AdviceType.PSYCHOLOGICAL)
    with pytest.raises(services.StepOutOfOrder, match="1 advice request is still outstanding"):
        services.request_decide_to_issue(
            acting_user=None, request=request, decision_date=dt.date(2025, 4, 1), issue=True
        )


def test_the_decision_to_issue_needs_some_advice(child):
    request = ehc.assessing(ehc.received(child))
    with pytest.raises(services.StepOutOfOrder, match="No advice"):
        services.request_decide_to_issue(
            acting_user=None, request=request, decision_date=dt.date(2025, 4, 1), issue=True
        )


def test_deciding_to_issue_starts_a_draft_plan(child):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    assert request.plan is not None
    assert request.plan.status == PlanStatus.DRAFT
    version = request.plan.versions.get()
    assert (version.state, version.kind, version.number) == (
        VersionState.DRAFT,
        VersionKind.NEW,
        1,
    )
    assert open_kinds(request=request) == {StepKind.DRAFT_PLAN, StepKind.FINAL_PLAN}


def test_deciding_not_to_issue_ends_the_request(child):
    request = ehc.assessing(ehc.received(child))
    ehc.advice_returned(ehc.advice_sent(request))
    request = services.request_decide_to_issue(
        acting_user=None,
        request=request,
        decision_date=dt.date(2025, 4, 1),
        issue=False,
        reasons="Needs can be met by the school with SEN support.",
    )
    assert request.stage == RequestStage.NOT_ISSUING
    assert open_kinds(request=request) == set()
    assert Step.objects.get(request=request, kind=StepKind.FINAL_PLAN).cancelled


# --- the draft ------------------------------------------------------------------------------


def test_the_family_have_15_days_beginning_with_the_day_the_draft_is_served(child):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.draft_issued(request, on=dt.date(2025, 3, 24))
    assert version.comments_due == dt.date(2025, 4, 7)
    request.refresh_from_db()
    assert request.stage == RequestStage.DRAFT_ISSUED
    assert StepKind.DRAFT_COMMENTS in open_kinds(request=request)


def test_a_draft_names_no_school(child):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.write_draft(ehc.draft_of(request))
    services.placement_name(
        acting_user=None,
        version=version,
        expected_lock_version=version.lock_version,
        setting=SettingFactory(home_area=child.area),
    )
    with pytest.raises(ValidationError, match="must not name a school"):
        services.draft_issue(acting_user=None, version=version, served_date=dt.date(2025, 3, 24))


def test_an_empty_draft_is_not_sent(child):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    with pytest.raises(ValidationError, match="no content"):
        services.draft_issue(
            acting_user=None, version=ehc.draft_of(request), served_date=dt.date(2025, 3, 24)
        )


def test_two_people_editing_the_same_draft(child, coordinator, local_authority):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.draft_of(request)
    colleague = staff(Role.EHC_COORDINATOR, local_authority, full_name="Robin Colleague")
    opened_at = version.lock_version
    services.version_update(
        acting_user=colleague,
        version=version,
        expected_lock_version=opened_at,
        changes={"section_a": "Robin's words"},
    )
    with pytest.raises(services.ConcurrentEdit, match="Robin Colleague saved this plan"):
        services.version_update(
            acting_user=coordinator,
            version=version,
            expected_lock_version=opened_at,
            changes={"section_a": "Casey's words"},
        )
    version.refresh_from_db()
    assert version.section_a == "Robin's words"


def test_unknown_fields_are_refused(child):
    version = ehc.draft_of(ehc.drafting(ehc.assessing(ehc.received(child))))
    with pytest.raises(ValidationError, match="not parts of a plan"):
        services.version_update(
            acting_user=None,
            version=version,
            expected_lock_version=version.lock_version,
            changes={"state": "issued"},
        )


@pytest.mark.parametrize(
    ("section", "commissioner", "ok"),
    [
        ("f", "la_education", True),
        ("f", "school_budget", True),
        ("f", "icb", False),
        ("g", "icb", True),
        ("g", "la_education", False),
        ("h1", "la_social_care", True),
        ("h2", "la_social_care", True),
        ("h2", "icb", False),
        ("b", "la_education", False),
    ],
)
def test_who_commissions_each_section(child, section, commissioner, ok):
    version = ehc.draft_of(ehc.drafting(ehc.assessing(ehc.received(child))))

    def save() -> None:
        services.provision_line_save(
            acting_user=None,
            version=version,
            expected_lock_version=version.lock_version,
            section=section,
            description="Occupational therapy programme",
            commissioner=commissioner,
            quantity=Decimal(1),
            unit="hours",
            frequency="weekly",
            provider_description="Children's occupational therapy",
            annual_cost=Decimal("1250.00"),
        )

    if ok:
        save()
        line = version.lines.get()
        assert line.amount == "1 hours, weekly"
    else:
        with pytest.raises(ValidationError):
            save()


def test_a_line_needs_a_provider_and_a_unit(child):
    version = ehc.draft_of(ehc.drafting(ehc.assessing(ehc.received(child))))
    with pytest.raises(ValidationError, match="who provides"):
        services.provision_line_save(
            acting_user=None,
            version=version,
            expected_lock_version=version.lock_version,
            section="f",
            description="Support",
            commissioner="la_education",
        )
    with pytest.raises(ValidationError, match="measured in"):
        services.provision_line_save(
            acting_user=None,
            version=version,
            expected_lock_version=version.lock_version,
            section="f",
            description="Support",
            commissioner="la_education",
            quantity=Decimal(2),
            provider_description="Teaching assistant",
        )


def test_health_signs_off_health_sections_only(child, coordinator):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.draft_of(request)
    trust = ehc.health_trust(request)
    clinician = staff(Role.DESIGNATED_CLINICAL_OFFICER, trust)
    services.section_sign_off(
        acting_user=clinician, version=version, section="g", signed_on=dt.date(2025, 3, 20)
    )
    assert version.sign_offs.get().organisation == trust
    with pytest.raises(ValidationError, match="already signed off"):
        services.section_sign_off(
            acting_user=clinician, version=version, section="g", signed_on=dt.date(2025, 3, 21)
        )
    with pytest.raises(PermissionDenied, match="social care"):
        services.section_sign_off(
            acting_user=clinician, version=version, section="h1", signed_on=dt.date(2025, 3, 21)
        )
    with pytest.raises(PermissionDenied):
        services.section_sign_off(
            acting_user=coordinator, version=version, section="c", signed_on=dt.date(2025, 3, 21)
        )


def test_a_setting_answers_its_consultation_within_15_days(child):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.draft_issued(request, on=dt.date(2025, 3, 24))
    school = SettingFactory(home_area=child.area)
    consultation = services.consultation_send(
        acting_user=None, version=version, setting=school, sent_date=dt.date(2025, 3, 25)
    )
    assert consultation.response_due == dt.date(2025, 4, 8)
    senco = staff(Role.SENCO, school)
    with pytest.raises(ValidationError, match="reasons"):
        services.consultation_respond(
            acting_user=senco,
            consultation=consultation,
            response="cannot_meet",
            response_date=dt.date(2025, 4, 1),
        )
    services.consultation_respond(
        acting_user=senco,
        consultation=consultation,
        response="can_meet",
        response_date=dt.date(2025, 4, 1),
    )
    assert Step.objects.get(consultation=consultation).completed_on == dt.date(2025, 4, 1)


# --- the final plan ----------------------------------------------------------------------------


def test_a_final_plan_comes_after_its_draft(child):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.write_draft(ehc.draft_of(request))
    with pytest.raises(services.StepOutOfOrder, match="after its draft"):
        services.plan_issue_final(
            acting_user=None, version=version, issued_date=dt.date(2025, 4, 20)
        )


def test_a_final_plan_waits_for_the_familys_15_days(child):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.draft_issued(request, on=dt.date(2025, 3, 24))
    version.refresh_from_db()
    services.placement_name(
        acting_user=None,
        version=version,
        expected_lock_version=version.lock_version,
        setting=SettingFactory(home_area=child.area),
    )
    with pytest.raises(ValidationError, match="have until 7 April 2025"):
        services.plan_issue_final(
            acting_user=None, version=version, issued_date=dt.date(2025, 4, 1)
        )
    services.draft_record_comments(
        acting_user=None,
        version=version,
        received_date=dt.date(2025, 3, 31),
        comments="We agree with the draft.",
    )
    services.plan_issue_final(acting_user=None, version=version, issued_date=dt.date(2025, 4, 1))
    request.refresh_from_db()
    assert request.stage == RequestStage.FINAL_ISSUED


def test_a_final_plan_names_a_setting(child):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.draft_issued(request, on=dt.date(2025, 3, 24))
    with pytest.raises(ValidationError, match="section I"):
        services.plan_issue_final(
            acting_user=None, version=version, issued_date=dt.date(2025, 4, 14)
        )


def test_issuing_the_final_plan(child, coordinator):
    request = ehc.drafting(ehc.assessing(ehc.received(child, coordinator=coordinator)))
    version = ehc.draft_issued(request, on=dt.date(2025, 3, 24))
    plan = ehc.final_issued(version, on=dt.date(2025, 4, 14))
    request.refresh_from_db()
    child.refresh_from_db()
    assert (plan.status, plan.start_date) == (PlanStatus.ACTIVE, dt.date(2025, 4, 14))
    assert (request.stage, request.final_issued_date) == (
        RequestStage.FINAL_ISSUED,
        dt.date(2025, 4, 14),
    )
    assert child.sen_status == SENStatus.EHC_PLAN
    assert open_kinds(request=request) == set()
    final_step = Step.objects.get(request=request, kind=StepKind.FINAL_PLAN)
    assert final_step.completed_on <= final_step.due_date
    comments = Step.objects.get(plan=plan, kind=StepKind.DRAFT_COMMENTS)
    assert comments.completed_on == version.comments_due  # the 15 days simply ended
    review = AnnualReview.objects.get(plan=plan)
    assert review.stage == ReviewStage.SCHEDULED
    # born March 2015: Year 5 in 2024/25, so the review falls before the Year 6 → 7 deadline
    assert review.phase_transfer == "primary_to_secondary"
    assert review.phase_transfer_deadline == dt.date(2026, 2, 14)
    assert review.due_date <= review.phase_transfer_deadline
    assert open_kinds(plan=plan) == {StepKind.REVIEW_MEETING, StepKind.PHASE_TRANSFER}


def test_withdrawal_cancels_advice_and_the_draft(child, coordinator):
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    services.request_withdraw(
        acting_user=coordinator,
        request=request,
        withdrawn_date=dt.date(2025, 3, 20),
        reason="The family no longer wish to continue.",
    )
    assert request.plan is not None
    request.plan.refresh_from_db()
    assert request.plan.status == PlanStatus.NOT_FINALISED
    assert request.plan.versions.get().state == VersionState.WITHDRAWN
    assert open_kinds(request=request) == set()


# --- annual reviews ---------------------------------------------------------------------------


@pytest.fixture
def plan(area, coordinator):
    child = ChildFactory(area=area, date_of_birth=dt.date(2012, 10, 2))
    return ehc.plan_for(child, coordinator=coordinator, received_on=dt.date(2024, 1, 8))


def test_a_plan_is_reviewed_within_12_months(plan):
    review = AnnualReview.objects.get(plan=plan)
    anniversary = dt.date(plan.start_date.year + 1, plan.start_date.month, plan.start_date.day)
    # "within the period of 12 months starting with" the plan: by the day before the anniversary
    assert review.due_date == anniversary - dt.timedelta(days=1)
    plan.refresh_from_db()
    assert plan.next_review_due == review.due_date


def test_invitations_need_two_weeks_notice(plan):
    review = AnnualReview.objects.get(plan=plan)
    with pytest.raises(ValidationError, match="at least 2 weeks"):
        services.review_invite(
            acting_user=None,
            review=review,
            sent_date=dt.date(2025, 1, 6),
            meeting_date=dt.date(2025, 1, 15),
        )
    services.review_invite(
        acting_user=None,
        review=review,
        sent_date=dt.date(2025, 1, 6),
        meeting_date=dt.date(2025, 1, 20),
    )


def run_review(plan: Plan, outcome: str, *, meeting: dt.date = dt.date(2025, 3, 3)) -> AnnualReview:
    review = AnnualReview.objects.get(plan=plan, stage=ReviewStage.SCHEDULED)
    review = services.review_hold_meeting(acting_user=None, review=review, meeting_date=meeting)
    assert open_kinds(review=review) >= {StepKind.REVIEW_REPORT, StepKind.REVIEW_DECISION}
    review = services.review_receive_report(
        acting_user=None,
        review=review,
        received_date=meeting + dt.timedelta(days=10),
        summary="Progress towards outcomes; speech therapy to continue.",
    )
    return services.review_decide(
        acting_user=None,
        review=review,
        decision_date=meeting + dt.timedelta(weeks=3),
        outcome=outcome,
        reasons="" if outcome == "M" else "Needs have changed.",
    )


def test_maintaining_schedules_the_next_review_from_the_meeting(plan):
    review = run_review(plan, "M")
    assert review.stage == ReviewStage.COMPLETED
    assert not review.prepares_for_adulthood  # born October 2012: Year 7 in 2024/25
    nxt = AnnualReview.objects.get(plan=plan, stage=ReviewStage.SCHEDULED)
    assert nxt.due_date <= dt.date(2026, 3, 3)
    plan.refresh_from_db()
    assert (plan.last_review_date, plan.last_review_outcome) == (dt.date(2025, 3, 3), "M")


def test_a_review_out_of_order_is_refused(plan):
    review = AnnualReview.objects.get(plan=plan)
    with pytest.raises(services.StepOutOfOrder, match="review is at"):
        services.review_decide(
            acting_user=None, review=review, decision_date=dt.date(2025, 3, 3), outcome="M"
        )


def test_amending_copies_the_plan_and_the_final_amended_plan_completes_the_review(plan):
    review = run_review(plan, "A")
    assert review.stage == ReviewStage.AMENDING
    assert review.amended_plan_due == dt.date(2025, 5, 19)  # 8 weeks from the decision
    draft = PlanVersion.objects.get(plan=plan, state=VersionState.DRAFT)
    issued = PlanVersion.objects.get(plan=plan, state=VersionState.ISSUED)
    assert (draft.kind, draft.number) == (VersionKind.AMENDMENT, 2)
    assert draft.section_a == issued.section_a
    assert draft.lines.count() == issued.lines.count() == 1
    assert draft.placements.count() == issued.placements.count() == 1
    services.version_update(
        acting_user=None,
        version=draft,
        expected_lock_version=draft.lock_version,
        changes={"section_b": "Speech, language and communication needs; anxiety."},
    )
    draft = services.draft_issue(acting_user=None, version=draft, served_date=dt.date(2025, 3, 28))
    assert draft.comments_due == dt.date(2025, 4, 11)
    services.plan_issue_final(acting_user=None, version=draft, issued_date=dt.date(2025, 4, 25))
    review.refresh_from_db()
    assert review.stage == ReviewStage.COMPLETED
    assert Step.objects.get(review=review, kind=StepKind.AMENDED_PLAN).completed_on == dt.date(
        2025, 4, 25
    )
    assert plan.versions.filter(state=VersionState.ISSUED).count() == 2
    assert AnnualReview.objects.filter(plan=plan, stage=ReviewStage.SCHEDULED).count() == 1


# --- ceasing, appeals and transfers ---------------------------------------------------------------


def test_ceasing_follows_the_law(plan):
    with pytest.raises(ValidationError):
        services.plan_cease(
            acting_user=None, plan=plan, ceased_date=dt.date(2025, 7, 1), reason="4"
        )  # paid employment at 12
    services.plan_record_appeal(acting_user=None, plan=plan, pending=True)
    with pytest.raises(ValidationError):
        services.plan_cease(
            acting_user=None, plan=plan, ceased_date=dt.date(2025, 7, 1), reason="2"
        )
    services.plan_record_appeal(acting_user=None, plan=plan, pending=False)
    plan = services.plan_cease(
        acting_user=None, plan=plan, ceased_date=dt.date(2025, 7, 1), reason="2"
    )
    assert (plan.status, plan.cease_reason) == (PlanStatus.CEASED, "2")
    plan.child.refresh_from_db()
    assert plan.child.sen_status == SENStatus.SEN_SUPPORT
    assert not AnnualReview.objects.filter(plan=plan, stage=ReviewStage.SCHEDULED).exists()
    assert open_kinds(plan=plan) == set()
    with pytest.raises(services.StepOutOfOrder):
        services.plan_cease(
            acting_user=None, plan=plan, ceased_date=dt.date(2025, 7, 2), reason="2"
        )


def test_a_plan_transferred_in(child, coordinator):
    with pytest.raises(ValidationError, match="own LA code"):
        services.plan_transfer_in(
            acting_user=coordinator,
            child=child,
            previous_la_code=child.area.la_code,
            transfer_date=dt.date(2025, 5, 1),
        )
    plan = services.plan_transfer_in(
        acting_user=coordinator,
        child=child,
        previous_la_code="340",
        transfer_date=dt.date(2025, 5, 1),
        last_review_date=dt.date(2024, 11, 12),
    )
    assert (plan.status, plan.transferred_in_from) == (PlanStatus.ACTIVE, "340")
    request = plan.requests.get()
    assert (request.kind, request.stage) == (RequestKind.TRANSFER_IN, RequestStage.FINAL_ISSUED)
    review = AnnualReview.objects.get(plan=plan)
    assert review.due_date <= dt.date(2025, 11, 12)
    child.refresh_from_db()
    assert child.sen_status == SENStatus.EHC_PLAN


def test_reviews_from_year_9_consider_preparing_for_adulthood(area):
    child = ChildFactory(area=area, date_of_birth=dt.date(2010, 11, 5))  # Year 9 in 2024/25
    plan = ehc.plan_for(child, received_on=dt.date(2024, 1, 8))
    review = AnnualReview.objects.get(plan=plan, stage=ReviewStage.SCHEDULED)
    review = services.review_hold_meeting(
        acting_user=None, review=review, meeting_date=dt.date(2025, 3, 3)
    )
    assert review.prepares_for_adulthood


def test_only_answering_roles_return_advice_for_their_organisation(child):
    icb = OrganisationFactory(
        name="Halford Vale ICB", kind=OrganisationKind.ICB, home_area=child.area
    )
    advice = ehc.advice_sent(ehc.assessing(ehc.received(child)), organisation=icb)
    commissioner = staff(Role.COMMISSIONER, icb)
    with pytest.raises(PermissionDenied):
        ehc.advice_returned(advice, acting_user=commissioner)
    ehc.advice_returned(advice, acting_user=staff(Role.DESIGNATED_CLINICAL_OFFICER, icb))


def test_a_transferred_plans_last_review_is_not_after_the_transfer(child, coordinator):
    with pytest.raises(ValidationError, match="on or before the transfer"):
        services.plan_transfer_in(
            acting_user=coordinator,
            child=child,
            previous_la_code="340",
            transfer_date=dt.date(2025, 5, 1),
            last_review_date=dt.date(2025, 6, 1),
        )


def test_an_appeal_is_recorded_on_a_plan_in_force(plan):
    services.plan_cease(acting_user=None, plan=plan, ceased_date=dt.date(2025, 7, 1), reason="2")
    with pytest.raises(services.StepOutOfOrder, match="in force"):
        services.plan_record_appeal(acting_user=None, plan=plan, pending=True)


def test_a_phase_transfer_dealt_with_is_not_scheduled_again(area):
    # born March 2015: Year 5 in 2024/25, so the first review prepares the move to Year 7
    child = ChildFactory(area=area, date_of_birth=dt.date(2015, 3, 14))
    plan = ehc.plan_for(child, received_on=dt.date(2024, 9, 2))
    review = AnnualReview.objects.get(plan=plan, stage=ReviewStage.SCHEDULED)
    assert review.phase_transfer == "primary_to_secondary"
    review = run_review(plan, "A", meeting=dt.date(2025, 9, 15))
    draft = PlanVersion.objects.get(plan=plan, state=VersionState.DRAFT)
    services.placement_name(
        acting_user=None,
        version=draft,
        expected_lock_version=draft.lock_version,
        setting=SettingFactory(home_area=area, phase="secondary"),
    )
    draft.refresh_from_db()
    services.draft_issue(acting_user=None, version=draft, served_date=dt.date(2025, 10, 13))
    services.plan_issue_final(acting_user=None, version=draft, issued_date=dt.date(2025, 11, 3))
    review.refresh_from_db()
    assert review.stage == ReviewStage.COMPLETED and review.new_setting is not None
    assert Step.objects.get(review=review, kind=StepKind.PHASE_TRANSFER).completed_on
    following = AnnualReview.objects.get(plan=plan, stage=ReviewStage.SCHEDULED)
    assert following.phase_transfer == ""
    assert following.due_date == dt.date(2026, 9, 14)
