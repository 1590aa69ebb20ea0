"""Building the SEN2 records from real cases, made through the EHC services: which requests
and plans a collection holds, what each becomes as at the reference date, and the live
checks. Each case is a story in the collection period (2025, for the 2026 return)."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opensend.core.models import Organisation
from opensend.core.tests.factories import SettingFactory
from opensend.ehc import services as ehc_services
from opensend.ehc.models import ReviewStage
from opensend.ehc.tests import factories as ehc
from opensend.people import services as people_services
from opensend.people.models import Child, RecordSource
from opensend.people.tests.factories import ChildFactory
from opensend.returns import selectors
from opensend.returns.sen2 import collect
from opensend.returns.sen2.records import (
    ActivePlan,
    Assessment,
    NamedPlan,
    PlacementDetail,
    PlanDetail,
    Request,
    SENNeed,
)
from opensend.returns.sen2.validation import validate

pytestmark = pytest.mark.django_db

D = dt.date
ON_ROLL_FROM = D(2020, 9, 1)
NEED_FROM = D(2020, 1, 1)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def make_child(area, **identity) -> Child:
    identity.setdefault("ethnicity", "WBRI")
    identity.setdefault("home_postcode", "HV1 2AB")
    return cast(Child, ChildFactory(area=area, **identity))


def school(area, **kwargs) -> Organisation:
    return cast(Organisation, SettingFactory(home_area=area, **kwargs))


def on_roll(child, setting, start=ON_ROLL_FROM, **kwargs):
    return people_services.placement_start(
        acting_user=None,
        child=child,
        setting=setting,
        start_date=start,
        source=RecordSource.CENSUS,
        **kwargs,
    )


def needs(child, *codes, start=NEED_FROM):
    for rank, code in enumerate(codes, start=1):
        people_services.need_record(
            acting_user=None,
            child=child,
            code=code,
            rank=rank,
            start_date=start,
            source_agency="education",
            source=RecordSource.CENSUS,
        )


def plan_through(child, setting, *, received_on=ehc.RECEIVED, issued_on=None):
    request = ehc.drafting(ehc.assessing(ehc.received(child, on=received_on)))
    return ehc.final_issued(ehc.draft_issued(request), setting=setting, on=issued_on)


def collect_2026(area, **kwargs):
    scope = collect.scope_for(area, 2026, **kwargs)
    header = collect.header(
        area=area, year=2026, serial_no=1, generated_at=dt.datetime(2026, 2, 2, 9, 0)
    )
    return collect.collect(scope, header)


def person_of(sen2, child):
    [person] = [person for person in sen2.persons if person.child_id == child.pk]
    return person


def test_a_new_plan_with_its_placement_needs_and_review(area):
    setting = school(area, urn="123456")
    child = make_child(area, uln="9276308686")
    on_roll(child, setting, in_sen_unit=True)
    needs(child, "ASD", "SLCN")
    plan = plan_through(child, setting)
    review = plan.reviews.get(stage=ReviewStage.SCHEDULED)
    ehc_services.review_hold_meeting(acting_user=None, review=review, meeting_date=D(2025, 12, 1))
    ehc_services.review_receive_report(
        acting_user=None, review=review, received_date=D(2025, 12, 8), summary="Progress good."
    )
    ehc_services.review_decide(
        acting_user=None, review=review, decision_date=D(2025, 12, 19), outcome="M"
    )
    request = plan.requests.get()

    sen2 = collect_2026(area)
    person = person_of(sen2, child)
    assert (person.surname, person.forename, person.birth_date, person.sex) == (
        child.surname,
        child.forename,
        child.date_of_birth,
        "F",
    )
    assert (person.ethnicity, person.postcode, person.upn, person.uln, person.upn_unknown) == (
        "WBRI",
        "HV1 2AB",
        child.upn,
        "9276308686",
        "",
    )
    plan.refresh_from_db()
    assert person.requests == (
        Request(
            outcome="Y",
            received_date=ehc.RECEIVED,
            young_person=False,
            outcome_date=request.decision_date,
            mediation=False,
            tribunal=False,
            assessment=Assessment(
                outcome="Y",
                outcome_date=request.issue_decision_date,
                mediation=False,
                tribunal=False,
                week20=False,
                named_plan=NamedPlan(
                    start_date=plan.start_date,
                    details=(PlanDetail(placement_rank=1, urn="123456", establishment="academy"),),
                    personal_budget=False,
                    plan_id=plan.pk,
                ),
            ),
            active_plan=ActivePlan(
                placements=(
                    PlacementDetail(
                        placement_rank=1,
                        entry_date=D(2020, 9, 1),
                        urn="123456",
                        sen_unit=True,
                        establishment="academy",
                    ),
                ),
                needs=(SENNeed("ASD", 1), SENNeed("SLCN", 2)),
                review_meeting=D(2025, 12, 1),
                review_outcome="M",
                last_review=D(2025, 12, 19),
                phase_transfer_due=D(2026, 2, 14),  # born 2015: to secondary school in 2026
                plan_id=plan.pk,
            ),
            request_id=request.pk,
            kind="new",
            final_due=request.final_due,
        ),
    )
    assert validate(sen2) == []


def _refused(child, on):
    request = ehc.received(child, on=on)
    return ehc_services.request_decide_to_assess(
        acting_user=None,
        request=request,
        decision_date=on + dt.timedelta(weeks=4),
        assess=False,
        reasons="Needs can be met at SEN support.",
    )


def test_the_outcome_of_each_request_as_at_the_reference_date(area):
    refused = make_child(area, upn="", date_of_birth=D(2012, 5, 1))
    _refused(refused, D(2025, 3, 3))

    withdrawn = make_child(area)
    ehc_services.request_withdraw(
        acting_user=None,
        request=ehc.received(withdrawn, on=D(2025, 3, 3)),
        withdrawn_date=D(2025, 3, 20),
        reason="The family moved away.",
    )

    decided_late = make_child(area)  # decided after the reference date: pending in the return
    ehc_services.request_decide_to_assess(
        acting_user=None,
        request=ehc.received(decided_late, on=D(2025, 12, 1)),
        decision_date=D(2026, 1, 20),
        assess=True,
    )

    withdrawn_in_assessment = make_child(area)
    request = ehc.assessing(ehc.received(withdrawn_in_assessment, on=D(2025, 2, 3)))
    ehc_services.request_withdraw(
        acting_user=None, request=request, withdrawn_date=D(2025, 4, 1), reason="No longer wanted."
    )

    not_issued = make_child(area)
    request = ehc.assessing(ehc.received(not_issued, on=D(2025, 2, 3)))
    ehc.advice_returned(ehc.advice_sent(request))
    ehc_services.request_decide_to_issue(
        acting_user=None,
        request=request,
        decision_date=D(2025, 5, 1),
        issue=False,
        reasons="Needs can be met without a plan.",
    )

    sen2 = collect_2026(area)
    outcomes = {
        person.child_id: [
            (
                r.outcome,
                r.outcome_date,
                r.assessment and (r.assessment.outcome, r.assessment.outcome_date),
            )
            for r in person.requests
        ]
        for person in sen2.persons
    }
    assert outcomes == {
        refused.pk: [("N", D(2025, 3, 31), None)],
        withdrawn.pk: [("W", D(2025, 3, 20), None)],
        decided_late.pk: [("A", None, None)],
        withdrawn_in_assessment.pk: [("Y", D(2025, 3, 3), ("W", D(2025, 4, 1)))],
        not_issued.pk: [("Y", D(2025, 3, 3), ("N", D(2025, 5, 1)))],
    }
    assert person_of(sen2, refused).upn_unknown == "UN10"  # no UPN, and no further action
    assert validate(sen2) == []


def test_which_requests_and_plans_are_in_the_collection(area):
    setting = school(area)
    ongoing = make_child(area)  # received in 2024, plan issued in 2025: in
    on_roll(ongoing, setting)
    needs(ongoing, "SEMH")
    plan_through(ongoing, setting, received_on=D(2024, 11, 4))

    closed_before = make_child(area)  # refused in 2024: not in the 2026 return at all
    _refused(closed_before, D(2024, 1, 8))

    too_late = make_child(area)  # received after the period (before the reference date)
    ehc.received(too_late, on=D(2026, 1, 5))

    older_plan = make_child(area)  # a plan from 2023, still in force: a historical request
    on_roll(older_plan, setting)
    needs(older_plan, "MLD")
    plan = plan_through(older_plan, setting, received_on=D(2023, 5, 8))

    sen2 = collect_2026(area)
    assert {person.child_id for person in sen2.persons} == {ongoing.pk, older_plan.pk}
    [request] = person_of(sen2, ongoing).requests
    assert (request.received_date, request.outcome, request.assessment.outcome) == (
        D(2024, 11, 4),
        "Y",
        "Y",
    )
    assert request.active_plan is not None
    [historical] = person_of(sen2, older_plan).requests
    assert historical.outcome == "H"
    assert historical.received_date == D(2023, 5, 8)
    assert historical.request_id is None
    assert historical.assessment.outcome == "H"
    assert historical.assessment.week20 is None
    assert historical.named_plan.start_date == plan.start_date
    assert historical.active_plan.plan_id == plan.pk
    assert validate(sen2) == []


def test_a_plan_transferred_in_during_the_year(area):
    child = make_child(area, upn="", date_of_birth=D(2012, 5, 1))
    plan = ehc_services.plan_transfer_in(
        acting_user=None, child=child, previous_la_code="340", transfer_date=D(2025, 6, 2)
    )
    sen2 = collect_2026(area)
    person = person_of(sen2, child)
    [request] = person.requests
    assert (request.outcome, request.received_date, request.kind) == (
        "H",
        D(2025, 6, 2),
        "transfer_in",
    )
    assert request.young_person is None and request.mediation is None
    assert request.assessment.outcome == "H"
    assert request.named_plan.start_date == D(2025, 6, 2)
    assert request.active_plan.transfer_la == "340"
    assert request.active_plan.plan_id == plan.pk
    assert person.upn_unknown == "UN8"  # new to the LA
    # nobody has yet recorded where the child is, the need, or section I
    assert {problem.code for problem in validate(sen2)} == {"S402", "S602", "S603"}


def test_plans_ceased_in_the_year_and_after_the_reference_date(area):
    setting = school(area)
    ceased = make_child(area)
    plan = plan_through(ceased, setting, received_on=D(2023, 5, 8))
    ehc_services.plan_cease(acting_user=None, plan=plan, ceased_date=D(2025, 11, 3), reason="2")
    ceased_later = make_child(area)
    on_roll(ceased_later, setting)
    needs(ceased_later, "HI")
    later = plan_through(ceased_later, setting, received_on=D(2023, 5, 8))
    ehc_services.plan_cease(acting_user=None, plan=later, ceased_date=D(2026, 2, 2), reason="2")
    ceased_long_ago = make_child(area)
    old = plan_through(ceased_long_ago, setting, received_on=D(2022, 5, 9))
    ehc_services.plan_cease(acting_user=None, plan=old, ceased_date=D(2024, 3, 1), reason="2")

    sen2 = collect_2026(area)
    assert {person.child_id for person in sen2.persons} == {ceased.pk, ceased_later.pk}
    [request] = person_of(sen2, ceased).requests
    assert (request.outcome, request.named_plan.cease_date, request.named_plan.cease_reason) == (
        "H",
        D(2025, 11, 3),
        "2",
    )
    assert request.active_plan is None
    [request] = person_of(sen2, ceased_later).requests
    assert request.named_plan.cease_date is None  # as at the reference date it had not ceased
    assert request.active_plan is not None
    assert validate(sen2) == []


def test_week20_says_an_exception_applied(area):
    setting = school(area)
    child = make_child(area)
    on_roll(child, setting)
    needs(child, "SLCN")
    request = ehc.assessing(ehc.received(child))
    ehc_services.exception_record(
        acting_user=None,
        request=request,
        kind="personal_circumstances",
        start_date=D(2025, 2, 10),
        end_date=D(2025, 3, 10),
        description="A family bereavement.",
    )
    plan = ehc.final_issued(ehc.draft_issued(ehc.drafting(request)), setting=setting)
    sen2 = collect_2026(area)
    [request_record] = person_of(sen2, child).requests
    assert request_record.assessment.week20 is True
    assert request_record.named_plan.plan_id == plan.pk


def test_a_plan_issued_after_the_reference_date_is_not_yet_named(area):
    setting = school(area)
    child = make_child(area)
    request = ehc.drafting(ehc.assessing(ehc.received(child, on=D(2025, 9, 1))))
    version = ehc.draft_issued(request, on=D(2025, 12, 15))
    ehc.final_issued(version, setting=setting, on=D(2026, 1, 20))
    sen2 = collect_2026(area)
    [record] = person_of(sen2, child).requests
    assert (record.outcome, record.assessment.outcome) == ("Y", "Y")
    assert record.named_plan is None and record.assessment.week20 is None
    assert record.active_plan is None
    assert validate(sen2) == []


def test_a_reassessment_carries_the_active_plan(area):
    setting = school(area)
    child = make_child(area)
    on_roll(child, setting)
    needs(child, "PD")
    plan = plan_through(child, setting, received_on=D(2023, 3, 6))
    request = ehc.received(child, on=D(2025, 2, 3), kind="reassessment")
    ehc.final_issued(ehc.draft_issued(ehc.drafting(ehc.assessing(request))), setting=setting)
    request.refresh_from_db()
    sen2 = collect_2026(area)
    [record] = person_of(sen2, child).requests
    assert (record.kind, record.outcome, record.request_id) == ("reassessment", "Y", request.pk)
    assert record.named_plan.start_date == request.final_issued_date
    assert record.named_plan.plan_id == plan.pk
    assert record.active_plan.plan_id == plan.pk
    assert validate(sen2) == []


def test_placements_come_from_the_record_else_from_section_i(area):
    main, other = school(area, urn="111111"), school(area, urn="222222")
    child = make_child(area)
    needs(child, "ASD")
    on_roll(child, other, start=D(2024, 9, 2), kind="dual_subsidiary")
    on_roll(child, main, start=D(2022, 9, 1), kind="dual_main", is_residential=True)
    left = on_roll(child, school(area, urn="333333"), start=D(2019, 9, 1))
    people_services.placement_end(acting_user=None, placement=left, end_date=D(2022, 7, 20))
    plan_through(child, main)
    home_educated = make_child(area)
    needs(home_educated, "SLD")
    request = ehc.drafting(ehc.assessing(ehc.received(home_educated)))
    version = ehc.draft_issued(request)
    ehc_services.placement_name(
        acting_user=None,
        version=version,
        expected_lock_version=version.lock_version,
        sen_setting="EHE",
    )
    plan = ehc.final_issued(version)

    sen2 = collect_2026(area)
    placements = person_of(sen2, child).requests[0].active_plan.placements
    assert [(p.placement_rank, p.urn, p.entry_date) for p in placements] == [
        (1, "111111", D(2022, 9, 1)),
        (2, "222222", D(2024, 9, 2)),
    ]
    [ehe] = person_of(sen2, home_educated).requests[0].active_plan.placements
    assert (ehe.placement_rank, ehe.urn, ehe.sen_setting, ehe.entry_date) == (
        1,
        "",
        "EHE",
        plan.start_date,
    )
    assert validate(sen2) == []


def test_the_queries_do_not_grow_with_the_number_of_children(area):
    setting = school(area)

    def add_case():
        child = make_child(area)
        on_roll(child, setting)
        needs(child, "ASD", "SLCN")
        plan_through(child, setting)

    add_case()
    with CaptureQueriesContext(connection) as one:
        collect_2026(area)
    for _ in range(3):
        add_case()
    with CaptureQueriesContext(connection) as four:
        sen2 = collect_2026(area)
    assert len(sen2.persons) == 4
    assert len(four.captured_queries) == len(one.captured_queries) <= 9


def test_the_live_checks_read_the_next_collection_as_it_stands(area):
    setting = school(area)
    complete = make_child(area)
    on_roll(complete, setting)
    needs(complete, "ASD")
    plan_through(complete, setting, received_on=D(2026, 3, 2))
    missing_need = make_child(area)
    on_roll(missing_need, setting)
    plan_through(missing_need, setting, received_on=D(2026, 3, 2))
    today = D(2026, 11, 23)

    live = selectors.sen2_live_check(area=area, today=today)
    assert (live.year, live.reference_date, live.as_at) == (2027, D(2027, 1, 21), today)
    assert live.figures.requests_received == 2
    assert live.figures.active_plans == 2
    assert [(problem.child_id, problem.code) for problem in live.problems] == [
        (missing_need.pk, "S603")
    ]
    assert selectors.sen2_live_problems(area=area, today=today) == live.problems
    assert selectors.sen2_problems_for_child(missing_need, today) == live.problems
    assert selectors.sen2_problems_for_child(complete, today) == []

    needs(missing_need, "MLD")  # fixed: the next check sees it at once
    assert selectors.sen2_live_problems(area=area, today=today) == []


def test_a_child_in_no_collection_has_no_problems(area):
    child = make_child(area, ethnicity="")
    assert selectors.sen2_problems_for_child(child, D(2026, 11, 23)) == []
