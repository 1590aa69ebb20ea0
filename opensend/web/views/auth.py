"""Signing in (password, then a TOTP security code for users who have set one up), signing
out, and setting up or removing the second factor."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from opensend.core.models import SignInFailure, User
from opensend.web.forms import CodeForm, SignInForm
from opensend.web.shell import signed_in_user

logger = logging.getLogger(__name__)

#: Failed attempts allowed for one email address in the window before sign-in is paused.
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
#: How long the password step stays valid while the user finds their security code.
PENDING_LIFETIME = dt.timedelta(minutes=5)
PENDING_KEY = "opensend_pending_sign_in"


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("web:home")


def _recent_failures(email: str) -> int:
    since = timezone.now() - FAILURE_WINDOW
    return SignInFailure.objects.filter(email=email, occurred_at__gte=since).count()


THROTTLED = "Too many wrong codes in a row. Wait a minute, then enter the code your app shows"


def _check_code(device: TOTPDevice, form: CodeForm) -> bool:
    """Verify the code, explaining a refusal: wrong, or too soon after wrong ones (django-otp
    doubles the wait after each wrong code)."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        form.add_error("code", THROTTLED)
        return False
    if device.verify_token(form.cleaned_data["code"]):
        return True
    form.add_error(
        "code", "The security code is not right. Check your authenticator app and try again"
    )
    return False


def _confirmed_device(user: User) -> TOTPDevice | None:
    device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device


@login_not_required
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitoring: answers when the application and database are up."""
    User.objects.exists()
    return HttpResponse("ok", content_type="text/plain")


class SignInView(View):
    template = "web/sign_in.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect(_safe_next(request))
        return self._page(request, SignInForm())

    def _page(self, request: HttpRequest, form: SignInForm, locked: bool = False) -> HttpResponse:
        return render(
            request,
            self.template,
            {
                "page_title": "Sign in",
                "form": form,
                "next": _safe_next(request),
                "locked": locked,
                "page_has_errors": bool(form.errors) or locked,
            },
            status=200 if not (form.errors or locked) else 400,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SignInForm(request.POST)
        if not form.is_valid():
            return self._page(request, form)
        email = form.cleaned_data["email"].strip().lower()
        if _recent_failures(email) >= MAX_FAILURES:
            logger.warning("Sign-in paused after repeated failures for %s", email)
            return self._page(request, form, locked=True)
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            SignInFailure.objects.create(email=email, ip_address=request.META.get("REMOTE_ADDR"))
            form.add_error("email", "Enter a correct email address and password")
            return self._page(request, form)
        SignInFailure.objects.filter(email=email).delete()
        if not isinstance(user, User):  # only our ModelBackend is configured
            raise TypeError("Unexpected user model from the authentication backend")
        if _confirmed_device(user) is not None:
            request.session[PENDING_KEY] = {
                "user_id": user.pk,
                "at": timezone.now().isoformat(),
                "next": _safe_next(request),
            }
            return redirect("web:sign-in-code")
        login(request, user)
        logger.info("Signed in: %s", user.email)
        return redirect(_safe_next(request))


class SignInCodeView(View):
    """The second step for users with an authenticator app."""

    template = "web/sign_in_code.html"

    def _pending(self, request: HttpRequest) -> tuple[User, str] | None:
        pending: dict[str, Any] | None = request.session.get(PENDING_KEY)
        if not pending:
            return None
        started = dt.datetime.fromisoformat(pending["at"])
        if timezone.now() - started > PENDING_LIFETIME:
            request.session.pop(PENDING_KEY, None)
            return None
        user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
        if user is None:
            return None
        return user, pending["next"]

    def _page(self, request: HttpRequest, form: CodeForm) -> HttpResponse:
        return render(
            request,
            self.template,
            {
                "page_title": "Enter your security code",
                "form": form,
                "page_has_errors": bool(form.errors),
            },
            status=400 if form.errors else 200,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        if self._pending(request) is None:
            messages.info(request, "Your sign-in timed out. Sign in again.")
            return redirect("web:sign-in")
        return self._page(request, CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        pending = self._pending(request)
        if pending is None:
            messages.info(request, "Your sign-in timed out. Sign in again.")
            return redirect("web:sign-in")
        user, next_url = pending
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._page(request, form)
        if _recent_failures(user.email) >= MAX_FAILURES:
            request.session.pop(PENDING_KEY, None)
            messages.info(request, "Too many wrong codes. Wait 15 minutes, then sign in again.")
            return redirect("web:sign-in")
        device = _confirmed_device(user)
        if device is None or not _check_code(device, form):
            SignInFailure.objects.create(
                email=user.email, ip_address=request.META.get("REMOTE_ADDR")
            )
            return self._page(request, form)
        request.session.pop(PENDING_KEY, None)
        SignInFailure.objects.filter(email=user.email).delete()
        login(request, user)
        otp_login(request, device)
        logger.info("Signed in with a second factor: %s", user.email)
        return redirect(next_url)


class SignOutView(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        messages.success(request, "You have signed out.")
        return redirect("web:sign-in")


def _qr_svg(uri: str) -> str:
    return str(
        segno.make(uri, error="m").svg_inline(
            scale=5, dark="#0b0c0c", light="#ffffff", omitsize=False
        )
    )


class AccountView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        memberships = (
            user.memberships.current()
            .select_related("organisation")
            .prefetch_related("areas", "role_links")
        )
        return render(
            request,
            "web/account.html",
            {
                "page_title": "Your account",
                "account": user,
                "memberships": memberships,
                "has_two_factor": _confirmed_device(user) is not None,
            },
        )


class TwoFactorSetUpView(View):
    """Set up an authenticator app: scan the QR code (or type the key), then enter a code."""

    template = "web/two_factor.html"

    def _device(self, user: User) -> TOTPDevice:
        device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        return device

    def _page(self, request: HttpRequest, form: CodeForm, device: TOTPDevice) -> HttpResponse:
        secret = base64.b32encode(device.bin_key).decode("ascii")
        return render(
            request,
            self.template,
            {
                "page_title": "Set up an authenticator app",
                "form": form,
                "qr_svg": _qr_svg(device.config_url),
                "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
                "issuer": settings.OTP_TOTP_ISSUER,
                "page_has_errors": bool(form.errors),
            },
            status=400 if form.errors else 200,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        if _confirmed_device(user) is not None:
            return redirect("web:account")
        return self._page(request, CodeForm(), self._device(user))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        device = self._device(user)
        form = CodeForm(request.POST)
        if form.is_valid() and _check_code(device, form):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            logger.info("Second factor set up: %s", user.email)
            messages.success(
                request,
                "Your authenticator app is set up. "
                "You will need a code from it each time you sign in.",
            )
            return redirect("web:account")
        return self._page(request, form, device)


class TwoFactorRemoveView(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        form = CodeForm(request.POST)
        device = _confirmed_device(user)
        if device is None:
            return redirect("web:account")
        if form.is_valid() and _check_code(device, form):
            TOTPDevice.objects.filter(user=user).delete()
            logger.info("Second factor removed: %s", user.email)
            messages.success(
                request,
                "Your authenticator app has been removed. "
                "You will sign in with your password only.",
            )
            return redirect("web:account")
        messages.info(
            request, "The security code was not right, so your authenticator app is still set up."
        )
        return HttpResponseRedirect(reverse("web:account"))
