"""Queries on bank entries: single lookups, chunked merge-on-duplicate inserts, streaming.

Entries are unique per (bank, signal type, SHA-256 of the value). Adding a value that is
already in the bank MERGES: labels are unioned (existing order first), empty provenance
fields (source, external id, note, added_by) are filled, everything else is kept --
including a disabled flag, so re-importing a list never silently re-enables an entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from crowsnest.db.models import Bank, BankEntry, utcnow, value_digest

#: Rows fetched per round trip when streaming entries (index builds, exports).
STREAM_BATCH = 5_000
_FILLABLE = ("source", "external_id", "note", "added_by")


@dataclass
class EntryData:
    """A validated entry to store: canonical value, normalised labels."""

    signal_type: str
    value: str
    labels: list[str] = field(default_factory=list)
    source: str | None = None
    external_id: str | None = None
    note: str | None = None
    added_at: datetime | None = None
    added_by: str | None = None

    def merge(self, other: EntryData) -> None:
        """Fold a duplicate of this entry into it (the same rule as for stored entries)."""
        self.labels = union_labels(self.labels, other.labels)
        for name in _FILLABLE:
            if getattr(self, name) is None:
                setattr(self, name, getattr(other, name))


@dataclass(frozen=True)
class EntryHit:
    """What matching needs to know about one index hit, joined with its bank."""

    entry_id: int
    bank_id: int
    bank_name: str
    bank_enabled: bool
    bank_pdq_threshold: int | None
    entry_enabled: bool
    signal_type: str
    labels: list[str]


def union_labels(existing: Sequence[str], new: Iterable[str]) -> list[str]:
    """Existing labels, then new ones not yet present (order kept, no duplicates)."""
    out = list(existing)
    out.extend(label for label in dict.fromkeys(new) if label not in existing)
    return out


def get(session: Session, entry_id: int) -> BankEntry | None:
    """The entry with primary key ``entry_id``, or None."""
    return session.get(BankEntry, entry_id)


def find(session: Session, bank_id: int, signal_type: str, value: str) -> BankEntry | None:
    """The entry of ``bank_id`` holding ``value`` of ``signal_type``, or None."""
    query = select(BankEntry).where(
        BankEntry.value_digest == value_digest(value),
        BankEntry.bank_id == bank_id,
        BankEntry.signal_type == signal_type,
    )
    # upsert_chunk writes through Core: refresh any copy already in the identity map
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


_MERGE_COLUMNS = (BankEntry.id, BankEntry.signal_type, BankEntry.value_digest,
                  BankEntry.labels, BankEntry.source, BankEntry.external_id, BankEntry.note,
                  BankEntry.added_by)


def _merged_values(stored: Any, data: EntryData) -> dict[str, Any] | None:
    """Column values after merging ``data`` into a stored row; None when nothing changes."""
    labels = union_labels(stored.labels or [], data.labels)
    values: dict[str, Any] = {"id": stored.id, "labels": labels}
    changed = labels != (stored.labels or [])
    for name in _FILLABLE:
        current = getattr(stored, name)
        values[name] = current if current is not None else getattr(data, name)
        changed = changed or values[name] != current
    return values if changed else None


def upsert_chunk(session: Session, bank_id: int, rows: Sequence[EntryData]) -> tuple[int, int]:
    """Insert a chunk of entries, merging duplicates; returns ``(inserted, merged)``.

    A duplicate is a row whose value is already stored in the bank or appeared earlier in
    the chunk. Everything runs as Core statements (one SELECT per signal type, one
    multi-row INSERT, one executemany UPDATE) so no ORM objects pile up in a long import.
    """
    unique: dict[tuple[str, str], EntryData] = {}
    for row in rows:
        key = (row.signal_type, value_digest(row.value))
        if key in unique:
            unique[key].merge(row)
        else:
            unique[key] = EntryData(**{**row.__dict__, "labels": list(row.labels)})
    merged = len(rows) - len(unique)
    updates = []
    for stored in _stored(session, bank_id, unique):
        data = unique.pop((stored.signal_type, stored.value_digest), None)
        if data is not None:
            merged += 1
            values = _merged_values(stored, data)
            if values is not None:
                updates.append(values)
    if updates:
        session.execute(update(BankEntry), updates)
    if unique:
        now = utcnow()
        # a Core INSERT on the table skips the ORM bulk machinery (about twice as fast)
        session.connection().execute(
            insert(BankEntry.__table__),
            [_row_values(bank_id, key[1], d, now) for key, d in unique.items()])
    return len(unique), merged


def _stored(session: Session, bank_id: int, keys: Iterable[tuple[str, str]]) -> list[Any]:
    """Stored rows (merge columns only) with the given (signal type, digest) keys.

    One query per signal type, on every column of the unique constraint, so its index
    answers instead of a scan over the whole bank.
    """
    by_type: dict[str, list[str]] = {}
    for signal_type, digest in keys:
        by_type.setdefault(signal_type, []).append(digest)
    found: list[Any] = []
    for signal_type, digests in sorted(by_type.items()):
        found.extend(session.execute(select(*_MERGE_COLUMNS).where(
            BankEntry.value_digest.in_(sorted(digests)), BankEntry.bank_id == bank_id,
            BankEntry.signal_type == signal_type,
        )))
    return found


def _row_values(bank_id: int, digest: str, data: EntryData, now: datetime) -> dict[str, Any]:
    return {
        "bank_id": bank_id,
        "signal_type": data.signal_type,
        "value": data.value,
        "value_digest": digest,
        "enabled": True,
        "labels": list(data.labels),
        "source": data.source,
        "external_id": data.external_id,
        "note": data.note,
        "added_at": data.added_at or now,
        "added_by": data.added_by,
    }


def refresh_statistics(session: Session) -> None:
    """Let PostgreSQL's planner see the table's current size (no-op elsewhere).

    Inside one long import the table grows far beyond what the planner's statistics say,
    and it then picks a bank-wide scan for the duplicate lookup of every chunk. ANALYZE in
    the same transaction counts the transaction's own new rows.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE bank_entries"))


def iter_matchable(
    session: Session, signal_type: str, bank_ids: Iterable[int] | None = None
) -> Iterator[tuple[int, str]]:
    """Stream ``(entry_id, value)`` of enabled entries in enabled banks, for index builds."""
    query = (
        select(BankEntry.id, BankEntry.value)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(BankEntry.signal_type == signal_type, BankEntry.enabled, Bank.enabled)
        .order_by(BankEntry.id)
    )
    if bank_ids is not None:
        query = query.where(BankEntry.bank_id.in_(list(bank_ids)))
    for entry_id, value in session.execute(query.execution_options(yield_per=STREAM_BATCH)):
        yield entry_id, value


def iter_bank(
    session: Session,
    bank_id: int,
    *,
    signal_type: str | None = None,
    include_disabled: bool = False,
) -> Iterator[BankEntry]:
    """Stream a bank's entries in id order (exports); objects are not kept in the session."""
    query = select(BankEntry).where(BankEntry.bank_id == bank_id).order_by(BankEntry.id)
    if signal_type is not None:
        query = query.where(BankEntry.signal_type == signal_type)
    if not include_disabled:
        query = query.where(BankEntry.enabled)
    for partition in session.scalars(
        query.execution_options(yield_per=STREAM_BATCH)
    ).partitions():
        yield from partition
        for entry in partition:
            session.expunge(entry)


def list_page(
    session: Session, bank_id: int, *, signal_type: str | None = None,
    limit: int = 100, after_id: int = 0,
) -> list[BankEntry]:
    """One page of a bank's entries with ids above ``after_id`` (keyset pagination)."""
    query = select(BankEntry).where(BankEntry.bank_id == bank_id, BankEntry.id > after_id)
    if signal_type is not None:
        query = query.where(BankEntry.signal_type == signal_type)
    return list(session.scalars(query.order_by(BankEntry.id).limit(limit)))


def counts_by_signal_type(
    session: Session, *, bank_id: int | None = None, matchable_only: bool = False
) -> dict[str, int]:
    """Number of entries per signal type (optionally of one bank, or only matchable ones)."""
    query = select(BankEntry.signal_type, func.count()).group_by(BankEntry.signal_type)
    if bank_id is not None:
        query = query.where(BankEntry.bank_id == bank_id)
    if matchable_only:
        query = query.join(Bank, Bank.id == BankEntry.bank_id).where(
            BankEntry.enabled, Bank.enabled
        )
    return {signal_type: n for signal_type, n in session.execute(query)}


def hits(session: Session, entry_ids: Iterable[int]) -> dict[int, EntryHit]:
    """Entry and bank facts for index hits, keyed by entry id (current database state)."""
    ids = sorted(set(entry_ids))
    out: dict[int, EntryHit] = {}
    for start in range(0, len(ids), 1_000):  # bounded IN lists on every backend
        query = (
            select(
                BankEntry.id, Bank.id, Bank.name, Bank.enabled, Bank.pdq_threshold,
                BankEntry.enabled, BankEntry.signal_type, BankEntry.labels,
            )
            .join(Bank, Bank.id == BankEntry.bank_id)
            .where(BankEntry.id.in_(ids[start:start + 1_000]))
        )
        for row in session.execute(query):
            out[row[0]] = EntryHit(*row[:7], list(row[7] or []))
    return out
