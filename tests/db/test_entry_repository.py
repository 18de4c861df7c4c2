"""Entry queries: chunked upsert with merging, streaming for index builds, counts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crowsnest.db.models import Bank
from crowsnest.db.repositories import banks as bank_repo
from crowsnest.db.repositories import entries as entry_repo
from crowsnest.db.repositories.entries import EntryData


def test_upsert_chunk_merges_within_the_chunk_and_with_stored_rows(db_session: Session) -> None:
    bank = bank_repo.add(db_session, Bank(name="b"))
    first = [EntryData("md5", "a" * 32, ["x"]), EntryData("md5", "a" * 32, ["y"], source="s"),
             EntryData("sha256", "a" * 64)]
    assert entry_repo.upsert_chunk(db_session, bank.id, first) == (2, 1)
    second = [EntryData("md5", "a" * 32, ["z"], source="other", note="n"),
              EntryData("md5", "b" * 32)]
    assert entry_repo.upsert_chunk(db_session, bank.id, second) == (1, 1)
    stored = entry_repo.find(db_session, bank.id, "md5", "a" * 32)
    assert stored is not None
    assert (stored.labels, stored.source, stored.note) == (["x", "y", "z"], "s", "n")
    assert entry_repo.counts_by_signal_type(db_session, bank_id=bank.id) == {
        "md5": 2, "sha256": 1}


def test_streaming_for_index_builds_skips_disabled_entries_and_banks(db_session: Session) -> None:
    on = bank_repo.add(db_session, Bank(name="on"))
    off = bank_repo.add(db_session, Bank(name="off", enabled=False))
    entry_repo.upsert_chunk(db_session, on.id, [EntryData("md5", c * 32) for c in "abc"])
    entry_repo.upsert_chunk(db_session, off.id, [EntryData("md5", "d" * 32)])
    disabled = entry_repo.find(db_session, on.id, "md5", "b" * 32)
    assert disabled is not None
    disabled.enabled = False
    db_session.flush()
    values = [v for _, v in entry_repo.iter_matchable(db_session, "md5")]
    assert values == ["a" * 32, "c" * 32]
    assert list(entry_repo.iter_matchable(db_session, "md5", [off.id])) == []
    assert list(entry_repo.iter_matchable(db_session, "pdq")) == []
    assert entry_repo.counts_by_signal_type(db_session, matchable_only=True) == {"md5": 2}
    exported = [e.value for e in entry_repo.iter_bank(db_session, on.id, include_disabled=True)]
    assert exported == ["a" * 32, "b" * 32, "c" * 32]
    hits = entry_repo.hits(db_session, [disabled.id])
    assert hits[disabled.id].entry_enabled is False and hits[disabled.id].bank_name == "on"
