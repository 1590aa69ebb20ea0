"""Browser tests: the real pages, served by pytest-django's live server, driven in headless
Chromium through Playwright, and each checked with axe-core.

One browser per test session (so one per xdist worker); each test gets a fresh browser
context (its own cookies) and page. Without Chromium or axe-core the tests are skipped with
the reason, except in CI (``CI=true``), where a missing tool is a failure.

Fixtures:
    page        a Playwright page whose relative URLs go to the live server
    check       ``check("what")``: the page is styled, its scripts ran without error, nothing
                it loaded failed, and axe-core finds no violation of WCAG 2.2 AA or best practice
    sign_in_as  ``sign_in_as(user)``: give the page's browser a signed-in session

The root ``conftest.py`` loads this module as a pytest plugin, so browser tests in any app
use the same fixtures and the same Chromium. Run them alone with
``pytest -m browser -n 2``. ``OPENSEND_CHROMIUM`` names a Chromium other than the system
one; axe-core comes from ``node_modules`` (``npm ci``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from django.conf import settings
from django.test import Client

from opensend.web.tests.browser import axe

# Playwright's sync API runs an event loop in the test thread; the tests still use the
# database synchronously from that thread, which Django would otherwise refuse.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

IN_CI = os.environ.get("CI", "").lower() == "true"

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The machines these run on may have no network: stop Chromium calling home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: How long one step may take before Playwright gives up (milliseconds).
STEP_TIMEOUT_MS = 10_000

#: Set on the skip link once GOV.UK Frontend's JavaScript has started it.
FRONTEND_STARTED = "document.querySelector('.govuk-skip-link[data-govuk-skip-link-init]') !== null"

STYLED = """
() => {
  const sheet = [...document.styleSheets].find(
    (s) => s.href && new URL(s.href).pathname === "/static/web/build/opensend.css");
  return {
    loaded: Boolean(sheet) && sheet.cssRules.length > 100,
    font: getComputedStyle(document.querySelector(".govuk-footer") || document.body).fontFamily,
  };
}
"""


def chromium_path() -> str:
    """The system Chromium (Debian's); ``OPENSEND_CHROMIUM`` names another."""
    configured = os.environ.get("OPENSEND_CHROMIUM")
    if configured:
        if not Path(configured).is_file():
            _missing(f"OPENSEND_CHROMIUM is {configured}, and there is no browser there")
        return configured
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        _missing("Chromium is not installed (apt-get install chromium, or set OPENSEND_CHROMIUM)")
    return found


def _missing(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not axe.AXE_SCRIPT.exists():
        _missing("axe-core is not installed: run `npm ci` to get node_modules/axe-core/axe.min.js")
    return axe.AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=LAUNCH_ARGS
        )
    except Exception as error:
        playwright.stop()
        _missing(f"Chromium at {executable} would not start: {error}")
    yield browser
    browser.close()
    playwright.stop()


@dataclass
class Watch:
    """What went wrong in the page besides its own content: script errors, and anything it
    loaded (styles, scripts, images, fonts) that failed."""

    problems: list[str] = field(default_factory=list)

    def on_response(self, response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")

    def on_request_failed(self, request: Any) -> None:
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def on_page_error(self, error: Any) -> None:
        self.problems.append(f"script error: {error}")

    def on_console(self, message: Any) -> None:
        # Chromium logs every 4xx/5xx response, including the error pages themselves;
        # failed resources are caught by on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console error: {message.text}")


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(chromium: Any, live_server: Any, watch: Watch) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    tab = context.new_page()
    tab.on("response", watch.on_response)
    tab.on("requestfailed", watch.on_request_failed)
    tab.on("pageerror", watch.on_page_error)
    tab.on("console", watch.on_console)
    yield tab
    context.close()


@pytest.fixture
def check(page: Any, watch: Watch, axe_source: str) -> Callable[[str], None]:
    def check(where: str) -> None:
        description = f"{where} ({page.url})"
        page.wait_for_load_state("load")
        page.wait_for_function(FRONTEND_STARTED)
        styled = page.evaluate(STYLED)
        assert styled["loaded"], f"the OpenSEND stylesheet did not load on {description}"
        assert "arial" in styled["font"].lower(), f"unstyled text on {description}: {styled}"
        assert not watch.problems, f"problems on {description}: " + "; ".join(watch.problems)
        found = axe.violations(page, axe_source)
        assert not found, axe.describe(found, description)

    return check


@pytest.fixture
def sign_in_as(page: Any, live_server: Any) -> Callable[[Any], None]:
    """Sign a user in without the form (the sign-in tests use the form): a session made
    the way Django's test client makes one, handed to the browser as its cookie."""

    def sign_in_as(user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": live_server.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )

    return sign_in_as
