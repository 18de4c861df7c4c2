"""Bank service: lifecycle, validation, merge-on-duplicate, entries; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowsnest.core.errors import (
    Conflict,
    InvalidHash,
    InvalidInput,
    MediaError,
    NotFound,
    UnknownSignalType,
)
from crowsnest.db.models import BankEntry
from crowsnest.services import banks
from crowsnest.testing.samples import sample_path

PDQ = "e70e9c3973cf2370cb461e3173ebcdb96586c63118cb7389ae36ac40a64c51ab"
MD5 = "cf932b2bf2b4948309e9c81c18fc5d1d"


def entry_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(BankEntry)) or 0


def test_bank_lifecycle(db_session: Session) -> None:
    created = banks.create_bank(db_session, "  known  ", description="d", pdq_threshold=20)
    assert (created.name, created.description, created.enabled, created.pdq_threshold) == (
        "known", "d", True, 20)
    banks.create_bank(db_session, "another")
    assert [b.name for b in banks.list_banks(db_session)] == ["another", "known"]
    renamed = banks.rename_bank(db_session, "known", "renamed")
    assert renamed.id == created.id and renamed.name == "renamed"
    assert banks.set_bank_enabled(db_session, "renamed", False).enabled is False
    assert banks.set_bank_enabled(db_session, "renamed", True).enabled is True
    cleared = banks.update_bank(db_session, "renamed", clear_pdq_threshold=True)
    assert cleared.pdq_threshold is None
    banks.add_hash(db_session, "renamed", "pdq", PDQ)
    assert banks.delete_bank(db_session, "renamed") == 1
    assert [b.name for b in banks.list_banks(db_session)] == ["another"]
    assert entry_count(db_session) == 0  # the entries went with the bank (ON DELETE CASCADE)


def test_bad_bank_input(db_session: Session) -> None:
    banks.create_bank(db_session, "taken")
    banks.create_bank(db_session, "other")
    with pytest.raises(Conflict):
        banks.create_bank(db_session, "taken")
    with pytest.raises(Conflict):
        banks.rename_bank(db_session, "other", "taken")
    with pytest.raises(NotFound):
        banks.get_bank(db_session, "missing")
    with pytest.raises(NotFound):
        banks.add_hash(db_session, "missing", "pdq", PDQ)
    for bad in ["", "   ", "a\nb", "x" * 201]:
        with pytest.raises(InvalidInput):
            banks.create_bank(db_session, bad)
    for threshold in [-1, 65, True]:
        with pytest.raises(InvalidInput):
            banks.create_bank(db_session, "t", pdq_threshold=threshold)  # type: ignore[arg-type]
    assert [b.name for b in banks.list_banks(db_session)] == ["other", "taken"]


@pytest.mark.parametrize(("signal_type", "value", "error"), [
    ("pdq", PDQ[:-1], InvalidHash),          # wrong length
    ("pdq", "z" + PDQ[1:], InvalidHash),      # not hex
    ("md5", PDQ, InvalidHash),                # a PDQ value is not an MD5
    ("sha256", "", InvalidHash),
    ("nosuchhash", PDQ, UnknownSignalType),
])
def test_malformed_hashes_are_refused_and_nothing_is_written(
    db_session: Session, signal_type: str, value: str, error: type[Exception],
) -> None:
    banks.create_bank(db_session, "b")
    with pytest.raises(error):
        banks.add_hash(db_session, "b", signal_type, value)
    assert entry_count(db_session) == 0


def test_duplicates_merge_labels_and_fill_empty_fields(db_session: Session) -> None:
    banks.create_bank(db_session, "b")
    first = banks.add_hash(db_session, "b", "pdq", PDQ.upper(), labels=["industry:A1"])
    assert first.created and first.entry.value == PDQ  # stored in canonical lowercase
    again = banks.add_hash(db_session, "b", "pdq", PDQ, labels=["industry:A1", "x"],
                           source="ncmec", note="seen twice")
    assert not again.created and again.entry.id == first.entry.id
    assert again.entry.labels == ["industry:A1", "x"]
    assert (again.entry.source, again.entry.note) == ("ncmec", "seen twice")
    kept = banks.add_hash(db_session, "b", "pdq", PDQ, source="other")
    assert kept.entry.source == "ncmec"  # filled fields are kept, never overwritten
    assert entry_count(db_session) == 1
    # the same value in another bank, or as another signal type, is a separate entry
    banks.create_bank(db_session, "c")
    banks.add_hash(db_session, "c", "pdq", PDQ)
    banks.add_hash(db_session, "b", "md5", MD5)
    assert banks.get_bank(db_session, "b").entry_counts == {"pdq": 1, "md5": 1}
    assert entry_count(db_session) == 3


def test_add_media_stores_every_signal_and_never_the_media(db_session: Session) -> None:
    banks.create_bank(db_session, "b")
    results = banks.add_media(db_session, "b", sample_path("shapes.jpg"), labels=["l"],
                              source_name="shapes.jpg")
    by_type = {r.entry.signal_type: r for r in results}
    assert set(by_type) == {"pdq", "md5", "sha256"}
    assert by_type["pdq"].entry.value == PDQ and by_type["pdq"].quality == 85
    assert by_type["md5"].entry.value == MD5
    assert all(r.entry.source == "shapes.jpg" and r.entry.labels == ["l"] for r in results)
    with pytest.raises(MediaError):
        banks.add_media(db_session, "b", b"")
    assert entry_count(db_session) == 3


def test_entry_management(db_session: Session) -> None:
    banks.create_bank(db_session, "b")
    entry = banks.add_hash(db_session, "b", "md5", MD5, labels=["a"]).entry
    assert banks.get_entry(db_session, entry.id) == entry
    assert banks.find_entry(db_session, "b", "md5", MD5.upper()).id == entry.id
    assert banks.set_entry_enabled(db_session, entry.id, False).enabled is False
    assert banks.add_hash(db_session, "b", "md5", MD5).entry.enabled is False  # not re-enabled
    assert [e.id for e in banks.list_entries(db_session, "b")] == [entry.id]
    assert banks.delete_entry(db_session, entry.id).id == entry.id
    for call in (lambda: banks.get_entry(db_session, entry.id),
                 lambda: banks.set_entry_enabled(db_session, entry.id, True),
                 lambda: banks.delete_entry(db_session, entry.id),
                 lambda: banks.find_entry(db_session, "b", "md5", MD5)):
        with pytest.raises(NotFound):
            call()
