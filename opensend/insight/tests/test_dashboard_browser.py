"""A board member signs in and reads the partnership dashboard in a real browser: the
exceptions at the top, each section's table, the badges in words, small numbers suppressed;
axe-core reports no violations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opensend.core.disclosure import SUPPRESSED
from opensend.ehc.models import ReviewStage
from opensend.insight.tests.factories import contract_indicator, indicator, value
from opensend.insight.tests.test_dashboard import issued_plan, review
from opensend.pathways import services as pathway_services
from opensend.pathways.tests.factories import PathwayFactory
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.browser

WEEK = dt.timedelta(weeks=1)


def test_a_board_member_reads_the_dashboard(page, check, world, sign_in_as):
    today = timezone.localdate()
    area = world.area
    for _ in range(3):
        review(area, due=today - 2 * WEEK)
    for day in range(8):
        review(area, due=today - 3 * WEEK, stage=ReviewStage.COMPLETED, meeting=today - 4 * WEEK)
        issued_plan(area, issued=today - dt.timedelta(days=day), due=today + WEEK)
    pathway = PathwayFactory(area=area, name="Autism assessment", provider=world.trust)
    for number in range(7):
        pathway_services.referral_record(
            acting_user=None,
            pathway=pathway,
            child=ChildFactory(area=area),
            provider_reference=f"ASD-{number}",
            source="school",
            received_on=today - 30 * WEEK,
        )
    red = indicator(area, name="Health advice within 6 weeks", code="health-advice")
    value(red, today.replace(day=1), 40, 100, today=today)
    contract_indicator(world.trust_contract, name="Children seen within 12 weeks")

    sign_in_as(world.board_member)
    page.goto("/performance/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance dashboard")

    exceptions = page.locator('[data-table="exceptions"]')
    expect(exceptions).to_contain_text("Health advice within 6 weeks")
    expect(exceptions).to_contain_text("Red: 40% misses the target of 90%")
    expect(exceptions).to_contain_text("Autism assessment")
    expect(exceptions).to_contain_text("against the standard of 92%")

    timeliness = page.locator('[data-table="timeliness"]')
    expect(timeliness.get_by_role("row", name="Last 12 months")).to_contain_text("100.0%")
    reviews = page.locator('[data-table="reviews"]')
    expect(reviews.get_by_role("row", name="Overdue now")).to_contain_text(SUPPRESSED)
    expect(page.locator('[data-table="advice"]')).to_contain_text("Social care")
    expect(page.locator('[data-table="waiting-lists"]')).to_contain_text("Not met")
    kpis = page.locator('[data-table="contract-kpis"]')
    expect(kpis).to_contain_text("Children seen within 12 weeks")
    expect(page.locator('[data-table="feedback"]')).to_contain_text("Waiting for an answer now")
    expect(page.get_by_text("Red", exact=True).first).to_be_visible()
    check("the dashboard, as a board member")

    page.get_by_text("What the badges mean").click()
    expect(page.get_by_text("Consistently failing the target")).to_be_visible()
    check("the dashboard with the badges explained")

    page.get_by_role("link", name="Health advice within 6 weeks").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Health advice within 6 weeks")
