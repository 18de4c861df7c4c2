"""The public pages in real headless Chromium: report, receipt, quick exit, languages, help."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _report(page: Any, base_url: str, urls: str) -> None:
    page.goto(f"{base_url}/report?lang=en")
    page.fill("#urls", urls)
    page.check("#where-social_media")
    page.fill("#description", "a profile page")
    page.click("button[type=submit]")


def test_report_gives_a_receipt_that_can_be_checked(page: Any, base_url: str) -> None:
    _report(page, base_url, "https://files.example/a/1\nhttps://files.example/a/2")
    code = page.text_content("#receipt-code").strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4})+", code)
    page.click("text=Check a report >> nth=-1")
    page.fill("#code", code.lower())  # codes are read case-insensitively
    page.click("button[type=submit]")
    assert page.get_attribute("#receipt-status", "data-status") == "received"
    page.fill("#code", "AAAA-BBBB-CCCC-DDDD-EEEE")
    page.click("button[type=submit]")
    assert "could not find" in page.text_content("#code-error")
    assert page.get_attribute("#code", "aria-invalid") == "true"


def test_bad_url_is_shown_inline_and_the_text_kept(page: Any, base_url: str) -> None:
    _report(page, base_url, "https://ok.example/x\nnot a web address")
    assert page.is_visible(".error-summary")
    assert "Line 2" in page.text_content("#urls-error")
    assert page.get_attribute("#urls", "aria-invalid") == "true"
    assert "not a web address" in page.input_value("#urls")
    # the summary links to the field it is about
    page.click(".error-summary a")
    assert page.evaluate("document.activeElement.id") == "urls"


@pytest.mark.parametrize("how", ["button", "escape"])
def test_quick_exit_replaces_the_history_entry(page: Any, base_url: str, neutral_url: str,
                                                how: str) -> None:
    page.goto(f"{base_url}/?lang=en")
    page.click(".main-nav >> text=Get help")
    page.wait_for_url(re.compile(r"/help"))
    length = page.evaluate("history.length")
    if how == "button":
        page.click("#quick-exit")
    else:
        page.focus("#main")
        page.keyboard.press("Escape")
    page.wait_for_url(neutral_url)
    assert page.evaluate("history.length") == length  # replaced, not pushed
    page.go_back()
    assert page.url.split("?")[0] == f"{base_url}/"  # "Back" skips the help page


def test_language_switch_keeps_the_page(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/help?country=FR&lang=en")
    english = page.text_content("h1")
    page.click(".langs >> text=Français")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.text_content("h1") != english
    assert "country=FR" in page.url
    page.click(".main-nav a[href^='/report']")
    assert page.get_attribute("html", "lang") == "fr"  # links carry the language, no cookie
    assert page.context.cookies() == [] or all(c["name"] == "csrf" for c in page.context.cookies())


def test_help_country_from_the_browser_then_picked(browser: Any, base_url: str) -> None:
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(f"{base_url}/help")
    assert page.get_attribute("html", "lang") == "de"
    assert page.input_value("#country") == "DE"
    assert page.locator("a.tel[href^='tel:']").count() >= 2
    page.select_option("#country", "TH")
    page.click(".country-form button")
    assert page.input_value("#country") == "TH"
    assert "Thailand" in page.text_content("#country-heading")
    emergency = page.get_attribute(".danger-box a.tel", "href")
    assert emergency is not None and re.fullmatch(r"tel:\+?\d+", emergency)
    context.close()


def test_unverified_entries_carry_the_emergency_number_and_a_fallback(page: Any,
                                                                      base_url: str) -> None:
    from crowsnest.core.directory import Kind, default_directory

    shown = {Kind.HELPLINE, Kind.HOTLINE, Kind.POLICE, Kind.SAFER_INTERNET_CENTRE}
    codes = [c for c, country in default_directory().countries.items()
             if any(not e.verified and e.kind in shown for e in country.entries)]
    if not codes:
        pytest.skip("every entry in the shipped directory is verified")
    page.goto(f"{base_url}/help?country={codes[0]}&lang=en")
    card = page.locator(".entry.unverified").first
    assert "Not yet checked" in card.text_content()
    assert card.locator("a.tel").count() >= 1 or page.locator(".danger-box a.tel").count() == 1


def test_pages_work_without_javascript(browser: Any, base_url: str, neutral_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for path in ("/", "/help?country=NL", "/learn", "/receipt"):
        page.goto(f"{base_url}{path}")
        assert page.text_content("h1")
        assert page.get_attribute("#quick-exit", "href") == neutral_url
    _report(page, base_url, "https://nojs.example/page")
    assert page.text_content("#receipt-code")
    page.goto(f"{base_url}/")
    page.click("#quick-exit")  # a plain link without JavaScript
    page.wait_for_url(neutral_url)
    context.close()


def test_no_cookies_but_csrf_and_a_strict_policy(page: Any, base_url: str) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    for path in ("/", "/help", "/learn"):
        answer = page.goto(f"{base_url}{path}")
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert page.context.cookies() == []
    page.goto(f"{base_url}/report")
    assert [c["name"] for c in page.context.cookies()] == ["csrf"]
    assert violations == []
