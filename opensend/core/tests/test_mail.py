"""The pluggable email sender: choosing it from settings, and what each sender does. Notify is
never called: its client class is replaced by a mock."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from notifications_python_client.errors import APIError

from opensend.core import mail

# A key in Notify's shape: name, service id, secret (both UUIDs). Not a real key.
FAKE_KEY = "opensend_test-11111111-2222-3333-4444-555555555555-66666666-7777-8888-9999-000000000000"
TEMPLATE = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()
    yield
    mail.outbox.clear()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("console", mail.ConsoleSender),
        ("memory", mail.MemorySender),
        ("", mail.ConsoleSender),
    ],
)
def test_get_sender_follows_the_setting(name, expected):
    with override_settings(OPENSEND_EMAIL_SENDER=name):
        assert isinstance(mail.get_sender(), expected)


def test_the_test_settings_use_the_memory_sender():
    assert isinstance(mail.get_sender(), mail.MemorySender)


def test_get_sender_builds_notify_from_its_settings():
    with (
        override_settings(
            OPENSEND_EMAIL_SENDER="notify",
            OPENSEND_NOTIFY_API_KEY=FAKE_KEY,
            OPENSEND_NOTIFY_TEMPLATE_ID=TEMPLATE,
        ),
        mock.patch.object(mail, "NotificationsAPIClient") as client_class,
    ):
        sender = mail.get_sender()
    assert isinstance(sender, mail.NotifySender)
    client_class.assert_called_once_with(FAKE_KEY)
    assert sender.template_id == TEMPLATE


@pytest.mark.parametrize(
    ("key", "template"),
    [("", TEMPLATE), (FAKE_KEY, ""), ("", "")],
)
def test_notify_without_its_settings_is_refused(key, template):
    with (
        override_settings(
            OPENSEND_EMAIL_SENDER="notify",
            OPENSEND_NOTIFY_API_KEY=key,
            OPENSEND_NOTIFY_TEMPLATE_ID=template,
        ),
        mock.patch.object(mail, "NotificationsAPIClient") as client_class,
        pytest.raises(ImproperlyConfigured, match="OPENSEND_NOTIFY_API_KEY"),
    ):
        mail.get_sender()
    client_class.assert_not_called()


def test_an_unknown_sender_is_refused():
    with (
        override_settings(OPENSEND_EMAIL_SENDER="smtp"),
        pytest.raises(ImproperlyConfigured, match="console, memory, notify"),
    ):
        mail.get_sender()


def test_memory_sender_keeps_each_message():
    sender = mail.MemorySender()
    first = sender.send(to="a@example.org", subject="One", body="Body one", reference="r1")
    second = sender.send(to="b@example.org", subject="Two", body="Body two", reference="r2")
    assert first != second
    assert [(m.to, m.subject, m.body, m.reference) for m in mail.outbox] == [
        ("a@example.org", "One", "Body one", "r1"),
        ("b@example.org", "Two", "Body two", "r2"),
    ]
    assert [m.provider_reference for m in mail.outbox] == [first, second]
    assert mail.MemorySender.outbox is mail.outbox


def test_console_sender_writes_the_whole_message():
    stream = io.StringIO()
    reference = mail.ConsoleSender(stream).send(
        to="casey@example.org",
        subject="Overdue: final plan for case R000001",
        body="Line one\nLine two",
        reference="opensend-notice-7",
    )
    text = stream.getvalue()
    assert reference.startswith("console-")
    for expected in (
        "not sent",
        "To: casey@example.org",
        "Subject: Overdue: final plan for case R000001",
        "Reference: opensend-notice-7",
        "Line one\nLine two",
    ):
        assert expected in text


def test_notify_sender_calls_the_official_client():
    with mock.patch.object(mail, "NotificationsAPIClient") as client_class:
        client = client_class.return_value
        client.send_email_notification.return_value = {
            "id": "740e5834-3a29-46b4-9a6f-16142fde533a",
            "reference": "opensend-notice-9",
        }
        sender = mail.NotifySender(api_key=FAKE_KEY, template_id=TEMPLATE)
        reference = sender.send(
            to="casey@example.org",
            subject="Due in 3 days: final plan for case R000001",
            body="The body",
            reference="opensend-notice-9",
        )
    client_class.assert_called_once_with(FAKE_KEY)
    client.send_email_notification.assert_called_once_with(
        email_address="casey@example.org",
        template_id=TEMPLATE,
        personalisation={
            "subject": "Due in 3 days: final plan for case R000001",
            "body": "The body",
        },
        reference="opensend-notice-9",
    )
    assert reference == "740e5834-3a29-46b4-9a6f-16142fde533a"


def test_notify_sender_can_use_another_notify_address():
    with mock.patch.object(mail, "NotificationsAPIClient") as client_class:
        mail.NotifySender(api_key=FAKE_KEY, template_id=TEMPLATE, base_url="https://notify.test")
    client_class.assert_called_once_with(FAKE_KEY, base_url="https://notify.test")


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (APIError(message="Not a valid email address"), "refused"),
        (ConnectionError("connection refused"), "Could not reach"),
        (None, "no notification id"),
    ],
)
def test_notify_failures_become_send_errors(failure, message):
    with mock.patch.object(mail, "NotificationsAPIClient") as client_class:
        client = client_class.return_value
        if failure is None:
            client.send_email_notification.return_value = {"errors": []}
        else:
            client.send_email_notification.side_effect = failure
        sender = mail.NotifySender(api_key=FAKE_KEY, template_id=TEMPLATE)
        with pytest.raises(mail.SendError, match=message) as raised:
            sender.send(to="x@example.org", subject="S", body="secret body", reference="ref-1")
    assert "ref-1" in str(raised.value)
    assert "secret body" not in str(raised.value)
