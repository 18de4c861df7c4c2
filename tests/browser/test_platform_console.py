"""The platform console in headless Chromium: import a list, test a photo against it with
the preview blurred until revealed, and the pages pass axe-core at phone and desktop width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.services import banks, hotline_analysts
from crowsnest.services.hashing import hash_media_checked
from crowsnest.testing.samples import sample_path
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _axe
from tests.browser.test_console import PASSWORD, _sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def curator(database_url: str) -> str:
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        hotline_analysts.create_analyst(session, "cura", PASSWORD, role="supervisor")
        banks.create_bank(session, "platform-list", description="benign test hashes")
    engine.dispose()
    return "cura"


def test_import_then_match_with_a_blurred_preview(browser: Any, base_url: str, curator: str,
                                                 axe_source: str, tmp_path: Path) -> None:
    pdq = hash_media_checked(sample_path("shapes.png").read_bytes()).signals["pdq"].value
    hash_list = tmp_path / "list.txt"
    hash_list.write_text(f"pdq {pdq}\npdq {'0f' * 32}\n")
    for width, label in ((1280, "desktop"), (390, "phone")):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        _sign_in(page, base_url, curator, PASSWORD)
        page.wait_for_url(f"{base_url}/console")
        page.click("nav[aria-label=Console] >> text=Banks")
        page.click("text=platform-list")
        if label == "desktop":
            page.set_input_files("#file", str(hash_list))
            page.check("#skip_invalid")
            page.click("#import")
            assert "2 new" in page.text_content("#import-report")
        assert page.text_content("#count-pdq").strip() == "2"
        page.screenshot(path=str(SCREENSHOTS / f"console-bank-{label}.png"), full_page=True)
        assert _axe(page, axe_source) == [], f"bank page at {width}px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

        page.click("nav[aria-label=Console] >> text=Match tester")
        page.set_input_files("#file", str(sample_path("shapes.jpg")))
        page.click("#test")
        assert "1 match" in page.text_content("#h-result")
        assert "platform-list" in page.text_content("#matches")
        # blurred and greyscale until the reviewer asks; the clear image stays hidden
        assert page.locator("#preview-shown").is_visible()
        assert not page.locator("#preview-revealed").is_visible()
        page.screenshot(path=str(SCREENSHOTS / f"console-match-{label}.png"), full_page=True)
        assert _axe(page, axe_source) == [], f"match tester at {width}px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.click(".reveal summary")
        assert page.locator("#preview-revealed").is_visible()
        context.close()


def test_preferences_page(page: Any, base_url: str, curator: str, axe_source: str) -> None:
    _sign_in(page, base_url, curator, PASSWORD)
    page.wait_for_url(f"{base_url}/console")
    page.click("nav[aria-label=Console] >> text=Preferences")
    assert page.is_checked("#mode-blurred")
    page.check("#mode-greyscale")
    page.click("#save-preferences")
    assert page.is_checked("#mode-greyscale") and "Saved." in page.text_content("main")
    page.screenshot(path=str(SCREENSHOTS / "console-preferences-desktop.png"), full_page=True)
    assert _axe(page, axe_source) == []
    page.check("#mode-blurred")
    page.click("#save-preferences")
