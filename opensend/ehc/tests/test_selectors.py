"""The EHC selectors: step status computed in SQL (checked against the pure rule on a table of
steps), who holds which steps, the caseload filters, and the area's timeliness figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    grant,
    staff,
)
from opensend.ehc import rules, selectors, services
from opensend.ehc.models import (
    AdviceType,
    AssessmentRequest,
    RequestKind,
    RequestSource,
    RequestStage,
    Step,
    StepKind,
)
from opensend.ehc.rules import StepStatus
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

D = dt.date
TODAY = D(2025, 6, 11)  # a Wednesday
DAY = dt.timedelta(days=1)


@pytest.fixture
def today():
    """The real today: memberships start on the day they are granted, so a selector that works
    out the user's roles on a day needs a day they hold them."""
    return timezone.localdate()


def _step(child, *, due=None, completed=None, suspended=False, kind=StepKind.FINAL_PLAN, **kw):
    return Step.objects.create(
        area=child.area,
        child=child,
        kind=kind,
        opened_on=D(2025, 1, 6),
        due_date=due,
        completed_on=completed,
        suspended=suspended,
        **kw,
    )


# --- status: the SQL expression agrees with the pure rule, branch by branch ----------------

STATUS_CASES = [
    # (due, completed, suspended, expected)
    pytest.param(None, TODAY - 3 * DAY, False, StepStatus.MET, id="done-no-limit"),
    pytest.param(TODAY, TODAY - DAY, False, StepStatus.MET, id="done-early"),
    pytest.param(TODAY - DAY, TODAY - DAY, False, StepStatus.MET, id="done-on-the-day"),
    pytest.param(TODAY - 5 * DAY, TODAY - 4 * DAY, False, StepStatus.MET_LATE, id="done-late"),
    pytest.param(
        TODAY - 5 * DAY, TODAY - DAY, True, StepStatus.MET_LATE, id="done-late-under-exception"
    ),
    pytest.param(TODAY - 30 * DAY, None, True, StepStatus.SUSPENDED, id="open-suspended-past"),
    pytest.param(TODAY + 30 * DAY, None, True, StepStatus.SUSPENDED, id="open-suspended-future"),
    pytest.param(None, None, True, StepStatus.SUSPENDED, id="open-suspended-no-limit"),
    pytest.param(None, None, False, StepStatus.ON_TIME, id="open-no-limit"),
    pytest.param(TODAY - DAY, None, False, StepStatus.OVERDUE, id="due-yesterday"),
    pytest.param(TODAY - 200 * DAY, None, False, StepStatus.OVERDUE, id="long-overdue"),
    pytest.param(TODAY, None, False, StepStatus.DUE_THIS_WEEK, id="due-today"),
    pytest.param(
        TODAY + rules.DUE_SOON_DAYS * DAY,
        None,
        False,
        StepStatus.DUE_THIS_WEEK,
        id="due-on-the-last-soon-day",
    ),
    pytest.param(
        TODAY + (rules.DUE_SOON_DAYS + 1) * DAY,
        None,
        False,
        StepStatus.ON_TIME,
        id="due-the-day-after",
    ),
    pytest.param(TODAY + 100 * DAY, None, False, StepStatus.ON_TIME, id="due-far-ahead"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("due", "completed", "suspended", "expected"), STATUS_CASES)
def test_status_in_sql_is_the_rule(area, due, completed, suspended, expected):
    child = ChildFactory(area=area)
    step = _step(child, due=due, completed=completed, suspended=suspended)
    in_sql = (
        Step.objects.filter(pk=step.pk)
        .annotate(status=selectors.step_status_expression(TODAY))
        .values_list("status", flat=True)
        .get()
    )
    in_python = rules.step_status(due=due, completed_on=completed, today=TODAY, suspended=suspended)
    assert (in_sql, in_python) == (expected.value, expected)


@pytest.mark.django_db
def test_status_of_every_branch_at_once_and_counted_in_one_query(area, django_assert_num_queries):
    child = ChildFactory(area=area)
    expected = {}
    for case in STATUS_CASES:
        due, completed, suspended, status = case.values
        expected[_step(child, due=due, completed=completed, suspended=suspended).pk] = status
    annotated = Step.objects.filter(area=area).annotate(
        status=selectors.step_status_expression(TODAY)
    )
    assert dict(annotated.values_list("pk", "status")) == {
        pk: status.value for pk, status in expected.items()
    }
    with django_assert_num_queries(1):
        counts = selectors.status_counts(annotated)
    assert counts == {
        status.value: sum(1 for s in expected.values() if s == status) for status in StepStatus
    }


# --- who holds what ---------------------------------------------------------------------------


@pytest.fixture
def trust(area):
    return OrganisationFactory(
        name="Halford Vale Community Health NHS Trust",
        kind=OrganisationKind.NHS_TRUST,
        home_area=area,
    )


def _assessing(area, coordinator, **kwargs):
    return ehc.assessing(
        ehc.received(ChildFactory(area=area), coordinator=coordinator, **kwargs),
        acting_user=coordinator,
    )


@pytest.mark.django_db
def test_my_steps_are_the_steps_a_coordinator_holds(area, local_authority, coordinator, today):
    other = staff(Role.EHC_COORDINATOR, local_authority)
    mine = ehc.received(ChildFactory(area=area), coordinator=coordinator)
    ehc.received(ChildFactory(area=area), coordinator=other)
    steps = list(selectors.my_steps(user=coordinator, today=today))
    assert [(s.request_id, s.kind) for s in steps] == [(mine.pk, StepKind.DECIDE_TO_ASSESS)]
    assert steps[0].status == StepStatus.OVERDUE  # due 17 February 2025


@pytest.mark.django_db
def test_a_coordinator_no_longer_running_the_area_does_not_see_its_steps(
    area, local_authority, today
):
    from opensend.core.models import Membership

    leaver = staff(Role.EHC_COORDINATOR, local_authority)
    ehc.received(ChildFactory(area=area), coordinator=leaver)
    assert selectors.my_steps(user=leaver, today=today).count() == 1
    Membership.objects.filter(user=leaver).update(starts_on=today - 30 * DAY, ends_on=today - DAY)
    assert selectors.my_steps(user=leaver, today=today).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asked", "advice_type", "role", "sees"),
    [
        ("trust", AdviceType.HEALTH, Role.HEALTH_PRACTITIONER, True),
        ("trust", AdviceType.HEALTH, Role.DESIGNATED_CLINICAL_OFFICER, True),
        ("trust", AdviceType.HEALTH, Role.PROVIDER, False),
        ("icb", AdviceType.HEALTH, Role.HEALTH_PRACTITIONER, True),
        ("icb", AdviceType.HEALTH, Role.COMMISSIONER, False),
        ("icb", AdviceType.HEALTH, Role.ANALYST, False),
        ("council", AdviceType.SOCIAL_CARE, Role.SOCIAL_WORKER, True),
        ("council", AdviceType.SOCIAL_CARE, Role.DESIGNATED_SOCIAL_CARE_OFFICER, True),
        ("council", AdviceType.SOCIAL_CARE, Role.COMMISSIONER, False),
        ("council", AdviceType.SOCIAL_CARE, Role.EHC_COORDINATOR, False),
    ],
)
def test_advice_addressed_to_an_organisation_is_held_by_those_who_answer_it(
    area, local_authority, coordinator, trust, asked, advice_type, role, sees, today
):
    organisation = {
        "trust": trust,
        "icb": OrganisationFactory(kind=OrganisationKind.ICB, home_area=area),
        "council": local_authority,
    }[asked]
    request = _assessing(area, coordinator)
    advice = ehc.advice_sent(
        request, organisation=organisation, advice_type=advice_type, acting_user=coordinator
    )
    member = staff(role, organisation)
    steps = list(selectors.my_steps(user=member, today=today))
    assert [s.advice_id for s in steps] == ([advice.pk] if sees else [])
    listed = list(selectors.advice_for_organisations(user=member, today=today))
    assert listed == ([advice] if sees else [])
    # The coordinator holds the case's own steps, not the advice addressed to an organisation
    # (even their own council).
    assert StepKind.ADVICE not in {
        s.kind for s in selectors.my_steps(user=coordinator, today=today)
    }


@pytest.mark.django_db
def test_returned_advice_leaves_the_list_unless_asked_for(area, coordinator, trust, today):
    practitioner = staff(Role.HEALTH_PRACTITIONER, trust)
    advice = ehc.advice_returned(ehc.advice_sent(_assessing(area, coordinator), organisation=trust))
    assert selectors.my_steps(user=practitioner, today=today).count() == 0
    done = selectors.my_steps(
        user=practitioner, today=today, filters=selectors.StepFilters(include_done=True)
    )
    assert [(s.advice_id, s.status) for s in done] == [(advice.pk, StepStatus.MET)]
    assert list(selectors.advice_for_organisations(user=practitioner, today=today)) == []
    assert list(
        selectors.advice_for_organisations(user=practitioner, today=today, include_returned=True)
    ) == [advice]


@pytest.mark.django_db
def test_a_senco_holds_the_consultation_with_their_school(area, coordinator, today):
    request = ehc.drafting(_assessing(area, coordinator))
    version = ehc.draft_issued(request)
    school = SettingFactory(name="Halford Vale Primary School", home_area=area)
    senco = staff(Role.SENCO, school)
    consultation = services.consultation_send(
        acting_user=None, version=version, setting=school, sent_date=version.draft_served_date
    )
    steps = list(selectors.my_steps(user=senco, today=today))
    assert [(s.kind, s.consultation_id) for s in steps] == [
        (StepKind.CONSULTATION, consultation.pk)
    ]


@pytest.mark.django_db
def test_user_organisation_ids_by_role(area, local_authority, trust, today):
    user = staff(Role.COMMISSIONER, local_authority)
    grant(user, trust, Role.HEALTH_PRACTITIONER, Role.DESIGNATED_CLINICAL_OFFICER)
    assert sorted(selectors.user_organisation_ids(user, today)) == sorted(
        [local_authority.pk, trust.pk]
    )
    assert selectors.user_organisation_ids(user, today, selectors.ANSWERING_ROLES) == [trust.pk]
    assert selectors.user_organisation_ids(user, today, [Role.SENCO]) == []


# --- the area's caseload ----------------------------------------------------------------------


@pytest.fixture
def caseload(area, local_authority, coordinator, today):
    """Steps in every open status, held by two coordinators, and one done."""
    other = staff(Role.EHC_COORDINATOR, local_authority, full_name="Alex Other")
    child = ChildFactory(area=area)
    steps = {
        "overdue": _step(child, due=today - DAY, holder_user=coordinator),
        "soon": _step(child, due=today + 2 * DAY, holder_user=coordinator),
        "on_time": _step(child, due=today + 30 * DAY, holder_user=other),
        "no_limit": _step(child, due=None, holder_user=other, kind=StepKind.DRAFT_PLAN),
        "suspended": _step(child, due=today - 10 * DAY, suspended=True, holder_user=other),
        "done": _step(child, due=today - 10 * DAY, completed=today - 20 * DAY),
        "review": _step(
            child, due=today - 3 * DAY, holder_user=other, kind=StepKind.REVIEW_MEETING
        ),
    }
    elsewhere = ChildFactory(area=AreaFactory())
    _step(elsewhere, due=today - DAY)
    return {"steps": steps, "other": other}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["suspended", "review", "overdue", "soon", "on_time", "no_limit"]),
        ({"status": "overdue"}, ["review", "overdue"]),
        ({"status": "due_this_week"}, ["soon"]),
        ({"status": "on_time"}, ["on_time", "no_limit"]),
        ({"status": "suspended"}, ["suspended"]),
        ({"kind": StepKind.REVIEW_MEETING}, ["review"]),
        ({"kind": StepKind.FINAL_PLAN, "status": "overdue"}, ["overdue"]),
        ({"coordinator": "coordinator"}, ["overdue", "soon"]),
        ({"coordinator": "other", "status": "overdue"}, ["review"]),
        (
            {"include_done": True},
            ["suspended", "done", "review", "overdue", "soon", "on_time", "no_limit"],
        ),
    ],
)
def test_area_steps_filters_and_order(area, coordinator, caseload, filters, expected, today):
    filters = dict(filters)
    who = filters.pop("coordinator", None)
    if who is not None:
        filters["coordinator_id"] = (coordinator if who == "coordinator" else caseload["other"]).pk
    steps = selectors.area_steps(
        user=coordinator, area=area, today=today, filters=selectors.StepFilters(**filters)
    )
    names = {step.pk: name for name, step in caseload["steps"].items()}
    assert [names[step.pk] for step in steps] == expected


@pytest.mark.django_db
def test_area_steps_counts(area, coordinator, caseload, today):
    steps = selectors.area_steps(user=coordinator, area=area, today=today)
    assert selectors.status_counts(steps) == {
        "on_time": 2,
        "due_this_week": 1,
        "overdue": 2,
        "met": 0,
        "met_late": 0,
        "suspended": 1,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.HEALTH_PRACTITIONER, Role.COMMISSIONER, Role.ANALYST])
def test_area_steps_are_only_for_the_areas_send_team(area, role, today):
    outsider = staff(role, OrganisationFactory(kind=OrganisationKind.ICB, home_area=area))
    with pytest.raises(Http404):
        selectors.area_steps(user=outsider, area=area, today=today)


@pytest.mark.django_db
def test_area_steps_refuse_another_area(coordinator, today):
    with pytest.raises(Http404):
        selectors.area_steps(user=coordinator, area=AreaFactory(), today=today)


@pytest.mark.django_db
def test_coordinators_of_an_area(area, local_authority, coordinator):
    manager = staff(Role.SEND_MANAGER, local_authority, full_name="Morgan Manager")
    staff(Role.COMMISSIONER, local_authority)
    staff(Role.EHC_COORDINATOR, OrganisationFactory(home_area=AreaFactory()))
    assert list(selectors.coordinators(area)) == [coordinator, manager]


# --- the 20-week rate ------------------------------------------------------------------------


def _issued(area, *, issued, due, exception=False, kind=RequestKind.NEW, stage=None):
    """A request with a final plan, built by hand with the dates the rate depends on."""
    received = due - dt.timedelta(weeks=20)
    return AssessmentRequest.objects.create(
        area=area,
        child=ChildFactory(area=area),
        kind=kind,
        source=RequestSource.PARENT,
        received_date=received,
        decision_due=received + dt.timedelta(weeks=6),
        not_to_issue_due=received + dt.timedelta(weeks=16),
        draft_target=received + dt.timedelta(weeks=14),
        final_due=due,
        stage=stage or RequestStage.FINAL_ISSUED,
        final_issued_date=issued,
        closed_date=issued,
        has_exception=exception,
    )


@pytest.mark.django_db
def test_twenty_week_rates_by_month_with_and_without_exceptions(area):
    # March 2025: 4 new plans: on time (on the due day), late, late with an exception, and
    # on time with an exception.
    _issued(area, issued=D(2025, 3, 3), due=D(2025, 3, 3))
    _issued(area, issued=D(2025, 3, 31), due=D(2025, 3, 10))
    _issued(area, issued=D(2025, 3, 15), due=D(2025, 3, 1), exception=True)
    _issued(area, issued=D(2025, 3, 1), due=D(2025, 3, 20), exception=True)
    # May 2025: 1 late plan (a day late); April has none.
    _issued(area, issued=D(2025, 5, 31), due=D(2025, 5, 30))
    # Not counted: a re-assessment, a transfer in, another area, outside the period.
    _issued(area, issued=D(2025, 3, 5), due=D(2025, 3, 6), kind=RequestKind.REASSESSMENT)
    _issued(area, issued=D(2025, 3, 5), due=D(2025, 3, 6), kind=RequestKind.TRANSFER_IN)
    _issued(AreaFactory(), issued=D(2025, 3, 5), due=D(2025, 3, 6))
    _issued(area, issued=D(2025, 2, 28), due=D(2025, 3, 6))
    _issued(area, issued=D(2025, 6, 1), due=D(2025, 6, 6))
    rates = selectors.twenty_week_rates(area=area, start=D(2025, 3, 1), end=D(2025, 5, 31))
    assert rates == [
        selectors.MonthRate(D(2025, 3, 1), 4, 2, 2, 1),
        selectors.MonthRate(D(2025, 5, 1), 1, 0, 1, 0),
    ]
    assert (rates[0].rate, rates[0].rate_excluding_exceptions) == (0.5, 0.5)
    assert (rates[1].rate, rates[1].rate_excluding_exceptions) == (0.0, 0.0)


@pytest.mark.django_db
def test_twenty_week_rate_of_a_plan_made_through_the_services(area):
    plan = ehc.plan_for(ChildFactory(area=area))
    request = plan.requests.get()
    assert request.final_issued_date <= request.final_due  # the factory issues in week 19
    rates = selectors.twenty_week_rates(area=area, start=D(2025, 1, 1), end=D(2025, 12, 31))
    month = request.final_issued_date.replace(day=1)
    assert rates == [selectors.MonthRate(month, 1, 1, 1, 1)]


@pytest.mark.django_db
def test_rates_are_none_when_nothing_was_issued():
    empty = selectors.MonthRate(D(2025, 1, 1), 0, 0, 0, 0)
    assert (empty.rate, empty.rate_excluding_exceptions) == (None, None)
    only_exceptions = selectors.MonthRate(D(2025, 1, 1), 2, 1, 0, 0)
    assert (only_exceptions.rate, only_exceptions.rate_excluding_exceptions) == (0.5, None)


# --- the area's figures and advice by agency ------------------------------------------------


@pytest.mark.django_db
def test_area_figures(area, coordinator, trust):
    today = D(2025, 9, 1)
    plan = ehc.plan_for(ChildFactory(area=area), coordinator=coordinator)  # review due in 2026
    assert plan.next_review_due is not None
    request = _assessing(area, coordinator)  # decided 3 February 2025
    late = ehc.advice_sent(request, organisation=trust)  # due 17 March 2025
    excused = ehc.advice_sent(request, organisation=trust, advice_type=AdviceType.EDUCATION)
    services.advice_record_exception(
        acting_user=None, advice=excused, kind="missed_appointment", note="Appointment missed."
    )
    ehc.received(ChildFactory(area=area), on=D(2025, 8, 1))  # open, decision not yet due
    refused = ehc.received(ChildFactory(area=area), on=D(2025, 2, 1))
    services.request_decide_to_assess(
        acting_user=None,
        request=refused,
        decision_date=D(2025, 3, 1),
        assess=False,
        reasons="Needs are met at SEN support.",
    )
    ehc.received(ChildFactory(area=area), on=D(2024, 12, 2))  # last year, still open
    ehc.received(ChildFactory(area=AreaFactory()), on=D(2025, 8, 1))  # another area
    figures = selectors.area_figures(area=area, today=today)
    assert figures.active_plans == 1
    assert figures.open_requests == 3
    assert figures.requests_in_year == 4  # the plan's, the assessment, August's, the refusal
    assert figures.refused_in_year == 1
    assert figures.advice_overdue == 1  # the excused advice is suspended, not overdue
    assert figures.reviews_overdue == 0
    assert late.due_date < today
    later = selectors.area_figures(area=area, today=plan.next_review_due + DAY)
    assert later.reviews_overdue == 1
    assert (
        sum(figures.open_steps.values())
        == Step.objects.filter(area=area, completed_on__isnull=True).count()
    )


@pytest.mark.django_db
def test_advice_overdue_by_agency(area, coordinator, trust):
    today = D(2025, 6, 1)
    other_trust = OrganisationFactory(
        name="Apsley Mental Health NHS Trust", kind=OrganisationKind.NHS_TRUST, home_area=area
    )
    first = _assessing(area, coordinator)
    ehc.advice_sent(first, organisation=trust)  # overdue
    ehc.advice_returned(ehc.advice_sent(first, organisation=other_trust))  # returned: not listed
    services.advice_request_send(  # the family's own advice, overdue
        acting_user=None,
        request=first,
        advice_type=AdviceType.PARENT,
        organisation=None,
        requested_date=D(2025, 2, 4),
    )
    second = _assessing(area, coordinator)
    excused = ehc.advice_sent(second, organisation=trust)
    services.advice_record_exception(
        acting_user=None, advice=excused, kind="away_from_area", note="Family abroad for a month."
    )
    recent = ehc.received(ChildFactory(area=area), on=D(2025, 5, 1))
    recent = ehc.assessing(recent, on=D(2025, 5, 6))
    ehc.advice_sent(recent, organisation=other_trust, advice_type=AdviceType.HEALTH)  # not due
    elsewhere = _assessing(AreaFactory(), None)
    ehc.advice_sent(elsewhere)
    rows = selectors.advice_overdue_by_agency(area=area, today=today)
    assert [(r.organisation, r.advice_type, r.outstanding, r.overdue) for r in rows] == [
        ("Halford Vale Community Health NHS Trust", "health", 2, 1),
        ("The family", "parent", 1, 1),
        ("Apsley Mental Health NHS Trust", "health", 1, 0),
    ]
    assert rows[1].advice_type_label == "Parent or young person"
