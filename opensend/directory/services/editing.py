"""Editing the Local Offer: providers and Local Offer officers change services through versions
that wait for approval, while the last approved version stays public.

An edit is a ``ServiceRevision`` holding the whole service as an ORUK document. A service has
at most one open revision (a draft, or one waiting for approval; the database enforces it):
whoever edits next works on the same one. Saves are checked against the version of the document
the editor started from (``document_token``), so two people saving at once cannot overwrite each
other: the second is told who saved and when. An officer approves a submitted revision (or
publishes their own edit directly) through ``publish.apply_revision``, which writes the public
rows; or returns it with a reason.

Beside the versions, a service's lifecycle: scheduled (public from a date), temporarily closed
(with the day it reopens), archived, and "checked" (its owner confirmed it is right). Every
action is recorded in the access log.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from opensend.core import access_log
from opensend.core.models import AccessAction, AccessLogEntry, Area, Membership, User
from opensend.core.roles import Role
from opensend.directory.models import (
    Organization,
    RevisionState,
    Service,
    ServiceCheck,
    ServiceRevision,
    ServiceStatus,
)
from opensend.directory.permissions import can_edit_service, is_officer
from opensend.directory.services.publish import apply_revision, next_revision_number

__all__ = [
    "OPEN_STATES",
    "EditConflict",
    "EditingState",
    "document_token",
    "editing_state",
    "open_revision",
    "revision_approve",
    "revision_publish",
    "revision_return",
    "revision_save",
    "revision_submit",
    "service_archive",
    "service_close_temporarily",
    "service_mark_checked",
    "service_reopen",
    "service_schedule",
    "service_start",
    "service_unarchive",
    "startable_organizations",
]

logger = logging.getLogger(__name__)

OPEN_STATES = (RevisionState.DRAFT, RevisionState.SUBMITTED)
SERVICE = "directory.service"
REVISION = "directory.servicerevision"


class EditConflict(ValidationError):
    """Someone else saved the service since this editor opened it."""


# --- reading what an editor starts from ---------------------------------------------------------


def document_token(document: dict[str, Any]) -> str:
    """A fingerprint of a document: the form carries it, and a save whose fingerprint no longer
    matches what is stored is refused (someone else saved in between)."""
    return hashlib.sha256(access_log.canonical_json(document).encode()).hexdigest()[:32]


def open_revision(service: Service) -> ServiceRevision | None:
    """The service's draft or revision waiting for approval, if there is one."""
    return service.revisions.filter(state__in=OPEN_STATES).select_related("created_by").first()


@dataclass(frozen=True)
class EditingState:
    """What an editor of a service starts from: the open revision's document if there is one;
    else the last returned edit's (so its work is not lost) if nothing was approved since;
    else the service as it is now."""

    document: dict[str, Any]
    token: str
    revision: ServiceRevision | None
    returned: ServiceRevision | None


def _returned_since_publication(service: Service) -> ServiceRevision | None:
    latest = service.revisions.order_by("-number").first()
    if latest is not None and latest.state == RevisionState.REJECTED:
        return latest
    return None


def editing_state(service: Service) -> EditingState:
    from opensend.directory.oruk.documents import service_document

    revision = open_revision(service)
    if revision is not None:
        document = revision.document
        returned = None
    else:
        returned = _returned_since_publication(service)
        document = returned.document if returned is not None else service_document(service)
    return EditingState(
        document=copy.deepcopy(document),
        token=document_token(document),
        revision=revision,
        returned=returned,
    )


def last_saved(revision: ServiceRevision) -> tuple[str, dt.datetime]:
    """Who last saved ``revision`` and when (from the access log)."""
    entry = (
        AccessLogEntry.objects.filter(object_type=REVISION, object_id=str(revision.pk))
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    if entry is None:
        who = revision.created_by
        return (who.full_name or who.email if who else "the system"), revision.created_at
    return (_label(entry.actor) if entry.actor else entry.actor_label), entry.occurred_at


def startable_organizations(user: User, area: Area) -> QuerySet[Organization]:
    """The directory organisations ``user`` may add a service to: every one of the area for an
    officer; for a provider, those its organisation owns."""
    organizations = Organization.objects.filter(area=area)
    if is_officer(user, area):
        return organizations
    owners = (
        Membership.objects.current()
        .filter(user=user, areas=area, role_links__role=Role.PROVIDER)
        .values("organisation")
    )
    return organizations.filter(owner__in=owners)


# --- authorisation ------------------------------------------------------------------------------


def _require_editor(user: User, service: Service) -> None:
    if not can_edit_service(user, service):
        raise PermissionDenied("You cannot edit this service.")


def _require_officer(user: User, area: Area) -> None:
    if not is_officer(user, area):
        raise PermissionDenied("Only a Local Offer officer of the area can do this.")


def _label(user: User | None) -> str:
    if user is None:
        return "the system"
    return user.full_name or user.email


def _record(
    acting_user: User | None, object_type: str, object_id: object, detail: dict[str, Any]
) -> None:
    access_log.record(
        actor=acting_user,
        action=AccessAction.CHANGE,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )


def _refresh_index(service: Service) -> None:
    """Index the service if the public may now see it, otherwise take it out of search."""
    from opensend.directory.search import index_service, unindex_service

    if Service.objects.public().filter(pk=service.pk).exists():
        index_service(service)
    else:
        unindex_service(service)


def _locked(service: Service) -> Service:
    return Service.objects.select_for_update().get(pk=service.pk)


# --- versions -----------------------------------------------------------------------------------


@transaction.atomic
def service_start(
    *, acting_user: User, area: Area, organization: Organization, name: str
) -> ServiceRevision:
    """A new service: the row, not yet public (no approved version), and its first draft."""
    from opensend.directory.oruk.documents import service_document

    if not startable_organizations(acting_user, area).filter(pk=organization.pk).exists():
        raise PermissionDenied("You cannot add a service for this organisation.")
    now = timezone.now()
    service = Service(
        area=area,
        organization=organization,
        name=name.strip(),
        status=ServiceStatus.ACTIVE,
        last_modified=now,
    )
    service.full_clean()
    service.save()
    revision = ServiceRevision(
        service=service,
        number=1,
        document=service_document(service),
        state=RevisionState.DRAFT,
        summary="New service",
        created_by=acting_user,
        created_at=now,
    )
    revision.full_clean()
    revision.save()
    _record(acting_user, SERVICE, service.pk, {"created": {"name": service.name}})
    _record(acting_user, REVISION, revision.pk, {"saved": {"number": revision.number}})
    return revision


def _conflict(service: Service) -> EditConflict:
    revision = open_revision(service)
    if revision is None:
        return EditConflict(
            "The service changed after you opened it: it was published or returned in the "
            "meantime. Your changes have not been saved; open it again to see the latest.",
            code="conflict",
        )
    who, when = last_saved(revision)
    local = timezone.localtime(when)
    return EditConflict(
        f"{who} saved this service at {local:%-I:%M%p on %-d %B %Y} after you opened it. "
        "Your changes have not been saved; open it again to see theirs.".replace(
            "AM", "am"
        ).replace("PM", "pm"),
        code="conflict",
    )


@transaction.atomic
def revision_save(
    *,
    acting_user: User,
    service: Service,
    document: dict[str, Any],
    base_token: str,
    summary: str = "",
) -> ServiceRevision:
    """Save an editor's changes to the service's open revision, opening a draft if there is
    none. ``base_token`` is the token of the document the editor started from; if the stored
    one has changed since, the save is refused (``EditConflict``). Saving a revision that was
    waiting for approval makes it a draft again: it must be submitted again."""
    _require_editor(acting_user, service)
    service = _locked(service)
    current = editing_state(service)
    if current.token != base_token:
        raise _conflict(service)
    if str(document.get("id", service.pk)) != str(service.pk):
        raise ValidationError("The document is for another service.")
    document = copy.deepcopy(document)
    document["id"] = str(service.pk)
    now = timezone.now()
    revision = current.revision
    if revision is None:
        revision = ServiceRevision(
            service=service,
            number=next_revision_number(service),
            state=RevisionState.DRAFT,
            created_by=acting_user,
            created_at=now,
        )
    revision.document = document
    revision.state = RevisionState.DRAFT
    revision.submitted_at = None
    if summary.strip():
        revision.summary = summary.strip()[:255]
    revision.full_clean()
    revision.save()
    _record(acting_user, REVISION, revision.pk, {"saved": {"number": revision.number}})
    return revision


def _open_for(service: Service, number: int | None = None) -> ServiceRevision:
    revision = open_revision(service)
    if revision is None or (number is not None and revision.number != number):
        raise ValidationError("There is no edit of this service waiting.", code="no_revision")
    return revision


@transaction.atomic
def revision_submit(*, acting_user: User, revision: ServiceRevision) -> ServiceRevision:
    """Send a draft for an officer's approval."""
    _require_editor(acting_user, revision.service)
    _locked(revision.service)
    revision.refresh_from_db()
    if revision.state != RevisionState.DRAFT:
        raise ValidationError("Only a draft can be sent for approval.", code="not_draft")
    if not str(revision.document.get("name", "")).strip():
        raise ValidationError("Give the service a name before sending it for approval.")
    revision.state = RevisionState.SUBMITTED
    revision.submitted_at = timezone.now()
    revision.save(update_fields=["state", "submitted_at"])
    _record(acting_user, REVISION, revision.pk, {"submitted": {"number": revision.number}})
    return revision


def _check(service: Service, *, acting_user: User | None, note: str, at: dt.datetime) -> None:
    ServiceCheck.objects.create(service=service, checked_at=at, checked_by=acting_user, note=note)
    Service.objects.filter(pk=service.pk).update(
        last_checked_at=at, stale_notified_at=None, stale_hidden_at=None
    )


@transaction.atomic
def revision_approve(*, acting_user: User, revision: ServiceRevision, note: str = "") -> Service:
    """An officer approves an edit (one waiting for approval, or their own draft): it becomes
    the public version. Approving counts as checking the service, so a service hidden for want
    of a review comes back. The lifecycle (closed, archived) is kept as it is."""
    from opensend.directory.oruk.apply import DocumentInvalid

    service = revision.service
    _require_officer(acting_user, service.area)
    service = _locked(service)
    revision.refresh_from_db()
    if revision.state not in OPEN_STATES:
        raise ValidationError("This edit has already been decided.", code="decided")
    document = copy.deepcopy(revision.document)
    document["id"] = str(service.pk)
    document["status"] = service.status
    organization_id = str((document.get("organization") or {}).get("id") or "")
    if organization_id and organization_id != str(service.organization_id):
        organization = Organization.objects.filter(area=service.area, pk=organization_id).first()
        if organization is None:
            raise ValidationError("The organisation chosen is not in this area's Local Offer.")
        service.organization = organization
        service.save(update_fields=["organization"])
    revision.document = document
    revision.decision_note = note.strip()
    revision.save(update_fields=["document", "decision_note"])
    revision.service = service
    try:
        service = apply_revision(revision, acting_user=acting_user)
    except DocumentInvalid as error:
        raise ValidationError(
            [f"{path or 'The service'}: {reason}" for path, reason in error.problems]
        ) from error
    now = timezone.now()
    _check(service, acting_user=acting_user, note=f"Version {revision.number} approved", at=now)
    _record(acting_user, REVISION, revision.pk, {"approved": {"number": revision.number}})
    if revision.created_by_id != acting_user.pk:
        _tell_editor(
            revision,
            subject=f"Your edit of {service.name} is now public",
            body=(
                f"{_label(acting_user)} approved your edit of {service.name} in the Local Offer "
                f"(version {revision.number}). Families now see it."
            ),
        )
    service.refresh_from_db()
    _refresh_index(service)
    return service


@transaction.atomic
def revision_publish(
    *,
    acting_user: User,
    service: Service,
    document: dict[str, Any],
    base_token: str,
    summary: str = "",
) -> Service:
    """An officer saves their edit and publishes it at once."""
    _require_officer(acting_user, service.area)
    revision = revision_save(
        acting_user=acting_user,
        service=service,
        document=document,
        base_token=base_token,
        summary=summary,
    )
    return revision_approve(acting_user=acting_user, revision=revision)


@transaction.atomic
def revision_return(
    *, acting_user: User, revision: ServiceRevision, reason: str
) -> ServiceRevision:
    """An officer returns an edit waiting for approval to its editor, saying why. The public
    version is unchanged; the editor's next edit starts from the returned one."""
    _require_officer(acting_user, revision.service.area)
    _locked(revision.service)
    revision.refresh_from_db()
    if revision.state != RevisionState.SUBMITTED:
        raise ValidationError("Only an edit waiting for approval can be returned.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the edit is being returned"})
    revision.state = RevisionState.REJECTED
    revision.decided_by = acting_user
    revision.decided_at = timezone.now()
    revision.decision_note = reason.strip()
    revision.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    _record(acting_user, REVISION, revision.pk, {"returned": {"reason": revision.decision_note}})
    _tell_editor(
        revision,
        subject=f"Your edit of {revision.service.name} was returned",
        body=(
            f"{_label(acting_user)} returned your edit of {revision.service.name} in the Local "
            f"Offer (version {revision.number}), saying:\n\n{revision.decision_note}\n\n"
            "Sign in and edit the service: your changes are kept for you to carry on."
        ),
    )
    return revision


def _tell_editor(revision: ServiceRevision, *, subject: str, body: str) -> None:
    """Email the person who made the edit, once the decision is committed. A failed send is
    logged and not retried: the decision is on the service's page too."""
    from opensend.core import mail

    editor = revision.created_by
    if editor is None or not editor.email or not editor.is_active:
        return

    def send() -> None:
        try:
            mail.get_sender().send(
                to=editor.email, subject=subject, body=body, reference=f"lo-rev-{revision.pk}"
            )
        except mail.SendError:
            logger.warning("Could not tell the editor of revision %s", revision.pk)

    transaction.on_commit(send)


# --- lifecycle ----------------------------------------------------------------------------------


def _lifecycle(acting_user: User, service: Service, changes: dict[str, Any], what: str) -> Service:
    service = _locked(service)
    for field, value in changes.items():
        setattr(service, field, value)
    service.last_modified = timezone.now()
    service.full_clean()
    service.save(update_fields=[*changes, "last_modified"])
    _record(
        acting_user,
        SERVICE,
        service.pk,
        {what: {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in changes.items()}},
    )
    _refresh_index(service)
    return service


@transaction.atomic
def service_schedule(
    *, acting_user: User, service: Service, publish_from: dt.date | None
) -> Service:
    """Make the service public only from ``publish_from`` (``None``: as soon as approved)."""
    _require_officer(acting_user, service.area)
    return _lifecycle(acting_user, service, {"publish_from": publish_from}, "scheduled")


@transaction.atomic
def service_close_temporarily(
    *, acting_user: User, service: Service, reopens_on: dt.date | None, today: dt.date | None = None
) -> Service:
    """Show the service as temporarily closed (ORUK status ``temporarily closed``), until
    ``reopens_on`` if given: the daily review task reopens it that day."""
    _require_editor(acting_user, service)
    service = _locked(service)
    today = today or timezone.localdate()
    if reopens_on is not None and reopens_on <= today:
        raise ValidationError({"reopens_on": "The date it reopens must be in the future"})
    if service.archived_at is not None:
        raise ValidationError("An archived service cannot be closed; unarchive it first.")
    return _lifecycle(
        acting_user,
        service,
        {"status": ServiceStatus.TEMPORARILY_CLOSED, "reopens_on": reopens_on},
        "closed_temporarily",
    )


@transaction.atomic
def service_reopen(*, acting_user: User, service: Service) -> Service:
    _require_editor(acting_user, service)
    service = _locked(service)
    if service.status != ServiceStatus.TEMPORARILY_CLOSED:
        raise ValidationError("The service is not temporarily closed.")
    return _lifecycle(
        acting_user, service, {"status": ServiceStatus.ACTIVE, "reopens_on": None}, "reopened"
    )


@transaction.atomic
def service_archive(*, acting_user: User, service: Service) -> Service:
    """Take the service out of the Local Offer, keeping it and its versions."""
    _require_officer(acting_user, service.area)
    service = _locked(service)
    if service.archived_at is not None:
        raise ValidationError("The service is already archived.")
    return _lifecycle(acting_user, service, {"archived_at": timezone.now()}, "archived")


@transaction.atomic
def service_unarchive(*, acting_user: User, service: Service) -> Service:
    _require_officer(acting_user, service.area)
    service = _locked(service)
    if service.archived_at is None:
        raise ValidationError("The service is not archived.")
    return _lifecycle(acting_user, service, {"archived_at": None}, "unarchived")


@transaction.atomic
def service_mark_checked(*, acting_user: User, service: Service, note: str = "") -> Service:
    """Record that the service's information was confirmed right today: its "last checked"
    date, and the end of any review notice or hiding for want of a review."""
    _require_editor(acting_user, service)
    service = _locked(service)
    now = timezone.now()
    _check(service, acting_user=acting_user, note=note.strip(), at=now)
    _record(acting_user, SERVICE, service.pk, {"checked": {"note": note.strip()}})
    service.refresh_from_db()
    _refresh_index(service)
    return service


def services_waiting(area: Area) -> QuerySet[ServiceRevision]:
    """Edits of the area's services waiting for approval, oldest first."""
    return (
        ServiceRevision.objects.filter(service__area=area, state=RevisionState.SUBMITTED)
        .select_related("service", "service__organization", "created_by")
        .order_by("submitted_at")
    )


# --- comparing versions -------------------------------------------------------------------------

_DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_FACET_LABELS = {
    "need": "Needs it meets",
    "suitability": "Suitable for",
    "category": "Categories",
    "accessibility": "Accessibility",
}


@dataclass(frozen=True)
class FieldChange:
    """One field of a service in two versions: its lines before and after."""

    label: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def kind(self) -> str:
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        return "changed" if self.before != self.after else "unchanged"

    @property
    def removed_lines(self) -> tuple[str, ...]:
        return tuple(line for line in self.before if line not in self.after)

    @property
    def added_lines(self) -> tuple[str, ...]:
        return tuple(line for line in self.after if line not in self.before)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _time(value: Any) -> str:
    text = _text(value)
    return text[:5] if text else ""


def _money(value: Any) -> str:
    if value is None or value == "":
        return ""
    amount = float(value)
    return "Free" if amount == 0 else f"£{amount:,.2f}"


def _schedule_line(schedule: dict[str, Any]) -> str:
    days = ", ".join(_DAY_NAMES.get(d, d) for d in _text(schedule.get("byday")).split(",") if d)
    times = "–".join(
        t for t in (_time(schedule.get("opens_at")), _time(schedule.get("closes_at"))) if t
    )
    parts = [p for p in (days, times, _text(schedule.get("description"))) if p]
    if schedule.get("freq") and schedule.get("freq") != "WEEKLY":
        parts.insert(0, str(schedule["freq"]).capitalize())
    return " · ".join(parts) or "A schedule with no times"


def _facet_of(attribute: dict[str, Any]) -> str:
    term = attribute.get("taxonomy_term") or {}
    code = _text(term.get("term"))
    link_type = _text(attribute.get("link_type"))
    if code.startswith("need-") or link_type == "need":
        return "need"
    if code.startswith("s2-"):
        return "schedule2"
    if link_type in _FACET_LABELS:
        return link_type
    return "other"


def describe_document(document: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """A service document as labelled lines a person reads, field by field, in the order the
    staff pages show them. The same labels appear for every version, so two can be compared."""
    from opensend.directory.models import HowToAccess, Schedule2Topic
    from opensend.directory.schedule2 import OPTIONS

    extension = document.get("opensend") or {}
    rows: list[tuple[str, tuple[str, ...]]] = []

    def one(label: str, value: Any) -> None:
        text = _text(value)
        rows.append((label, (text,) if text else ()))

    one("Name", document.get("name"))
    one("Organisation", (document.get("organization") or {}).get("name"))
    one("Status", document.get("status"))
    one("Description", document.get("description"))
    one("Website", document.get("url"))
    one("Email address", document.get("email"))
    one("Alert", document.get("alert"))
    low, high = document.get("minimum_age"), document.get("maximum_age")
    ages = ""
    if low is not None or high is not None:
        ages = f"{'' if low is None else low} to {'' if high is None else high}".strip()
        ages = f"From {low}" if high is None else (f"Up to {high}" if low is None else ages)
    one("Ages", ages)
    by_facet: dict[str, list[str]] = {}
    for attribute in document.get("attributes") or []:
        name = _text((attribute.get("taxonomy_term") or {}).get("name"))
        by_facet.setdefault(_facet_of(attribute), []).append(name or "Unnamed term")
    for facet, label in _FACET_LABELS.items():
        rows.append((label, tuple(sorted(by_facet.get(facet, [])))))
    if by_facet.get("other"):
        rows.append(("Other terms", tuple(sorted(by_facet["other"]))))
    how = _text(extension.get("how_to_access"))
    one("How to access", HowToAccess(how).label if how in HowToAccess.values else how)
    one("Who can refer", extension.get("referral_by"))
    one("Fees", document.get("fees"))
    costs = []
    for cost in document.get("cost_options") or []:
        parts = [
            _text(cost.get("option")),
            _money(cost.get("amount")),
            _text(cost.get("amount_description")),
        ]
        costs.append(" · ".join(p for p in parts if p) or "A cost with no amount")
    rows.append(("Cost", tuple(costs)))
    rows.append(("Times", tuple(_schedule_line(s) for s in document.get("schedules") or [])))
    places: list[str] = []
    access: list[str] = []
    for sal in document.get("service_at_locations") or []:
        location = sal.get("location") or {}
        for address in location.get("addresses") or [{}]:
            parts = [
                _text(location.get("name")),
                _text(address.get("address_1")),
                _text(address.get("address_2")),
                _text(address.get("city")),
                _text(address.get("postal_code")),
            ]
            places.append(", ".join(p for p in parts if p) or "A location with no address")
        if location.get("latitude") is not None and location.get("longitude") is not None:
            places.append(f"Map position {location['latitude']:.4f}, {location['longitude']:.4f}")
        access.extend(
            _text(a.get("description") or a.get("accessibility"))
            for a in location.get("accessibility") or []
            if _text(a.get("description") or a.get("accessibility"))
        )
        for attribute in [*(location.get("attributes") or []), *(sal.get("attributes") or [])]:
            if _facet_of(attribute) == "accessibility":
                name = _text((attribute.get("taxonomy_term") or {}).get("name"))
                access.append(f"{_text(location.get('name')) or 'A location'}: {name}")
        for schedule in sal.get("schedules") or []:
            places.append(f"Times here: {_schedule_line(schedule)}")
    rows.append(("Location", tuple(places)))
    rows.append(("Accessibility details", tuple(access)))
    contacts = []
    for contact in document.get("contacts") or []:
        parts = [
            _text(contact.get("name")),
            _text(contact.get("title")),
            _text(contact.get("email")),
        ]
        parts.extend(_text(phone.get("number")) for phone in contact.get("phones") or [])
        contacts.append(" · ".join(p for p in parts if p) or "A contact with no details")
    rows.append(("Contacts", tuple(contacts)))
    rows.append(
        (
            "Languages",
            tuple(
                _text(lang.get("name") or lang.get("code"))
                for lang in document.get("languages") or []
                if _text(lang.get("name") or lang.get("code"))
            ),
        )
    )
    schedule2 = extension.get("schedule2") or {}
    for topic in Schedule2Topic:
        answer = schedule2.get(topic.value) or {}
        labels = dict(OPTIONS[topic])
        lines = [labels.get(code, code) for code in answer.get("options") or []]
        if _text(answer.get("detail")):
            lines.append(_text(answer.get("detail")))
        rows.append((str(topic.label), tuple(lines)))
    return rows


def compare_documents(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Field by field, what changed from ``before`` to ``after`` (every field, changed or not,
    so a page can show both)."""
    old = dict(describe_document(before))
    new = describe_document(after)
    return [FieldChange(label, old.get(label, ()), lines) for label, lines in new]
