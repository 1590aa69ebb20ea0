"""The documentation page in a real browser: it passes axe-core (WCAG 2.2 AA and best
practice) signed out, signed in, after trying operations and on a narrow screen; its forms
send requests and show the answers; and the browser asks for nothing outside the site."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from opensend.api.tests.conftest import token_for

#: The system Chromium; ``OPENSEND_CHROMIUM`` names another (as for the web's browser tests).
CHROMIUM = (
    os.environ.get("OPENSEND_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
)
#: No calling home: the machines these run on may have no network.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = settings.PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None or not Path(CHROMIUM).exists(),
        reason="needs Chromium (apt-get install chromium, or set OPENSEND_CHROMIUM)",
    ),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core (npm install)"),
]


def _violations(page):
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("tags => axe.run({runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        f"{violation['id']} ({violation['help']}) at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in result["violations"]
    ]


@pytest.fixture
def browser():
    """Started after the database work of a test's other fixtures: Playwright runs an event
    loop in this thread, and Django refuses database calls from one."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def signed_in_cookie(world):
    client = Client()
    client.force_login(world.coordinator)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def senco_token(world):
    return token_for(world.senco)


def _open(browser, live_server, cookie=None):
    context = browser.new_context()
    if cookie:
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    page = context.new_page()
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_load_state("networkidle")
    return page, outside


def _try(page, operation, **fields):
    form = page.locator(f"#op-{operation} ~ form")
    for name, value in fields.items():
        page.fill(f"#try-{operation}-{name}", value)
    form.locator("button").click()
    result = form.locator(".app-api-try__result")
    result.locator("pre").wait_for()
    return result.inner_text()


@pytest.mark.django_db(transaction=True)
def test_signed_out_the_page_passes_axe_and_stays_on_the_site(browser, live_server):
    page, outside = _open(browser, live_server)
    assert page.title() == "OpenSEND API documentation – OpenSEND"
    assert _violations(page) == []
    text = _try(page, "me")
    assert "Status 401" in text
    assert '"code": "not_authenticated"' in text
    assert outside == []


@pytest.mark.django_db(transaction=True)
def test_signed_in_the_forms_use_the_session(world, signed_in_cookie, live_server, browser):
    pupil = world.pupil.pk
    page, outside = _open(browser, live_server, signed_in_cookie)
    text = _try(page, "children_search", q="amira")
    assert "Status 200" in text
    assert f'"id": {pupil}' in text
    text = _try(page, "child_record", child_id=str(pupil))
    assert '"basis": "la_area"' in text
    text = _try(page, "child_record", child_id=str(world.elsewhere.pk))
    assert '"code": "no_legitimate_relationship"' in text
    assert _violations(page) == []
    page.set_viewport_size({"width": 320, "height": 900})
    assert _violations(page) == []
    assert outside == []


@pytest.mark.django_db(transaction=True)
def test_a_token_typed_into_the_page_is_used(world, senco_token, live_server, browser):
    page, _ = _open(browser, live_server)
    page.fill("#api-token", senco_token)
    text = _try(page, "me")
    assert f'"email": "{world.senco.email}"' in text
    assert '"method": "token"' in text


@pytest.mark.django_db(transaction=True)
def test_a_missing_address_part_is_asked_for(browser, live_server):
    page, _ = _open(browser, live_server)
    form = page.locator("#op-child_timeline ~ form")
    form.locator("button").click()
    assert "Enter child_id" in form.locator(".app-api-try__result").inner_text()
    assert page.evaluate("document.activeElement.id") == "try-child_timeline-child_id"
