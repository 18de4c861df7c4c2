"""A restarted worker loads its PDQ index from a snapshot and answers as a rebuild would.

Each test writes banks through the services, lets one ``IndexSync`` save a snapshot,
changes the database behind its back, and starts a second ``IndexSync`` on the same
snapshot directory: it must either catch up from the snapshot and answer exactly like an
index rebuilt from the database, or -- when the snapshot cannot be trusted -- rebuild.
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.db.models import utcnow
from crowsnest.db.models_service import ChangeLog
from crowsnest.db.repositories import changelog
from crowsnest.services import banks
from crowsnest.services.index_snapshots import SnapshotStore, resolve_directory
from crowsnest.services.index_sync import IndexSync
from tests.hashes import flip_bits, random_pdq


@pytest.fixture
def factory(fresh_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    return fresh_factory


def _fill(factory: sessionmaker[Session], rng: random.Random) -> list[str]:
    values = [random_pdq(rng) for _ in range(300)]
    with unit_of_work(factory) as session:
        for bank in ("alpha", "beta"):
            banks.create_bank(session, bank)
        for i, value in enumerate(values):
            banks.add_hash(session, "alpha" if i % 2 else "beta", "pdq", value)
    return values


def _answers(sync: IndexSync, queries: list[str]) -> list[list[tuple[int, int]]]:
    index = sync.require().indexes["pdq"]
    return [[(m.entry_id, m.distance) for m in index.query(q, 31)] for q in queries]


def _largest_file(directory: Path) -> Path:
    """The array holding the hashes (the biggest file), whichever segment it is in."""
    return max(directory.glob("*.npy"), key=lambda path: path.stat().st_size)


def _sync(factory: sessionmaker[Session], directory: Path | None) -> IndexSync:
    sync = IndexSync(factory, snapshots=SnapshotStore(directory) if directory else None)
    sync.load()
    return sync


def test_restart_from_snapshot_answers_like_a_rebuild(
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    rng = random.Random(7)
    values = _fill(factory, rng)
    first = _sync(factory, tmp_path / "idx")
    assert first.loaded_from == "database"
    assert first.save_snapshot() == ["pdq"]
    assert first.save_snapshot() is None  # nothing changed since: no rewrite

    # changes made while no worker runs: adds, a disabled entry, a disabled bank, a deleted entry
    added = [random_pdq(rng) for _ in range(20)]
    with unit_of_work(factory) as session:
        banks.create_bank(session, "gamma")
        for value in added:
            banks.add_hash(session, "gamma", "pdq", value)
        gone = banks.find_entry(session, "alpha", "pdq", values[1])
        banks.set_entry_enabled(session, gone.id, False)
        banks.set_bank_enabled(session, "beta", False)
        banks.delete_entry(session, banks.find_entry(session, "alpha", "pdq", values[3]).id)

    second = _sync(factory, tmp_path / "idx")
    rebuilt = _sync(factory, None)
    assert second.loaded_from == "snapshot"
    assert second.status().loaded and second.watermark == rebuilt.watermark
    queries = values + added + [flip_bits(v, rng.randint(0, 40), rng) for v in values[:100]]
    assert _answers(second, queries) == _answers(rebuilt, queries)
    assert _answers(second, [values[1]]) == [[]]  # disabled
    assert _answers(second, [values[0]]) == [[]]  # in the disabled bank
    assert len(_answers(second, added[:1])[0]) == 1


def test_deleted_bank_and_changes_after_load_are_applied(
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    rng = random.Random(8)
    values = _fill(factory, rng)
    first = _sync(factory, tmp_path / "idx")
    first.save_snapshot()
    with unit_of_work(factory) as session:
        banks.delete_bank(session, "beta")
    second = _sync(factory, tmp_path / "idx")
    assert second.loaded_from == "snapshot"
    assert _answers(second, [values[0]]) == [[]]  # beta held the even values
    with unit_of_work(factory) as session:
        banks.add_hash(session, "alpha", "pdq", values[0])
    assert second.poll_once() >= 1
    assert _answers(second, [values[0]])[0][0][1] == 0


def test_corrupt_snapshot_is_rebuilt_not_trusted(
    factory: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    values = _fill(factory, random.Random(9))
    _sync(factory, tmp_path / "idx").save_snapshot()
    words = _largest_file(tmp_path / "idx" / "pdq")
    data = bytearray(words.read_bytes())
    data[-100] ^= 0xFF  # one flipped byte in the hash data: same shape, wrong content
    words.write_bytes(bytes(data))
    second = _sync(factory, tmp_path / "idx")
    assert second.loaded_from == "database"
    assert "unusable" in caplog.text
    assert all(len(hits) == 1 for hits in _answers(second, values))


def test_truncated_snapshot_is_rebuilt(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _fill(factory, random.Random(10))
    _sync(factory, tmp_path / "idx").save_snapshot()
    biggest = _largest_file(tmp_path / "idx" / "pdq")
    biggest.write_bytes(biggest.read_bytes()[:-300])
    assert _sync(factory, tmp_path / "idx").loaded_from == "database"


def test_pruned_change_log_forces_a_rebuild(
    factory: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    rng = random.Random(11)
    _fill(factory, rng)
    first = _sync(factory, tmp_path / "idx")
    first.save_snapshot()
    with unit_of_work(factory) as session:
        banks.add_hash(session, "alpha", "pdq", random_pdq(rng))
        # age the whole log, then prune: the snapshot's change is gone
        session.execute(update(ChangeLog).values(created_at=utcnow() - timedelta(days=3)))
        assert changelog.prune(session, utcnow() - timedelta(days=1)) > 0
    second = _sync(factory, tmp_path / "idx")
    assert second.loaded_from == "database"
    assert "no longer in the change log" in caplog.text


def test_prune_deletes_only_a_prefix_of_ids(factory: sessionmaker[Session]) -> None:
    _fill(factory, random.Random(12))
    with unit_of_work(factory) as session:
        ids = [row.id for row in changelog.since(session, 0, 10_000)]
        middle = ids[len(ids) // 2]
        # an old row *after* a young one (a slow transaction): pruning keeps the young one
        session.execute(update(ChangeLog).where(ChangeLog.id <= middle)
                        .values(created_at=utcnow() - timedelta(days=3)))
        session.execute(update(ChangeLog).where(ChangeLog.id == middle - 5)
                        .values(created_at=utcnow()))
        changelog.prune(session, utcnow() - timedelta(days=1))
        left = [row.id for row in changelog.since(session, 0, 10_000)]
    assert left == [i for i in ids if i > middle]


def test_snapshot_of_another_database_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    engines = [make_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db")]
    factories = [make_session_factory(engine) for engine in engines]
    for engine in engines:
        upgrade(engine)
    _fill(factories[0], random.Random(13))
    _sync(factories[0], tmp_path / "idx").save_snapshot()
    with unit_of_work(factories[1]) as session:  # same change ids, other database
        banks.create_bank(session, "other")
        values = [random_pdq(random.Random(14)) for _ in range(300)]
        for value in values:
            banks.add_hash(session, "other", "pdq", value)
        session.execute(update(ChangeLog).values(created_at=utcnow() - timedelta(hours=5)))
    second = _sync(factories[1], tmp_path / "idx")
    assert second.loaded_from == "database"
    assert "another database" in caplog.text
    assert all(len(hits) == 1 for hits in _answers(second, values))
    for engine in engines:
        engine.dispose()


def test_one_writer_at_a_time_and_newer_snapshot_kept(
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    rng = random.Random(15)
    _fill(factory, rng)
    old = _sync(factory, tmp_path / "idx")
    with unit_of_work(factory) as session:
        banks.add_hash(session, "alpha", "pdq", random_pdq(rng))
    new = _sync(factory, tmp_path / "idx")
    assert new.watermark > old.watermark
    assert new.save_snapshot() == ["pdq"]
    assert old.save_snapshot(force=True) == []  # a lagging worker never replaces it
    store = SnapshotStore(tmp_path / "idx")
    assert store.describe()[0].change_id == new.watermark

    held, results = threading.Event(), []
    release = threading.Event()

    def hold_lock() -> None:
        with store._locked(exclusive=True, wait=True):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(10)
    results.append(new.save_snapshot(force=True))  # skipped, not blocked
    release.set()
    holder.join()
    assert results == [None]


def test_directory_setting() -> None:
    assert resolve_directory("auto", "sqlite:////srv/crowsnest.db") == Path("/srv/crowsnest.db.index")
    assert resolve_directory("auto", "sqlite://") is None
    assert resolve_directory("auto", "postgresql+psycopg://u@h/db") is None
    assert resolve_directory("off", "sqlite:////srv/crowsnest.db") is None
    assert resolve_directory("/var/lib/cn", "postgresql+psycopg://u@h/db") == Path("/var/lib/cn")
