"""Review and staleness: the pure rules (when a review falls due; flag, hide or leave alone),
the daily task that applies them, who is told, and the command that queues it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from opensend.core import mail
from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.directory.models import DirectorySettings, SearchTerm, Service, ServiceStatus
from opensend.directory.services import review
from opensend.directory.services.review import ReviewAction
from opensend.directory.tasks import review_services_task
from opensend.directory.tests.factories import DirectoryOrganizationFactory, public_service
from opensend.directory.tests.test_editing import officer_of, provider_setup

D = dt.date


# --- the pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_checked", "created", "interval", "due"),
    [
        (D(2025, 1, 10), D(2020, 1, 1), 365, D(2026, 1, 10)),
        (None, D(2025, 3, 1), 365, D(2026, 3, 1)),
        (D(2025, 1, 10), D(2020, 1, 1), 30, D(2025, 2, 9)),
        (D(2024, 2, 29), D(2020, 1, 1), 365, D(2025, 2, 28)),
    ],
)
def test_review_due_on(last_checked, created, interval, due):
    assert (
        review.review_due_on(
            last_checked_on=last_checked, created_on=created, interval_days=interval
        )
        == due
    )


DUE = D(2026, 1, 10)


@pytest.mark.parametrize(
    ("today", "grace", "notified", "hidden", "action"),
    [
        (D(2026, 1, 9), 90, None, False, ReviewAction.NONE),  # not due yet
        (D(2026, 1, 10), 90, None, False, ReviewAction.NOTIFY),  # due today
        (D(2026, 2, 1), 90, None, False, ReviewAction.NOTIFY),  # due, never told
        (D(2026, 2, 1), 90, D(2026, 1, 10), False, ReviewAction.NONE),  # told this period
        (D(2026, 2, 1), 90, D(2025, 1, 12), False, ReviewAction.NOTIFY),  # told last period
        (D(2026, 4, 9), 89, D(2026, 1, 10), False, ReviewAction.HIDE),  # grace over
        (D(2026, 4, 9), 90, D(2026, 1, 10), False, ReviewAction.NONE),  # last day of grace
        (D(2026, 4, 10), 90, D(2026, 1, 10), False, ReviewAction.HIDE),
        (D(2026, 4, 10), 90, None, False, ReviewAction.HIDE),  # hidden even if never told
        (D(2026, 4, 10), 90, None, True, ReviewAction.NONE),  # already hidden
        (D(2026, 1, 10), 0, None, False, ReviewAction.HIDE),  # no grace at all
    ],
)
def test_review_action(today, grace, notified, hidden, action):
    assert (
        review.review_action(
            today=today, due_on=DUE, grace_days=grace, notified_on=notified, hidden=hidden
        )
        is action
    )


def test_hide_on():
    assert review.hide_on(due_on=DUE, grace_days=90) == D(2026, 4, 10)


# --- the task ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_outbox():
    mail.outbox.clear()
    yield
    mail.outbox.clear()


def _aged(service, days):
    checked = timezone.now() - dt.timedelta(days=days)
    Service.objects.filter(pk=service.pk).update(last_checked_at=checked)
    service.refresh_from_db()
    return service


@pytest.mark.django_db
def test_a_stale_service_is_flagged_to_its_provider_once_then_hidden(area):
    user, organization = provider_setup(area, email="pat@brightside.example")
    service = _aged(public_service(area=area, organization=organization, name="Splash"), 370)
    counts = review.review_services()
    assert counts.notified == 1
    assert [m.to for m in mail.outbox] == ["pat@brightside.example"]
    assert "Please check your Local Offer entry: Splash" in mail.outbox[0].subject
    service.refresh_from_db()
    assert service.stale_notified_at is not None
    assert Service.objects.public().filter(pk=service.pk).exists()

    again = review.review_services()
    assert again.notified == 0
    assert len(mail.outbox) == 1

    later = timezone.localdate() + dt.timedelta(days=90)
    hidden = review.review_services(today=later)
    assert hidden.hidden == 1
    service.refresh_from_db()
    assert service.stale_hidden_at is not None
    assert not Service.objects.public().filter(pk=service.pk).exists()
    assert not SearchTerm.objects.filter(service=service).exists()
    assert "Hidden from the Local Offer" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_a_fresh_service_is_left_alone(area):
    _user, organization = provider_setup(area)
    _aged(public_service(area=area, organization=organization), 100)
    assert review.review_services().services == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_area_review_interval_is_used(area):
    DirectorySettings.objects.update_or_create(area=area, defaults={"review_interval_days": 90})
    _user, organization = provider_setup(area)
    _aged(public_service(area=area, organization=organization), 100)
    assert review.review_services().notified == 1


@pytest.mark.django_db
def test_without_provider_users_the_organisation_email_then_the_officers(area, local_authority):
    organization = DirectoryOrganizationFactory(area=area, email="info@club.example")
    service = _aged(public_service(area=area, organization=organization), 400)
    assert review.recipients_for(service) == ["info@club.example"]
    bare = DirectoryOrganizationFactory(area=area)
    orphan = _aged(public_service(area=area, organization=bare), 400)
    assert review.recipients_for(orphan) == []
    officer = officer_of(local_authority, email="lo@council.example")
    assert review.recipients_for(orphan) == [officer.email]
    counts = review.review_services()
    assert counts.notified == 2


@pytest.mark.django_db
def test_nobody_to_tell_is_counted_and_retried(area):
    organization = DirectoryOrganizationFactory(area=area)
    service = _aged(public_service(area=area, organization=organization), 400)
    counts = review.review_services()
    assert counts.nobody_to_notify == 1
    service.refresh_from_db()
    assert service.stale_notified_at is None


@pytest.mark.django_db
def test_a_failed_send_is_retried_next_run(area, monkeypatch):
    _user, organization = provider_setup(area)
    service = _aged(public_service(area=area, organization=organization), 400)

    class Failing:
        def send(self, **kwargs):
            raise mail.SendError("down")

    monkeypatch.setattr(mail, "get_sender", lambda: Failing())
    assert review.review_services().failed == 1
    service.refresh_from_db()
    assert service.stale_notified_at is None


@pytest.mark.django_db
def test_a_closed_service_reopens_on_its_day(area):
    _user, organization = provider_setup(area)
    service = public_service(area=area, organization=organization)
    Service.objects.filter(pk=service.pk).update(
        status=ServiceStatus.TEMPORARILY_CLOSED, reopens_on=timezone.localdate()
    )
    assert review.review_services().reopened == 1
    service.refresh_from_db()
    assert service.status == ServiceStatus.ACTIVE
    assert service.reopens_on is None


@pytest.mark.django_db
def test_the_task_and_the_command(area):
    user, organization = provider_setup(area)
    _aged(public_service(area=area, organization=organization), 400)
    result = review_services_task.enqueue(area_id=area.pk)
    assert result.return_value["notified"] == 1
    out = io.StringIO()
    call_command("local_offer_reviews", "--area", area.la_code, stdout=out)
    assert "owners told: 0" in out.getvalue()
    out = io.StringIO()
    call_command("local_offer_reviews", "--now", stdout=out)
    assert "Local Offer reviews for every area as on today" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area", "000"], "There is no area with LA code 000"),
        (["--date", "tomorrow"], "--date must be YYYY-MM-DD"),
        (["--date", "2999-01-01"], "cannot be in the future"),
    ],
)
def test_the_command_refuses_bad_arguments(args, message):
    with pytest.raises(CommandError) as error:
        call_command("local_offer_reviews", *args)
    assert message in str(error.value)


@pytest.mark.django_db
def test_settings_update_is_for_officers(area, local_authority):
    user, _ = provider_setup(area)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        review.settings_update(
            acting_user=user,
            area=area,
            review_interval_days=100,
            grace_period_days=10,
            feedback_email="",
            accessibility_statement="",
        )
    officer = staff(Role.LOCAL_OFFER_OFFICER, local_authority)
    saved = review.settings_update(
        acting_user=officer,
        area=area,
        review_interval_days=100,
        grace_period_days=10,
        feedback_email="",
        accessibility_statement="",
    )
    assert (saved.review_interval_days, saved.grace_period_days) == (100, 10)
