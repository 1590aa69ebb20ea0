"""The commissioning pages: who sees what, the filters and totals, the form with its errors,
decisions and agreements, spot purchases and the XLSX exports."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from opensend.commissioning import services
from opensend.commissioning.models import Commission, DecisionAgreement, IndividualCommission
from opensend.commissioning.tests import factories
from opensend.core.models import AccessAction, AccessLogEntry
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def listed(response):
    """The commission titles a list page links to, in order."""
    return re.findall(r'href="/commissioning/\d+/">([^<]+)</a>', response.content.decode())


def table_rows(response):
    """Each table row's header and cells, as text."""
    html = response.content.decode()
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, re.S)
    ]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def contracts(world):
    salt = factories.commission(
        world.area,
        world.trust,
        [(world.council, "high_needs", 150000), (world.icb, "icb", 100000)],
        reference="HV-SALT",
        title="Joint SALT service",
        arrangement="pooled",
        s75_reference="S75-1",
        annual_value=Decimal(250000),
        whole_life_value=Decimal(750000),
    )
    breaks = factories.commission(
        world.area,
        world.charity,
        [(world.council, "social_care", 80000)],
        reference="HV-SB",
        title="Short breaks",
        provision_type="short_breaks",
        annual_value=Decimal(80000),
        whole_life_value=Decimal(80000),
        end_date=dt.date.today() + dt.timedelta(days=60),
        start_date=dt.date.today() - dt.timedelta(days=300),
    )
    elsewhere = factories.commission(
        world.other_area,
        world.trust,
        [(world.other_council, "high_needs", 50000)],
        reference="NM-1",
        title="Northmoor therapy",
        annual_value=Decimal(50000),
        whole_life_value=Decimal(150000),
    )
    return salt, breaks, elsewhere


@pytest.mark.parametrize(
    ("who", "titles"),
    [
        ("la_commissioner", ["Joint SALT service", "Short breaks"]),
        ("board_member", ["Joint SALT service", "Short breaks"]),
        ("trust_user", ["Joint SALT service", "Northmoor therapy"]),
        ("charity_user", ["Short breaks"]),
        ("other_commissioner", ["Northmoor therapy"]),
    ],
)
def test_the_list_shows_each_user_only_what_they_may_see(world, contracts, who, titles):
    page = client_for(getattr(world, who)).get("/commissioning/")
    assert page.status_code == 200
    assert listed(page) == titles


def test_people_without_a_commissioning_role_are_refused(world, coordinator, contracts):
    assert client_for(coordinator).get("/commissioning/").status_code == 403
    assert client_for(coordinator).get(f"/commissioning/{contracts[0].pk}/").status_code == 403


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("la_commissioner", 200),
        ("board_member", 200),
        ("trust_user", 200),
        ("charity_user", 404),
        ("other_commissioner", 404),
    ],
)
def test_a_commission_page(world, contracts, who, status):
    response = client_for(getattr(world, who)).get(f"/commissioning/{contracts[0].pk}/")
    assert response.status_code == status


def test_the_commission_page_shows_parties_contributions_and_the_cycle(world, contracts):
    salt = contracts[0]
    stage = services.cycle_stage_start(
        acting_user=None, commission=salt, stage="plan", started_on=dt.date(2025, 10, 1)
    )
    services.decision_record(
        acting_user=None,
        stage=stage,
        summary="Pool the budgets <b>now</b>",
        decided_on=dt.date(2025, 10, 2),
        evidence=[services.EvidenceInput(title="Board paper", url="https://example.org/p")],
    )
    page = client_for(world.la_commissioner).get(f"/commissioning/{salt.pk}/").content.decode()
    assert "Halford Vale Integrated Care Board" in page
    assert "£150,000.00" in page
    assert "Pool the budgets &lt;b&gt;now&lt;/b&gt;" in page
    assert "Board paper" in page
    assert "Children are seen within 18 weeks" in page
    board_page = client_for(world.board_member).get(f"/commissioning/{salt.pk}/").content.decode()
    assert "Board paper" not in board_page
    assert "Change the commission" not in board_page


def test_filters_and_totals(world, contracts):
    client = client_for(world.la_commissioner)
    page = client.get("/commissioning/", {"arrangement": "pooled"})
    assert listed(page) == ["Joint SALT service"]
    rows = table_rows(page)
    assert ["High needs block (DSG)", "£150,000.00"] in rows
    assert ["Integrated Care Board", "£100,000.00"] in rows
    assert ["Social care", "£0.00"] in rows
    page = client.get("/commissioning/")
    assert ["Social care", "£80,000.00"] in table_rows(page)
    page = client.get("/commissioning/", {"expiring": "yes"})
    assert listed(page) == ["Short breaks"]
    page = client.get("/commissioning/", {"status": "ended"})
    assert listed(page) == []
    assert "No commissions match." in page.content.decode()
    page = client.get("/commissioning/", {"status": "nonsense"})
    assert len(listed(page)) == 2


def test_the_commissions_table_exports_to_xlsx(world, contracts):
    response = client_for(world.trust_user).get("/commissioning/", {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content))["Commissions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Reference", "Title", "Type of provision", "Provider")
    assert sorted(row[0] for row in rows[1:]) == ["HV-SALT", "NM-1"]
    salt = next(row for row in rows if row[0] == "HV-SALT")
    assert salt[10] == 250000
    assert "Halford Vale Integrated Care Board (Integrated Care Board): £100,000.00" in salt[13]


# --- the form ----------------------------------------------------------------------------


def form_data(world, **overrides):
    data = {
        "area": str(world.area.pk),
        "reference": "HV-EQ-01",
        "title": "Community equipment store",
        "purpose": "Equipment for children at home and school.",
        "provision_type": "equipment",
        "provider": str(world.charity.pk),
        "start_date_day": "1",
        "start_date_month": "4",
        "start_date_year": "2026",
        "end_date_day": "31",
        "end_date_month": "3",
        "end_date_year": "2029",
        "annual_value": "120000",
        "whole_life_value": "360000",
        "capacity_quantity": "",
        "capacity_unit": "",
        "arrangement": "pooled",
        "lead_commissioner": "",
        "s75_reference": "S75-EQ",
        "status": "live",
        "outcomes": "Equipment delivered within 10 working days",
        "contributions-0-commissioner": str(world.council.pk),
        "contributions-0-funding_stream": "social_care",
        "contributions-0-annual_amount": "70000",
        "contributions-1-commissioner": str(world.icb.pk),
        "contributions-1-funding_stream": "icb",
        "contributions-1-annual_amount": "50000",
    }
    data.update(overrides)
    return data


def test_a_commissioner_records_a_pooled_contract_through_the_form(world):
    client = client_for(world.la_commissioner)
    assert client.get("/commissioning/new/").status_code == 200
    response = client.post("/commissioning/new/", form_data(world))
    commission = Commission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/commissioning/{commission.pk}/"
    assert commission.contributions.count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date_year": "2025"}, "The end date must be on or after the day the contract starts"),
        (
            {"contributions-1-annual_amount": "40000"},
            "The contributions add up to £110,000.00 a year but the value is £120,000.00",
        ),
        ({"s75_reference": ""}, "Enter the reference of the section 75 agreement"),
        ({"contributions-1-funding_stream": ""}, "Contribution 2: select the funding stream"),
        ({"contributions-0-annual_amount": "lots"}, "Contribution 1: amount per year must be an"),
        (
            {"contributions-1-funding_stream": "high_needs"},
            "Contribution 2: halford Vale Integrated Care Board does not hold",
        ),
        ({"arrangement": "lead"}, "Select the lead commissioner"),
        ({"reference": ""}, "Enter the contract reference"),
        ({"start_date_month": "13"}, "The start date must be a real date"),
    ],
)
def test_the_form_shows_each_error_against_its_field(world, overrides, message):
    response = client_for(world.la_commissioner).post(
        "/commissioning/new/", form_data(world, **overrides)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message.replace("'", "&#39;") in page
    assert not Commission.objects.exists()


def test_only_commissioners_see_the_form(world, contracts):
    for who in ("trust_user", "board_member"):
        client = client_for(getattr(world, who))
        assert client.get("/commissioning/new/").status_code == 403
        assert client.post("/commissioning/new/", form_data(world)).status_code == 403
    assert (
        client_for(world.other_commissioner)
        .get(f"/commissioning/{contracts[0].pk}/edit/")
        .status_code
        == 404
    )
    assert (
        client_for(world.board_member).get(f"/commissioning/{contracts[0].pk}/edit/").status_code
        == 403
    )


def test_the_edit_form_changes_a_commission(world, contracts):
    salt = contracts[0]
    client = client_for(world.icb_commissioner)
    page = client.get(f"/commissioning/{salt.pk}/edit/")
    assert page.status_code == 200
    assert 'value="HV-SALT"' in page.content.decode()
    data = form_data(
        world,
        reference="HV-SALT",
        **{
            "contributions-0-funding_stream": "high_needs",
            "contributions-0-annual_amount": "80000",
            "contributions-1-annual_amount": "40000",
        },
    )
    response = client.post(f"/commissioning/{salt.pk}/edit/", data)
    assert response.status_code == 302
    salt.refresh_from_db()
    assert salt.title == "Community equipment store"
    assert salt.annual_value == Decimal(120000)


# --- decisions and agreements -----------------------------------------------------------


def test_decisions_and_agreements_through_the_pages(world, contracts):
    salt = contracts[0]
    client = client_for(world.la_commissioner)
    today = dt.date.today()
    date = {
        "decided_on_day": today.day,
        "decided_on_month": today.month,
        "decided_on_year": today.year,
    }
    response = client.post(
        f"/commissioning/{salt.pk}/decisions/new/",
        {
            "stage": "review",
            "summary": "Extend by a year",
            **date,
            "evidence_title": "Review report",
            "evidence_url": "https://example.org/r",
        },
    )
    assert response.status_code == 302
    decision = salt.stages.get().decisions.get()
    url = f"/commissioning/{salt.pk}/decisions/{decision.pk}/agreements/new/"
    agreed = {
        "agreed_on_day": today.day,
        "agreed_on_month": today.month,
        "agreed_on_year": today.year,
        "agreed_by_name": "A Director",
    }
    refused = client.post(url, {"organisation": world.charity.pk, **agreed})
    assert refused.status_code == 400
    assert "is not party to this commission" in refused.content.decode()
    assert client.post(url, {"organisation": world.icb.pk, **agreed}).status_code == 302
    assert DecisionAgreement.objects.get().organisation == world.icb
    assert client_for(world.trust_user).get(url).status_code == 403
    bad = client.post(f"/commissioning/{salt.pk}/decisions/new/", {"stage": "", "summary": ""})
    assert bad.status_code == 400
    assert "Select the stage of the commissioning cycle" in bad.content.decode()


# --- spot purchases -----------------------------------------------------------------------


@pytest.fixture
def purchases(world):
    child = ChildFactory(area=world.area, forename="Sam", surname="Spot")
    plan = ehc.plan_for(child)
    line = plan.versions.order_by("-number").first().lines.first()
    for cost, kind in (
        (Decimal(2400), "sensory_ot"),
        (Decimal(1800), "sensory_ot"),
        (Decimal(900), "tuition"),
    ):
        services.spot_purchase_record(
            acting_user=None,
            child=child,
            provision_line=line,
            commissioner=world.council,
            provider=world.charity,
            provision_type=kind,
            cost=cost,
            start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 7, 17),
        )
    return child, line


def test_spot_purchases_by_type_and_their_export(world, purchases):
    child, _ = purchases
    client = client_for(world.la_commissioner)
    page = client.get("/commissioning/spot-purchases/")
    assert page.status_code == 200
    rows = table_rows(page)
    assert rows[1:3] == [
        ["Sensory occupational therapy", "2", "£4,200.00"],
        ["Tuition", "1", "£900.00"],
    ]
    assert "Sam" not in page.content.decode()  # no child is named
    entry = AccessLogEntry.objects.filter(action=AccessAction.SEARCH).latest("seq")
    assert entry.subjects.filter(subject_id=str(child.pk)).exists()
    response = client.get("/commissioning/spot-purchases/", {"format": "xlsx"})
    workbook = load_workbook(BytesIO(response.content))
    by_type = list(workbook["By type"].iter_rows(values_only=True))
    assert by_type[1] == ("Sensory occupational therapy", 2, 4200)
    assert len(list(workbook["Spot purchases"].iter_rows(values_only=True))) == 4
    assert AccessLogEntry.objects.filter(action=AccessAction.EXPORT).exists()
    filtered = client.get("/commissioning/spot-purchases/", {"type": "tuition"})
    assert "1 purchase<" in filtered.content.decode()


@pytest.mark.parametrize("who", ["trust_user", "board_member"])
def test_spot_purchases_are_for_commissioners_only(world, purchases, who):
    client = client_for(getattr(world, who))
    assert client.get("/commissioning/spot-purchases/").status_code == 403
    assert client.get("/commissioning/spot-purchases/new/").status_code == 403


def test_another_areas_commissioner_sees_none_of_them(world, purchases):
    page = client_for(world.other_commissioner).get("/commissioning/spot-purchases/")
    assert "No spot purchases recorded." in page.content.decode()
    assert "SP0" not in page.content.decode()


def test_recording_a_spot_purchase_through_the_form(world, purchases):
    child, line = purchases
    other = ChildFactory(area=world.area, forename="Alex", surname="Other")
    client = client_for(world.la_commissioner)
    data = {
        "child_id": other.pk,
        "provision_line_id": line.pk,
        "commissioner": world.council.pk,
        "provider": world.charity.pk,
        "provision_type": "physio",
        "cost": "600",
        "start_date_day": "1",
        "start_date_month": "2",
        "start_date_year": "2026",
        "end_date_day": "1",
        "end_date_month": "3",
        "end_date_year": "2026",
    }
    refused = client.post("/commissioning/spot-purchases/new/", data)
    assert refused.status_code == 400
    assert "That provision line is in another child&#39;s EHC plan" in refused.content.decode()
    missing = client.post("/commissioning/spot-purchases/new/", {**data, "child_id": 999999})
    assert "There is no child with that record number in your area" in missing.content.decode()
    done = client.post("/commissioning/spot-purchases/new/", {**data, "child_id": child.pk})
    assert done.status_code == 302
    assert IndividualCommission.objects.filter(provision_type="physio").count() == 1
