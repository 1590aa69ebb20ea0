"""Who may call the API: tokens (valid, wrong, malformed, expired, revoked, of an inactive
user, missing), the browser session, and CSRF for unsafe methods."""

import datetime as dt

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.utils import timezone

from opensend.api import services
from opensend.api.auth import BrowserSession, Caller
from opensend.api.errors import ApiError
from opensend.api.models import ApiToken
from opensend.api.tests.conftest import TokenClient, token_for
from opensend.core import services as core_services
from opensend.core.roles import Role
from opensend.core.tests.factories import UserFactory

ME = "/api/v1/me"


def _bearer(value):
    return Client().get(ME, headers={"Authorization": value})


@pytest.mark.django_db
class TestToken:
    def test_a_valid_token_acts_as_its_user(self, coordinator):
        response = TokenClient(token_for(coordinator)).get(ME)
        assert response.status_code == 200
        body = response.json()
        assert body["user"]["email"] == coordinator.email
        assert body["authentication"]["method"] == "token"
        assert body["authentication"]["token_prefix"].startswith("osk_")

    def test_the_scheme_is_case_insensitive(self, coordinator):
        secret = token_for(coordinator)
        assert _bearer(f"bearer {secret}").status_code == 200

    @pytest.mark.parametrize(
        ("header", "code"),
        [
            ("Bearer osk_abcdefgh_" + "A" * 43, "token_invalid"),  # well formed, never issued
            ("Bearer not-a-token", "token_invalid"),
            ("Bearer ", "authorization_header_invalid"),
            ("Basic dXNlcjpwYXNz", "authorization_header_invalid"),
            ("Token osk_abcdefgh_" + "A" * 43, "authorization_header_invalid"),
        ],
    )
    def test_a_wrong_token_is_refused_saying_why(self, coordinator, header, code):
        response = _bearer(header)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json()["code"] == code
        assert response.json()["detail"]
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_a_token_one_character_short_is_refused(self, coordinator):
        secret = token_for(coordinator)
        response = _bearer(f"Bearer {secret[:-1]}")
        assert (response.status_code, response.json()["code"]) == (401, "token_invalid")
        assert "copied in full" in response.json()["detail"]

    def test_an_expired_token_is_refused_with_its_expiry_date(self, coordinator):
        secret = token_for(coordinator, days=1)
        token = ApiToken.objects.get()
        later = token.expires_at + dt.timedelta(seconds=1)
        with pytest.raises(services.TokenRefused) as refused:
            services.api_token_authenticate(presented=secret, at=later)
        assert refused.value.code == "token_expired"
        expiry = f"{timezone.localtime(token.expires_at):%-d %B %Y}"
        assert refused.value.message == (
            f"This API token ({token.prefix}) expired on {expiry}. Ask for a new one."
        )

    def test_an_expired_token_is_refused_over_http(self, coordinator):
        secret = token_for(coordinator)
        token = ApiToken.objects.get()
        # Backdate the token through the same path a clock would take it.
        ApiToken.objects.filter(pk=token.pk).update(
            created_at=timezone.now() - dt.timedelta(days=40),
            expires_at=timezone.now() - dt.timedelta(days=10),
        )
        response = _bearer(f"Bearer {secret}")
        assert response.status_code == 401
        assert response.json()["code"] == "token_expired"
        assert "expired on" in response.json()["detail"]

    def test_a_revoked_token_is_refused(self, coordinator):
        secret = token_for(coordinator)
        services.api_token_revoke(acting_user=None, token=ApiToken.objects.get())
        response = _bearer(f"Bearer {secret}")
        assert response.status_code == 401
        body = response.json()
        assert body["code"] == "token_revoked"
        assert "was revoked on" in body["detail"]
        assert "Ask for a new one" in body["detail"]

    def test_the_token_of_an_inactive_user_is_refused(self, coordinator):
        secret = token_for(coordinator)
        type(coordinator).objects.filter(pk=coordinator.pk).update(is_active=False)
        response = _bearer(f"Bearer {secret}")
        assert (response.status_code, response.json()["code"]) == (401, "user_inactive")

    def test_no_token_and_no_session_is_refused(self, db):
        response = Client().get(ME)
        assert response.status_code == 401
        assert response.json() == {
            "detail": "Sign in to use the API from a browser, or send an API token in the "
            "Authorization header: Authorization: Bearer <token>.",
            "code": "not_authenticated",
        }

    def test_a_bad_token_is_refused_even_with_a_session(self, coordinator):
        client = Client()
        client.force_login(coordinator)
        response = client.get(ME, headers={"Authorization": "Bearer nonsense"})
        assert (response.status_code, response.json()["code"]) == (401, "token_invalid")

    def test_last_used_is_noted_at_most_once_a_minute(self, coordinator):
        secret = token_for(coordinator)
        token = ApiToken.objects.get()
        assert token.last_used_at is None
        first = timezone.now()
        services.api_token_authenticate(presented=secret, at=first)
        token.refresh_from_db()
        assert token.last_used_at == first
        services.api_token_authenticate(presented=secret, at=first + dt.timedelta(seconds=30))
        token.refresh_from_db()
        assert token.last_used_at == first
        later = first + dt.timedelta(minutes=2)
        services.api_token_authenticate(presented=secret, at=later)
        token.refresh_from_db()
        assert token.last_used_at == later

    def test_a_request_notes_last_used(self, coordinator):
        client = TokenClient(token_for(coordinator))
        before = timezone.now()
        assert client.get(ME).status_code == 200
        token = ApiToken.objects.get()
        assert token.last_used_at is not None
        assert token.last_used_at >= before


@pytest.mark.django_db
class TestSession:
    def test_a_signed_in_browser_uses_its_session(self, coordinator):
        client = Client()
        client.force_login(coordinator)
        response = client.get(ME)
        assert response.status_code == 200
        assert response.json()["authentication"] == {
            "method": "session",
            "token_prefix": None,
            "token_name": None,
            "token_expires_at": None,
        }

    def test_a_session_that_ended_is_refused(self, coordinator):
        client = Client()
        client.force_login(coordinator)
        client.logout()
        assert client.get(ME).status_code == 401

    def test_a_deactivated_user_loses_their_session(self, coordinator):
        client = Client()
        client.force_login(coordinator)
        type(coordinator).objects.filter(pk=coordinator.pk).update(is_active=False)
        assert client.get(ME).json()["code"] == "not_authenticated"

    def _request(self, method, user, csrf=None):
        factory = RequestFactory()
        request = factory.generic(method, ME)
        request.user = user
        request.COOKIES["sessionid"] = "a-session"
        if csrf is not None:
            token = get_token(request)
            request.COOKIES["csrftoken"] = token
            request.META["HTTP_X_CSRFTOKEN"] = token if csrf else "wrong" * 8
        return request

    def test_a_safe_method_needs_no_csrf_token(self, coordinator):
        caller = BrowserSession()(self._request("GET", coordinator))
        assert caller == Caller(user=coordinator, method="session")

    def test_an_unsafe_method_without_the_csrf_token_is_refused(self, coordinator):
        for sent in (None, False):
            with pytest.raises(ApiError) as refused:
                BrowserSession()(self._request("POST", coordinator, csrf=sent))
            assert (refused.value.status, refused.value.code) == (403, "csrf_failed")
            assert "X-CSRFToken" in refused.value.detail

    def test_an_unsafe_method_with_the_csrf_token_is_allowed(self, coordinator):
        caller = BrowserSession()(self._request("POST", coordinator, csrf=True))
        assert caller is not None and caller.user == coordinator

    def test_anonymous_is_not_a_session(self, db):
        from django.contrib.auth.models import AnonymousUser

        request = RequestFactory().post(ME)
        request.user = AnonymousUser()
        assert BrowserSession()(request) is None

    def test_a_token_stops_reaching_children_when_its_users_membership_ends(self, world):
        user = UserFactory()
        membership = core_services.membership_grant(
            acting_user=None,
            user=user,
            organisation=world.council,
            roles=[Role.EHC_COORDINATOR],
            areas=[world.area],
            starts_on=dt.date(2020, 1, 6),
        )
        client = TokenClient(token_for(user))
        record = f"/api/v1/children/{world.pupil.pk}"
        assert client.get(record).status_code == 200
        core_services.membership_end(
            acting_user=None, membership=membership, on=timezone.localdate() - dt.timedelta(days=1)
        )
        response = client.get(record)
        assert response.status_code == 403
        assert response.json()["code"] == "no_legitimate_relationship"
