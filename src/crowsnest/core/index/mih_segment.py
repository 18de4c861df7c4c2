"""The two segments of a :class:`~crowsnest.core.index.mih.MultiIndexHammingIndex`.

* :class:`MainSegment` -- the bulk of the entries, immutable except for its tombstones:
  rows sorted by entry id (so id -> row is a binary search, no 10-million-key dict), one
  counting-sorted posting list per block, and an ``alive`` byte per row.
* :class:`DeltaSegment` -- entries added since the main segment was built, brute-forced
  (a few tens of thousands of rows scan in tens of microseconds) until a compaction folds
  them into a new main segment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from crowsnest.core.index import mih_kernels as k
from crowsnest.core.index.mih_plan import QueryPlan, block_starts, choose_widths, make_plan
from crowsnest.core.index.words import popcount_words

EMPTY_WORDS = np.zeros((0, 4), dtype=np.uint64)


@dataclass
class MainSegment:
    """Rows sorted by entry id, with MIH posting lists and tombstones.

    Per block ``b`` (all blocks' arrays are stored back to back): a bitmap of non-empty
    buckets (``bits[bit_base[b]:]``, ``2**w / 64`` words), the number of set bits before
    each bitmap word (``rank[bit_base[b]:]``), and the rows (``postings[b]``): one head
    entry per non-empty bucket (its first row, flagged when more follow), then the further
    rows of multi-row buckets, whose offsets are ``starts[start_base[b]:]`` (see
    :func:`~crowsnest.core.index.mih_kernels.block_fill`).
    """

    ids: np.ndarray  # int64[n], strictly increasing
    words: np.ndarray  # uint64[n, 4]
    alive: np.ndarray  # uint8[n], 0 = removed or replaced
    widths: tuple[int, ...]
    bits: np.ndarray  # uint64: bucket bitmap
    rank: np.ndarray  # uint32: set bits (within the block) before each bitmap word
    starts: np.ndarray  # uint32
    postings: np.ndarray  # uint32[m, n]
    n_alive: int = 0
    allow_scan: bool = True
    _plans: dict[int, QueryPlan] = field(default_factory=dict, repr=False)
    _starts: np.ndarray = field(init=False, repr=False)
    _widths: np.ndarray = field(init=False, repr=False)
    bit_base: np.ndarray = field(init=False, repr=False)
    start_base: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._starts = block_starts(self.widths)
        self._widths = np.array(self.widths, dtype=np.int64)
        words_per_block = np.array([bitmap_words(w) for w in self.widths], np.int64)
        self.bit_base = np.concatenate([[0], np.cumsum(words_per_block)[:-1]]).astype(np.int64)
        # each block's starts list has (non-empty buckets + 1) entries; the bitmap says how many
        self.start_base = np.zeros(len(self.widths), dtype=np.int64)
        at = 0
        for b, nw in enumerate(words_per_block.tolist()):
            self.start_base[b] = at
            chunk = self.bits[self.bit_base[b]: self.bit_base[b] + nw]
            at += int(popcount_words(chunk).sum()) + 1

    @classmethod
    def build(cls, ids: np.ndarray, words: np.ndarray,
              widths: tuple[int, ...] | None = None) -> MainSegment:
        """Index ``words`` (rows must already be sorted by unique ``ids``)."""
        n = len(ids)
        if n > k.ROW_MASK:  # a head entry keeps one bit for its "more rows" flag
            raise ValueError(f"a main segment holds at most {int(k.ROW_MASK)} rows, not {n}")
        widths = tuple(widths or choose_widths(n))
        postings = np.empty((len(widths), n), dtype=np.uint32)
        values = np.empty(n, dtype=np.uint32)
        bit_parts, rank_parts, start_parts = [], [], []
        for b, start in enumerate(block_starts(widths).tolist()):
            counts = np.empty(1 << widths[b], dtype=np.uint32)
            nonempty = k.block_values(words, start, widths[b], values, counts)
            bits = np.empty(bitmap_words(widths[b]), dtype=np.uint64)
            rank = np.empty(len(bits), dtype=np.uint32)
            starts = np.empty(nonempty + 1, dtype=np.uint32)
            k.block_fill(values, counts, bits, rank, starts, postings[b])
            bit_parts.append(bits)
            rank_parts.append(rank)
            start_parts.append(starts)
            del counts
        return cls(ids, words, np.ones(n, dtype=np.uint8), widths,
                   np.concatenate(bit_parts), np.concatenate(rank_parts),
                   np.concatenate(start_parts), postings, n)

    def __len__(self) -> int:
        return len(self.ids)

    def nbytes(self) -> int:
        return int(sum(a.nbytes for a in (self.ids, self.words, self.alive, self.bits,
                                          self.rank, self.starts, self.postings)))

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
            plan = make_plan(self.widths, len(self.ids), threshold, self.allow_scan)
            self._plans[threshold] = plan
        return plan

    def kernel_args(self, plan: QueryPlan) -> tuple:
        return (self.words, self.alive, self._starts, self._widths, self.bits, self.rank,
                self.bit_base, self.starts, self.start_base, self.postings, plan.masks,
                plan.mask_lo, plan.mask_hi, plan.radius)

    def search(self, q: np.ndarray, threshold: int,
               cap: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """(rows, distances) within ``threshold``; each row once, in no particular order."""
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
                return rows[:found], dist[:found]
            cap = found

    def search_many(self, qs: np.ndarray, threshold: int,
                    cap: int = 64) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`search` for a batch, split over the machine's cores (GIL released)."""
        plan = self.plan(threshold)
        if plan.scan:
            return [self.search(q, threshold) for q in qs]
        rows = np.empty((len(qs), cap), dtype=np.int64)
        dist = np.empty((len(qs), cap), dtype=np.int32)
        counts = np.empty(len(qs), dtype=np.int64)
        args = self.kernel_args(plan)

        def run(lo: int, hi: int) -> None:
            k.mih_query_batch(qs[lo:hi], threshold, *args, rows[lo:hi], dist[lo:hi],
                              counts[lo:hi])

        parallel_chunks(len(qs), run)
        out = []
        for i in range(len(qs)):
            c = int(counts[i])
            out.append((rows[i, :c], dist[i, :c]) if c <= cap
                       else self.search(qs[i], threshold, cap=c))
        return out


PARALLEL_MIN_QUERIES = 64
_POOL: ThreadPoolExecutor | None = None
_WORKERS = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def parallel_chunks(n: int, run: Callable[[int, int], None]) -> None:
    """Call ``run(lo, hi)`` over ``range(n)`` split into one chunk per core."""
    global _POOL
    if n < PARALLEL_MIN_QUERIES or _WORKERS == 1:  # handing work to threads costs ~50 us
        run(0, n)
        return
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="mih-query")
    bounds = np.linspace(0, n, _WORKERS + 1).astype(int).tolist()
    futures = [_POOL.submit(run, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
    for f in futures:
        f.result()


def bitmap_words(width: int) -> int:
    """Bitmap words of a ``width``-bit block: whole 8-word (64-byte) groups, at least one."""
    return max(8, (1 << width) // 64)


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
