import importlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from opensend.core import access_log
from opensend.core.models import (
    GENESIS_HASH,
    AccessAction,
    AccessLogEntry,
    AccessLogHead,
    AccessLogSubject,
)
from opensend.core.tests.factories import UserFactory

GUARDS = importlib.import_module("opensend.core.migrations.0002_access_log_append_only")


def _write(n, actor=None):
    return [
        access_log.record(
            actor=actor,
            action=AccessAction.VIEW,
            object_type="people.child",
            object_id=i,
            subjects=[("people.child", i)],
            purpose="test",
            detail={"n": i, "nested": {"b": [1, 2], "a": "é"}},
        )
        for i in range(1, n + 1)
    ]


def _force(sql, params=()):
    """Run SQL with the database's append-only guards switched off, as an attacker with
    direct database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(sql, params)
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
        else:
            with connection.schema_editor() as editor:
                GUARDS.drop_guards(None, editor)
            try:
                cursor.execute(sql, params)
            finally:
                with connection.schema_editor() as editor:
                    GUARDS.create_guards(None, editor)


@pytest.mark.django_db
def test_entries_form_a_chain_and_move_the_head():
    user = UserFactory()
    start = AccessLogHead.objects.get(pk=1).seq
    entries = _write(3, actor=user)
    assert [e.seq for e in entries] == [start + 1, start + 2, start + 3]
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    head = AccessLogHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)
    assert entries[0].actor_label == user.email
    assert json.loads(entries[0].detail_json)["nested"] == {"a": "é", "b": [1, 2]}
    assert AccessLogSubject.objects.filter(entry=entries[0]).count() == 1


@pytest.mark.django_db
def test_verify_accepts_an_intact_log():
    _write(5)
    result = access_log.verify()
    assert result.ok, result.problems
    assert result.checked == AccessLogEntry.objects.count()


@pytest.mark.django_db
def test_the_orm_never_updates_or_deletes_entries():
    entry = _write(1)[0]
    entry.purpose = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(purpose="changed")
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessLogSubject.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_updates():
    entry = _write(1)[0]
    refused = (IntegrityError, DatabaseError)
    with pytest.raises(refused), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_accesslogentry SET purpose = %s WHERE id = %s", ["x", entry.pk])
    with pytest.raises(refused), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_accesslogsubject SET subject_id = %s WHERE entry_id = %s", ["9", entry.pk]
        )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_deletes():
    entry = _write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_accesslogsubject WHERE entry_id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_changed_contents_are_detected():
    entries = _write(4)
    _force("UPDATE core_accesslogentry SET purpose = 'innocent' WHERE id = %s", [entries[1].pk])
    result = access_log.verify()
    assert not result.ok
    assert (entries[1].seq, "its contents do not match its hash") in [
        (p.seq, p.message) for p in result.problems
    ]


@pytest.mark.django_db(transaction=True)
def test_a_removed_subject_is_detected():
    entries = _write(3)
    _force("DELETE FROM core_accesslogsubject WHERE entry_id = %s", [entries[2].pk])
    problems = access_log.verify().problems
    assert [p.seq for p in problems] == [entries[2].seq]


@pytest.mark.django_db(transaction=True)
def test_a_removed_entry_is_detected():
    entries = _write(4)
    _force("DELETE FROM core_accesslogsubject WHERE entry_id = %s", [entries[1].pk])
    _force("DELETE FROM core_accesslogentry WHERE id = %s", [entries[1].pk])
    messages = [p.message for p in access_log.verify().problems]
    assert f"entries {entries[1].seq} to {entries[1].seq} are missing" in messages
    assert "does not link to the entry before it" in messages


@pytest.mark.django_db(transaction=True)
def test_a_rewritten_tail_is_caught_by_the_head_or_an_anchor():
    entries = _write(3)
    anchor = (entries[-1].seq, entries[-1].hash)
    # Remove the last entry and set the head back: the chain itself is consistent again...
    _force("DELETE FROM core_accesslogsubject WHERE entry_id = %s", [entries[-1].pk])
    _force("DELETE FROM core_accesslogentry WHERE id = %s", [entries[-1].pk])
    AccessLogHead.objects.filter(pk=1).update(seq=entries[-2].seq, hash=entries[-2].hash)
    assert access_log.verify().ok
    # ...but not with the anchor recorded before.
    result = access_log.verify(expect=anchor)
    assert not result.ok
    assert result.problems[-1].message == "the anchored entry is no longer in the log"


@pytest.mark.django_db(transaction=True)
def test_a_stale_head_is_detected():
    _write(2)
    AccessLogHead.objects.filter(pk=1).update(seq=1)
    assert any("chain head" in p.message for p in access_log.verify().problems)


@pytest.mark.django_db
def test_an_entry_is_rolled_back_with_the_change_it_records():
    before = AccessLogHead.objects.get(pk=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _write(1)
        raise RuntimeError("the change failed")
    after = AccessLogHead.objects.get(pk=1)
    assert (after.seq, after.hash) == (before.seq, before.hash)
    assert access_log.verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_missing_head_with_entries_is_refused():
    _write(1)
    AccessLogHead.objects.all().delete()
    with pytest.raises(RuntimeError, match="tampered"):
        _write(1)


@pytest.mark.django_db(transaction=True)
def test_a_fresh_database_starts_the_chain_at_the_genesis_hash():
    AccessLogHead.objects.all().delete()
    entry = _write(1)[0]
    assert entry.prev_hash == GENESIS_HASH
    assert entry.seq == 1


@pytest.mark.django_db(transaction=True)
def test_verify_and_anchor_commands(capsys):
    _write(2)
    call_command("access_log_anchor")
    anchor = capsys.readouterr().out.strip()
    seq, digest = anchor.split(":")
    assert int(seq) == AccessLogHead.objects.get(pk=1).seq
    call_command("access_log_verify", "--expect", anchor)
    assert "intact" in capsys.readouterr().out
    _force("UPDATE core_accesslogentry SET reason = 'x' WHERE seq = 1")
    with pytest.raises(CommandError, match="tampered"):
        call_command("access_log_verify")
    assert "Entry 1: its contents do not match its hash" in capsys.readouterr().err
    with pytest.raises(CommandError, match="An anchor looks like"):
        call_command("access_log_verify", "--expect", "12:abc")
