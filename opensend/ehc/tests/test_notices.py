"""Reminders about EHC steps: what a notice says (a table over every kind of step), who hears,
and that running the reminders again, or after a failed send, sends nothing twice.

Cases are built through the services (``factories``); the case in most tests was received on
Monday 6 January 2025, so its decision whether to assess is due on Monday 17 February 2025.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import cast

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.models import DBTaskResult

from opensend.core import mail
from opensend.core.models import AccessAction, AccessLogEntry, Organisation, User
from opensend.core.roles import CATALOGUE, OrganisationKind, Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    staff,
)
from opensend.ehc import notices, rules, services
from opensend.ehc.models import (
    AdviceRequest,
    AdviceType,
    AnnualReview,
    AssessmentRequest,
    Consultation,
    Notice,
    NoticeKind,
    Plan,
    RequestKind,
    Step,
    StepKind,
)
from opensend.ehc.notices import Route, compose, send_step_reminders
from opensend.ehc.tasks import send_step_reminders_task
from opensend.ehc.tests.factories import (
    advice_sent,
    assessing,
    draft_issued,
    drafting,
    received,
)
from opensend.people.models import Child
from opensend.people.tests.factories import ChildFactory

BASE = "https://opensend.example"
DECISION_DUE = dt.date(2025, 2, 17)  # 6 weeks after Monday 6 January 2025
THREE_DAYS_BEFORE = dt.date(2025, 2, 14)


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()
    yield
    mail.outbox.clear()


# --- What a notice says: pure, no database ----------------------------------------------------

DUE = dt.date(2026, 2, 16)  # a Monday
DUE_WORDS = "Monday 16 February 2026"
SOON = dt.date(2026, 2, 13)  # 3 days before
LATE = dt.date(2026, 2, 21)  # 5 days after


def _child() -> Child:
    return Child(forename="Alex", surname="Taylor", date_of_birth=dt.date(2015, 3, 14))


def _trust() -> Organisation:
    return Organisation(
        pk=7, name="Halford Vale Community Health NHS Trust", kind=OrganisationKind.NHS_TRUST
    )


def _school() -> Organisation:
    return Organisation(pk=8, name="Brook Lane Primary School", kind=OrganisationKind.SCHOOL)


def _step(kind: StepKind, **parts: object) -> Step:
    """A step held in memory with the rows it refers to, as ``select_related`` loads them."""
    step = Step(kind=kind, child=_child(), opened_on=dt.date(2026, 1, 5), due_date=DUE)
    for name, value in parts.items():
        setattr(step, name, value)
    return step


def _request(kind: RequestKind = RequestKind.NEW) -> AssessmentRequest:
    return AssessmentRequest(pk=123, kind=kind)


def _plan() -> Plan:
    return Plan(pk=45)


def _review(transfer: str = "") -> AnnualReview:
    return AnnualReview(
        pk=13,
        phase_transfer=transfer,
        transfer_date=dt.date(2026, 9, 1) if transfer else None,
    )


# kind, how to build the step, route, subject title, a phrase of the action, the regulation,
# the page linked, a detail of the step the body must give
CASES = [
    (
        "decide_to_assess",
        lambda: _step(StepKind.DECIDE_TO_ASSESS, request=_request()),
        Route.HOLDER,
        "decision whether to assess for case R000123",
        "Decide whether to carry out an EHC needs assessment",
        "Regs 4(1), 5(1)",
        "/ehc/requests/123/",
        "Step started: Monday 5 January 2026",
    ),
    (
        "health_advice",
        lambda: _step(
            StepKind.ADVICE,
            request=_request(),
            holder_organisation=_trust(),
            advice=AdviceRequest(
                pk=9,
                advice_type=AdviceType.HEALTH,
                organisation=_trust(),
                requested_date=dt.date(2026, 1, 5),
            ),
        ),
        Route.ORGANISATION,
        "health advice for case R000123",
        "Send your advice for the EHC needs assessment",
        "Reg 8(1)",
        "/ehc/advice/9/return/",
        "Asked of: Halford Vale Community Health NHS Trust, on Monday 5 January 2026",
    ),
    (
        "family_advice",
        lambda: _step(
            StepKind.ADVICE,
            request=_request(),
            advice=AdviceRequest(
                pk=10, advice_type=AdviceType.PARENT, requested_date=dt.date(2026, 1, 5)
            ),
        ),
        Route.HOLDER,
        "the family's advice for case R000123",
        "Record the family's advice",
        "Reg 8(1)",
        "/ehc/advice/10/return/",
        "Asked of: the family",
    ),
    (
        "decide_to_issue",
        lambda: _step(StepKind.DECIDE_TO_ISSUE, request=_request()),
        Route.HOLDER,
        "decision whether to issue a plan for case R000123",
        "Decide whether to issue an EHC plan",
        "Reg 10(1)",
        "/ehc/requests/123/",
        "Step started",
    ),
    (
        "draft_plan",
        lambda: _step(StepKind.DRAFT_PLAN, request=_request(), plan=_plan()),
        Route.HOLDER,
        "draft plan for case R000123",
        "Finish the draft plan and send it to the family",
        "good-practice target, not a statutory limit",
        "/ehc/requests/123/",
        "Step started",
    ),
    (
        "draft_comments",
        lambda: _step(StepKind.DRAFT_COMMENTS, request=_request(), plan=_plan()),
        Route.HOLDER,
        "family's comments on the draft for case R000123",
        "Record the family's comments",
        "Reg 13(1)",
        "/ehc/requests/123/",
        "Step started",
    ),
    (
        "amendment_comments",
        lambda: _step(StepKind.DRAFT_COMMENTS, plan=_plan(), review=_review()),
        Route.HOLDER,
        "family's comments on the proposed amendments for case P000045",
        "Record the family's comments",
        "Reg 22(2)(c)",
        "/ehc/plans/45/",
        "Step started",
    ),
    (
        "consultation",
        lambda: _step(
            StepKind.CONSULTATION,
            request=_request(),
            plan=_plan(),
            holder_organisation=_school(),
            consultation=Consultation(pk=11, setting=_school(), sent_date=dt.date(2026, 2, 2)),
        ),
        Route.ORGANISATION,
        "reply to a consultation about a place for case R000123",
        "whether your school or college can meet the child's needs",
        "CoP 9.83",
        "/ehc/my-cases/",
        "Setting consulted: Brook Lane Primary School, on Monday 2 February 2026",
    ),
    (
        "final_plan",
        lambda: _step(StepKind.FINAL_PLAN, request=_request()),
        Route.HOLDER,
        "final plan for case R000123",
        "Issue the final EHC plan",
        "Reg 13(2)",
        "/ehc/requests/123/",
        "Step started",
    ),
    (
        "final_plan_after_reassessment",
        lambda: _step(StepKind.FINAL_PLAN, request=_request(RequestKind.REASSESSMENT)),
        Route.HOLDER,
        "final plan for case R000123",
        "Issue the final EHC plan",
        "Reg 27(2)",
        "/ehc/requests/123/",
        "Step started",
    ),
    (
        "review_meeting",
        lambda: _step(StepKind.REVIEW_MEETING, plan=_plan(), review=_review()),
        Route.HOLDER,
        "annual review meeting for case P000045",
        "Hold the annual review meeting",
        "CFA s.44(1)",
        "/ehc/plans/45/",
        "Step started",
    ),
    (
        "review_report",
        lambda: _step(StepKind.REVIEW_REPORT, plan=_plan(), review=_review()),
        Route.HOLDER,
        "annual review report for case P000045",
        "Record the review report",
        "Regs 20, 21(7)",
        "/ehc/plans/45/",
        "Step started",
    ),
    (
        "review_decision",
        lambda: _step(StepKind.REVIEW_DECISION, plan=_plan(), review=_review()),
        Route.HOLDER,
        "decision after the annual review for case P000045",
        "Decide whether to keep, amend or cease the plan",
        "Devon CC [2022]",
        "/ehc/plans/45/",
        "Step started",
    ),
    (
        "amended_plan",
        lambda: _step(StepKind.AMENDED_PLAN, plan=_plan(), review=_review()),
        Route.HOLDER,
        "amended plan for case P000045",
        "Issue the final amended plan",
        "Reg 22(3)",
        "/ehc/plans/45/",
        "Step started",
    ),
    (
        "phase_transfer",
        lambda: _step(
            StepKind.PHASE_TRANSFER,
            plan=_plan(),
            review=_review(rules.PhaseTransfer.PRIMARY_TO_SECONDARY),
        ),
        Route.HOLDER,
        "phase transfer for case P000045",
        "names the school, college or other setting for the move",
        "Reg 18(1)(b)",
        "/ehc/plans/45/",
        "Move: Primary to secondary school, moving on Tuesday 1 September 2026",
    ),
    (
        "phase_transfer_to_post_16",
        lambda: _step(
            StepKind.PHASE_TRANSFER,
            plan=_plan(),
            review=_review(rules.PhaseTransfer.SECONDARY_TO_POST_16),
        ),
        Route.HOLDER,
        "phase transfer for case P000045",
        "names the school, college or other setting for the move",
        "Reg 18(1)(a)",
        "/ehc/plans/45/",
        "Move: Secondary school to post-16",
    ),
]


def test_the_table_covers_every_kind_of_step():
    assert {case[1]().kind for case in CASES} == set(StepKind)


@pytest.mark.parametrize(
    ("kind", "today", "prefix", "how_long", "changed"),
    [
        (NoticeKind.DUE_SOON, SOON, "Due in 3 days", "3 days left", "now due within 7 days"),
        (NoticeKind.OVERDUE, LATE, "Overdue", "5 days overdue", "now overdue"),
    ],
)
@pytest.mark.parametrize(
    ("build", "route", "title", "action", "regulation", "path", "detail"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_step_composes_a_notice_that_says_what_by_when(
    build, route, title, action, regulation, path, detail, kind, today, prefix, how_long, changed
):
    subject, body = compose(build(), kind, today, BASE, route=route)
    assert subject == f"{prefix}: {title}"
    for expected in (
        f"Due: {DUE_WORDS} ({how_long})",
        changed,
        "What is needed",
        action,
        "Time limit",
        regulation,
        f"Open it in OpenSEND: {BASE}{path}",
        detail,
        "(child's initials: AT)",
        "You are getting this",
    ):
        assert expected in body, expected
    assert "Alex" not in body
    assert "Taylor" not in body
    assert "new information" not in body


@pytest.mark.parametrize(
    ("today", "prefix", "how_long"),
    [
        (dt.date(2026, 2, 9), "Due in 7 days", "7 days left"),
        (dt.date(2026, 2, 15), "Due tomorrow", "due tomorrow, 1 day left"),
        (DUE, "Due today", "due today"),
        (dt.date(2026, 2, 17), "Overdue", "1 day overdue"),
        (dt.date(2026, 3, 18), "Overdue", "30 days overdue"),
    ],
)
def test_the_days_left_or_overdue_are_in_words(today, prefix, how_long):
    step = _step(StepKind.FINAL_PLAN, request=_request())
    kind = notices.notice_kind(DUE, today)
    assert kind is not None
    subject, body = compose(step, kind, today, BASE)
    assert subject.startswith(f"{prefix}: ")
    assert f"({how_long})" in body


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 2, 8), None),
        (dt.date(2026, 2, 9), NoticeKind.DUE_SOON),
        (DUE, NoticeKind.DUE_SOON),
        (dt.date(2026, 2, 17), NoticeKind.OVERDUE),
    ],
)
def test_notice_kind_matches_the_caseload_window(today, expected):
    assert notices.notice_kind(DUE, today) == expected
    status = rules.step_status(due=DUE, completed_on=None, today=today)
    assert (status == rules.StepStatus.ON_TIME) == (expected is None)


@pytest.mark.parametrize(
    ("step", "kind", "today", "message"),
    [
        (_step(StepKind.FINAL_PLAN, request=_request()), NoticeKind.OVERDUE, SOON, "not overdue"),
        (_step(StepKind.FINAL_PLAN, request=_request()), NoticeKind.DUE_SOON, LATE, "not due"),
        (
            _step(StepKind.FINAL_PLAN, request=_request(), due_date=None),
            NoticeKind.DUE_SOON,
            SOON,
            "no due date",
        ),
    ],
)
def test_compose_refuses_a_notice_that_would_not_be_true(step, kind, today, message):
    with pytest.raises(ValueError, match=message):
        compose(step, kind, today, BASE)


@pytest.mark.parametrize(
    ("route", "says", "path"),
    [
        (Route.HOLDER, "assigned to you", "/ehc/my-cases/"),
        (Route.ORGANISATION, "addressed to Brook Lane Primary School", "/ehc/my-cases/"),
        (
            Route.COORDINATOR,
            "nobody at Brook Lane Primary School can receive reminders",
            "/ehc/requests/123/",
        ),
        (Route.MANAGER, "Please give the case to a coordinator", "/ehc/requests/123/"),
    ],
)
def test_the_notice_says_why_the_person_gets_it(route, says, path):
    step = _step(
        StepKind.CONSULTATION,
        request=_request(),
        holder_organisation=_school(),
        consultation=Consultation(pk=11, setting=_school(), sent_date=dt.date(2026, 2, 2)),
    )
    _subject, body = compose(step, NoticeKind.DUE_SOON, SOON, BASE + "/", route=route)
    assert says in body
    if route != Route.ORGANISATION and route != Route.HOLDER:
        assert f"{BASE}{path}" in body


@pytest.mark.parametrize(
    ("names", "initials"),
    [
        ({"forename": "Alex", "surname": "Taylor"}, "AT"),
        ({"forename": "Alexander", "surname": "Taylor", "preferred_forename": "Sam"}, "ST"),
        ({"forename": "jo", "surname": "o'neill"}, "JO"),
        ({"forename": "Ana", "surname": "Ruiz", "preferred_surname": "Smith-Ruiz"}, "AS"),
    ],
)
def test_child_initials_use_the_name_the_child_is_known_by(names, initials):
    assert notices.child_initials(Child(**names)) == initials


def test_long_date():
    assert notices.long_date(dt.date(2026, 2, 1)) == "Sunday 1 February 2026"


# --- Who hears, and sending nothing twice: through the database ---------------------------


@pytest.fixture
def child(area):
    return ChildFactory(area=area, forename="Alex", surname="Taylor")


@pytest.fixture
def request_(child, coordinator):
    return received(child, coordinator=coordinator)


def _open_step(request: AssessmentRequest, kind: StepKind) -> Step:
    return Step.objects.get(request=request, kind=kind, completed_on__isnull=True)


def _sent_to(step: Step) -> set[str]:
    return set(
        Notice.objects.filter(step=step, sent_at__isnull=False).values_list("recipient", flat=True)
    )


def _deactivate(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def test_a_due_step_is_sent_to_its_holder_once(request_, coordinator):
    first = send_step_reminders(today=THREE_DAYS_BEFORE)
    assert (first.steps, first.sent, first.notices_created) == (1, 1, 1)
    [message] = mail.outbox
    assert message.to == coordinator.email
    assert message.subject == (
        f"Due in 3 days: decision whether to assess for case {request_.reference}"
    )
    assert "Monday 17 February 2025" in message.body
    assert f"{BASE}/ehc/requests/{request_.pk}/" in message.body
    notice = Notice.objects.get()
    assert notice.kind == NoticeKind.DUE_SOON
    assert notice.due_date == DECISION_DUE
    assert notice.sent_at is not None
    assert notice.provider_reference == message.provider_reference
    assert message.reference == f"opensend-notice-{notice.pk}"

    again = send_step_reminders(today=THREE_DAYS_BEFORE)
    next_day = send_step_reminders(today=THREE_DAYS_BEFORE + dt.timedelta(days=1))
    assert (again.sent, again.already_sent, again.notices_created) == (0, 1, 0)
    assert (next_day.sent, next_day.already_sent) == (0, 1)
    assert len(mail.outbox) == 1
    assert Notice.objects.count() == 1


def test_an_overdue_step_gets_its_own_notice_once(request_, coordinator):
    send_step_reminders(today=THREE_DAYS_BEFORE)
    late = send_step_reminders(today=DECISION_DUE + dt.timedelta(days=1))
    later = send_step_reminders(today=DECISION_DUE + dt.timedelta(days=8))
    assert (late.sent, later.sent) == (1, 0)
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Due in 3 days", "Overdue"]
    assert "1 day overdue" in mail.outbox[1].body
    assert sorted(Notice.objects.values_list("kind", flat=True)) == ["due_soon", "overdue"]


def test_a_step_not_yet_due_gets_nothing(request_):
    result = send_step_reminders(today=DECISION_DUE - dt.timedelta(days=8))
    assert (result.steps, result.sent) == (0, 0)
    assert not Notice.objects.exists()


def test_a_run_for_a_past_day_ignores_steps_opened_after_it(request_):
    step = _open_step(request_, StepKind.DECIDE_TO_ASSESS)
    Step.objects.filter(pk=step.pk).update(opened_on=THREE_DAYS_BEFORE + dt.timedelta(days=1))
    assert send_step_reminders(today=THREE_DAYS_BEFORE).steps == 0
    assert send_step_reminders(today=THREE_DAYS_BEFORE + dt.timedelta(days=1)).sent == 1


def test_a_new_due_date_makes_a_new_notice_due(request_, coordinator):
    send_step_reminders(today=THREE_DAYS_BEFORE)
    step = _open_step(request_, StepKind.DECIDE_TO_ASSESS)
    Step.objects.filter(pk=step.pk).update(due_date=DECISION_DUE + dt.timedelta(days=2))
    result = send_step_reminders(today=THREE_DAYS_BEFORE)
    assert result.sent == 1
    assert "Wednesday 19 February 2025" in mail.outbox[-1].body
    assert sorted(Notice.objects.values_list("due_date", flat=True)) == [
        DECISION_DUE,
        DECISION_DUE + dt.timedelta(days=2),
    ]


def test_sending_is_recorded_in_the_access_log(request_, child):
    send_step_reminders(today=THREE_DAYS_BEFORE)
    notice = Notice.objects.get()
    entry = AccessLogEntry.objects.get(object_type="ehc.notice", object_id=str(notice.pk))
    assert entry.action == AccessAction.EXPORT
    assert entry.actor is None
    assert entry.detail["recipient"] == notice.recipient
    assert list(entry.subjects.values_list("subject_type", "subject_id")) == [
        ("people.child", str(child.pk))
    ]


# who does the work an organisation is asked for
HEALTH = {Role.HEALTH_PRACTITIONER, Role.DESIGNATED_CLINICAL_OFFICER}
SOCIAL_CARE = {Role.SOCIAL_WORKER, Role.DESIGNATED_SOCIAL_CARE_OFFICER}
ROLE_CASES = [
    (AdviceType.HEALTH, OrganisationKind.NHS_TRUST, HEALTH),
    (AdviceType.HEALTH, OrganisationKind.ICB, HEALTH),
    (AdviceType.OTHER, OrganisationKind.NHS_TRUST, HEALTH),
    (AdviceType.SOCIAL_CARE, OrganisationKind.LOCAL_AUTHORITY, SOCIAL_CARE),
    (AdviceType.PSYCHOLOGICAL, OrganisationKind.LOCAL_AUTHORITY, {Role.EHC_COORDINATOR}),
    (AdviceType.EDUCATION, OrganisationKind.LOCAL_AUTHORITY, {Role.EHC_COORDINATOR}),
    (AdviceType.EDUCATION, OrganisationKind.SCHOOL, {Role.SENCO}),
    (AdviceType.OTHER, OrganisationKind.VOLUNTARY_PROVIDER, {Role.PROVIDER}),
]


@pytest.mark.parametrize(("advice_type", "organisation_kind", "expected_roles"), ROLE_CASES)
def test_advice_reaches_the_roles_that_give_it(
    area, local_authority, coordinator, child, advice_type, organisation_kind, expected_roles
):
    if organisation_kind == OrganisationKind.LOCAL_AUTHORITY:
        organisation = local_authority
    elif organisation_kind == OrganisationKind.SCHOOL:
        organisation = SettingFactory(home_area=area)
    else:
        organisation = OrganisationFactory(kind=organisation_kind, home_area=area)
    members = {
        role: staff(role, organisation)
        for role in Role
        if organisation.kind in CATALOGUE[role].organisation_kinds
    }
    request = assessing(received(child, coordinator=coordinator))
    advice = advice_sent(request, organisation=organisation, advice_type=advice_type)
    result = send_step_reminders(today=advice.due_date - dt.timedelta(days=2))
    step = Step.objects.get(advice=advice)
    expected = {members[role].email for role in expected_roles}
    if Role.EHC_COORDINATOR in expected_roles:
        expected.add(coordinator.email)  # the fixture is one of the council's coordinators too
    assert _sent_to(step) == expected
    assert result.sent == len(expected)
    assert all("addressed to" in m.body for m in mail.outbox)


def test_a_consultation_reaches_the_settings_sencos(area, child, coordinator):
    school = SettingFactory(home_area=area)
    senco = staff(Role.SENCO, school)
    staff(Role.BOARD_MEMBER, school)
    request = drafting(assessing(received(child, coordinator=coordinator)))
    version = draft_issued(request)
    assert version.draft_served_date is not None
    consultation = services.consultation_send(
        acting_user=None,
        version=version,
        setting=school,
        sent_date=version.draft_served_date + dt.timedelta(days=1),
    )
    send_step_reminders(today=consultation.response_due)
    step = Step.objects.get(consultation=consultation)
    assert _sent_to(step) == {senco.email}
    body = Notice.objects.get(step=step).body
    assert f"{BASE}/ehc/my-cases/" in body
    assert school.name in body


def test_staff_whose_membership_does_not_cover_the_area_are_not_told(area, child, coordinator):
    elsewhere = AreaFactory(name="Other Borough")
    trust = OrganisationFactory(
        kind=OrganisationKind.NHS_TRUST, home_area=area, areas=[area, elsewhere]
    )
    here = staff(Role.HEALTH_PRACTITIONER, trust, areas=[area])
    staff(Role.HEALTH_PRACTITIONER, trust, areas=[elsewhere])
    advice = advice_sent(assessing(received(child, coordinator=coordinator)), organisation=trust)
    send_step_reminders(today=advice.due_date)
    assert _sent_to(Step.objects.get(advice=advice)) == {here.email}


def test_inactive_staff_are_skipped(area, child, coordinator):
    trust = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, home_area=area)
    active = staff(Role.HEALTH_PRACTITIONER, trust)
    gone = staff(Role.DESIGNATED_CLINICAL_OFFICER, trust)
    _deactivate(gone)
    advice = advice_sent(assessing(received(child, coordinator=coordinator)), organisation=trust)
    send_step_reminders(today=advice.due_date)
    assert _sent_to(Step.objects.get(advice=advice)) == {active.email}


def test_nobody_at_the_organisation_so_the_coordinator_chases(area, child, coordinator):
    trust = OrganisationFactory(name="Quiet Hills NHS Trust", kind=OrganisationKind.NHS_TRUST)
    advice = advice_sent(assessing(received(child, coordinator=coordinator)), organisation=trust)
    send_step_reminders(today=advice.due_date + dt.timedelta(days=1))
    step = Step.objects.get(advice=advice)
    assert _sent_to(step) == {coordinator.email}
    body = Notice.objects.get(step=step).body
    assert "nobody at Quiet Hills NHS Trust can receive reminders" in body


@pytest.fixture
def manager(local_authority):
    return staff(Role.SEND_MANAGER, local_authority)


def test_a_step_nobody_holds_goes_to_the_areas_send_managers(area, child, manager):
    other_area = AreaFactory(name="Other Borough")
    other_council = OrganisationFactory(name="Other Council", home_area=other_area)
    staff(Role.SEND_MANAGER, other_council)
    request = received(child)  # no coordinator
    send_step_reminders(today=THREE_DAYS_BEFORE)
    step = _open_step(request, StepKind.DECIDE_TO_ASSESS)
    assert _sent_to(step) == {manager.email}
    assert "give the case to a coordinator" in mail.outbox[0].body


def test_an_inactive_holder_is_skipped_for_the_managers(child, coordinator, manager):
    request = received(child, coordinator=coordinator)
    _deactivate(coordinator)
    send_step_reminders(today=THREE_DAYS_BEFORE)
    assert _sent_to(_open_step(request, StepKind.DECIDE_TO_ASSESS)) == {manager.email}


def test_a_step_with_nobody_to_tell_is_counted_and_logged(child, coordinator, caplog):
    received(child, coordinator=coordinator)
    _deactivate(coordinator)
    with caplog.at_level(logging.WARNING, logger="opensend.ehc.notices"):
        result = send_step_reminders(today=THREE_DAYS_BEFORE)
    assert (result.steps, result.nobody_to_notify, result.sent) == (1, 1, 0)
    assert not Notice.objects.exists()
    assert "Nobody can be sent a reminder" in caplog.text


def test_suspended_cancelled_and_completed_steps_get_nothing(area, coordinator):
    suspended = received(ChildFactory(area=area), coordinator=coordinator)
    services.exception_record(
        acting_user=None,
        request=suspended,
        kind=rules.ExceptionKind.PERSONAL_CIRCUMSTANCES,
        start_date=dt.date(2025, 1, 20),
        end_date=None,
        description="A family bereavement.",
    )
    withdrawn = received(ChildFactory(area=area), coordinator=coordinator)
    services.request_withdraw(
        acting_user=None,
        request=withdrawn,
        withdrawn_date=dt.date(2025, 2, 3),
        reason="The family moved away.",
    )
    decided = received(ChildFactory(area=area), coordinator=coordinator)
    services.request_decide_to_assess(
        acting_user=None,
        request=decided,
        decision_date=dt.date(2025, 2, 3),
        assess=False,
        reasons="Needs are met at SEN support.",
    )
    for request in (suspended, withdrawn, decided):
        step = Step.objects.get(request=request, kind=StepKind.DECIDE_TO_ASSESS)
        assert step.due_date == DECISION_DUE
    result = send_step_reminders(today=DECISION_DUE + dt.timedelta(days=3))
    assert (result.steps, result.sent) == (0, 0)
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_advice_lifted_by_an_exception_gets_nothing(area, child, coordinator):
    trust = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, home_area=area)
    staff(Role.HEALTH_PRACTITIONER, trust)
    advice = advice_sent(assessing(received(child, coordinator=coordinator)), organisation=trust)
    services.advice_record_exception(
        acting_user=None,
        advice=advice,
        kind=rules.ExceptionKind.MISSED_APPOINTMENT,
        note="The appointment on 10 February was missed.",
    )
    send_step_reminders(today=advice.due_date + dt.timedelta(days=1))
    assert not Notice.objects.filter(step__advice=advice).exists()


class FailingSender:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str:
        self.calls += 1
        raise mail.SendError("GOV.UK Notify refused the message: 500 - internal error")


def test_a_failed_send_is_left_unsent_and_sent_next_run(request_, coordinator, caplog):
    failing = FailingSender()
    with caplog.at_level(logging.ERROR, logger="opensend.ehc.notices"):
        first = send_step_reminders(today=THREE_DAYS_BEFORE, sender=failing)
    assert (first.failed, first.sent, failing.calls) == (1, 0, 1)
    notice = Notice.objects.get()
    assert notice.sent_at is None
    assert notice.provider_reference == ""
    assert "will be retried next run" in caplog.text
    assert "Alex" not in caplog.text
    assert not AccessLogEntry.objects.filter(object_type="ehc.notice").exists()

    # the next run, a day later, sends the same notice with its text brought up to date
    second = send_step_reminders(today=THREE_DAYS_BEFORE + dt.timedelta(days=1))
    assert (second.sent, second.failed, second.notices_created) == (1, 0, 0)
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert Notice.objects.count() == 1
    [message] = mail.outbox
    assert message.subject.startswith("Due in 2 days:")
    assert notice.subject == message.subject
    assert send_step_reminders(today=THREE_DAYS_BEFORE).sent == 0


def test_a_notice_another_worker_has_sent_is_not_sent_again(request_):
    """Two workers: the second finds the row the first created and sent, and sends nothing."""
    send_step_reminders(today=THREE_DAYS_BEFORE)
    notice = Notice.objects.get()
    step = Step.objects.select_related("child").get(pk=notice.step_id)
    failing = FailingSender()
    outcome = notices._deliver(notice.pk, subject="S", body="B", step=step, sender=failing)
    assert outcome is None
    assert failing.calls == 0


def test_one_area_at_a_time(area, child, coordinator):
    received(child, coordinator=coordinator)
    elsewhere = AreaFactory(name="Other Borough")
    council = OrganisationFactory(name="Other Council", home_area=elsewhere)
    other_coordinator = staff(Role.EHC_COORDINATOR, council)
    received(ChildFactory(area=elsewhere), coordinator=other_coordinator)
    result = send_step_reminders(today=THREE_DAYS_BEFORE, area_id=elsewhere.pk)
    assert result.sent == 1
    assert [m.to for m in mail.outbox] == [other_coordinator.email]


def test_reminders_are_never_sent_as_of_a_day_in_the_future(request_):
    with pytest.raises(ValidationError, match="future"):
        send_step_reminders(today=dt.date.today() + dt.timedelta(days=1))


# --- The task and the command -----------------------------------------------------------------


def test_the_task_runs_in_process_on_the_immediate_backend(request_, coordinator):
    assert isinstance(send_step_reminders_task.get_backend(), ImmediateBackend)
    result = send_step_reminders_task.enqueue(today=THREE_DAYS_BEFORE.isoformat())
    assert result.status == TaskResultStatus.SUCCESSFUL
    counts = cast(dict[str, int], result.return_value)
    assert (counts["steps"], counts["sent"]) == (1, 1)
    assert [m.to for m in mail.outbox] == [coordinator.email]


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("ehc_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("now", [False, True])
def test_the_command_sends_for_one_area_as_on_a_day(request_, now):
    output = _command("--area", "990", "--date", "2025-02-14", *(["--now"] if now else []))
    assert "Reminders for Halford Vale (990) as on 14 February 2025" in output
    assert "notices sent: 1;" in output
    assert len(mail.outbox) == 1
    assert "notices sent: 0; already sent: 1" in _command("--date", "2025-02-14")


def test_the_command_queues_the_task_for_the_worker_on_the_database_backend(request_):
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        output = _command("--date", "2025-02-14")
    assert "queued as task" in output
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "opensend.ehc.tasks.send_step_reminders_task"
    assert queued.args_kwargs["kwargs"] == {"today": "2025-02-14", "area_id": None}
    assert mail.outbox == []
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area", "123"], "no area with LA code 123"),
        (["--date", "14/02/2025"], "YYYY-MM-DD"),
        (["--date", (dt.date.today() + dt.timedelta(days=1)).isoformat()], "future"),
    ],
)
def test_the_command_refuses_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message):
        _command(*args)
