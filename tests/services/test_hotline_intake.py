"""Public intake: receipts, de-duplication into cases, rate limits, contact retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowsnest.core.errors import InvalidInput, NotFound, RateLimited
from crowsnest.core.ratelimit import RateLimiter
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import HotlineCase, HotlineReport, HotlineReportUrl
from crowsnest.services import hotline_intake as intake


def counts(session: Session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                 for t in (HotlineReport, HotlineCase, HotlineReportUrl))


def test_repeated_reports_join_one_case(db_session: Session) -> None:
    # other tests (test_hotline_concurrency) commit rows into the shared session database
    before = counts(db_session)
    first = intake.submit(db_session, {"urls": ["https://Files.example/v/1?utm_source=x"],
                                       "where_seen": "file_sharing", "contact_email": "a@b.org"})
    second = intake.submit(db_session, {"urls": ["http://files.example/v/1#x",
                                                 "https://files.example/v/2"]})
    assert first.case_ids[0] == second.case_ids[0]
    assert len(set(second.case_ids)) == 2
    case = db_session.get(HotlineCase, first.case_ids[0])
    assert case is not None and case.report_count == 2 and case.status == "new"
    assert case.url == "https://files.example/v/1" and case.host == "files.example"
    assert tuple(n - b for n, b in zip(counts(db_session), before)) == (2, 2, 3)
    stored = db_session.get(HotlineReport, first.report_id)
    assert stored is not None and first.receipt.replace("-", "") not in stored.receipt_hash
    assert first.to_public()["status"] == "received"


def test_receipt_shows_only_a_coarse_status(db_session: Session) -> None:
    result = intake.submit(db_session, {"urls": ["https://a.example/1", "https://a.example/2"]})
    assert intake.receipt_status(db_session, result.receipt)["status"] == "received"
    for case_id in result.case_ids:
        db_session.get(HotlineCase, case_id).status = "closed"  # type: ignore[union-attr]
    db_session.flush()
    status = intake.receipt_status(db_session, result.receipt.lower())
    assert set(status) == {"status", "received_at"} and status["status"] == "closed"
    with pytest.raises(InvalidInput):
        intake.receipt_status(db_session, "ABCD")
    from crowsnest.core.receipts import new_receipt

    other, _ = new_receipt()
    with pytest.raises(NotFound):
        intake.receipt_status(db_session, other)


def test_bad_input_stores_nothing(db_session: Session) -> None:
    before = counts(db_session)
    for bad in ({"urls": [f"https://e.example/{i}" for i in range(10_000)]},
                {"urls": ["https://ok.example/", "javascript:alert(1)"]},
                {"urls": ["https://ok.example/"], "description": "x" * 100_000},
                {"urls": ["https://ok.example/"], "reporter_country": "ZZ"},
                {"urls": ["https://ok.example/"], "image": "base64..."}):
        with pytest.raises(InvalidInput):
            intake.submit(db_session, bad)
    assert counts(db_session) == before


def test_rate_limit_refuses_before_storing(db_session: Session) -> None:
    limiter = RateLimiter(2, 0.001)
    for _ in range(2):
        intake.submit(db_session, {"urls": "https://r.example/"}, client_address="203.0.113.5",
                      limiter=limiter)
    before = counts(db_session)
    with pytest.raises(RateLimited):
        intake.submit(db_session, {"urls": "https://r.example/"}, client_address="203.0.113.5",
                      limiter=limiter)
    assert counts(db_session) == before
    intake.submit(db_session, {"urls": "https://r.example/"}, client_address="198.51.100.1",
                  limiter=limiter)


def test_contact_data_is_purged_after_retention(db_session: Session) -> None:
    now = utcnow()
    old = intake.submit(db_session, {"urls": "https://p.example/", "contact_email": "x@y.org"},
                        now=now - timedelta(days=100))
    new = intake.submit(db_session, {"urls": "https://p.example/", "contact_email": "z@y.org"},
                        now=now)
    assert intake.purge_contacts(db_session, 90, now=now) == 1
    assert db_session.get(HotlineReport, old.report_id).contact_email is None  # type: ignore[union-attr]
    assert db_session.get(HotlineReport, new.report_id).contact_email == "z@y.org"  # type: ignore[union-attr]
    with pytest.raises(InvalidInput):
        intake.purge_contacts(db_session, -1)
