import datetime as dt

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from opensend.core.models import SignInFailure
from opensend.core.tests.factories import UserFactory
from opensend.web.views.auth import MAX_FAILURES, PENDING_KEY

PASSWORD = "correct horse battery staple"


def _code(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + offset
    return f"{totp.token():06d}"


@pytest.mark.django_db
class TestSignIn:
    def test_every_page_needs_a_signed_in_user(self, client):
        response = client.get("/children/?q=smith")
        assert response.status_code == 302
        assert response["Location"] == "/sign-in/?next=/children/%3Fq%3Dsmith"

    def test_sign_in_and_go_where_you_were_going(self, client):
        user = UserFactory(email="casey@example.org")
        response = client.post(
            "/sign-in/", {"email": "Casey@Example.org", "password": PASSWORD, "next": "/account/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/account/"
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_next_cannot_leave_the_site(self, client):
        UserFactory(email="casey@example.org")
        response = client.post(
            "/sign-in/",
            {"email": "casey@example.org", "password": PASSWORD, "next": "https://evil.example/"},
        )
        assert response["Location"] == "/"

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"email": "", "password": ""}, "Enter your email address"),
            (
                {"email": "not-an-email", "password": "x"},
                "Enter an email address in the correct format",
            ),
            (
                {"email": "casey@example.org", "password": "wrong"},
                "Enter a correct email address and password",
            ),
        ],
    )
    def test_errors_are_specific_and_summarised(self, client, data, message):
        UserFactory(email="casey@example.org")
        response = client.post("/sign-in/", data)
        assert response.status_code == 400
        body = response.content.decode()
        assert "There is a problem" in body
        assert message in body
        assert "<title>Error: Sign in" in body

    def test_repeated_failures_pause_sign_in(self, client):
        UserFactory(email="casey@example.org")
        for _ in range(MAX_FAILURES):
            client.post("/sign-in/", {"email": "casey@example.org", "password": "wrong"})
        response = client.post("/sign-in/", {"email": "casey@example.org", "password": PASSWORD})
        assert response.status_code == 400
        assert "too many attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session
        SignInFailure.objects.update(occurred_at=timezone.now() - dt.timedelta(minutes=16))
        response = client.post("/sign-in/", {"email": "casey@example.org", "password": PASSWORD})
        assert response.status_code == 302
        assert not SignInFailure.objects.exists()

    def test_an_inactive_user_cannot_sign_in(self, client):
        user = UserFactory(email="casey@example.org")
        user.is_active = False
        user.save()
        response = client.post("/sign-in/", {"email": "casey@example.org", "password": PASSWORD})
        assert response.status_code == 400

    def test_sign_out_is_a_post(self, client):
        user = UserFactory()
        client.force_login(user)
        assert client.get("/sign-out/").status_code == 405
        response = client.post("/sign-out/")
        assert response["Location"] == "/sign-in/"
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
class TestTwoFactor:
    def _set_up(self, client, user):
        client.force_login(user)
        page = client.get("/account/two-factor/")
        assert page.status_code == 200
        assert "<svg" in page.content.decode()
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        wrong = client.post(
            "/account/two-factor/", {"code": "000000" if _code(device) != "000000" else "111111"}
        )
        assert wrong.status_code == 400
        assert "The security code is not right" in wrong.content.decode()
        throttled = client.post("/account/two-factor/", {"code": _code(device)})
        assert "Too many wrong codes in a row" in throttled.content.decode()
        device.refresh_from_db()
        device.throttle_reset()
        done = client.post("/account/two-factor/", {"code": _code(device)})
        assert done["Location"] == "/account/"
        device.refresh_from_db()
        assert device.confirmed
        client.post("/sign-out/")
        return device

    def test_sign_in_asks_for_the_code_and_checks_it(self, client):
        user = UserFactory(email="casey@example.org")
        device = self._set_up(client, user)
        response = client.post(
            "/sign-in/", {"email": "casey@example.org", "password": PASSWORD, "next": "/account/"}
        )
        assert response["Location"] == "/sign-in/code/"
        assert "_auth_user_id" not in client.session
        bad = client.post("/sign-in/code/", {"code": "12345"})
        assert "The security code is 6 digits" in bad.content.decode()
        wrong = client.post(
            "/sign-in/code/", {"code": "000000" if _code(device) != "000000" else "111111"}
        )
        assert "The security code is not right" in wrong.content.decode()
        assert "_auth_user_id" not in client.session
        device.refresh_from_db()
        device.throttle_reset()
        good = client.post("/sign-in/code/", {"code": _code(device, offset=30)})
        assert good["Location"] == "/account/"
        assert client.session["_auth_user_id"] == str(user.pk)
        assert PENDING_KEY not in client.session

    def test_the_code_step_times_out(self, client):
        user = UserFactory(email="casey@example.org")
        self._set_up(client, user)
        client.post("/sign-in/", {"email": "casey@example.org", "password": PASSWORD})
        session = client.session
        session[PENDING_KEY]["at"] = (timezone.now() - dt.timedelta(minutes=6)).isoformat()
        session.save()
        response = client.get("/sign-in/code/")
        assert response["Location"] == "/sign-in/"

    def test_the_code_page_without_a_password_step_goes_back(self, client):
        assert client.get("/sign-in/code/")["Location"] == "/sign-in/"

    def test_removing_needs_a_current_code(self, client):
        user = UserFactory()
        device = self._set_up(client, user)
        client.force_login(user)
        client.post(
            "/account/two-factor/remove/",
            {"code": "999999" if _code(device) != "999999" else "888888"},
        )
        assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        device.refresh_from_db()
        device.throttle_reset()
        client.post("/account/two-factor/remove/", {"code": _code(device, offset=30)})
        assert not TOTPDevice.objects.filter(user=user).exists()
