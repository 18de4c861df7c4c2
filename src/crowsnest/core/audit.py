"""An append-only audit log whose records are chained by hashes.

Each record's ``hash`` is SHA-256 over the previous record's hash and the canonical JSON
of the record's own fields (sorted keys, no spaces, UTF-8). Altering, deleting or
re-ordering any record breaks the chain from that point on, which :func:`verify_chain`
finds and reports. Storage (a table) lives elsewhere; this module only seals and checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from crowsnest.core.errors import InvalidInput

GENESIS = "0" * 64
MAX_DETAIL_BYTES = 16 * 1024


def canonical_json(value: Any) -> bytes:
    """The one byte-exact JSON spelling of ``value`` used for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def format_time(moment: datetime) -> str:
    """UTC time with microseconds, the fixed spelling stored in records."""
    if moment.tzinfo is None:
        raise InvalidInput("audit times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class AuditRecord:
    """One sealed audit record. ``seq`` starts at 1 and has no gaps."""

    seq: int
    at: str
    actor: str
    action: str
    subject_type: str
    subject_id: str
    detail: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The fields covered by the hash (everything but the hashes themselves)."""
        data = asdict(self)
        data.pop("prev_hash")
        data.pop("hash")
        return data


def record_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """SHA-256 hex over the previous hash, a newline and the canonical body."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_json(dict(body))).hexdigest()


def seal(previous: AuditRecord | None, *, actor: str, action: str, subject_type: str,
         subject_id: str | int, detail: Mapping[str, Any] | None = None,
         at: datetime | None = None) -> AuditRecord:
    """The next record after ``previous`` (``None`` for the first), hash filled in."""
    if not actor or not action or not subject_type:
        raise InvalidInput("an audit record needs an actor, an action and a subject type")
    body = dict(detail or {})
    try:
        encoded = canonical_json(body)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"audit detail is not plain JSON: {error}") from None
    if len(encoded) > MAX_DETAIL_BYTES:
        raise InvalidInput(f"audit detail is larger than {MAX_DETAIL_BYTES} bytes")
    record = AuditRecord(
        seq=1 if previous is None else previous.seq + 1,
        at=format_time(at or datetime.now(UTC)),
        actor=actor, action=action, subject_type=subject_type, subject_id=str(subject_id),
        detail=json.loads(encoded), prev_hash=GENESIS if previous is None else previous.hash,
    )
    return AuditRecord(**{**asdict(record), "hash": record_hash(record.prev_hash, record.body())})


@dataclass(frozen=True)
class ChainCheck:
    """Result of :func:`verify_chain`: ``broken_at`` is the seq of the first bad record."""

    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain(records: Iterable[AuditRecord | Mapping[str, Any]],
                 start_hash: str = GENESIS, start_seq: int = 1) -> ChainCheck:
    """Walk ``records`` in order and report the first broken link, if any.

    ``start_hash``/``start_seq`` let a caller verify a tail after a checkpoint it trusts.
    """
    expected_prev, expected_seq, checked = start_hash, start_seq, 0
    for item in records:
        record = item if isinstance(item, AuditRecord) else AuditRecord(**dict(item))
        reason = _link_problem(record, expected_prev, expected_seq)
        if reason:
            return ChainCheck(False, checked, record.seq, reason)
        expected_prev, expected_seq, checked = record.hash, record.seq + 1, checked + 1
    return ChainCheck(True, checked)


def _link_problem(record: AuditRecord, expected_prev: str, expected_seq: int) -> str:
    if record.seq != expected_seq:
        return f"expected record {expected_seq}, found {record.seq} (a record is missing or moved)"
    if record.prev_hash != expected_prev:
        return "its previous-hash does not match the record before it"
    if record_hash(record.prev_hash, record.body()) != record.hash:
        return "its content does not match its hash (the record was altered)"
    return ""
