"""The console's case page in-process: assignment, items with hashes into a bank,
removal checks and removal, refusals that change nothing, and the audit timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from crowsnest.config import Settings
from crowsnest.core.errors import InvalidInput
from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.services import banks, hotline_analysts, hotline_cases, hotline_intake
from crowsnest.web.app import create_app
from crowsnest.web.pages.console_case import parse_hashes, removal_time

from .console_helpers import PASSWORD, sign_in

PDQ = "d8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def setup(sqlite_url: str) -> Iterator[tuple[TestClient, int, str]]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        hotline_analysts.create_analyst(session, "sup", PASSWORD, role="supervisor")
        hotline_analysts.create_analyst(session, "ana", PASSWORD)
        banks.create_bank(session, "assessed", description="hotline assessments")
        case_id = hotline_intake.submit(
            session, {"urls": ["https://gallery.example/a"]}).case_ids[0]
    settings = Settings(database_url=sqlite_url, run_background_workers=False, index_dir="off")
    with TestClient(create_app(settings)) as client:
        yield client, case_id, sqlite_url
    engine.dispose()


def _case(url: str, case_id: int) -> dict:
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        found = hotline_cases.summary(hotline_cases.require_case(session, case_id))
    engine.dispose()
    return found


def _act(client: TestClient, token: str, case_id: int, **fields: str):  # noqa: ANN202
    return client.post(f"/console/cases/{case_id}/action", data={"csrf_token": token, **fields})


def test_take_a_case_and_supervisor_reassigns(setup: tuple[TestClient, int, str]) -> None:
    client, case_id, url = setup
    token = sign_in(client, "ana")
    page = client.get(f"/console/cases/{case_id}")
    assert 'id="take-case"' in page.text and "nobody yet" in page.text
    assert _act(client, token, case_id, action="assign", assignee="me").status_code == 200
    page = client.get(f"/console/cases/{case_id}")
    assert '<dd id="case-assignee">ana</dd>' in page.text and 'id="take-case"' not in page.text
    # An analyst cannot hand the case to someone else.
    refused = _act(client, token, case_id, action="assign", assignee="sup")
    assert refused.status_code == 403 and "supervisor role" in refused.text
    assert _case(url, case_id)["assignee_id"] is not None
    client.post("/console/logout", data={"csrf_token": token})
    token = sign_in(client, "sup")
    assert '<option value="ana" selected>' in client.get(f"/console/cases/{case_id}").text
    _act(client, token, case_id, action="assign", assignee="")
    assert _case(url, case_id)["assignee_id"] is None
    timeline = client.get(f"/console/cases/{case_id}").text
    assert "ana assigned the case" in timeline and "sup assigned the case" in timeline


def test_item_with_hashes_goes_into_the_bank(setup: tuple[TestClient, int, str]) -> None:
    client, case_id, url = setup
    token = sign_in(client, "ana")
    added = _act(client, token, case_id, action="item", content_type="image",
                 label="industry:A1", hashes=f"pdq {PDQ}\nMD5 {MD5.upper()}\n", bank="assessed")
    assert added.status_code == 200
    page = client.get(f"/console/cases/{case_id}").text
    assert "image: industry:A1" in page and PDQ in page and MD5 in page
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        entries = banks.list_entries(session, "assessed")
    engine.dispose()
    assert sorted(e.signal_type for e in entries) == ["md5", "pdq"]
    # The same hash on a second item is now a match: the live index caught up at once.
    _act(client, token, case_id, action="item", content_type="image", label="industry:A1",
         hashes=f"pdq {PDQ}")
    assert _case(url, case_id)["hash_match_count"] == 1


@pytest.mark.parametrize(("hashes", "message"), [
    ("pdq", "write the hash type, a space and the hash"),
    (f"pdq {PDQ}\npdq {PDQ}", "one pdq hash per item"),
    ("pdq not-a-hash", "pdq"),
    ("nosuchtype abc", "nosuchtype"),
])
def test_bad_item_changes_nothing(setup: tuple[TestClient, int, str], hashes: str,
                                  message: str) -> None:
    client, case_id, url = setup
    token = sign_in(client, "ana")
    answer = _act(client, token, case_id, action="item", content_type="image",
                  label="industry:A1", hashes=hashes, bank="assessed")
    assert answer.status_code == 422 and message in answer.text
    assert 'role="alert"' in answer.text
    assert "No items." in client.get(f"/console/cases/{case_id}").text


def _to_awaiting_removal(client: TestClient, token: str, case_id: int) -> None:
    for status in ("in_assessment", "assessed", "actioned", "awaiting_removal"):
        answer = client.post(f"/console/cases/{case_id}/status",
                             data={"csrf_token": token, "status": status})
        assert answer.status_code == 200, answer.text[:300]


def test_removal_check_and_removal(setup: tuple[TestClient, int, str]) -> None:
    client, case_id, url = setup
    token = sign_in(client, "ana")
    assert "Record the removal" not in client.get(f"/console/cases/{case_id}").text
    _to_awaiting_removal(client, token, case_id)
    assert _act(client, token, case_id, action="removal_check", days="3").status_code == 200
    due = datetime.fromisoformat(_case(url, case_id)["removal_check_at"])
    assert abs(due - (datetime.now(UTC) + timedelta(days=3))) < timedelta(minutes=5)
    refused = _act(client, token, case_id, action="removal_check", days="1000")
    assert refused.status_code == 422
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    refused = _act(client, token, case_id, action="removal", removed_at=future)
    assert refused.status_code == 422 and "future" in refused.text
    assert _case(url, case_id)["status"] == "awaiting_removal"
    assert _act(client, token, case_id, action="removal", removed_at="",
                note="provider confirmed").status_code == 200
    case = _case(url, case_id)
    assert case["status"] == "removed" and case["removed_at"]
    page = client.get(f"/console/cases/{case_id}").text
    assert 'id="removed-at"' in page and "scheduled a removal check" in page


def test_expired_form_and_no_error_injection(setup: tuple[TestClient, int, str]) -> None:
    client, case_id, url = setup
    sign_in(client, "ana")
    answer = _act(client, "forged", case_id, action="assign", assignee="me")
    assert answer.status_code == 400 and "form expired" in answer.text
    assert _case(url, case_id)["assignee_id"] is None
    unknown = _act(client, "forged", case_id, action="nonsense")
    assert unknown.status_code == 400
    page = client.get(f"/console/cases/{case_id}?error=Call+0900+now")
    assert "Call 0900 now" not in page.text


def test_form_value_parsers() -> None:
    assert parse_hashes(" pdq  abc \n\nmd5 def") == {"pdq": "abc", "md5": "def"}
    assert removal_time("") is None and removal_time(None) is None
    assert removal_time("2026-01-02T03:04") == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        removal_time("yesterday")


def test_queue_shows_removal_checks_that_are_due(setup: tuple[TestClient, int, str]) -> None:
    client, case_id, url = setup
    token = sign_in(client, "ana")
    assert "Removal checks due" not in client.get("/console").text
    _to_awaiting_removal(client, token, case_id)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        actor = hotline_analysts.Actor("ana", "analyst")
        hotline_cases.schedule_removal_check(session, case_id, actor, timedelta(0))
        later = hotline_intake.submit(session, {"urls": ["https://later.example/b"]}).case_ids[0]
    engine.dispose()
    page = client.get("/console").text
    assert "Removal checks due (1)" in page and "check due" in page
    due_only = client.get("/console?due=1").text
    assert "gallery[.]example" in due_only and "later[.]example" not in due_only
    assert later and "later[.]example" in page


def test_feedback_to_reporters_from_the_case_page(setup: tuple[TestClient, int, str]) -> None:
    client, _case_id, url = setup
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        case_id = hotline_intake.submit(session, {
            "urls": ["https://asked.example/x"], "contact_email": "someone@mail.example",
            "reporter_language": "fr"}).case_ids[0]
    engine.dispose()
    token = sign_in(client, "ana")
    page = client.get(f"/console/cases/{case_id}").text
    assert "1 reporter left an e-mail address" in page and 'id="send-feedback"' not in page
    assert "someone@mail.example" not in page  # analysts never see the address
    refused = _act(client, token, case_id, action="feedback")
    assert refused.status_code == 409 and "assessed or closed" in refused.text
    for status in ("in_assessment", "assessed"):
        client.post(f"/console/cases/{case_id}/status", data={"csrf_token": token,
                                                                 "status": status})
    assert 'id="send-feedback"' in client.get(f"/console/cases/{case_id}").text
    assert _act(client, token, case_id, action="feedback").status_code == 200
    page = client.get(f"/console/cases/{case_id}").text
    assert "1 told so" in page and 'id="send-feedback"' not in page
    assert "reporter of report" in page and "feedback_assessed" in page
    assert "sent feedback to reporters" in page and "someone@mail.example" not in page
