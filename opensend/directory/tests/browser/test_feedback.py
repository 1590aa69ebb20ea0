"""A parent leaves feedback on a service; a Local Offer officer themes it, answers it and
publishes the answer; the answer appears on "you said, we did". Every page is checked with
axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.directory.models import Feedback, FeedbackStatus
from opensend.directory.services import feedback as services
from opensend.directory.tests.factories import public_service

pytestmark = pytest.mark.browser


def banner(page):
    return page.locator(".govuk-notification-banner")


def test_feedback_on_a_service_is_answered_and_published(
    page, check, area, local_authority, sign_in_as
):
    service = public_service(area=area, name="Splash Club", description="Swimming sessions.")
    officer = staff(Role.LOCAL_OFFER_OFFICER, local_authority, full_name="Olu Officer")

    # a parent reads the service and comments on it
    page.goto(f"/local-offer/990/services/{service.pk}/")
    expect(page.locator("main")).to_contain_text("No comments about this service")
    page.get_by_role("link", name="Tell us what you think of this service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment on Splash Club")
    check("the feedback form for a service")
    page.get_by_role("button", name="Send your comment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your comment")
    check("the feedback form, with errors")
    page.get_by_label("Your comment").fill(
        "The changing rooms at Splash Club are too noisy for my son Jack. A quiet room would help."
    )
    page.get_by_label("Parent or carer").check()
    page.get_by_role("button", name="Send your comment").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Feedback sent")
    check("the confirmation")
    feedback = Feedback.objects.get()
    expect(page.locator(".govuk-panel")).to_contain_text(feedback.reference)
    assert feedback.service == service and feedback.about == "service"

    # an officer themes, answers and publishes it
    sign_in_as(officer)
    page.goto("/local-offer/manage/990/feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Local Offer feedback")
    check("the feedback queue")
    page.get_by_role("link", name=feedback.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Feedback {feedback.reference}")
    check("a new comment")
    page.get_by_role("link", name="Choose the themes").click()
    check("the themes form")
    page.get_by_label("Name of the theme").fill("Sensory-friendly spaces")
    page.get_by_role("button", name="Save the themes").click()
    expect(banner(page)).to_contain_text("Themes saved")
    check("a themed comment")

    page.get_by_role("link", name="Answer the comment").click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("a name")
    check("the answer form, warning of a name")
    page.get_by_label("The comment to publish").fill(
        "The changing rooms at a swimming club are too noisy. A quiet room would help."
    )
    page.get_by_label("Your response").fill("Thank you. We asked the club about a quiet room.")
    page.get_by_label("What we did or will do").fill(
        "The club now offers a quiet changing room on request, and its page says so."
    )
    page.get_by_role("button", name="Save the answer").click()
    expect(banner(page)).to_contain_text("Answer saved")
    check("an answered comment")

    page.get_by_role("link", name="Publish the answer").click()
    check("the publish page")
    page.get_by_role("button", name="Publish the answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Confirm that the comment as published does not identify anyone"
    )
    check("the publish page, with errors")
    page.get_by_label(re.compile("it does not identify anyone")).check()
    page.get_by_role("button", name="Publish the answer").click()
    expect(banner(page)).to_contain_text("Answer published")
    check("a published comment")
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.PUBLISHED

    # the answer is on "you said, we did"
    page.goto("/local-offer/990/you-said-we-did/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You said, we did")
    expect(page.get_by_role("heading", name="Sensory-friendly spaces")).to_be_visible()
    expect(page.locator("main")).to_contain_text("The club now offers a quiet changing room")
    expect(page.locator("main")).not_to_contain_text("Jack")
    expect(page.locator("main")).to_contain_text("fewer than 6")
    check("you said, we did")

    # and on the service's own page
    page.goto(f"/local-offer/990/services/{service.pk}/")
    expect(page.locator("main")).to_contain_text("The club now offers a quiet changing room")
    check("the service page with its published answer")


def test_an_officer_marks_a_comment_not_for_publication_and_withdraws_an_answer(
    page, check, area, local_authority, sign_in_as
):
    officer = staff(Role.LOCAL_OFFER_OFFICER, local_authority, full_name="Olu Officer")
    theme = services.feedback_theme_create(acting_user=officer, area=area, name="Transport")
    rude = services.feedback_submit(area=area, about="content", comment="Rubbish, all of it.")
    answered = services.feedback_submit(area=area, about="gap", comment="No transport listed.")
    services.feedback_set_themes(acting_user=officer, feedback=answered, themes=[theme])
    services.feedback_answer(
        acting_user=officer,
        feedback=answered,
        published_comment="No transport listed.",
        response="We have added it.",
        action="Transport services are now listed.",
    )
    services.feedback_publish(acting_user=officer, feedback=answered, confirmed_anonymous=True)

    sign_in_as(officer)
    page.goto("/local-offer/manage/990/feedback/?status=published")
    expect(page.get_by_role("link", name=answered.reference)).to_be_visible()
    expect(page.get_by_role("link", name=rude.reference)).to_have_count(0)
    check("the queue, filtered")

    page.goto(f"/local-offer/manage/990/feedback/{rude.reference}/")
    page.get_by_role("link", name="Mark as not for publication").click()
    check("the not-for-publication form")
    page.get_by_role("button", name="Mark as not for publication").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason")
    check("the not-for-publication form, with errors")
    page.get_by_label("Why is it not for publication?").fill("Abusive, no suggestion to answer.")
    page.get_by_role("button", name="Mark as not for publication").click()
    expect(banner(page)).to_contain_text("Marked as not for publication")
    expect(page.locator("main")).to_contain_text("Reason: Abusive, no suggestion to answer.")
    check("a comment not for publication")

    page.goto(f"/local-offer/manage/990/feedback/{answered.reference}/")
    page.get_by_role("link", name="Withdraw the published answer").click()
    check("the withdraw form")
    page.get_by_label("Why are you withdrawing it?").fill("Out of date.")
    page.get_by_role("button", name="Withdraw the answer").click()
    expect(banner(page)).to_contain_text("Answer withdrawn")
    check("a withdrawn answer")

    page.goto("/local-offer/990/you-said-we-did/")
    expect(page.locator("main")).to_contain_text("Nothing has been published yet.")
    check("you said, we did, with nothing published")
