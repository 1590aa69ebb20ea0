"""The EHC case pages through the Django test client: every page renders for a coordinator;
who may not see a case gets "not found" and who may see but not change it gets 403 on a form;
each form's refusals (dates, steps out of order, a withdrawn request, two people editing one
draft) come back as GOV.UK errors with nothing lost; reading a case or plan is logged."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import cast

import pytest
from django.utils import timezone

from opensend.core.models import AccessLogEntry, Organisation
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import OrganisationFactory, SettingFactory, staff
from opensend.ehc import services
from opensend.ehc.models import (
    AdviceStatus,
    AnnualReview,
    AssessmentRequest,
    Consultation,
    Plan,
    PlanStatus,
    PlanVersion,
    ProvisionLine,
    RequestStage,
    ReviewStage,
    TimeLimitException,
    VersionState,
)
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

D = dt.date
DAY = dt.timedelta(days=1)


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


def _body(response) -> str:
    return response.content.decode()


def _error_summary(response) -> str:
    body = _body(response)
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', body, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def _setting_id(area) -> int:
    return cast(Organisation, SettingFactory(home_area=area)).pk


@pytest.fixture
def child(area):
    return ChildFactory(area=area, forename="Robin", surname="Testwell")


@pytest.fixture
def trust(area):
    return OrganisationFactory(
        name="Halford Vale Community Health NHS Trust",
        kind=OrganisationKind.NHS_TRUST,
        home_area=area,
    )


@pytest.fixture
def school(area):
    return SettingFactory(home_area=area, name="Hill Primary School")


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def received(child, coordinator):
    return ehc.received(child, coordinator=coordinator)


@pytest.fixture
def assessing(received):
    return ehc.assessing(received)


@pytest.fixture
def advice(assessing, trust):
    return ehc.advice_sent(assessing, organisation=trust)


@pytest.fixture
def drafting(assessing, trust):
    ehc.advice_returned(ehc.advice_sent(assessing, organisation=trust))
    assert assessing.decision_date is not None
    return services.request_decide_to_issue(
        acting_user=None,
        request=assessing,
        decision_date=assessing.decision_date + dt.timedelta(weeks=7),
        issue=True,
    )


@pytest.fixture
def draft(drafting):
    return ehc.write_draft(ehc.draft_of(drafting))


@pytest.fixture
def served(drafting):
    return ehc.draft_issued(drafting)


@pytest.fixture
def plan(served, school):
    return ehc.final_issued(served, setting=school)


@pytest.fixture
def review(plan):
    return AnnualReview.objects.get(plan=plan, stage=ReviewStage.SCHEDULED)


# --- every page renders ------------------------------------------------------------------------


def _consultation(served, school):
    return services.consultation_send(
        acting_user=None,
        version=served,
        setting=school,
        sent_date=served.draft_served_date + DAY,
    )


PAGES = [
    ("child", lambda f: f"/ehc/children/{f('child').pk}/", "EHC needs assessment and plans"),
    (
        "request-new",
        lambda f: f"/ehc/children/{f('child').pk}/requests/new/",
        "Record a request for an EHC needs assessment",
    ),
    (
        "transfer-in",
        lambda f: f"/ehc/children/{f('child').pk}/transfer-in/",
        "Record a plan transferred in",
    ),
    (
        "request received",
        lambda f: f"/ehc/requests/{f('received').pk}/",
        "Decide whether to assess",
    ),
    ("request assessing", lambda f: f"/ehc/requests/{f('advice').request_id}/", "Ask for advice"),
    (
        "request drafting",
        lambda f: f"/ehc/requests/{f('drafting').pk}/",
        "Write and send the draft",
    ),
    (
        "request draft issued",
        lambda f: f"/ehc/requests/{f('served').request_id}/",
        "Family&#39;s comments and consultations",
    ),
    (
        "request final issued",
        lambda f: f"/ehc/requests/{f('plan').requests.get().pk}/",
        "Issue the final plan",
    ),
    (
        "decide-to-assess",
        lambda f: f"/ehc/requests/{f('received').pk}/decide-to-assess/",
        "Decide whether to assess",
    ),
    ("assign", lambda f: f"/ehc/requests/{f('received').pk}/coordinator/", "Give the case"),
    ("withdraw", lambda f: f"/ehc/requests/{f('received').pk}/withdraw/", "Withdraw the request"),
    (
        "exception",
        lambda f: f"/ehc/requests/{f('assessing').pk}/exceptions/new/",
        "Record an exception to the time limits",
    ),
    ("advice-new", lambda f: f"/ehc/requests/{f('assessing').pk}/advice/new/", "Ask for advice"),
    (
        "advice-return",
        lambda f: f"/ehc/advice/{f('advice').pk}/return/",
        "Record the health (medical) advice returned",
    ),
    (
        "advice-exception",
        lambda f: f"/ehc/advice/{f('advice').pk}/exception/",
        "Record an exception to the advice time limit",
    ),
    ("advice-cancel", lambda f: f"/ehc/advice/{f('advice').pk}/cancel/", "Cancel the request"),
    (
        "decide-to-issue",
        lambda f: f"/ehc/requests/{f('assessing').pk}/decide-to-issue/",
        "Decide whether to issue an EHC plan",
    ),
    ("draft", lambda f: f"/ehc/plans/{f('draft').plan_id}/draft/", "Draft EHC plan"),
    ("draft-edit", lambda f: f"/ehc/plans/{f('draft').plan_id}/draft/edit/", "Write the plan"),
    (
        "provision-new",
        lambda f: f"/ehc/plans/{f('draft').plan_id}/draft/provision/new/",
        "Add a line of provision",
    ),
    (
        "provision-edit",
        lambda f: f"/ehc/plans/{f('draft').plan_id}/draft/provision/{f('draft').lines.first().pk}/",
        "Change a line of provision",
    ),
    (
        "provision-remove",
        lambda f: (
            f"/ehc/plans/{f('draft').plan_id}/draft/provision/{f('draft').lines.first().pk}/remove/"
        ),
        "Remove this line of provision",
    ),
    ("draft-send", lambda f: f"/ehc/plans/{f('draft').plan_id}/draft/send/", "Send the draft"),
    ("draft served", lambda f: f"/ehc/plans/{f('served').plan_id}/draft/", "comments and consult"),
    (
        "comments",
        lambda f: f"/ehc/plans/{f('served').plan_id}/draft/comments/",
        "Record the family&#39;s comments",
    ),
    ("consult", lambda f: f"/ehc/plans/{f('served').plan_id}/draft/consult/", "Consult a school"),
    (
        "placement",
        lambda f: f"/ehc/plans/{f('served').plan_id}/draft/placement/",
        "Name the setting (section I)",
    ),
    (
        "consultation-respond",
        lambda f: f"/ehc/consultations/{_consultation(f('served'), f('school')).pk}/respond/",
        "Record the setting&#39;s response",
    ),
    (
        "issue-final",
        lambda f: f"/ehc/plans/{f('served').plan_id}/draft/issue/",
        "Issue the final plan",
    ),
    ("plan", lambda f: f"/ehc/plans/{f('plan').pk}/", "The plan in force"),
    ("version", lambda f: f"/ehc/plans/{f('plan').pk}/versions/1/", "Sections A to K"),
    ("cease", lambda f: f"/ehc/plans/{f('plan').pk}/cease/", "Cease to maintain the plan"),
    ("appeal", lambda f: f"/ehc/plans/{f('plan').pk}/appeal/", "Record an appeal"),
    (
        "review-invite",
        lambda f: f"/ehc/reviews/{f('review').pk}/invite/",
        "Invite everyone to the review meeting",
    ),
    (
        "review-meeting",
        lambda f: f"/ehc/reviews/{f('review').pk}/meeting/",
        "Record the review meeting",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path", "text"), PAGES, ids=[page[0] for page in PAGES])
def test_each_page_renders_for_a_coordinator(signed_in, request, name, path, text):
    url = path(request.getfixturevalue)
    response = signed_in.get(url)
    assert response.status_code == 200, _body(response)[:2000]
    assert text in _body(response)


@pytest.fixture
def held(review):
    return services.review_hold_meeting(
        acting_user=None, review=review, meeting_date=timezone.localdate() - 10 * DAY
    )


@pytest.fixture
def reported(held):
    return services.review_receive_report(
        acting_user=None,
        review=held,
        received_date=timezone.localdate() - 5 * DAY,
        summary="Progress is good; keep the provision.",
    )


@pytest.fixture
def amending(reported):
    return services.review_decide(
        acting_user=None,
        review=reported,
        decision_date=timezone.localdate() - 2 * DAY,
        outcome="A",
        reasons="Speech and language needs have changed.",
    )


MORE_PAGES = [
    ("review-report", lambda f: f"/ehc/reviews/{f('held').pk}/report/", "Record the review report"),
    (
        "review-decide",
        lambda f: f"/ehc/reviews/{f('reported').pk}/decision/",
        "Decide after the annual review",
    ),
    (
        "amendment draft",
        lambda f: f"/ehc/plans/{f('amending').plan_id}/draft/",
        "Proposed amendments to the EHC plan",
    ),
    (
        "plan with an amendment",
        lambda f: f"/ehc/plans/{f('amending').plan_id}/",
        "Send the proposed amendments and issue the amended plan",
    ),
    (
        "compare",
        lambda f: f"/ehc/plans/{f('amending').plan_id}/compare/?from=1&to=2",
        "Changes from version 1 to version 2",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path", "text"), MORE_PAGES, ids=[p[0] for p in MORE_PAGES])
def test_each_review_page_renders_for_a_coordinator(signed_in, request, name, path, text):
    response = signed_in.get(path(request.getfixturevalue))
    assert response.status_code == 200, _body(response)[:2000]
    assert text in _body(response)


@pytest.mark.django_db
def test_the_task_list_shows_each_step_with_its_status(signed_in, advice):
    body = _body(signed_in.get(f"/ehc/requests/{advice.request_id}/"))
    steps = re.search(r'<ul class="govuk-task-list".*?</ul>', body, re.S).group(0)
    titles = re.findall(
        r'govuk-task-list__(?:link|name-and-hint">\s*<div)[^>]*>\s*([^<]+?)\s*<', steps
    )
    assert [t.strip() for t in titles] == [
        "Decide whether to assess",
        "Ask for advice",
        "Health (medical) advice from Halford Vale Community Health NHS Trust",
        "Decide whether to issue a plan",
        "Write and send the draft plan",
        "Family&#39;s comments and consultations",
        "Issue the final plan",
    ]
    # the advice was asked long ago and never returned: it is overdue, and opens its form
    assert f'href="/ehc/advice/{advice.pk}/return/"' in steps
    assert "Overdue" in steps
    assert "Cannot start yet" in steps
    assert f'href="/ehc/requests/{advice.request_id}/advice/new/"' in steps


# --- who may see and who may change ------------------------------------------------------------


@pytest.fixture
def stranger_senco(area):
    return staff(Role.SENCO, SettingFactory(home_area=area, name="Other Primary School"))


@pytest.fixture
def stranger_health(area):
    other_trust = OrganisationFactory(
        name="Other Community NHS Trust", kind=OrganisationKind.NHS_TRUST, home_area=area
    )
    return staff(Role.HEALTH_PRACTITIONER, other_trust)


@pytest.fixture
def dco(area):
    icb = OrganisationFactory(name="Halford Vale ICB", kind=OrganisationKind.ICB, home_area=area)
    return staff(Role.DESIGNATED_CLINICAL_OFFICER, icb)


@pytest.fixture
def trust_practitioner(trust):
    return staff(Role.HEALTH_PRACTITIONER, trust, full_name="Sam Therapist")


HIDDEN = [
    (lambda f: f"/ehc/children/{f('child').pk}/", False),
    (lambda f: f"/ehc/requests/{f('plan').requests.get().pk}/", False),
    (lambda f: f"/ehc/plans/{f('plan').pk}/", False),
    (lambda f: f"/ehc/plans/{f('plan').pk}/versions/1/", False),
    (lambda f: f"/ehc/plans/{f('plan').pk}/cease/", True),
    (lambda f: f"/ehc/reviews/{f('review').pk}/invite/", True),
    (lambda f: f"/ehc/advice/{f('plan').requests.get().advice_requests.first().pk}/return/", True),
    (lambda f: f"/ehc/children/{f('child').pk}/requests/new/", True),
]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["stranger_senco", "stranger_health"])
@pytest.mark.parametrize(
    ("path", "is_form"),
    HIDDEN,
    ids=["child", "request", "plan", "version", "cease", "invite", "advice", "new-request"],
)
def test_without_a_relationship_every_page_is_not_found(client, request, who, path, is_form):
    url = path(request.getfixturevalue)
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == 404
    if is_form:
        assert client.post(url, {}).status_code == 404


@pytest.mark.django_db
def test_a_designated_officer_sees_the_plan_but_may_not_change_it(client, dco, plan, review):
    client.force_login(dco)
    page = client.get(f"/ehc/plans/{plan.pk}/")
    assert page.status_code == 200
    assert "Cease to maintain the plan" not in _body(page)
    assert 'href="/ehc/reviews/' not in _body(page)
    today = timezone.localdate()
    for url, data in [
        (f"/ehc/plans/{plan.pk}/cease/", {**_date("ceased_date", today), "reason": "2"}),
        (f"/ehc/plans/{plan.pk}/appeal/", {"pending": "yes"}),
        (
            f"/ehc/reviews/{review.pk}/meeting/",
            _date("meeting_date", today - DAY),
        ),
    ]:
        assert client.get(url).status_code == 403
        response = client.post(url, data)
        assert response.status_code == 403
        assert "Only the local authority" in _body(response)
    plan.refresh_from_db()
    assert (plan.status, plan.appeal_pending) == (PlanStatus.ACTIVE, False)


@pytest.mark.django_db
def test_the_health_service_asked_sees_the_case_and_returns_its_advice_only(
    client, trust_practitioner, advice
):
    client.force_login(trust_practitioner)
    case = f"/ehc/requests/{advice.request_id}/"
    page = client.get(case)
    assert page.status_code == 200
    assert f'href="/ehc/advice/{advice.pk}/return/"' in _body(page)
    assert "decide-to-issue/" not in _body(page)
    decide = f"{case}decide-to-issue/"
    assert client.get(decide).status_code == 403
    today = timezone.localdate()
    refused = client.post(decide, {**_date("decision_date", today), "issue": "yes"})
    assert refused.status_code == 403
    returned = client.post(
        f"/ehc/advice/{advice.pk}/return/",
        {**_date("returned_date", today), "summary": "Needs daily speech therapy."},
    )
    assert returned.status_code == 302
    assert returned["Location"] == case
    advice.refresh_from_db()
    assert (advice.status, advice.returned_by) == (AdviceStatus.RETURNED, trust_practitioner)


@pytest.mark.django_db
def test_health_staff_sign_off_their_section_and_the_coordinator_may_not(
    client, coordinator, trust_practitioner, draft
):
    url = f"/ehc/plans/{draft.plan_id}/versions/{draft.number}/sign-off/"
    data = {"section": "g", **_date("signed_on", timezone.localdate()), "note": "Agreed."}
    client.force_login(coordinator)
    assert client.post(url, data).status_code == 403
    client.force_login(trust_practitioner)
    assert "Sign off a health or social care section" in _body(
        client.get(f"/ehc/plans/{draft.plan_id}/draft/")
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert draft.sign_offs.get().organisation.name == "Halford Vale Community Health NHS Trust"
    again = client.post(url, data)
    assert again.status_code == 400
    assert "Select a section that is not yet signed off" in _error_summary(again)


# --- reading a case or a plan is logged ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "object_type", "object_id"),
    [
        (
            lambda p: f"/ehc/requests/{p.requests.get().pk}/",
            "ehc.request",
            lambda p: p.requests.get().pk,
        ),
        (lambda p: f"/ehc/plans/{p.pk}/", "ehc.plan", lambda p: p.pk),
        (lambda p: f"/ehc/plans/{p.pk}/versions/1/", "ehc.plan", lambda p: p.pk),
        (lambda p: f"/ehc/children/{p.child_id}/", "people.child", lambda p: p.child_id),
    ],
    ids=["request", "plan", "version", "child"],
)
def test_reading_is_logged(signed_in, coordinator, plan, path, object_type, object_id):
    response = signed_in.get(path(plan))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == (
        "view",
        object_type,
        str(object_id(plan)),
        coordinator.pk,
    )
    assert entry.purpose == "Local authority SEND officer for the child's area"
    assert list(entry.subjects.values_list("subject_type", "subject_id")) == [
        ("people.child", str(plan.child_id))
    ]


@pytest.mark.django_db
def test_a_form_page_is_not_logged_as_a_read(signed_in, received):
    before = AccessLogEntry.objects.count()
    assert signed_in.get(f"/ehc/requests/{received.pk}/decide-to-assess/").status_code == 200
    assert AccessLogEntry.objects.count() == before


# --- bad input: a clear message, and nothing lost ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message", "bad_parts"),
    [
        (
            lambda r: {**_date("decision_date", r.received_date - DAY), "assess": "yes"},
            "The date must be on or after the request (6 January 2025).",
            None,
        ),
        (
            lambda r: {**_date("decision_date", timezone.localdate() + DAY), "assess": "yes"},
            "The date of the decision must be today or in the past",
            {"day", "month", "year"},
        ),
        (
            lambda r: {"decision_date_day": "3", "decision_date_year": "2025", "assess": "yes"},
            "The date of the decision must include a month",
            {"month"},
        ),
        (
            lambda r: {
                **_date("decision_date", D(2025, 2, 1)),
                "decision_date_day": "31",
                "assess": "yes",
            },
            "The date of the decision must be a real date",
            {"day", "month", "year"},
        ),
        (
            lambda r: {
                **_date("decision_date", D(2025, 2, 3)),
                "decision_date_year": "25",
                "assess": "yes",
            },
            "The year must include 4 numbers",
            {"year"},
        ),
        (lambda r: {"assess": "yes"}, "Enter the date of the decision", {"day", "month", "year"}),
        (
            lambda r: _date("decision_date", D(2025, 2, 3)),
            "Select whether the local authority will assess",
            None,
        ),
        (
            lambda r: {**_date("decision_date", D(2025, 2, 3)), "assess": "no"},
            "Give the reasons for deciding not to assess.",
            None,
        ),
    ],
    ids=[
        "before-request",
        "future",
        "no-month",
        "not-real",
        "short-year",
        "no-date",
        "no-choice",
        "no-reasons",
    ],
)
def test_decision_to_assess_errors(signed_in, received, data, message, bad_parts):
    url = f"/ehc/requests/{received.pk}/decide-to-assess/"
    response = signed_in.post(url, data(received))
    assert response.status_code == 400
    summary = _error_summary(response)
    assert message in summary
    body = _body(response)
    assert "<title>Error: " in body
    if bad_parts is not None:
        assert 'href="#id_decision_date"' in summary
        for part in ("day", "month", "year"):
            box_id = "id_decision_date" if part == "day" else f"id_decision_date_{part}"
            box = re.search(rf'<input[^>]*id="{box_id}"[^>]*>', body).group(0)
            assert ("govuk-input--error" in box) == (part in bad_parts), part
    received.refresh_from_db()
    assert received.stage == RequestStage.RECEIVED


@pytest.mark.django_db
def test_a_refusal_keeps_what_was_typed(signed_in, received):
    response = signed_in.post(
        f"/ehc/requests/{received.pk}/decide-to-assess/",
        {
            **_date("decision_date", received.received_date - DAY),
            "assess": "no",
            "reasons": "Needs are met at SEN support.",
        },
    )
    assert response.status_code == 400
    body = _body(response)
    assert "Needs are met at SEN support." in body
    assert re.search(r'<input[^>]*value="no"[^>]*checked', body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "path", "data", "message"),
    [
        (
            "draft",
            lambda o: f"/ehc/plans/{o.plan_id}/draft/issue/",
            lambda o: _date("issued_date", D(2025, 5, 1)),
            "A final plan comes after its draft: send the draft to the family.",
        ),
        (
            "assessing",
            lambda o: f"/ehc/requests/{o.pk}/decide-to-assess/",
            lambda o: {**_date("decision_date", D(2025, 2, 10)), "assess": "yes"},
            "You cannot decide whether to assess now: the request is at “Assessing needs”.",
        ),
        (
            "advice",
            lambda o: f"/ehc/requests/{o.request_id}/decide-to-issue/",
            lambda o: {**_date("decision_date", D(2025, 4, 1)), "issue": "yes"},
            "1 advice request is still outstanding",
        ),
        (
            "received",
            lambda o: f"/ehc/requests/{o.pk}/advice/new/",
            lambda o: {"advice_type": "parent", **_date("requested_date", D(2025, 1, 8))},
            "You cannot ask for advice now",
        ),
        (
            "served",
            lambda o: f"/ehc/plans/{o.plan_id}/draft/send/",
            lambda o: _date("served_date", o.draft_served_date),
            "This draft has already been sent to the family.",
        ),
        (
            "draft",
            lambda o: f"/ehc/plans/{o.plan_id}/draft/consult/",
            lambda o: {
                "setting": _setting_id(o.plan.area),
                **_date("sent_date", D(2025, 5, 1)),
            },
            "Send the draft to the family before consulting settings.",
        ),
    ],
    ids=[
        "final-before-draft",
        "assess-twice",
        "issue-with-advice-out",
        "advice-too-soon",
        "send-twice",
        "consult-before-draft",
    ],
)
def test_a_step_out_of_order_is_refused_with_a_message(
    signed_in, request, fixture, path, data, message
):
    subject = request.getfixturevalue(fixture)
    response = signed_in.post(path(subject), data(subject))
    assert response.status_code == 400
    assert message in _error_summary(response)


@pytest.mark.django_db
def test_advice_for_a_withdrawn_request_is_refused(signed_in, advice):
    services.request_withdraw(
        acting_user=None,
        request=advice.request,
        withdrawn_date=advice.requested_date + DAY,
        reason="The family moved away.",
    )
    response = signed_in.post(
        f"/ehc/advice/{advice.pk}/return/",
        {**_date("returned_date", advice.requested_date + 2 * DAY), "summary": "Late advice."},
    )
    assert response.status_code == 400
    assert "The request for assessment was withdrawn" in _error_summary(response)
    assert "Late advice." in _body(response)
    advice.refresh_from_db()
    assert advice.status == AdviceStatus.CANCELLED
    case = _body(signed_in.get(f"/ehc/requests/{advice.request_id}/"))
    assert f'href="/ehc/advice/{advice.pk}/return/"' not in case
    assert "Withdrawn because" in case


@pytest.mark.django_db
def test_two_people_editing_one_draft(client, coordinator, local_authority, draft):
    other = staff(Role.EHC_COORDINATOR, local_authority, full_name="Alex Otherperson")
    url = f"/ehc/plans/{draft.plan_id}/draft/edit/"
    client.force_login(coordinator)
    page = _body(client.get(url))
    lock = re.search(r'name="lock_version" value="(\d+)"', page).group(1)
    form = {
        f"section_{s}": draft.section_text(s)
        for s in ("a", "b", "c", "d", "e", "f", "g", "h1", "h2", "i", "j", "k")
    }

    # the other coordinator saves first, from the same version of the page
    client.force_login(other)
    theirs = {**form, "lock_version": lock, "section_b": "Their rewrite of section B."}
    assert client.post(url, theirs).status_code == 302

    # this coordinator's save is refused: the message, their own text kept, theirs shown
    client.force_login(coordinator)
    mine = {**form, "lock_version": lock, "section_b": "My careful rewrite of section B."}
    response = client.post(url, mine)
    assert response.status_code == 409
    assert "Alex Otherperson saved this plan at" in _error_summary(response)
    body = _body(response)
    assert "My careful rewrite of section B." in body
    assert "Their rewrite of section B." in body
    draft.refresh_from_db()
    assert draft.section_b == "Their rewrite of section B."

    # having seen theirs, saving again keeps this coordinator's text
    new_lock = re.search(r'name="lock_version" value="(\d+)"', body).group(1)
    assert int(new_lock) == draft.lock_version
    assert client.post(url, {**mine, "lock_version": new_lock}).status_code == 302
    draft.refresh_from_db()
    assert draft.section_b == "My careful rewrite of section B."


@pytest.mark.django_db
def test_a_stale_provision_line_is_refused_and_kept(signed_in, draft):
    response = signed_in.post(
        f"/ehc/plans/{draft.plan_id}/draft/provision/new/",
        {
            "lock_version": str(draft.lock_version - 1),
            "section": "g",
            "description": "Occupational therapy review",
            "commissioner": "icb",
            "provider_description": "Children's OT service",
        },
    )
    assert response.status_code == 409
    assert "Your changes have not been saved" in _error_summary(response)
    assert "Occupational therapy review" in _body(response)
    assert not draft.lines.filter(section="g").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"commissioner": "la_education"},
            "commissioner",
            "Provision in section G is commissioned by",
        ),
        ({"provider_description": ""}, "provider_description", "Say who provides it."),
        ({"quantity": "two"}, "quantity", "Enter the amount as a number, like 30"),
        ({"quantity": "2", "unit": ""}, "unit", "Say what the amount is measured in"),
        ({"annual_cost": "-5"}, "annual_cost", "The cost per year cannot be negative"),
    ],
    ids=["wrong-commissioner", "no-provider", "not-a-number", "no-unit", "negative-cost"],
)
def test_provision_line_errors_are_shown_against_their_field(
    signed_in, draft, data, field, message
):
    response = signed_in.post(
        f"/ehc/plans/{draft.plan_id}/draft/provision/new/",
        {
            "lock_version": str(draft.lock_version),
            "section": "g",
            "description": "Occupational therapy review",
            "commissioner": "icb",
            "provider_description": "Children's OT service",
            **data,
        },
    )
    assert response.status_code == 400
    summary = _error_summary(response)
    assert message in summary
    assert f'href="#id_{field}"' in summary


# --- each form does its step ---------------------------------------------------------------------


def _post(client, url, data, *, to=None):
    response = client.post(url, data)
    if response.status_code != 302:
        found = re.search(r'<div class="govuk-error-summary".*?</ul>', _body(response), re.S)
        pytest.fail(f"{url}: {response.status_code} {found.group(0) if found else ''}")
    if to is not None:
        assert response["Location"] == to
    return response


@pytest.mark.django_db
def test_a_request_through_to_a_final_plan(signed_in, coordinator, child, trust, school):
    start = D(2025, 3, 3)
    _post(
        signed_in,
        f"/ehc/children/{child.pk}/requests/new/",
        {
            "source": "setting",
            "requester_organisation": school.pk,
            "requester_name": "Ms Senco",
            **_date("received_date", start),
            "kind": "new",
            "coordinator": coordinator.pk,
        },
    )
    case = AssessmentRequest.objects.get(child=child)
    base = f"/ehc/requests/{case.pk}/"
    assert (case.source, case.requester_organisation, case.decision_due) == (
        "setting",
        school,
        D(2025, 4, 14),
    )
    followed = signed_in.get(base)
    assert "Decide whether to assess by 14 April 2025" in _body(followed)

    _post(
        signed_in,
        f"{base}decide-to-assess/",
        {**_date("decision_date", start + 28 * DAY), "assess": "yes"},
        to=base,
    )
    _post(
        signed_in,
        f"{base}advice/new/",
        {
            "advice_type": "health",
            "organisation": trust.pk,
            **_date("requested_date", start + 29 * DAY),
        },
        to=base,
    )
    advice = case.advice_requests.get()
    _post(
        signed_in,
        f"/ehc/advice/{advice.pk}/return/",
        {**_date("returned_date", start + 60 * DAY), "summary": "Speech therapy needed."},
        to=base,
    )
    _post(
        signed_in,
        f"{base}decide-to-issue/",
        {**_date("decision_date", start + 63 * DAY), "issue": "yes"},
        to=base,
    )
    case.refresh_from_db()
    plan = case.plan
    draft = f"/ehc/plans/{plan.pk}/draft/"
    version = plan.versions.get()
    sections = {f"section_{s}": "" for s in ("c", "d", "g", "h1", "h2", "i", "j", "k")}
    _post(
        signed_in,
        f"{draft}edit/",
        {
            "lock_version": version.lock_version,
            **sections,
            "section_a": "Robin loves trains.",
            "section_b": "Speech and language needs.",
            "section_e": "Will speak in sentences.",
            "section_f": "Therapy as below.",
        },
        to=draft,
    )
    version.refresh_from_db()
    _post(
        signed_in,
        f"{draft}provision/new/",
        {
            "lock_version": version.lock_version,
            "section": "f",
            "description": "Speech and language therapy",
            "outcome": "Speaks in sentences",
            "quantity": "30",
            "unit": "minutes",
            "frequency": "weekly",
            "provider_organisation": trust.pk,
            "commissioner": "la_education",
            "annual_cost": "1200.50",
        },
        to=draft,
    )
    line = version.lines.get()
    assert (line.amount, line.annual_cost, line.provider_organisation) == (
        "30 minutes, weekly",
        Decimal("1200.50"),
        trust,
    )
    _post(signed_in, f"{draft}send/", _date("served_date", start + 70 * DAY), to=draft)
    _post(
        signed_in,
        f"{draft}comments/",
        {
            **_date("received_date", start + 75 * DAY),
            "comments": "We agree.",
            "preferred_setting": school.pk,
            "meeting_requested": "true",
        },
        to=draft,
    )
    _post(
        signed_in,
        f"{draft}consult/",
        {
            "setting": school.pk,
            **_date("sent_date", start + 76 * DAY),
            "parent_preference": "true",
        },
        to=draft,
    )
    consultation = Consultation.objects.get(version=version)
    _post(
        signed_in,
        f"/ehc/consultations/{consultation.pk}/respond/",
        {
            "response": "can_meet",
            **_date("response_date", start + 80 * DAY),
        },
        to=draft,
    )
    version.refresh_from_db()
    _post(
        signed_in,
        f"{draft}placement/",
        {
            "lock_version": version.lock_version,
            "rank": "1",
            "setting": school.pk,
        },
        to=draft,
    )
    page = _body(signed_in.get(draft))
    assert "Main: Hill Primary School" in page
    _post(
        signed_in,
        f"{draft}issue/",
        _date("issued_date", start + 90 * DAY),
        to=f"/ehc/plans/{plan.pk}/",
    )

    case.refresh_from_db()
    plan.refresh_from_db()
    assert (case.stage, case.final_issued_date, plan.status) == (
        RequestStage.FINAL_ISSUED,
        start + 90 * DAY,
        PlanStatus.ACTIVE,
    )
    version.refresh_from_db()
    assert (version.meeting_requested, version.preferred_setting, version.family_comments) == (
        True,
        school,
        "We agree.",
    )
    plan_page = _body(signed_in.get(f"/ehc/plans/{plan.pk}/"))
    assert "Robin loves trains." in plan_page
    assert "Speech and language therapy" in plan_page
    assert "£1,200.50" in plan_page
    case_page = _body(signed_in.get(base))
    steps = re.search(r'<ul class="govuk-task-list".*?</ul>', case_page, re.S).group(0)
    assert steps.count("Completed") == 7
    for text in (
        "Final EHC plan issued (version 1)",
        "Draft plan sent to the family",
        "Decided to carry out an EHC needs assessment",
    ):
        assert text in case_page


@pytest.mark.django_db
def test_an_annual_review_through_to_an_amended_plan(signed_in, plan, review):
    today = timezone.localdate()
    home = f"/ehc/plans/{plan.pk}/"
    _post(
        signed_in,
        f"/ehc/reviews/{review.pk}/invite/",
        {
            **_date("sent_date", today - 40 * DAY),
            **_date("meeting_date", today - 20 * DAY),
        },
        to=home,
    )
    _post(
        signed_in,
        f"/ehc/reviews/{review.pk}/meeting/",
        _date("meeting_date", today - 20 * DAY),
        to=home,
    )
    _post(
        signed_in,
        f"/ehc/reviews/{review.pk}/report/",
        {
            **_date("received_date", today - 15 * DAY),
            "summary": "Add occupational therapy.",
        },
        to=home,
    )
    _post(
        signed_in,
        f"/ehc/reviews/{review.pk}/decision/",
        {
            **_date("decision_date", today - 10 * DAY),
            "outcome": "A",
            "reasons": "Motor skills need support.",
        },
        to=f"/ehc/plans/{plan.pk}/draft/",
    )
    draft = plan.versions.get(state=VersionState.DRAFT)
    assert draft.number == 2
    assert draft.lines.count() == 1  # copied from the plan in force
    base = f"/ehc/plans/{plan.pk}/draft/"
    _post(
        signed_in,
        f"{base}provision/new/",
        {
            "lock_version": draft.lock_version,
            "section": "g",
            "description": "Occupational therapy",
            "quantity": "1",
            "unit": "sessions",
            "frequency": "monthly",
            "provider_description": "Children's OT service",
            "commissioner": "icb",
        },
        to=base,
    )
    line = draft.lines.get(section="f")
    draft.refresh_from_db()
    _post(
        signed_in,
        f"{base}provision/{line.pk}/",
        {
            "lock_version": draft.lock_version,
            "section": "f",
            "description": line.description,
            "quantity": "45",
            "unit": "minutes",
            "frequency": "daily",
            "provider_description": line.provider_description,
            "commissioner": "la_education",
        },
        to=base,
    )
    _post(signed_in, f"{base}send/", _date("served_date", today - 8 * DAY), to=base)
    early = signed_in.post(f"{base}issue/", _date("issued_date", today - DAY))
    assert early.status_code == 400
    assert "record their comments before issuing the final plan earlier" in _error_summary(early)
    _post(
        signed_in,
        f"{base}comments/",
        {
            **_date("received_date", today - 3 * DAY),
            "comments": "Agreed.",
        },
        to=base,
    )
    _post(signed_in, f"{base}issue/", _date("issued_date", today - DAY), to=home)
    review.refresh_from_db()
    assert (review.stage, review.outcome) == (ReviewStage.COMPLETED, "A")

    compare = _body(signed_in.get(f"/ehc/plans/{plan.pk}/compare/?from=1&to=2"))
    provision = re.search(r"Changes to the provision.*?</table>", compare, re.S).group(0)
    assert "Occupational therapy" in provision and "Added" in provision
    assert "How much and how often: 30 minutes, daily → 45 minutes, daily" in provision
    assert "The text of the sections has not changed." in compare

    printed = _body(signed_in.get(f"/ehc/plans/{plan.pk}/versions/2/"))
    assert "@media print" in printed
    assert "Occupational therapy" in printed


@pytest.mark.django_db
def test_a_review_that_maintains_the_plan(signed_in, reported):
    plan = reported.plan
    _post(
        signed_in,
        f"/ehc/reviews/{reported.pk}/decision/",
        {
            **_date("decision_date", timezone.localdate() - DAY),
            "outcome": "M",
        },
        to=f"/ehc/plans/{plan.pk}/",
    )
    reported.refresh_from_db()
    assert reported.stage == ReviewStage.COMPLETED
    page = _body(signed_in.get(f"/ehc/plans/{plan.pk}/"))
    assert "decided to maintain the plan" in page
    assert "Invite everyone to the review meeting" in page  # the next review is scheduled


def _compare_text(signed_in, plan, query):
    return signed_in.get(f"/ehc/plans/{plan.pk}/compare/{query}")


@pytest.mark.django_db
def test_comparing_section_text_word_by_word(signed_in, amending):
    plan = amending.plan
    draft = plan.versions.get(state=VersionState.DRAFT)
    services.version_update(
        acting_user=None,
        version=draft,
        expected_lock_version=draft.lock_version,
        changes={"section_b": "Speech, language and motor needs."},
    )
    body = _body(_compare_text(signed_in, plan, "?from=2&to=1"))
    section = re.search(r'data-section="b">(.*?)</p>', body, re.S).group(1)
    assert "<del>" in section and "communication" in section
    assert "<ins>" in section and "motor" in section
    assert "Unchanged: sections A, C" in body
    assert _compare_text(signed_in, plan, "?from=1&to=9").status_code == 404
    assert _compare_text(signed_in, plan, "").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("received_on", "decided_on", "mediation", "appeal"),
    [
        (D(2025, 1, 6), D(2025, 2, 3), "3 April 2025", "3 April 2025"),
        # 2 months ends in August: the appeal deadline moves to the first working day of September
        (D(2025, 5, 1), D(2025, 6, 10), "10 August 2025", "1 September 2025"),
        # ends between 25 December and 1 January: the next working day after 1 January
        (D(2025, 9, 1), D(2025, 10, 27), "27 December 2025", "2 January 2026"),
        # ends on a Saturday: the next working day
        (D(2025, 1, 6), D(2025, 1, 31), "31 March 2025", "31 March 2025"),
        (D(2025, 1, 6), D(2025, 2, 8), "8 April 2025", "8 April 2025"),
        (D(2025, 1, 6), D(2025, 2, 15), "15 April 2025", "15 April 2025"),
        (D(2025, 1, 6), D(2025, 2, 19), "19 April 2025", "22 April 2025"),  # Easter Monday 21st
    ],
)
def test_the_refusal_letter_states_the_deadlines(
    signed_in, child, received_on, decided_on, mediation, appeal
):
    case = ehc.received(child, on=received_on)
    _post(
        signed_in,
        f"/ehc/requests/{case.pk}/decide-to-assess/",
        {
            **_date("decision_date", decided_on),
            "assess": "no",
            "reasons": "Needs can be met at SEN support.",
        },
        to=f"/ehc/requests/{case.pk}/decision-letter/",
    )
    letter = _body(signed_in.get(f"/ehc/requests/{case.pk}/decision-letter/"))
    assert "Decision not to carry out an EHC needs assessment" in letter
    assert "Needs can be met at SEN support." in letter
    assert f'id="mediation-deadline">{mediation}<' in letter
    assert f'id="appeal-deadline">{appeal}<' in letter
    assert "@media print" in letter


@pytest.mark.django_db
def test_a_decision_not_to_issue_has_its_letter_and_an_open_case_has_none(signed_in, advice):
    case = advice.request
    assert signed_in.get(f"/ehc/requests/{case.pk}/decision-letter/").status_code == 404
    ehc.advice_returned(advice)
    _post(
        signed_in,
        f"/ehc/requests/{case.pk}/decide-to-issue/",
        {
            **_date("decision_date", D(2025, 4, 14)),
            "issue": "no",
            "reasons": "The assessment shows needs can be met without a plan.",
        },
        to=f"/ehc/requests/{case.pk}/decision-letter/",
    )
    letter = _body(signed_in.get(f"/ehc/requests/{case.pk}/decision-letter/"))
    assert "Decision not to issue an EHC plan" in letter
    assert 'id="appeal-deadline">16 June 2025<' in letter  # 14 June 2025 is a Saturday


@pytest.mark.django_db
def test_recording_an_exception_suspends_the_clock(signed_in, assessing):
    base = f"/ehc/requests/{assessing.pk}/"
    _post(
        signed_in,
        f"{base}exceptions/new/",
        {
            "kind": "personal_circumstances",
            **_date("start_date", D(2025, 2, 10)),
            **_date("end_date", D(2025, 3, 31)),
            "description": "A family bereavement.",
        },
        to=base,
    )
    exception = TimeLimitException.objects.get(request=assessing)
    assert exception.description == "A family bereavement."
    page = _body(signed_in.get(base))
    assert "Yes: the limits are suspended" in page
    assert "A family bereavement." in page
    assert "Met late, on" not in page


@pytest.mark.django_db
def test_an_exception_the_rules_refuse(signed_in, assessing):
    response = signed_in.post(
        f"/ehc/requests/{assessing.pk}/exceptions/new/",
        {
            "kind": "away_from_area",
            **_date("start_date", D(2025, 2, 10)),
            **_date("end_date", D(2025, 2, 20)),
            "description": "A holiday.",
        },
    )
    assert response.status_code == 400
    assert "at least 4 weeks in a row" in _error_summary(response)
    assert 'href="#id_kind"' in _error_summary(response)


@pytest.mark.django_db
def test_advice_exception_and_cancel(signed_in, advice):
    base = f"/ehc/requests/{advice.request_id}/"
    _post(
        signed_in,
        f"/ehc/advice/{advice.pk}/exception/",
        {
            "kind": "missed_appointment",
            "note": "The clinic appointment was missed.",
        },
        to=base,
    )
    page = _body(signed_in.get(base))
    assert "Suspended by exception" in page
    _post(
        signed_in, f"/ehc/advice/{advice.pk}/cancel/", {"reason": "Asked the wrong team."}, to=base
    )
    advice.refresh_from_db()
    assert (advice.status, advice.cancelled_reason) == (
        AdviceStatus.CANCELLED,
        "Asked the wrong team.",
    )


@pytest.mark.django_db
def test_withdraw_and_assign(signed_in, local_authority, received):
    base = f"/ehc/requests/{received.pk}/"
    other = staff(Role.EHC_COORDINATOR, local_authority, full_name="Jo Second")
    _post(signed_in, f"{base}coordinator/", {"coordinator": other.pk}, to=base)
    received.refresh_from_db()
    assert received.coordinator == other
    _post(
        signed_in,
        f"{base}withdraw/",
        {
            **_date("withdrawn_date", D(2025, 1, 20)),
            "reason": "The family moved away.",
        },
        to=base,
    )
    received.refresh_from_db()
    assert received.stage == RequestStage.WITHDRAWN
    page = _body(signed_in.get(base))
    assert "Not needed" in page
    assert "exceptions/new/" not in page


@pytest.mark.django_db
def test_a_plan_transferred_in(signed_in, coordinator, child):
    _post(
        signed_in,
        f"/ehc/children/{child.pk}/transfer-in/",
        {
            "previous_la_code": "888",
            **_date("transfer_date", D(2025, 9, 1)),
            **_date("last_review_date", D(2025, 3, 1)),
            "coordinator": coordinator.pk,
        },
    )
    plan = Plan.objects.get(child=child)
    assert (plan.transferred_in_from, plan.status) == ("888", PlanStatus.ACTIVE)
    page = _body(signed_in.get(f"/ehc/children/{child.pk}/"))
    assert f"/ehc/plans/{plan.pk}/" in page
    assert "Record a plan transferred in" not in page
    refused = signed_in.post(
        f"/ehc/children/{child.pk}/transfer-in/",
        {
            "previous_la_code": "990",
            **_date("transfer_date", D(2025, 9, 1)),
        },
    )
    assert refused.status_code == 400
    assert "That is this area&#39;s own LA code." in _error_summary(refused)


@pytest.mark.django_db
def test_a_new_request_when_one_is_open_is_refused(signed_in, received):
    response = signed_in.post(
        f"/ehc/children/{received.child_id}/requests/new/",
        {
            "source": "parent",
            **_date("received_date", D(2025, 2, 1)),
            "kind": "new",
        },
    )
    assert response.status_code == 400
    assert "already has a request under way" in _error_summary(response)


@pytest.mark.django_db
def test_appeal_and_cease(signed_in, plan):
    home = f"/ehc/plans/{plan.pk}/"
    _post(signed_in, f"{home}appeal/", {"pending": "yes"}, to=home)
    refused = signed_in.post(
        f"{home}cease/",
        {
            **_date("ceased_date", timezone.localdate()),
            "reason": "2",
        },
    )
    assert refused.status_code == 400
    assert "The plan must stay in place until the appeal is decided" in _error_summary(refused)
    _post(signed_in, f"{home}appeal/", {"pending": "no"}, to=home)
    _post(
        signed_in,
        f"{home}cease/",
        {
            **_date("ceased_date", timezone.localdate()),
            "reason": "2",
        },
        to=home,
    )
    plan.refresh_from_db()
    assert (plan.status, plan.cease_reason) == (PlanStatus.CEASED, "2")


@pytest.mark.django_db
def test_removing_a_line_and_a_setting(signed_in, served, school):
    base = f"/ehc/plans/{served.plan_id}/draft/"
    line = served.lines.get()
    served.refresh_from_db()
    _post(
        signed_in,
        f"{base}provision/{line.pk}/remove/",
        {"lock_version": served.lock_version},
        to=base,
    )
    assert not ProvisionLine.objects.filter(pk=line.pk).exists()
    served.refresh_from_db()
    _post(
        signed_in,
        f"{base}placement/",
        {
            "lock_version": served.lock_version,
            "rank": "1",
            "sen_setting": "EHE",
        },
        to=base,
    )
    served.refresh_from_db()
    _post(signed_in, f"{base}placement/1/remove/", {"lock_version": served.lock_version}, to=base)
    assert not PlanVersion.objects.get(pk=served.pk).placements.exists()
    both = signed_in.post(
        f"{base}placement/",
        {
            "lock_version": served.lock_version + 1,
            "rank": "1",
            "setting": school.pk,
            "sen_setting": "EHE",
        },
    )
    assert both.status_code == 400
    assert "Name either a setting or an arrangement without one, not both." in _error_summary(both)


@pytest.mark.django_db
def test_the_child_record_links_to_the_ehc_page(signed_in, child):
    record = _body(signed_in.get(f"/children/{child.pk}/"))
    assert f'href="/ehc/children/{child.pk}/"' in record
