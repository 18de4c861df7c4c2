"""Account administration and one's own password in the console, in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from crowsnest.config import Settings
from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.services import hotline_analysts, hotline_audit
from crowsnest.web.app import create_app

from .console_helpers import PASSWORD, csrf_token, sign_in

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def setup(sqlite_url: str) -> Iterator[tuple[TestClient, str]]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        hotline_analysts.create_analyst(session, "boss", PASSWORD, role="admin")
        hotline_analysts.create_analyst(session, "ana", PASSWORD)
    engine.dispose()
    settings = Settings(database_url=sqlite_url, run_background_workers=False, index_dir="off")
    with TestClient(create_app(settings, start=False)) as client:
        yield client, sqlite_url


def _accounts(url: str) -> dict[str, dict]:
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        found = {a["username"]: a for a in hotline_analysts.list_analysts(session)}
    engine.dispose()
    return found


def _audit_actions(url: str) -> list[str]:
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        actions = [r["action"] for r in hotline_audit.timeline(session, "analyst", "ana")]
    engine.dispose()
    return actions


def _change(client: TestClient, token: str, username: str, **fields: str):  # noqa: ANN202
    return client.post(f"/console/accounts/{username}", data={"csrf_token": token, **fields})


def test_only_admins_see_accounts(setup: tuple[TestClient, str]) -> None:
    client, _url = setup
    token = sign_in(client, "ana")
    assert 'href="/console/accounts"' not in client.get("/console").text
    page = client.get("/console/accounts")
    assert page.status_code == 403 and "Only admins manage accounts" in page.text
    refused = _change(client, token, "ana", change="role", role="admin")
    assert refused.status_code == 403 and "Only admins manage accounts" in refused.text
    assert _accounts(_url)["ana"]["role"] == "analyst"


def test_admin_changes_role_disables_and_resets(setup: tuple[TestClient, str]) -> None:
    client, url = setup
    analyst = TestClient(client.app)
    sign_in(analyst, "ana")
    token = sign_in(client, "boss")
    assert 'href="/console/accounts"' in client.get("/console").text
    assert _change(client, token, "ana", change="role", role="supervisor").status_code == 200
    assert _accounts(url)["ana"]["role"] == "supervisor"
    assert "Role changed." in client.get("/console/accounts?done=role").text
    _change(client, token, "ana", change="disable")
    assert _accounts(url)["ana"]["disabled"]
    assert analyst.get("/console", follow_redirects=False).status_code == 303  # session ended
    assert "<dd class=\"state\">disabled</dd>" in client.get("/console/accounts").text
    _change(client, token, "ana", change="enable")
    mismatch = _change(client, token, "ana", change="password", new_password=NEW_PASSWORD,
                       repeat_password=NEW_PASSWORD + "x")
    assert mismatch.status_code == 422 and "differ" in mismatch.text
    _change(client, token, "ana", change="password", new_password=NEW_PASSWORD,
            repeat_password=NEW_PASSWORD)
    sign_in(analyst, "ana", NEW_PASSWORD)
    enrolled = _change(client, token, "ana", change="totp_enrol")
    assert enrolled.status_code == 200 and 'id="totp-secret"' in enrolled.text
    assert "totp-secret" not in client.get("/console/accounts").text  # shown once
    assert _accounts(url)["ana"]["totp"]
    _change(client, token, "ana", change="totp_remove")
    assert not _accounts(url)["ana"]["totp"]
    assert _audit_actions(url) == ["analyst.role", "analyst.disable", "analyst.enable",
                                   "analyst.password_reset", "analyst.totp_reset",
                                   "analyst.totp_reset"]


def test_last_admin_is_kept_and_bad_requests_change_nothing(
        setup: tuple[TestClient, str]) -> None:
    client, url = setup
    token = sign_in(client, "boss")
    refused = _change(client, token, "boss", change="role", role="analyst")
    assert refused.status_code == 409 and "boss:" in refused.text
    assert _accounts(url)["boss"]["role"] == "admin"
    assert _change(client, token, "nobody", change="disable").status_code == 404
    assert _change(client, token, "ana", change="role", role="overlord").status_code == 422
    assert _change(client, "forged", "ana", change="disable").status_code == 400
    assert _change(client, token, "ana", change="explode").status_code == 400
    assert not _accounts(url)["ana"]["disabled"] and _accounts(url)["ana"]["role"] == "analyst"


def test_own_password_change(setup: tuple[TestClient, str]) -> None:
    client, url = setup
    other_browser = TestClient(client.app)
    sign_in(other_browser, "ana")
    token = sign_in(client, "ana")
    page = client.get("/console/preferences")
    assert 'id="change-password"' in page.text
    assert "<title>Preferences · crowsnest console</title>" in page.text
    wrong = client.post("/console/preferences/password", data={
        "csrf_token": token, "current_password": "not my password",
        "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    assert wrong.status_code == 403 and "current password is wrong" in wrong.text
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        assert hotline_analysts.get_analyst(session, "ana").failures == 1  # counted
    engine.dispose()
    short = client.post("/console/preferences/password", data={
        "csrf_token": csrf_token(wrong.text), "current_password": PASSWORD,
        "new_password": "short", "repeat_password": "short"})
    assert short.status_code == 422 and "12 characters" in short.text
    done = client.post("/console/preferences/password", data={
        "csrf_token": csrf_token(short.text), "current_password": PASSWORD,
        "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert client.get("/console").status_code == 200  # this browser stays signed in
    assert other_browser.get("/console", follow_redirects=False).status_code == 303
    sign_in(TestClient(client.app), "ana", NEW_PASSWORD)
