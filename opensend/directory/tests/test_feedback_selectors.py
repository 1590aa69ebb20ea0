"""The reads of Local Offer feedback: the staff queue and its filters, one comment for an
officer, its history, "you said, we did", counts per theme, a service's answers, the export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, staff
from opensend.directory import feedback_selectors as selectors
from opensend.directory.models import Feedback, FeedbackAbout, FeedbackStatus
from opensend.directory.services import feedback as services
from opensend.directory.tests.factories import public_service

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def officer(local_authority):
    return staff(Role.LOCAL_OFFER_OFFICER, local_authority)


@pytest.fixture
def themes(area, officer):
    return {
        name: services.feedback_theme_create(acting_user=officer, area=area, name=name)
        for name in ("Short breaks", "Finding information", "Transport")
    }


def comment(area, received, *, about=FeedbackAbout.CONTENT, service=None, text="A comment."):
    feedback = services.feedback_submit(area=area, about=about, comment=text, service=service)
    Feedback.objects.filter(pk=feedback.pk).update(received_at=received)
    feedback.refresh_from_db()
    return feedback


def themed(feedback, officer, *themes):
    return services.feedback_set_themes(acting_user=officer, feedback=feedback, themes=themes)


def publish(feedback, officer, *themes, said="You said it.", published_at=None):
    themed(feedback, officer, *themes)
    services.feedback_answer(
        acting_user=officer,
        feedback=feedback,
        published_comment=said,
        response="Our response.",
        action="Our action.",
    )
    feedback = services.feedback_publish(
        acting_user=officer, feedback=feedback, confirmed_anonymous=True
    )
    if published_at:
        Feedback.objects.filter(pk=feedback.pk).update(published_at=published_at)
    return feedback


# --- the queue ---------------------------------------------------------------------------


def test_the_queue_filters(area, officer, themes):
    service = public_service(area=area, name="Splash Club")
    old = comment(area, dt.datetime(2024, 10, 1, 12, tzinfo=UTC))
    new = comment(
        area,
        dt.datetime(2025, 10, 1, 12, tzinfo=UTC),
        about=FeedbackAbout.SERVICE,
        service=service,
    )
    themed(new, officer, themes["Transport"])
    other_area = comment(AreaFactory(), dt.datetime(2025, 10, 2, tzinfo=UTC))

    def listed(**filters):
        return list(
            selectors.feedback_list(
                fetched_by=officer, area=area, filters=selectors.FeedbackFilters(**filters)
            )
        )

    assert listed() == [new, old]  # newest first, this area's only
    assert other_area not in listed()
    assert listed(status=FeedbackStatus.NEW) == [old]
    assert listed(status=FeedbackStatus.TRIAGED) == [new]
    assert listed(theme=themes["Transport"].pk) == [new]
    assert listed(theme=themes["Short breaks"].pk) == []
    assert listed(about=FeedbackAbout.SERVICE) == [new]
    assert listed(service=str(service.pk)) == [new]
    assert listed(year=2024) == [old]
    assert listed(year=2025) == [new]
    assert list(selectors.feedback_services(area)) == [service]
    assert selectors.feedback_years(area) == [2025, 2024]


def test_the_queue_is_empty_for_anyone_but_an_officer(area, local_authority):
    comment(area, dt.datetime(2025, 10, 1, tzinfo=UTC))
    coordinator = staff(Role.EHC_COORDINATOR, local_authority)
    other_officer = staff(Role.LOCAL_OFFER_OFFICER, OrganisationFactory(home_area=AreaFactory()))
    for user in (coordinator, other_officer):
        assert not selectors.feedback_list(fetched_by=user, area=area).exists()


def test_one_comment_for_an_officer_only(area, officer, local_authority):
    feedback = comment(area, dt.datetime(2025, 10, 1, tzinfo=UTC))
    found = selectors.feedback_get(
        fetched_by=officer, area=area, reference=feedback.reference.lower()
    )
    assert found == feedback
    with pytest.raises(PermissionDenied):
        selectors.feedback_get(
            fetched_by=staff(Role.EHC_COORDINATOR, local_authority),
            area=area,
            reference=feedback.reference,
        )
    with pytest.raises(Feedback.DoesNotExist):
        selectors.feedback_get(fetched_by=officer, area=area, reference="LO-AAAAAA")
    elsewhere = comment(AreaFactory(), dt.datetime(2025, 10, 1, tzinfo=UTC))
    with pytest.raises(Feedback.DoesNotExist):
        selectors.feedback_get(fetched_by=officer, area=area, reference=elsewhere.reference)


def test_the_history_says_what_happened_with_reasons(area, officer, themes):
    feedback = publish(
        comment(area, dt.datetime(2025, 10, 1, tzinfo=UTC)), officer, themes["Transport"]
    )
    services.feedback_withdraw(acting_user=officer, feedback=feedback, reason="Too specific")
    services.feedback_withhold(acting_user=officer, feedback=feedback, reason="Cannot anonymise")
    history = selectors.feedback_history(feedback)
    assert [event.what for event in history] == [
        "Comment received",
        "Themes set: Transport",
        "Answer written",
        "Answer published",
        "Published answer withdrawn",
        "Marked not for publication",
    ]
    assert history[0].who == "Sent from the feedback form"
    assert [event.reason for event in history][-2:] == ["Too specific", "Cannot anonymise"]


# --- the public page ---------------------------------------------------------------------


def test_you_said_we_did_groups_published_answers_by_year_and_theme(area, officer, themes):
    sb, info = themes["Short breaks"], themes["Finding information"]
    first = publish(
        comment(area, dt.datetime(2025, 9, 5, tzinfo=UTC)),
        officer,
        sb,
        said="More clubs.",
        published_at=dt.datetime(2025, 10, 1, tzinfo=UTC),
    )
    second = publish(
        comment(area, dt.datetime(2026, 3, 1, tzinfo=UTC)),
        officer,
        sb,
        info,
        said="Hard to find.",
        published_at=dt.datetime(2026, 4, 1, tzinfo=UTC),
    )
    last_year = publish(comment(area, dt.datetime(2025, 8, 31, 12, tzinfo=UTC)), officer, info)
    unpublished = themed(comment(area, dt.datetime(2025, 11, 1, tzinfo=UTC)), officer, sb)

    assert selectors.published_years(area) == [2025, 2024]
    [year] = selectors.you_said_we_did(area, [2025])
    assert year.label == "2025 to 2026"
    assert [group.theme for group in year.themes] == ["Finding information", "Short breaks"]
    assert [item.pk for item in year.themes[1].items] == [second.pk, first.pk]  # newest first
    assert [item.pk for item in year.themes[0].items] == [second.pk]
    assert unpublished.pk not in {item.pk for group in year.themes for item in group.items}
    assert year.published == 2
    assert year.received == 3  # all comments received that year, published or not
    assert year.received_label == "fewer than 6"
    assert [(count.theme, count.count) for count in year.counts] == [
        ("Short breaks", 3),
        ("Finding information", 1),
    ]
    assert year.themes[1].received == 3 and year.themes[1].received_label == "fewer than 6"
    [earlier] = selectors.you_said_we_did(area, [2024])
    assert [item.pk for group in earlier.themes for item in group.items] == [last_year.pk]


def test_a_withdrawn_answer_leaves_the_public_page(area, officer, themes):
    feedback = publish(
        comment(area, dt.datetime(2025, 10, 1, tzinfo=UTC)), officer, themes["Transport"]
    )
    services.feedback_withdraw(acting_user=officer, feedback=feedback, reason="Identifies a family")
    assert selectors.published_years(area) == []
    [year] = selectors.you_said_we_did(area, [2025])
    assert year.themes == []


def test_theme_counts_for_the_needs_assessment(area, officer, themes):
    for day in range(1, 8):
        themed(comment(area, dt.datetime(2025, 10, day, tzinfo=UTC)), officer, themes["Transport"])
    themed(
        comment(area, dt.datetime(2025, 10, 9, tzinfo=UTC)),
        officer,
        themes["Transport"],
        themes["Short breaks"],
    )
    comment(area, dt.datetime(2025, 10, 10, tzinfo=UTC))  # not themed: not counted
    themed(comment(area, dt.datetime(2024, 10, 1, tzinfo=UTC)), officer, themes["Short breaks"])
    counts = selectors.theme_counts(area, 2025)
    assert [(count.theme, count.count, count.label) for count in counts] == [
        ("Transport", 8, "8"),
        ("Short breaks", 1, "fewer than 6"),
    ]
    assert [(c.theme, c.count) for c in selectors.theme_counts(area, 2024)] == [("Short breaks", 1)]
    assert selectors.theme_counts(AreaFactory(), 2025) == []


def test_a_services_published_answers(area, officer, themes):
    service = public_service(area=area, name="Splash Club")
    other = public_service(area=area, name="Other Club")
    mine = publish(
        comment(
            area, dt.datetime(2025, 10, 1, tzinfo=UTC), about=FeedbackAbout.SERVICE, service=service
        ),
        officer,
        themes["Transport"],
    )
    themed(
        comment(
            area, dt.datetime(2025, 10, 2, tzinfo=UTC), about=FeedbackAbout.SERVICE, service=service
        ),
        officer,
        themes["Transport"],
    )
    publish(
        comment(
            area, dt.datetime(2025, 10, 3, tzinfo=UTC), about=FeedbackAbout.SERVICE, service=other
        ),
        officer,
        themes["Transport"],
    )
    assert selectors.published_for_service(service) == [mine]


# --- the export --------------------------------------------------------------------------


def test_the_export_has_the_years_feedback_without_contact_details(
    area, officer, themes, local_authority
):
    feedback = services.feedback_submit(
        area=area,
        about=FeedbackAbout.CONTENT,
        comment='=HYPERLINK("http://example.com")',
        relationship="parent",
        reply_email="parent@example.com",
    )
    Feedback.objects.filter(pk=feedback.pk).update(
        received_at=dt.datetime(2025, 10, 1, 9, tzinfo=UTC)
    )
    themed(feedback, officer, themes["Transport"], themes["Short breaks"])
    comment(area, dt.datetime(2024, 10, 1, tzinfo=UTC))  # another year
    rows = selectors.export_rows(fetched_by=officer, area=area, year=2025)
    assert len(rows) == 1
    row = dict(zip(selectors.export_header(), rows[0], strict=True))
    assert row["Reference"] == feedback.reference
    assert row["Who"] == "Parent or carer"
    assert row["Themes"] == "Short breaks; Transport"
    assert row["Status"] == "Themed"
    assert row["Comment"].startswith("'=")  # a formula is never live in a spreadsheet
    assert not any("parent@example.com" in cell for cell in rows[0])
    with pytest.raises(PermissionDenied):
        selectors.export_rows(
            fetched_by=staff(Role.EHC_COORDINATOR, local_authority), area=area, year=2025
        )
