"""A coordinator takes a request for assessment through to a final EHC plan in the browser,
then runs an annual review through to "maintain". Every page is checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from opensend.core.roles import OrganisationKind
from opensend.core.tests.factories import OrganisationFactory, SettingFactory
from opensend.ehc.models import AssessmentRequest, PlanStatus, RequestStage, ReviewStage
from opensend.ehc.tests import factories as ehc
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def open_task(page, name: str) -> None:
    page.get_by_role("list").get_by_role("link", name=name, exact=True).click()


def banner(page):
    return page.locator(".govuk-notification-banner")


def test_a_request_to_a_final_plan_then_an_annual_review(
    page, check, coordinator, area, sign_in_as
):
    today = dt.date.today()
    start = today - 150 * DAY
    child = ChildFactory(
        area=area, forename="Robin", surname="Journey", date_of_birth=dt.date(2016, 1, 1)
    )
    OrganisationFactory(
        name="Halford Vale Community Health NHS Trust",
        kind=OrganisationKind.NHS_TRUST,
        home_area=area,
    )
    SettingFactory(home_area=area, name="Hill Primary School")

    sign_in_as(coordinator)
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Requests for an EHC needs assessment and EHC plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("EHC needs assessment and plans")
    check("the child's EHC page")

    # the request
    page.get_by_role("button", name="Record a request for assessment").click()
    check("the new request form")
    page.get_by_role("button", name="Record the request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select who asked for the assessment"
    )
    check("the new request form, with errors")
    page.get_by_label("Parent or carer").check()
    fill_date(page, "Date the request was received", start)
    page.get_by_role("button", name="Record the request").click()
    expect(banner(page)).to_contain_text("Request recorded")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request for an EHC needs assessment")
    check("the case page, request received")
    case = AssessmentRequest.objects.get(child=child)

    # the decision to assess
    open_task(page, "Decide whether to assess")
    check("the decision to assess form")
    fill_date(page, "Date of the decision", start + 28 * DAY)
    page.get_by_label("Yes, carry out an EHC needs assessment").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(banner(page)).to_contain_text("the needs assessment has started")
    check("the case page, assessing")

    # advice from health, and its return
    open_task(page, "Ask for advice")
    check("the request for advice form")
    page.get_by_label("Health (medical)").check()
    page.get_by_label("Organisation asked").select_option(
        label="Halford Vale Community Health NHS Trust"
    )
    fill_date(page, "Date advice was requested", start + 29 * DAY)
    page.get_by_role("button", name="Record the request for advice").click()
    expect(banner(page)).to_contain_text("Health (medical) advice requested")
    open_task(page, "Health (medical) advice from Halford Vale Community Health NHS Trust")
    check("the advice return form")
    fill_date(page, "Date the advice was returned", start + 60 * DAY)
    page.get_by_label("The advice, or a summary of it").fill(
        "Needs speech and language therapy each week."
    )
    page.get_by_role("button", name="Record the advice").click()
    expect(banner(page)).to_contain_text("Advice recorded")
    check("the case page, advice returned")

    # the decision to issue
    open_task(page, "Decide whether to issue a plan")
    check("the decision to issue form")
    fill_date(page, "Date of the decision", start + 63 * DAY)
    page.get_by_label("Yes, issue an EHC plan").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(banner(page)).to_contain_text("write the draft plan")

    # the draft: sections and a line of provision
    open_task(page, "Write and send the draft plan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft EHC plan")
    check("the draft page")
    page.get_by_role("button", name="Write the plan").click()
    check("the draft editor")
    page.get_by_label("A: The views, interests and aspirations").fill("Robin loves trains.")
    page.get_by_label("B: Special educational needs").fill("Speech and language needs.")
    page.get_by_label("E: Outcomes").fill("Will speak in sentences of five words.")
    page.get_by_label("F: Special educational provision").fill("Therapy, as below.")
    page.get_by_role("button", name="Save the draft").click()
    expect(banner(page)).to_contain_text("The draft has been saved")
    page.get_by_role("button", name="Add a line of provision").click()
    check("the provision form")
    page.get_by_label("F: Special educational provision").check()
    page.get_by_label("What is provided").fill("Speech and language therapy")
    page.get_by_label("How much (optional)").fill("30")
    page.get_by_label("Measured in").select_option("minutes")
    page.get_by_label("How often").select_option("weekly")
    page.get_by_label("Provided by", exact=True).fill("Speech and language therapist")
    page.get_by_label("Local authority (education, high needs)").check()
    page.get_by_label("Cost per year (optional)").fill("1200")
    page.get_by_role("button", name="Save the provision").click()
    expect(banner(page)).to_contain_text("Section F provision saved")
    expect(page.get_by_role("region", name="Section F provision")).to_contain_text(
        "30 minutes, weekly"
    )
    check("the draft page, with provision")

    # send it to the family, record their comments, name the setting
    page.get_by_role("button", name="Send the draft to the family").click()
    check("the send the draft form")
    fill_date(page, "Date the draft was sent to the family", start + 70 * DAY)
    page.get_by_role("button", name="Record that the draft was sent").click()
    expect(banner(page)).to_contain_text("The family have until")
    check("the draft page, with the family")
    page.get_by_role("link", name="Record the family's comments").click()
    check("the family's comments form")
    fill_date(page, "Date the comments were received", start + 75 * DAY)
    page.get_by_label("The family's comments").fill("We agree, and we want Hill Primary.")
    page.get_by_label("Setting the family want named").select_option(label="Hill Primary School")
    page.get_by_role("button", name="Record the comments").click()
    expect(banner(page)).to_contain_text("comments have been recorded")
    page.get_by_role("button", name="Name the setting (section I)").click()
    check("the section I form")
    expect(page.get_by_label("School or college")).to_have_value(
        str(AssessmentRequest.objects.get(pk=case.pk).plan.versions.get().preferred_setting_id)
    )
    page.get_by_role("button", name="Save section I").click()
    expect(banner(page)).to_contain_text("Hill Primary School named")

    # the final plan
    page.get_by_role("button", name="Issue the final plan").click()
    check("the issue the final plan form")
    fill_date(page, "Date the final plan was issued", start + 90 * DAY)
    page.get_by_role("button", name="Issue the final plan").click()
    expect(banner(page)).to_contain_text("Version 1 issued")
    expect(page.get_by_role("heading", level=1)).to_contain_text("EHC plan")
    expect(page.get_by_text("Robin loves trains.")).to_be_visible()
    check("the plan page")
    case.refresh_from_db()
    assert case.stage == RequestStage.FINAL_ISSUED
    assert case.plan.status == PlanStatus.ACTIVE

    page.goto(f"/ehc/requests/{case.pk}/")
    expect(page.locator(".govuk-task-list__status", has_text="Completed")).to_have_count(7)
    check("the case page, final plan issued")
    page.get_by_role("link", name="Open the EHC plan").click()
    page.get_by_role("link", name="Print version 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Robin Journey")
    check("the printable version")

    # an annual review of an older plan, through to "maintain"
    older = ChildFactory(
        area=area, forename="Sky", surname="Reviewed", date_of_birth=dt.date(2014, 11, 1)
    )
    plan = ehc.plan_for(older, received_on=today - 520 * DAY, coordinator=coordinator)
    review = plan.reviews.get(stage=ReviewStage.SCHEDULED)
    page.goto(f"/ehc/plans/{plan.pk}/")
    expect(page.get_by_role("heading", name="Annual review")).to_be_visible()
    check("the plan page, review due")
    open_task(page, "Invite everyone to the review meeting")
    check("the review invitation form")
    fill_date(page, "Date the invitations were sent", today - 40 * DAY)
    fill_date(page, "Date of the review meeting", today - 20 * DAY)
    page.get_by_role("button", name="Record the invitations").click()
    expect(banner(page)).to_contain_text("Review meeting arranged")
    open_task(page, "Hold the review meeting")
    check("the review meeting form")
    page.get_by_role("button", name="Record the meeting").click()
    expect(banner(page)).to_contain_text("Meeting recorded")
    open_task(page, "Receive the review report")
    check("the review report form")
    fill_date(page, "Date the review report was received", today - 15 * DAY)
    page.get_by_label("The report's recommendations").fill("Progress is good: keep the plan.")
    page.get_by_role("button", name="Record the report").click()
    expect(banner(page)).to_contain_text("Report recorded")
    open_task(page, "Decide whether to maintain, amend or cease the plan")
    check("the review decision form")
    fill_date(page, "Date of the decision", today - 10 * DAY)
    page.get_by_label("Maintain the plan as it is").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(banner(page)).to_contain_text("Decision recorded: maintain")
    expect(page.get_by_text("decided to maintain the plan")).to_be_visible()
    check("the plan page, review completed")
    review.refresh_from_db()
    assert (review.stage, review.outcome) == (ReviewStage.COMPLETED, "M")
