"""Account administration in headless Chromium: an admin disables and re-enables an
account and sets up its second factor; the page passes axe-core at phone and desktop width."""

from __future__ import annotations

from typing import Any

import pytest

from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.services import hotline_analysts
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _axe
from tests.browser.test_console import PASSWORD, _sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin(database_url: str) -> str:
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        hotline_analysts.create_analyst(session, "chief", PASSWORD, role="admin",
                                        display_name="Head of hotline")
        hotline_analysts.create_analyst(session, "newcomer", PASSWORD)
    engine.dispose()
    return "chief"


def test_admin_manages_an_account(browser: Any, base_url: str, admin: str,
                                  axe_source: str) -> None:
    for width, label in ((1280, "desktop"), (390, "phone")):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        _sign_in(page, base_url, admin, PASSWORD)
        page.wait_for_url(f"{base_url}/console")
        page.click("nav[aria-label=Console] >> text=Accounts")
        page.wait_for_url(f"{base_url}/console/accounts")
        card = page.locator("section.account", has_text="newcomer")
        if label == "desktop":
            card.locator("button[value=disable]").click()
            assert "Account disabled" in page.text_content("[role=status]")
            assert page.locator("section.account", has_text="newcomer").locator(
                ".state").text_content() == "disabled"
            page.locator("section.account", has_text="newcomer").locator(
                "button[value=enable]").click()
            page.locator("section.account", has_text="newcomer").locator(
                "button[value=totp_enrol]").click()
            assert len(page.text_content("#totp-secret")) >= 16
        page.screenshot(path=str(SCREENSHOTS / f"console-accounts-{label}.png"), full_page=True)
        assert _axe(page, axe_source) == [], f"accounts at {width}px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        context.close()


def test_preferences_with_password_form_pass_axe(page: Any, base_url: str, admin: str,
                                                 axe_source: str) -> None:
    _sign_in(page, base_url, admin, PASSWORD)
    page.wait_for_url(f"{base_url}/console")
    page.goto(f"{base_url}/console/preferences")
    page.fill("#current_password", "not the password")
    page.fill("#new_password", "a brand new passphrase")
    page.fill("#repeat_password", "a brand new passphrase")
    page.click("#change-password")
    assert "current password is wrong" in page.text_content("#password-error")
    page.screenshot(path=str(SCREENSHOTS / "console-preferences-password-desktop.png"),
                    full_page=True)
    assert _axe(page, axe_source) == []
