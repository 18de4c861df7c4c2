"""Accessibility of every public page: axe-core finds nothing serious, all keyboard-reachable.

Each page is also photographed at phone (390 px) and desktop (1280 px) widths into
``artifacts/screenshots/`` for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/?lang=en",
    "report": "/report?lang=en",
    "help": "/help?country=DE&lang=en",
    "help-pick": "/help?lang=en",
    "learn": "/learn?country=GB&lang=en",
    "receipt": "/receipt?lang=en",
    "home-th": "/?lang=th",
    "help-id": "/help?country=ID&lang=id",
}
FOCUSABLE = ("a[href], button, input:not([type=hidden]), select, textarea")


def _axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    page.evaluate(axe_source)  # run through DevTools, so the page's CSP stays strict
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_axe_finds_no_serious_violations(browser: Any, base_url: str, axe_source: str,
                                          name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, label in ((390, "phone"), (1280, "desktop")):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        page.goto(base_url + PAGES[name])
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        assert _axe(page, axe_source) == [], f"{name} at {width}px"
        # nothing may overflow sideways on a phone
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        context.close()


def test_form_errors_pass_axe(page: Any, base_url: str, axe_source: str) -> None:
    page.goto(f"{base_url}/report?lang=en")
    page.fill("#urls", "nonsense")
    page.fill("#contact_email", "not-an-address")
    page.click("button[type=submit]")
    page.screenshot(path=str(SCREENSHOTS / "report-errors-desktop.png"), full_page=True)
    assert _axe(page, axe_source) == []


@pytest.mark.parametrize("path", ["/?lang=en", "/report?lang=en", "/help?country=DE&lang=en"])
def test_every_control_is_reachable_by_keyboard(page: Any, base_url: str, path: str) -> None:
    page.goto(base_url + path)
    wanted = page.evaluate(f"""() => Array.from(document.querySelectorAll("{FOCUSABLE}"))
        .filter(e => e.offsetParent !== null || e.getClientRects().length)
        .filter(e => !(e.type === 'radio' && !e.checked))
        .map(e => e.outerHTML.slice(0, 80))""")
    reached: set[str] = set()
    for _ in range(len(wanted) + 40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
    missing = [html for html in wanted if html not in reached]
    assert missing == []
    # focus is visible: the first control reached by Tab (the skip link) gets an outline
    page.goto(base_url + path)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
