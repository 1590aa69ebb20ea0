"""Creating and revoking API tokens: the services (validation, only a hash stored, the access
log) and the ``api_token`` command (create, list, revoke; the secret printed once)."""

import datetime as dt
import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from opensend.api import selectors, services
from opensend.api.models import ApiToken, ApiTokenState
from opensend.core.models import AccessAction, AccessLogEntry, AccessLogSubject
from opensend.core.tests.factories import UserFactory

TOKEN = re.compile(r"^osk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$")


def _entries(object_type="api.apitoken"):
    return list(AccessLogEntry.objects.filter(object_type=object_type).order_by("seq"))


@pytest.mark.django_db
class TestCreate:
    def test_returns_the_secret_and_stores_only_its_hash(self, coordinator):
        token, secret = services.api_token_create(
            acting_user=None, user=coordinator, name="  Case   system ", days=30
        )
        assert TOKEN.match(secret)
        assert secret.startswith(token.prefix + "_")
        assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert token.name == "Case system"
        stored = ApiToken.objects.values()[0]
        assert all(secret not in str(value) for value in stored.values())
        assert token.expires_at - token.created_at == dt.timedelta(days=30)
        assert token.state() == ApiTokenState.ACTIVE

    def test_each_token_is_different(self, coordinator):
        secrets = {
            services.api_token_create(acting_user=None, user=coordinator, name=f"T{n}")[1]
            for n in range(5)
        }
        assert len(secrets) == 5
        assert ApiToken.objects.values("prefix").distinct().count() == 5

    def test_lasts_ninety_days_unless_told(self, coordinator):
        token, _ = services.api_token_create(acting_user=None, user=coordinator, name="Default")
        assert token.expires_at - token.created_at == dt.timedelta(days=90)

    def test_is_written_to_the_access_log(self, coordinator):
        admin = UserFactory()
        token, secret = services.api_token_create(
            acting_user=admin, user=coordinator, name="Case system", days=7
        )
        [entry] = _entries()
        assert (entry.action, entry.actor, entry.object_id) == (
            AccessAction.ADMIN,
            admin,
            str(token.pk),
        )
        created = entry.detail["api_token_created"]
        assert created["prefix"] == token.prefix
        assert created["user"] == coordinator.email
        assert secret not in entry.detail_json
        assert token.secret_hash not in entry.detail_json
        assert list(
            AccessLogSubject.objects.filter(entry=entry).values_list("subject_type", "subject_id")
        ) == [("core.user", str(coordinator.pk))]

    @pytest.mark.parametrize(
        ("name", "days", "field", "message"),
        [
            ("", 30, "name", "Give the token a name"),
            ("   ", 30, "name", "Give the token a name"),
            ("x" * 101, 30, "name", "at most 100 characters; this one has 101"),
            ("Fine", 0, "days", "from 1 to 366 days; 0 is outside"),
            ("Fine", 367, "days", "from 1 to 366 days; 367 is outside"),
            ("Fine", -5, "days", "-5 is outside"),
        ],
    )
    def test_refuses_bad_input_saying_why(self, coordinator, name, days, field, message):
        with pytest.raises(ValidationError) as error:
            services.api_token_create(acting_user=None, user=coordinator, name=name, days=days)
        assert message in " ".join(error.value.message_dict[field])
        assert not ApiToken.objects.exists()
        assert not _entries()

    def test_refuses_an_inactive_user(self, coordinator):
        type(coordinator).objects.filter(pk=coordinator.pk).update(is_active=False)
        coordinator.refresh_from_db()
        with pytest.raises(ValidationError, match="is not an active user"):
            services.api_token_create(acting_user=None, user=coordinator, name="X")
        assert not ApiToken.objects.exists()


@pytest.mark.django_db
class TestRevoke:
    def test_revokes_and_logs(self, coordinator):
        token, _ = services.api_token_create(acting_user=None, user=coordinator, name="X")
        admin = UserFactory()
        revoked = services.api_token_revoke(acting_user=admin, token=token)
        assert revoked.revoked_at is not None
        assert revoked.revoked_by == admin
        assert revoked.state() == ApiTokenState.REVOKED
        entry = _entries()[-1]
        assert (entry.action, entry.actor) == (AccessAction.ADMIN, admin)
        assert entry.detail["api_token_revoked"]["prefix"] == token.prefix

    def test_revoking_twice_is_refused_and_changes_nothing(self, coordinator):
        token, _ = services.api_token_create(acting_user=None, user=coordinator, name="X")
        first = services.api_token_revoke(acting_user=None, token=token)
        with pytest.raises(ValidationError, match=f"{token.prefix} was already revoked"):
            services.api_token_revoke(acting_user=None, token=token)
        token.refresh_from_db()
        assert token.revoked_at == first.revoked_at
        assert len(_entries()) == 2  # created, revoked once

    def test_state_over_time(self, coordinator):
        token, _ = services.api_token_create(acting_user=None, user=coordinator, name="X", days=1)
        assert token.state(token.expires_at - dt.timedelta(seconds=1)) == ApiTokenState.ACTIVE
        assert token.state(token.expires_at) == ApiTokenState.EXPIRED


@pytest.mark.django_db
class TestCommand:
    def test_create_prints_the_token_once_and_stores_its_hash(self, coordinator, capsys):
        call_command(
            "api_token",
            "create",
            "--user",
            coordinator.email.upper(),
            "--name",
            "MIS",
            "--days",
            "10",
        )
        out = capsys.readouterr().out
        secrets = [line for line in out.splitlines() if TOKEN.match(line)]
        assert len(secrets) == 1
        secret = secrets[0]
        assert out.count(secret) == 1
        assert "cannot be shown again" in out
        token = ApiToken.objects.get()
        assert token.user == coordinator
        assert token.name == "MIS"
        assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert token.expires_at - token.created_at == dt.timedelta(days=10)
        assert f"Created API token {token.prefix} (MIS) for {coordinator.email}" in out
        # The token printed is the one that works.
        assert services.api_token_authenticate(presented=secret).pk == token.pk

    def test_list_shows_prefixes_and_states_never_secrets(self, coordinator, capsys):
        active, active_secret = services.api_token_create(
            acting_user=None, user=coordinator, name="Active one"
        )
        revoked, revoked_secret = services.api_token_create(
            acting_user=None, user=coordinator, name="Old one"
        )
        services.api_token_revoke(acting_user=None, token=revoked)
        services.api_token_create(acting_user=None, user=UserFactory(), name="Someone else's")
        call_command("api_token", "list", "--user", coordinator.email)
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].split() == ["PREFIX", "STATE", "CREATED", "EXPIRES", "LAST", "USED", "NAME"]
        assert len(lines) == 3
        by_prefix = {line.split()[0]: line for line in lines[1:]}
        assert "active" in by_prefix[active.prefix]
        assert by_prefix[active.prefix].endswith("Active one")
        assert "revoked" in by_prefix[revoked.prefix]
        text = "\n".join(lines)
        assert active_secret not in text
        assert revoked_secret not in text
        assert "Someone else's" not in text

    def test_list_for_a_user_without_tokens(self, coordinator, capsys):
        call_command("api_token", "list", "--user", coordinator.email)
        assert capsys.readouterr().out.strip() == f"{coordinator.email} has no API tokens."

    def test_revoke_by_prefix(self, coordinator, capsys):
        token, secret = services.api_token_create(acting_user=None, user=coordinator, name="MIS")
        call_command("api_token", "revoke", token.prefix.upper())
        out = capsys.readouterr().out
        assert out.strip() == f"Revoked API token {token.prefix} (MIS) of {coordinator.email}."
        with pytest.raises(services.TokenRefused) as refused:
            services.api_token_authenticate(presented=secret)
        assert refused.value.code == "token_revoked"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["create", "--user", "nobody@example.org", "--name", "X"], "No user with the email"),
            (["create", "--user", "{email}", "--name", " "], "Give the token a name"),
            (["create", "--user", "{email}", "--name", "X", "--days", "400"], "from 1 to 366"),
            (["list", "--user", "nobody@example.org"], "No user with the email"),
            (["revoke", "osk_zzzzzzzz"], "No API token with the prefix osk_zzzzzzzz"),
        ],
    )
    def test_errors_are_clear(self, coordinator, args, message):
        filled = [arg.format(email=coordinator.email) for arg in args]
        with pytest.raises(CommandError, match=message):
            call_command("api_token", *filled)
        assert not ApiToken.objects.exists()

    def test_revoking_a_revoked_token_says_when(self, coordinator):
        token, _ = services.api_token_create(acting_user=None, user=coordinator, name="MIS")
        services.api_token_revoke(acting_user=None, token=token)
        when = f"{timezone.localtime(ApiToken.objects.get().revoked_at):%-d %B %Y}"
        with pytest.raises(CommandError, match=f"already revoked on {when}"):
            call_command("api_token", "revoke", token.prefix)


@pytest.mark.django_db
def test_selectors_list_a_users_tokens_newest_first(coordinator):
    first, _ = services.api_token_create(acting_user=None, user=coordinator, name="First")
    second, _ = services.api_token_create(acting_user=None, user=coordinator, name="Second")
    assert list(selectors.api_tokens_for_user(user=coordinator)) == [second, first]
    assert selectors.api_token_by_prefix(prefix=f" {first.prefix.upper()} ") == first
    assert selectors.api_token_by_prefix(prefix="osk_nothere") is None
