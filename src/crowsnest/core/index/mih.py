"""Multi-index hashing: exact Hamming range search over millions of 256-bit hashes.

:class:`MultiIndexHammingIndex` is the default index for 256-bit signal types (PDQ). It
answers exactly what :class:`~crowsnest.core.index.brute.BruteForceHammingIndex` answers,
in a small fraction of the time (design and figures: ``docs/index.md``,
``docs/benchmarks.md``).

Changes apply in place: ``add`` writes to a small brute-forced delta segment and tombstones
the id's old row; ``remove`` tombstones. When the delta outgrows ``delta_limit`` a new main
segment is built from everything alive -- on a background thread by default, while queries
and further changes go on against the old segments; changes made during the build are
replayed onto the new segments when they are swapped in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from crowsnest.core.errors import InvalidInput
from crowsnest.core.index.base import IndexMatch, SignalIndex
from crowsnest.core.index.mih_segment import DeltaSegment, MainSegment
from crowsnest.core.index.words import hex_to_row, hex_to_words

DEFAULT_DELTA_LIMIT = 32_768
#: Rows parsed at a time by :meth:`MultiIndexHammingIndex.add`.
ADD_CHUNK = 65_536


class MultiIndexHammingIndex(SignalIndex):
    """Exact, mutable MIH index over (entry id, 64-hex-digit value) pairs."""

    def __init__(self, nbits: int = 256, *, delta_limit: int = DEFAULT_DELTA_LIMIT,
                 background: bool = True, widths: tuple[int, ...] | None = None,
                 allow_scan: bool = True) -> None:
        """``widths`` fixes the block layout (default: chosen from the size at each build);
        ``allow_scan=False`` never replaces the block search by a full scan (for tests)."""
        if nbits != 256:
            raise InvalidInput(f"MultiIndexHammingIndex handles 256-bit hashes, not {nbits}")
        if widths is not None and (sum(widths) != 256 or max(widths) > 24 or min(widths) < 1):
            raise InvalidInput(f"block widths must be 1-24 bits and add up to 256: {widths}")
        self.delta_limit = delta_limit
        self.background = background
        self.widths = tuple(widths) if widths else None
        self.allow_scan = allow_scan
        self._lock = threading.RLock()
        # (main, delta) swapped as one object so a query never sees a half-swapped pair
        empty = MainSegment.build(np.zeros(0, np.int64), np.zeros((0, 4), np.uint64), (8,) * 32)
        self._state: tuple[MainSegment, DeltaSegment] = (empty, DeltaSegment())
        self._compactor: threading.Thread | None = None
        self._killed_during_compaction: list[np.ndarray] | None = None
        self._compaction_error: BaseException | None = None

    # ----------------------------------------------------------------- building
    @classmethod
    def from_arrays(cls, ids: np.ndarray | Sequence[int], words: np.ndarray,
                    **kwargs: Any) -> MultiIndexHammingIndex:
        """Build directly from ``int64`` ids and ``uint64[n, 4]`` rows (the fast bulk path).

        A repeated id keeps its last value, as a sequence of ``add`` calls would.
        """
        index = cls(**kwargs)
        ids_arr, words_arr = _unique_last(np.asarray(ids, dtype=np.int64), words)
        index._state = (index._build(ids_arr, words_arr), DeltaSegment())
        return index

    @classmethod
    def from_hex(cls, ids: np.ndarray | Sequence[int], values: Sequence[str],
                 **kwargs: Any) -> MultiIndexHammingIndex:
        """Build from ids and hex strings, as rows streamed from the database arrive."""
        return cls.from_arrays(ids, hex_to_words(values), **kwargs)

    # ---------------------------------------------------------------- mutations
    def add(self, items: Iterable[tuple[int, str]]) -> None:
        # Parsed in chunks so a 10M-row stream from the database never exists as 10M
        # Python tuples at once; only the packed arrays (40 bytes a row) accumulate.
        id_chunks: list[np.ndarray] = []
        word_chunks: list[np.ndarray] = []
        iterator = iter(items)
        while pairs := list(islice(iterator, ADD_CHUNK)):
            try:
                id_chunks.append(np.array([int(i) for i, _ in pairs], dtype=np.int64))
            except (TypeError, ValueError, OverflowError) as exc:
                raise InvalidInput("entry ids must be 64-bit integers") from exc
            word_chunks.append(hex_to_words([v for _, v in pairs]))  # validates first
        if not id_chunks:
            return
        self.add_arrays(np.concatenate(id_chunks), np.concatenate(word_chunks))

    def add_arrays(self, ids: np.ndarray, words: np.ndarray) -> None:
        """:meth:`add` for ids and ``uint64[n, 4]`` rows already in array form."""
        ids = np.asarray(ids, dtype=np.int64)
        if words.dtype != np.uint64 or words.shape != (len(ids), 4):
            raise InvalidInput(f"expected uint64[{len(ids)}, 4] rows, got {words.dtype}"
                               f"{list(words.shape)}")
        if len(ids) > self.delta_limit:
            self._rebuild(extra=(ids, words))
            return
        with self._lock:
            _, delta = self._state
            self._kill(ids)
            delta.append(ids, words)
            full = delta.n_alive > self.delta_limit
        if full:  # outside the lock: the compaction thread takes it to swap segments in
            self.compact(wait=not self.background)

    def remove(self, entry_ids: Iterable[int]) -> None:
        ids = np.fromiter((int(i) for i in entry_ids), dtype=np.int64)
        with self._lock:
            self._kill(ids)

    def _kill(self, ids: np.ndarray) -> None:
        main, delta = self._state
        main.kill(ids)
        for entry_id in ids.tolist():
            delta.kill_one(entry_id)
        if self._killed_during_compaction is not None:
            self._killed_during_compaction.append(ids.copy())

    # ------------------------------------------------------------------ queries
    def query(self, value: str, threshold: int) -> list[IndexMatch]:
        main, delta = self._state
        q = hex_to_row(value)
        threshold = int(threshold)
        rows, dist = main.search(q, threshold)
        if delta.n:
            d_ids, d_dist = delta.search(q, threshold)
            return _matches(main.ids[rows], dist, d_ids, d_dist)
        if len(rows) == 0:  # most lookups: nothing to convert or sort
            return []
        return _sorted_matches(dist.tolist(), main.ids[rows].tolist())

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[IndexMatch]]:
        """All queries in one compiled call spread over the cores."""
        if len(values) == 0:
            return []
        return self.query_words(hex_to_words(values), threshold)

    def query_words(self, qs: np.ndarray, threshold: int) -> list[list[IndexMatch]]:
        """:meth:`query_many` for queries already in ``uint64[n, 4]`` form."""
        main, delta = self._state
        found = main.search_many(qs, int(threshold))
        out = []
        for q, (rows, dist) in zip(qs, found):
            d_ids, d_dist = delta.search(q, int(threshold)) if delta.n else (rows[:0], dist[:0])
            out.append(_matches(main.ids[rows], dist, d_ids, d_dist))
        return out

    def query_variants(self, values: Sequence[str], threshold: int) -> list[IndexMatch]:
        """Union of matches for several variants of one image (e.g. PDQ's 8 dihedral hashes).

        Searched as one batch; an entry matched by several variants is reported once, at its
        smallest distance.
        """
        best: dict[int, int] = {}
        distinct = list(dict.fromkeys(values))  # symmetric images repeat variants
        for matches in self.query_many(distinct, threshold):
            for m in matches:
                if m.entry_id not in best or m.distance < best[m.entry_id]:
                    best[m.entry_id] = m.distance
        return sorted(IndexMatch(d, i) for i, d in best.items())

    def __len__(self) -> int:
        main, delta = self._state
        return main.n_alive + delta.n_alive

    # --------------------------------------------------------------- compaction
    def compact(self, wait: bool = True) -> None:
        """Fold the delta segment and tombstones into a freshly built main segment.

        With ``wait=False`` the build runs on a background thread; queries and changes keep
        working meanwhile. Calling it while a compaction runs just (optionally) waits.
        """
        with self._lock:
            if self._compactor is None:
                ids, words, snap_rows = self._snapshot()
                self._killed_during_compaction = []
                self._compactor = threading.Thread(
                    target=self._finish_compaction, args=(ids, words, snap_rows),
                    name="mih-compaction", daemon=True)
                self._compactor.start()
            thread = self._compactor
        if wait:
            self.wait()
            del thread

    def wait(self) -> None:
        """Block until a running background compaction has been swapped in."""
        thread = self._compactor
        if thread is not None:
            thread.join()
        if self._compaction_error is not None:
            error, self._compaction_error = self._compaction_error, None
            raise error

    def _snapshot(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Everything alive now, sorted by id (call with the lock held)."""
        main, delta = self._state
        keep = np.flatnonzero(main.alive)
        d_ids, d_words = delta.live()
        ids = np.concatenate([main.ids[keep], d_ids])
        words = np.concatenate([main.words[keep], d_words])
        order = np.argsort(ids, kind="stable")
        return ids[order], words[order], delta.n

    def _finish_compaction(self, ids: np.ndarray, words: np.ndarray, snap_rows: int) -> None:
        try:
            new_main = self._build(ids, words)
            with self._lock:
                _, delta = self._state
                killed = self._killed_during_compaction or []
                if killed:
                    new_main.kill(np.concatenate(killed))
                new_delta = DeltaSegment()
                new_delta.append(*delta.live(snap_rows))
                self._state = (new_main, new_delta)
        except BaseException as exc:  # surfaced by wait(); the old segments stay in use
            self._compaction_error = exc
        finally:
            with self._lock:
                self._killed_during_compaction = None
                self._compactor = None

    def _rebuild(self, extra: tuple[np.ndarray, np.ndarray]) -> None:
        """Bulk add: build a new main segment from everything alive plus ``extra``."""
        self.wait()
        with self._lock:
            # no tombstoning first: a failed build must leave the index as it was, and
            # keeping the last row per id already drops the replaced values
            ids, words, _ = self._snapshot()
            ids, words = _unique_last(np.concatenate([ids, extra[0]]),
                                      np.concatenate([words, extra[1]]))
            self._state = (self._build(ids, words), DeltaSegment())

    def _build(self, ids: np.ndarray, words: np.ndarray) -> MainSegment:
        main = MainSegment.build(ids, words, self.widths)
        main.allow_scan = self.allow_scan
        return main

    # -------------------------------------------------------------- persistence
    def save(self, directory: str | Path, watermark: Any = None) -> None:
        """Write the index to ``directory`` (raw ``.npy`` arrays + ``manifest.json``)."""
        from crowsnest.core.index.mih_store import save_index

        self.wait()
        with self._lock:
            save_index(Path(directory), self._state, watermark)

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = True, verify: bool = False,
             **kwargs: Any) -> tuple[MultiIndexHammingIndex, Any]:
        """(index, watermark) from a directory written by :meth:`save`.

        ``mmap`` maps the big arrays instead of reading them (ready in well under a second;
        pages come in on first use). ``verify`` also checks every file's digest. Missing,
        corrupt or mismatched files raise :class:`~crowsnest.core.errors.IndexStoreError`.
        """
        from crowsnest.core.index.mih_store import load_index

        index = cls(**kwargs)
        index._state, watermark = load_index(Path(directory), mmap=mmap, verify=verify)
        index._state[0].allow_scan = index.allow_scan
        return index, watermark

    @classmethod
    def describe_saved(cls, directory: str | Path) -> dict[str, Any]:
        """The manifest of a saved index (rows, watermark, arrays) without loading it."""
        from crowsnest.core.index.mih_store import read_manifest

        return read_manifest(Path(directory))

    def stats(self) -> dict[str, Any]:
        """Sizes for monitoring: entries, segment rows, layout and array bytes."""
        main, delta = self._state
        return {"entries": len(self), "main_rows": len(main), "main_alive": main.n_alive,
                "delta_rows": delta.n, "delta_alive": delta.n_alive,
                "block_widths": list(main.widths),
                "main_bytes": main.nbytes(),
                "compacting": self._compactor is not None}


def _unique_last(ids: np.ndarray, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort by id, keeping the last row of each repeated id."""
    if len(ids) != len(words):
        raise InvalidInput(f"{len(ids)} ids but {len(words)} hash rows")
    rev = np.arange(len(ids))[::-1]
    uniq, first_in_rev = np.unique(ids[rev], return_index=True)
    rows = rev[first_in_rev]
    return uniq, np.ascontiguousarray(words[rows], dtype=np.uint64)


def _matches(m_ids: np.ndarray, m_dist: np.ndarray, d_ids: np.ndarray,
             d_dist: np.ndarray) -> list[IndexMatch]:
    if len(m_ids) + len(d_ids) == 0:
        return []
    return _sorted_matches(np.concatenate([m_dist, d_dist]).tolist(),
                           np.concatenate([m_ids, d_ids]).tolist())


def _sorted_matches(distances: list[int], ids: list[int]) -> list[IndexMatch]:
    """Nearest first (then by id); plain tuples sort several times faster than the
    dataclass's generated comparisons."""
    return [IndexMatch(d, i) for d, i in sorted(zip(distances, ids))]


def warm_up() -> None:
    """Compile (first run on a machine) or load (later runs) every kernel, so the first real
    query does not pay for it. A service calls this at start-up; it takes a few seconds once
    per machine and well under a second afterwards."""
    rng = np.random.default_rng(0)
    words = rng.integers(0, 2**63, size=(64, 4), dtype=np.uint64)
    index = MultiIndexHammingIndex.from_arrays(np.arange(64), words, widths=(16,) * 16,
                                               allow_scan=False)
    index.add([(1000, "0" * 64)])
    index.query("0" * 64, 31)
    index.query_many(["0" * 64] * 2, 31)
    MultiIndexHammingIndex.from_hex(range(2), ["0" * 64] * 2).query("f" * 64, 31)
