"""The dashboard pages: who may read them (403 for providers, parents and case officers; 404
for another area), a choice of areas for a user who serves several, exact figures for the SEND
team and suppressed ones for the board, the indicators and exceptions, the XLSX export (opened
with openpyxl), and a number of queries that does not grow with the area."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from opensend.core.disclosure import SUPPRESSED
from opensend.core.roles import Role
from opensend.core.tests.factories import OrganisationFactory, UserFactory, grant, staff
from opensend.ehc.models import ReviewStage
from opensend.insight import dashboard
from opensend.insight.dashboard_export import SUPPRESSION_NOTE
from opensend.insight.tests.factories import contract_indicator, indicator, value
from opensend.insight.tests.test_dashboard import issued_plan, review
from opensend.people import services as people
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

WEEK = dt.timedelta(weeks=1)


def table(response, name):
    """The rows of the table ``data-table=name``: each row's header and cells, as text."""
    html = response.content.decode()
    found = re.search(rf'<table class="govuk-table" data-table="{name}">(.*?)</table>', html, re.S)
    assert found is not None, f"no table {name}"
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', found.group(1), re.S)
    ]


def as_(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def figures(world, today):
    """This month: 3 reviews overdue (a small number) and 8 new plans, 7 of them within 20
    weeks; a red indicator; a contract KPI with no values."""
    area = world.area
    for _ in range(3):
        review(area, due=today - 2 * WEEK)
    review(area, due=today - 3 * WEEK, stage=ReviewStage.COMPLETED, meeting=today - 4 * WEEK)
    for day in range(7):
        issued_plan(area, issued=today - dt.timedelta(days=day), due=today + WEEK)
    issued_plan(area, issued=today, due=today - WEEK)
    red = indicator(area, name="Health advice within 6 weeks", code="health-advice")
    month = today.replace(day=1)
    value(red, month, 40, 100, today=today)
    contract_indicator(world.trust_contract, name="Children seen within 12 weeks")
    indicator(area, name="Retired measure", code="retired", active=False)
    return red


def test_a_board_member_reads_the_dashboard(world, figures):
    response = as_(world.board_member).get("/performance/dashboard/")
    assert response.status_code == 200
    text = response.text
    assert '<h1 class="govuk-heading-l">Performance dashboard</h1>' in text
    assert world.area.name in text
    for name in ("exceptions", "timeliness", "reviews", "advice", "feedback", "contract-kpis"):
        assert f'data-table="{name}"' in text
    # Suppressed: the 3 overdue reviews are hidden, the 8 plans are not.
    reviews = {row[0]: row[1] for row in table(response, "reviews")[1:]}
    assert reviews["Overdue now"] == SUPPRESSED
    total = table(response, "timeliness")[-1]
    assert total == ["Last 12 months", "8", "7", "87.5%", "8", "7", "87.5%"]
    assert "Numbers of children from 1 to 5" in text
    # The red indicator is reported by exception, with why and a link to its page.
    exceptions = table(response, "exceptions")
    assert [row[:2] for row in exceptions[1:]] == [["Indicator", "Health advice within 6 weeks"]]
    assert exceptions[1][2].startswith("Red: 40% misses the target of 90%")
    assert f'href="{reverse("insight:indicator", args=[figures.pk])}"' in text
    assert "Children seen within 12 weeks" in text
    assert "Retired measure" not in text
    assert "Download the dashboard as a spreadsheet" in text


def test_the_send_manager_sees_exact_figures(world, figures):
    response = as_(world.send_manager).get("/performance/dashboard/")
    assert response.status_code == 200
    reviews = {row[0]: row[1] for row in table(response, "reviews")[1:]}
    assert (reviews["Due in the last 12 months"], reviews["Overdue now"]) == ("4", "3")
    assert "Numbers of children from 1 to 5" not in response.text


@pytest.mark.parametrize("who", ["commissioner", "board_member", "send_manager"])
def test_officers_and_the_board_may_read(world, who):
    assert as_(getattr(world, who)).get("/performance/dashboard/").status_code == 200


def test_an_analyst_may_read(world):
    analyst = staff(Role.ANALYST, world.council)
    assert as_(analyst).get("/performance/dashboard/").status_code == 200


@pytest.mark.parametrize("who", ["trust_user", "charity_user", "coordinator"])
def test_providers_and_case_officers_are_refused(world, who):
    client = as_(getattr(world, who))
    assert client.get("/performance/dashboard/").status_code == 403
    assert client.get(f"/performance/dashboard/{world.area.la_code}/").status_code == 403
    export = client.get(f"/performance/dashboard/{world.area.la_code}/dashboard.xlsx")
    assert export.status_code == 403


def test_a_parent_is_refused(world):
    parent = UserFactory(full_name="Nadia Okafor", email="nadia.okafor@example.org")
    contact = people.contact_add(
        acting_user=None,
        child=ChildFactory(area=world.area),
        full_name="Nadia Okafor",
        relationship="mother",
        has_parental_responsibility=True,
        is_main_contact=True,
        email="nadia.okafor@example.org",
    )
    people.contact_link_user(acting_user=None, contact=contact, user=parent)
    assert as_(parent).get("/performance/dashboard/").status_code == 403


def test_signed_out_the_page_asks_for_a_sign_in(world):
    response = Client().get("/performance/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_another_areas_dashboard_is_not_found(world):
    client = as_(world.board_member)
    assert client.get(f"/performance/dashboard/{world.other_area.la_code}/").status_code == 404
    assert client.get("/performance/dashboard/000/").status_code == 404
    assert (
        client.get(f"/performance/dashboard/{world.other_area.la_code}/dashboard.xlsx").status_code
        == 404
    )


def test_a_user_serving_several_areas_chooses_one(world):
    grant(
        world.board_member,
        OrganisationFactory(
            name="Northmoor Parent Carer Forum",
            home_area=world.other_area,
            kind="parent_carer_forum",
        ),
        Role.BOARD_MEMBER,
    )
    client = as_(world.board_member)
    choice = client.get("/performance/dashboard/")
    assert choice.status_code == 200
    assert "Choose the area" in choice.text
    assert f'href="/performance/dashboard/{world.area.la_code}/"' in choice.text
    assert f'href="/performance/dashboard/{world.other_area.la_code}/"' in choice.text
    page = client.get(f"/performance/dashboard/{world.other_area.la_code}/")
    assert page.status_code == 200
    assert '<span class="govuk-caption-l">Northmoor</span>' in page.text
    assert f'href="/performance/dashboard/{world.area.la_code}/"' in page.text


def test_the_export_has_a_sheet_per_section_with_the_pages_figures(world, figures, today):
    response = as_(world.board_member).get(
        f"/performance/dashboard/{world.area.la_code}/dashboard.xlsx"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        f"dashboard-{world.area.la_code}-{today.isoformat()}.xlsx"
        in response["Content-Disposition"]
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Exceptions",
        "EHC timeliness",
        "Annual reviews",
        "Advice",
        "Waiting lists",
        "Indicators",
        "Feedback",
    ]
    exceptions = book["Exceptions"]
    assert exceptions["A1"].value == "Reported by exception"
    assert exceptions["B2"].value == world.area.name
    assert [cell.value for cell in exceptions[6]] == ["Section", "What", "Why it is listed"]
    assert exceptions["A7"].value == "Indicator"
    assert exceptions["B7"].value == "Health advice within 6 weeks"
    assert exceptions["C7"].value.startswith("Red: 40% misses the target of 90%")
    ehc = book["EHC timeliness"]
    total = [cell.value for cell in ehc[6 + 12 + 1]]
    assert total == ["Last 12 months", 8, 7, "87.5%", 8, 7, "87.5%"]
    reviews = {row[0].value: row[1].value for row in book["Annual reviews"].iter_rows(min_row=7)}
    assert reviews["Overdue now"] == SUPPRESSED
    assert reviews["Reviews due"] == SUPPRESSED  # 4 reviews due: a small number
    assert SUPPRESSION_NOTE in [row[0].value for row in book["Annual reviews"].iter_rows()]
    indicators = [
        [cell.value for cell in row]
        for row in book["Indicators"].iter_rows(min_row=7)
        if row[0].value
    ]
    names = [row[0] for row in indicators]
    assert "Children seen within 12 weeks" in names
    assert "Health advice within 6 weeks" in names
    red = next(row for row in indicators if row[0] == "Health advice within 6 weeks")
    assert red[4:6] == ["40%", "Red"]
    assert book["Waiting lists"]["A7"].value == "The area has no pathways."


def test_the_export_for_the_send_manager_is_exact(world, figures):
    response = as_(world.send_manager).get(
        f"/performance/dashboard/{world.area.la_code}/dashboard.xlsx"
    )
    book = load_workbook(io.BytesIO(response.content))
    reviews = {row[0].value: row[1].value for row in book["Annual reviews"].iter_rows(min_row=7)}
    assert (reviews["Reviews due"], reviews["Overdue now"]) == (4, 3)


def _grow(area, today, children):
    """Plans, reviews and advice for ``children`` more children."""
    from opensend.ehc.models import AdviceType
    from opensend.insight.tests.test_dashboard import advice_request, assessing

    request = assessing(area)
    for number in range(children):
        issued_plan(area, issued=today - dt.timedelta(days=number % 300), due=today)
        review(area, due=today - dt.timedelta(days=number % 200))
        advice_request(request, AdviceType.HEALTH, requested=today - dt.timedelta(days=number))


def test_the_number_of_queries_does_not_grow_with_the_area(world, figures, today):
    def count():
        with CaptureQueriesContext(connection) as queries:
            dashboard.dashboard(fetched_by=world.board_member, area=world.area, on=today)
        return len(queries)

    _grow(world.area, today, 10)
    small = count()
    _grow(world.area, today, 40)
    assert count() == small
    assert small <= 30


def test_indicators_are_grouped_contract_kpis_apart(world, today):
    indicator(world.area, name="Plans within 20 weeks", domain="education", code="ehc")
    indicator(world.area, name="Short breaks used", domain="care", code="breaks")
    contract_indicator(world.charity_contract, name="Sessions delivered", code="sessions")
    contract_indicator(world.trust_contract, name="Seen in 12 weeks", code="seen")
    kpis = dashboard.indicators(world.board_member, world.area, on=today, exact=False)
    # By contract, then name (both contracts have the same title).
    assert [s.indicator.name for s in kpis.contract] == ["Seen in 12 weeks", "Sessions delivered"]
    # By domain in the order education, health, social care, joint.
    assert [(domain, [s.indicator.name for s in group]) for domain, group in kpis.by_domain] == [
        ("Education", ["Plans within 20 weeks"]),
        ("Social care", ["Short breaks used"]),
    ]
    assert len(kpis.all) == 4
