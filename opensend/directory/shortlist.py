"""A parent's shortlist of services, held in their session (no account, nothing stored about
them), and emailing it to themselves.

The shortlist is a list of service ids per area in the session. Emailing is rate-limited per
session; the address is used to send the message and then forgotten: it is never stored, logged
or put in the session.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import MutableMapping, Sequence
from typing import Any

from opensend.core.mail import get_sender
from opensend.core.models import Area
from opensend.directory.models import Service

__all__ = [
    "EMAILS_PER_HOUR",
    "MAX_SHORTLIST",
    "RateLimited",
    "shortlist_add",
    "shortlist_email",
    "shortlist_ids",
    "shortlist_remove",
]

SESSION_KEY = "local_offer_shortlist"
EMAIL_TIMES_KEY = "local_offer_shortlist_emails"
MAX_SHORTLIST = 50
EMAILS_PER_HOUR = 3

Session = MutableMapping[str, Any]


class RateLimited(Exception):
    """This session has emailed its shortlist too often; try again later."""


def _all(session: Session) -> dict[str, list[str]]:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, dict) else {}


def shortlist_ids(session: Session, area: Area) -> list[str]:
    ids = _all(session).get(area.la_code, [])
    return [str(i) for i in ids] if isinstance(ids, list) else []


def _save(session: Session, area: Area, ids: list[str]) -> None:
    everything = _all(session)
    everything[area.la_code] = ids
    session[SESSION_KEY] = everything
    if hasattr(session, "modified"):
        session.modified = True


def shortlist_add(session: Session, area: Area, service: Service) -> bool:
    """Add a (public) service; ``False`` if it was already there or the list is full."""
    ids = shortlist_ids(session, area)
    key = str(service.pk)
    if key in ids or len(ids) >= MAX_SHORTLIST:
        return False
    _save(session, area, [*ids, key])
    return True


def shortlist_remove(session: Session, area: Area, service_id: uuid.UUID | str) -> bool:
    ids = shortlist_ids(session, area)
    key = str(service_id)
    if key not in ids:
        return False
    _save(session, area, [i for i in ids if i != key])
    return True


def _recent_emails(session: Session, now: float) -> list[float]:
    times = session.get(EMAIL_TIMES_KEY)
    if not isinstance(times, list):
        return []
    return [t for t in times if isinstance(t, int | float) and now - t < 3600]


def shortlist_email(
    session: Session,
    *,
    area: Area,
    services: Sequence[Service],
    to: str,
    service_url: Any,
    now: float | None = None,
) -> str:
    """Email the shortlist to ``to`` (the parent's own address, which is not kept). Raises
    ``RateLimited`` after ``EMAILS_PER_HOUR`` in an hour from one session. Returns the
    provider's reference. ``service_url(service)`` gives each service's full address."""
    moment = time.time() if now is None else now
    recent = _recent_emails(session, moment)
    if len(recent) >= EMAILS_PER_HOUR:
        raise RateLimited
    title = f"{area.name} Local Offer"
    lines = [f"Your shortlist from the {title}.", ""]
    for service in services:
        lines.append(service.name)
        lines.append(f"  {service.organization.name}")
        lines.append(f"  {service_url(service)}")
        lines.append("")
    if not services:
        lines.append("Your shortlist is empty.")
    lines.append("You asked for this email. We have not kept your email address.")
    reference = f"shortlist-{uuid.uuid4()}"
    provider_reference = get_sender().send(
        to=to, subject=f"Your {title} shortlist", body="\n".join(lines), reference=reference
    )
    session[EMAIL_TIMES_KEY] = [*recent, moment]
    return provider_reference
