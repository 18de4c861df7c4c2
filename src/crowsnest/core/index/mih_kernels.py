"""Compiled (numba) kernels behind :mod:`crowsnest.core.index.mih`.

Hashes are held as ``uint64[n, 4]`` rows: word 0 is the first 16 hex digits read as a
big-endian number, so a contiguous run of bits in the hex string is a contiguous run of
bits across the words. Every kernel is ``cache=True`` (compiled once per machine, then
loaded from ``__pycache__``) and ``nogil=True`` (a service can run queries on several
threads, and a background compaction does not stall queries).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic


@intrinsic
def _popcount64(typingctx, x):  # type: ignore[no-untyped-def]
    """LLVM ``ctpop``: one POPCNT instruction on any x86-64 made after 2008."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        fn = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)])
        return builder.call(fn, args)

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def _distance(words: np.ndarray, row: int, q: np.ndarray) -> int:
    d = _popcount64(words[row, 0] ^ q[0]) + _popcount64(words[row, 1] ^ q[1])
    d += _popcount64(words[row, 2] ^ q[2]) + _popcount64(words[row, 3] ^ q[3])
    return int(d)


@njit(cache=True, nogil=True, inline="always")
def _block_value(q: np.ndarray, start: int, width: int) -> np.uint64:
    """Bits ``[start, start + width)`` of a 256-bit row, counted from the most significant."""
    word = start >> 6
    off = start & 63
    mask = (np.uint64(1) << np.uint64(width)) - np.uint64(1)
    if off + width <= 64:
        return (q[word] >> np.uint64(64 - off - width)) & mask
    hi_bits = 64 - off
    lo_bits = width - hi_bits
    hi = q[word] & ((np.uint64(1) << np.uint64(hi_bits)) - np.uint64(1))
    return (hi << np.uint64(lo_bits)) | (q[word + 1] >> np.uint64(64 - lo_bits))


@njit(cache=True, nogil=True)
def block_sort(words: np.ndarray, start: int, width: int, offsets: np.ndarray,
               postings: np.ndarray) -> None:
    """Counting sort of all rows by one block's value.

    Fills ``offsets`` (``2**width + 1`` entries) and ``postings`` so that the rows whose
    block equals ``v`` are ``postings[offsets[v]:offsets[v + 1]]``, in ascending row order.
    """
    n = words.shape[0]
    values = np.empty(n, dtype=np.uint32)
    offsets[:] = 0
    for row in range(n):
        v = _block_value(words[row], start, width)
        values[row] = np.uint32(v)
        offsets[v + 1] += 1
    for v in range(1, offsets.shape[0]):
        offsets[v] += offsets[v - 1]
    fill = offsets[:-1].copy()
    for row in range(n):
        v = values[row]
        postings[fill[v]] = row
        fill[v] += 1


CANDIDATE_CHUNK = 4096


@njit(cache=True, nogil=True)
def _verify(cand: np.ndarray, nc: int, q: np.ndarray, threshold: int, words: np.ndarray,
            alive: np.ndarray, out_rows: np.ndarray, out_dist: np.ndarray, found: int) -> int:
    cap = out_rows.shape[0]
    for i in range(nc):
        row = cand[i]
        d = _distance(words, row, q)
        # the tombstone is read only for hits: one random memory access fewer per candidate
        if d <= threshold and alive[row] != 0:
            if found < cap:
                out_rows[found] = row
                out_dist[found] = d
            found += 1
    return found


@njit(cache=True, nogil=True)
def mih_query(q: np.ndarray, threshold: int, words: np.ndarray, alive: np.ndarray,
              block_start: np.ndarray, block_width: np.ndarray, offsets: np.ndarray,
              off_base: np.ndarray, postings: np.ndarray, masks: np.ndarray,
              mask_lo: np.ndarray, mask_hi: np.ndarray, out_rows: np.ndarray,
              out_dist: np.ndarray) -> int:
    """Range search in the main segment; returns the number of hits found.

    For each block, every value within that block's radius of the query's block value is
    looked up (``masks[mask_lo[b]:mask_hi[b]]`` are the flip patterns), and every row in
    those buckets is verified with a full popcount. A row within ``threshold`` is reported
    once per block it was found in; the caller removes the repeats. When the count exceeds
    ``len(out_rows)`` the caller retries with a larger buffer.

    Each block runs in three tight loops -- bucket bounds, candidate rows, verification --
    whose memory loads do not depend on each other, so the CPU keeps many cache misses in
    flight instead of waiting for each one in turn.
    """
    most = 0
    for b in range(block_start.shape[0]):
        most = max(most, mask_hi[b] - mask_lo[b])
    b_lo = np.empty(most, dtype=np.uint32)
    b_hi = np.empty(most, dtype=np.uint32)
    cand = np.empty(CANDIDATE_CHUNK, dtype=np.uint32)
    found = 0
    for b in range(block_start.shape[0]):
        nprobe = mask_hi[b] - mask_lo[b]
        if nprobe <= 0:
            continue
        qv = _block_value(q, block_start[b], block_width[b])
        base = off_base[b]
        first = mask_lo[b]
        for j in range(nprobe):
            v = base + np.int64(qv ^ np.uint64(masks[first + j]))
            b_lo[j] = offsets[v]
            b_hi[j] = offsets[v + 1]
        plist = postings[b]
        nc = 0
        for j in range(nprobe):
            for p in range(b_lo[j], b_hi[j]):
                cand[nc] = plist[p]
                nc += 1
                if nc == CANDIDATE_CHUNK:
                    found = _verify(cand, nc, q, threshold, words, alive, out_rows, out_dist,
                                    found)
                    nc = 0
        found = _verify(cand, nc, q, threshold, words, alive, out_rows, out_dist, found)
    return found


@njit(cache=True, nogil=True, parallel=True)
def mih_query_batch(qs: np.ndarray, threshold: int, words: np.ndarray, alive: np.ndarray,
                    block_start: np.ndarray, block_width: np.ndarray, offsets: np.ndarray,
                    off_base: np.ndarray, postings: np.ndarray, masks: np.ndarray,
                    mask_lo: np.ndarray, mask_hi: np.ndarray, out_rows: np.ndarray,
                    out_dist: np.ndarray, counts: np.ndarray) -> None:
    """:func:`mih_query` for many queries, spread over all cores (one output row each)."""
    for i in prange(qs.shape[0]):
        counts[i] = mih_query(qs[i], threshold, words, alive, block_start, block_width,
                              offsets, off_base, postings, masks, mask_lo, mask_hi,
                              out_rows[i], out_dist[i])


@njit(cache=True, nogil=True)
def scan_query(q: np.ndarray, threshold: int, words: np.ndarray, alive: np.ndarray,
               n: int, out_rows: np.ndarray, out_dist: np.ndarray) -> int:
    """Brute-force range search over the first ``n`` rows (delta segment, or fallback)."""
    cap = out_rows.shape[0]
    found = 0
    for row in range(n):
        if alive[row] == 0:
            continue
        d = _distance(words, row, q)
        if d <= threshold:
            if found < cap:
                out_rows[found] = row
                out_dist[found] = d
            found += 1
    return found


@njit(cache=True, nogil=True)
def hex_rows_to_words(raw: np.ndarray, out: np.ndarray) -> None:
    """ASCII hex digits (``uint8[n, 64]``) -> ``uint64[n, 4]``; bad digits give 255 -> error.

    Faster than ``bytes.fromhex`` on a joined string and needs no 640 MB temporary string
    at 10 million rows. Raises ``ValueError`` on a non-hex character.
    """
    for i in range(raw.shape[0]):
        for w in range(4):
            acc = np.uint64(0)
            for j in range(16):
                c = raw[i, w * 16 + j]
                if 48 <= c <= 57:
                    nib = c - 48
                elif 97 <= c <= 102:
                    nib = c - 87
                elif 65 <= c <= 70:
                    nib = c - 55
                else:
                    raise ValueError("not a hex digit")
                acc = (acc << np.uint64(4)) | np.uint64(nib)
            out[i, w] = acc
