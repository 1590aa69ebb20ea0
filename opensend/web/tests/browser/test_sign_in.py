"""Signing in with a password, and with a password and an authenticator app."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from opensend.core.models import SignInFailure
from opensend.web.tests.browser.data import PASSWORD, totp_code, wrong_code

pytestmark = pytest.mark.browser

WRONG_PASSWORD = "Enter a correct email address and password"


def _fill_sign_in(page, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_with_a_wrong_password_then_the_right_one(page, check, coordinator):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to OpenSEND")
    expect(page).to_have_title("Sign in – OpenSEND")
    expect(page.get_by_role("navigation")).to_have_count(0)  # nothing to navigate to yet
    check("the sign-in page")

    _fill_sign_in(page, coordinator.email, "not the password")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # GOV.UK Frontend takes the user straight to the problem
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    link = summary.get_by_role("link")
    expect(link).to_have_text([WRONG_PASSWORD])  # once, though it is about the whole form
    expect(link).to_have_attribute("href", "#id_email")
    expect(page.locator("#id_email-error")).to_have_text(f"Error: {WRONG_PASSWORD}")
    expect(page.get_by_label("Email address")).to_have_attribute(
        "aria-describedby", re.compile(r"\bid_email-error\b")
    )
    expect(page.get_by_label("Email address")).to_have_value(coordinator.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page).to_have_title("Error: Sign in – OpenSEND")
    check("the sign-in page showing an error")
    assert SignInFailure.objects.filter(email=coordinator.email).count() == 1

    link.click()
    expect(page.get_by_label("Email address")).to_be_focused()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Halford Vale at a glance")
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert not SignInFailure.objects.filter(email=coordinator.email).exists()


def test_sign_in_takes_you_where_you_were_going(page, coordinator):
    page.goto("/children/?q=smith")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/children/%3Fq%3Dsmith$"))
    _fill_sign_in(page, coordinator.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/children/\?q=smith$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")
    expect(page.get_by_label("Name, UPN, NHS number or date of birth")).to_have_value("smith")


def test_set_up_an_authenticator_app_then_sign_in_with_it(page, check, coordinator, sign_in_as):
    sign_in_as(coordinator)
    page.goto("/account/")
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    expect(page.get_by_text("You sign in with your password only.")).to_be_visible()
    check("the account page without an authenticator app")

    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check("the authenticator set-up page")
    key = base64.b32decode(page.locator("#totp-key").inner_text().replace(" ", ""))
    assert key == TOTPDevice.objects.get(user=coordinator, confirmed=False).bin_key

    page.get_by_label("Security code").fill(totp_code(key))
    page.get_by_role("button", name="Finish setting up").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "Your authenticator app is set up"
    )
    expect(page.get_by_text("You sign in with your password and a security code")).to_be_visible()
    check("the account page with an authenticator app")
    assert TOTPDevice.objects.get(user=coordinator).confirmed

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    check("the sign-in page after signing out")

    _fill_sign_in(page, coordinator.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/sign-in/code/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    check("the security code page")

    page.get_by_label("Enter your security code").fill(wrong_code(key))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Error: Enter your security code – OpenSEND")
    message = "The security code is not right. Check your authenticator app and try again"
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    expect(page.locator("#id_code-error")).to_have_text(f"Error: {message}")
    check("the security code page showing an error")

    # django-otp makes the user wait a second after a wrong code before the next try.
    device = TOTPDevice.objects.get(user=coordinator)
    while not device.verify_is_allowed()[0]:
        time.sleep(0.1)
        device.refresh_from_db()
    # The code used to confirm the app cannot be used again, so take the next step's code.
    page.get_by_label("Enter your security code").fill(totp_code(key, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Halford Vale at a glance")
    page.goto("/account/")
    expect(page.get_by_text("You sign in with your password and a security code")).to_be_visible()
