"""The append-only access log: every view, search result page, export and change of a child's
record writes an entry (who, what, when, why), chained by SHA-256 so that any edit, deletion
or reordering of past entries is detected by ``verify``.

Each entry's hash covers its own fields, the records it concerns and the previous entry's hash.
Entries are appended while the chain head is locked, so the chain is one line even with many
writers. The database refuses UPDATE of entries (triggers, on SQLite and PostgreSQL) and, on
PostgreSQL, DELETE; see docs/adr/0004-access-log.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from opensend.core import request_context
from opensend.core.models import (
    GENESIS_HASH,
    AccessAction,
    AccessLogEntry,
    AccessLogHead,
    AccessLogSubject,
    Organisation,
    User,
)

HEAD_ID = 1


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same text for the same value, on any database."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    organisation_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    purpose: str,
    reason: str,
    detail_json: str,
    ip_address: str | None,
    request_id: str,
    subjects: Sequence[tuple[str, str]],
) -> str:
    payload = canonical_json(
        {
            "seq": seq,
            "at": _timestamp(occurred_at),
            "actor": actor_id,
            "actor_label": actor_label,
            "organisation": organisation_id,
            "action": action,
            "object": [object_type, object_id],
            "purpose": purpose,
            "reason": reason,
            "detail": detail_json,
            "ip": ip_address,
            "request": request_id,
            "subjects": sorted([list(subject) for subject in subjects]),
        }
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _lock_head() -> AccessLogHead:
    head = AccessLogHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is None:
        if AccessLogEntry.objects.exists():
            raise RuntimeError(
                "The access log has entries but no chain head: it has been tampered with. "
                "Run `opensend access-log-verify`."
            )
        head = AccessLogHead.objects.create(pk=HEAD_ID, seq=0, hash=GENESIS_HASH)
    return head


def record(
    *,
    actor: User | None,
    action: AccessAction | str,
    object_type: str,
    object_id: object = "",
    subjects: Iterable[tuple[str, object]] = (),
    purpose: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    organisation: Organisation | None = None,
    actor_label: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> AccessLogEntry:
    """Append one entry. Call it inside the transaction that makes the change it records, so
    the change and its entry are written together or not at all."""
    subject_pairs = [(kind, str(ident)) for kind, ident in subjects]
    context = request_context.current()
    label = actor_label or (actor.email if actor is not None else "system")
    detail_json = canonical_json(detail or {})
    moment = occurred_at or timezone.now()
    with transaction.atomic():
        head = _lock_head()
        seq = head.seq + 1
        fields: dict[str, Any] = {
            "seq": seq,
            "occurred_at": moment,
            "actor_id": actor.pk if actor is not None else None,
            "actor_label": label,
            "organisation_id": organisation.pk if organisation is not None else None,
            "action": str(action),
            "object_type": object_type,
            "object_id": str(object_id),
            "purpose": purpose[:255],
            "reason": reason,
            "detail_json": detail_json,
            "ip_address": context.ip_address if context else None,
            "request_id": context.request_id if context else "",
        }
        digest = entry_hash(prev_hash=head.hash, subjects=subject_pairs, **fields)
        entry = AccessLogEntry.objects.create(prev_hash=head.hash, hash=digest, **fields)
        if subject_pairs:
            AccessLogSubject.objects.bulk_create(
                [
                    AccessLogSubject(entry=entry, subject_type=kind, subject_id=ident)
                    for kind, ident in subject_pairs
                ],
                batch_size=2000,
            )
        AccessLogHead.objects.filter(pk=HEAD_ID).update(seq=seq, hash=digest)
    return entry


@dataclass(frozen=True)
class Problem:
    seq: int
    message: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    head_seq: int
    head_hash: str
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries_with_subjects(
    batch: int = 2000,
) -> Iterator[tuple[AccessLogEntry, list[tuple[str, str]]]]:
    last = 0
    while True:
        entries = list(AccessLogEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not entries:
            return
        by_entry: dict[int, list[tuple[str, str]]] = {entry.pk: [] for entry in entries}
        for entry_id, kind, ident in AccessLogSubject.objects.filter(
            entry_id__in=list(by_entry)
        ).values_list("entry_id", "subject_type", "subject_id"):
            by_entry[entry_id].append((kind, ident))
        for entry in entries:
            yield entry, by_entry[entry.pk]
        last = entries[-1].seq


def verify(expect: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute the chain from the first entry. Reports gaps in the sequence, entries whose
    hash does not match their contents, broken links, a head that does not match the last
    entry and, given an anchor ``(seq, hash)`` recorded elsewhere, a chain that differs from it.
    """
    problems: list[Problem] = []
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    for entry, subjects in _entries_with_subjects():
        checked += 1
        if entry.seq != expected_seq:
            problems.append(
                Problem(entry.seq, f"entries {expected_seq} to {entry.seq - 1} are missing")
            )
        if entry.prev_hash != prev_hash:
            problems.append(Problem(entry.seq, "does not link to the entry before it"))
        digest = entry_hash(
            prev_hash=entry.prev_hash,
            seq=entry.seq,
            occurred_at=entry.occurred_at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            organisation_id=entry.organisation_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            purpose=entry.purpose,
            reason=entry.reason,
            detail_json=entry.detail_json,
            ip_address=entry.ip_address,
            request_id=entry.request_id,
            subjects=subjects,
        )
        if digest != entry.hash:
            problems.append(Problem(entry.seq, "its contents do not match its hash"))
        if expect is not None and entry.seq == expect[0] and entry.hash != expect[1]:
            problems.append(Problem(entry.seq, "differs from the anchor recorded for it"))
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
        last_seq = entry.seq
    head = AccessLogHead.objects.filter(pk=HEAD_ID).first()
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    if head_seq != last_seq or head_hash != prev_hash:
        problems.append(
            Problem(
                head_seq,
                f"the chain head says entry {head_seq} is last but the log ends at {last_seq}",
            )
        )
    if expect is not None and expect[0] > last_seq:
        problems.append(Problem(expect[0], "the anchored entry is no longer in the log"))
    return VerifyResult(checked, head_seq, head_hash, tuple(problems))
