"""The feedback services: a comment from the public, and each move an officer makes on it
(themes, answer, publish, withhold, withdraw), with every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from opensend.core import mail
from opensend.core.models import AccessLogEntry
from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, UserFactory, staff
from opensend.directory.models import (
    DirectorySettings,
    Feedback,
    FeedbackAbout,
    FeedbackStatus,
    FeedbackTheme,
)
from opensend.directory.services import feedback as services
from opensend.directory.tests.factories import ServiceFactory, public_service

pytestmark = pytest.mark.django_db

S = FeedbackStatus


@pytest.fixture
def officer(local_authority):
    return staff(Role.LOCAL_OFFER_OFFICER, local_authority, full_name="Olu Officer")


@pytest.fixture
def theme(area, officer):
    return services.feedback_theme_create(acting_user=officer, area=area, name="Short breaks")


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()
    yield
    mail.outbox.clear()


def submit(area, **fields):
    values = {"about": FeedbackAbout.CONTENT, "comment": "There is not enough about short breaks."}
    values.update(fields)
    return services.feedback_submit(area=area, **values)


def answered(area, officer, theme, **answer):
    feedback = submit(area)
    services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=[theme])
    values = {
        "published_comment": "There is not enough about short breaks.",
        "response": "We agree.",
        "action": "We added a short breaks page in March.",
    }
    values.update(answer)
    return services.feedback_answer(acting_user=officer, feedback=feedback, **values)


def published(area, officer, theme):
    feedback = answered(area, officer, theme)
    return services.feedback_publish(
        acting_user=officer, feedback=feedback, confirmed_anonymous=True
    )


def at_status(status, area, officer, theme):
    """A comment in ``status``, reached through the services."""
    if status == S.NEW:
        return submit(area)
    if status == S.TRIAGED:
        feedback = submit(area)
        return services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=[theme])
    if status == S.ANSWERED:
        return answered(area, officer, theme)
    if status == S.PUBLISHED:
        return published(area, officer, theme)
    feedback = answered(area, officer, theme)
    return services.feedback_withhold(acting_user=officer, feedback=feedback, reason="Abusive")


def log_for(feedback):
    return list(
        AccessLogEntry.objects.filter(
            object_type="directory.feedback", object_id=feedback.reference
        )
    )


# --- submitting --------------------------------------------------------------------------


def test_a_comment_is_recorded_as_new_with_a_reference(area):
    feedback = submit(area, relationship="parent", reply_email=" parent@example.com ")
    feedback.refresh_from_db()
    assert feedback.status == S.NEW
    assert feedback.reference.startswith("LO-") and len(feedback.reference) == 9
    assert feedback.reply_email == "parent@example.com"
    assert feedback.received_at <= timezone.now()
    [entry] = log_for(feedback)
    assert entry.actor is None and entry.action == "create"
    assert "short breaks" not in entry.detail_json  # the log never copies the comment


def test_comments_get_different_references(area):
    assert len({submit(area).reference for _ in range(20)}) == 20


def test_a_comment_on_a_public_service(area):
    service = public_service(area=area, name="Splash Club")
    feedback = submit(area, about=FeedbackAbout.SERVICE, service=service)
    assert feedback.service == service


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"comment": "   "}, "comment", "Enter your comment"),
        ({"comment": "x" * 3001}, "comment", "Your comment must be 3,000 characters or fewer"),
        ({"about": "nonsense"}, "about", "Select what your comment is about"),
        ({"relationship": "cousin"}, "relationship", "Select who you are from the list"),
        ({"reply_email": "not an email"}, "reply_email", "Enter a valid email address."),
    ],
)
def test_a_comment_is_refused_with_the_field_and_why(area, fields, field, message):
    with pytest.raises(ValidationError) as raised:
        submit(area, **fields)
    assert message in raised.value.message_dict[field]
    assert not Feedback.objects.exists()


def test_a_comment_on_a_service_of_another_area_or_not_public_is_refused(area):
    elsewhere = public_service(area=AreaFactory())
    unpublished = ServiceFactory(area=area)
    for service in (elsewhere, unpublished):
        with pytest.raises(ValidationError) as raised:
            submit(area, about=FeedbackAbout.SERVICE, service=service)
        assert raised.value.message_dict["service"] == ["That service is not in this Local Offer"]


def test_staff_are_told_without_the_commenters_email(area, django_capture_on_commit_callbacks):
    DirectorySettings.objects.create(area=area, feedback_email="localoffer@example.org")
    service = public_service(area=area, name="Splash Club")
    with django_capture_on_commit_callbacks(execute=True):
        feedback = submit(
            area,
            about=FeedbackAbout.SERVICE,
            service=service,
            comment="The pool was cold.",
            reply_email="parent@example.com",
        )
    [email] = mail.outbox
    assert email.to == "localoffer@example.org"
    assert feedback.reference in email.subject
    assert "Splash Club" in email.body
    assert f"/local-offer/manage/990/feedback/{feedback.reference}/" in email.body
    assert "parent@example.com" not in email.body + email.subject
    assert "The pool was cold." not in email.body


def test_nobody_is_told_when_the_area_has_no_feedback_email(
    area, django_capture_on_commit_callbacks
):
    DirectorySettings.objects.create(area=area, feedback_email="")
    with django_capture_on_commit_callbacks(execute=True):
        submit(area)
    assert mail.outbox == []


def test_a_failed_email_does_not_lose_the_comment(
    area, django_capture_on_commit_callbacks, monkeypatch
):
    DirectorySettings.objects.create(area=area, feedback_email="localoffer@example.org")

    class Broken:
        def send(self, **kwargs):
            raise mail.SendError("down")

    monkeypatch.setattr(services, "get_sender", lambda: Broken())
    with django_capture_on_commit_callbacks(execute=True):
        feedback = submit(area)
    assert Feedback.objects.filter(pk=feedback.pk).exists()


# --- themes ------------------------------------------------------------------------------


def test_themes_are_created_once_per_area_whatever_the_case(area, officer, theme):
    with pytest.raises(ValidationError) as raised:
        services.feedback_theme_create(acting_user=officer, area=area, name="  short   BREAKS ")
    assert raised.value.message_dict["new_theme"] == [
        "There is already a theme called short BREAKS"
    ]
    with pytest.raises(ValidationError):
        services.feedback_theme_create(acting_user=officer, area=area, name="  ")
    with pytest.raises(ValidationError):
        services.feedback_theme_create(acting_user=officer, area=area, name="x" * 121)
    other = AreaFactory()
    other_officer = staff(Role.LOCAL_OFFER_OFFICER, OrganisationFactory(home_area=other))
    services.feedback_theme_create(acting_user=other_officer, area=other, name="Short breaks")
    assert FeedbackTheme.objects.filter(name="Short breaks").count() == 2


def test_setting_themes_moves_new_to_themed_and_back(area, officer, theme):
    feedback = submit(area)
    feedback = services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=[theme])
    assert feedback.status == S.TRIAGED
    assert list(feedback.themes.all()) == [theme]
    feedback = services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=[])
    assert feedback.status == S.NEW
    changes = [entry.detail["themes"] for entry in log_for(feedback)[1:]]
    assert changes == [{"from": [], "to": ["Short breaks"]}, {"from": ["Short breaks"], "to": []}]


def test_changing_themes_of_an_answered_comment_keeps_its_status(area, officer, theme):
    feedback = answered(area, officer, theme)
    other = services.feedback_theme_create(acting_user=officer, area=area, name="Transport")
    feedback = services.feedback_set_themes(
        acting_user=officer, feedback=feedback, themes=[theme, other]
    )
    assert feedback.status == S.ANSWERED
    assert feedback.themes.count() == 2


def test_themes_of_another_area_are_refused(area, officer):
    other = AreaFactory()
    foreign = FeedbackTheme.objects.create(area=other, name="Elsewhere")
    with pytest.raises(ValidationError) as raised:
        services.feedback_set_themes(acting_user=officer, feedback=submit(area), themes=[foreign])
    assert "themes" in raised.value.message_dict


def test_a_published_answers_themes_change_only_after_withdrawal(area, officer, theme):
    feedback = published(area, officer, theme)
    with pytest.raises(ValidationError) as raised:
        services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=[])
    assert "withdraw it" in raised.value.message_dict["themes"][0]


# --- answering ---------------------------------------------------------------------------


def test_answering_needs_a_theme_first(area, officer):
    with pytest.raises(ValidationError) as raised:
        services.feedback_answer(
            acting_user=officer,
            feedback=submit(area),
            published_comment="x",
            response="y",
            action="z",
        )
    assert raised.value.message_dict["published_comment"] == [
        "Choose at least one theme before answering the comment"
    ]


def test_an_answer_records_who_and_when(area, officer, theme):
    feedback = answered(area, officer, theme, response="  We agree.\r\nThanks.  ")
    assert feedback.status == S.ANSWERED
    assert feedback.response == "We agree.\nThanks."
    assert feedback.answered_by == officer and feedback.answered_at is not None


@pytest.mark.parametrize(
    ("answer", "field", "message"),
    [
        ({"response": " "}, "response", "Enter the response"),
        ({"response": "x" * 3001}, "response", "The response must be 3,000 characters or fewer"),
        ({"action": "x" * 3001}, "action", "The action must be 3,000 characters or fewer"),
        (
            {"published_comment": "x" * 3001},
            "published_comment",
            "The comment to publish must be 3,000 characters or fewer",
        ),
    ],
)
def test_an_answer_is_refused_with_the_field_and_why(area, officer, theme, answer, field, message):
    with pytest.raises(ValidationError) as raised:
        answered(area, officer, theme, **answer)
    assert raised.value.message_dict[field] == [message]


def test_a_published_answer_is_withdrawn_before_it_is_changed(area, officer, theme):
    feedback = published(area, officer, theme)
    with pytest.raises(ValidationError) as raised:
        services.feedback_answer(
            acting_user=officer, feedback=feedback, published_comment="a", response="b", action="c"
        )
    assert "withdraw it" in raised.value.message_dict["published_comment"][0]


def test_a_comment_not_for_publication_can_be_answered_again(area, officer, theme):
    feedback = at_status(S.NOT_PUBLISHED, area, officer, theme)
    feedback = services.feedback_answer(
        acting_user=officer, feedback=feedback, published_comment="a", response="b", action="c"
    )
    assert feedback.status == S.ANSWERED


# --- publishing --------------------------------------------------------------------------


def test_publishing_an_answered_comment(area, officer, theme):
    feedback = published(area, officer, theme)
    assert feedback.status == S.PUBLISHED
    assert feedback.published_at is not None
    entry = log_for(feedback)[-1]
    assert entry.detail["published"] is True and entry.detail["confirmed_anonymous"] is True


def test_publishing_records_the_kinds_of_warning_overridden_not_the_text(area, officer, theme):
    feedback = answered(area, officer, theme, published_comment="Ask Mrs Patel on 01632 960123")
    services.feedback_publish(acting_user=officer, feedback=feedback, confirmed_anonymous=True)
    entry = log_for(feedback)[-1]
    assert entry.detail["warnings_overridden"] == ["phone", "name"]
    assert "Patel" not in entry.detail_json


def test_publishing_needs_the_confirmation(area, officer, theme):
    feedback = answered(area, officer, theme)
    with pytest.raises(ValidationError) as raised:
        services.feedback_publish(acting_user=officer, feedback=feedback, confirmed_anonymous=False)
    assert raised.value.message_dict["confirm_anonymous"] == [
        "Confirm that the comment as published does not identify anyone"
    ]
    feedback.refresh_from_db()
    assert feedback.status == S.ANSWERED and feedback.published_at is None


@pytest.mark.parametrize(
    ("answer", "field"),
    [({"published_comment": ""}, "published_comment"), ({"action": ""}, "action")],
)
def test_publishing_needs_the_comment_to_publish_and_the_action(
    area, officer, theme, answer, field
):
    feedback = answered(area, officer, theme, **answer)
    with pytest.raises(ValidationError) as raised:
        services.feedback_publish(acting_user=officer, feedback=feedback, confirmed_anonymous=True)
    assert field in raised.value.message_dict


def test_publishing_needs_the_response(area, officer, theme):
    # The service refuses an answer without a response, so only stored data can lack one.
    feedback = answered(area, officer, theme)
    Feedback.objects.filter(pk=feedback.pk).update(response="")
    with pytest.raises(ValidationError) as raised:
        services.feedback_publish(acting_user=officer, feedback=feedback, confirmed_anonymous=True)
    assert raised.value.message_dict["response"] == ["Write the response before publishing"]


def test_publishing_needs_a_theme(area, officer, theme):
    feedback = answered(area, officer, theme)
    services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=[])
    with pytest.raises(ValidationError) as raised:
        services.feedback_publish(acting_user=officer, feedback=feedback, confirmed_anonymous=True)
    assert raised.value.message_dict["themes"] == ["Choose at least one theme before publishing"]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.NEW, "Answer the comment before publishing it"),
        (S.TRIAGED, "Answer the comment before publishing it"),
        (S.NOT_PUBLISHED, "Answer the comment before publishing it"),
        (S.PUBLISHED, "The answer is already published"),
    ],
)
def test_only_an_answered_comment_is_published(area, officer, theme, status, message):
    feedback = at_status(status, area, officer, theme)
    with pytest.raises(ValidationError) as raised:
        services.feedback_publish(acting_user=officer, feedback=feedback, confirmed_anonymous=True)
    assert raised.value.message_dict["confirm_anonymous"] == [message]


# --- withholding and withdrawing ---------------------------------------------------------


@pytest.mark.parametrize("status", [S.NEW, S.TRIAGED, S.ANSWERED])
def test_a_comment_is_marked_not_for_publication_with_a_reason(area, officer, theme, status):
    feedback = at_status(status, area, officer, theme)
    feedback = services.feedback_withhold(
        acting_user=officer, feedback=feedback, reason="Names a member of staff"
    )
    assert feedback.status == S.NOT_PUBLISHED
    assert feedback.answered_by == officer
    assert log_for(feedback)[-1].reason == "Names a member of staff"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.PUBLISHED, "The answer is published: withdraw it first"),
        (S.NOT_PUBLISHED, "The comment is already marked not for publication"),
    ],
)
def test_withholding_is_refused(area, officer, theme, status, message):
    feedback = at_status(status, area, officer, theme)
    with pytest.raises(ValidationError) as raised:
        services.feedback_withhold(acting_user=officer, feedback=feedback, reason="Because")
    assert raised.value.message_dict["reason"] == [message]


def test_withholding_needs_a_reason(area, officer, theme):
    with pytest.raises(ValidationError) as raised:
        services.feedback_withhold(acting_user=officer, feedback=submit(area), reason="  ")
    assert raised.value.message_dict["reason"] == ["Enter the reason it is not for publication"]
    with pytest.raises(ValidationError) as raised:
        services.feedback_withhold(acting_user=officer, feedback=submit(area), reason="x" * 1001)
    assert raised.value.message_dict["reason"] == ["The reason must be 1,000 characters or fewer"]


def test_withdrawing_a_published_answer(area, officer, theme):
    feedback = published(area, officer, theme)
    feedback = services.feedback_withdraw(
        acting_user=officer, feedback=feedback, reason="A family recognised themselves"
    )
    assert feedback.status == S.ANSWERED and feedback.published_at is None
    assert log_for(feedback)[-1].reason == "A family recognised themselves"
    # and it can be changed and published again
    services.feedback_answer(
        acting_user=officer,
        feedback=feedback,
        published_comment="Shorter.",
        response="r",
        action="a",
    )
    feedback = services.feedback_publish(
        acting_user=officer, feedback=feedback, confirmed_anonymous=True
    )
    assert feedback.status == S.PUBLISHED


@pytest.mark.parametrize("status", [S.NEW, S.TRIAGED, S.ANSWERED, S.NOT_PUBLISHED])
def test_only_a_published_answer_is_withdrawn(area, officer, theme, status):
    feedback = at_status(status, area, officer, theme)
    with pytest.raises(ValidationError) as raised:
        services.feedback_withdraw(acting_user=officer, feedback=feedback, reason="Because")
    assert raised.value.message_dict["reason"] == ["Only a published answer can be withdrawn"]


def test_withdrawing_needs_a_reason(area, officer, theme):
    feedback = published(area, officer, theme)
    with pytest.raises(ValidationError) as raised:
        services.feedback_withdraw(acting_user=officer, feedback=feedback, reason="")
    assert raised.value.message_dict["reason"] == ["Enter the reason for withdrawing it"]


# --- who may act -------------------------------------------------------------------------


def _acts(officer_or_not, area, theme, feedback):
    return [
        lambda: services.feedback_theme_create(acting_user=officer_or_not, area=area, name="New"),
        lambda: services.feedback_set_themes(
            acting_user=officer_or_not, feedback=feedback, themes=[theme]
        ),
        lambda: services.feedback_answer(
            acting_user=officer_or_not,
            feedback=feedback,
            published_comment="a",
            response="b",
            action="c",
        ),
        lambda: services.feedback_publish(
            acting_user=officer_or_not, feedback=feedback, confirmed_anonymous=True
        ),
        lambda: services.feedback_withhold(
            acting_user=officer_or_not, feedback=feedback, reason="r"
        ),
        lambda: services.feedback_withdraw(
            acting_user=officer_or_not, feedback=feedback, reason="r"
        ),
    ]


@pytest.mark.parametrize("who", ["provider", "coordinator", "other_area_officer", "no_role"])
def test_only_the_areas_local_offer_officers_act(area, officer, theme, local_authority, who):
    feedback = answered(area, officer, theme)
    if who == "provider":
        user = staff(Role.PROVIDER, OrganisationFactory(home_area=area))
    elif who == "coordinator":
        user = staff(Role.EHC_COORDINATOR, local_authority)
    elif who == "other_area_officer":
        user = staff(Role.LOCAL_OFFER_OFFICER, OrganisationFactory(home_area=AreaFactory()))
    else:
        user = UserFactory()
    for act in _acts(user, area, theme, feedback):
        with pytest.raises(PermissionDenied):
            act()
    feedback.refresh_from_db()
    assert feedback.status == S.ANSWERED


def test_a_system_administrator_of_the_area_may_act(area, local_authority, theme):
    admin = staff(Role.SYSTEM_ADMIN, local_authority)
    feedback = submit(area)
    services.feedback_set_themes(acting_user=admin, feedback=feedback, themes=[theme])
    assert Feedback.objects.get(pk=feedback.pk).status == S.TRIAGED


def test_a_stale_copy_cannot_skip_a_step(area, officer, theme):
    """Each move reads the comment afresh: a copy loaded before it was published cannot be
    answered over the published answer."""
    feedback = answered(area, officer, theme)
    stale = Feedback.objects.get(pk=feedback.pk)
    services.feedback_publish(acting_user=officer, feedback=feedback, confirmed_anonymous=True)
    with pytest.raises(ValidationError):
        services.feedback_answer(
            acting_user=officer, feedback=stale, published_comment="a", response="b", action="c"
        )


def test_received_at_is_now(area):
    before = timezone.now() - dt.timedelta(seconds=1)
    assert submit(area).received_at >= before
