"""The public pages in-process: rendering, CSRF, intake through the form, languages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from crowsnest.config import Settings
from crowsnest.db.engine import make_engine
from crowsnest.db.migrate import upgrade
from crowsnest.web.app import create_app
from crowsnest.web.pages.i18n import LANGUAGES, choose, parse_accept_language, translations


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(database_url=sqlite_url, run_background_workers=False,
                        hotline_intake_burst=2, hotline_intake_per_minute=0.01)
    with TestClient(create_app(settings, start=False)) as test_client:
        yield test_client


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


@pytest.mark.parametrize("path", ["/", "/report", "/help", "/help?country=BR", "/learn",
                                  "/receipt", "/help?country=ZZ"])
def test_pages_render_with_security_headers(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert answer.headers["cache-control"] == "no-store"
    assert "<script>" not in answer.text and "style=" not in answer.text  # nothing inline
    assert 'id="quick-exit"' in answer.text


def test_only_form_pages_set_a_cookie(client: TestClient) -> None:
    assert "set-cookie" not in client.get("/").headers
    assert "set-cookie" not in client.get("/help?country=DE").headers
    cookie = client.get("/report").headers["set-cookie"]
    assert cookie.startswith("csrf=") and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_report_through_the_form(client: TestClient) -> None:
    token = _token(client.get("/report").text)
    answer = client.post("/report", data={"csrf_token": token, "urls": "https://a.example/1",
                                          "where_seen": "game", "lang": "en"})
    assert answer.status_code == 200
    code = re.search(r'id="receipt-code"[^>]*>([^<]+)<', answer.text).group(1)  # type: ignore[union-attr]
    assert client.get(f"/v1/hotline/receipts/{code}").json()["status"] == "received"


def test_csrf_is_required(client: TestClient) -> None:
    client.get("/report")
    answer = client.post("/report", data={"csrf_token": "forged", "urls": "https://a.example/"})
    assert answer.status_code == 400
    # nothing was stored: the intake was never called
    assert "receipt-code" not in answer.text
    token = _token(client.get("/report").text)
    answer = client.post("/report", data={"csrf_token": token, "urls": "https://a.example/"},
                         headers={"sec-fetch-site": "cross-site"})
    assert answer.status_code == 400


def test_field_errors_and_rate_limit(client: TestClient) -> None:
    token = _token(client.get("/report?lang=fr").text)
    answer = client.post("/report", data={"csrf_token": token, "urls": "https://ok.example/\nnot a web address",
                                          "contact_email": "x", "lang": "fr"})
    assert answer.status_code == 422
    assert "La ligne 2" in answer.text and 'aria-invalid="true"' in answer.text
    assert "not a web address" in answer.text  # what was typed is kept
    for _ in range(2):
        client.post("/report", data={"csrf_token": token, "urls": "https://ok.example/"})
    limited = client.post("/report", data={"csrf_token": token, "urls": "https://ok.example/"})
    assert limited.status_code == 429
    assert 5900 <= int(limited.headers["retry-after"]) <= 6000
    assert "receipt-code" not in limited.text


def test_receipt_unknown_code(client: TestClient) -> None:
    token = _token(client.get("/receipt").text)
    answer = client.post("/receipt", data={"csrf_token": token, "code": "ZZZZ-ZZZZ"})
    assert answer.status_code == 404 and "could not find" in answer.text


def test_help_country_from_accept_language(client: TestClient) -> None:
    answer = client.get("/help", headers={"accept-language": "pt-BR,pt;q=0.9,en;q=0.5"})
    assert '<html lang="pt"' in answer.text
    assert '<option value="BR" selected>' in answer.text
    assert re.search(r'href="tel:\d+"', answer.text)


def test_static_files_and_traversal(client: TestClient) -> None:
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/exit.js").status_code == 200
    assert client.get("/static/..%2Fapp.py").status_code == 404


def test_language_choice() -> None:
    assert parse_accept_language("de-AT;q=0.5, fr-BE") == [("fr", "BE"), ("de", "AT")]
    assert choose(None, "th-TH").code == "th"
    assert choose("xx", "es-MX").code == "es"
    assert choose("id", "fr").code == "id"
    assert choose(None, None).code == "en"


@pytest.mark.parametrize("code", sorted(set(LANGUAGES) - {"en"}))
def test_every_catalogue_compiles_and_translates(code: str) -> None:
    catalogue = translations(code)
    assert catalogue.gettext("Quick exit") != "Quick exit"


def test_layout_direction_follows_the_language() -> None:
    from crowsnest.web.pages.i18n import _direction

    assert _direction("ar") == "rtl" and _direction("he") == "rtl"
    assert _direction("th") == "ltr" and _direction("not a locale") == "ltr"


def test_console_needs_a_session(client: TestClient) -> None:
    answer = client.get("/console", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
    token = _token(client.get("/console/login").text)
    refused = client.post("/console/login", data={"csrf_token": token, "username": "nobody",
                                                  "password": "whatever it is"})
    assert refused.status_code == 401 and "console_session" not in refused.headers.get(
        "set-cookie", "")


def test_console_statistics_page(client: TestClient, sqlite_url: str) -> None:
    from crowsnest.db.engine import make_session_factory, unit_of_work
    from crowsnest.services import hotline_analysts, hotline_intake

    assert client.get("/console/stats", follow_redirects=False).status_code == 303
    engine = make_engine(sqlite_url)
    with unit_of_work(make_session_factory(engine)) as session:
        hotline_analysts.create_analyst(session, "stat", "a long enough passphrase")
        for n in range(3):
            hotline_intake.submit(session, {"urls": [f"https://stats.example/{n}"]})
    engine.dispose()
    token = _token(client.get("/console/login").text)
    signed_in = client.post("/console/login", data={
        "csrf_token": token, "username": "stat", "password": "a long enough passphrase"})
    assert signed_in.status_code == 200
    page = client.get("/console/stats?days=7")
    assert page.status_code == 200
    assert "no-store" in page.headers["cache-control"]
    assert '<option value="7" selected>' in page.text
    assert page.text.count('<svg class="chart" role="img"') == 4
    assert "<dt>Cases</dt><dd>3</dd>" in page.text and "<dt>Reports</dt><dd>3</dd>" in page.text
    assert "Cases by status. new: 3." in page.text  # the status chart's description
    assert 'aria-current="page">Statistics' in page.text


def test_console_queue_filters_by_country_and_assignee(client: TestClient,
                                                       sqlite_url: str) -> None:
    from crowsnest.db.engine import make_session_factory, unit_of_work
    from crowsnest.services import hotline_analysts, hotline_cases, hotline_intake

    engine = make_engine(sqlite_url)
    with unit_of_work(make_session_factory(engine)) as session:
        me = hotline_analysts.create_analyst(session, "filterer", "a long enough passphrase")
        hotline_analysts.create_analyst(session, "colleague", "a long enough passphrase")
        ids = [hotline_intake.submit(session, {"urls": [f"https://{host}.example/x"]}).case_ids[0]
               for host in ("german", "dutch", "untraced")]
        actor = hotline_analysts.Actor("filterer", "supervisor", me["id"])
        hotline_cases.override_trace(session, ids[0], actor, country="DE")
        hotline_cases.override_trace(session, ids[1], actor, country="NL")
        hotline_cases.assign(session, ids[0], actor, "filterer")
        hotline_cases.assign(session, ids[1], actor, "colleague")
    engine.dispose()
    token = _token(client.get("/console/login").text)
    assert client.post("/console/login", data={
        "csrf_token": token, "username": "filterer",
        "password": "a long enough passphrase"}).status_code == 200

    def shown(query: str) -> set[str]:
        page = client.get(f"/console{query}")
        assert page.status_code == 200
        return {host for host in ("german", "dutch", "untraced") if f"{host}[.]example" in page.text}

    assert shown("") == {"german", "dutch", "untraced"}
    assert shown("?country=NL") == {"dutch"}
    assert shown("?country=nl") == {"dutch"}
    assert shown("?country=none") == {"untraced"}
    assert shown("?assignee=mine") == {"german"}
    assert shown("?assignee=unassigned") == {"untraced"}
    assert shown("?assignee=mine&country=NL") == set()
    assert shown("?country=XX&assignee=whoever") == {"german", "dutch", "untraced"}  # ignored
    page = client.get("/console?country=DE")
    assert '<option value="DE" selected>' in page.text
    # Status links keep the other filters; counts follow them.
    assert 'href="/console?country=DE&amp;status=new"' in page.text
    assert "All open (1)" in page.text
    assert "<td>colleague</td>" in client.get("/console?country=NL").text
