"""The gap analysis on a small area where the gaps are known in advance.

Halford Vale on the day: four children with EHC plans. Three plans promise sensory OT
(134 hours and 6 sessions a year) and no commission delivers it; two spot purchases of
sensory OT (£1,200 and £1,800). Three plans promise SALT, 150 hours a year, against a live
SALT commission of 100 hours. A physiotherapy commission of 10 places has no plan asking
for it. The ICB disputes one line (open 40 days); an older dispute is resolved. Three public
searches for ASD in WA7 found nothing, and one with no need and no postcode."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from opensend.commissioning import gaps, services
from opensend.commissioning.tests import factories
from opensend.core.disclosure import SUPPRESSED
from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.directory.models import SearchLog
from opensend.directory.tests.factories import public_service
from opensend.ehc import services as ehc_services
from opensend.ehc.tests import factories as ehc
from opensend.people import services as people_services
from opensend.people.models import RecordSource
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def line(section, description, commissioner, quantity, unit, frequency, provider="School"):
    return {
        "section": section,
        "description": description,
        "commissioner": commissioner,
        "quantity": Decimal(quantity),
        "unit": unit,
        "frequency": frequency,
        "provider_description": provider,
    }


def plan_with(child, lines):
    """A final plan for the child, its draft carrying exactly these lines."""
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    version = ehc.draft_of(request)
    version = ehc_services.version_update(
        acting_user=None,
        version=version,
        expected_lock_version=version.lock_version,
        changes={
            "section_a": "Likes music.",
            "section_b": "Needs described by the advice.",
            "section_e": "Outcomes agreed with the family.",
            "section_f": "Provision as in the lines.",
        },
    )
    for spec in lines:
        version.refresh_from_db()
        ehc_services.provision_line_save(
            acting_user=None, version=version, expected_lock_version=version.lock_version, **spec
        )
    version.refresh_from_db()
    version = ehc_services.draft_issue(
        acting_user=None,
        version=version,
        served_date=request.issue_decision_date + dt.timedelta(weeks=1),
    )
    return ehc.final_issued(version)


def child_with_need(area, code, born):
    child = ChildFactory(area=area, date_of_birth=born)
    people_services.need_record(
        acting_user=None,
        child=child,
        code=code,
        rank=1,
        start_date=dt.date(2024, 9, 1),
        source_agency="education",
        source=RecordSource.MANUAL,
    )
    return child


SENSORY_A = line("g", "Sensory integration therapy", "icb", 1, "hours", "weekly", "OT")
SENSORY_B = line(
    "g", "Daily sensory circuit", "icb", 30, "minutes", "daily", "Occupational therapist"
)
SENSORY_C = line("g", "Sensory OT programme", "icb", 2, "sessions", "termly", "Private OT")
SALT_A = line("f", "Speech and language therapy", "la_education", 2, "hours", "weekly")
SALT_B = line("f", "SaLT sessions with the class teacher", "la_education", 1, "hours", "weekly")
SALT_D = line("f", "Speech and language therapy review", "la_education", 33, "hours", "annually")
QUIET = line("f", "Access to a quiet space at break times", "school_budget", 15, "minutes", "daily")


@pytest.fixture
def known(world):
    area = world.area
    a = child_with_need(area, "ASD", dt.date(2015, 3, 14))
    b = child_with_need(area, "ASD", dt.date(2018, 6, 1))
    c = child_with_need(area, "SLCN", dt.date(2012, 1, 10))
    d = child_with_need(area, "PD", dt.date(2009, 5, 5))
    plans = {
        "a": plan_with(a, [SENSORY_A, SALT_A]),
        "b": plan_with(b, [SENSORY_B, SALT_B, QUIET]),
        "c": plan_with(c, [SENSORY_C]),
        "d": plan_with(d, [SALT_D]),
    }
    factories.commission(
        area,
        world.trust,
        [(world.council, "high_needs", 60000)],
        reference="HV-SALT",
        provision_type="salt",
        annual_value=Decimal(60000),
        whole_life_value=Decimal(180000),
        capacity_quantity=Decimal(100),
        capacity_unit="hours",
        start_date=TODAY - dt.timedelta(days=365),
        end_date=TODAY + dt.timedelta(days=700),
    )
    factories.commission(
        area,
        world.trust,
        [(world.icb, "icb", 40000)],
        reference="HV-PHYSIO",
        title="Physiotherapy",
        provision_type="physio",
        annual_value=Decimal(40000),
        whole_life_value=Decimal(120000),
        capacity_quantity=Decimal(10),
        capacity_unit="places",
        start_date=TODAY - dt.timedelta(days=365),
        end_date=TODAY + dt.timedelta(days=700),
    )
    factories.commission(  # ended: not live, so sensory OT stays uncommissioned
        area,
        world.charity,
        [(world.icb, "icb", 10000)],
        reference="HV-SOT-OLD",
        provision_type="sensory_ot",
        annual_value=Decimal(10000),
        whole_life_value=Decimal(10000),
        status="ended",
        start_date=TODAY - dt.timedelta(days=900),
        end_date=TODAY - dt.timedelta(days=500),
    )
    for child, cost in ((a, 1200), (b, 1800)):
        services.spot_purchase_record(
            acting_user=None,
            child=child,
            provision_line=None,
            commissioner=world.icb,
            provider=world.charity,
            provision_type="sensory_ot",
            cost=Decimal(cost),
            start_date=TODAY - dt.timedelta(days=100),
            end_date=TODAY + dt.timedelta(days=100),
        )
    sensory_c = plans["c"].versions.get(state="issued").lines.get()
    salt_d = plans["d"].versions.get(state="issued").lines.get()
    services.dispute_raise(
        acting_user=None,
        provision_line=sensory_c,
        disputing_organisation=world.icb,
        disputed="The ICB says sensory OT is educational provision, for the council.",
        raised_on=TODAY - dt.timedelta(days=40),
    )
    old = services.dispute_raise(
        acting_user=None,
        provision_line=salt_d,
        disputing_organisation=world.icb,
        disputed="Who pays for the SALT review.",
        raised_on=TODAY - dt.timedelta(days=100),
    )
    services.dispute_resolve(
        acting_user=None,
        dispute=old,
        resolved_on=TODAY - dt.timedelta(days=50),
        outcome="accepted",
    )
    now = timezone.now()
    for days in (3, 30, 200):
        SearchLog.objects.create(
            area=area,
            occurred_at=now - dt.timedelta(days=days),
            filters={"needs": ["ASD"]},
            postcode_district="WA7",
            result_count=0,
        )
    SearchLog.objects.create(area=area, occurred_at=now, filters={}, result_count=0)
    SearchLog.objects.create(  # found something
        area=area,
        occurred_at=now,
        filters={"needs": ["ASD"]},
        postcode_district="WA7",
        result_count=4,
    )
    SearchLog.objects.create(  # too long ago
        area=area,
        occurred_at=now - dt.timedelta(days=400),
        filters={"needs": ["ASD"]},
        postcode_district="WA7",
        result_count=0,
    )
    public_service(area=area, categories=("therapies",), postcode="WA7 1AB", name="Therapy hub")
    public_service(area=area, categories=("short-breaks", "leisure"), name="Saturday club")
    return world


def rows(analysis, key):
    return [list(row) for row in analysis.table(key).rows]


def row_for(analysis, key, first):
    found = [row for row in rows(analysis, key) if row[0] == first]
    assert len(found) == 1, (first, rows(analysis, key))
    return found[0]


@pytest.fixture
def exact(known):
    return gaps.gap_analysis(fetched_by=known.la_commissioner, area=known.area)


def test_children_by_need_and_age(exact):
    assert row_for(exact, "children_by_need", "Autistic spectrum disorder") == [
        "Autistic spectrum disorder",
        0,
        1,
        1,
        0,
        0,
        2,
        2,
    ]
    assert row_for(exact, "children_by_need", "All needs") == ["All needs", 0, 1, 2, 1, 0, 4, 4]
    assert exact.figures["children"] == 4


def test_plan_provision_by_type(exact):
    assert row_for(exact, "provision_by_type", "Sensory occupational therapy") == [
        "Sensory occupational therapy",
        3,
        3,
        Decimal("134.00"),
        Decimal("6.00"),
        None,
        None,
        0,
        None,
    ]
    assert row_for(exact, "provision_by_type", "Speech and language therapy") == [
        "Speech and language therapy",
        3,
        3,
        Decimal("150.00"),
        None,
        None,
        None,
        0,
        None,
    ]
    assert row_for(exact, "provision_by_type", "Other") == [
        "Other",
        1,
        1,
        Decimal("47.50"),
        None,
        None,
        None,
        0,
        None,
    ]


def test_plan_provision_by_commissioner(exact):
    table = exact.table("provision_by_commissioner")
    assert table.columns == (
        "Type of provision",
        "Local authority (education, high needs)",
        "The school or college's own budget",
        "Integrated Care Board",
    )
    assert row_for(exact, "provision_by_commissioner", "Sensory occupational therapy")[1:] == [
        0,
        0,
        3,
    ]
    assert row_for(exact, "provision_by_commissioner", "Speech and language therapy")[1:] == [
        3,
        0,
        0,
    ]


def test_supply(exact):
    assert rows(exact, "capacity_by_type") == [
        ["Speech and language therapy", 1, Decimal(60000), "100.00 hours"],
        ["Physiotherapy", 1, Decimal(40000), "10.00 places"],
    ]
    assert rows(exact, "local_offer_by_locality") == [
        ["WA7", "Testtown", 1, 0, 1, 0, 0, 0, 0, 0, 0],
        [gaps.NO_ADDRESS, "", 1, 0, 0, 0, 1, 1, 0, 0, 0],
    ]


def test_promised_with_no_commission(exact):
    assert rows(exact, "uncommissioned") == [
        ["Sensory occupational therapy", 3, 3, Decimal("134.00"), Decimal("6.00"), 2, Decimal(3000)]
    ]
    assert exact.figures["uncommissioned_types"] == ["sensory_ot"]
    assert exact.summary[0] == (
        "Plans promise sensory occupational therapy to 3 children with no commissioned "
        "service behind it."
    )


def test_spot_purchase_spend(exact):
    assert rows(exact, "spot_spend") == [
        ["Sensory occupational therapy", 2, 2, Decimal(3000), Decimal(1500)]
    ]
    assert exact.figures["spot_spend"] == Decimal(3000)


def test_capacity_against_demand(exact):
    salt, physio = rows(exact, "capacity_vs_demand")
    assert salt == [
        "Speech and language therapy",
        "hours",
        Decimal("100.00"),
        Decimal("150.00"),
        Decimal("150.0"),
        "Over capacity",
        "",
    ]
    assert physio == [
        "Physiotherapy",
        "places",
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("0.0"),
        "Spare capacity",
        "",
    ]
    assert exact.figures["over_capacity_types"] == ["salt"]


def test_open_disputes(exact):
    (listed,) = rows(exact, "disputes_open")
    assert listed[1] == "Halford Vale Integrated Care Board"
    assert listed[3] == "G: Sensory OT programme"
    assert listed[4] == "Sensory occupational therapy"
    assert listed[5] == "Integrated Care Board"
    assert listed[7:] == [TODAY - dt.timedelta(days=40), 40]
    assert rows(exact, "disputes_by_age") == [
        ["Under 4 weeks", 0],
        ["4 to 12 weeks", 1],
        ["12 to 26 weeks", 0],
        ["26 weeks or more", 0],
        ["All open disputes", 1],
    ]
    assert exact.figures["open_disputes"] == 1


def test_searches_that_found_nothing(exact):
    assert rows(exact, "searches_by_need") == [
        ["Autistic spectrum disorder (ASD)", 3, 1],
        [gaps.NO_NEED, 1, 1],
    ]
    assert rows(exact, "searches_by_locality") == [
        ["Autistic spectrum disorder (ASD)", "WA7", 3],
        [gaps.NO_NEED, gaps.NO_DISTRICT, 1],
    ]
    assert exact.figures["zero_result_searches"] == 4


def test_an_earlier_date_sees_the_area_as_it_was(known):
    before = gaps.gap_analysis(
        fetched_by=known.la_commissioner, area=known.area, on=dt.date(2025, 1, 1)
    )
    assert before.table("provision_by_type").rows == ()
    assert before.table("capacity_by_type").rows == ()
    assert before.figures["open_disputes"] == 0


def test_a_send_manager_sees_exact_figures(known):
    manager = staff(Role.SEND_MANAGER, known.council)
    analysis = gaps.gap_analysis(fetched_by=manager, area=known.area)
    assert analysis.exact
    assert row_for(analysis, "uncommissioned", "Sensory occupational therapy")[1] == 3


def test_a_board_member_sees_small_numbers_suppressed(known):
    board = gaps.gap_analysis(fetched_by=known.board_member, area=known.area)
    assert not board.exact
    assert row_for(board, "uncommissioned", "Sensory occupational therapy") == [
        "Sensory occupational therapy",
        SUPPRESSED,
        SUPPRESSED,
        SUPPRESSED,
        SUPPRESSED,
        SUPPRESSED,
        SUPPRESSED,
    ]
    assert row_for(board, "spot_spend", "Sensory occupational therapy")[1:] == [SUPPRESSED] * 4
    assert row_for(board, "children_by_need", "All needs")[-2] == SUPPRESSED
    assert row_for(board, "capacity_vs_demand", "Speech and language therapy")[3:5] == [
        SUPPRESSED,
        SUPPRESSED,
    ]
    assert "disputes_open" not in [table.key for table in board.tables]
    assert rows(board, "disputes_by_age")[-1] == ["All open disputes", SUPPRESSED]
    assert "to [c] children" in board.summary[0]
    # not about children: shown as they are
    assert rows(board, "searches_by_need")[0][1] == 3
    assert rows(board, "capacity_by_type")[0][1] == 1


@pytest.mark.parametrize("who", ["trust_user", "charity_user", "other_commissioner"])
def test_others_do_not_see_the_area(known, who):
    with pytest.raises(Http404):
        gaps.gap_analysis(fetched_by=getattr(known, who), area=known.area)


def test_a_coordinator_does_not_see_it(known, coordinator):
    with pytest.raises(Http404):
        gaps.gap_analysis(fetched_by=coordinator, area=known.area)


def test_a_send_manager_of_another_area_does_not_see_it(known):
    manager = staff(Role.SEND_MANAGER, known.other_council)
    assert gaps.gap_access(manager).area_ids == {known.other_area.pk}
    with pytest.raises(Http404):
        gaps.gap_analysis(fetched_by=manager, area=known.area)
