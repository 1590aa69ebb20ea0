"""The EHC stage of the generator against a real database: the generated cases keep the
invariants the EHC services keep (the open steps of each stage, the statutory dates, the
review cycle, one live plan per child), match the profile's published figures, are the same
every time, and give the demo coordinator a caseload."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter, defaultdict
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from opensend.core.calendar import DayCounting, age_on
from opensend.core.codes import CeaseReason, ReviewOutcome
from opensend.core.models import Area, Membership
from opensend.ehc import rules, selectors
from opensend.ehc.models import (
    EXCEPTION_STEP_KINDS,
    OPEN_REQUEST_STAGES,
    AdviceRequest,
    AdviceStatus,
    AnnualReview,
    AssessmentRequest,
    CaseEvent,
    Consultation,
    ConsultationResponse,
    Plan,
    PlanPlacement,
    PlanStatus,
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
from opensend.people.models import (
    Child,
    Involvement,
    InvolvementKind,
    Need,
    Placement,
    SENStatus,
    SENStatusPeriod,
)
from opensend.synth import demo, generator
from opensend.synth.digest import area_digest, ehc_children
from opensend.synth.generator import ehc
from opensend.synth.profiles import PROFILES, WITHDRAWN_SHARE
from opensend.synth.summary import summary_lines

REFERENCE = dt.date(2026, 1, 15)

pytestmark = pytest.mark.django_db


def make(profile="halton", scale=0.1, seed=1, la_code=None, replace=False):
    options = generator.make_options(
        profile=profile, scale=scale, seed=seed, la_code=la_code, on=REFERENCE
    )
    return generator.generate(acting_user=None, options=options, replace=replace)


@contextmanager
def generated(django_db_blocker, **options):
    """An area generated once for a module's tests, inside a transaction rolled back after
    them (each test's own transaction is a savepoint within it). Its LA code is one no other
    test here uses."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield make(**options)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def sefton(django_db_setup, django_db_blocker):
    """A Sefton-like area: slow plans and many refusals, so many cases are still open."""
    with generated(django_db_blocker, profile="sefton", scale=0.25, la_code="998") as result:
        yield result


@pytest.fixture(scope="module")
def halton(django_db_setup, django_db_blocker):
    with generated(django_db_blocker, profile="halton", scale=0.1, la_code="997") as result:
        yield result


def counting(area):
    return DayCounting(Area.objects.get(pk=area.pk).ehc_day_counting)


def open_steps(**scope):
    return Step.objects.filter(completed_on__isnull=True, **scope)


# --- the open work of each request ---------------------------------------------------------


def expected_request_steps(request):
    """What the services leave open at each stage of a request (services/requests.py and
    plans.py): one entry per open step, as (kind, advice, consultation)."""
    stage = request.stage
    expected = Counter()
    if stage == RequestStage.RECEIVED:
        expected[(StepKind.DECIDE_TO_ASSESS, None, None)] += 1
    elif stage == RequestStage.ASSESSING:
        expected[(StepKind.DECIDE_TO_ISSUE, None, None)] += 1
        expected[(StepKind.FINAL_PLAN, None, None)] += 1
        for advice in request.advice_requests.filter(status=AdviceStatus.REQUESTED):
            expected[(StepKind.ADVICE, advice.pk, None)] += 1
    elif stage == RequestStage.DRAFTING:
        expected[(StepKind.DRAFT_PLAN, None, None)] += 1
        expected[(StepKind.FINAL_PLAN, None, None)] += 1
    elif stage == RequestStage.DRAFT_ISSUED:
        expected[(StepKind.FINAL_PLAN, None, None)] += 1
        version = PlanVersion.objects.get(request=request)
        if version.comments_received_date is None:
            expected[(StepKind.DRAFT_COMMENTS, None, None)] += 1
        for consultation in version.consultations.filter(response=ConsultationResponse.AWAITED):
            expected[(StepKind.CONSULTATION, None, consultation.pk)] += 1
    return expected


def test_every_open_request_has_exactly_the_steps_the_services_keep_open(sefton):
    area = sefton.area
    requests = AssessmentRequest.objects.filter(area=area)
    stages = Counter(requests.values_list("stage", flat=True))
    for stage in OPEN_REQUEST_STAGES:
        assert stages[stage] > 0, stage
    assert stages[RequestStage.NOT_ASSESSING] > 0
    for request in requests.prefetch_related("advice_requests"):
        actual = Counter(
            open_steps(request=request).values_list("kind", "advice_id", "consultation_id")
        )
        assert actual == expected_request_steps(request), (request.pk, request.stage)


def test_open_steps_have_the_statutory_dates_and_holders(sefton):
    area = sefton.area
    day_counting = counting(area)
    for step in open_steps(area=area, request__isnull=False).select_related("request", "advice"):
        request = step.request
        due = {
            StepKind.DECIDE_TO_ASSESS: request.decision_due,
            StepKind.DECIDE_TO_ISSUE: request.not_to_issue_due,
            StepKind.FINAL_PLAN: request.final_due,
            StepKind.DRAFT_PLAN: request.draft_target,
        }.get(step.kind)
        if due is not None:
            assert step.due_date == due, step.kind
            assert step.holder_organisation_id is None
        if step.kind == StepKind.ADVICE:
            advice = step.advice
            assert step.due_date == advice.due_date
            assert advice.due_date == rules.advice_due(advice.requested_date, day_counting)
            assert step.holder_organisation_id == advice.organisation_id
            assert step.suspended == bool(advice.exception_kind)
        if step.kind in EXCEPTION_STEP_KINDS:
            assert step.suspended == request.has_exception, step.pk
    for request in AssessmentRequest.objects.filter(area=area):
        received = request.received_date
        reassessment = request.kind == RequestKind.REASSESSMENT
        assert request.decision_due == rules.decision_to_assess_due(received, day_counting)
        assert request.not_to_issue_due == rules.decision_not_to_issue_due(received, day_counting)
        assert request.draft_target == rules.draft_plan_target(received, day_counting)
        assert request.final_due == rules.final_plan_due(
            received, day_counting, reassessment=reassessment
        )


def test_open_requests_include_outstanding_and_overdue_advice_and_exceptions(sefton):
    area = sefton.area
    outstanding = AdviceRequest.objects.filter(
        request__area=area, status=AdviceStatus.REQUESTED, request__stage=RequestStage.ASSESSING
    )
    assert outstanding.exists()
    assert outstanding.filter(due_date__lt=REFERENCE).exists()
    late = AdviceRequest.objects.filter(
        request__area=area, status=AdviceStatus.RETURNED, returned_date__gt=F("due_date")
    )
    assert late.exists()
    excepted = AssessmentRequest.objects.filter(area=area, has_exception=True)
    assert excepted.filter(stage__in=OPEN_REQUEST_STAGES).exists()
    assert open_steps(request__area=area, suspended=True).exists()


def test_closed_requests_leave_nothing_open_and_record_why():
    area = make(profile="halton", scale=0.25).area
    closed = AssessmentRequest.objects.filter(area=area).exclude(stage__in=OPEN_REQUEST_STAGES)
    stages = Counter(closed.values_list("stage", flat=True))
    for stage in (
        RequestStage.NOT_ASSESSING,
        RequestStage.NOT_ISSUING,
        RequestStage.WITHDRAWN,
        RequestStage.FINAL_ISSUED,
    ):
        assert stages[stage] > 0, stage
    for request in closed:
        assert not open_steps(request=request).exists(), request.pk
        assert request.closed_date is not None
        if request.stage == RequestStage.NOT_ASSESSING:
            assert request.decision_reasons
            assert request.decision_date == request.closed_date
        elif request.stage == RequestStage.NOT_ISSUING:
            assert request.issue_decision_reasons
            assert not request.advice_requests.filter(status=AdviceStatus.REQUESTED).exists()
            assert request.advice_requests.filter(status=AdviceStatus.RETURNED).exists()
        elif request.stage == RequestStage.WITHDRAWN:
            assert request.withdrawal_reason
            assert not request.advice_requests.filter(status=AdviceStatus.REQUESTED).exists()
        elif request.stage == RequestStage.FINAL_ISSUED:
            assert request.final_issued_date == request.closed_date
            assert request.plan is not None
            assert request.plan.start_date is not None
    for request in AssessmentRequest.objects.filter(area=area, stage=RequestStage.WITHDRAWN):
        assert Step.objects.filter(request=request, cancelled=True).exists()


# --- plans and their reviews -------------------------------------------------------------


def expected_review_steps(review):
    stage = review.stage
    expected = Counter()
    if stage == ReviewStage.SCHEDULED:
        expected[StepKind.REVIEW_MEETING] += 1
    elif stage == ReviewStage.MEETING_HELD:
        expected[StepKind.REVIEW_REPORT] += 1
        expected[StepKind.REVIEW_DECISION] += 1
    elif stage == ReviewStage.REPORT_RECEIVED:
        expected[StepKind.REVIEW_DECISION] += 1
    elif stage == ReviewStage.AMENDING:
        expected[StepKind.AMENDED_PLAN] += 1
        draft = PlanVersion.objects.get(review=review)
        if draft.draft_served_date is not None and draft.comments_received_date is None:
            expected[StepKind.DRAFT_COMMENTS] += 1
    return expected


def test_active_plans_have_the_open_review_and_its_steps(halton):
    area = halton.area
    plans = Plan.objects.filter(area=area, status=PlanStatus.ACTIVE).prefetch_related("reviews")
    assert plans.count() > 50
    stages = Counter()
    for plan in plans:
        reviews = sorted(plan.reviews.all(), key=lambda r: (r.due_date, r.pk))
        live = [r for r in reviews if r.stage not in (ReviewStage.COMPLETED, ReviewStage.CANCELLED)]
        assert len(live) == 1, plan.pk
        review = live[0]
        stages[review.stage] += 1
        assert plan.next_review_due == review.due_date
        actual = Counter(
            open_steps(plan=plan)
            .exclude(kind=StepKind.PHASE_TRANSFER)
            .values_list("kind", flat=True)
        )
        assert actual == expected_review_steps(review), (plan.pk, review.stage)
        assert not open_steps(plan=plan, request__isnull=False).exists()
        transfers = open_steps(plan=plan, kind=StepKind.PHASE_TRANSFER).select_related("review")
        for step in transfers:
            assert step.review.phase_transfer
            assert step.due_date == step.review.phase_transfer_deadline
            if step.review_id != review.pk:
                # an amendment that named no setting leaves the transfer open, as the
                # services do
                assert step.review.outcome == ReviewOutcome.AMEND
                assert step.review.new_setting_id is None
        if review.phase_transfer_deadline is not None and review.stage != ReviewStage.COMPLETED:
            assert transfers.filter(review=review).count() == 1
        held = [r for r in reviews if r.meeting_date is not None]
        assert plan.last_review_date == (max(r.meeting_date for r in held) if held else None)
        decided = [r for r in reviews if r.decision_date is not None]
        if decided:
            latest = max(decided, key=lambda r: r.meeting_date)
            assert plan.last_review_outcome == latest.outcome
    assert stages[ReviewStage.SCHEDULED] > 0
    assert stages[ReviewStage.SCHEDULED] < sum(stages.values())


def test_reviews_follow_the_annual_cycle_and_its_limits(halton):
    area = halton.area
    plans = Plan.objects.filter(area=area).exclude(status=PlanStatus.DRAFT)
    for plan in plans.select_related("child").prefetch_related("reviews__steps"):
        born = plan.child.date_of_birth
        reviews = sorted(plan.reviews.all(), key=lambda r: (r.due_date, r.pk))
        assert reviews, plan.pk
        assert reviews[0].due_date <= rules.annual_review_due(plan.start_date, date_of_birth=born)
        for before, after in itertools.pairwise(reviews):
            assert before.meeting_date is not None
            assert after.due_date <= rules.annual_review_due(
                before.meeting_date, date_of_birth=born
            )
            if not after.phase_transfer:
                assert after.due_date == rules.annual_review_due(
                    before.meeting_date, date_of_birth=born
                )
        for review in reviews:
            steps = {step.kind: step for step in review.steps.all()}
            assert steps[StepKind.REVIEW_MEETING].due_date == review.due_date
            if review.meeting_date is not None:
                meeting = review.meeting_date
                assert steps[StepKind.REVIEW_MEETING].completed_on == meeting
                assert steps[StepKind.REVIEW_REPORT].due_date == rules.review_report_due(meeting)
                assert steps[StepKind.REVIEW_DECISION].due_date == rules.review_decision_due(
                    meeting
                )
                assert review.prepares_for_adulthood == rules.prepares_for_adulthood(born, meeting)
                if review.invitations_sent_date is not None:
                    assert review.invitations_sent_date <= rules.review_notice_due(meeting)
            if review.outcome == ReviewOutcome.AMEND:
                assert steps[StepKind.AMENDED_PLAN].due_date == review.amended_plan_due
                version = PlanVersion.objects.get(review=review)
                if version.draft_served_date is not None:
                    assert review.amended_plan_due == rules.amended_plan_due(
                        version.draft_served_date, review.meeting_date
                    )
                if review.stage == ReviewStage.COMPLETED:
                    assert version.state == VersionState.ISSUED
                    assert version.issued_date == review.completed_date


def test_every_active_plan_has_an_issued_version_naming_the_current_setting(halton):
    area = halton.area
    plans = Plan.objects.filter(area=area, status=PlanStatus.ACTIVE).select_related("child")
    for plan in plans:
        current = plan.versions.filter(state=VersionState.ISSUED).order_by("-number").first()
        assert current is not None, plan.pk
        placement = PlanPlacement.objects.get(version=current, rank=1)
        setting = (
            Placement.objects.filter(child=plan.child, end_date__isnull=True)
            .order_by("-start_date")
            .first()
        )
        if setting is not None:
            assert placement.setting_id == setting.setting_id, plan.pk
        elif placement.setting_id is not None:
            # no placement on record: the primary school the child's UPN says they joined
            assert placement.setting.laestab == plan.child.upn[1:8]
        else:
            assert placement.sen_setting
        assert Need.objects.filter(child=plan.child, rank=1, end_date__isnull=True).exists()
        for section in ("a", "b", "e", "f", "i", "k"):
            assert current.section_text(section).strip(), (plan.pk, section)
        assert current.lines.filter(section="f").exists()
        for line in current.lines.all():
            assert line.commissioner in ehc_commissioners(line.section)
    versions = PlanVersion.objects.filter(plan__area=area)
    assert versions.filter(kind="amendment", state=VersionState.ISSUED).exists()
    assert ProvisionLine.objects.filter(version__plan__area=area, section="g").exists()
    assert ProvisionLine.objects.filter(version__plan__area=area, annual_cost__gt=0).exists()


def ehc_commissioners(section):
    from opensend.ehc.models import SECTION_COMMISSIONERS, PlanSection

    return SECTION_COMMISSIONERS[PlanSection(section)]


def test_one_live_plan_per_child_and_the_childs_status_agrees(halton):
    area = halton.area
    live = Counter(
        Plan.objects.filter(
            area=area, status__in=[PlanStatus.ACTIVE, PlanStatus.DRAFT]
        ).values_list("child_id", flat=True)
    )
    assert max(live.values()) == 1
    active = set(
        Plan.objects.filter(area=area, status=PlanStatus.ACTIVE).values_list("child_id", flat=True)
    )
    with_plans = set(
        Child.objects.filter(area=area, sen_status=SENStatus.EHC_PLAN).values_list("pk", flat=True)
    )
    assert active == with_plans
    for plan in Plan.objects.filter(area=area, status=PlanStatus.ACTIVE):
        period = SENStatusPeriod.objects.get(
            child_id=plan.child_id, status=SENStatus.EHC_PLAN, end_date__isnull=True
        )
        assert period.start_date == plan.start_date
    drafts = Plan.objects.filter(area=area, status=PlanStatus.DRAFT).select_related("child")
    for plan in drafts:
        assert plan.child.sen_status == SENStatus.SEN_SUPPORT
    open_requests = Counter(
        AssessmentRequest.objects.filter(area=area, stage__in=OPEN_REQUEST_STAGES).values_list(
            "child_id", flat=True
        )
    )
    assert not open_requests or max(open_requests.values()) == 1
    assert not AssessmentRequest.objects.filter(
        area=area, stage__in=OPEN_REQUEST_STAGES, child__sen_status=SENStatus.EHC_PLAN
    ).exists()


def test_nothing_happens_after_the_reference_date(sefton):
    area = sefton.area
    dated = {
        AssessmentRequest: (
            "received_date",
            "decision_date",
            "issue_decision_date",
            "final_issued_date",
            "closed_date",
        ),
        AdviceRequest: ("requested_date", "returned_date"),
        TimeLimitException: ("start_date", "end_date"),
        Plan: ("start_date", "last_review_date", "ceased_date", "cease_notice_date"),
        PlanVersion: ("draft_served_date", "comments_received_date", "issued_date"),
        Consultation: ("sent_date", "response_date"),
        AnnualReview: (
            "meeting_date",
            "invitations_sent_date",
            "report_received_date",
            "decision_date",
            "completed_date",
        ),
        Step: ("opened_on", "completed_on"),
        CaseEvent: ("event_date",),
        Involvement: ("start_date",),
    }
    paths = {
        AdviceRequest: "request__area",
        TimeLimitException: "request__area",
        PlanVersion: "plan__area",
        Consultation: "version__plan__area",
        AnnualReview: "plan__area",
        Involvement: "child__area",
    }
    for model, fields in dated.items():
        rows = model._default_manager.filter(**{paths.get(model, "area"): area})
        assert rows.exists(), model
        for name in fields:
            assert not rows.filter(**{f"{name}__gt": REFERENCE}).exists(), (model, name)
    steps = Step.objects.filter(area=area)
    for step in steps.exclude(completed_on__isnull=True).only("opened_on", "completed_on"):
        assert step.completed_on >= step.opened_on
    requests = AssessmentRequest.objects.filter(area=area)
    for request in requests:
        order = [
            request.received_date,
            request.decision_date,
            request.issue_decision_date,
            request.final_issued_date,
        ]
        known = [day for day in order if day is not None]
        assert known == sorted(known), request.pk
    for advice in AdviceRequest.objects.filter(request__area=area).select_related("request"):
        assert advice.requested_date >= advice.request.decision_date
        if advice.returned_date and advice.request.issue_decision_date:
            assert advice.returned_date <= advice.request.issue_decision_date
    for version in PlanVersion.objects.filter(plan__area=area, state=VersionState.ISSUED):
        assert version.draft_served_date is None or version.issued_date >= version.draft_served_date
        if version.draft_served_date and version.issued_date < version.comments_due:
            assert version.comments_received_date is not None


def test_case_events_tell_the_story_of_each_case(halton):
    area = halton.area
    for request in AssessmentRequest.objects.filter(area=area, kind=RequestKind.NEW):
        actions = set(CaseEvent.objects.filter(request=request).values_list("action", flat=True))
        assert "request_received" in actions
        if request.stage == RequestStage.FINAL_ISSUED:
            assert {"assess_decided", "issue_decided", "draft_issued", "final_issued"} <= actions
    reviews_held = AnnualReview.objects.filter(plan__area=area, meeting_date__isnull=False)
    meetings = CaseEvent.objects.filter(area=area, action="review_meeting")
    assert meetings.count() == reviews_held.count()
    assert CaseEvent.objects.filter(area=area, action="plan_transferred_in").count() == (
        AssessmentRequest.objects.filter(area=area, kind=RequestKind.TRANSFER_IN).count()
    )


def test_exceptions_are_valid_and_suspend_the_statutory_steps(sefton):
    area = sefton.area
    exceptions = TimeLimitException.objects.filter(request__area=area).select_related("request")
    assert exceptions.exists()
    for exception in exceptions:
        request = exception.request
        assert request.has_exception
        assert exception.start_date >= request.received_date
        assert (
            rules.exception_problems(
                rules.ExceptionKind(exception.kind),
                start=exception.start_date,
                end=exception.end_date,
            )
            == []
        )
        for step in Step.objects.filter(request=request, kind__in=EXCEPTION_STEP_KINDS):
            recorded_while_open = step.completed_on is None or step.completed_on > (
                exception.start_date
            )
            assert step.suspended == recorded_while_open, step.kind
    assert not AssessmentRequest.objects.filter(
        area=area, has_exception=True, exceptions__isnull=True
    ).exists()
    assert not Step.objects.filter(
        area=area, suspended=True, request__has_exception=False, advice__isnull=True
    ).exists()


def test_advice_asked_of_a_health_trust_makes_it_involved(sefton):
    area = sefton.area
    outstanding = AdviceRequest.objects.filter(
        request__area=area,
        status=AdviceStatus.REQUESTED,
        organisation__kind="nhs_trust",
    ).select_related("request")
    assert outstanding.exists()
    for advice in outstanding:
        assert Involvement.objects.filter(
            child_id=advice.request.child_id,
            organisation_id=advice.organisation_id,
            end_date__isnull=True,
        ).exists()
    made = Involvement.objects.filter(child__area=area, kind=InvolvementKind.ADVICE_REQUEST)
    assert made.exists()
    assert not made.filter(organisation__kind="local_authority").exists()


# --- ceased plans ------------------------------------------------------------------------


def test_young_people_who_left_have_ceased_plans_that_could_lawfully_cease(sefton):
    area = sefton.area
    ceased = Plan.objects.filter(area=area, status=PlanStatus.CEASED).select_related("child")
    assert ceased.count() == sefton.ehc["ceased_leavers"] > 0
    reasons = Counter(ceased.values_list("cease_reason", flat=True))
    assert len(reasons) >= 3
    for plan in ceased:
        child = plan.child
        assert REFERENCE - dt.timedelta(days=731) <= plan.ceased_date <= REFERENCE
        assert plan.next_review_due is None
        assert not open_steps(plan=plan).exists()
        assert not plan.reviews.exclude(
            stage__in=[ReviewStage.COMPLETED, ReviewStage.CANCELLED]
        ).exists()
        after_review = plan.reviews.filter(outcome=ReviewOutcome.CEASE).exists()
        assert (
            rules.cease_problems(
                date_of_birth=child.date_of_birth,
                on=plan.ceased_date,
                reason=plan.cease_reason,
                review_shows_no_wish_to_return=after_review,
            )
            == []
        )
        if plan.cease_reason in (CeaseReason.HIGHER_EDUCATION, CeaseReason.EMPLOYMENT):
            assert after_review
        if plan.cease_reason == CeaseReason.TRANSFERRED:
            assert plan.transferred_out_to
        assert child.sen_status == SENStatus.NONE
        assert age_on(child.date_of_birth, REFERENCE) <= 24
        periods = list(child.sen_status_periods.order_by("start_date"))
        assert [p.status for p in periods] == ["N", "E", "N"]
        assert periods[1].start_date == plan.start_date
        assert periods[2].start_date == plan.ceased_date
        assert not child.needs.filter(end_date__isnull=True).exists()
        assert not child.placements.filter(end_date__isnull=True).exists()
        assert CaseEvent.objects.filter(plan=plan, action="plan_ceased").exists()
    assert set(ehc_children(area).values_list("pk", flat=True)) == set(
        ceased.values_list("child_id", flat=True)
    )


# --- calibration -------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "scale"), [("halton", 0.25), ("sefton", 0.15)])
def test_calibration_to_the_profiles_ehc_figures(key, scale):
    figures = PROFILES[key].ehc
    result = make(profile=key, scale=scale)
    area = result.area
    # New plans within 20 weeks, excluding exception cases, in each year of issue (by quota);
    # a plan whose request would have come before September 2014 starts then, and may
    # become on time.
    issued = AssessmentRequest.objects.filter(
        area=area, kind=RequestKind.NEW, stage=RequestStage.FINAL_ISSUED, has_exception=False
    )
    by_year: dict[int, list[bool]] = defaultdict(list)
    for final, due in issued.values_list("final_issued_date", "final_due"):
        by_year[final.year].append(final <= due)
    # (Plans issued in the first months of the reforms cannot be as late: a request cannot
    # come before September 2014, so some of 2014 and 2015 are on time.)
    years = [flags for year, flags in by_year.items() if year >= 2016]
    total = sum(len(flags) for flags in years)
    on_time = sum(sum(flags) for flags in years)
    assert abs(on_time - total * figures.within_20_weeks) <= len(years)
    for flags in years:
        assert abs(sum(flags) - len(flags) * figures.within_20_weeks) <= 1
    # The app's own figures agree (computed in the database).
    year = REFERENCE.year - 1
    months = selectors.twenty_week_rates(
        area=area, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
    )
    excluding = sum(m.issued_excluding_exceptions for m in months)
    assert excluding == len(by_year[year])
    assert (
        abs(
            sum(m.on_time_excluding_exceptions for m in months)
            - excluding * figures.within_20_weeks
        )
        <= 1.5
    )
    # Refusals among the decisions on requests of the last 15 months.
    window = AssessmentRequest.objects.filter(
        area=area,
        kind=RequestKind.NEW,
        received_date__gte=REFERENCE - dt.timedelta(days=ehc.WINDOW_DAYS),
        decision_date__isnull=False,
    )
    decided = window.count()
    refused = window.filter(stage=RequestStage.NOT_ASSESSING).count()
    assert decided > 20
    assert abs(refused - decided * figures.refused) <= 1.5
    assert result.ehc["refused"] == pytest.approx(refused / decided, abs=1e-4)
    # Annual review meetings held on time in the last 12 months (drawn one by one).
    held = AnnualReview.objects.filter(
        plan__area=area, meeting_date__gt=REFERENCE - dt.timedelta(days=365)
    )
    on_time_reviews = sum(1 for m, d in held.values_list("meeting_date", "due_date") if m <= d)
    assert held.count() > 40
    assert on_time_reviews / held.count() == pytest.approx(figures.reviews_on_time, abs=0.1)
    # Requests in a year, against the profile's rate per plan.
    requests = AssessmentRequest.objects.filter(
        area=area,
        kind=RequestKind.NEW,
        received_date__gt=REFERENCE - dt.timedelta(days=365),
        received_date__lte=REFERENCE,
    ).count()
    plans = result.by_status["E"]
    assert requests == pytest.approx(figures.requests_per_plan * plans, rel=0.35)
    withdrawn = AssessmentRequest.objects.filter(area=area, stage=RequestStage.WITHDRAWN).count()
    assert withdrawn <= 2 + 2 * WITHDRAWN_SHARE * requests


def test_sefton_carries_its_seed_ehc_figures():
    sefton = PROFILES["sefton"].ehc
    assert sefton.within_20_weeks == 0.18
    assert sefton.refused == pytest.approx(277 / 602)
    assert sefton.reviews_on_time == 0.444
    assert sefton.requests_per_plan == pytest.approx(602 / 2243)
    national = PROFILES["halton"].ehc
    assert national.within_20_weeks == 0.464
    assert national.refused == 0.252
    assert national.requests_per_plan == pytest.approx(154_489 / 638_745)
    for profile in PROFILES.values():
        assert profile.ehc.within_20_weeks_source
        assert profile.ehc.refused_source
        assert profile.ehc.reviews_source


# --- the timeline of a request (pure) ------------------------------------------------------


@pytest.mark.parametrize("final", [9, 30, 45, 60, 95, 120, 140, 141, 200, 440])
@pytest.mark.parametrize("late", [False, True])
def test_the_steps_of_a_request_come_in_order(final, late):
    rng = random.Random(final)
    for _ in range(200):
        timing = ehc._timing(rng, final, late)
        assert 1 <= timing.decide <= timing.advice < timing.issue < timing.draft < final
        assert timing.final == final
        if final >= 90:
            assert 15 <= final - timing.draft <= 30
            assert timing.decide <= 75


# --- the same every time -------------------------------------------------------------------

#: The digest of ``halton`` at scale 0.01, seed 1, on 15 January 2026, without what the EHC
#: stage added: the earlier stages' golden digest (test_generator.GOLDEN_DIGEST before the
#: stage), so adding the stage changed nothing they generate.
EARLIER_STAGES_DIGEST = "c4b753505247742587b42a00bfddab2a8190a00ec170cb6869659eb80ac1aaf2"
#: The digest of the same area with its EHC cases: the same on SQLite and PostgreSQL.
GOLDEN_EHC_DIGEST = "aa7f540116e2648fc7d32a63548d8fbf4191b9fbad566ca910d54f3cf4fdadb8"


def test_the_stage_leaves_the_earlier_stages_as_they_were_on_every_database():
    result = make(scale=0.01, seed=1)
    assert area_digest(result.area, ehc=False) == EARLIER_STAGES_DIGEST
    assert area_digest(result.area) == GOLDEN_EHC_DIGEST


def test_the_same_seed_gives_the_same_cases_and_another_seed_does_not():
    first = make(scale=0.05, seed=21)
    digest = area_digest(first.area)
    assert first.ehc == make(scale=0.05, seed=21, replace=True).ehc
    assert area_digest(first.area) == digest
    make(scale=0.05, seed=22, replace=True)
    assert area_digest(first.area) != digest


def test_replace_clears_the_cases_of_the_area():
    first = make(scale=0.03, seed=3)
    old_plans = set(Plan.objects.filter(area=first.area).values_list("pk", flat=True))
    second = make(scale=0.03, seed=4, replace=True)
    assert not Plan.objects.filter(pk__in=old_plans).exists()
    assert Step.objects.filter(area=second.area).exists()
    assert not Step.objects.exclude(child__area=second.area).filter(area=second.area).exists()
    generator.clear_area(second.area)
    for model, path in (
        (Step, "area"),
        (CaseEvent, "area"),
        (AssessmentRequest, "area"),
        (Plan, "area"),
        (PlanVersion, "plan__area"),
    ):
        assert not model._default_manager.filter(**{path: second.area}).exists(), model


def test_the_area_keeps_its_day_counting_setting_when_regenerated():
    first = make(scale=0.03, seed=5)
    Area.objects.filter(pk=first.area.pk).update(ehc_day_counting=DayCounting.RECEIPT_IS_DAY_1)
    second = make(scale=0.03, seed=5, replace=True)
    requests = AssessmentRequest.objects.filter(area=second.area)
    assert requests.exists()
    for request in requests:
        assert request.final_due == rules.final_plan_due(
            request.received_date, DayCounting.RECEIPT_IS_DAY_1
        )
        assert request.decision_due == rules.decision_to_assess_due(
            request.received_date, DayCounting.RECEIPT_IS_DAY_1
        )
    for advice in AdviceRequest.objects.filter(request__area=second.area):
        assert advice.due_date == rules.advice_due(
            advice.requested_date, DayCounting.RECEIPT_IS_DAY_1
        )


# --- the rows are valid ----------------------------------------------------------------------


def test_every_generated_row_passes_model_validation(halton):
    area = halton.area
    querysets = {
        AssessmentRequest: AssessmentRequest.objects.filter(area=area),
        TimeLimitException: TimeLimitException.objects.filter(request__area=area),
        AdviceRequest: AdviceRequest.objects.filter(request__area=area),
        Plan: Plan.objects.filter(area=area),
        PlanVersion: PlanVersion.objects.filter(plan__area=area),
        ProvisionLine: ProvisionLine.objects.filter(version__plan__area=area),
        PlanPlacement: PlanPlacement.objects.filter(version__plan__area=area),
        Consultation: Consultation.objects.filter(version__plan__area=area),
        AnnualReview: AnnualReview.objects.filter(plan__area=area),
        Step: Step.objects.filter(area=area),
        CaseEvent: CaseEvent.objects.filter(area=area),
    }
    for model, rows in querysets.items():
        assert rows.exists(), model
        for row in rows[:400]:
            row.full_clean(validate_unique=False, validate_constraints=False)


def test_the_summary_reports_the_ehc_histories(halton):
    text = "\n".join(summary_lines(halton))
    assert "EHC histories" in text
    assert "New plans within 20 weeks" in text
    assert "ehc.Step" in text


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_coordinator_has_a_caseload(halton):
    area = halton.area
    demo.demo_users_reset(area=area, password=demo.new_password())
    coordinator = Membership.objects.get(
        user__email=f"coordinator@{demo.DEMO_DOMAIN}", organisation__home_area=area
    ).user
    requests = AssessmentRequest.objects.filter(area=area, coordinator=coordinator)
    plans = Plan.objects.filter(area=area, coordinator=coordinator)
    assert requests.filter(stage__in=OPEN_REQUEST_STAGES).exists()
    assert plans.filter(status=PlanStatus.ACTIVE).exists()
    mine = selectors.my_steps(user=coordinator, today=timezone.localdate())
    assert mine.exists()
    assert not mine.exclude(Q(holder_user=coordinator) | Q(holder_organisation__isnull=False))
    kinds = set(mine.values_list("kind", flat=True))
    assert StepKind.REVIEW_MEETING in kinds
    # the second reset gives the same caseload, not a bigger one
    before = (requests.count(), plans.count())
    demo.demo_users_reset(area=area, password=demo.new_password())
    assert (requests.count(), plans.count()) == before
    # the health practitioner sees the advice asked of the trust
    health = Membership.objects.get(user__email=f"health@{demo.DEMO_DOMAIN}").user
    asked = selectors.advice_for_organisations(user=health, today=timezone.localdate())
    assert (
        asked.exists()
        or not AdviceRequest.objects.filter(
            request__area=area,
            status=AdviceStatus.REQUESTED,
            organisation__ods_code__endswith="C",
        ).exists()
    )


# --- the expectations above are the services' own behaviour --------------------------------


def test_the_expected_open_steps_are_what_the_services_leave_open(area):
    """Take one case through the services and check, at every stage, that the open steps the
    tests above expect of generated cases are those the services leave open."""
    from opensend.core.tests.factories import SettingFactory
    from opensend.ehc import services
    from opensend.ehc.tests import factories as cases
    from opensend.people.tests.factories import ChildFactory

    def check_request(request):
        request.refresh_from_db()
        actual = Counter(
            open_steps(request=request).values_list("kind", "advice_id", "consultation_id")
        )
        assert actual == expected_request_steps(request), request.stage

    def check_review(review):
        review.refresh_from_db()
        actual = Counter(
            open_steps(plan=review.plan)
            .exclude(kind=StepKind.PHASE_TRANSFER)
            .values_list("kind", flat=True)
        )
        assert actual == expected_review_steps(review), review.stage

    child = ChildFactory(area=area, date_of_birth=dt.date(2012, 3, 14))
    request = cases.received(child)
    check_request(request)
    cases.assessing(request)
    check_request(request)
    advice = cases.advice_sent(request)
    check_request(request)
    services.exception_record(
        acting_user=None,
        request=request,
        kind=rules.ExceptionKind.PERSONAL_CIRCUMSTANCES,
        start_date=advice.requested_date,
        end_date=None,
        description="In hospital.",
    )
    assert all(
        step.suspended for step in open_steps(request=request, kind__in=EXCEPTION_STEP_KINDS)
    )
    cases.advice_returned(advice)
    services.request_decide_to_issue(
        acting_user=None,
        request=request,
        decision_date=advice.requested_date + dt.timedelta(weeks=6),
        issue=True,
    )
    check_request(request)
    version = cases.draft_issued(request)
    check_request(request)
    setting = SettingFactory(home_area=area)
    services.consultation_send(
        acting_user=None, version=version, setting=setting, sent_date=version.draft_served_date
    )
    check_request(request)
    plan = cases.final_issued(version, setting=setting)
    check_request(request)
    review = plan.reviews.get(stage=ReviewStage.SCHEDULED)
    check_review(review)
    meeting = review.due_date - dt.timedelta(days=10)
    services.review_hold_meeting(acting_user=None, review=review, meeting_date=meeting)
    check_review(review)
    services.review_receive_report(
        acting_user=None, review=review, received_date=meeting, summary="Progress."
    )
    check_review(review)
    services.review_decide(
        acting_user=None,
        review=review,
        decision_date=meeting + dt.timedelta(days=7),
        outcome=ReviewOutcome.AMEND,
        reasons="Outcomes out of date.",
    )
    check_review(review)
    amendment = PlanVersion.objects.get(review=review)
    services.draft_issue(
        acting_user=None, version=amendment, served_date=meeting + dt.timedelta(days=8)
    )
    check_review(review)
    services.draft_record_comments(
        acting_user=None,
        version=amendment,
        received_date=meeting + dt.timedelta(days=10),
        comments="Agreed.",
    )
    check_review(review)
    services.plan_issue_final(
        acting_user=None, version=amendment, issued_date=meeting + dt.timedelta(days=12)
    )
    check_review(plan.reviews.get(stage=ReviewStage.SCHEDULED))
