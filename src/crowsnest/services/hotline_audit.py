"""The hotline's audit log: every view of a case and every decision, chained by hashes.

:func:`record` appends in the caller's transaction, so a decision and its audit record
commit or roll back together. Appending reads the last record and writes the next
``seq``; if a concurrent writer took that ``seq`` first, the primary key refuses ours
(inside a savepoint) and we chain onto theirs. :func:`verify` walks the whole log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.audit import AuditRecord, ChainCheck, seal, verify_chain
from crowsnest.core.errors import ExternalDependencyError
from crowsnest.db.models_hotline import HotlineAuditRecord
from crowsnest.db.repositories import hotline_people as repo

ATTEMPTS = 8


def to_core(row: HotlineAuditRecord) -> AuditRecord:
    return AuditRecord(row.seq, row.at, row.actor, row.action, row.subject_type, row.subject_id,
                       dict(row.detail or {}), row.prev_hash, row.hash)


def record(session: Session, *, actor: str, action: str, subject_type: str,
           subject_id: str | int, detail: dict[str, Any] | None = None) -> AuditRecord:
    """Append one sealed record (flush only)."""
    for _ in range(ATTEMPTS):
        last = repo.last_audit(session)
        sealed = seal(None if last is None else to_core(last), actor=actor, action=action,
                      subject_type=subject_type, subject_id=subject_id, detail=detail)
        if repo.insert_audit(session, HotlineAuditRecord(**asdict(sealed))):
            return sealed
    raise ExternalDependencyError("could not append to the audit log (too much contention)")


def verify(session: Session) -> ChainCheck:
    """Check the whole chain; ``broken_at`` names the first record that does not fit."""
    return verify_chain(to_core(row) for row in repo.iter_audit(session))


def timeline(session: Session, subject_type: str, subject_id: str | int) -> list[dict[str, Any]]:
    """The records about one subject, oldest first (for a case's timeline)."""
    return [_public(to_core(row)) for row in repo.audit_for(session, subject_type, str(subject_id))]


def _public(record_: AuditRecord) -> dict[str, Any]:
    return {"seq": record_.seq, "at": record_.at, "actor": record_.actor,
            "action": record_.action, "detail": record_.detail}


def export(session: Session) -> Iterable[dict[str, Any]]:
    """Every record as a dict, in order (for an external verifier)."""
    for row in repo.iter_audit(session):
        yield asdict(to_core(row))
