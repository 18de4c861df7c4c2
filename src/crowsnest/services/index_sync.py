"""Keep a worker's in-memory match indexes current by replaying the change log.

Every worker (uvicorn process, replica) loads the indexes once at start-up and then polls
``change_log`` every ``index_poll_interval_s`` seconds -- on PostgreSQL also right after
each committed change, woken by the trigger's NOTIFY (:mod:`crowsnest.db.notify`). Each change names an entry (or a
bank whose enabled flag flipped); the worker re-reads the current state of just those
rows and adds or removes them from its indexes in place -- no rebuild, whatever the bank
size -- so a hash added, disabled or deleted through any worker is matched (or no longer
matched) by all of them within about one poll interval.

The watermark is read *before* the initial build: changes that land during the build
are replayed afterwards, which is harmless because applying a change is idempotent
(it re-reads the row's current state).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crowsnest.core.signals.base import SignalHash
from crowsnest.db.engine import unit_of_work
from crowsnest.db.models_service import OP_BANK, OP_DELETE
from crowsnest.db.models import utcnow
from crowsnest.db.repositories import banks as bank_repo
from crowsnest.db.notify import ChangeListener, listener_for
from crowsnest.db.repositories import changelog
from crowsnest.services import telemetry
from crowsnest.services.index_snapshots import SnapshotStore
from crowsnest.services.matching import Matcher, MatchItem

log = logging.getLogger(__name__)
BATCH = 10_000
CHANGE_RETENTION = timedelta(hours=24)
PRUNE_EVERY_S = 600.0


@dataclass(frozen=True)
class IndexStatus:
    """What ``/v1/index`` and ``/readyz`` report for this worker."""

    loaded: bool
    fresh: bool
    sizes: dict[str, int]
    last_change_id: int
    last_change_at: datetime | None
    seconds_since_refresh: float | None
    loaded_from: str | None = None  # "snapshot" or "database"
    load_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dict(self.__dict__)
        out["last_change_at"] = self.last_change_at.isoformat() if self.last_change_at else None
        return out


class IndexSync:
    """A :class:`Matcher` kept current from the change log, safe to use from many threads."""

    def __init__(
        self, factory: sessionmaker[Session], *, pdq_threshold: int = 31,
        stale_after_s: float = 30.0, snapshots: SnapshotStore | None = None,
        snapshot_interval_s: float = 600.0,
    ) -> None:
        self.factory = factory
        self.snapshots = snapshots
        self.snapshot_interval_s = snapshot_interval_s
        self.loaded_from: str | None = None
        self.load_seconds: float | None = None
        self._saved_mark = 0  # change id of the newest snapshot this worker wrote or loaded
        self._snapshot_thread: threading.Thread | None = None
        self.pdq_threshold = pdq_threshold
        self.stale_after_s = stale_after_s
        self.matcher: Matcher | None = None
        self.watermark = 0
        self.last_change_at: datetime | None = None
        self.loaded_at: datetime | None = None
        self._bank_threshold: int | None = None  # largest enabled-bank PDQ override
        self._refreshed = 0.0  # time.monotonic() of the last successful poll
        #: held while the indexes are queried or changed (index classes need not be thread-safe)
        self.lock = threading.RLock()
        self._pruned = 0.0
        #: one long-lived thread for big batch queries: OpenMP-parallel index kernels keep
        #: a thread team per calling thread, and teams of ever-changing request threads
        #: spin against each other on a small machine (measured: 3x slower batches)
        self.batch_executor = ThreadPoolExecutor(max_workers=1,
                                                 thread_name_prefix="crowsnest-batch")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: one replay at a time: two threads replaying the same rows could apply an old
        #: add after a newer remove, and move the watermark backwards
        self._poll_lock = threading.Lock()

    # -- loading and replaying -------------------------------------------------------
    def load(self) -> None:
        """Load the indexes (once, at start-up): from a snapshot if one is usable, else
        from the database; then replay the changes made since, so they are current."""
        with self._poll_lock:
            self._load()

    def _load(self) -> None:
        started = time.monotonic()
        with unit_of_work(self.factory) as session:
            latest = changelog.latest_id(session)
            prebuilt, mark = self.snapshots.load(session) if self.snapshots else ({}, 0)
            matcher = Matcher.build(session, pdq_threshold=self.pdq_threshold,
                                    prebuilt=prebuilt)
            self._bank_threshold = bank_repo.max_pdq_threshold(session)
        for index in matcher.indexes.values():
            settle = getattr(index, "wait", None)  # an index building in the background
            if callable(settle):
                settle()  # "loaded" (and /readyz) means queries run at full speed
        with self.lock:
            # snapshots hold changes up to ``mark`` at least: replay from there (applying
            # a change twice is harmless); indexes read from the database hold ``latest``
            self.watermark = mark if prebuilt else latest
            self.matcher = matcher
        self._saved_mark = mark if prebuilt else 0
        self._replay()
        self.loaded_from = "snapshot" if prebuilt else "database"
        self.loaded_at = utcnow()
        self.load_seconds = round(time.monotonic() - started, 3)
        self._publish()
        log.info("indexes loaded from the %s in %.1f s, current to change %d: %s",
                 self.loaded_from, self.load_seconds, self.watermark, matcher.sizes())

    def catch_up(self) -> int:
        """Apply the changes committed so far, now: a worker reads its own writes at once.

        Called after a curation request commits, so its response is already true of the
        next match on this worker; other workers follow within the polling interval.
        """
        if self.matcher is None:
            return 0
        return self.poll_once()

    def poll_once(self) -> int:
        """Apply every change after the watermark; returns how many were applied."""
        with self._poll_lock:
            return self._poll()

    def _poll(self) -> int:
        if self.matcher is None:
            self._load()
            return 0
        return self._replay()

    def _replay(self) -> int:
        applied = 0
        while True:
            with unit_of_work(self.factory) as session:
                rows = changelog.since(session, self.watermark, BATCH)
                if rows:
                    self._apply(session, rows)
                self._bank_threshold = bank_repo.max_pdq_threshold(session)
            applied += len(rows)
            if len(rows) < BATCH:
                break
        self._refreshed = time.monotonic()
        if applied:
            self._publish()
        if self._refreshed - self._pruned > PRUNE_EVERY_S:
            self._prune()
        return applied

    # -- snapshots -------------------------------------------------------------------
    def save_snapshot(self, force: bool = False) -> list[str] | None:
        """Write the persistable indexes to the snapshot directory if they changed since
        the last snapshot (``force``: even if not). Returns the signal types written, or
        None when snapshots are off, nothing changed, or another worker is writing."""
        if self.snapshots is None or self.matcher is None:
            return None
        # every change up to the watermark is already in the indexes (it moves only after
        # a batch is applied), so a snapshot of them is complete at least to this change
        mark = self.watermark
        if mark <= 0 or (mark <= self._saved_mark and not force):
            return None
        with unit_of_work(self.factory) as session:
            fingerprint = changelog.fingerprint(session, mark)
        if fingerprint is None:
            return None
        written = self.snapshots.save(self.matcher.indexes, mark, fingerprint)
        if written is not None:
            self._saved_mark = mark
            if written:
                log.info("index snapshot written at change %d: %s", mark, ", ".join(written))
        return written

    def _snapshot_loop(self) -> None:
        """Snapshot soon after a rebuild, then every interval while the indexes change."""
        wait = 0.0 if self.loaded_from == "database" else self.snapshot_interval_s
        while not self._stop.wait(wait):
            try:
                self.save_snapshot()
            except Exception:  # a full disk must not take the worker down
                log.exception("index snapshot failed")
            if self.snapshot_interval_s <= 0:
                return
            wait = self.snapshot_interval_s

    def _prune(self) -> None:
        # every worker loads the full indexes at start-up, so old changes are only needed
        # by a worker that lags by more than the retention -- which would be broken anyway
        with unit_of_work(self.factory) as session:
            changelog.prune(session, utcnow() - CHANGE_RETENTION)
        self._pruned = time.monotonic()

    def _apply(self, session: Session, rows: Sequence[Any]) -> None:
        upserts: set[int] = set()
        deletes: dict[int, str | None] = {}
        banks: list[int] = []
        for row in rows:
            if row.op == OP_BANK and row.bank_id is not None:
                banks.append(row.bank_id)
            elif row.entry_id is not None and row.op == OP_DELETE:
                deletes[row.entry_id] = row.signal_type
                upserts.discard(row.entry_id)
            elif row.entry_id is not None:
                upserts.add(row.entry_id)
                deletes.pop(row.entry_id, None)
        states = changelog.entry_states(session, upserts)
        adds: dict[str, list[tuple[int, str]]] = defaultdict(list)
        removes: dict[str, list[int]] = defaultdict(list)
        for entry_id, signal_type in deletes.items():
            removes[signal_type or ""].append(entry_id)
        for entry_id in upserts:
            state = states.get(entry_id)
            if state is None:  # deleted again later in this batch's future
                for name in self._signal_types():
                    removes[name].append(entry_id)
            elif state[2]:
                adds[state[0]].append((entry_id, state[1]))
            else:
                removes[state[0]].append(entry_id)
        for bank_id in dict.fromkeys(banks):
            for entry_id, signal_type, value, matchable in changelog.bank_entries(session, bank_id):
                (adds[signal_type].append((entry_id, value)) if matchable
                 else removes[signal_type].append(entry_id))
        self._mutate(adds, removes)
        self.watermark = rows[-1].id
        self.last_change_at = rows[-1].created_at

    def _signal_types(self) -> list[str]:
        return list(self.matcher.indexes) if self.matcher else []

    def _mutate(self, adds: Mapping[str, list[tuple[int, str]]],
                removes: Mapping[str, list[int]]) -> None:
        assert self.matcher is not None
        with self.lock:
            for signal_type, ids in removes.items():
                targets = [signal_type] if signal_type else self._signal_types()
                for name in targets:
                    self.matcher.remove(name, ids)
            for signal_type, items in adds.items():
                self.matcher.add(signal_type, items)

    def _publish(self) -> None:
        if self.matcher is not None:
            telemetry.set_index_state(self.matcher.sizes(), self.watermark)

    # -- queries -------------------------------------------------------------------
    def match_signals(
        self, session: Session, signals: Mapping[str, SignalHash | str], *,
        variants: Mapping[str, SignalHash | str] | None = None,
        threshold: int | None = None, banks: Sequence[str] | None = None,
    ) -> list[MatchItem]:
        """Match already computed hashes (see :meth:`Matcher.match_signals`)."""
        matcher = self.require()
        with self.lock:
            return matcher.match_signals(session, signals, variants=variants,
                                         threshold=threshold, banks=banks)

    def search_radius(self) -> int:
        """PDQ radius for queries without their own threshold: the default or the largest
        enabled bank override (refreshed every poll; per-bank limits are applied after)."""
        override = self._bank_threshold
        return max(self.pdq_threshold, override if override is not None else 0)

    def ready_matcher(self) -> Matcher | None:
        """The matcher if loaded, else None (callers that can build one themselves)."""
        return self.matcher if self.matcher is not None and self.loaded_from is not None else None

    def require(self) -> Matcher:
        """The matcher, or a 503-class error while the indexes are not loaded yet."""
        if self.matcher is None or self.loaded_from is None:  # not yet caught up
            from crowsnest.core.errors import ExternalDependencyError

            raise ExternalDependencyError("the match indexes are still loading; retry shortly")
        return self.matcher

    def status(self) -> IndexStatus:
        """Sizes, watermark and freshness of this worker's indexes."""
        loaded = self.matcher is not None and self.loaded_from is not None
        age = time.monotonic() - self._refreshed if loaded else None
        return IndexStatus(
            loaded=loaded, fresh=loaded and age is not None and age <= self.stale_after_s,
            sizes=self.matcher.sizes() if self.matcher else {},
            last_change_id=self.watermark, last_change_at=self.last_change_at,
            seconds_since_refresh=round(age, 3) if age is not None else None,
            loaded_from=self.loaded_from, load_seconds=self.load_seconds,
        )

    # -- background thread -----------------------------------------------------------
    def start(self, interval_s: float) -> None:
        """Load (if needed) and poll every ``interval_s`` seconds in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            listener = listener_for(self.factory.kw["bind"])
            try:
                while not self._stop.is_set():
                    try:
                        self.poll_once()
                    except Exception:  # keep polling through database hiccups
                        log.exception("index sync round failed")
                    listener = self._wait(listener, interval_s)
            finally:
                if listener is not None:
                    listener.close()

        self._thread = threading.Thread(target=loop, name="crowsnest-index-sync", daemon=True)
        self._thread.start()
        if self.snapshots is not None:
            self._snapshot_thread = threading.Thread(
                target=self._snapshot_loop, name="crowsnest-index-snapshot", daemon=True)
            self._snapshot_thread.start()

    def _wait(self, listener: ChangeListener | None, interval_s: float) -> ChangeListener | None:
        """Sleep until the next poll: a NOTIFY wakes us early on PostgreSQL."""
        if listener is None:
            self._stop.wait(interval_s)
            return None
        deadline = time.monotonic() + interval_s
        try:
            # short slices so stop() is never kept waiting for a whole interval
            while not self._stop.is_set() and time.monotonic() < deadline:
                if listener.wait(min(0.5, max(0.0, deadline - time.monotonic()))):
                    break
            return listener
        except Exception:  # connection lost: fall back to plain polling
            log.warning("change listener failed; polling only", exc_info=True)
            listener.close()
            return None

    def stop(self) -> None:
        """Stop polling; write a last snapshot if the indexes changed since the previous."""
        self._stop.set()
        for thread in (self._thread, self._snapshot_thread):
            if thread is not None:
                thread.join(timeout=60)
        self._thread = self._snapshot_thread = None
        try:
            self.save_snapshot()
        except Exception:
            log.exception("index snapshot at shutdown failed")
