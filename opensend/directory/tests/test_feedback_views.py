"""The feedback pages: the public form (honeypot, rate limit, a service named), the
confirmation, "you said, we did", the officers' queue and each step on a comment, the export,
and who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.template import engines
from django.test import Client

from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, staff
from opensend.directory.feedback_selectors import published_for_service
from opensend.directory.models import Feedback, FeedbackAbout, FeedbackStatus, FeedbackTheme
from opensend.directory.services import feedback as services
from opensend.directory.tests.factories import public_service
from opensend.directory.views.feedback import RATE_LIMIT

pytestmark = pytest.mark.django_db

FORM = "/local-offer/990/feedback/"
SENT = "/local-offer/990/feedback/sent/"
YSWD = "/local-offer/990/you-said-we-did/"
QUEUE = "/local-offer/manage/990/feedback/"


@pytest.fixture
def officer(local_authority):
    return staff(Role.LOCAL_OFFER_OFFICER, local_authority, full_name="Olu Officer")


@pytest.fixture
def officer_client(officer):
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def theme(area, officer):
    return services.feedback_theme_create(acting_user=officer, area=area, name="Short breaks")


def item_url(feedback, step=""):
    return f"{QUEUE}{feedback.reference}/{step + '/' if step else ''}"


def submit(area, **fields):
    values = {"about": FeedbackAbout.CONTENT, "comment": "More about short breaks, please."}
    values.update(fields)
    return services.feedback_submit(area=area, **values)


def text(response):
    return response.content.decode()


# --- the public form ---------------------------------------------------------------------


def test_anyone_can_leave_a_comment_and_gets_a_reference(client, area):
    page = client.get(FORM)
    assert page.status_code == 200
    assert "Comment on the Local Offer" in text(page)
    assert "never published" in text(page)
    response = client.post(
        FORM,
        {
            "about": "accessibility",
            "comment": "The search is hard to use on a phone.",
            "relationship": "parent",
            "reply_email": "parent@example.com",
            "website": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == SENT
    feedback = Feedback.objects.get()
    assert (feedback.about, feedback.relationship) == ("accessibility", "parent")
    sent = client.get(SENT)
    assert "Feedback sent" in text(sent) and feedback.reference in text(sent)


def test_the_confirmation_without_a_comment_goes_back_to_the_form(client, area):
    response = client.get(SENT)
    assert response.status_code == 302 and response["Location"] == FORM


def test_a_comment_on_a_service_names_it(client, area):
    service = public_service(area=area, name="Splash Club")
    page = client.get(f"{FORM}?service={service.pk}")
    assert "Comment on Splash Club" in text(page)
    assert f'value="{service.pk}"' in text(page)
    client.post(FORM, {"about": "service", "comment": "Great.", "service": str(service.pk)})
    assert Feedback.objects.get().service == service


def test_what_the_comment_is_about_can_be_chosen_by_the_link(client, area):
    body = text(client.get(f"{FORM}?about=gap"))
    assert 'value="gap" checked' in body
    assert "checked" not in text(client.get(f"{FORM}?about=nonsense"))


@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_service_is_ignored(client, area, value):
    page = client.get(f"{FORM}?service={value}")
    assert page.status_code == 200 and "Comment on the Local Offer" in text(page)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "Hello"}, "Select what your comment is about"),
        ({"about": "content", "comment": ""}, "Enter your comment"),
        (
            {"about": "content", "comment": "x" * 3001},
            "Your comment must be 3,000 characters or fewer",
        ),
        (
            {"about": "content", "comment": "Hi", "reply_email": "nope"},
            "Enter an email address in the correct format, like name@example.com",
        ),
        (
            {"about": "content", "comment": "Hi", "relationship": "cousin"},
            "Select who you are from the list",
        ),
    ],
)
def test_bad_input_gets_an_error_summary(client, area, data, message):
    response = client.post(FORM, data)
    assert response.status_code == 200
    body = text(response)
    assert "There is a problem" in body and message in body
    assert "<title>Error:" in body
    assert not Feedback.objects.exists()


def test_the_honeypot_keeps_nothing_but_says_thank_you(client, area):
    response = client.post(
        FORM, {"about": "content", "comment": "Buy cheap things", "website": "http://spam.example"}
    )
    assert response.status_code == 302 and response["Location"] == SENT
    assert not Feedback.objects.exists()
    sent = client.get(SENT)
    assert "Feedback sent" in text(sent) and "LO-" not in text(sent)


def test_one_session_may_send_only_a_few_comments_an_hour(client, area):
    for number in range(RATE_LIMIT):
        response = client.post(FORM, {"about": "content", "comment": f"Comment {number}"})
        assert response.status_code == 302
    response = client.post(FORM, {"about": "content", "comment": "One too many"})
    assert response.status_code == 429
    assert "Wait an hour" in text(response)
    assert Feedback.objects.count() == RATE_LIMIT
    # another browser is not held back
    assert Client().post(FORM, {"about": "content", "comment": "Hello"}).status_code == 302


def test_script_in_a_comment_is_never_run(client, area, officer_client, officer, theme):
    feedback = submit(area, comment="<script>alert(1)</script>")
    body = text(officer_client.get(item_url(feedback)))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_an_unknown_area_is_not_found(client, db):
    assert client.get("/local-offer/123/feedback/").status_code == 404
    assert client.get("/local-offer/123/you-said-we-did/").status_code == 404


# --- "you said, we did" ------------------------------------------------------------------


def publish(area, officer, theme, *, said="We want more clubs.", received=None):
    feedback = submit(area)
    if received:
        Feedback.objects.filter(pk=feedback.pk).update(received_at=received)
    services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=[theme])
    services.feedback_answer(
        acting_user=officer,
        feedback=feedback,
        published_comment=said,
        response="We agree.",
        action="Two new clubs open in May.",
    )
    return services.feedback_publish(
        acting_user=officer, feedback=feedback, confirmed_anonymous=True
    )


def test_you_said_we_did_shows_published_answers_with_suppressed_counts(
    client, area, officer, theme
):
    publish(
        area,
        officer,
        theme,
        said="We want more clubs.",
        received=dt.datetime(2025, 10, 1, tzinfo=dt.UTC),
    )
    publish(
        area,
        officer,
        theme,
        said="Older comment.",
        received=dt.datetime(2024, 10, 1, tzinfo=dt.UTC),
    )
    submit(area, comment="Not answered, never shown.")
    body = text(client.get(YSWD))
    assert "You said, we did" in body
    assert "2025 to 2026" in body and "2024 to 2025" in body
    assert "We want more clubs." in body and "Two new clubs open in May." in body
    assert "Short breaks" in body
    assert "fewer than 6" in body
    assert "Not answered, never shown." not in body
    one_year = text(client.get(YSWD + "?year=2024"))
    assert "Older comment." in one_year and "We want more clubs." not in one_year
    # an unknown year shows them all
    assert "We want more clubs." in text(client.get(YSWD + "?year=1999"))


def test_you_said_we_did_with_nothing_published(client, area):
    assert "Nothing has been published yet." in text(client.get(YSWD))


def test_the_service_partial_lists_a_services_answers(area, officer, theme, rf):
    service = public_service(area=area, name="Splash Club")
    feedback = submit(area, about=FeedbackAbout.SERVICE, service=service)
    services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=[theme])
    services.feedback_answer(
        acting_user=officer,
        feedback=feedback,
        published_comment="The <b>pool</b> was cold.",
        response="We spoke to the club.",
        action="The pool is heated now.",
    )
    services.feedback_publish(acting_user=officer, feedback=feedback, confirmed_anonymous=True)
    template = engines["jinja2"].get_template("directory/feedback/_service_answers.html")
    html = template.render(
        {"service": service, "feedback_answers": published_for_service(service)},
        request=rf.get("/"),
    )
    assert "The &lt;b&gt;pool&lt;/b&gt; was cold." in html
    assert "The pool is heated now." in html
    assert f"/local-offer/990/feedback/?service={service.pk}" in html
    empty = template.render({"service": service, "feedback_answers": []}, request=rf.get("/"))
    assert "No comments about this service have been published yet." in empty


# --- who may use the staff pages ---------------------------------------------------------


def staff_urls(feedback):
    return [
        QUEUE,
        QUEUE + "export.csv",
        *(
            item_url(feedback, step)
            for step in ("", "themes", "answer", "publish", "withhold", "withdraw")
        ),
    ]


def test_the_staff_pages_need_signing_in(client, area):
    feedback = submit(area)
    for url in staff_urls(feedback):
        response = client.get(url)
        assert response.status_code == 302 and "sign-in" in response["Location"], url


@pytest.mark.parametrize("role", [Role.EHC_COORDINATOR, Role.PROVIDER, Role.COMMISSIONER])
def test_the_staff_pages_are_refused_to_other_roles(area, local_authority, role):
    feedback = submit(area)
    client = Client()
    client.force_login(staff(role, local_authority))
    for url in staff_urls(feedback):
        assert client.get(url).status_code == 403, url
    assert client.post(item_url(feedback, "withhold"), {"reason": "x"}).status_code == 403
    assert Feedback.objects.get().status == FeedbackStatus.NEW


def test_an_officer_of_another_area_is_refused(area):
    feedback = submit(area)
    client = Client()
    client.force_login(
        staff(Role.LOCAL_OFFER_OFFICER, OrganisationFactory(home_area=AreaFactory()))
    )
    assert client.get(QUEUE).status_code == 403
    assert client.get(item_url(feedback)).status_code == 403


def test_an_unknown_reference_is_not_found(officer_client, area):
    assert officer_client.get(QUEUE + "LO-AAAAAA/").status_code == 404


# --- the queue and a comment ---------------------------------------------------------------


def test_the_queue_lists_and_filters(officer_client, area, officer, theme):
    themed = submit(area, comment="First")
    services.feedback_set_themes(acting_user=officer, feedback=themed, themes=[theme])
    new = submit(area, comment="Second", about=FeedbackAbout.GAP)
    body = text(officer_client.get(QUEUE))
    assert themed.reference in body and new.reference in body
    assert "2 comments" in body
    filtered = text(officer_client.get(QUEUE + "?status=new&about=gap&theme=&service=&year="))
    assert new.reference in filtered and themed.reference not in filtered
    by_theme = text(officer_client.get(QUEUE + f"?theme={theme.pk}"))
    assert themed.reference in by_theme and new.reference not in by_theme
    # a filter that makes no sense is ignored, not an error
    assert officer_client.get(QUEUE + "?theme=abc&page=xyz").status_code == 200


def test_the_queue_pages(officer_client, area):
    for number in range(55):
        submit(area, comment=f"Comment {number}")
    first = text(officer_client.get(QUEUE))
    assert "govuk-pagination" in first and "page=2" in first
    assert officer_client.get(QUEUE + "?page=2").status_code == 200


def test_the_comment_page_shows_the_comment_and_what_can_happen(officer_client, area):
    feedback = submit(area, comment="Please add the youth club.", reply_email="parent@example.com")
    body = text(officer_client.get(item_url(feedback)))
    assert "Please add the youth club." in body
    assert "parent@example.com (never published)" in body
    assert "Choose the themes" in body
    assert "Answer the comment" not in body  # a theme first
    assert "Comment received" in body


def test_an_officer_themes_answers_and_publishes(officer_client, area, officer):
    feedback = submit(area, comment="My son Jack needs a quiet room. Ring 07700 900123.")
    # themes: none chosen is refused
    response = officer_client.post(item_url(feedback, "themes"), {"new_theme": ""})
    assert "Choose at least one theme, or add a new one" in text(response)
    # a new theme
    response = officer_client.post(item_url(feedback, "themes"), {"new_theme": "Quiet spaces"})
    assert response.status_code == 302
    theme = FeedbackTheme.objects.get(area=area, name="Quiet spaces")
    feedback.refresh_from_db()
    assert list(feedback.themes.all()) == [theme]
    # a duplicate theme name is refused against the field
    response = officer_client.post(
        item_url(feedback, "themes"), {"themes": [str(theme.pk)], "new_theme": "quiet SPACES"}
    )
    assert "There is already a theme called quiet SPACES" in text(response)

    # the answer form is prefilled from the comment, and warns
    page = text(officer_client.get(item_url(feedback, "answer")))
    assert "My son Jack needs a quiet room." in page
    assert "may identify someone" in page and "a phone number" in page and "a name" in page
    response = officer_client.post(
        item_url(feedback, "answer"), {"published_comment": "x", "response": ""}
    )
    assert "Enter the response" in text(response)
    response = officer_client.post(
        item_url(feedback, "answer"),
        {
            "published_comment": "My child needs a quiet room.",
            "response": "We agree.",
            "action": "Quiet rooms are now listed for each youth club.",
        },
    )
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ANSWERED

    # publishing needs the box ticked
    page = text(officer_client.get(item_url(feedback, "publish")))
    assert "My child needs a quiet room." in page and "may identify someone" not in page
    response = officer_client.post(item_url(feedback, "publish"), {})
    assert "Confirm that the comment as published does not identify anyone" in text(response)
    response = officer_client.post(item_url(feedback, "publish"), {"confirm_anonymous": "on"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.PUBLISHED
    assert "Quiet rooms are now listed" in text(Client().get(YSWD))

    # withdraw it, with a reason
    response = officer_client.post(item_url(feedback, "withdraw"), {"reason": ""})
    assert "Enter the reason" in text(response)
    response = officer_client.post(item_url(feedback, "withdraw"), {"reason": "Too specific"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ANSWERED
    assert "Quiet rooms are now listed" not in text(Client().get(YSWD))
    assert "Reason: Too specific" in text(officer_client.get(item_url(feedback)))


def test_a_refusal_from_the_service_is_shown_on_the_form(officer_client, area, officer, theme):
    feedback = submit(area)
    # publishing a comment that has not been answered
    response = officer_client.post(item_url(feedback, "publish"), {"confirm_anonymous": "on"})
    assert response.status_code == 200
    assert "Answer the comment before publishing it" in text(response)
    # withdrawing what is not published
    response = officer_client.post(item_url(feedback, "withdraw"), {"reason": "Because"})
    assert "Only a published answer can be withdrawn" in text(response)
    # answering without a theme
    response = officer_client.post(item_url(feedback, "answer"), {"response": "Hi"})
    assert "Choose at least one theme before answering the comment" in text(response)


def test_marking_not_for_publication(officer_client, area):
    feedback = submit(area)
    response = officer_client.post(item_url(feedback, "withhold"), {"reason": "Abusive"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.NOT_PUBLISHED
    body = text(officer_client.get(item_url(feedback)))
    assert "Marked not for publication" in body and "Reason: Abusive" in body


# --- the export ----------------------------------------------------------------------------


def test_the_export_is_a_csv_of_the_year_without_contact_details(officer_client, area):
    feedback = submit(area, reply_email="parent@example.com", relationship="parent")
    Feedback.objects.filter(pk=feedback.pk).update(
        received_at=dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
    )
    response = officer_client.get(QUEUE + "export.csv?year=2025")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="local-offer-feedback-990-2025-2026.csv"' in response["Content-Disposition"]
    content = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0] == "Reference" and rows[1][0] == feedback.reference
    assert "parent@example.com" not in content
    empty = officer_client.get(QUEUE + "export.csv?year=2019").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(empty)))) == 1
