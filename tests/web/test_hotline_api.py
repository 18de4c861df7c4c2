"""The hotline API in-process: public intake, receipts, forwards, analyst work, roles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from crowsnest.config import Settings
from crowsnest.core.forward_signing import sign
from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.db.models_hotline import HotlineAuditRecord, HotlineCase
from crowsnest.destinations.base import Delivery
from crowsnest.destinations.crowsnest import forward_body
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services.runtime import ServiceRuntime
from crowsnest.web.app import create_app

PASSWORD = "a long enough passphrase"
SECRET = "shared-secret-between-nl-and-de"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Engine]:
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("empty_postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    settings = Settings(database_url=str(engine.url), run_background_workers=False,
                        hotline_peer_keys={"nl-to-de": SECRET}, hotline_intake_burst=3,
                        hotline_intake_per_minute=0.01, hotline_own_country="NL",
                        hotline_contacts={"police:NL": {"name": "Police NL", "destination": "email",
                                                        "target": {"to": ["p@police.example"]}}})
    runtime = ServiceRuntime.from_settings(settings, engine=engine)
    with unit_of_work(make_session_factory(engine)) as session:
        analysts.create_analyst(session, "ana", PASSWORD)
        analysts.create_analyst(session, "sue", PASSWORD, role="supervisor")
    with TestClient(create_app(settings, runtime=runtime, start=False)) as test_client:
        yield test_client


def login(client: TestClient, username: str = "ana") -> dict[str, str]:
    answer = client.post("/v1/hotline/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_public_report_and_receipt(client: TestClient) -> None:
    answer = client.post("/v1/hotline/reports", json={"urls": ["https://files.example/v/1"],
                                                      "where_seen": "website"})
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"receipt", "status", "received_at"} and body["status"] == "received"
    status = client.get(f"/v1/hotline/receipts/{body['receipt']}")
    assert status.status_code == 200 and status.json()["status"] == "received"
    assert client.get("/v1/hotline/receipts/0000-0000-0000-0000-0000").status_code in (404, 422)


def test_bad_reports_get_clear_errors(client: TestClient) -> None:
    too_many = client.post("/v1/hotline/reports",
                           json={"urls": [f"https://e.example/{i}" for i in range(10_000)]})
    assert too_many.status_code == 422 and too_many.json()["error"] == "invalid_input"
    upload = client.post("/v1/hotline/reports", files={"file": ("x.jpg", b"\xff\xd8")})
    assert upload.status_code == 415
    assert client.post("/v1/hotline/reports", content=b"{", headers={
        "content-type": "application/json"}).status_code == 422
    bad_country = client.post("/v1/hotline/reports", json={"urls": ["https://a.example/"],
                                                           "reporter_country": "XX"})
    assert bad_country.status_code == 422 and "reporter_country" in bad_country.json()["context"]["fields"]


def test_intake_is_rate_limited(client: TestClient, engine: Engine) -> None:
    answers = [client.post("/v1/hotline/reports", json={"urls": [f"https://r.example/{i}"]})
               for i in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    limited = answers[-1]
    assert limited.json()["error"] == "rate_limited"
    # 0.01 reports a minute: the next token is about 6,000 s away
    assert 5900 <= int(limited.headers["retry-after"]) <= 6000
    with unit_of_work(make_session_factory(engine)) as session:
        stored = session.scalars(select(HotlineCase.url)).all()
    assert sorted(stored) == [f"https://r.example/{i}" for i in range(3)]  # nothing of the 4th


def test_workers_on_the_database_backend_share_one_limit(engine: Engine) -> None:
    settings = Settings(database_url=str(engine.url), run_background_workers=False,
                        hotline_intake_burst=3, hotline_intake_per_minute=0.01,
                        hotline_ratelimit_backend="database",
                        hotline_ratelimit_secret="same secret on every worker")
    apps = [create_app(settings, runtime=ServiceRuntime.from_settings(settings, engine=engine),
                       start=False) for _ in range(2)]
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        codes = [(one, two)[i % 2].post("/v1/hotline/reports",
                                        json={"urls": [f"https://w.example/{i}"]}).status_code
                 for i in range(6)]
        assert codes == [201, 201, 201, 429, 429, 429]  # not 3 per worker
        assert two.get("/v1/hotline/receipts/AAAA-AAAA").status_code == 429


def test_analyst_flow_and_roles(client: TestClient) -> None:
    client.post("/v1/hotline/reports", json={"urls": ["https://files.example/v/1"]})
    assert client.get("/v1/hotline/cases").status_code == 401
    ana = login(client)
    (case,) = client.get("/v1/hotline/cases", headers=ana).json()
    case_id = case["id"]
    assert case["url_defanged"] == "hxxps://files[.]example/v/1"
    for path, body in ((f"/v1/hotline/cases/{case_id}/status", {"status": "in_assessment"}),
                       (f"/v1/hotline/cases/{case_id}/classification",
                        {"scheme": "inhope", "value": "baseline"}),
                       (f"/v1/hotline/cases/{case_id}/items",
                        {"content_type": "image", "scheme": "industry", "value": "B1",
                         "hashes": {"md5": "0" * 32}})):
        answer = client.post(path, json=body, headers=ana)
        assert answer.status_code in (200, 201), answer.text
    assert client.patch(f"/v1/hotline/cases/{case_id}/trace", json={"country": "NL"},
                        headers=ana).json()["hosting_country"] == "NL"
    assert client.post(f"/v1/hotline/cases/{case_id}/status", json={"status": "assessed"},
                       headers=ana).status_code == 200
    routed = client.post(f"/v1/hotline/cases/{case_id}/route",
                         json={"provider": {"name": "Host BV", "email": "abuse@host.example"}},
                         headers=ana)
    assert routed.status_code == 200, routed.text
    view = client.get(f"/v1/hotline/cases/{case_id}", headers=ana).json()
    assert [m["delivery"]["status"] for m in view["messages"]] == ["pending", "pending"]
    assert view["status"] == "awaiting_removal"
    assert client.get("/v1/hotline/audit/verify", headers=ana).status_code == 403
    sue = login(client, "sue")
    assert client.get("/v1/hotline/audit/verify", headers=sue).json()["ok"] is True
    assert client.post(f"/v1/hotline/cases/{case_id}/removal-check", json={"hours": 0},
                       headers=ana).status_code == 200
    assert [c["id"] for c in client.get("/v1/hotline/removal-checks", headers=ana).json()] == [case_id]
    reporter = {"first_name": "Sue", "last_name": "S", "email": "sue@hotline.example"}
    assert client.post(f"/v1/hotline/cases/{case_id}/cybertip", json=reporter,
                       headers=ana).status_code == 403
    filed = client.post(f"/v1/hotline/cases/{case_id}/cybertip", json=reporter, headers=sue)
    assert filed.status_code == 201 and filed.json()["report"]["urls"] == ["https://files.example/v/1"]
    removed = client.post(f"/v1/hotline/cases/{case_id}/removal", json={}, headers=ana).json()
    assert removed["status"] == "removed" and removed["hours_to_removal"] >= 0
    assert client.get("/v1/hotline/stats", headers=ana).json()["by_status"] == {"removed": 1}


def test_wrong_password_counts_and_locks(client: TestClient) -> None:
    for _ in range(analysts.POLICY.max_failures):
        assert client.post("/v1/hotline/login", json={"username": "ana", "password": "nope"}
                           ).status_code == 401
    locked = client.post("/v1/hotline/login", json={"username": "ana", "password": PASSWORD})
    assert locked.status_code == 401 and "locked" in locked.json()["detail"]


def test_signed_forward_arrives_once(client: TestClient) -> None:
    payload = {"subject": "s", "text": "t", "case": {"url": "https://x.example/1"}}
    body = forward_body(Delivery("peer-case-7", "hotline_forward", payload, {}))
    first = client.post("/v1/hotline/forwards", content=body,
                        headers=sign(body, key_id="nl-to-de", secret=SECRET.encode()))
    assert first.status_code == 201
    again = client.post("/v1/hotline/forwards", content=body,
                        headers=sign(body, key_id="nl-to-de", secret=SECRET.encode()))
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert client.post("/v1/hotline/forwards", content=body).status_code == 401


NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def boss(client: TestClient, engine: Engine) -> dict[str, str]:
    """Headers of a signed-in admin."""
    with unit_of_work(make_session_factory(engine)) as session:
        analysts.create_analyst(session, "boss", PASSWORD, role="admin")
    return login(client, "boss")


def _audit(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        return [(r.actor, r.action, r.subject_id) for r in connection.execute(
            select(HotlineAuditRecord).order_by(HotlineAuditRecord.seq))]


def test_only_admins_manage_accounts(client: TestClient, engine: Engine,
                                     boss: dict[str, str]) -> None:
    sue = login(client, "sue")
    calls = (("get", "/v1/hotline/analysts", None),
             ("post", "/v1/hotline/analysts", {"username": "eve", "password": PASSWORD}),
             ("patch", "/v1/hotline/analysts/ana", {"role": "admin"}),
             ("post", "/v1/hotline/analysts/ana/unlock", None),
             ("post", "/v1/hotline/analysts/ana/password", {"password": NEW_PASSWORD}),
             ("post", "/v1/hotline/analysts/ana/totp", {}))
    for method, path, body in calls:
        assert client.request(method, path).status_code == 401
        refused = client.request(method, path, json=body, headers=sue)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json() == {"error": "forbidden",
                                  "detail": "this needs the admin role; sue is supervisor"}
    assert _audit(engine) == []
    listed = client.get("/v1/hotline/analysts", headers=boss)
    assert listed.status_code == 200
    assert [(a["username"], a["role"]) for a in listed.json()] == [
        ("ana", "analyst"), ("boss", "admin"), ("sue", "supervisor")]
    assert "password_hash" not in listed.json()[0]


def test_admin_changes_role_and_disables(client: TestClient, engine: Engine,
                                         boss: dict[str, str]) -> None:
    ana = login(client)
    assert client.get("/v1/hotline/audit/verify", headers=ana).status_code == 403
    promoted = client.patch("/v1/hotline/analysts/ana", json={"role": "supervisor"}, headers=boss)
    assert promoted.status_code == 200 and promoted.json()["changed"] == ["role"]
    assert client.get("/v1/hotline/audit/verify", headers=ana).status_code == 200  # same token
    disabled = client.patch("/v1/hotline/analysts/ana", json={"disabled": True}, headers=boss)
    assert disabled.json()["active"] is False and disabled.json()["changed"] == ["disable"]
    assert client.get("/v1/hotline/cases", headers=ana).status_code == 401  # at once
    assert client.post("/v1/hotline/login", json={"username": "ana", "password": PASSWORD}
                       ).status_code == 401
    assert client.patch("/v1/hotline/analysts/ana", json={"disabled": False},
                        headers=boss).json()["active"] is True
    login(client)
    assert _audit(engine) == [("boss", "analyst.role", "ana"), ("boss", "analyst.disable", "ana"),
                              ("boss", "analyst.enable", "ana")]


def test_bad_account_requests_change_nothing(client: TestClient, engine: Engine,
                                             boss: dict[str, str]) -> None:
    last = client.patch("/v1/hotline/analysts/boss", json={"disabled": True}, headers=boss)
    assert last.status_code == 409 and "last active admin" in last.json()["detail"]
    demote = client.patch("/v1/hotline/analysts/boss", json={"role": "analyst"}, headers=boss)
    assert demote.status_code == 409
    ghost = client.post("/v1/hotline/analysts/ghost/unlock", headers=boss)
    assert ghost.status_code == 404 and ghost.json()["detail"] == "no analyst called 'ghost'"
    for body in ({"role": "god", "disabled": True}, {}, {"role": "admin", "extra": 1}):
        answer = client.patch("/v1/hotline/analysts/ana", json=body, headers=boss)
        assert answer.status_code == 422, (body, answer.text)
    short = client.post("/v1/hotline/analysts/ana/password", json={"password": "short"},
                        headers=boss)
    assert short.status_code == 422
    assert _audit(engine) == []
    assert client.get("/v1/hotline/cases", headers=boss).status_code == 200
    login(client)  # ana's password is unchanged
    assert [a["role"] for a in client.get("/v1/hotline/analysts", headers=boss).json()] == [
        "analyst", "admin", "supervisor"]


def test_unlock_and_password_reset(client: TestClient, engine: Engine,
                                   boss: dict[str, str]) -> None:
    ana = login(client)
    for _ in range(analysts.POLICY.max_failures):
        client.post("/v1/hotline/login", json={"username": "ana", "password": "nope"})
    assert client.post("/v1/hotline/login", json={"username": "ana", "password": PASSWORD}
                       ).status_code == 401
    unlocked = client.post("/v1/hotline/analysts/ana/unlock", headers=boss)
    assert unlocked.status_code == 200 and unlocked.json()["changed"] == ["unlock"]
    login(client)
    reset = client.post("/v1/hotline/analysts/ana/password", json={"password": NEW_PASSWORD},
                        headers=boss)
    assert reset.status_code == 200 and reset.json()["sessions_ended"] == 2
    assert client.get("/v1/hotline/cases", headers=ana).status_code == 401
    assert client.post("/v1/hotline/login", json={"username": "ana", "password": NEW_PASSWORD}
                       ).status_code == 200
    with engine.connect() as connection:
        details = str(connection.execute(select(HotlineAuditRecord.detail)).all())
    assert NEW_PASSWORD not in details


def test_totp_reset_and_admin_created_account(client: TestClient, engine: Engine,
                                              boss: dict[str, str]) -> None:
    created = client.post("/v1/hotline/analysts", headers=boss, json={
        "username": "Tom", "password": PASSWORD, "totp": True})
    assert created.status_code == 201 and created.json()["totp_uri"].startswith("otpauth://")
    assert client.post("/v1/hotline/analysts", headers=boss, json={
        "username": "tom", "password": PASSWORD}).status_code == 409
    assert client.post("/v1/hotline/login", json={"username": "tom", "password": PASSWORD}
                       ).status_code == 401  # needs a code
    removed = client.post("/v1/hotline/analysts/tom/totp", json={}, headers=boss)
    assert removed.status_code == 200 and removed.json()["totp"] is False
    login(client, "tom")
    enrolled = client.post("/v1/hotline/analysts/tom/totp", json={"enrol": True}, headers=boss)
    assert enrolled.json()["totp"] is True and len(enrolled.json()["totp_secret"]) >= 16
    assert [a for _, a, _ in _audit(engine)] == [
        "analyst.create", "analyst.totp_reset", "analyst.totp_reset"]


def test_change_own_password(client: TestClient) -> None:
    ana, other = login(client), login(client)
    wrong = client.post("/v1/hotline/me/password", headers=ana, json={
        "current_password": "not it at all", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 403 and wrong.json()["detail"] == "the current password is wrong"
    done = client.post("/v1/hotline/me/password", headers=ana, json={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert done.status_code == 200 and done.json()["sessions_ended"] == 1
    assert client.get("/v1/hotline/cases", headers=ana).status_code == 200  # this session stays
    assert client.get("/v1/hotline/cases", headers=other).status_code == 401
    assert client.post("/v1/hotline/login", json={"username": "ana", "password": NEW_PASSWORD}
                       ).status_code == 200


def test_account_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/v1/hotline/analysts", "get"), ("/v1/hotline/analysts", "post"),
                         ("/v1/hotline/analysts/{username}", "patch"),
                         ("/v1/hotline/analysts/{username}/unlock", "post"),
                         ("/v1/hotline/analysts/{username}/password", "post"),
                         ("/v1/hotline/analysts/{username}/totp", "post"),
                         ("/v1/hotline/me/password", "post")):
        operation = paths[path][method]
        assert operation["summary"] and operation["tags"] == ["hotline: accounts"]
