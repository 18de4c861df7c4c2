"""Public intake: a report becomes a receipt and joins (or opens) one case per URL.

Nothing about the reporter's network is stored: the rate limiter (when given) sees the
client address only to derive a keyed hash (``core.ratelimit``), and is asked before any
report table is touched. The receipt code is
returned once and stored only as a hash. A receipt's status says only received /
assessed / closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.errors import InvalidInput, NotFound
from crowsnest.core.feedback import KINDS as FEEDBACK_KINDS
from crowsnest.core.intake import Submission, validate_submission
from crowsnest.core.ratelimit import RateLimiter
from crowsnest.core.receipts import new_receipt, receipt_hash
from crowsnest.core.urls import host_of
from crowsnest.core.workflow import public_status
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import HotlineReport, url_digest
from crowsnest.db.repositories import hotline_reports as repo
from crowsnest.db.repositories import outbox as outbox_repo
from crowsnest.services.hotline_tx import writes

_ORDER = {"received": 0, "assessed": 1, "closed": 2}


@dataclass(frozen=True)
class IntakeResult:
    """What the reporter gets back (the code is shown once) and what was touched."""

    receipt: str
    report_id: int
    case_ids: list[int] = field(default_factory=list)
    received_at: datetime | None = None

    def to_public(self) -> dict[str, Any]:
        """The answer a reporter sees: nothing but the receipt and the time."""
        return {"receipt": self.receipt, "status": "received",
                "received_at": self.received_at.isoformat() if self.received_at else None}


def submit(session: Session, data: dict[str, Any], *, client_address: str | None = None,
           limiter: RateLimiter | None = None, source: str = "public",
           now: datetime | None = None) -> IntakeResult:
    """Store one report (flush only); raises InvalidInput/RateLimited and stores nothing.

    The limit is checked before ``session`` writes or locks anything: a database-backed
    limiter commits its bucket in its own short transaction, which on SQLite could not
    take the write lock while this session held it.
    """
    if limiter is not None:
        if not client_address:
            raise InvalidInput("the client address is needed for rate limiting")
        limiter.hit(client_address)
    return _validate_and_store(session, data, source, now or utcnow())


@writes
def _validate_and_store(session: Session, data: dict[str, Any], source: str,
                        now: datetime) -> IntakeResult:
    return _store(session, validate_submission(data), source, now)


def _store(session: Session, submission: Submission, source: str, now: datetime) -> IntakeResult:
    code, digest = new_receipt()
    report = repo.add_report(session, HotlineReport(
        receipt_hash=digest, received_at=now, where_seen=submission.where_seen,
        description=submission.description, reporter_country=submission.reporter_country,
        reporter_language=submission.reporter_language, contact_email=submission.contact_email))
    case_ids = []
    for url in submission.urls:
        case, created = repo.get_or_create_case(session, url_digest(url.key), {
            "url": url.normalized, "host": host_of(url.normalized)[:253], "status": "new",
            "report_count": 1, "hash_match_count": 0, "classification": {}, "trace": {},
            "source": source, "first_reported_at": now, "last_reported_at": now,
            "updated_at": now})
        if not created:
            repo.count_report(session, case.id, now)
        repo.link_url(session, report.id, case.id, url.raw[:8192])
        case_ids.append(case.id)
    session.flush()
    return IntakeResult(code, report.id, case_ids, now)


def receipt_status(session: Session, code: str) -> dict[str, Any]:
    """What a reporter may learn from a receipt: received, assessed or closed."""
    report = repo.get_by_receipt(session, receipt_hash(code))
    if report is None:
        raise NotFound("no report has this receipt code")
    return {"status": report_status(session, report.id),
            "received_at": report.received_at.isoformat()}


def report_status(session: Session, report_id: int) -> str:
    """A report's public status: only as far along as its least advanced URL."""
    statuses = [public_status(case.status) for case in repo.cases_of_report(session, report_id)]
    return min(statuses, key=_ORDER.__getitem__) if statuses else "received"


def purge_contacts(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete reporter contact e-mails older than the retention period; returns how many."""
    if retention_days < 0:
        raise InvalidInput("the retention period cannot be negative")
    moment = now or utcnow()
    cutoff = moment - timedelta(days=retention_days)
    # Feedback e-mails sent to those addresses keep them in the outbox: forget them too.
    outbox_repo.redact_targets(session, kinds=FEEDBACK_KINDS, created_before=cutoff)
    return repo.purge_contacts(session, cutoff, moment)
