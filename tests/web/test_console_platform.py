"""The platform console in-process: banks, import/export, enable/disable, the match tester
with its previews, and the preview preference."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from crowsnest.config import Settings
from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.services import banks, hotline_analysts
from crowsnest.services.hashing import hash_media_checked
from crowsnest.testing.samples import sample_path
from crowsnest.web.app import create_app

PASSWORD = "a long enough passphrase"


@pytest.fixture
def app_client(sqlite_url: str) -> Iterator[TestClient]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        hotline_analysts.create_analyst(session, "sup", PASSWORD, role="supervisor")
        hotline_analysts.create_analyst(session, "ana", PASSWORD)
        banks.create_bank(session, "known", description="test list")
        pdq = hash_media_checked(sample_path("shapes.png").read_bytes()).signals["pdq"].value
        banks.add_hash(session, "known", "pdq", pdq, labels=["industry:A1"])
    engine.dispose()
    settings = Settings(database_url=sqlite_url, run_background_workers=False, index_dir="off")
    with TestClient(create_app(settings)) as client:
        yield client


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _sign_in(client: TestClient, username: str) -> str:
    page = client.post("/console/login", data={
        "csrf_token": _token(client.get("/console/login").text), "username": username,
        "password": PASSWORD})
    assert page.status_code == 200
    return _token(page.text)


def test_pages_need_a_session(app_client: TestClient) -> None:
    for path in ("/console/banks", "/console/banks/known", "/console/match",
                 "/console/preferences", "/console/banks/known/export"):
        answer = app_client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/console/login"


def test_bank_list_import_export_and_toggle(app_client: TestClient) -> None:
    token = _sign_in(app_client, "sup")
    listing = app_client.get("/console/banks")
    assert 'href="/console/banks/known">known</a>' in listing.text and "test list" in listing.text
    assert "no-store" in listing.headers["cache-control"]

    good = "pdq " + "a" * 64 + "\npdq " + "b" * 64 + "\n"
    bad = good + "pdq nothex\n"
    refused = app_client.post("/console/banks/known/import", data={"csrf_token": token},
                              files={"file": ("list.txt", bad.encode())})
    assert refused.status_code == 422 and "line 3" in refused.text
    assert '<dd id="count-pdq">1</dd>' in refused.text  # atomic: nothing was written
    skipped = app_client.post("/console/banks/known/import",
                              data={"csrf_token": token, "skip_invalid": "on", "format": "te"},
                              files={"file": ("list.txt", bad.encode())})
    assert skipped.status_code == 200
    assert "2 new, 0 merged into existing entries, 1 skipped" in skipped.text
    assert "<td>3</td>" in skipped.text and '<dd id="count-pdq">3</dd>' in skipped.text

    exported = app_client.get("/console/banks/known/export?format=te")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert "a" * 64 in exported.text and "b" * 64 in exported.text

    assert _tested(app_client, token)["matches"] == 1
    off = app_client.post("/console/banks/known/enabled",
                          data={"csrf_token": token, "enabled": "false"}, follow_redirects=True)
    assert '<dd id="bank-state">disabled</dd>' in off.text
    assert _tested(app_client, token)["matches"] == 0  # a disabled bank never matches
    audit = app_client.get("/v1/audit")  # no API key: the audit is not public
    assert audit.status_code == 401


def _tested(client: TestClient, token: str, name: str = "shapes.jpg") -> dict:
    page = client.post("/console/match", data={"csrf_token": token},
                       files={"file": (name, sample_path(name).read_bytes())})
    assert page.status_code == 200, page.text
    found = re.search(r'<h2 id="h-result">(\d+) match', page.text)
    assert found
    return {"matches": int(found.group(1)), "page": page}


def test_analyst_can_look_but_not_change(app_client: TestClient) -> None:
    token = _sign_in(app_client, "ana")
    page = app_client.get("/console/banks/known")
    assert "need the supervisor role" in page.text and 'id="import"' not in page.text
    answer = app_client.post("/console/banks/known/enabled",
                             data={"csrf_token": token, "enabled": "false"})
    assert answer.status_code == 403 and '<dd id="bank-state">enabled</dd>' in answer.text
    answer = app_client.post("/console/banks/known/import", data={"csrf_token": token},
                             files={"file": ("l.txt", b"pdq " + b"c" * 64)})
    assert answer.status_code == 403
    assert app_client.get("/console/banks/nope").status_code == 404


def test_match_tester_preview_and_preference(app_client: TestClient) -> None:
    token = _sign_in(app_client, "ana")
    result = _tested(app_client, token)
    page = result["page"]
    assert result["matches"] == 1
    row = re.search(r'<table class="queue" id="matches">.*?</table>', page.text, re.S)
    assert row and "known" in row.group(0) and "industry:A1" in row.group(0)
    assert "img-src 'self' data:" in page.headers["content-security-policy"]
    assert "no-store" in page.headers["cache-control"]
    # blurred by default: the first image shown is the blurred one; the clear one only
    # inside a closed <details>
    assert re.search(r'<img id="preview-shown"[^>]*blurred and greyscale', page.text)
    assert re.search(r'<details class="reveal">\s*<summary>Reveal', page.text)

    saved = app_client.post("/console/preferences",
                            data={"csrf_token": token, "preview_mode": "hidden"},
                            follow_redirects=True)
    assert "Saved." in saved.text and 'value="hidden" checked' in saved.text
    page = _tested(app_client, token)["page"]
    assert "preview-shown" not in page.text and "Previews are off" in page.text
    refused = app_client.post("/console/preferences",
                              data={"csrf_token": token, "preview_mode": "naked"},
                              follow_redirects=True)
    assert 'value="hidden" checked' in refused.text  # unknown mode: nothing changed


def _tested_bytes(client: TestClient, token: str, data: bytes):  # noqa: ANN202
    return client.post("/console/match", data={"csrf_token": token},
                       files={"file": ("x.txt", data)})


def test_bad_uploads_get_a_clear_error(app_client: TestClient) -> None:
    token = _sign_in(app_client, "ana")
    text = _tested_bytes(app_client, token, b"not an image at all")
    assert text.status_code == 200  # any file has MD5/SHA-256 (exact matching), no preview
    assert "<td>md5</td>" in text.text and "<td>pdq</td>" not in text.text
    assert "preview-shown" not in text.text
    for name, data in (("empty.png", b""),
                       ("cut.jpg", sample_path("shapes.jpg").read_bytes()[:300])):
        answer = app_client.post("/console/match", data={"csrf_token": token},
                                 files={"file": (name, data)})
        assert 400 <= answer.status_code < 500, (name, answer.status_code)
        assert "Not tested" in answer.text
    expired = app_client.post("/console/match", data={"csrf_token": "forged"},
                              files={"file": ("a.png", sample_path("shapes.png").read_bytes())})
    assert expired.status_code == 422 and "form expired" in expired.text
