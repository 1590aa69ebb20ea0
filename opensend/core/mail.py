"""Sending email: one small interface, three senders (ADR 13).

OpenSEND's own notices (EHC reminders, and later others) go through a ``Sender``, chosen by the
``OPENSEND_EMAIL_SENDER`` setting:

=========  ===============================================================================
console    writes each message to standard output and the log; nothing leaves the machine
           (the demo, a developer's machine)
memory     keeps each message in ``outbox`` (the tests)
notify     GOV.UK Notify, through its official client, with one generic email template
           whose personalisation carries the subject and the body (production)
=========  ===============================================================================

A sender returns the provider's reference for the message (Notify's notification id), which
the caller stores beside what it sent. A sender that cannot send raises ``SendError``.
"""

from __future__ import annotations

import logging
import sys
import uuid
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

__all__ = [
    "SENDERS",
    "ConsoleSender",
    "MemorySender",
    "NotifySender",
    "SendError",
    "Sender",
    "SentEmail",
    "get_sender",
    "outbox",
]

logger = logging.getLogger(__name__)


class SendError(Exception):
    """The message was not accepted for delivery; the caller may try again later."""


class Sender(Protocol):
    """Something that sends one plain-text email and returns the provider's reference."""

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str: ...


@dataclass(frozen=True)
class SentEmail:
    to: str
    subject: str
    body: str
    reference: str
    provider_reference: str


#: Messages the memory sender has "sent", oldest first. Tests clear it.
outbox: list[SentEmail] = []


class ConsoleSender:
    """Writes each message where a person running the demo can read it. Nothing is sent."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str:
        provider_reference = f"console-{uuid.uuid4()}"
        stream = self.stream or sys.stdout
        stream.write(
            "\n".join(
                [
                    "----- Email (console sender: shown here, not sent) -----",
                    f"To: {to}",
                    f"Subject: {subject}",
                    f"Reference: {reference}",
                    "",
                    body,
                    "----- End of email -----",
                    "",
                ]
            )
        )
        stream.flush()
        logger.info("Email %s to %s written to the console", reference, to)
        return provider_reference


class MemorySender:
    """Keeps each message in ``outbox``, for tests."""

    outbox = outbox

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str:
        provider_reference = f"memory-{uuid.uuid4()}"
        outbox.append(SentEmail(to, subject, body, reference, provider_reference))
        return provider_reference


class NotifySender:
    """GOV.UK Notify, through the official client.

    Notify sends from templates; OpenSEND uses one email template whose subject is
    ``((subject))`` and whose body is ``((body))``, so every notice's text is written here, in
    the code that knows the case, and reviewed with it (docs/operations.md).
    """

    def __init__(self, *, api_key: str, template_id: str, base_url: str | None = None) -> None:
        if not api_key or not template_id:
            raise ImproperlyConfigured(
                "GOV.UK Notify needs OPENSEND_NOTIFY_API_KEY and OPENSEND_NOTIFY_TEMPLATE_ID."
            )
        extra: dict[str, Any] = {"base_url": base_url} if base_url else {}
        self.client = NotificationsAPIClient(api_key, **extra)
        self.template_id = template_id

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str:
        try:
            response = self.client.send_email_notification(
                email_address=to,
                template_id=self.template_id,
                personalisation={"subject": subject, "body": body},
                reference=reference,
            )
        except APIError as error:
            # The error names the status and Notify's message, never the body we sent.
            raise SendError(f"GOV.UK Notify refused message {reference}: {error}") from error
        except OSError as error:  # the network: connection refused, timed out
            raise SendError(f"Could not reach GOV.UK Notify for {reference}: {error}") from error
        try:
            return str(response["id"])
        except (KeyError, TypeError) as error:
            raise SendError(f"GOV.UK Notify gave no notification id for {reference}") from error


SENDERS = ("console", "memory", "notify")


def get_sender() -> Sender:
    """The sender the ``OPENSEND_EMAIL_SENDER`` setting names (default: console)."""
    name = getattr(settings, "OPENSEND_EMAIL_SENDER", "console") or "console"
    if name == "console":
        return ConsoleSender()
    if name == "memory":
        return MemorySender()
    if name == "notify":
        return NotifySender(
            api_key=getattr(settings, "OPENSEND_NOTIFY_API_KEY", ""),
            template_id=getattr(settings, "OPENSEND_NOTIFY_TEMPLATE_ID", ""),
            base_url=getattr(settings, "OPENSEND_NOTIFY_BASE_URL", "") or None,
        )
    raise ImproperlyConfigured(
        f"OPENSEND_EMAIL_SENDER is {name!r}; it must be one of: {', '.join(SENDERS)}."
    )
