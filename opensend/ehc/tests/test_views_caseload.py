"""My cases, the area's caseload and timeliness pages: who may open them, what they show, the
filters and pages, the access log, the menu, and a bounded number of queries however many
cases there are."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opensend.core.models import AccessLogEntry
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    UserFactory,
    grant,
    staff,
)
from opensend.ehc import services
from opensend.ehc.models import AdviceType, AssessmentRequest, Step, StepKind
from opensend.ehc.tests import factories as ehc
from opensend.ehc.views import caseload as views
from opensend.people.tests.factories import ChildFactory

D = dt.date
DAY = dt.timedelta(days=1)
MY_CASES = "/ehc/my-cases/"
CASELOAD = "/ehc/caseload/"
TIMELINESS = "/ehc/timeliness/"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def trust(area):
    return OrganisationFactory(
        name="Halford Vale Community Health NHS Trust",
        kind=OrganisationKind.NHS_TRUST,
        home_area=area,
    )


def _child(area, name):
    forename, surname = name.split()
    return ChildFactory(area=area, forename=forename, surname=surname)


def _request(area, name, *, on, coordinator=None):
    return ehc.received(_child(area, name), on=on, coordinator=coordinator)


def _rows(body: str) -> list[str]:
    """The text of each row of the steps table, spaces squeezed."""
    rows = re.findall(r'<tr class="govuk-table__row" data-step="\d+">(.*?)</tr>', body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def _count(body: str, status: str) -> int:
    match = re.search(
        rf'data-status-count="{status}"[^>]*>\s*<span class="app-figure__number">([\d,]+)<', body
    )
    assert match, status
    return int(match.group(1).replace(",", ""))


@pytest.fixture
def cases(area, coordinator, today):
    """A coordinator's requests in each open status, and one held by someone else."""
    overdue = _request(area, "Ola Overdue", on=D(2025, 1, 6), coordinator=coordinator)
    soon = _request(area, "Sam Soon", on=today - 40 * DAY, coordinator=coordinator)
    on_time = _request(area, "Tia Ontime", on=today - 7 * DAY, coordinator=coordinator)
    suspended = _request(area, "Sol Suspended", on=D(2025, 3, 3), coordinator=coordinator)
    services.exception_record(
        acting_user=None,
        request=suspended,
        kind="personal_circumstances",
        start_date=D(2025, 3, 10),
        end_date=None,
        description="A family bereavement.",
    )
    other = _request(area, "Oli Otherperson", on=D(2025, 2, 3))
    return {
        "overdue": overdue,
        "soon": soon,
        "on_time": on_time,
        "suspended": suspended,
        "other": other,
    }


# --- who may open which page ------------------------------------------------------------------


def _user(role, area, local_authority, trust):
    if role is None:
        return UserFactory()
    organisation = {
        Role.EHC_COORDINATOR: local_authority,
        Role.SEND_MANAGER: local_authority,
        Role.SOCIAL_WORKER: local_authority,
        Role.DESIGNATED_SOCIAL_CARE_OFFICER: local_authority,
        Role.COMMISSIONER: local_authority,
        Role.ANALYST: local_authority,
        Role.HEALTH_PRACTITIONER: trust,
        Role.DESIGNATED_CLINICAL_OFFICER: trust,
        Role.PROVIDER: trust,
        Role.SENCO: None,
    }[role]
    if organisation is None:
        organisation = SettingFactory(home_area=area)
    return staff(role, organisation)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "my_cases", "caseload", "timeliness", "menu"),
    [
        (Role.EHC_COORDINATOR, 200, 200, 200, ["My cases", "Caseload"]),
        (Role.SEND_MANAGER, 200, 200, 200, ["My cases", "Caseload"]),
        (Role.HEALTH_PRACTITIONER, 200, 403, 403, ["My cases"]),
        (Role.SOCIAL_WORKER, 200, 403, 403, ["My cases"]),
        (Role.SENCO, 200, 403, 403, ["My cases"]),
        (Role.DESIGNATED_CLINICAL_OFFICER, 200, 403, 200, ["My cases", "EHC timeliness"]),
        (Role.DESIGNATED_SOCIAL_CARE_OFFICER, 200, 403, 200, ["My cases", "EHC timeliness"]),
        (Role.COMMISSIONER, 403, 403, 403, []),
        (Role.ANALYST, 403, 403, 403, []),
        (Role.PROVIDER, 403, 403, 403, []),
        (None, 403, 403, 403, []),
    ],
)
def test_who_may_open_each_page(
    client, area, local_authority, trust, role, my_cases, caseload, timeliness, menu
):
    client.force_login(_user(role, area, local_authority, trust))
    statuses = [client.get(path).status_code for path in (MY_CASES, CASELOAD, TIMELINESS)]
    assert statuses == [my_cases, caseload, timeliness]
    home = client.get("/").content.decode()
    offered = [
        text
        for text in ("My cases", "Caseload", "EHC timeliness")
        if re.search(rf'class="govuk-service-navigation__link"[^>]*>\s*{text}\s*<', home)
    ]
    assert offered == menu


@pytest.mark.django_db
def test_a_refusal_says_so(client, local_authority):
    client.force_login(staff(Role.COMMISSIONER, local_authority))
    response = client.get(CASELOAD)
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", [MY_CASES, CASELOAD, TIMELINESS])
def test_signed_out_people_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


# --- My cases ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_cases_lists_the_coordinators_open_steps_soonest_first(client, coordinator, cases):
    client.force_login(coordinator)
    response = client.get(MY_CASES)
    assert response.status_code == 200
    body = response.content.decode()
    rows = _rows(body)
    assert [row.split(" R0")[0] for row in rows] == [
        "Ola Overdue",
        "Sol Suspended",
        "Sam Soon",
        "Tia Ontime",
    ]
    assert all("Decide whether to assess" in row for row in rows)
    assert rows[0].endswith("17 February 2025 Overdue")
    assert rows[1].endswith("Suspended by exception")
    assert rows[2].endswith("Due this week")
    assert rows[3].endswith("On time")
    assert "Oli Otherperson" not in body
    request = cases["overdue"]
    assert f'href="/ehc/requests/{request.pk}/"' in body
    assert request.reference in body
    assert [_count(body, s) for s in ("overdue", "due_this_week", "on_time", "suspended")] == [
        1,
        1,
        1,
        1,
    ]
    assert "4 open steps" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "names", "filtered"),
    [
        ({"status": "overdue"}, ["Ola Overdue"], True),
        ({"status": "due_this_week"}, ["Sam Soon"], True),
        ({"status": "on_time"}, ["Tia Ontime"], True),
        ({"status": "suspended"}, ["Sol Suspended"], True),
        ({"kind": StepKind.DECIDE_TO_ASSESS}, ["Ola", "Sol", "Sam", "Tia"], True),
        ({"kind": StepKind.FINAL_PLAN}, [], True),
        ({"status": "not-a-status"}, ["Ola", "Sol", "Sam", "Tia"], False),
        ({"status": "met_late"}, ["Ola", "Sol", "Sam", "Tia"], False),
        ({"kind": "nonsense", "page": "x"}, ["Ola", "Sol", "Sam", "Tia"], False),
    ],
)
def test_my_cases_filters(client, coordinator, cases, query, names, filtered):
    client.force_login(coordinator)
    body = client.get(MY_CASES, query).content.decode()
    assert [row.split()[0] for row in _rows(body)] == [name.split()[0] for name in names]
    assert ("Clear filters" in body) is filtered
    if not names:
        assert "No open steps match these filters." in body


@pytest.mark.django_db
def test_the_counts_keep_the_step_filter_and_link_to_each_status(client, coordinator, cases):
    client.force_login(coordinator)
    body = client.get(MY_CASES, {"kind": StepKind.FINAL_PLAN}).content.decode()
    assert _count(body, "overdue") == 0
    assert 'href="/ehc/my-cases/?kind=final_plan&amp;status=overdue"' in body
    body = client.get(MY_CASES, {"status": "overdue"}).content.decode()
    assert _count(body, "overdue") == 1
    assert _count(body, "on_time") == 1  # the counts ignore the status filter
    assert re.search(r'data-status-count="overdue" aria-current="true"', body)
    assert "Show all open steps" in body


@pytest.mark.django_db
def test_my_cases_pages(client, coordinator, cases, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client.force_login(coordinator)
    first = client.get(MY_CASES).content.decode()
    assert [row.split()[0] for row in _rows(first)] == ["Ola", "Sol", "Sam"]
    assert "Showing 1 to 3 of 4" in first
    assert 'href="/ehc/my-cases/?page=2"' in first
    second = client.get(MY_CASES, {"page": "2"}).content.decode()
    assert [row.split()[0] for row in _rows(second)] == ["Tia"]
    beyond = client.get(MY_CASES, {"page": "99"}).content.decode()
    assert [row.split()[0] for row in _rows(beyond)] == ["Tia"]
    filtered = client.get(MY_CASES, {"kind": StepKind.DECIDE_TO_ASSESS}).content.decode()
    assert 'href="/ehc/my-cases/?kind=decide_to_assess&amp;page=2"' in filtered


@pytest.mark.django_db
def test_my_cases_with_nothing_to_do(client, coordinator):
    client.force_login(coordinator)
    body = client.get(MY_CASES).content.decode()
    assert "You hold no open steps." in body
    assert "0 open steps" in body
    assert not AccessLogEntry.objects.filter(purpose="My cases").exists()


@pytest.mark.django_db
def test_a_health_practitioner_sees_the_advice_asked_of_their_trust(
    client, area, coordinator, trust
):
    practitioner = staff(Role.HEALTH_PRACTITIONER, trust, full_name="Harper Health")
    request = ehc.assessing(_request(area, "Ada Advice", on=D(2025, 1, 6), coordinator=coordinator))
    advice = ehc.advice_sent(request, organisation=trust)
    other_trust = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, home_area=area)
    ehc.advice_sent(request, organisation=other_trust, advice_type=AdviceType.PSYCHOLOGICAL)
    client.force_login(practitioner)
    body = client.get(MY_CASES).content.decode()
    rows = _rows(body)
    assert len(rows) == 1
    assert rows[0].startswith("Ada Advice")
    assert "Return advice Health (medical) Halford Vale Community Health NHS Trust" in rows[0]
    assert rows[0].endswith("Overdue")
    assert f'href="/ehc/advice/{advice.pk}/return/"' in body
    assert f"/ehc/requests/{request.pk}/" not in body  # the case page is the LA's
    assert "The advice and consultations addressed to your organisation" in body


@pytest.mark.django_db
def test_a_senco_sees_the_consultation_with_their_school(client, area, coordinator):
    school = SettingFactory(name="Halford Vale Primary School", home_area=area)
    senco = staff(Role.SENCO, school)
    version = ehc.draft_issued(
        ehc.drafting(ehc.assessing(_request(area, "Cy Consult", on=D(2025, 1, 6))))
    )
    consultation = services.consultation_send(
        acting_user=None, version=version, setting=school, sent_date=version.draft_served_date
    )
    client.force_login(senco)
    body = client.get(MY_CASES).content.decode()
    rows = _rows(body)
    assert len(rows) == 1
    assert rows[0].startswith("Cy Consult")
    assert "Respond to the consultation" in rows[0]
    assert f'href="/ehc/consultations/{consultation.pk}/respond/"' in body


@pytest.mark.django_db
def test_list_pages_record_the_children_they_show(client, coordinator, cases):
    client.force_login(coordinator)
    client.get(MY_CASES, {"status": "overdue"})
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.purpose, entry.actor_id) == ("search", "My cases", coordinator.pk)
    subjects = list(entry.subjects.values_list("subject_type", "subject_id"))
    assert subjects == [("people.child", str(cases["overdue"].child_id))]
    client.get(CASELOAD)
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry.purpose == "Area caseload"
    assert entry.subjects.count() == 5


# --- the area's caseload ----------------------------------------------------------------------


@pytest.mark.django_db
def test_caseload_lists_the_areas_open_steps_with_who_holds_them(client, coordinator, cases):
    client.force_login(coordinator)
    body = client.get(CASELOAD).content.decode()
    rows = _rows(body)
    assert len(rows) == 5
    assert "Caseload in Halford Vale" in body
    held = {row.split()[0]: row for row in rows}
    assert "Casey Coordinator" in held["Ola"]
    assert "Nobody yet" in held["Oli"]
    assert _count(body, "overdue") == 2
    assert 'href="/ehc/timeliness/"' in body


@pytest.mark.django_db
def test_caseload_filters_by_coordinator_and_status(
    client, area, local_authority, coordinator, cases
):
    other = staff(Role.EHC_COORDINATOR, local_authority, full_name="Robin Other")
    services.request_assign(acting_user=None, request=cases["other"], coordinator=other)
    client.force_login(coordinator)
    body = client.get(CASELOAD, {"coordinator": other.pk}).content.decode()
    assert [row.split()[0] for row in _rows(body)] == ["Oli"]
    assert f'<option value="{other.pk}" selected>Robin Other</option>' in body
    body = client.get(CASELOAD, {"coordinator": coordinator.pk, "status": "overdue"})
    assert [row.split()[0] for row in _rows(body.content.decode())] == ["Ola"]
    # Someone who is not a coordinator of the area is no filter at all.
    stranger = UserFactory()
    body = client.get(CASELOAD, {"coordinator": stranger.pk}).content.decode()
    assert len(_rows(body)) == 5


@pytest.mark.django_db
def test_caseload_of_each_area_a_coordinator_runs(client, area, local_authority, coordinator):
    second = AreaFactory(name="Apsley")
    local_authority_two = OrganisationFactory(name="Apsley Council", home_area=second)
    grant(coordinator, local_authority_two, Role.EHC_COORDINATOR)
    _request(area, "Hal Vale", on=D(2025, 1, 6))
    _request(second, "Abe Apsley", on=D(2025, 1, 6))
    client.force_login(coordinator)
    first = client.get(CASELOAD).content.decode()
    assert "Caseload in Apsley" in first  # the first by name
    assert [row.split()[0] for row in _rows(first)] == ["Abe"]
    assert f'<option value="{area.pk}">Halford Vale</option>' in first
    chosen = client.get(CASELOAD, {"area": area.pk}).content.decode()
    assert [row.split()[0] for row in _rows(chosen)] == ["Hal"]
    assert f'href="/ehc/timeliness/?area={area.pk}"' in chosen
    assert client.get(CASELOAD, {"area": AreaFactory().pk}).status_code == 404
    assert client.get(CASELOAD, {"area": "x"}).status_code == 404


@pytest.mark.django_db
def test_caseload_pages_keep_the_filters(client, area, coordinator, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(5):
        _request(area, f"Pat Page{number}", on=D(2025, 1, 6) + number * DAY)
    client.force_login(coordinator)
    body = client.get(CASELOAD, {"status": "overdue", "page": "3"}).content.decode()
    assert [row.split()[1] for row in _rows(body)] == ["Page4"]
    assert 'href="/ehc/caseload/?status=overdue&amp;page=2"' in body
    assert "Showing 5 to 5 of 5" in body


# --- timeliness -------------------------------------------------------------------------------


def _issued(area, *, issued, due, exception=False):
    """A new plan's request, issued on a day, built by hand with the dates that count."""
    received = due - dt.timedelta(weeks=20)
    return AssessmentRequest.objects.create(
        area=area,
        child=ChildFactory(area=area),
        source="parent",
        received_date=received,
        decision_due=received + dt.timedelta(weeks=6),
        not_to_issue_due=received + dt.timedelta(weeks=16),
        draft_target=received + dt.timedelta(weeks=14),
        final_due=due,
        stage="final_issued",
        final_issued_date=issued,
        closed_date=issued,
        has_exception=exception,
    )


def _table_rows(body: str, table: str) -> dict[str, list[str]]:
    table_html = body.split(f'data-table="{table}"', 1)[1].split("</table>", 1)[0]
    section = table_html.split("<tbody", 1)[1]
    rows = {}
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', section, re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells and cells[0]:
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.django_db
def test_timeliness_figures(client, area, coordinator, trust, today):
    this_month = today.replace(day=1)
    last_month = (this_month - DAY).replace(day=1)
    _issued(area, issued=this_month, due=this_month)
    _issued(area, issued=this_month, due=this_month - DAY)
    _issued(area, issued=this_month, due=this_month - DAY, exception=True)
    _issued(area, issued=last_month, due=last_month + DAY, exception=True)
    year_ago = this_month.replace(year=this_month.year - 1)
    _issued(area, issued=year_ago, due=year_ago)  # 12 months back: outside the table
    ehc.plan_for(ChildFactory(area=area))  # active; issued in 2025
    request = ehc.assessing(_request(area, "Ada Advice", on=D(2025, 1, 6)))
    ehc.advice_sent(request, organisation=trust)
    client.force_login(coordinator)
    body = client.get(TIMELINESS).content.decode()
    assert "EHC timeliness in Halford Vale" in body
    assert 'data-figure="active-plans">1<' in body
    assert 'data-figure="open-requests">1<' in body
    assert 'data-figure="advice-overdue">1<' in body
    rates = _table_rows(body, "twenty-weeks")
    assert len(rates) == 13
    assert rates[f"{this_month:%B %Y}"] == ["3", "1", "33.3%", "2", "1", "50.0%"]
    assert rates[f"{last_month:%B %Y}"] == ["1", "1", "100.0%", "0", "0", "No plans"]
    assert rates["Last 12 months"][:3] == ["4", "2", "50.0%"]
    assert f"{year_ago:%B %Y}" not in rates
    agencies = _table_rows(body, "advice-by-agency")
    assert agencies == {"Halford Vale Community Health NHS Trust": ["Health (medical)", "1", "1"]}
    assert 'href="/ehc/caseload/"' in body


@pytest.mark.django_db
def test_a_designated_officer_sees_timeliness_without_the_caseload(client, area):
    icb = OrganisationFactory(kind=OrganisationKind.ICB, home_area=area)
    client.force_login(staff(Role.DESIGNATED_CLINICAL_OFFICER, icb))
    body = client.get(TIMELINESS).content.decode()
    assert "No advice is outstanding." in body
    assert "/ehc/caseload/" not in body


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (D(2025, 12, 31), D(2025, 1, 1), D(2025, 12, 1)),
        (D(2026, 1, 15), D(2025, 2, 1), D(2026, 1, 1)),
        (D(2024, 3, 1), D(2023, 4, 1), D(2024, 3, 1)),
    ],
)
def test_month_starts(today, first, last):
    months = views.month_starts(today, 12)
    assert (len(months), months[0], months[-1]) == (12, first, last)
    assert months == sorted(months)


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(0, 0, "No plans"), (0, 3, "0.0%"), (1, 3, "33.3%"), (2, 3, "66.7%"), (5, 5, "100.0%")],
)
def test_percentage(part, whole, shown):
    assert views.percentage(part, whole) == shown


# --- links to the case pages ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("runs_cases", "what", "expected"),
    [
        (True, "request", "/ehc/requests/{request}/"),
        (True, "review", "/ehc/plans/{plan}/"),
        (True, "bare", "/ehc/children/{child}/"),
        (False, "advice", "/ehc/advice/{advice}/return/"),
        (False, "request", None),
    ],
)
def test_where_a_row_leads(area, runs_cases, what, expected):
    child = ChildFactory(area=area)
    request = ehc.assessing(ehc.received(child))
    advice = ehc.advice_sent(request)
    plan_child = ChildFactory(area=area)
    plan = ehc.plan_for(plan_child)
    steps = {
        "request": Step.objects.filter(request=request, kind=StepKind.FINAL_PLAN).get(),
        "advice": Step.objects.get(advice=advice),
        "review": Step.objects.filter(plan=plan, kind=StepKind.REVIEW_MEETING).get(),
        "bare": Step(area=area, child=child, kind=StepKind.REVIEW_MEETING, opened_on=D(2025, 1, 6)),
    }
    href = views.step_href(steps[what], runs_cases=runs_cases)
    if expected is None:
        assert href is None
    else:
        ids = {"request": request.pk, "plan": plan.pk, "child": child.pk, "advice": advice.pk}
        assert href == expected.format(**ids)


# --- queries ----------------------------------------------------------------------------------


def _queries(client, path, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(captured)


PAGES = [
    (MY_CASES, None),
    (MY_CASES, {"status": "overdue"}),
    (CASELOAD, None),
    (CASELOAD, {"status": "overdue", "kind": "advice"}),
    (TIMELINESS, None),
]


@pytest.mark.django_db
def test_pages_make_the_same_number_of_queries_whatever_the_data(
    client, area, coordinator, trust, django_assert_max_num_queries, monkeypatch
):
    """No N+1 and no Python loop over the rows: each page costs the same few queries for two
    cases as for many, with every kind of row on the page."""
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    client.force_login(coordinator)

    def add_cases(count):
        for _ in range(count):
            request = ehc.assessing(ehc.received(ChildFactory(area=area), coordinator=coordinator))
            ehc.advice_sent(request, organisation=trust)
        ehc.plan_for(ChildFactory(area=area), coordinator=coordinator)
        _issued(area, issued=timezone.localdate().replace(day=1), due=D(2025, 1, 1))

    add_cases(1)
    small = [_queries(client, path, params) for path, params in PAGES]
    add_cases(12)
    big = [_queries(client, path, params) for path, params in PAGES]
    assert big == small, (small, big)
    for path, params in PAGES:
        with django_assert_max_num_queries(25):
            client.get(path, params or {})


@pytest.mark.django_db
def test_the_health_practitioners_page_makes_few_queries(
    client, area, trust, django_assert_max_num_queries
):
    practitioner = staff(Role.HEALTH_PRACTITIONER, trust)
    for _ in range(6):
        ehc.advice_sent(ehc.assessing(ehc.received(ChildFactory(area=area))), organisation=trust)
    client.force_login(practitioner)
    with django_assert_max_num_queries(20):
        response = client.get(MY_CASES)
    assert len(_rows(response.content.decode())) == 6
