"""The EHC endpoints: each one's answer, its refusals (401 without a caller, 403 for a change
the caller may not make, 404 for a record they may not see, 409 for a step out of order or a
clash with someone else's edit, 422 for bad input naming the field), what they write to the
access log, both ways in (token and session), and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opensend.api.tests.conftest import last_entry, token_for
from opensend.core.models import AccessAction, AccessLogSubject, Area, Organisation, User
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    staff,
)
from opensend.ehc import services
from opensend.ehc.models import (
    AdviceRequest,
    AdviceStatus,
    AnnualReview,
    AssessmentRequest,
    Consultation,
    Plan,
    PlanVersion,
    ProvisionLine,
    RequestStage,
    ReviewStage,
    VersionState,
)
from opensend.ehc.tests import factories as ehc
from opensend.people import services as people
from opensend.people.models import Child, RecordSource
from opensend.people.tests.factories import ChildFactory

BASE = "/api/v1/ehc"
RECEIVED = ehc.RECEIVED  # Monday 6 January 2025


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


class ApiClient:
    """Calls the API as one user, with an API token (or, ``session=True``, signed in)."""

    def __init__(self, user: User, *, session: bool = False) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if session:
            self.client.force_login(user)
        else:
            self.headers = {"Authorization": f"Bearer {token_for(user)}"}

    def get(self, path, **params):
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(
            BASE + path,
            json.dumps(data or {}),
            content_type="application/json",
            headers=self.headers,
        )

    def put(self, path, data):
        return self.client.put(
            BASE + path, json.dumps(data), content_type="application/json", headers=self.headers
        )

    def patch(self, path, data):
        return self.client.patch(
            BASE + path, json.dumps(data), content_type="application/json", headers=self.headers
        )

    def delete(self, path, **params):
        return self.client.delete(f"{BASE}{path}?{urlencode(params)}", headers=self.headers)


@dataclass
class World:
    area: Area
    council: Organisation
    trust: Organisation
    school: Organisation
    child: Child  # in the area, on roll at the school
    elsewhere: Child  # in another area
    coordinator: User
    manager: User
    practitioner: User  # works at the trust
    stranger: User  # a health practitioner at another trust
    other_coordinator: User  # the other area's
    senco: User  # at the child's school: sees the child, changes nothing
    analyst: User  # an ICB analyst in the area: sees figures, no records

    def as_(self, who: str, **kwargs) -> ApiClient:
        return ApiClient(getattr(self, who), **kwargs)


@pytest.fixture
def world(area, local_authority, coordinator):
    other_area = AreaFactory(name="Westmere", la_code="991", ons_code="E06000991")
    other_council = OrganisationFactory(name="Westmere Council", home_area=other_area)
    trust = OrganisationFactory(
        name="Halford Vale Community Health", kind=OrganisationKind.NHS_TRUST, home_area=area
    )
    other_trust = OrganisationFactory(
        name="Westmere Hospitals", kind=OrganisationKind.NHS_TRUST, home_area=area
    )
    icb = OrganisationFactory(name="Halford ICB", kind=OrganisationKind.ICB, home_area=area)
    school = SettingFactory(name="Halford Vale Primary", home_area=area)
    child = ChildFactory(area=area, forename="Amira", surname="Testchild-Okafor")
    people.placement_start(
        acting_user=None,
        child=child,
        setting=school,
        start_date=dt.date(2021, 9, 1),
        source=RecordSource.MANUAL,
    )
    return World(
        area=area,
        council=local_authority,
        trust=trust,
        school=school,
        child=child,
        elsewhere=ChildFactory(area=other_area),
        coordinator=coordinator,
        manager=staff(Role.SEND_MANAGER, local_authority, full_name="Morgan Manager"),
        practitioner=staff(Role.HEALTH_PRACTITIONER, trust, full_name="Priya Practitioner"),
        stranger=staff(Role.HEALTH_PRACTITIONER, other_trust, full_name="Sol Stranger"),
        other_coordinator=staff(Role.EHC_COORDINATOR, other_council, full_name="Olu Other"),
        senco=staff(Role.SENCO, school, full_name="Sam Senco"),
        analyst=staff(Role.ANALYST, icb, full_name="Ana Analyst"),
    )


def request_for(world: World, **kwargs) -> AssessmentRequest:
    return ehc.received(world.child, coordinator=world.coordinator, **kwargs)


def assessing(world: World) -> AssessmentRequest:
    return ehc.assessing(request_for(world))


def advice_for(world: World) -> AdviceRequest:
    return ehc.advice_sent(assessing(world), organisation=world.trust)


def drafting(world: World) -> AssessmentRequest:
    return ehc.drafting(assessing(world))


def final_plan(world: World) -> Plan:
    return ehc.plan_for(world.child, coordinator=world.coordinator)


def open_review(plan: Plan) -> AnnualReview:
    return plan.reviews.get(stage=ReviewStage.SCHEDULED)


def assert_error(response, status: int, code: str, text: str = "") -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert text in body["detail"]
    return body


def assert_invalid(response, field: str, text: str = "", location: str = "body") -> None:
    """422 in the API's error shape, naming the field. ninja's own validation of a body names
    the field after the handler's parameter (``payload.date``); the services' refusals name
    the body's field (``date``): both end with the field."""
    body = assert_error(response, 422, "invalid_request")
    fields = [(error["location"], error["field"].split(".")[-1]) for error in body["errors"]]
    assert (location, field) in fields, body
    assert text in body["detail"], body


def subjects(entry) -> set[str]:
    return set(AccessLogSubject.objects.filter(entry=entry).values_list("subject_id", flat=True))


# Both ways in ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAuthentication:
    @pytest.mark.parametrize("session", [False, True])
    def test_token_and_session_both_read_and_change(self, world, session):
        case = request_for(world)
        client = world.as_("coordinator", session=session)
        response = client.post(
            f"/requests/{case.pk}/assessment-decision",
            {"date": "2025-02-03", "assess": True},
        )
        assert response.status_code == 200
        assert response.json()["stage"]["code"] == "assessing"
        assert client.get(f"/requests/{case.pk}").status_code == 200
        via = last_entry().detail["via"]
        assert (via == "api session") if session else via.startswith("api token ")

    def test_a_session_change_needs_the_csrf_token(self, world):
        case = request_for(world)
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.coordinator)
        url = f"{BASE}/requests/{case.pk}/assessment-decision"
        data = json.dumps({"date": "2025-02-03", "assess": True})
        refused = client.post(url, data, content_type="application/json")
        assert_error(refused, 403, "csrf_failed", "X-CSRFToken")
        case.refresh_from_db()
        assert case.stage == RequestStage.RECEIVED
        secret = "a" * 32
        client.cookies["csrftoken"] = secret
        allowed = client.post(
            url, data, content_type="application/json", headers={"X-CSRFToken": secret}
        )
        assert allowed.status_code == 200
        case.refresh_from_db()
        assert case.stage == RequestStage.ASSESSING

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/steps/mine"),
            ("get", "/requests/1"),
            ("post", "/requests"),
            ("post", "/requests/1/assessment-decision"),
            ("patch", "/plans/1/draft"),
            ("delete", "/plans/1/draft/lines/1?lock_version=0"),
            ("put", "/plans/1/draft/placements/1"),
            ("post", "/consultations/1/response"),
            ("post", "/plans/transfer-in"),
        ],
    )
    def test_without_a_caller_nothing_is_read_or_changed(self, world, method, path):
        response = getattr(Client(), method)(BASE + path, content_type="application/json")
        assert_error(response, 401, "not_authenticated")


# Caseloads ---------------------------------------------------------------------------------


@pytest.mark.django_db
class TestMySteps:
    def test_a_coordinator_sees_the_steps_they_hold_with_their_status(self, world):
        case = request_for(world)
        body = world.as_("coordinator").get("/steps/mine").json()
        assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)
        [step] = body["items"]
        assert step["kind"] == {"code": "decide_to_assess", "label": "Decide whether to assess"}
        assert step["status"] == {"code": "overdue", "label": "Overdue"}
        assert step["due_date"] == "2025-02-17"  # 6 weeks, the day of receipt being day 0
        assert step["request_id"] == case.pk
        assert step["child"] == {
            "id": world.child.pk,
            "display_name": "Amira Testchild-Okafor",
            "date_of_birth": "2015-03-14",
        }
        assert step["holder_user"]["id"] == world.coordinator.pk
        assert step["holder_organisation"] is None

    def test_health_staff_see_the_advice_asked_of_their_organisation(self, world):
        advice = advice_for(world)
        [step] = world.as_("practitioner").get("/steps/mine").json()["items"]
        assert (step["kind"]["code"], step["advice_id"]) == ("advice", advice.pk)
        assert step["holder_organisation"]["name"] == "Halford Vale Community Health"
        assert world.as_("stranger").get("/steps/mine").json()["total"] == 0

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, {"decide_to_issue", "final_plan"}),
            ({"kind": "final_plan"}, {"final_plan"}),
            ({"status": "suspended"}, {"decide_to_issue", "final_plan"}),
            ({"status": "overdue"}, set()),
            ({"kind": "advice", "status": "suspended"}, set()),
        ],
    )
    def test_filters(self, world, params, expected):
        case = assessing(world)
        services.exception_record(
            acting_user=None,
            request=case,
            kind="personal_circumstances",
            start_date=dt.date(2025, 2, 10),
            end_date=None,
            description="A family bereavement.",
        )
        items = world.as_("coordinator").get("/steps/mine", **params).json()["items"]
        assert {step["kind"]["code"] for step in items} == expected

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"status": "late"}, "status"),
            ({"kind": "tea"}, "kind"),
            ({"page": 0}, "page"),
            ({"page_size": 101}, "page_size"),
        ],
    )
    def test_bad_filters_are_refused_naming_them(self, world, params, field):
        response = world.as_("coordinator").get("/steps/mine", **params)
        assert_invalid(response, field, location="query")

    def test_pages_and_the_access_log(self, world):
        children = [ChildFactory(area=world.area) for _ in range(5)]
        for child in children:
            ehc.received(child, coordinator=world.coordinator)
        client = world.as_("coordinator")
        first = client.get("/steps/mine", page_size=2).json()
        beyond = client.get("/steps/mine", page_size=2, page=9).json()
        assert (first["total"], first["pages"], len(first["items"])) == (5, 3, 2)
        assert (beyond["page"], len(beyond["items"])) == (3, 1)  # past the end: the last page
        entry = last_entry()
        assert (entry.action, entry.actor, entry.object_type) == (
            AccessAction.SEARCH,
            world.coordinator,
            "ehc.step",
        )
        assert subjects(entry) == {str(beyond["items"][0]["child"]["id"])}
        assert entry.detail["page"] == 3
        assert entry.detail["total"] == 5

    def test_queries_do_not_grow_with_the_page(self, world):
        client = world.as_("coordinator")
        client.get("/steps/mine")  # the token's first use writes last_used_at

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/steps/mine", page_size=100).status_code == 200
            return len(queries)

        ehc.received(ChildFactory(area=world.area), coordinator=world.coordinator)
        few = count()
        for _ in range(6):
            ehc.received(ChildFactory(area=world.area), coordinator=world.coordinator)
        assert count() == few


@pytest.mark.django_db
class TestAreaCaseload:
    def test_the_area_team_sees_every_open_step(self, world):
        request_for(world)
        ehc.received(ChildFactory(area=world.area), coordinator=world.manager)
        client = world.as_("manager")
        everything = client.get("/areas/990/caseload").json()
        assert everything["total"] == 2
        mine = client.get("/areas/990/caseload", coordinator=world.coordinator.pk).json()
        assert [step["holder_user"]["id"] for step in mine["items"]] == [world.coordinator.pk]
        overdue = client.get("/areas/990/caseload", status="overdue", kind="decide_to_assess")
        assert overdue.json()["total"] == 2
        assert last_entry().detail["area"] == "990"

    @pytest.mark.parametrize(
        ("who", "la_code"),
        [
            ("other_coordinator", "990"),
            ("senco", "990"),
            ("analyst", "990"),
            ("coordinator", "999"),
        ],
    )
    def test_anyone_else_finds_nothing(self, world, who, la_code):
        request_for(world)
        assert_error(world.as_(who).get(f"/areas/{la_code}/caseload"), 404, "not_found")


@pytest.mark.django_db
class TestTimeliness:
    def test_the_twenty_week_rate_figures_and_advice_by_agency(self, world):
        final_plan(world)  # final issued 11 April 2025, within 20 weeks
        late = ehc.drafting(ehc.assessing(ehc.received(ChildFactory(area=world.area))))
        services.exception_record(
            acting_user=None,
            request=late,
            kind="away_from_area",
            start_date=dt.date(2025, 3, 1),
            end_date=dt.date(2025, 4, 30),
            description="The family were abroad for two months.",
        )
        ehc.final_issued(ehc.draft_issued(late), on=dt.date(2025, 6, 20))  # after 20 weeks
        ehc.advice_sent(ehc.assessing(ehc.received(ChildFactory(area=world.area))))
        body = world.as_("manager").get("/areas/990/timeliness", **{"from": "2025-01-01"}).json()
        assert body["area"]["la_code"] == "990"
        assert (body["start"], body["end"]) == ("2025-01-01", str(timezone.localdate()))
        assert [
            (row["month"], row["issued"], row["on_time"], row["rate"]) for row in body["rates"]
        ] == [("2025-04-01", 1, 1, 1.0), ("2025-06-01", 1, 0, 0.0)]
        assert body["period"] == {
            "month": "2025-01-01",
            "issued": 2,
            "on_time": 1,
            "rate": 0.5,
            "issued_excluding_exceptions": 1,
            "on_time_excluding_exceptions": 1,
            "rate_excluding_exceptions": 1.0,
        }
        figures = body["figures"]
        assert (figures["active_plans"], figures["open_requests"]) == (2, 1)
        assert figures["advice_overdue"] == 1
        assert figures["open_steps"]["overdue"] >= 1
        [agency] = body["advice_overdue_by_agency"]
        assert agency["advice_type"] == {"code": "health", "label": "Health (medical)"}
        assert (agency["outstanding"], agency["overdue"]) == (1, 1)

    def test_the_period_defaults_to_the_last_twelve_months(self, world):
        body = world.as_("coordinator").get("/areas/990/timeliness").json()
        today = timezone.localdate()
        start = dt.date.fromisoformat(body["start"])
        assert body["end"] == str(today)
        assert start.day == 1
        assert (today.year - start.year) * 12 + today.month - start.month == 11

    def test_anyone_working_in_the_area_sees_the_counts(self, world):
        assert world.as_("analyst").get("/areas/990/timeliness").status_code == 200

    @pytest.mark.parametrize(("who", "la_code"), [("other_coordinator", "990"), ("analyst", "99")])
    def test_anyone_else_finds_nothing(self, world, who, la_code):
        assert_error(world.as_(who).get(f"/areas/{la_code}/timeliness"), 404, "not_found")

    @pytest.mark.parametrize(
        ("params", "field"),
        [({"from": "2025-06-01", "to": "2025-05-31"}, "from"), ({"to": "31/05/2025"}, "to")],
    )
    def test_a_bad_period_is_refused(self, world, params, field):
        response = world.as_("manager").get("/areas/990/timeliness", **params)
        assert_invalid(response, field, location="query")


# A child's cases ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestChildCases:
    def test_requests_and_plans_newest_first_logged_as_a_view(self, world):
        plan = final_plan(world)
        body = world.as_("senco").get(f"/children/{world.child.pk}/cases").json()
        assert body["child"]["id"] == world.child.pk
        [request] = body["requests"]
        assert request["stage"]["code"] == "final_issued"
        assert request["plan_id"] == plan.pk
        assert request["reference"].startswith("R")
        assert [p["id"] for p in body["plans"]] == [plan.pk]
        assert body["plans"][0]["status"]["code"] == "active"
        entry = last_entry()
        assert (entry.action, entry.actor, entry.object_id) == (
            AccessAction.VIEW,
            world.senco,
            str(world.child.pk),
        )

    @pytest.mark.parametrize(
        ("who", "child"), [("other_coordinator", "child"), ("coordinator", "")]
    )
    def test_a_child_they_may_not_see_is_not_found(self, world, who, child):
        child_id = getattr(world, child).pk if child else 999999
        response = world.as_(who).get(f"/children/{child_id}/cases")
        assert_error(response, 404, "not_found", "No child with that reference")


# Requests ----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestReceive:
    def _body(self, world, **changes):
        return {
            "child_id": world.child.pk,
            "received_date": "2025-01-06",
            "source": "parent",
            "requester_name": "Nadia Okafor",
            "coordinator_id": world.coordinator.pk,
            **changes,
        }

    def test_starts_the_clock(self, world):
        response = world.as_("manager").post("/requests", self._body(world))
        assert response.status_code == 201
        body = response.json()
        created = AssessmentRequest.objects.get()
        assert (body["id"], body["reference"]) == (created.pk, created.reference)
        assert body["stage"] == {"code": "received", "label": "Deciding whether to assess"}
        assert body["kind"]["code"] == "new"
        assert body["source"] == {"code": "parent", "label": "Parent or carer"}
        assert body["clock"] == {
            "decision_due": "2025-02-17",
            "not_to_issue_due": "2025-04-28",
            "draft_target": "2025-04-14",
            "final_due": "2025-05-26",
        }
        assert body["coordinator"]["id"] == world.coordinator.pk
        assert [step["kind"]["code"] for step in body["steps"]] == ["decide_to_assess"]
        assert [event["action"] for event in body["events"]] == ["request_received"]
        assert body["events"][0]["actor"] == "Morgan Manager"
        entry = last_entry()
        assert (entry.action, entry.object_type) == (AccessAction.CHANGE, "ehc.request")

    @pytest.mark.parametrize(
        ("changes", "field", "text"),
        [
            ({"received_date": "tomorrow"}, "received_date", "today or in the past"),
            ({"received_date": "2015-01-01"}, "received_date", "on or after birth"),
            ({"source": "neighbour"}, "source", ""),
            ({"kind": "transfer_in"}, "kind", ""),
            ({"requester_organisation_id": 999999}, "requester_organisation_id", "no organisation"),
            ({"coordinator_id": 999999}, "coordinator_id", "not an EHC coordinator"),
            ({"child_id": None}, "child_id", ""),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, changes, field, text):
        if changes.get("received_date") == "tomorrow":
            changes = {"received_date": str(tomorrow())}
        response = world.as_("coordinator").post("/requests", self._body(world, **changes))
        assert_invalid(response, field, text)
        assert not AssessmentRequest.objects.exists()

    def test_a_second_open_request_is_refused(self, world):
        request_for(world)
        response = world.as_("coordinator").post("/requests", self._body(world))
        assert_invalid(response, "child_id", "already has a request under way")
        assert AssessmentRequest.objects.count() == 1

    def test_someone_who_only_sees_the_child_may_not(self, world):
        response = world.as_("senco").post("/requests", self._body(world))
        assert_error(response, 403, "forbidden", "SEND team")
        assert not AssessmentRequest.objects.exists()

    def test_a_child_they_may_not_see_is_not_found(self, world):
        response = world.as_("other_coordinator").post("/requests", self._body(world))
        assert_error(response, 404, "not_found")
        assert not AssessmentRequest.objects.exists()


@pytest.mark.django_db
class TestRequestGet:
    def test_the_whole_case_logged_as_a_view(self, world):
        advice = advice_for(world)
        body = world.as_("coordinator").get(f"/requests/{advice.request_id}").json()
        assert body["child"]["id"] == world.child.pk
        assert body["area_la_code"] == "990"
        assert body["decision_date"] == "2025-02-03"
        assert body["is_open"] is True
        [sent] = body["advice_requests"]
        assert sent["advice_type"]["code"] == "health"
        assert sent["organisation"]["name"] == "Halford Vale Community Health"
        assert (sent["requested_date"], sent["due_date"]) == ("2025-02-04", "2025-03-18")
        assert sent["status"]["code"] == "requested"
        assert {step["kind"]["code"]: step["status"]["code"] for step in body["steps"]} == {
            "decide_to_assess": "met",
            "advice": "overdue",
            "decide_to_issue": "overdue",
            "final_plan": "overdue",
        }
        assert [event["action"] for event in body["events"]] == [
            "request_received",
            "assess_decided",
            "advice_requested",
        ]
        entry = last_entry()
        assert (entry.action, entry.object_type, entry.object_id) == (
            AccessAction.VIEW,
            "ehc.request",
            str(advice.request_id),
        )
        assert subjects(entry) == {str(world.child.pk)}
        assert entry.purpose == "Local authority SEND officer for the child's area"

    def test_health_staff_asked_for_advice_see_the_case(self, world):
        advice = advice_for(world)
        assert world.as_("practitioner").get(f"/requests/{advice.request_id}").status_code == 200
        assert last_entry().purpose == "Their organisation is working with the child"

    @pytest.mark.parametrize("who", ["other_coordinator", "stranger", "analyst"])
    def test_anyone_else_finds_nothing(self, world, who):
        case = request_for(world)
        assert_error(world.as_(who).get(f"/requests/{case.pk}"), 404, "not_found")

    def test_queries_do_not_grow_with_the_case(self, world):
        case = assessing(world)
        client = world.as_("coordinator")
        client.get("/steps/mine")  # the token's first use writes last_used_at

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/requests/{case.pk}").status_code == 200
            return len(queries)

        ehc.advice_sent(case, organisation=world.trust)
        few = count()
        for n in range(4):
            trust = OrganisationFactory(
                name=f"Trust {n}", kind=OrganisationKind.NHS_TRUST, home_area=world.area
            )
            ehc.advice_sent(case, organisation=trust)
        assert count() == few

    def test_an_unknown_request_is_not_found(self, world):
        assert_error(world.as_("coordinator").get("/requests/999999"), 404, "not_found")


@pytest.mark.django_db
class TestAssessmentDecision:
    def test_deciding_to_assess_opens_the_assessment(self, world):
        case = request_for(world)
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/assessment-decision", {"date": "2025-02-03", "assess": True}
        )
        body = response.json()
        assert body["stage"]["code"] == "assessing"
        assert body["decision_date"] == "2025-02-03"
        open_kinds = {s["kind"]["code"] for s in body["steps"] if s["completed_on"] is None}
        assert open_kinds == {"decide_to_issue", "final_plan"}

    def test_deciding_not_to_assess_closes_the_request(self, world):
        case = request_for(world)
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/assessment-decision",
            {"date": "2025-02-03", "assess": False, "reasons": "Needs met at SEN support."},
        )
        body = response.json()
        assert (body["stage"]["code"], body["closed_date"]) == ("not_assessing", "2025-02-03")
        assert body["decision_reasons"] == "Needs met at SEN support."

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"date": "2025-02-03", "assess": False}, "reasons", "Give the reasons"),
            ({"date": "2025-01-05", "assess": True}, "date", "on or after the request"),
            ({"date": "tomorrow", "assess": True}, "date", "today or in the past"),
            ({"date": "2025-02-30", "assess": True}, "date", ""),
            ({"date": "2025-02-03"}, "assess", "Field required"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text):
        case = request_for(world)
        if data["date"] == "tomorrow":
            data = {**data, "date": str(tomorrow())}
        response = world.as_("coordinator").post(f"/requests/{case.pk}/assessment-decision", data)
        assert_invalid(response, field, text)
        case.refresh_from_db()
        assert case.stage == RequestStage.RECEIVED

    def test_a_second_decision_is_out_of_order(self, world):
        case = assessing(world)
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/assessment-decision", {"date": "2025-02-04", "assess": True}
        )
        assert_error(response, 409, "step_out_of_order", "the request is at “Assessing needs”")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, who, status):
        case = request_for(world)
        response = world.as_(who).post(
            f"/requests/{case.pk}/assessment-decision", {"date": "2025-02-03", "assess": True}
        )
        assert response.status_code == status
        case.refresh_from_db()
        assert case.stage == RequestStage.RECEIVED


@pytest.mark.django_db
class TestAdvice:
    def test_asking_for_advice(self, world):
        case = assessing(world)
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/advice",
            {
                "advice_type": "health",
                "organisation_id": world.trust.pk,
                "requested_date": "2025-02-04",
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["request_id"], body["due_date"]) == (case.pk, "2025-03-18")
        assert body["organisation"]["id"] == world.trust.pk
        assert AdviceRequest.objects.get().pk == body["id"]

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"advice_type": "health"}, "organisation_id", "Choose the organisation"),
            ({"advice_type": "health", "organisation_id": 999999}, "organisation_id", "no organ"),
            ({"advice_type": "horoscope"}, "advice_type", ""),
            ({"advice_type": "parent", "requested_date": "2025-01-31"}, "requested_date", "on or"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text):
        case = assessing(world)
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/advice", {"requested_date": "2025-02-04", **data}
        )
        assert_invalid(response, field, text)
        assert not AdviceRequest.objects.exists()

    def test_before_the_decision_to_assess_is_out_of_order(self, world):
        case = request_for(world)
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/advice",
            {"advice_type": "parent", "requested_date": "2025-01-10"},
        )
        assert_error(response, 409, "step_out_of_order", "ask for advice")

    @pytest.mark.parametrize("who", ["practitioner", "coordinator"])
    def test_returned_by_the_organisation_asked_or_the_area_team(self, world, who):
        advice = advice_for(world)
        response = world.as_(who).post(
            f"/advice/{advice.pk}/return",
            {"returned_date": "2025-03-10", "summary": "Needs speech and language therapy."},
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["status"]["code"], body["returned_date"]) == ("returned", "2025-03-10")
        assert body["summary"] == "Needs speech and language therapy."

    @pytest.mark.parametrize("who", ["stranger", "other_coordinator", "senco"])
    def test_no_one_else_finds_it(self, world, who):
        advice = advice_for(world)
        response = world.as_(who).post(
            f"/advice/{advice.pk}/return", {"returned_date": "2025-03-10", "summary": "Advice."}
        )
        assert_error(response, 404, "not_found")
        advice.refresh_from_db()
        assert advice.status == AdviceStatus.REQUESTED

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"returned_date": "2025-03-10", "summary": "  "}, "summary"),
            ({"returned_date": "2025-02-01", "summary": "Advice."}, "returned_date"),
            ({"summary": "Advice."}, "returned_date"),
        ],
    )
    def test_a_bad_return_is_refused_naming_the_field(self, world, data, field):
        advice = advice_for(world)
        response = world.as_("practitioner").post(f"/advice/{advice.pk}/return", data)
        assert_invalid(response, field)

    def test_returning_twice_is_out_of_order(self, world):
        advice = ehc.advice_returned(advice_for(world))
        response = world.as_("practitioner").post(
            f"/advice/{advice.pk}/return", {"returned_date": "2025-03-10", "summary": "Again."}
        )
        assert_error(response, 409, "step_out_of_order", "already returned")

    def test_advice_for_a_withdrawn_request_is_refused(self, world):
        advice = advice_for(world)
        services.request_withdraw(
            acting_user=None,
            request=advice.request,
            withdrawn_date=dt.date(2025, 2, 20),
            reason="The family moved away.",
        )
        response = world.as_("practitioner").post(
            f"/advice/{advice.pk}/return", {"returned_date": "2025-03-10", "summary": "Advice."}
        )
        assert_error(response, 409, "step_out_of_order", "withdrawn")


@pytest.mark.django_db
class TestExceptions:
    def test_recording_an_exception_suspends_the_limits(self, world):
        case = assessing(world)
        client = world.as_("coordinator")
        response = client.post(
            f"/requests/{case.pk}/exceptions",
            {
                "kind": "away_from_area",
                "start_date": "2025-02-10",
                "end_date": "2025-03-21",
                "description": "The family were abroad for six weeks.",
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert body["kind"] == {
            "code": "away_from_area",
            "label": "Away from the area for 4 weeks or more",
        }
        assert (body["start_date"], body["end_date"]) == ("2025-02-10", "2025-03-21")
        case_body = client.get(f"/requests/{case.pk}").json()
        assert case_body["has_exception"] is True
        assert [e["id"] for e in case_body["exceptions"]] == [body["id"]]
        statuses = {s["kind"]["code"]: s["status"]["code"] for s in case_body["steps"]}
        assert statuses["final_plan"] == statuses["decide_to_issue"] == "suspended"

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"kind": "missed_appointment"}, "kind", "advice only"),
            ({"kind": "alien_abduction"}, "kind", ""),
            ({"kind": "personal_circumstances", "description": " "}, "description", "Describe"),
            ({"kind": "away_from_area", "end_date": "2025-02-20"}, "kind", ""),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text):
        case = assessing(world)
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/exceptions",
            {"start_date": "2025-02-10", "description": "Circumstances.", **data},
        )
        assert_invalid(response, field, text)
        case.refresh_from_db()
        assert case.has_exception is False

    def test_a_closed_request_is_out_of_order(self, world):
        case = final_plan(world).requests.get()
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/exceptions",
            {"kind": "personal_circumstances", "start_date": "2025-02-10", "description": "x"},
        )
        assert_error(response, 409, "step_out_of_order", "closed")


@pytest.mark.django_db
class TestIssueDecision:
    def test_deciding_to_issue_starts_the_draft(self, world):
        advice = ehc.advice_returned(advice_for(world))
        response = world.as_("coordinator").post(
            f"/requests/{advice.request_id}/issue-decision", {"date": "2025-03-14", "issue": True}
        )
        body = response.json()
        assert body["stage"]["code"] == "drafting"
        assert body["issue_decision_date"] == "2025-03-14"
        plan = Plan.objects.get()
        assert body["plan_id"] == plan.pk
        assert plan.versions.get().state == VersionState.DRAFT

    def test_with_advice_outstanding_it_is_out_of_order(self, world):
        advice = advice_for(world)
        response = world.as_("coordinator").post(
            f"/requests/{advice.request_id}/issue-decision", {"date": "2025-03-14", "issue": True}
        )
        assert_error(response, 409, "step_out_of_order", "still outstanding")

    def test_not_issuing_needs_reasons(self, world):
        advice = ehc.advice_returned(advice_for(world))
        response = world.as_("coordinator").post(
            f"/requests/{advice.request_id}/issue-decision", {"date": "2025-03-14", "issue": False}
        )
        assert_invalid(response, "reasons", "Give the reasons")
        assert not Plan.objects.exists()

    def test_a_practitioner_may_not_decide(self, world):
        advice = ehc.advice_returned(advice_for(world))
        response = world.as_("practitioner").post(
            f"/requests/{advice.request_id}/issue-decision", {"date": "2025-03-14", "issue": True}
        )
        assert_error(response, 403, "forbidden")


@pytest.mark.django_db
class TestWithdraw:
    def test_withdrawing_closes_the_request(self, world):
        case = request_for(world)
        response = world.as_("coordinator").post(
            f"/requests/{case.pk}/withdraw", {"date": "2025-01-20", "reason": "Moved away."}
        )
        body = response.json()
        assert (body["stage"]["code"], body["closed_date"]) == ("withdrawn", "2025-01-20")
        assert body["withdrawal_reason"] == "Moved away."
        assert all(step["completed_on"] for step in body["steps"])

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"date": "2025-01-20", "reason": ""}, "reason"),
            ({"date": "2024-12-31", "reason": "x"}, "date"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field):
        case = request_for(world)
        assert_invalid(world.as_("coordinator").post(f"/requests/{case.pk}/withdraw", data), field)

    def test_twice_is_out_of_order(self, world):
        case = request_for(world)
        client = world.as_("coordinator")
        data = {"date": "2025-01-20", "reason": "Moved away."}
        assert client.post(f"/requests/{case.pk}/withdraw", data).status_code == 200
        assert_error(
            client.post(f"/requests/{case.pk}/withdraw", data), 409, "step_out_of_order", "closed"
        )


# Plans -------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPlanGet:
    def test_the_plan_in_force_logged_as_a_view(self, world):
        plan = final_plan(world)
        line = ProvisionLine.objects.get()
        ProvisionLine.objects.filter(pk=line.pk).update(annual_cost=Decimal("1250.50"))
        body = world.as_("coordinator").get(f"/plans/{plan.pk}").json()
        assert (body["id"], body["reference"], body["status"]["code"]) == (
            plan.pk,
            plan.reference,
            "active",
        )
        assert body["start_date"] == "2025-04-11"
        in_force = body["in_force"]
        assert (in_force["number"], in_force["state"]["code"]) == (1, "issued")
        assert in_force["section_b"] == "Speech, language and communication needs."
        [provision] = in_force["lines"]
        assert provision["section"]["code"] == "f"
        assert provision["commissioner"] == {
            "code": "la_education",
            "label": "Local authority (education, high needs)",
        }
        assert (provision["quantity"], provision["annual_cost"]) == ("30.00", "1250.50")
        assert provision["amount"] == "30 minutes, daily"
        assert provision["unit"]["code"] == "minutes"
        [placement] = in_force["placements"]
        assert placement["rank"] == 1
        assert placement["setting"]["kind"]["code"] == "school"
        assert in_force["sign_offs"] == []
        assert body["draft"] is None
        assert [(v["number"], v["state"]["code"]) for v in body["versions"]] == [(1, "issued")]
        [review] = body["reviews"]
        assert review["stage"]["code"] == "scheduled"
        assert review["phase_transfer"]["code"] == "primary_to_secondary"
        assert body["open_review"] == review
        assert body["in_force"]["consultations"] == []
        entry = last_entry()
        assert (entry.action, entry.object_type, entry.object_id) == (
            AccessAction.VIEW,
            "ehc.plan",
            str(plan.pk),
        )

    def test_a_plan_being_drafted_has_no_version_in_force(self, world):
        case = drafting(world)
        body = world.as_("senco").get(f"/plans/{case.plan_id}").json()
        assert body["status"]["code"] == "draft"
        assert body["in_force"] is None
        assert (body["draft"]["number"], body["draft"]["lock_version"]) == (1, 0)

    def test_a_version_by_number(self, world):
        plan = final_plan(world)
        client = world.as_("coordinator")
        body = client.get(f"/plans/{plan.pk}/versions/1").json()
        assert (body["plan_id"], body["number"], body["issued_date"]) == (plan.pk, 1, "2025-04-11")
        assert last_entry().object_type == "ehc.plan"
        assert_error(client.get(f"/plans/{plan.pk}/versions/2"), 404, "not_found", "no version 2")

    @pytest.mark.parametrize("path", ["", "/versions/1"])
    def test_anyone_else_finds_nothing(self, world, path):
        plan = final_plan(world)
        assert_error(
            world.as_("other_coordinator").get(f"/plans/{plan.pk}{path}"), 404, "not_found"
        )
        assert_error(world.as_("coordinator").get(f"/plans/999999{path}"), 404, "not_found")


@pytest.mark.django_db
class TestDraftEdit:
    def test_changing_sections(self, world):
        case = drafting(world)
        response = world.as_("coordinator").patch(
            f"/plans/{case.plan_id}/draft",
            {"lock_version": 0, "section_a": "Loves trains.", "organised_arrangements": "E"},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["section_a"] == "Loves trains."
        assert body["organised_arrangements"] == {"code": "E", "label": "Education"}
        assert body["lock_version"] == 1
        assert body["updated_by"] == "Casey Coordinator"

    def test_two_people_editing_at_once_the_second_is_told_and_nothing_is_lost(self, world):
        case = drafting(world)
        first, second = world.as_("coordinator"), world.as_("manager")
        read = second.get(f"/plans/{case.plan_id}").json()["draft"]["lock_version"]
        saved = first.patch(
            f"/plans/{case.plan_id}/draft", {"lock_version": read, "section_a": "First."}
        )
        assert saved.status_code == 200
        clash = second.patch(
            f"/plans/{case.plan_id}/draft", {"lock_version": read, "section_a": "Second."}
        )
        assert_error(clash, 409, "concurrent_edit", "Casey Coordinator saved this plan")
        draft = PlanVersion.objects.get()
        assert (draft.section_a, draft.lock_version) == ("First.", read + 1)

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"lock_version": 0}, "body"),
            ({"section_a": "x"}, "lock_version"),
            ({"lock_version": 0, "direct_payments": "Z"}, "direct_payments"),
            ({"lock_version": -1, "section_a": "x"}, "lock_version"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field):
        case = drafting(world)
        response = world.as_("coordinator").patch(f"/plans/{case.plan_id}/draft", data)
        assert_invalid(response, field)
        assert PlanVersion.objects.get().lock_version == 0

    def test_a_plan_without_a_draft_is_out_of_order(self, world):
        plan = final_plan(world)
        response = world.as_("coordinator").patch(
            f"/plans/{plan.pk}/draft", {"lock_version": 0, "section_a": "x"}
        )
        assert_error(response, 409, "step_out_of_order", "has no draft")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, who, status):
        case = drafting(world)
        response = world.as_(who).patch(
            f"/plans/{case.plan_id}/draft", {"lock_version": 0, "section_a": "x"}
        )
        assert response.status_code == status
        assert PlanVersion.objects.get().section_a == ""


LINE = {
    "section": "g",
    "description": "Physiotherapy programme",
    "commissioner": "icb",
    "quantity": "1.5",
    "unit": "hours",
    "frequency": "weekly",
    "provider_description": "Community physiotherapy service",
    "annual_cost": "2400.00",
}


@pytest.mark.django_db
class TestProvisionLines:
    def test_adding_a_line(self, world):
        case = drafting(world)
        response = world.as_("coordinator").post(
            f"/plans/{case.plan_id}/draft/lines",
            {**LINE, "lock_version": 0, "provider_organisation_id": world.trust.pk},
        )
        assert response.status_code == 201
        body = response.json()
        assert body["lock_version"] == 1
        line = body["line"]
        assert line["id"] == ProvisionLine.objects.get().pk
        assert line["commissioner"] == {"code": "icb", "label": "Integrated Care Board"}
        assert (line["quantity"], line["annual_cost"]) == ("1.50", "2400.00")
        assert line["amount"] == "1.5 hours, weekly"
        assert line["provider_organisation"]["id"] == world.trust.pk

    @pytest.mark.parametrize(
        ("changes", "field", "text"),
        [
            ({"commissioner": "la_education"}, "commissioner", "commissioned by"),
            ({"unit": None}, "unit", "measured in"),
            ({"quantity": "-1"}, "quantity", ""),
            ({"section": "b"}, "section", ""),
            ({"description": " "}, "description", "Say what is provided"),
            ({"provider_description": ""}, "provider_description", "Say who provides it"),
            ({"provider_organisation_id": 999999}, "provider_organisation_id", "no organisation"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, changes, field, text):
        case = drafting(world)
        response = world.as_("coordinator").post(
            f"/plans/{case.plan_id}/draft/lines", {**LINE, "lock_version": 0, **changes}
        )
        assert_invalid(response, field, text)
        assert not ProvisionLine.objects.exists()

    def test_a_stale_lock_version_is_a_clash(self, world):
        case = drafting(world)
        ehc.write_draft(ehc.draft_of(case))
        response = world.as_("coordinator").post(
            f"/plans/{case.plan_id}/draft/lines", {**LINE, "lock_version": 0}
        )
        assert_error(response, 409, "concurrent_edit")
        assert ProvisionLine.objects.count() == 1

    def test_removing_a_line(self, world):
        case = drafting(world)
        draft = ehc.write_draft(ehc.draft_of(case))
        line = draft.lines.get()
        client = world.as_("coordinator")
        stale = client.delete(
            f"/plans/{case.plan_id}/draft/lines/{line.pk}", lock_version=draft.lock_version - 1
        )
        assert_error(stale, 409, "concurrent_edit")
        response = client.delete(
            f"/plans/{case.plan_id}/draft/lines/{line.pk}", lock_version=draft.lock_version
        )
        assert response.json() == {"lock_version": draft.lock_version + 1}
        assert not ProvisionLine.objects.exists()
        assert_error(
            client.delete(f"/plans/{case.plan_id}/draft/lines/{line.pk}", lock_version=0),
            404,
            "not_found",
        )

    def test_removing_needs_the_lock_version(self, world):
        case = drafting(world)
        line = ehc.write_draft(ehc.draft_of(case)).lines.get()
        response = world.as_("coordinator").delete(f"/plans/{case.plan_id}/draft/lines/{line.pk}")
        assert_invalid(response, "lock_version", location="query")

    def test_a_line_of_an_issued_version_is_not_in_the_draft(self, world):
        plan = final_plan(world)
        line = ProvisionLine.objects.get()
        response = world.as_("coordinator").delete(
            f"/plans/{plan.pk}/draft/lines/{line.pk}", lock_version=0
        )
        assert_error(response, 409, "step_out_of_order", "has no draft")


@pytest.mark.django_db
class TestDraftAndFinal:
    def test_sending_the_draft_to_the_family(self, world):
        case = drafting(world)
        ehc.write_draft(ehc.draft_of(case))
        client = world.as_("coordinator")
        response = client.post(f"/plans/{case.plan_id}/draft/issue", {"served_date": "2025-03-21"})
        body = response.json()
        assert (body["draft_served_date"], body["comments_due"]) == ("2025-03-21", "2025-04-04")
        again = client.post(f"/plans/{case.plan_id}/draft/issue", {"served_date": "2025-03-22"})
        assert_error(again, 409, "step_out_of_order", "already been sent")

    def test_an_empty_draft_is_not_sent(self, world):
        case = drafting(world)
        response = world.as_("coordinator").post(
            f"/plans/{case.plan_id}/draft/issue", {"served_date": "2025-03-21"}
        )
        assert_invalid(response, "body", "has no content")

    def test_issuing_the_final_plan(self, world):
        version = ehc.draft_issued(drafting(world))
        services.placement_name(
            acting_user=None,
            version=version,
            expected_lock_version=version.lock_version,
            setting=world.school,
        )
        response = world.as_("coordinator").post(
            f"/plans/{version.plan_id}/final", {"issued_date": "2025-04-11"}
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["status"]["code"], body["start_date"]) == ("active", "2025-04-11")
        assert body["in_force"]["placements"][0]["setting"]["name"] == "Halford Vale Primary"
        assert body["draft"] is None
        assert AssessmentRequest.objects.get().stage == RequestStage.FINAL_ISSUED

    def test_a_final_plan_needs_a_setting_and_the_familys_fifteen_days(self, world):
        version = ehc.draft_issued(drafting(world))  # served 21 March 2025
        client = world.as_("coordinator")
        response = client.post(f"/plans/{version.plan_id}/final", {"issued_date": "2025-03-25"})
        body = assert_error(response, 422, "invalid_request")
        messages = " ".join(error["message"] for error in body["errors"])
        assert "Name the setting" in messages
        assert "to comment on the draft" in messages
        assert Plan.objects.get().status == "draft"

    def test_a_final_plan_before_its_draft_is_out_of_order(self, world):
        case = drafting(world)
        ehc.write_draft(ehc.draft_of(case))
        response = world.as_("coordinator").post(
            f"/plans/{case.plan_id}/final", {"issued_date": "2025-04-11"}
        )
        assert_error(response, 409, "step_out_of_order", "comes after its draft")

    def test_a_future_date_is_refused(self, world):
        version = ehc.draft_issued(drafting(world))
        response = world.as_("coordinator").post(
            f"/plans/{version.plan_id}/final", {"issued_date": str(tomorrow())}
        )
        assert_invalid(response, "issued_date", "today or in the past")


# Annual reviews ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestReviews:
    def test_meeting_report_and_decision(self, world):
        review = open_review(final_plan(world))
        client = world.as_("coordinator")
        met = client.post(f"/reviews/{review.pk}/meeting", {"meeting_date": "2025-11-03"}).json()
        assert (met["stage"]["code"], met["meeting_date"]) == ("meeting_held", "2025-11-03")
        reported = client.post(
            f"/reviews/{review.pk}/report",
            {"received_date": "2025-11-10", "summary": "Progress good; maintain."},
        ).json()
        assert reported["stage"]["code"] == "report_received"
        decided = client.post(
            f"/reviews/{review.pk}/decision", {"date": "2025-11-20", "outcome": "M"}
        ).json()
        assert decided["stage"]["code"] == "completed"
        assert decided["outcome"] == {"code": "M", "label": "Maintain"}
        assert Plan.objects.get().reviews.filter(stage=ReviewStage.SCHEDULED).count() == 1

    def test_amending_starts_a_draft(self, world):
        plan = final_plan(world)
        review = open_review(plan)
        services.review_hold_meeting(
            acting_user=None, review=review, meeting_date=dt.date(2025, 11, 3)
        )
        services.review_receive_report(
            acting_user=None, review=review, received_date=dt.date(2025, 11, 10), summary="x"
        )
        client = world.as_("coordinator")
        decided = client.post(
            f"/reviews/{review.pk}/decision",
            {"date": "2025-11-20", "outcome": "A", "reasons": "Needs have changed."},
        ).json()
        assert (decided["stage"]["code"], decided["amended_plan_due"]) == ("amending", "2026-01-15")
        draft = client.get(f"/plans/{plan.pk}").json()["draft"]
        assert (draft["number"], draft["kind"]["code"]) == (2, "amendment")

    @pytest.mark.parametrize(
        ("step", "data", "field", "text"),
        [
            ("meeting", {"meeting_date": "2025-04-01"}, "meeting_date", "on or after"),
            ("meeting", {"meeting_date": "tomorrow"}, "meeting_date", "today or in the past"),
            ("meeting", {}, "meeting_date", "Field required"),
        ],
    )
    def test_a_bad_meeting_is_refused(self, world, step, data, field, text):
        review = open_review(final_plan(world))
        if data.get("meeting_date") == "tomorrow":
            data = {"meeting_date": str(tomorrow())}
        response = world.as_("coordinator").post(f"/reviews/{review.pk}/{step}", data)
        assert_invalid(response, field, text)
        review.refresh_from_db()
        assert review.stage == ReviewStage.SCHEDULED

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"date": "2025-11-20", "outcome": "A"}, "reasons", "Give the reasons"),
            ({"date": "2025-11-20", "outcome": "X"}, "outcome", ""),
            ({"date": "2025-11-01", "outcome": "M"}, "date", "on or after the meeting"),
        ],
    )
    def test_a_bad_decision_is_refused(self, world, data, field, text):
        review = open_review(final_plan(world))
        services.review_hold_meeting(
            acting_user=None, review=review, meeting_date=dt.date(2025, 11, 3)
        )
        services.review_receive_report(
            acting_user=None, review=review, received_date=dt.date(2025, 11, 10), summary="x"
        )
        response = world.as_("coordinator").post(f"/reviews/{review.pk}/decision", data)
        assert_invalid(response, field, text)

    @pytest.mark.parametrize(
        ("step", "data"),
        [
            ("report", {"received_date": "2025-11-10", "summary": "x"}),
            ("decision", {"date": "2025-11-20", "outcome": "M"}),
        ],
    )
    def test_out_of_order(self, world, step, data):
        review = open_review(final_plan(world))
        response = world.as_("coordinator").post(f"/reviews/{review.pk}/{step}", data)
        assert_error(response, 409, "step_out_of_order", "the review is at “Review due”")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, who, status):
        review = open_review(final_plan(world))
        response = world.as_(who).post(
            f"/reviews/{review.pk}/meeting", {"meeting_date": "2025-11-03"}
        )
        assert response.status_code == status
        review.refresh_from_db()
        assert review.stage == ReviewStage.SCHEDULED

    def test_an_unknown_review_is_not_found(self, world):
        response = world.as_("coordinator").post(
            "/reviews/999999/meeting", {"meeting_date": "2025-11-03"}
        )
        assert_error(response, 404, "not_found")


# Assigning, advice exceptions and cancelling ---------------------------------------------


@pytest.mark.django_db
class TestAssign:
    def test_the_case_and_its_steps_move_to_the_new_coordinator(self, world):
        case = request_for(world)
        response = world.as_("manager").post(
            f"/requests/{case.pk}/assign", {"coordinator_id": world.manager.pk}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["coordinator"]["id"] == world.manager.pk
        [step] = body["steps"]
        assert step["holder_user"]["id"] == world.manager.pk
        assert body["events"][-1]["action"] == "request_assigned"
        entry = last_entry()
        assert (entry.action, entry.detail["ehc"]) == (AccessAction.CHANGE, "request_assigned")
        assert world.as_("coordinator").get("/steps/mine").json()["total"] == 0

    @pytest.mark.parametrize("who", ["senco", "other_coordinator", "nobody"])
    def test_only_a_coordinator_of_the_area_can_be_given_it(self, world, who):
        case = request_for(world)
        user_id = 999999 if who == "nobody" else getattr(world, who).pk
        response = world.as_("manager").post(
            f"/requests/{case.pk}/assign", {"coordinator_id": user_id}
        )
        assert_invalid(response, "coordinator_id", "not an EHC coordinator")
        case.refresh_from_db()
        assert case.coordinator == world.coordinator

    def test_the_coordinator_is_required(self, world):
        case = request_for(world)
        response = world.as_("manager").post(f"/requests/{case.pk}/assign", {})
        assert_invalid(response, "coordinator_id", "Field required")

    def test_a_closed_request_is_out_of_order(self, world):
        case = final_plan(world).requests.get()
        response = world.as_("manager").post(
            f"/requests/{case.pk}/assign", {"coordinator_id": world.manager.pk}
        )
        assert_error(response, 409, "step_out_of_order", "closed")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, who, status):
        case = request_for(world)
        response = world.as_(who).post(
            f"/requests/{case.pk}/assign", {"coordinator_id": world.manager.pk}
        )
        assert response.status_code == status
        case.refresh_from_db()
        assert case.coordinator == world.coordinator


@pytest.mark.django_db
class TestAdviceException:
    @pytest.mark.parametrize("who", ["practitioner", "coordinator"])
    def test_recording_it_suspends_the_advice_step(self, world, who):
        advice = advice_for(world)
        response = world.as_(who).post(
            f"/advice/{advice.pk}/exception",
            {"kind": "missed_appointment", "note": "The family missed the clinic on 3 March."},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["exception_kind"] == {
            "code": "missed_appointment",
            "label": "Missed an appointment for the advice",
        }
        assert body["exception_note"] == "The family missed the clinic on 3 March."
        case = world.as_("coordinator").get(f"/requests/{advice.request_id}").json()
        statuses = {s["kind"]["code"]: s["status"]["code"] for s in case["steps"]}
        assert statuses["advice"] == "suspended"

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"kind": "school_closure", "note": "x"}, "kind", "not an exception for advice"),
            ({"kind": "alien_abduction", "note": "x"}, "kind", ""),
            ({"kind": "away_from_area", "note": "  "}, "note", "Describe"),
            ({"kind": "away_from_area"}, "note", "Field required"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text):
        advice = advice_for(world)
        response = world.as_("practitioner").post(f"/advice/{advice.pk}/exception", data)
        assert_invalid(response, field, text)
        advice.refresh_from_db()
        assert advice.exception_kind == ""

    def test_returned_advice_is_out_of_order(self, world):
        advice = ehc.advice_returned(advice_for(world))
        response = world.as_("practitioner").post(
            f"/advice/{advice.pk}/exception", {"kind": "away_from_area", "note": "Abroad."}
        )
        assert_error(response, 409, "step_out_of_order", "already returned")

    @pytest.mark.parametrize("who", ["stranger", "other_coordinator", "senco"])
    def test_no_one_else_finds_it(self, world, who):
        advice = advice_for(world)
        response = world.as_(who).post(
            f"/advice/{advice.pk}/exception", {"kind": "away_from_area", "note": "Abroad."}
        )
        assert_error(response, 404, "not_found")
        advice.refresh_from_db()
        assert advice.exception_kind == ""


@pytest.mark.django_db
class TestAdviceCancel:
    def test_cancelling_ends_the_step(self, world):
        advice = advice_for(world)
        client = world.as_("coordinator")
        response = client.post(
            f"/advice/{advice.pk}/cancel", {"reason": "The trust's advice from May still holds."}
        )
        assert response.status_code == 200
        assert response.json()["status"]["code"] == "cancelled"
        case = client.get(f"/requests/{advice.request_id}").json()
        [step] = [s for s in case["steps"] if s["kind"]["code"] == "advice"]
        assert step["cancelled"] is True
        again = client.post(f"/advice/{advice.pk}/cancel", {"reason": "Again."})
        assert_error(again, 409, "step_out_of_order", "already cancelled")

    @pytest.mark.parametrize(("data", "text"), [({"reason": " "}, "Say why"), ({}, "required")])
    def test_a_reason_is_needed(self, world, data, text):
        advice = advice_for(world)
        response = world.as_("coordinator").post(f"/advice/{advice.pk}/cancel", data)
        assert_invalid(response, "reason", text)
        advice.refresh_from_db()
        assert advice.status == AdviceStatus.REQUESTED

    @pytest.mark.parametrize(("who", "status"), [("practitioner", 403), ("stranger", 404)])
    def test_only_the_area_team_cancels(self, world, who, status):
        advice = advice_for(world)
        response = world.as_(who).post(f"/advice/{advice.pk}/cancel", {"reason": "Not needed."})
        assert response.status_code == status
        advice.refresh_from_db()
        assert advice.status == AdviceStatus.REQUESTED


# Section I, the family's comments and consultations -----------------------------------------


@pytest.mark.django_db
class TestPlacements:
    def test_naming_a_setting_then_an_arrangement_at_rank_two(self, world):
        version = ehc.draft_issued(drafting(world))
        client = world.as_("coordinator")
        path = f"/plans/{version.plan_id}/draft/placements"
        named = client.put(
            f"{path}/1",
            {
                "lock_version": version.lock_version,
                "setting_id": world.school.pk,
                "in_sen_unit": True,
            },
        )
        assert named.status_code == 200
        body = named.json()
        assert body["lock_version"] == version.lock_version + 1
        assert body["placement"]["rank"] == 1
        assert body["placement"]["setting"]["name"] == "Halford Vale Primary"
        assert (body["placement"]["sen_setting"], body["placement"]["in_sen_unit"]) == (None, True)
        second = client.put(
            f"{path}/2",
            {
                "lock_version": body["lock_version"],
                "sen_setting": "OTH",
                "sen_setting_other": "Hospital school",
                "residential": "A",
            },
        ).json()
        assert second["placement"]["sen_setting"] == {"code": "OTH", "label": "Other"}
        assert second["placement"]["residential"]["code"] == "A"
        draft = client.get(f"/plans/{version.plan_id}").json()["draft"]
        assert [p["rank"] for p in draft["placements"]] == [1, 2]
        assert draft["lock_version"] == second["lock_version"]

    def test_putting_the_same_rank_again_replaces_it(self, world):
        version = ehc.draft_issued(drafting(world))
        client = world.as_("coordinator")
        path = f"/plans/{version.plan_id}/draft/placements/1"
        first = client.put(
            path, {"lock_version": version.lock_version, "setting_id": world.school.pk}
        )
        client.put(path, {"lock_version": first.json()["lock_version"], "sen_setting": "EHE"})
        [placement] = PlanVersion.objects.get().placements.all()
        assert (placement.setting, placement.sen_setting) == (None, "EHE")

    @pytest.mark.parametrize(
        ("data", "field", "text", "location"),
        [
            ({}, "setting_id", "not both", "body"),
            ({"setting_id": "school", "sen_setting": "EHE"}, "setting_id", "not both", "body"),
            ({"setting_id": "trust"}, "setting_id", "not a school or college", "body"),
            ({"setting_id": 999999}, "setting_id", "no organisation", "body"),
            ({"sen_setting": "OTH"}, "sen_setting_other", "Describe", "body"),
            ({"sen_setting": "HOME"}, "sen_setting", "", "body"),
            ({"sen_setting": "EHE", "work_based": "Z"}, "work_based", "", "body"),
            ({"sen_setting": "EHE", "rank": 3}, "rank", "less than or equal to 2", "path"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text, location):
        data = dict(data)
        version = ehc.draft_issued(drafting(world))
        ids = {"school": world.school.pk, "trust": world.trust.pk}
        if data.get("setting_id") in ids:
            data = {**data, "setting_id": ids[data["setting_id"]]}
        rank = data.pop("rank", 1)
        response = world.as_("coordinator").put(
            f"/plans/{version.plan_id}/draft/placements/{rank}",
            {"lock_version": version.lock_version, **data},
        )
        assert_invalid(response, field, text, location=location)
        assert not PlanVersion.objects.get().placements.exists()

    def test_a_stale_lock_version_is_a_clash(self, world):
        version = ehc.draft_issued(drafting(world))
        response = world.as_("coordinator").put(
            f"/plans/{version.plan_id}/draft/placements/1",
            {"lock_version": version.lock_version - 1, "setting_id": world.school.pk},
        )
        assert_error(response, 409, "concurrent_edit")
        assert not PlanVersion.objects.get().placements.exists()

    def test_a_plan_without_a_draft_is_out_of_order(self, world):
        plan = final_plan(world)
        response = world.as_("coordinator").put(
            f"/plans/{plan.pk}/draft/placements/1", {"lock_version": 0, "sen_setting": "EHE"}
        )
        assert_error(response, 409, "step_out_of_order", "has no draft")

    def test_a_new_plans_draft_naming_a_school_is_not_sent(self, world):
        case = drafting(world)
        draft = ehc.write_draft(ehc.draft_of(case))
        client = world.as_("coordinator")
        client.put(
            f"/plans/{case.plan_id}/draft/placements/1",
            {"lock_version": draft.lock_version, "setting_id": world.school.pk},
        )
        response = client.post(f"/plans/{case.plan_id}/draft/issue", {"served_date": "2025-03-21"})
        assert_invalid(response, "body", "must not name a school")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, who, status):
        version = ehc.draft_issued(drafting(world))
        response = world.as_(who).put(
            f"/plans/{version.plan_id}/draft/placements/1",
            {"lock_version": version.lock_version, "setting_id": world.school.pk},
        )
        assert response.status_code == status
        assert not PlanVersion.objects.get().placements.exists()

    def test_removing_a_placement(self, world):
        version = ehc.draft_issued(drafting(world))
        services.placement_name(
            acting_user=None,
            version=version,
            expected_lock_version=version.lock_version,
            setting=world.school,
        )
        version.refresh_from_db()
        client = world.as_("coordinator")
        path = f"/plans/{version.plan_id}/draft/placements"
        stale = client.delete(f"{path}/1", lock_version=version.lock_version - 1)
        assert_error(stale, 409, "concurrent_edit")
        assert_error(
            client.delete(f"{path}/2", lock_version=version.lock_version),
            404,
            "not_found",
            "names no setting at rank 2",
        )
        assert_invalid(client.delete(f"{path}/1"), "lock_version", location="query")
        assert (
            world.as_("senco").delete(f"{path}/1", lock_version=version.lock_version).status_code
            == 403
        )
        response = client.delete(f"{path}/1", lock_version=version.lock_version)
        assert response.json() == {"lock_version": version.lock_version + 1}
        assert not PlanVersion.objects.get().placements.exists()


@pytest.mark.django_db
class TestDraftComments:
    def test_recording_the_familys_comments(self, world):
        version = ehc.draft_issued(drafting(world))  # served 21 March 2025
        response = world.as_("coordinator").post(
            f"/plans/{version.plan_id}/draft/comments",
            {
                "received_date": "2025-03-28",
                "comments": "We would like more speech therapy.",
                "preferred_setting_id": world.school.pk,
                "meeting_requested": True,
            },
        )
        assert response.status_code == 200
        body = response.json()
        assert body["comments_received_date"] == "2025-03-28"
        assert body["family_comments"] == "We would like more speech therapy."
        assert body["preferred_setting"]["id"] == world.school.pk
        assert body["meeting_requested"] is True
        assert body["lock_version"] == version.lock_version + 1
        assert last_entry().detail["ehc"] == "draft_comments"

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"received_date": "2025-03-20"}, "received_date", "on or after the day the draft"),
            ({"received_date": "tomorrow"}, "received_date", "today or in the past"),
            ({}, "received_date", "Field required"),
            (
                {"received_date": "2025-03-28", "preferred_setting_id": "trust"},
                "preferred_setting_id",
                "school or college",
            ),
            (
                {"received_date": "2025-03-28", "preferred_setting_id": 999999},
                "preferred_setting_id",
                "no organisation",
            ),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text):
        version = ehc.draft_issued(drafting(world))
        if data.get("received_date") == "tomorrow":
            data = {**data, "received_date": str(tomorrow())}
        if data.get("preferred_setting_id") == "trust":
            data = {**data, "preferred_setting_id": world.trust.pk}
        response = world.as_("coordinator").post(f"/plans/{version.plan_id}/draft/comments", data)
        assert_invalid(response, field, text)
        assert PlanVersion.objects.get().comments_received_date is None

    def test_before_the_draft_is_sent_it_is_out_of_order(self, world):
        case = drafting(world)
        response = world.as_("coordinator").post(
            f"/plans/{case.plan_id}/draft/comments", {"received_date": "2025-03-28"}
        )
        assert_error(response, 409, "step_out_of_order", "not been sent to the family")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, who, status):
        version = ehc.draft_issued(drafting(world))
        response = world.as_(who).post(
            f"/plans/{version.plan_id}/draft/comments", {"received_date": "2025-03-28"}
        )
        assert response.status_code == status
        assert PlanVersion.objects.get().comments_received_date is None


@pytest.fixture
def academy(world):
    """A second school in the area, with its own SENCO, that the child does not attend."""
    school = SettingFactory(name="Halford Vale Academy", home_area=world.area)
    return school, staff(Role.SENCO, school, full_name="Asha Academy-Senco")


@pytest.mark.django_db
class TestConsultations:
    def test_consulting_a_setting(self, world, academy):
        school, senco = academy
        version = ehc.draft_issued(drafting(world))
        client = world.as_("coordinator")
        response = client.post(
            f"/plans/{version.plan_id}/draft/consultations",
            {"setting_id": school.pk, "sent_date": "2025-03-24", "parent_preference": True},
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["plan_id"], body["version_number"]) == (version.plan_id, 1)
        assert body["setting"]["name"] == "Halford Vale Academy"
        assert (body["sent_date"], body["response_due"]) == ("2025-03-24", "2025-04-07")
        assert body["response"] == {"code": "awaited", "label": "Awaiting a response"}
        assert body["parent_preference"] is True
        draft = client.get(f"/plans/{version.plan_id}").json()["draft"]
        assert [c["id"] for c in draft["consultations"]] == [body["id"]]
        [step] = ApiClient(senco).get("/steps/mine").json()["items"]
        assert (step["kind"]["code"], step["consultation_id"]) == ("consultation", body["id"])

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"setting_id": "trust"}, "setting_id", "not a school or college"),
            ({"setting_id": 999999}, "setting_id", "no organisation"),
            ({"sent_date": "2025-03-20"}, "sent_date", "on or after the draft"),
            ({"setting_id": None}, "setting_id", ""),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, academy, data, field, text):
        version = ehc.draft_issued(drafting(world))
        body = {"setting_id": academy[0].pk, "sent_date": "2025-03-24", **data}
        if body["setting_id"] == "trust":
            body["setting_id"] = world.trust.pk
        response = world.as_("coordinator").post(
            f"/plans/{version.plan_id}/draft/consultations", body
        )
        assert_invalid(response, field, text)
        assert not Consultation.objects.exists()

    def test_a_setting_is_consulted_once(self, world, academy):
        version = ehc.draft_issued(drafting(world))
        client = world.as_("coordinator")
        data = {"setting_id": academy[0].pk, "sent_date": "2025-03-24"}
        assert client.post(f"/plans/{version.plan_id}/draft/consultations", data).status_code == 201
        again = client.post(f"/plans/{version.plan_id}/draft/consultations", data)
        assert_invalid(again, "setting_id", "already been consulted")

    def test_before_the_draft_is_sent_it_is_out_of_order(self, world, academy):
        case = drafting(world)
        response = world.as_("coordinator").post(
            f"/plans/{case.plan_id}/draft/consultations",
            {"setting_id": academy[0].pk, "sent_date": "2025-03-24"},
        )
        assert_error(response, 409, "step_out_of_order", "before consulting")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, academy, who, status):
        version = ehc.draft_issued(drafting(world))
        response = world.as_(who).post(
            f"/plans/{version.plan_id}/draft/consultations",
            {"setting_id": academy[0].pk, "sent_date": "2025-03-24"},
        )
        assert response.status_code == status
        assert not Consultation.objects.exists()


def consulted(world: World, school: Organisation) -> Consultation:
    version = ehc.draft_issued(drafting(world))
    return services.consultation_send(
        acting_user=None, version=version, setting=school, sent_date=dt.date(2025, 3, 24)
    )


@pytest.mark.django_db
class TestConsultationResponse:
    @pytest.mark.parametrize("who", ["academy_senco", "coordinator"])
    def test_answered_by_the_setting_or_the_area_team(self, world, academy, who):
        school, senco = academy
        consultation = consulted(world, school)
        client = ApiClient(senco) if who == "academy_senco" else world.as_(who)
        response = client.post(
            f"/consultations/{consultation.pk}/response",
            {"response": "cannot_meet", "response_date": "2025-04-03", "note": "No places."},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["response"] == {
            "code": "cannot_meet",
            "label": "Cannot meet the child's needs",
        }
        assert (body["response_date"], body["response_note"]) == ("2025-04-03", "No places.")
        again = client.post(
            f"/consultations/{consultation.pk}/response",
            {"response": "can_meet", "response_date": "2025-04-04"},
        )
        assert_error(again, 409, "step_out_of_order", "already responded")

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"response": "cannot_meet"}, "note", "reasons"),
            ({"response": "awaited"}, "response", "can meet the needs"),
            ({"response": "maybe"}, "response", ""),
            ({"response": "can_meet", "response_date": "2025-03-23"}, "response_date", "on or"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, academy, data, field, text):
        school, senco = academy
        consultation = consulted(world, school)
        response = ApiClient(senco).post(
            f"/consultations/{consultation.pk}/response",
            {"response_date": "2025-04-03", **data},
        )
        assert_invalid(response, field, text)
        consultation.refresh_from_db()
        assert consultation.response == "awaited"

    def test_the_childs_own_school_may_not_answer_for_another(self, world, academy):
        consultation = consulted(world, academy[0])
        response = world.as_("senco").post(
            f"/consultations/{consultation.pk}/response",
            {"response": "can_meet", "response_date": "2025-04-03"},
        )
        assert_error(response, 403, "forbidden", "addressed to another organisation")

    @pytest.mark.parametrize("who", ["stranger", "other_coordinator", "third_senco", "unknown"])
    def test_no_one_else_finds_it(self, world, academy, who):
        consultation = consulted(world, academy[0])
        if who == "third_senco":
            client = ApiClient(staff(Role.SENCO, SettingFactory(home_area=world.area)))
        else:
            client = world.as_("coordinator" if who == "unknown" else who)
        pk = 999999 if who == "unknown" else consultation.pk
        response = client.post(
            f"/consultations/{pk}/response",
            {"response": "can_meet", "response_date": "2025-04-03"},
        )
        assert_error(response, 404, "not_found")
        consultation.refresh_from_db()
        assert consultation.response == "awaited"


# Sign-off, review invitations, ceasing, appeals and transfers in --------------------------


def drafting_with_health_advice(world: World) -> AssessmentRequest:
    """A draft after health advice from the trust, whose practitioner can see the child."""
    advice = ehc.advice_returned(advice_for(world))
    return services.request_decide_to_issue(
        acting_user=None, request=advice.request, decision_date=dt.date(2025, 3, 14), issue=True
    )


@pytest.mark.django_db
class TestSignOff:
    def test_health_staff_sign_off_a_health_section(self, world):
        case = drafting_with_health_advice(world)
        response = world.as_("practitioner").post(
            f"/plans/{case.plan_id}/versions/1/sign-offs",
            {"section": "g", "signed_on": "2025-03-20", "note": "Agreed by the trust."},
        )
        assert response.status_code == 201
        body = response.json()
        assert body["section"]["code"] == "g"
        assert body["organisation"]["id"] == world.trust.pk
        assert (body["signed_by"], body["signed_on"]) == ("Priya Practitioner", "2025-03-20")
        entry = last_entry()
        assert (entry.actor, entry.detail["ehc"]) == (world.practitioner, "section_signed_off")
        draft = world.as_("coordinator").get(f"/plans/{case.plan_id}").json()["draft"]
        assert [s["section"]["code"] for s in draft["sign_offs"]] == ["g"]

    @pytest.mark.parametrize(
        ("who", "section", "text"),
        [
            ("practitioner", "d", "Only social care staff"),
            ("coordinator", "g", "Only health staff"),
            ("senco", "c", "Only health staff"),
        ],
    )
    def test_others_may_not_sign_off(self, world, who, section, text):
        case = drafting_with_health_advice(world)
        response = world.as_(who).post(
            f"/plans/{case.plan_id}/versions/1/sign-offs",
            {"section": section, "signed_on": "2025-03-20"},
        )
        assert_error(response, 403, "forbidden", text)
        assert not PlanVersion.objects.get().sign_offs.exists()

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"section": "a"}, "section", "Only the health and social care sections"),
            ({"section": "z"}, "section", ""),
            ({"section": "g", "signed_on": "tomorrow"}, "signed_on", "today or in the past"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text):
        case = drafting_with_health_advice(world)
        data = {"signed_on": "2025-03-20", **data}
        if data["signed_on"] == "tomorrow":
            data["signed_on"] = str(tomorrow())
        response = world.as_("practitioner").post(
            f"/plans/{case.plan_id}/versions/1/sign-offs", data
        )
        assert_invalid(response, field, text)
        assert not PlanVersion.objects.get().sign_offs.exists()

    def test_a_section_is_signed_off_once(self, world):
        case = drafting_with_health_advice(world)
        client = world.as_("practitioner")
        data = {"section": "c", "signed_on": "2025-03-20"}
        assert client.post(f"/plans/{case.plan_id}/versions/1/sign-offs", data).status_code == 201
        again = client.post(f"/plans/{case.plan_id}/versions/1/sign-offs", data)
        assert_invalid(again, "section", "already signed off")

    def test_a_withdrawn_version_is_out_of_order(self, world):
        case = drafting_with_health_advice(world)
        services.request_withdraw(
            acting_user=None,
            request=case,
            withdrawn_date=dt.date(2025, 3, 18),
            reason="The family moved away.",
        )
        response = world.as_("practitioner").post(
            f"/plans/{case.plan_id}/versions/1/sign-offs",
            {"section": "g", "signed_on": "2025-03-20"},
        )
        assert_error(response, 409, "step_out_of_order", "withdrawn")

    @pytest.mark.parametrize(("who", "path"), [("stranger", "1"), ("practitioner", "2")])
    def test_not_found(self, world, who, path):
        case = drafting_with_health_advice(world)
        response = world.as_(who).post(
            f"/plans/{case.plan_id}/versions/{path}/sign-offs",
            {"section": "g", "signed_on": "2025-03-20"},
        )
        assert_error(response, 404, "not_found")


@pytest.mark.django_db
class TestReviewInvitations:
    def test_inviting_arranges_the_meeting(self, world):
        review = open_review(final_plan(world))
        response = world.as_("coordinator").post(
            f"/reviews/{review.pk}/invitations",
            {"sent_date": "2025-10-10", "meeting_date": "2025-11-03"},
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["invitations_sent_date"], body["meeting_date"]) == (
            "2025-10-10",
            "2025-11-03",
        )
        assert body["stage"]["code"] == "scheduled"
        assert last_entry().detail["ehc"] == "review_invited"

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"sent_date": "2025-10-25"}, "meeting_date", "at least 2 weeks before"),
            ({"sent_date": "tomorrow"}, "sent_date", "today or in the past"),
            ({"sent_date": None}, "sent_date", ""),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text):
        review = open_review(final_plan(world))
        data = {"meeting_date": "2025-11-03", **data}
        if data["sent_date"] == "tomorrow":
            data = {
                "sent_date": str(tomorrow()),
                "meeting_date": str(tomorrow() + dt.timedelta(weeks=3)),
            }
        response = world.as_("coordinator").post(f"/reviews/{review.pk}/invitations", data)
        assert_invalid(response, field, text)
        review.refresh_from_db()
        assert review.invitations_sent_date is None

    def test_after_the_meeting_it_is_out_of_order(self, world):
        review = open_review(final_plan(world))
        services.review_hold_meeting(
            acting_user=None, review=review, meeting_date=dt.date(2025, 11, 3)
        )
        response = world.as_("coordinator").post(
            f"/reviews/{review.pk}/invitations",
            {"sent_date": "2025-10-10", "meeting_date": "2025-11-03"},
        )
        assert_error(response, 409, "step_out_of_order", "the review is at")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, who, status):
        review = open_review(final_plan(world))
        response = world.as_(who).post(
            f"/reviews/{review.pk}/invitations",
            {"sent_date": "2025-10-10", "meeting_date": "2025-11-03"},
        )
        assert response.status_code == status
        review.refresh_from_db()
        assert review.invitations_sent_date is None


@pytest.mark.django_db
class TestCease:
    def test_ceasing_ends_the_plan_and_its_review(self, world):
        plan = final_plan(world)
        response = world.as_("coordinator").post(
            f"/plans/{plan.pk}/cease",
            {"ceased_date": "2025-12-01", "reason": "2", "notice_date": "2025-11-10"},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["status"]["code"] == "ceased"
        assert (body["ceased_date"], body["cease_notice_date"]) == ("2025-12-01", "2025-11-10")
        assert body["cease_reason"] == {"code": "2", "label": "Needs met without an EHC plan"}
        assert body["open_review"] is None
        assert [r["stage"]["code"] for r in body["reviews"]] == ["cancelled"]
        again = world.as_("coordinator").post(
            f"/plans/{plan.pk}/cease", {"ceased_date": "2025-12-01", "reason": "2"}
        )
        assert_error(again, 409, "step_out_of_order", "cannot cease")

    @pytest.mark.parametrize(
        ("data", "field", "text"),
        [
            ({"reason": "4"}, "reason", "Under 18"),
            ({"reason": "5"}, "transferred_to", "LA code of the new area"),
            ({"reason": "0"}, "reason", ""),
            ({"reason": "2", "ceased_date": "2025-04-01"}, "ceased_date", "on or after"),
            ({"reason": "5", "transferred_to": "9910"}, "transferred_to", ""),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, data, field, text):
        plan = final_plan(world)
        response = world.as_("coordinator").post(
            f"/plans/{plan.pk}/cease", {"ceased_date": "2025-12-01", **data}
        )
        assert_invalid(response, field, text)
        plan.refresh_from_db()
        assert plan.status == "active"

    def test_a_plan_under_appeal_stays_in_place(self, world):
        plan = final_plan(world)
        client = world.as_("coordinator")
        appealed = client.post(f"/plans/{plan.pk}/appeal", {"pending": True})
        assert appealed.json()["appeal_pending"] is True
        refused = client.post(
            f"/plans/{plan.pk}/cease", {"ceased_date": "2025-12-01", "reason": "2"}
        )
        assert_invalid(refused, "reason", "until the appeal is decided")
        concluded = client.post(f"/plans/{plan.pk}/appeal", {"pending": False}).json()
        assert concluded["appeal_pending"] is False
        ceased = client.post(
            f"/plans/{plan.pk}/cease", {"ceased_date": "2025-12-01", "reason": "2"}
        )
        assert ceased.json()["status"]["code"] == "ceased"

    def test_an_appeal_needs_pending(self, world):
        plan = final_plan(world)
        assert_invalid(world.as_("coordinator").post(f"/plans/{plan.pk}/appeal", {}), "pending")

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    @pytest.mark.parametrize(
        ("step", "data"),
        [("cease", {"ceased_date": "2025-12-01", "reason": "2"}), ("appeal", {"pending": True})],
    )
    def test_refused_to_anyone_but_the_area_team(self, world, who, status, step, data):
        plan = final_plan(world)
        response = world.as_(who).post(f"/plans/{plan.pk}/{step}", data)
        assert response.status_code == status
        plan.refresh_from_db()
        assert (plan.status, plan.appeal_pending) == ("active", False)


@pytest.mark.django_db
class TestTransferIn:
    def _body(self, world, **changes):
        return {
            "child_id": world.child.pk,
            "previous_la_code": "991",
            "transfer_date": "2025-09-01",
            "last_review_date": "2025-06-16",
            "coordinator_id": world.coordinator.pk,
            **changes,
        }

    def test_taking_on_a_plan(self, world):
        response = world.as_("coordinator").post("/plans/transfer-in", self._body(world))
        assert response.status_code == 201
        body = response.json()
        plan = Plan.objects.get()
        assert (body["id"], body["status"]["code"]) == (plan.pk, "active")
        assert (body["start_date"], body["transferred_in_from"]) == ("2025-09-01", "991")
        assert body["coordinator"]["id"] == world.coordinator.pk
        assert body["in_force"]["kind"]["code"] == "transfer_in"
        assert body["open_review"]["stage"]["code"] == "scheduled"
        assert body["open_review"]["due_date"] <= "2026-06-16"  # 12 months from the last review
        request = AssessmentRequest.objects.get()
        assert (request.kind, request.previous_la_code) == ("transfer_in", "991")

    @pytest.mark.parametrize(
        ("changes", "field", "text"),
        [
            ({"previous_la_code": "99"}, "previous_la_code", "3-digit LA code"),
            ({"previous_la_code": "990"}, "previous_la_code", "this area's own"),
            ({"transfer_date": "tomorrow"}, "transfer_date", "today or in the past"),
            ({"coordinator_id": 999999}, "coordinator_id", "not an EHC coordinator"),
            ({"child_id": None}, "child_id", ""),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, world, changes, field, text):
        if changes.get("transfer_date") == "tomorrow":
            changes = {"transfer_date": str(tomorrow())}
        response = world.as_("coordinator").post("/plans/transfer-in", self._body(world, **changes))
        assert_invalid(response, field, text)
        assert not Plan.objects.exists()

    def test_a_child_with_a_plan_here_is_refused(self, world):
        final_plan(world)
        response = world.as_("coordinator").post("/plans/transfer-in", self._body(world))
        assert_invalid(response, "child_id", "already has an EHC plan")
        assert Plan.objects.count() == 1

    @pytest.mark.parametrize(("who", "status"), [("senco", 403), ("other_coordinator", 404)])
    def test_refused_to_anyone_but_the_area_team(self, world, who, status):
        response = world.as_(who).post("/plans/transfer-in", self._body(world))
        assert response.status_code == status
        assert not Plan.objects.exists()


# The whole way through ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_to_a_final_plan_and_its_annual_review_through_the_api_alone(world):
    """Every step through the API, by the people who take it: the manager receives and
    assigns the request, the coordinator runs it, the trust returns its advice and signs off
    section G, the school answers its consultation."""
    manager = world.as_("manager")
    client = world.as_("coordinator")
    practitioner = world.as_("practitioner")
    school = world.as_("senco")

    def ok(response, status=200):
        assert response.status_code == status, response.content
        return response.json()

    rid = ok(
        manager.post(
            "/requests",
            {"child_id": world.child.pk, "received_date": "2025-01-06", "source": "setting"},
        ),
        201,
    )["id"]
    assigned = ok(manager.post(f"/requests/{rid}/assign", {"coordinator_id": world.coordinator.pk}))
    assert assigned["coordinator"]["id"] == world.coordinator.pk
    ok(client.post(f"/requests/{rid}/assessment-decision", {"date": "2025-02-03", "assess": True}))
    advice = ok(
        client.post(
            f"/requests/{rid}/advice",
            {
                "advice_type": "health",
                "organisation_id": world.trust.pk,
                "requested_date": "2025-02-04",
            },
        ),
        201,
    )
    ok(
        practitioner.post(
            f"/advice/{advice['id']}/return", {"returned_date": "2025-03-10", "summary": "Advice."}
        )
    )
    plan_id = ok(
        client.post(f"/requests/{rid}/issue-decision", {"date": "2025-03-14", "issue": True})
    )["plan_id"]
    draft = ok(
        client.patch(
            f"/plans/{plan_id}/draft",
            {
                "lock_version": 0,
                "section_a": "Likes trains.",
                "section_b": "Speech and language.",
                "section_e": "Will speak in sentences.",
                "section_f": "Speech and language therapy.",
            },
        )
    )
    ok(
        client.post(
            f"/plans/{plan_id}/draft/lines", {**LINE, "lock_version": draft["lock_version"]}
        ),
        201,
    )
    ok(
        practitioner.post(
            f"/plans/{plan_id}/versions/1/sign-offs", {"section": "g", "signed_on": "2025-03-19"}
        ),
        201,
    )
    ok(client.post(f"/plans/{plan_id}/draft/issue", {"served_date": "2025-03-21"}))
    ok(
        client.post(
            f"/plans/{plan_id}/draft/comments",
            {
                "received_date": "2025-03-28",
                "comments": "Happy with the draft.",
                "preferred_setting_id": world.school.pk,
            },
        )
    )
    consultation = ok(
        client.post(
            f"/plans/{plan_id}/draft/consultations",
            {"setting_id": world.school.pk, "sent_date": "2025-03-28", "parent_preference": True},
        ),
        201,
    )
    ok(
        school.post(
            f"/consultations/{consultation['id']}/response",
            {"response": "can_meet", "response_date": "2025-04-02"},
        )
    )
    draft = ok(client.get(f"/plans/{plan_id}"))["draft"]
    assert draft["consultations"][0]["response"]["code"] == "can_meet"
    named = ok(
        client.put(
            f"/plans/{plan_id}/draft/placements/1",
            {"lock_version": draft["lock_version"], "setting_id": world.school.pk},
        )
    )
    assert named["placement"]["setting"]["id"] == world.school.pk
    plan = ok(client.post(f"/plans/{plan_id}/final", {"issued_date": "2025-04-04"}))
    assert plan["status"]["code"] == "active"
    assert plan["in_force"]["placements"][0]["setting"]["name"] == "Halford Vale Primary"
    assert [s["section"]["code"] for s in plan["in_force"]["sign_offs"]] == ["g"]
    final = ok(client.get(f"/requests/{rid}"))
    assert (final["stage"]["code"], final["final_issued_date"]) == ("final_issued", "2025-04-04")
    actions = [event["action"] for event in final["events"]]
    assert "request_assigned" in actions
    assert actions.index("final_issued") > actions.index("draft_issued")

    review_id = plan["open_review"]["id"]
    ok(
        client.post(
            f"/reviews/{review_id}/invitations",
            {"sent_date": "2025-10-10", "meeting_date": "2025-11-03"},
        )
    )
    ok(client.post(f"/reviews/{review_id}/meeting", {"meeting_date": "2025-11-03"}))
    ok(
        client.post(
            f"/reviews/{review_id}/report",
            {"received_date": "2025-11-10", "summary": "Good progress; maintain the plan."},
        )
    )
    decided = ok(
        client.post(f"/reviews/{review_id}/decision", {"date": "2025-11-20", "outcome": "M"})
    )
    assert (decided["stage"]["code"], decided["outcome"]["code"]) == ("completed", "M")
    after = ok(client.get(f"/plans/{plan_id}"))
    assert after["last_review_outcome"]["code"] == "M"
    assert after["open_review"]["stage"]["code"] == "scheduled"
    assert after["open_review"]["id"] != review_id
    assert after["last_review_date"] == "2025-11-03"


# The OpenAPI document ----------------------------------------------------------------------

OPERATIONS = {
    ("/api/v1/ehc/steps/mine", "get"): "ehc_my_steps",
    ("/api/v1/ehc/areas/{la_code}/caseload", "get"): "ehc_area_caseload",
    ("/api/v1/ehc/areas/{la_code}/timeliness", "get"): "ehc_area_timeliness",
    ("/api/v1/ehc/children/{child_id}/cases", "get"): "ehc_child_cases",
    ("/api/v1/ehc/requests", "post"): "ehc_request_receive",
    ("/api/v1/ehc/requests/{request_id}", "get"): "ehc_request_get",
    (
        "/api/v1/ehc/requests/{request_id}/assessment-decision",
        "post",
    ): "ehc_request_decide_to_assess",
    ("/api/v1/ehc/requests/{request_id}/advice", "post"): "ehc_advice_request_send",
    ("/api/v1/ehc/advice/{advice_id}/return", "post"): "ehc_advice_return",
    ("/api/v1/ehc/requests/{request_id}/exceptions", "post"): "ehc_exception_record",
    ("/api/v1/ehc/requests/{request_id}/issue-decision", "post"): "ehc_request_decide_to_issue",
    ("/api/v1/ehc/requests/{request_id}/withdraw", "post"): "ehc_request_withdraw",
    ("/api/v1/ehc/requests/{request_id}/assign", "post"): "ehc_request_assign",
    ("/api/v1/ehc/advice/{advice_id}/exception", "post"): "ehc_advice_record_exception",
    ("/api/v1/ehc/advice/{advice_id}/cancel", "post"): "ehc_advice_cancel",
    ("/api/v1/ehc/plans/{plan_id}", "get"): "ehc_plan_get",
    ("/api/v1/ehc/plans/{plan_id}/versions/{number}", "get"): "ehc_plan_version_get",
    ("/api/v1/ehc/plans/{plan_id}/draft", "patch"): "ehc_draft_update",
    ("/api/v1/ehc/plans/{plan_id}/draft/lines", "post"): "ehc_provision_line_add",
    ("/api/v1/ehc/plans/{plan_id}/draft/lines/{line_id}", "delete"): "ehc_provision_line_remove",
    ("/api/v1/ehc/plans/{plan_id}/draft/issue", "post"): "ehc_draft_issue",
    ("/api/v1/ehc/plans/{plan_id}/final", "post"): "ehc_plan_issue_final",
    ("/api/v1/ehc/plans/{plan_id}/draft/placements/{rank}", "put"): "ehc_placement_name",
    ("/api/v1/ehc/plans/{plan_id}/draft/placements/{rank}", "delete"): "ehc_placement_remove",
    ("/api/v1/ehc/plans/{plan_id}/draft/comments", "post"): "ehc_draft_record_comments",
    ("/api/v1/ehc/plans/{plan_id}/draft/consultations", "post"): "ehc_consultation_send",
    (
        "/api/v1/ehc/consultations/{consultation_id}/response",
        "post",
    ): "ehc_consultation_respond",
    ("/api/v1/ehc/plans/{plan_id}/versions/{number}/sign-offs", "post"): "ehc_section_sign_off",
    ("/api/v1/ehc/plans/{plan_id}/cease", "post"): "ehc_plan_cease",
    ("/api/v1/ehc/plans/{plan_id}/appeal", "post"): "ehc_plan_record_appeal",
    ("/api/v1/ehc/plans/transfer-in", "post"): "ehc_plan_transfer_in",
    ("/api/v1/ehc/reviews/{review_id}/invitations", "post"): "ehc_review_invite",
    ("/api/v1/ehc/reviews/{review_id}/meeting", "post"): "ehc_review_meeting",
    ("/api/v1/ehc/reviews/{review_id}/report", "post"): "ehc_review_report",
    ("/api/v1/ehc/reviews/{review_id}/decision", "post"): "ehc_review_decide",
}


@pytest.fixture
def document(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_lists_every_ehc_operation(document):
    found = {
        (path, method): spec["operationId"]
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if path.startswith("/api/v1/ehc/")
    }
    assert found == OPERATIONS


def test_every_ehc_operation_is_documented_secured_and_answers_errors_in_one_shape(document):
    for (path, method), operation_id in OPERATIONS.items():
        spec = document["paths"][path][method]
        assert spec["summary"] and spec["description"], operation_id
        assert spec["tags"] == ["EHC assessments and plans"], operation_id
        assert spec["security"] == [{"BearerToken": []}, {"BrowserSession": []}]
        responses = spec["responses"]
        success = (
            "201"
            if operation_id
            in {
                "ehc_request_receive",
                "ehc_advice_request_send",
                "ehc_exception_record",
                "ehc_provision_line_add",
                "ehc_consultation_send",
                "ehc_section_sign_off",
                "ehc_plan_transfer_in",
            }
            else "200"
        )
        assert {success, "401", "404", "422"} <= set(responses), operation_id
        if method != "get":
            assert {"403", "409"} <= set(responses), operation_id
            if method in {"post", "patch", "put"}:
                assert spec["requestBody"]["required"] is True, operation_id
        for status, response in responses.items():
            if status != success:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (path, status)


def test_the_ehc_schemas_are_objects_or_enums_and_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    text = json.dumps(document)
    for name in ("RequestOut", "PlanOut", "PlanVersionOut", "StepOut", "TimelinessOut"):
        assert schemas[name]["type"] == "object"
    assert set(schemas["ProvisionLineOut"]["properties"]) >= {"commissioner", "annual_cost"}
    assert schemas["StepStatus"]["enum"] == [
        "on_time",
        "due_this_week",
        "overdue",
        "met",
        "met_late",
        "suspended",
    ]
    for name, schema in schemas.items():
        assert schema.get("type") in {"object", "string", "integer"}, name
        assert f'"#/components/schemas/{name}"' in text, name
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
