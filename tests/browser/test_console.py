"""The analyst console in headless Chromium: sign in, a public report in the queue, its case."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.services import hotline_analysts as analysts
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _axe

pytestmark = pytest.mark.browser
PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def analyst(database_url: str) -> str:
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        analysts.create_analyst(session, "ana", PASSWORD)
    engine.dispose()
    return "ana"


def _sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/console")
    assert page.url.endswith("/console/login")  # not signed in: sent to the sign-in page
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def test_report_reaches_the_queue_and_the_case_page(page: Any, base_url: str, analyst: str,
                                                   axe_source: str) -> None:
    host = f"queue-{uuid.uuid4().hex[:8]}.example"
    page.goto(f"{base_url}/report?lang=en")
    page.fill("#urls", f"https://{host}/gallery/7")
    page.click("main button[type=submit]")
    assert page.text_content("#receipt-code")

    _sign_in(page, base_url, analyst, "wrong password!")
    assert "wrong user name" in page.text_content(".error-summary")
    page.screenshot(path=str(SCREENSHOTS / "console-login-desktop.png"), full_page=True)
    assert _axe(page, axe_source) == []
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/console")
    row = page.locator("tr", has_text=host.replace(".", "[.]"))
    assert row.count() == 1
    assert "hxxps://" in row.text_content()
    assert page.locator(f"a[href*='{host}']").count() == 0  # never a live link
    page.screenshot(path=str(SCREENSHOTS / "console-queue-desktop.png"), full_page=True)
    assert _axe(page, axe_source) == []

    row.locator("a").click()
    assert page.input_value("#defanged-url") == f"hxxps://{host.replace('.', '[.]')}/gallery/7"
    page.select_option("#status", "in_assessment")
    page.click("form[action$='/status'] button")
    assert "in assessment" in page.text_content("#case-status")
    assert "viewed the case" in page.text_content(".timeline")
    page.select_option("#label", "inhope:baseline")
    page.click("form:has(#label) button")
    assert "inhope: baseline" in page.text_content(".facts")
    page.select_option("#status", "assessed")
    page.click("form[action$='/status'] button")
    page.fill("#country", "DE")
    page.fill("#hosting_provider", "Example Hosting GmbH")
    page.click("form:has(#country) button")
    assert "DE, Example Hosting GmbH" in page.text_content(".facts")
    page.click("#route")
    assert page.locator(".error-summary").count() == 0, page.text_content(".error-summary")
    assert "hotline_forward" in page.text_content(".messages")  # forwarded to Germany's hotline
    assert "awaiting removal" in page.text_content("#case-status")
    page.click(".add-item summary")
    page.select_option("#item-type", "image")
    page.select_option("#item-label", "inhope:baseline")
    page.fill("#item-hashes", "md5 0123456789abcdef0123456789abcdef")
    page.click(".add-item button")
    assert "image: inhope:baseline" in page.text_content(".items")
    page.select_option("#days", "3")
    page.click("form:has(#days) button")
    assert page.text_content("#removal-check").endswith("UTC")
    page.screenshot(path=str(SCREENSHOTS / "console-case-worked-desktop.png"), full_page=True)
    assert _axe(page, axe_source) == []
    page.fill("#removal-note", "provider confirmed")
    page.click("#record-removal")
    assert "removed" in page.text_content("#case-status")
    assert page.text_content("#removed-at").endswith("UTC")

    page.click(".signout button")
    page.wait_for_url(f"{base_url}/console/login")
    page.goto(f"{base_url}/console")
    assert page.url.endswith("/console/login")  # the session ended


def test_statistics_and_console_pages_at_phone_and_desktop_width(
    browser: Any, base_url: str, analyst: str, axe_source: str,
) -> None:
    host = f"stats-{uuid.uuid4().hex[:8]}.example"
    for width, label in ((390, "phone"), (1280, "desktop")):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        page.goto(f"{base_url}/report?lang=en")
        page.fill("#urls", f"https://{host}/{label}")
        page.click("main button[type=submit]")
        _sign_in(page, base_url, analyst, PASSWORD)
        page.wait_for_url(f"{base_url}/console")
        page.screenshot(path=str(SCREENSHOTS / f"console-queue-{label}.png"), full_page=True)
        page.locator("tr", has_text=host.replace(".", "[.]")).first.locator("a").click()
        page.screenshot(path=str(SCREENSHOTS / f"console-case-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

        page.click("nav[aria-label=Console] >> text=Statistics")
        page.wait_for_url(f"{base_url}/console/stats")
        page.select_option("#days", "90")
        page.click("form.period button")
        page.wait_for_url(f"{base_url}/console/stats?days=90")
        assert page.locator("svg.chart[role=img]").count() == 4
        assert int(page.text_content(".headline div:first-child dd")) >= 1
        page.click("#h-status ~ details summary")
        assert page.locator("#h-status ~ details table").is_visible()
        page.screenshot(path=str(SCREENSHOTS / f"console-stats-{label}.png"), full_page=True)
        assert _axe(page, axe_source) == [], f"stats at {width}px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        context.close()
