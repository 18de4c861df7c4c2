"""A case becomes a CyberTipline report (hashes and URL, no media) queued once."""

from __future__ import annotations

import pytest

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowsnest.config import Settings
from crowsnest.core.errors import Conflict, Forbidden
from crowsnest.db.models_service import OutboxMessage
from crowsnest.destinations.base import Delivery
from crowsnest.destinations.cybertipline.client import CyberTiplineDestination
from crowsnest.destinations.cybertipline.model import ReportingPerson, from_match
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_cybertip as cybertip
from crowsnest.services import hotline_items as items
from crowsnest.testing.cybertipline_server import CyberTiplineState, run_cybertipline_server

from .hotline_helpers import make_actor, reported_case

REPORTER = ReportingPerson("Sue", "Supervisor", "sue@hotline.example")
MD5 = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def tipline() -> Iterator[CyberTiplineState]:
    yield from run_cybertipline_server()


def test_case_is_reported_once_and_delivered(db_session: Session, tipline: CyberTiplineState) -> None:
    ana, sue = make_actor(db_session, "ana"), make_actor(db_session, "sue", "supervisor")
    case_id = reported_case(db_session)
    cases.change_status(db_session, case_id, ana, "in_assessment")
    with pytest.raises(Conflict):
        cybertip.file_case(db_session, case_id, sue, REPORTER)
    items.add_item(db_session, case_id, ana, content_type="image", scheme_name="industry",
                   value="B2", hashes={"md5": MD5})
    cases.change_status(db_session, case_id, ana, "assessed")
    with pytest.raises(Forbidden):
        cybertip.file_case(db_session, case_id, ana, REPORTER)
    queued = cybertip.file_case(db_session, case_id, sue, REPORTER, settings=Settings())
    report = queued["report"]
    assert report["urls"] == ["https://files.example/v/1"]
    assert report["files"][0]["hashes"] == {"md5": MD5}
    assert report["files"][0]["industry_classification"] == "B2"
    with pytest.raises(Conflict):
        cybertip.file_case(db_session, case_id, sue, REPORTER)
    message = db_session.scalars(select(OutboxMessage).where(OutboxMessage.key == queued["key"])).one()
    # deliver it as the outbox worker would, to the local stand-in of the API
    result = CyberTiplineDestination("usr123", "pswd123", tipline.url, backoff=0.0).deliver(
        Delivery(message.key, message.kind, message.payload, message.target))
    assert result.ok, result.detail
    stored = tipline.reports[result.response["report_id"]]
    assert stored.finished and stored.files == {}  # hashes only: nothing uploaded
    assert MD5.encode() in stored.report_xml


def test_report_from_a_platform_match() -> None:
    report = from_match(reporter=REPORTER, incident_at=datetime(2026, 1, 1, tzinfo=UTC),
                        file_name="upload-77.jpg", hashes={"pdq": "f" * 64},
                        labels=["source:ncmec", "industry:A1"], url="https://platform.example/p/77",
                        bank="ncmec-list")
    assert report.files[0].industry_classification == "A1"
    assert report.files[0].content is None and report.urls == ("https://platform.example/p/77",)
    assert "ncmec-list" in (report.additional_info or "")
