"""The two segments of a :class:`~crowsnest.core.index.mih.MultiIndexHammingIndex`.

* :class:`MainSegment` -- the bulk of the entries, immutable except for its tombstones:
  rows sorted by entry id (so id -> row is a binary search, no 10-million-key dict), one
  counting-sorted posting list per block, and an ``alive`` byte per row.
* :class:`DeltaSegment` -- entries added since the main segment was built, brute-forced
  (a few tens of thousands of rows scan in tens of microseconds) until a compaction folds
  them into a new main segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crowsnest.core.index import mih_kernels as k
from crowsnest.core.index.mih_plan import QueryPlan, block_starts, choose_widths, make_plan

EMPTY_WORDS = np.zeros((0, 4), dtype=np.uint64)


@dataclass
class MainSegment:
    """Rows sorted by entry id, with MIH posting lists and tombstones."""

    ids: np.ndarray  # int64[n], strictly increasing
    words: np.ndarray  # uint64[n, 4]
    alive: np.ndarray  # uint8[n], 0 = removed or replaced
    widths: tuple[int, ...]
    offsets: np.ndarray  # uint32, all blocks' 2**w + 1 bucket offsets back to back
    off_base: np.ndarray  # int64[m], where each block's offsets start
    postings: np.ndarray  # uint32[m, n], row numbers bucketed per block
    n_alive: int = 0
    _plans: dict[int, QueryPlan] = field(default_factory=dict, repr=False)
    _starts: np.ndarray = field(init=False, repr=False)
    _widths: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._starts = block_starts(self.widths)
        self._widths = np.array(self.widths, dtype=np.int64)

    @classmethod
    def build(cls, ids: np.ndarray, words: np.ndarray,
              widths: tuple[int, ...] | None = None) -> MainSegment:
        """Index ``words`` (rows must already be sorted by unique ``ids``)."""
        n = len(ids)
        widths = widths or choose_widths(n)
        sizes = np.array([(1 << w) + 1 for w in widths], dtype=np.int64)
        off_base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        offsets = np.empty(int(sizes.sum()), dtype=np.uint32)
        postings = np.empty((len(widths), n), dtype=np.uint32)
        for b, start in enumerate(block_starts(widths)):
            lo = int(off_base[b])
            k.block_sort(words, int(start), widths[b], offsets[lo:lo + int(sizes[b])],
                         postings[b])
        return cls(ids, words, np.ones(n, dtype=np.uint8), tuple(widths), offsets,
                   off_base, postings, n)

    @classmethod
    def empty(cls) -> MainSegment:
        return cls.build(np.zeros(0, np.int64), EMPTY_WORDS.copy(), (16,) * 16)

    def __len__(self) -> int:
        return len(self.ids)

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Row numbers of the given ids that are present and alive here."""
        if len(self.ids) == 0 or len(ids) == 0:
            return np.zeros(0, dtype=np.int64)
        rows = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        rows = rows[self.ids[rows] == ids]
        return rows[self.alive[rows] == 1]

    def kill(self, ids: np.ndarray) -> None:
        rows = np.unique(self.rows_of(ids))
        self.alive[rows] = 0
        self.n_alive -= len(rows)

    def plan(self, threshold: int) -> QueryPlan:
        plan = self._plans.get(threshold)
        if plan is None:
            plan = make_plan(self.widths, len(self.ids), threshold)
            self._plans[threshold] = plan
        return plan

    def kernel_args(self, plan: QueryPlan) -> tuple:
        return (self.words, self.alive, self._starts, self._widths, self.offsets, self.off_base,
                self.postings, plan.masks, plan.mask_lo, plan.mask_hi)

    def search(self, q: np.ndarray, threshold: int, cap: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """(rows, distances) within ``threshold``; each row once."""
        plan = self.plan(threshold)
        while True:
            rows = np.empty(cap, dtype=np.int64)
            dist = np.empty(cap, dtype=np.int32)
            if plan.scan:
                found = k.scan_query(q, threshold, self.words, self.alive, len(self.ids),
                                     rows, dist)
            else:
                found = k.mih_query(q, threshold, *self.kernel_args(plan), rows, dist)
            if found <= cap:
                return dedupe(rows[:found], dist[:found])
            cap = found

    def search_many(self, qs: np.ndarray, threshold: int,
                    cap: int = 64) -> list[tuple[np.ndarray, np.ndarray]]:
        plan = self.plan(threshold)
        if plan.scan:
            return [self.search(q, threshold) for q in qs]
        rows = np.empty((len(qs), cap), dtype=np.int64)
        dist = np.empty((len(qs), cap), dtype=np.int32)
        counts = np.empty(len(qs), dtype=np.int64)
        k.mih_query_batch(qs, threshold, *self.kernel_args(plan), rows, dist, counts)
        out = []
        for i in range(len(qs)):
            c = int(counts[i])
            out.append(dedupe(rows[i, :c], dist[i, :c]) if c <= cap
                       else self.search(qs[i], threshold, cap=c))
        return out


def dedupe(rows: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A row found through several blocks is reported once."""
    if len(rows) <= 1:
        return rows, dist
    uniq, first = np.unique(rows, return_index=True)
    return uniq, dist[first]


class DeltaSegment:
    """Recent additions, brute-forced; appends in place, grows by doubling."""

    def __init__(self, capacity: int = 1024) -> None:
        self.words = np.zeros((capacity, 4), dtype=np.uint64)
        self.ids = np.zeros(capacity, dtype=np.int64)
        self.alive = np.zeros(capacity, dtype=np.uint8)
        self.n = 0
        self.n_alive = 0
        self.row_of: dict[int, int] = {}

    def _grow(self, need: int) -> None:
        cap = len(self.ids)
        if need <= cap:
            return
        while cap < need:
            cap *= 2
        # new arrays are filled first, then swapped in: a query running meanwhile keeps
        # reading the old, still-valid ones
        words = np.zeros((cap, 4), dtype=np.uint64)
        ids = np.zeros(cap, dtype=np.int64)
        alive = np.zeros(cap, dtype=np.uint8)
        words[: self.n], ids[: self.n], alive[: self.n] = (
            self.words[: self.n], self.ids[: self.n], self.alive[: self.n])
        self.words, self.ids, self.alive = words, ids, alive

    def append(self, ids: np.ndarray, words: np.ndarray) -> None:
        """Add rows; an id already here is replaced (its old row is tombstoned)."""
        self._grow(self.n + len(ids))
        for entry_id, row_words in zip(ids.tolist(), words):
            self.kill_one(entry_id)
            row = self.n
            self.words[row] = row_words
            self.ids[row] = entry_id
            self.alive[row] = 1
            self.row_of[entry_id] = row
            self.n += 1
            self.n_alive += 1

    def kill_one(self, entry_id: int) -> None:
        row = self.row_of.pop(entry_id, None)
        if row is not None:
            self.alive[row] = 0
            self.n_alive -= 1

    def live(self, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(ids, words) of the alive rows from ``start`` on."""
        keep = np.flatnonzero(self.alive[start: self.n]) + start
        return self.ids[keep], self.words[keep]

    def search(self, q: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
        """(entry ids, distances) within ``threshold``."""
        words, alive, ids, n = self.words, self.alive, self.ids, self.n  # one consistent view
        if n == 0:
            return ids[:0], np.zeros(0, dtype=np.int32)
        cap = 64
        while True:
            rows = np.empty(cap, dtype=np.int64)
            dist = np.empty(cap, dtype=np.int32)
            found = k.scan_query(q, threshold, words, alive, n, rows, dist)
            if found <= cap:
                return ids[rows[:found]], dist[:found]
            cap = found
