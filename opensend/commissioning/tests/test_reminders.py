"""Reminders of reviews, expiries and re-procurement decisions: 90 and 30 days before, to the
commissioners of the funding organisations, never twice for the same date."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from opensend.commissioning.models import ReminderSent
from opensend.commissioning.reminders import send_commission_reminders
from opensend.commissioning.tests import factories
from opensend.core import mail

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def memory_outbox(settings):
    settings.OPENSEND_EMAIL_SENDER = "memory"
    mail.outbox.clear()
    yield
    mail.outbox.clear()


@pytest.fixture
def commission(world):
    return factories.commission(
        world.area,
        world.trust,
        [(world.council, "high_needs", 60000), (world.icb, "icb", 40000)],
        arrangement="aligned",
        review_date=TODAY + dt.timedelta(days=20),
        contract_expiry=TODAY + dt.timedelta(days=80),
        reprocurement_decision_date=TODAY + dt.timedelta(days=200),
    )


def test_reminders_go_to_the_funders_commissioners_once(world, commission):
    counts = send_commission_reminders(today=TODAY)
    assert counts.as_dict() == {
        "due": 2,
        "sent": 4,
        "already_sent": 0,
        "failed": 0,
        "nobody_to_notify": 0,
    }
    sent = {(m.to, m.subject.split(":")[0]) for m in mail.outbox}
    assert sent == {
        (world.la_commissioner.email, "Contract review due within 30 days"),
        (world.icb_commissioner.email, "Contract review due within 30 days"),
        (world.la_commissioner.email, "Contract expiry due within 90 days"),
        (world.icb_commissioner.email, "Contract expiry due within 90 days"),
    }
    assert world.trust_user.email not in {m.to for m in mail.outbox}
    again = send_commission_reminders(today=TODAY + dt.timedelta(days=1))
    assert again.sent == 0 and again.already_sent == 4
    assert len(mail.outbox) == 4


def test_the_30_day_reminder_follows_the_90_day_one(world, commission):
    send_commission_reminders(today=TODAY)
    later = send_commission_reminders(today=TODAY + dt.timedelta(days=55))
    # expiry now 25 days away: its 30-day reminder; the review date has passed
    assert later.sent == 2
    assert set(
        ReminderSent.objects.filter(kind="expiry").values_list("days_before", flat=True)
    ) == {30, 90}


def test_a_moved_date_gets_its_own_reminder(world, commission):
    send_commission_reminders(today=TODAY)
    commission.review_date = TODAY + dt.timedelta(days=25)
    commission.save(update_fields=["review_date"])
    assert send_commission_reminders(today=TODAY).sent == 2


def test_ended_commissions_and_nobody_to_notify(world):
    factories.commission(
        world.area,
        world.trust,
        [(world.council, "high_needs", 100000)],
        status="ended",
        review_date=TODAY + dt.timedelta(days=5),
    )
    assert send_commission_reminders(today=TODAY).due == 0
    factories.commission(
        world.other_area,
        world.trust,
        [(world.other_council, "high_needs", 100000)],
        review_date=TODAY + dt.timedelta(days=5),
    )
    world.other_commissioner.is_active = False
    world.other_commissioner.save()
    counts = send_commission_reminders(today=TODAY)
    assert counts.nobody_to_notify == 1


def test_the_command(world, commission):
    out = StringIO()
    call_command(
        "commissioning_reminders", "--date", TODAY.isoformat(), "--area", "990", stdout=out
    )
    assert "reminders sent: 4" in out.getvalue()
    out = StringIO()
    call_command("commissioning_reminders", "--date", TODAY.isoformat(), "--now", stdout=out)
    assert "already sent: 4" in out.getvalue()
    with pytest.raises(CommandError, match="no area with LA code 000"):
        call_command("commissioning_reminders", "--area", "000")
    with pytest.raises(CommandError, match="cannot be in the future"):
        call_command("commissioning_reminders", "--date", "2999-01-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("commissioning_reminders", "--date", "tomorrow")
