"""Block layout and per-query search plans for multi-index hashing (MIH).

The 256 bits are cut into ``m`` contiguous blocks. Generalised pigeonhole: if block ``i`` is
searched with radius ``r_i`` and ``sum(r_i + 1) >= threshold + 1``, any stored hash within
``threshold`` of the query lies within ``r_i`` of it on at least one block ``i`` -- otherwise
every block would differ in at least ``r_i + 1`` bits and the total would exceed the
threshold. So the plan hands out ``threshold + 1`` "units" over the blocks (``r_i = u_i - 1``;
a block with no unit is skipped) and is exact for *any* threshold, not just the one the
layout was tuned for.

Costs are estimated in "random memory accesses": every probed bucket costs one (its offset
pair), every candidate about 1.5 (posting + the row it names). A sequential scan of all rows
costs about ``n / 32`` of those, and wins for very high thresholds or tiny indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np

NBITS = 256
MAX_WIDTH = 24  # a 24-bit block's bitmap is 2 MiB; wider ones fall out of the L3 cache
CANDIDATE_COST = 1.5
SCAN_COST_PER_ROW = 1.0 / 32.0


@lru_cache(maxsize=4096)
def probes(width: int, radius: int) -> int:
    """How many bucket values lie within ``radius`` of one ``width``-bit value."""
    return sum(comb(width, k) for k in range(radius + 1)) if radius >= 0 else 0


def _block_cost(width: int, units: int, n: int) -> float:
    p = probes(width, units - 1)
    return p + CANDIDATE_COST * p * n / 2.0**width


def assign_units(widths: tuple[int, ...], n: int, threshold: int) -> tuple[int, ...]:
    """Greedy split of ``threshold + 1`` units over blocks, cheapest marginal cost first.

    Block cost is convex in its radius, so adding each unit where it adds least gives the
    cheapest split.
    """
    units = [0] * len(widths)
    for _ in range(threshold + 1):
        best = min(range(len(widths)), key=lambda i: (
            _block_cost(widths[i], units[i] + 1, n) - _block_cost(widths[i], units[i], n), i))
        units[best] += 1
    return tuple(units)


def plan_cost(widths: tuple[int, ...], units: tuple[int, ...], n: int) -> float:
    """Estimated accesses of one query under this split (uniform-data model)."""
    return sum(_block_cost(w, u, n) for w, u in zip(widths, units))


def choose_widths(n: int, design_threshold: int = 31) -> tuple[int, ...]:
    """Block widths for ``n`` rows (see :func:`_choose_widths`), cached per power of two."""
    return _choose_widths(1 << max(0, int(n)).bit_length(), design_threshold)


@lru_cache(maxsize=64)
def _choose_widths(n: int, design_threshold: int) -> tuple[int, ...]:
    """Block widths (most significant block first) minimising the cost at ``design_threshold``.

    Only equal splits (widths differ by at most one bit) of 8 to 32 blocks are considered;
    memory (``2**w`` offsets per block) is charged at one access per 64 buckets so a tiny
    index does not get 16 MiB tables.
    """
    best: tuple[float, tuple[int, ...]] | None = None
    for m in range(8, 33):
        base, extra = divmod(NBITS, m)
        widths = tuple([base + 1] * extra + [base] * (m - extra))
        if widths[0] > MAX_WIDTH:
            continue
        units = assign_units(widths, max(n, 1), design_threshold)
        cost = plan_cost(widths, units, max(n, 1)) + sum(2.0**w for w in widths) / 64.0 / 1000.0
        if best is None or cost < best[0]:
            best = (cost, widths)
    assert best is not None
    return best[1]


def block_starts(widths: tuple[int, ...]) -> np.ndarray:
    """First bit of each block (bit 0 = most significant bit of the first hex digit)."""
    return np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)


@lru_cache(maxsize=128)
def flip_masks(width: int, radius: int) -> np.ndarray:
    """All ``width``-bit patterns with at most ``radius`` set bits, fewest bits first."""
    parts = [np.zeros(1, dtype=np.uint32)]
    for k in range(1, radius + 1):
        pos = np.array(list(combinations(range(width), k)), dtype=np.uint32).reshape(-1, k)
        parts.append((np.uint32(1) << pos).sum(axis=1, dtype=np.uint32))
    return np.concatenate(parts)


@dataclass(frozen=True)
class QueryPlan:
    """How one threshold is searched: flip masks per block, or a full scan."""

    threshold: int
    scan: bool
    masks: np.ndarray
    mask_lo: np.ndarray
    mask_hi: np.ndarray
    radii: tuple[int, ...]
    radius: np.ndarray  # ``radii`` as int64 (-1: block skipped), for the kernel


MAX_PROBES_PER_BLOCK = 50_000  # beyond this the plan is a scan anyway; keeps masks small


def make_plan(widths: tuple[int, ...], n: int, threshold: int,
              allow_scan: bool = True) -> QueryPlan:
    """The cheapest exact plan for ``threshold`` on an index of ``n`` rows.

    ``allow_scan=False`` keeps the block search even where a scan would be cheaper (tests
    use it to exercise the block search on small indexes); an impossibly wide radius
    still scans.
    """
    units = assign_units(widths, max(n, 1), threshold)
    radii = tuple(u - 1 for u in units)
    too_wide = any(probes(w, r) > MAX_PROBES_PER_BLOCK for w, r in zip(widths, radii))
    cheaper = plan_cost(widths, units, n) > n * SCAN_COST_PER_ROW + 64
    scan = too_wide or (allow_scan and cheaper)
    empty = np.zeros(len(widths), dtype=np.int64)
    if scan:
        return QueryPlan(threshold, True, np.zeros(0, np.uint32), empty, empty.copy(), radii,
                         np.array(radii, dtype=np.int64))
    parts = [flip_masks(w, r) if r >= 0 else np.zeros(0, np.uint32)
             for w, r in zip(widths, radii)]
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    hi = np.cumsum(sizes)
    return QueryPlan(threshold, False, np.concatenate(parts), hi - sizes, hi, radii,
                     np.array(radii, dtype=np.int64))
