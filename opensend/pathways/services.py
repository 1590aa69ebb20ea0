"""Writes to pathways and referrals. One function per action: keyword-only arguments, the
acting user passed in (``None`` for the system), permission checked, every impossible sequence
refused with ``rules.py``'s message, atomic, with its access log entry in the same transaction.

Only the staff of the pathway's provider act on its referrals (``access.works_on``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from opensend.core import access_log
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.pathways import access, rules
from opensend.pathways.models import (
    Pathway,
    ProviderReturn,
    Referral,
    ReferralEvent,
    ReferralPause,
    ReturnStatus,
    SupportWhileWaiting,
    TriageOutcome,
    to_rules,
)
from opensend.pathways.provider_returns import (
    FileRefused,
    ReturnRow,
    RowError,
    check_rows,
    read_return_file,
)
from opensend.people.models import Child

CHILD = "people.child"
REFERRAL = "pathways.referral"
EventKind = rules.EventKind


def today() -> dt.date:
    return timezone.localdate()


def _authorise(acting_user: User | None, pathway: Pathway, what: str) -> None:
    if acting_user is None:
        return
    if not access.works_on(acting_user, pathway):
        raise PermissionDenied(
            f"You may not {what}: {pathway.name} is provided by {pathway.provider.name}, "
            "and only its staff can change it."
        )


def _log(
    acting_user: User | None,
    referral: Referral,
    action: str,
    detail: dict[str, Any] | None = None,
    access_action: AccessAction = AccessAction.CHANGE,
) -> None:
    access_log.record(
        actor=acting_user,
        action=access_action,
        object_type=REFERRAL,
        object_id=referral.pk,
        subjects=[(CHILD, referral.child_id)],
        purpose=f"Referral to {referral.pathway.name}" if acting_user else "System process",
        organisation=referral.pathway.provider if acting_user else None,
        detail={"pathways": action, **(detail or {})},
    )


def _refuse_if_impossible(candidate: rules.Pathway, field: str) -> None:
    problems = rules.pathway_problems(candidate, today=today())
    if problems:
        raise ValidationError({field: problems})


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("pathway", "pathway__provider")
        .get(pk=referral.pk)
    )


def _current(referral: Referral) -> tuple[list[ReferralEvent], list[ReferralPause]]:
    return list(referral.events.all()), list(referral.pauses.all())


def _sync(referral: Referral) -> None:
    """Keep the referral's summary dates in step with its events (they are for SQL counts)."""
    events, pauses = _current(referral)
    pathway = to_rules(events, pauses)
    ordered = sorted(events, key=lambda e: (e.on, e.pk or 0))

    def first(kind: EventKind) -> ReferralEvent | None:
        return next((e for e in ordered if e.kind == kind), None)

    received = first(EventKind.REFERRAL_RECEIVED)
    if received is not None:
        referral.received_on = received.on
    triaged = first(EventKind.TRIAGED)
    referral.triaged_on = triaged.on if triaged else None
    if triaged is None:
        referral.triage_outcome = ""
    attended = first(EventKind.APPOINTMENT_ATTENDED)
    referral.first_appointment_on = attended.on if attended else None
    last = max((e.on for e in events), default=referral.received_on)
    state = rules.clock_state(pathway, on=max(last, referral.received_on))
    if state.on_waiting_list or state.stopped_on is None:
        referral.stopped_on, referral.stop_reason = None, ""
    else:
        referral.stopped_on = state.stopped_on
        referral.stop_reason = str(state.stopped_by or "")
    referral.updated_at = timezone.now()
    referral.full_clean()
    referral.save()


# Pathways ------------------------------------------------------------------------------------


def pathway_create(
    *,
    acting_user: User | None,
    area: Area,
    kind: str,
    name: str,
    provider: Organisation,
    measure: str = rules.Measure.UNADJUSTED.value,
    standard_weeks: int = rules.STANDARD_WEEKS,
    standard_percent: int = 92,
    triage_working_days: int = rules.TRIAGE_WORKING_DAYS,
) -> Pathway:
    """Set up a pathway: the system, or a commissioner of the area."""
    if acting_user is not None and area.pk not in access.commissioner_area_ids(acting_user):
        raise PermissionDenied("Only a commissioner for the area can set up its pathways.")
    pathway = Pathway(
        area=area,
        kind=kind,
        name=name.strip(),
        provider=provider,
        measure=measure,
        standard_weeks=standard_weeks,
        standard_percent=standard_percent,
        triage_working_days=triage_working_days,
    )
    with transaction.atomic():
        pathway.full_clean()
        pathway.save()
        access_log.record(
            actor=acting_user,
            action=AccessAction.CREATE,
            object_type="pathways.pathway",
            object_id=pathway.pk,
            detail={"pathways": "pathway_create", "name": pathway.name},
        )
    return pathway


# Referrals -----------------------------------------------------------------------------------


def referral_record(
    *,
    acting_user: User | None,
    pathway: Pathway,
    child: Child,
    provider_reference: str,
    source: str,
    received_on: dt.date,
) -> Referral:
    """A referral received: it starts the clock (Rule 1)."""
    _authorise(acting_user, pathway, "record a referral to this pathway")
    reference = provider_reference.strip()
    if Referral.objects.filter(pathway=pathway, provider_reference=reference).exists():
        raise ValidationError(
            {"provider_reference": f"Referral {reference} is already recorded on this pathway."}
        )
    _refuse_if_impossible(
        rules.Pathway((rules.Event(EventKind.REFERRAL_RECEIVED, received_on),)), "received_on"
    )
    referral = Referral(
        pathway=pathway,
        child=child,
        provider_reference=reference,
        source=source,
        received_on=received_on,
    )
    with transaction.atomic():
        referral.full_clean()
        referral.save()
        ReferralEvent.objects.create(
            referral=referral,
            kind=EventKind.REFERRAL_RECEIVED,
            on=received_on,
            recorded_by=acting_user,
        )
        _log(acting_user, referral, "referral_record", access_action=AccessAction.CREATE)
    return referral


def referral_add_event(
    *,
    acting_user: User | None,
    referral: Referral,
    kind: str,
    on: dt.date,
    clearly_communicated: bool = True,
) -> ReferralEvent:
    """Record what happened on the pathway; refused, with the rules' message, if the pathway
    could not then have happened (a clock stopping before it started, an event after the stop)."""
    _authorise(acting_user, referral.pathway, "change this referral")
    try:
        event_kind = EventKind(kind)
    except ValueError as exc:
        raise ValidationError({"kind": "Select what happened."}) from exc
    if event_kind is EventKind.REFERRAL_RECEIVED:
        raise ValidationError(
            {"kind": "A new referral starts a new pathway: record it as a referral (Rule 3(c))."}
        )
    with transaction.atomic():
        locked = _lock(referral)
        events, pauses = _current(locked)
        candidate = to_rules(events, pauses)
        candidate = rules.Pathway(
            events=(*candidate.events, rules.Event(event_kind, on, clearly_communicated)),
            pauses=candidate.pauses,
        )
        _refuse_if_impossible(candidate, "on")
        event = ReferralEvent(
            referral=locked,
            kind=event_kind,
            on=on,
            clearly_communicated=clearly_communicated,
            recorded_by=acting_user,
        )
        event.full_clean()
        event.save()
        _sync(locked)
        _log(acting_user, locked, "event", {"kind": event_kind.value, "on": on.isoformat()})
    referral.refresh_from_db()
    return event


def referral_triage(
    *, acting_user: User | None, referral: Referral, triaged_on: dt.date, outcome: str
) -> Referral:
    """Triage: accepted onto the pathway, or not accepted (referred back, which stops the
    clock on the same day)."""
    if outcome not in TriageOutcome.values:
        raise ValidationError({"outcome": "Select the outcome of the triage."})
    if referral.triaged_on is not None:
        raise ValidationError({"triaged_on": "This referral has already been triaged."})
    with transaction.atomic():
        referral_add_event(
            acting_user=acting_user, referral=referral, kind=EventKind.TRIAGED, on=triaged_on
        )
        if outcome == TriageOutcome.NOT_ACCEPTED:
            referral_add_event(
                acting_user=acting_user,
                referral=referral,
                kind=EventKind.REFERRED_BACK,
                on=triaged_on,
            )
        Referral.objects.filter(pk=referral.pk).update(triage_outcome=outcome)
    referral.refresh_from_db()
    return referral


def referral_stop_clock(
    *, acting_user: User | None, referral: Referral, reason: str, on: dt.date
) -> Referral:
    """Stop the clock: treatment started, or a non-treatment stop."""
    if reason not in {kind.value for kind in rules.STOP_EVENTS}:
        raise ValidationError({"reason": "Select why the clock stopped."})
    referral_add_event(acting_user=acting_user, referral=referral, kind=reason, on=on)
    referral.refresh_from_db()
    return referral


def referral_pause(
    *,
    acting_user: User | None,
    referral: Referral,
    start: dt.date,
    end: dt.date | None = None,
    reason: str = "",
) -> ReferralPause:
    """A delay the family asked for (recorded; deducted only under the adjusted measure)."""
    _authorise(acting_user, referral.pathway, "change this referral")
    with transaction.atomic():
        locked = _lock(referral)
        events, pauses = _current(locked)
        candidate = to_rules(events, pauses)
        candidate = rules.Pathway(
            events=candidate.events, pauses=(*candidate.pauses, rules.Pause(start, end))
        )
        _refuse_if_impossible(candidate, "start")
        pause = ReferralPause(referral=locked, start=start, end=end, reason=reason.strip())
        pause.full_clean()
        pause.save()
        _sync(locked)
        _log(acting_user, locked, "pause", {"start": start.isoformat()})
    return pause


def referral_end_pause(
    *, acting_user: User | None, pause: ReferralPause, end: dt.date
) -> ReferralPause:
    """The family is available again from ``end``."""
    referral = pause.referral
    _authorise(acting_user, referral.pathway, "change this referral")
    with transaction.atomic():
        locked = _lock(referral)
        events, pauses = _current(locked)
        others = [p.as_rules() for p in pauses if p.pk != pause.pk]
        candidate = rules.Pathway(
            events=to_rules(events, []).events, pauses=(*others, rules.Pause(pause.start, end))
        )
        _refuse_if_impossible(candidate, "end")
        pause.end = end
        pause.full_clean()
        pause.save()
        _sync(locked)
        _log(acting_user, locked, "pause_end", {"end": end.isoformat()})
    return pause


def support_offer(
    *,
    acting_user: User | None,
    referral: Referral,
    kind: str,
    offered_on: dt.date,
    offered_by: str,
    description: str = "",
) -> SupportWhileWaiting:
    """Support offered to the family while they wait."""
    _authorise(acting_user, referral.pathway, "record support for this referral")
    if offered_on > today():
        raise ValidationError({"offered_on": "The date must be today or in the past."})
    if offered_on < referral.received_on:
        raise ValidationError(
            {"offered_on": "The date must be on or after the referral was received."}
        )
    support = SupportWhileWaiting(
        referral=referral,
        kind=kind,
        offered_on=offered_on,
        offered_by=offered_by.strip(),
        description=description.strip(),
        recorded_by=acting_user,
    )
    with transaction.atomic():
        support.full_clean()
        support.save()
        _log(acting_user, referral, "support_offer", {"kind": kind})
    return support


# Provider returns ----------------------------------------------------------------------------


class ReturnRefused(Exception):
    """The return as a whole cannot be read; the message says why."""


def _row_events(row: ReturnRow) -> list[tuple[EventKind, dt.date]]:
    events = [(EventKind.REFERRAL_RECEIVED, row.received)]
    if row.triaged is not None:
        events.append((EventKind.TRIAGED, row.triaged))
    if row.first_appointment is not None:
        events.append((EventKind.APPOINTMENT_ATTENDED, row.first_appointment))
    if row.stop_date is not None and row.stop_reason is not None:
        events.append((row.stop_reason, row.stop_date))
    return events


def return_rows_import(
    *,
    acting_user: User | None,
    pathway: Pathway,
    rows: Sequence[dict[str, Any]],
    file_name: str = "",
    file_format: str = "json",
) -> ProviderReturn:
    """Check every row of a return, then write all of it or none of it. A referral id already
    on the pathway is updated: its dates, events and pauses are replaced by the row's, so the
    same return uploaded twice changes nothing the second time."""
    _authorise(acting_user, pathway, "upload a return for this pathway")
    checked = check_rows(rows, pathway=pathway, today=today())
    record = ProviderReturn(
        pathway=pathway,
        uploaded_by=acting_user,
        file_name=file_name[:255],
        file_format=file_format,
        rows=len(rows),
    )
    if checked.errors:
        record.status = ReturnStatus.REFUSED
        record.errors = [error.as_dict() for error in checked.errors]
        record.save()
        return record
    created = updated = 0
    with transaction.atomic():
        existing = {
            r.provider_reference: r
            for r in Referral.objects.select_for_update().filter(
                pathway=pathway, provider_reference__in=[row.reference for row in checked.rows]
            )
        }
        for row in checked.rows:
            referral = existing.get(row.reference)
            if referral is None:
                referral = Referral(
                    pathway=pathway,
                    child=row.child,
                    provider_reference=row.reference,
                    source=row.source,
                    received_on=row.received,
                )
                referral.full_clean()
                referral.save()
                created += 1
            else:
                referral.source = row.source
                referral.received_on = row.received
                referral.events.all().delete()
                referral.pauses.all().delete()
                updated += 1
            ReferralEvent.objects.bulk_create(
                [
                    ReferralEvent(referral=referral, kind=kind, on=on, recorded_by=acting_user)
                    for kind, on in _row_events(row)
                ]
            )
            if row.pause_start is not None:
                ReferralPause.objects.create(
                    referral=referral, start=row.pause_start, end=row.pause_end
                )
            if row.triaged is not None:
                referral.triage_outcome = referral.triage_outcome or TriageOutcome.ACCEPTED
            _sync(referral)
        record.status = ReturnStatus.IMPORTED
        record.created, record.updated = created, updated
        record.save()
        access_log.record(
            actor=acting_user,
            action=AccessAction.IMPORT,
            object_type="pathways.return",
            object_id=record.pk,
            subjects=[(CHILD, row.child.pk) for row in checked.rows],
            purpose=f"Provider return for {pathway.name}",
            organisation=pathway.provider if acting_user else None,
            detail={"pathways": "return_import", "created": created, "updated": updated},
        )
    return record


def return_file_import(
    *, acting_user: User | None, pathway: Pathway, file_name: str, content: bytes
) -> ProviderReturn:
    """A return uploaded as CSV or XLSX: read, then ``return_rows_import``. Raises
    ``ReturnRefused`` if the file cannot be read at all."""
    _authorise(acting_user, pathway, "upload a return for this pathway")
    try:
        file_format, rows = read_return_file(content, file_name)
    except FileRefused as refused:
        raise ReturnRefused(str(refused)) from refused
    return return_rows_import(
        acting_user=acting_user,
        pathway=pathway,
        rows=rows,
        file_name=file_name,
        file_format=file_format,
    )


__all__ = [
    "ReturnRefused",
    "RowError",
    "pathway_create",
    "referral_add_event",
    "referral_end_pause",
    "referral_pause",
    "referral_record",
    "referral_stop_clock",
    "referral_triage",
    "return_file_import",
    "return_rows_import",
    "support_offer",
]
