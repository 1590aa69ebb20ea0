"""The SEN2 pages in the browser, each checked with axe-core: the area's page with its live
checks, generating a return that has an error, refusing its download until the user
confirms, the history, and a return ready to submit.

These follow ``opensend/web/tests/browser`` (its ``check``: styled, no script or resource
errors, no axe violation of WCAG 2.2 AA), but drive their own Chromium in a thread of their
own: the browser fixtures there belong to that folder, and a second Playwright cannot start
in a thread where one is already running when both sets run in one session.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from opensend.core.models import Organisation, User
from opensend.core.tests.factories import SettingFactory
from opensend.ehc.tests import factories as ehc
from opensend.people import services as people_services
from opensend.people.models import Child, RecordSource
from opensend.people.tests.factories import ChildFactory
from opensend.returns import services
from opensend.returns.sen2 import mapping
from opensend.web.tests.browser import axe
from opensend.web.tests.browser.fixtures import (
    FRONTEND_STARTED,
    IN_CI,
    LAUNCH_ARGS,
    STEP_TIMEOUT_MS,
    STYLED,
    Watch,
    chromium_path,
)

pytestmark = pytest.mark.browser

D = dt.date
#: How long a whole scenario may take.
SCENARIO_SECONDS = 120

Check = Callable[[str], None]
Scenario = Callable[[Any, Check, Watch], None]


def run_in_browser(live_server: Any, user: User, scenario: Scenario) -> None:
    """Run ``scenario(page, check, watch)`` signed in as ``user``, in a browser of its own."""
    executable = chromium_path()
    if not axe.AXE_SCRIPT.exists():
        reason = "axe-core is not installed: run `npm ci`"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    source = axe.AXE_SCRIPT.read_text(encoding="utf-8")
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    failures: list[BaseException] = []

    def drive() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, headless=True, args=LAUNCH_ARGS
                )
                try:
                    context = browser.new_context(base_url=live_server.url, locale="en-GB")
                    context.set_default_timeout(STEP_TIMEOUT_MS)
                    context.add_cookies(
                        [
                            {
                                "name": settings.SESSION_COOKIE_NAME,
                                "value": cookie,
                                "url": live_server.url,
                                "httpOnly": True,
                                "sameSite": "Lax",
                            }
                        ]
                    )
                    page = context.new_page()
                    watch = Watch()
                    page.on("response", watch.on_response)
                    page.on("requestfailed", watch.on_request_failed)
                    page.on("pageerror", watch.on_page_error)
                    page.on("console", watch.on_console)

                    def check(where: str) -> None:
                        description = f"{where} ({page.url})"
                        page.wait_for_load_state("load")
                        page.wait_for_function(FRONTEND_STARTED)
                        styled = page.evaluate(STYLED)
                        assert styled["loaded"], f"the stylesheet did not load on {description}"
                        assert not watch.problems, f"problems on {description}: " + "; ".join(
                            watch.problems
                        )
                        found = axe.violations(page, source)
                        assert not found, axe.describe(found, description)

                    scenario(page, check, watch)
                finally:
                    browser.close()
        except BaseException as error:  # reported in the test's own thread
            failures.append(error)

    thread = threading.Thread(target=drive, name="sen2-browser")
    thread.start()
    thread.join(SCENARIO_SECONDS)
    assert not thread.is_alive(), f"the browser scenario took over {SCENARIO_SECONDS} seconds"
    if failures:
        raise failures[0]


def _child(area, **identity) -> Child:
    identity.setdefault("ethnicity", "WBRI")
    identity.setdefault("home_postcode", "HV1 2AB")
    return cast(Child, ChildFactory(area=area, **identity))


def test_check_generate_and_download_the_return(live_server, coordinator, area):
    setting = cast(Organisation, SettingFactory(home_area=area, name="Hill Primary School"))
    child = _child(area, forename="Robin", surname="Returnova")
    people_services.placement_start(
        acting_user=None,
        child=child,
        setting=setting,
        start_date=D(2020, 9, 1),
        source=RecordSource.CENSUS,
    )
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    ehc.final_issued(ehc.draft_issued(request), setting=setting)  # no need recorded: an error
    latest = mapping.latest_collection_year(timezone.localdate())
    live = _child(area, forename="Kit", surname="Livecheck", ethnicity="")
    ehc.received(live, on=D(latest, 1, 5))
    downloads: list[str] = []

    def scenario(page: Any, check: Check, watch: Watch) -> None:
        page.goto("/imports/sen2/")
        expect(page.get_by_role("heading", level=1)).to_have_text("SEN2 return")
        problems = page.get_by_role("region", name="Problems by child")
        expect(problems).to_contain_text("Ethnicity is missing")
        expect(problems.get_by_role("link", name="Kit Livecheck")).to_be_visible()
        check("the SEN2 page with live checks")

        dmo = page.get_by_role(
            "group", name="Does the area have a designated medical officer (DMO)?"
        )
        dco = page.get_by_role(
            "group", name="Does the area have a designated clinical officer (DCO)?"
        )
        page.get_by_label("Collection year").select_option("2026")
        dmo.get_by_label("No").check()
        page.get_by_role("button", name="Generate the return").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Select yes if the area has a designated clinical officer"
        )
        check("the SEN2 page with a form error")

        dmo.get_by_label("No").check()
        dco.get_by_label("Yes").check()
        page.get_by_role("button", name="Generate the return").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("SEN2 return 2026")
        expect(page.get_by_text("This return has 1 error.")).to_be_visible()
        expect(page.get_by_role("link", name="Robin Returnova")).to_be_visible()
        check("a generated return with an error")

        page.get_by_role("button", name="Download with errors").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Confirm that you want to download the return with its errors"
        )
        check("a refused download")

        page.get_by_label("I understand this return has errors and want to download it").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download with errors").click()
        downloads.append(download.value.suggested_filename)
        # a download ends the navigation that started it, which Chromium reports as aborted
        watch.problems[:] = [p for p in watch.problems if "(net::ERR_ABORTED)" not in p]

        page.goto("/imports/sen2/history/")
        expect(page.get_by_role("region", name="Past SEN2 returns")).to_contain_text(
            "Errors to fix"
        )
        check("the SEN2 history")

    run_in_browser(live_server, coordinator, scenario)
    assert downloads == ["SEN2_2026_990_001.xml"]


def test_a_ready_return(live_server, coordinator, area):
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)

    def scenario(page: Any, check: Check, watch: Watch) -> None:
        page.goto(f"/imports/sen2/{record.pk}/")
        expect(page.get_by_text("No problems were found.")).to_be_visible()
        expect(page.get_by_role("button", name="Download the XML")).to_be_visible()
        expect(page.locator("#no-problems")).to_have_text("No problems found.")
        check("a return ready to submit")

    run_in_browser(live_server, coordinator, scenario)
