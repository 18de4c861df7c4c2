"""Bank use cases: create, list, rename, enable/disable, delete banks; add and manage entries.

Every function takes the caller's SQLAlchemy session and only flushes; the caller (CLI
unit of work, HTTP request) commits. Results are plain frozen dataclasses, never ORM
objects, so they stay valid after the session closes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crowsnest.core import registry
from crowsnest.core.errors import Conflict, InvalidInput, NotFound
from crowsnest.core.signals.base import MediaSource, SignalType
from crowsnest.db.models import Bank, BankEntry
from crowsnest.db.repositories import banks as bank_repo
from crowsnest.db.repositories import entries as entry_repo
from crowsnest.db.repositories.entries import EntryData
from crowsnest.services.hashing import hash_media_checked

MAX_NAME = 200
MAX_LABEL = 200


@dataclass(frozen=True)
class BankInfo:
    """A bank as callers see it, with its entry counts per signal type."""

    id: int
    name: str
    description: str
    enabled: bool
    pdq_threshold: int | None
    created_at: datetime
    updated_at: datetime
    entry_counts: dict[str, int] = field(default_factory=dict)

    @property
    def total_entries(self) -> int:
        """Entries of every signal type."""
        return sum(self.entry_counts.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (timestamps as ISO 8601)."""
        out = asdict(self)
        out["created_at"] = self.created_at.isoformat()
        out["updated_at"] = self.updated_at.isoformat()
        return out


@dataclass(frozen=True)
class EntryInfo:
    """One bank entry as callers see it."""

    id: int
    bank: str
    signal_type: str
    value: str
    enabled: bool
    labels: list[str]
    source: str | None
    external_id: str | None
    note: str | None
    added_at: datetime
    added_by: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (timestamp as ISO 8601)."""
        out = asdict(self)
        out["added_at"] = self.added_at.isoformat()
        return out


@dataclass(frozen=True)
class AddResult:
    """Outcome of adding one value: the stored entry and whether it was new or merged."""

    entry: EntryInfo
    created: bool
    quality: int | None = None  # hasher's quality score when the value came from media


def bank_info(bank: Bank, counts: dict[str, int] | None = None) -> BankInfo:
    """View of a bank row."""
    return BankInfo(
        bank.id, bank.name, bank.description, bank.enabled, bank.pdq_threshold,
        bank.created_at, bank.updated_at, dict(counts or {}),
    )


def entry_info(entry: BankEntry, bank_name: str) -> EntryInfo:
    """View of an entry row."""
    return EntryInfo(
        entry.id, bank_name, entry.signal_type, entry.value, entry.enabled,
        list(entry.labels or []), entry.source, entry.external_id, entry.note,
        entry.added_at, entry.added_by,
    )


def validate_bank_name(name: str) -> str:
    """A bank name stripped of surrounding space; InvalidInput if empty, too long, or odd."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("a bank name must not be empty")
    name = name.strip()
    if len(name) > MAX_NAME:
        raise InvalidInput(f"a bank name has at most {MAX_NAME} characters")
    if any(not ch.isprintable() for ch in name):
        raise InvalidInput("a bank name must not contain control characters")
    return name


def normalise_labels(labels: Iterable[str] | None) -> list[str]:
    """Labels stripped, de-duplicated (order kept); InvalidInput for empty or odd ones."""
    out: list[str] = []
    for label in labels or ():
        if not isinstance(label, str) or not label.strip():
            raise InvalidInput(f"a label must be a non-empty string, got {label!r}")
        label = label.strip()
        if len(label) > MAX_LABEL or any(not ch.isprintable() for ch in label):
            raise InvalidInput(f"label {label[:40]!r} is too long or has control characters")
        if label not in out:
            out.append(label)
    return out


def validate_threshold(signal_type: str, threshold: int | None) -> int | None:
    """``threshold`` if allowed for ``signal_type`` (0..max_threshold), else InvalidInput."""
    if threshold is None:
        return None
    limit = registry.signal_type(signal_type).max_threshold
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= limit:
        raise InvalidInput(f"a {signal_type} threshold must be an integer from 0 to {limit}, "
                           f"got {threshold!r}")
    return threshold


def require_bank(session: Session, name: str) -> Bank:
    """The bank row called ``name`` or NotFound."""
    bank = bank_repo.get_by_name(session, name)
    if bank is None:
        raise NotFound(f"no bank named {name!r}")
    return bank


def create_bank(
    session: Session, name: str, *, description: str = "", enabled: bool = True,
    pdq_threshold: int | None = None,
) -> BankInfo:
    """Create an empty bank; Conflict if the name is taken."""
    name = validate_bank_name(name)
    threshold = validate_threshold("pdq", pdq_threshold)
    if bank_repo.get_by_name(session, name) is not None:
        raise Conflict(f"a bank named {name!r} already exists")
    try:
        with session.begin_nested():
            bank = bank_repo.add(session, Bank(
                name=name, description=description or "", enabled=enabled,
                pdq_threshold=threshold,
            ))
    except IntegrityError as error:  # lost a race with another writer
        raise Conflict(f"a bank named {name!r} already exists") from error
    return bank_info(bank)


def list_banks(session: Session) -> list[BankInfo]:
    """Every bank by name, with entry counts."""
    banks = bank_repo.list_all(session)
    counts = bank_repo.entry_counts(session)
    return [bank_info(b, counts.get(b.id)) for b in banks]


def bank_names(session: Session) -> list[str]:
    """Every bank's name, without counting entries (cheap, for choosers)."""
    return [bank.name for bank in bank_repo.list_all(session)]


def get_bank(session: Session, name: str) -> BankInfo:
    """One bank by name with entry counts; NotFound if absent."""
    bank = require_bank(session, name)
    return bank_info(bank, bank_repo.entry_counts(session, [bank.id]).get(bank.id))


def rename_bank(session: Session, name: str, new_name: str) -> BankInfo:
    """Give a bank a new name; Conflict if another bank has it."""
    bank = require_bank(session, name)
    new_name = validate_bank_name(new_name)
    if new_name != bank.name and bank_repo.get_by_name(session, new_name) is not None:
        raise Conflict(f"a bank named {new_name!r} already exists")
    bank.name = new_name
    session.flush()
    return get_bank(session, new_name)


def update_bank(
    session: Session, name: str, *, description: str | None = None,
    enabled: bool | None = None, pdq_threshold: int | None = None,
    clear_pdq_threshold: bool = False,
) -> BankInfo:
    """Change a bank's description, enabled flag or PDQ threshold override."""
    bank = require_bank(session, name)
    if description is not None:
        bank.description = description
    if enabled is not None:
        bank.enabled = enabled
    if clear_pdq_threshold:
        bank.pdq_threshold = None
    elif pdq_threshold is not None:
        bank.pdq_threshold = validate_threshold("pdq", pdq_threshold)
    session.flush()
    return get_bank(session, bank.name)


def set_bank_enabled(session: Session, name: str, enabled: bool) -> BankInfo:
    """Enable or disable a bank (a disabled bank never matches)."""
    return update_bank(session, name, enabled=enabled)


def delete_bank(session: Session, name: str) -> int:
    """Delete a bank with all its entries; returns how many entries went with it."""
    bank = require_bank(session, name)
    removed = sum(bank_repo.entry_counts(session, [bank.id]).get(bank.id, {}).values())
    bank_repo.delete(session, bank)
    return removed


def canonical_value(signal_type: str, value: str) -> tuple[SignalType, str]:
    """The signal type and ``value`` validated into canonical form (typed errors otherwise)."""
    signal = registry.signal_type(signal_type)
    if not isinstance(value, str):
        raise InvalidInput(f"a {signal_type} hash must be text, got {type(value).__name__}")
    return signal, signal.validate(value.strip())


def _store_one(session: Session, bank: Bank, data: EntryData) -> AddResult:
    inserted, _ = entry_repo.upsert_chunk(session, bank.id, [data])
    entry = entry_repo.find(session, bank.id, data.signal_type, data.value)
    assert entry is not None  # just written in this transaction
    return AddResult(entry_info(entry, bank.name), created=inserted == 1)


def add_hash(
    session: Session, bank: str, signal_type: str, value: str, *,
    labels: Iterable[str] | None = None, source: str | None = None,
    external_id: str | None = None, note: str | None = None, added_by: str | None = None,
) -> AddResult:
    """Add one hash value to ``bank`` (merging into an existing equal entry)."""
    row = require_bank(session, bank)
    _, canonical = canonical_value(signal_type, value)
    return _store_one(session, row, EntryData(
        signal_type, canonical, normalise_labels(labels), source, external_id, note,
        added_by=added_by,
    ))


def add_media(
    session: Session, bank: str, source: MediaSource, *,
    signal_types: Sequence[str] | None = None, labels: Iterable[str] | None = None,
    note: str | None = None, source_name: str | None = None, added_by: str | None = None,
    max_pixels: int | None = None, max_bytes: int | None = None,
) -> list[AddResult]:
    """Hash media and add every signal computed for it (e.g. pdq, md5, sha256 for a photo).

    The media itself is never stored. Raises the hasher's ``MediaError`` for bad media.
    """
    row = require_bank(session, bank)
    clean_labels = normalise_labels(labels)
    hashes = hash_media_checked(source, signal_types=signal_types, max_pixels=max_pixels,
                                max_bytes=max_bytes)
    results = []
    for name, signal in hashes.signals.items():
        result = _store_one(session, row, EntryData(
            name, signal.value, clean_labels, source_name, None, note, added_by=added_by,
        ))
        results.append(AddResult(result.entry, result.created, signal.quality))
    return results


def _require_entry(session: Session, entry_id: int) -> BankEntry:
    entry = entry_repo.get(session, entry_id)
    if entry is None:
        raise NotFound(f"no bank entry with id {entry_id}")
    return entry


def get_entry(session: Session, entry_id: int) -> EntryInfo:
    """One entry by id; NotFound if absent."""
    entry = _require_entry(session, entry_id)
    return entry_info(entry, entry.bank.name)


def find_entry(session: Session, bank: str, signal_type: str, value: str) -> EntryInfo:
    """The entry of ``bank`` holding ``value``; NotFound if the bank lacks it."""
    row = require_bank(session, bank)
    _, canonical = canonical_value(signal_type, value)
    entry = entry_repo.find(session, row.id, signal_type, canonical)
    if entry is None:
        raise NotFound(f"bank {bank!r} holds no such {signal_type} hash")
    return entry_info(entry, row.name)


def list_entries(
    session: Session, bank: str, *, signal_type: str | None = None, limit: int = 100,
    after_id: int = 0,
) -> list[EntryInfo]:
    """A page of a bank's entries in id order, starting after ``after_id``."""
    row = require_bank(session, bank)
    if not 1 <= limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000")
    page = entry_repo.list_page(session, row.id, signal_type=signal_type, limit=limit,
                                after_id=after_id)
    return [entry_info(e, row.name) for e in page]


def set_entry_enabled(session: Session, entry_id: int, enabled: bool) -> EntryInfo:
    """Enable or disable one entry (a disabled entry never matches)."""
    entry = _require_entry(session, entry_id)
    entry.enabled = enabled
    session.flush()
    return entry_info(entry, entry.bank.name)


def delete_entry(session: Session, entry_id: int) -> EntryInfo:
    """Delete one entry; returns what it was."""
    entry = _require_entry(session, entry_id)
    info = entry_info(entry, entry.bank.name)
    session.delete(entry)
    session.flush()
    return info
