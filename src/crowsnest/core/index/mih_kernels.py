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
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _popcount64(typingctx, x):  # type: ignore[no-untyped-def]
    """LLVM ``ctpop``: one POPCNT instruction on any x86-64 made after 2008."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        fn = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)])
        return builder.call(fn, args)

    return sig, codegen


@intrinsic
def _prefetch(typingctx, arr, idx):  # type: ignore[no-untyped-def]
    """Hint the CPU to start loading ``arr[idx]`` (a row's cache line) now."""
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = builder.gep(ary.data, [args[1]])
        ptr8 = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        fn = builder.module.declare_intrinsic(
            "llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(), [
                ir.IntType(8).as_pointer(), ir.IntType(32), ir.IntType(32), ir.IntType(32)]))
        builder.call(fn, [ptr8, ir.Constant(ir.IntType(32), 0),
                          ir.Constant(ir.IntType(32), 3), ir.Constant(ir.IntType(32), 1)])
        return context.get_dummy_value()

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
def block_values(words: np.ndarray, start: int, width: int, values: np.ndarray,
                 counts: np.ndarray) -> int:
    """Each row's value on one block, and how many rows fall in each bucket.

    ``counts`` has ``2**width`` entries; returns the number of non-empty buckets.
    """
    counts[:] = 0
    for row in range(words.shape[0]):
        v = _block_value(words[row], start, width)
        values[row] = np.uint32(v)
        counts[v] += 1
    nonempty = 0
    for v in range(counts.shape[0]):
        if counts[v]:
            nonempty += 1
    return nonempty


#: Set in a bucket's head entry when the bucket holds more rows than its head.
MORE = np.uint32(1 << 31)
#: The row number in a head entry.
ROW_MASK = np.uint32((1 << 31) - 1)


@njit(cache=True, nogil=True)
def block_fill(values: np.ndarray, counts: np.ndarray, bits: np.ndarray, rank: np.ndarray,
               starts: np.ndarray, postings: np.ndarray) -> int:
    """Lay out one block: bucket bitmap, its rank directory, and bucketed rows.

    The ``r``-th non-empty bucket (``r`` found from the bitmap ``bits`` and the rank
    directory ``rank``, set bits before each bitmap word) has a *head* entry
    ``postings[r]``: its first row, with :data:`MORE` set when the bucket has further rows.
    Those further rows follow all the heads, at
    ``postings[nonempty + starts[r]: nonempty + starts[r + 1]]``. With a bucket per row or
    more, most non-empty buckets hold one row, so most candidates cost one random memory
    access (the head) instead of two (bucket start, then posting). A 24-bit block takes
    2 MB of bitmap and 1 MB of ranks -- all blocks together about fill a 32 MB L3 cache --
    instead of a 64 MB offset table, and a probe of an empty bucket never touches main
    memory. Returns the number of non-empty buckets; consumes ``counts``.
    """
    bits[:] = 0
    fill = np.empty(counts.shape[0], dtype=np.uint32)
    r = 0
    extra = 0
    for v in range(counts.shape[0]):
        if v & 63 == 0:
            rank[v >> 6] = r
        if counts[v]:
            bits[v >> 6] |= np.uint64(1) << np.uint64(v & 63)
            starts[r] = extra
            fill[v] = r  # where the head goes; then, the next further row's slot
            extra += counts[v] - 1
            r += 1
    starts[r] = extra
    nonempty = r
    # a small block's bitmap is padded to whole cache lines: the padding words' ranks are
    # the total, as if their (empty) buckets existed, so a saved index checks consistent
    for w in range((counts.shape[0] + 63) >> 6, rank.shape[0]):
        rank[w] = r
    for row in range(values.shape[0]):
        v = values[row]
        c = counts[v]
        if c == 0:  # head already placed: a further row
            postings[fill[v]] = row
            fill[v] += 1
            continue
        head = fill[v]
        postings[head] = np.uint32(row) | (MORE if c > 1 else np.uint32(0))
        fill[v] = nonempty + starts[head]
        counts[v] = 0
    return nonempty


CANDIDATE_CHUNK = 4096
PREFETCH_AHEAD = 16


@njit(cache=True, nogil=True)
def _seen_before(words: np.ndarray, row: int, q: np.ndarray, b: int, block_start: np.ndarray,
                 block_width: np.ndarray, radius: np.ndarray) -> bool:
    """Whether a block searched before ``b`` already found ``row``.

    Block ``e`` finds exactly the rows whose value on it lies within ``radius[e]`` of the
    query's (every such bucket is probed), so this decides it without a set of seen rows.
    """
    for e in range(b):
        if radius[e] < 0:
            continue
        d = _popcount64(_block_value(words[row], block_start[e], block_width[e])
                        ^ _block_value(q, block_start[e], block_width[e]))
        if d <= radius[e]:
            return True
    return False


@njit(cache=True, nogil=True)
def _verify(cand: np.ndarray, nc: int, q: np.ndarray, threshold: int, words: np.ndarray,
            alive: np.ndarray, b: int, block_start: np.ndarray, block_width: np.ndarray,
            radius: np.ndarray, out_rows: np.ndarray, out_dist: np.ndarray, found: int) -> int:
    cap = out_rows.shape[0]
    flat = words.reshape(-1)
    for i in range(min(nc, PREFETCH_AHEAD)):
        _prefetch(flat, np.int64(cand[i]) * 4)
    for i in range(nc):
        if i + PREFETCH_AHEAD < nc:
            _prefetch(flat, np.int64(cand[i + PREFETCH_AHEAD]) * 4)
        row = cand[i]
        d = _distance(words, row, q)
        # the tombstone is read only for hits: one random memory access fewer per candidate
        if d <= threshold and alive[row] != 0 and not _seen_before(
                words, row, q, b, block_start, block_width, radius):
            if found < cap:
                out_rows[found] = row
                out_dist[found] = d
            found += 1
    return found


@njit(cache=True, nogil=True)
def _next_block(b: int, mask_lo: np.ndarray, mask_hi: np.ndarray) -> int:
    """The first block after ``b`` that is searched (has a radius), or the block count."""
    b += 1
    while b < mask_lo.shape[0] and mask_hi[b] <= mask_lo[b]:
        b += 1
    return b


@njit(cache=True, nogil=True)
def _probe(q: np.ndarray, b: int, block_start: np.ndarray, block_width: np.ndarray,
           bits: np.ndarray, rank: np.ndarray, bit_base: np.ndarray, masks: np.ndarray,
           mask_lo: np.ndarray, mask_hi: np.ndarray, b_r: np.ndarray) -> int:
    """Ranks (among the block's non-empty buckets) of block ``b``'s non-empty buckets within
    its radius, into ``b_r``; returns how many."""
    one = np.uint64(1)
    qv = _block_value(q, block_start[b], block_width[b])
    wbase = bit_base[b]
    nz = 0
    # branch-free: every probe writes its slot, only non-empty buckets advance ``nz``
    for j in range(mask_lo[b], mask_hi[b]):
        v = qv ^ np.uint64(masks[j])
        wi = wbase + np.int64(v >> np.uint64(6))
        r = np.uint64(rank[wi])
        word = bits[wi]
        bit = v & np.uint64(63)
        b_r[nz] = np.int64(r + _popcount64(word & ((one << bit) - one)))
        nz += np.int64((word >> bit) & one)
    return nz


@njit(cache=True, nogil=True)
def mih_query(q: np.ndarray, threshold: int, words: np.ndarray, alive: np.ndarray,
              block_start: np.ndarray, block_width: np.ndarray, bits: np.ndarray,
              rank: np.ndarray, bit_base: np.ndarray, starts: np.ndarray,
              start_base: np.ndarray, postings: np.ndarray, masks: np.ndarray,
              mask_lo: np.ndarray, mask_hi: np.ndarray, radius: np.ndarray,
              out_rows: np.ndarray, out_dist: np.ndarray) -> int:
    """Range search in the main segment; returns the number of hits found.

    For each block, every value within that block's radius of the query's block value is
    looked up (``masks[mask_lo[b]:mask_hi[b]]`` are the flip patterns, ``radius[b]`` their
    most set bits), and every row in those buckets is verified with a full popcount. Each
    row within ``threshold`` is reported once, by the first block that finds it. When the
    count exceeds ``len(out_rows)`` the caller retries with a larger buffer.

    Each block runs in tight loops -- bitmap test, bucket heads, bounds and further rows of
    the few multi-row buckets, verification -- whose memory loads do not depend on each
    other, so the CPU keeps many cache misses in flight instead of waiting for each one in
    turn.
    """
    most = 0
    for b in range(block_start.shape[0]):
        most = max(most, mask_hi[b] - mask_lo[b])
    b_r = np.empty(most + 1, dtype=np.int64)
    next_r = np.empty(most + 1, dtype=np.int64)
    b_multi = np.empty(most + 1, dtype=np.int64)
    b_lo = np.empty(most + 1, dtype=np.uint32)
    b_hi = np.empty(most + 1, dtype=np.uint32)
    cand = np.empty(CANDIDATE_CHUNK, dtype=np.uint32)
    found = 0
    m = block_start.shape[0]
    b = _next_block(-1, mask_lo, mask_hi)
    nz = _probe(q, b, block_start, block_width, bits, rank, bit_base, masks, mask_lo,
                mask_hi, b_r) if b < m else 0
    while b < m:
        # the next block's buckets are found now and their heads requested, so those
        # loads overlap this block's verification
        nb = _next_block(b, mask_lo, mask_hi)
        next_nz = 0
        if nb < m:
            next_nz = _probe(q, nb, block_start, block_width, bits, rank, bit_base, masks,
                             mask_lo, mask_hi, next_r)
            next_list = postings[nb]
            for j in range(next_nz):
                _prefetch(next_list, next_r[j])
        sbase = start_base[b]
        send = start_base[b + 1] if b + 1 < block_start.shape[0] else starts.shape[0]
        tail = send - sbase - 1  # the block's non-empty buckets: its further rows follow
        plist = postings[b]
        nc = 0
        nm = 0
        for j in range(nz):
            head = plist[b_r[j]]
            cand[nc] = head & ROW_MASK
            nc += 1
            b_multi[nm] = b_r[j]
            nm += np.int64(head >> np.uint32(31))
            if nc == CANDIDATE_CHUNK:
                found = _verify(cand, nc, q, threshold, words, alive, b, block_start,
                                block_width, radius, out_rows, out_dist, found)
                nc = 0
        # bounds first, in a loop of their own: a loop whose bounds wait on a cache miss
        # would stall on each bucket in turn; their loads complete while the heads are
        # verified
        for j in range(nm):
            b_lo[j] = starts[sbase + b_multi[j]]
            b_hi[j] = starts[sbase + b_multi[j] + 1]
        found = _verify(cand, nc, q, threshold, words, alive, b, block_start, block_width,
                        radius, out_rows, out_dist, found)
        nc = 0
        for j in range(nm):
            for p in range(b_lo[j], b_hi[j]):
                cand[nc] = plist[tail + p]
                nc += 1
                if nc == CANDIDATE_CHUNK:
                    found = _verify(cand, nc, q, threshold, words, alive, b, block_start,
                                    block_width, radius, out_rows, out_dist, found)
                    nc = 0
        found = _verify(cand, nc, q, threshold, words, alive, b, block_start, block_width,
                        radius, out_rows, out_dist, found)
        b_r, next_r = next_r, b_r
        b, nz = nb, next_nz
    return found


@njit(cache=True, nogil=True)
def mih_query_batch(qs: np.ndarray, threshold: int, words: np.ndarray, alive: np.ndarray,
                    block_start: np.ndarray, block_width: np.ndarray,
                    bits: np.ndarray, rank: np.ndarray, bit_base: np.ndarray, starts: np.ndarray,
                    start_base: np.ndarray, postings: np.ndarray, masks: np.ndarray,
                    mask_lo: np.ndarray, mask_hi: np.ndarray, radius: np.ndarray,
                    out_rows: np.ndarray, out_dist: np.ndarray, counts: np.ndarray) -> None:
    """:func:`mih_query` for many queries (one output row each), in one compiled call.

    Callers spread chunks of a batch over threads; the kernel releases the GIL.
    """
    for i in range(qs.shape[0]):
        counts[i] = mih_query(qs[i], threshold, words, alive, block_start, block_width,
                              bits, rank, bit_base, starts, start_base, postings, masks,
                              mask_lo, mask_hi, radius, out_rows[i], out_dist[i])


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
