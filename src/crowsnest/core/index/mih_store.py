"""On-disk form of a MIH index: a directory of raw ``.npy`` arrays and a JSON manifest.

No pickle: every array is a plain ``.npy`` file (loaded with ``allow_pickle=False`` and,
by default, memory-mapped, so a restart maps 1 GB in milliseconds and the page cache does
the rest). ``manifest.json`` names the format and version, the block layout, each array's
dtype and shape, a BLAKE2b digest of each file, and the caller's *watermark* -- e.g. the
id of the last bank change applied, so a service replays only the changes made after the
snapshot.

A directory is written under a temporary name and renamed into place, so a crash while
saving leaves the previous snapshot intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from crowsnest.core.errors import IndexStoreError, InvalidInput
from crowsnest.core.index.mih_kernels import ROW_MASK
from crowsnest.core.index.mih_segment import DeltaSegment, MainSegment, bitmap_words
from crowsnest.core.index.words import popcount_words

FORMAT = "crowsnest.mih"
#: 2: bucket head entries first in each posting list (version 1 had plain bucket starts)
VERSION = 2
MANIFEST = "manifest.json"
ARRAYS = ("main_ids", "main_words", "main_alive", "main_bits", "main_rank", "main_starts",
          "main_postings",
          "delta_ids", "delta_words")


def save_index(directory: Path, state: tuple[MainSegment, DeltaSegment], watermark: Any) -> None:
    """Write ``state`` to ``directory`` atomically (replacing an older snapshot there)."""
    try:
        json.dumps(watermark)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("the watermark must be JSON-serialisable") from exc
    main, delta = state
    d_ids, d_words = delta.live()
    arrays = {"main_ids": main.ids, "main_words": main.words, "main_alive": main.alive,
              "main_bits": main.bits, "main_rank": main.rank, "main_starts": main.starts,
              "main_postings": main.postings,
              "delta_ids": d_ids, "delta_words": d_words}
    tmp = directory.with_name(f".{directory.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    described = {}
    for name, arr in arrays.items():
        path = tmp / f"{name}.npy"
        np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
        described[name] = {"dtype": str(arr.dtype), "shape": list(arr.shape),
                           "blake2b": _digest(path)}
    manifest = {"format": FORMAT, "version": VERSION, "nbits": 256,
                "block_widths": list(main.widths), "rows": len(main),
                "alive": main.n_alive, "delta_rows": len(d_ids),
                "watermark": watermark, "arrays": described}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
    old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
    if directory.exists():
        directory.rename(old)
    tmp.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(directory: Path) -> dict[str, Any]:
    """The parsed manifest, or :class:`IndexStoreError` saying what is wrong with it."""
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise IndexStoreError(f"no saved index at {directory} (missing {MANIFEST})") from exc
    except (OSError, ValueError) as exc:
        raise IndexStoreError(f"unreadable index manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexStoreError(f"{path} is not a crowsnest MIH index manifest")
    if manifest.get("version") != VERSION:
        raise IndexStoreError(
            f"index format version {manifest.get('version')!r} is not supported "
            f"(this crowsnest reads version {VERSION}); rebuild the index from the database")
    return manifest


def load_index(directory: Path, *, mmap: bool = True,
               verify: bool = False) -> tuple[tuple[MainSegment, DeltaSegment], Any]:
    """((main, delta), watermark) from ``directory``; ``verify`` also checks digests."""
    manifest = read_manifest(directory)
    arrays = {name: _load_array(directory, name, manifest, mmap, verify) for name in ARRAYS}
    widths = tuple(int(w) for w in manifest.get("block_widths", ()))
    n = int(manifest.get("rows", -1))
    _check_structure(arrays, widths, n, directory)
    alive = np.array(arrays["main_alive"])  # tombstones change: a private, writable copy
    main = MainSegment(arrays["main_ids"], arrays["main_words"], alive, widths,
                       arrays["main_bits"], arrays["main_rank"], arrays["main_starts"],
                       arrays["main_postings"], int(alive.sum(dtype=np.int64)))
    delta = DeltaSegment()
    delta.append(np.array(arrays["delta_ids"]), np.array(arrays["delta_words"]))
    return (main, delta), manifest.get("watermark")


def _load_array(directory: Path, name: str, manifest: dict[str, Any], mmap: bool,
                verify: bool) -> np.ndarray:
    path = directory / f"{name}.npy"
    spec = manifest.get("arrays", {}).get(name)
    if not isinstance(spec, dict):
        raise IndexStoreError(f"index manifest in {directory} does not describe {name}")
    try:
        # copy-on-write mapping: pages are shared with the page cache and never written, and
        # the arrays stay "writable", so the compiled kernels need no read-only variant
        arr = np.load(path, mmap_mode="c" if mmap else None, allow_pickle=False)
    except FileNotFoundError as exc:
        raise IndexStoreError(f"saved index is missing {path.name}") from exc
    except (OSError, ValueError, EOFError) as exc:
        raise IndexStoreError(f"saved index file {path.name} is corrupt: {exc}") from exc
    if str(arr.dtype) != spec.get("dtype") or list(arr.shape) != spec.get("shape"):
        raise IndexStoreError(
            f"{path.name} holds {arr.dtype}{list(arr.shape)} but the manifest says "
            f"{spec.get('dtype')}{spec.get('shape')}: files from different snapshots?")
    if verify and _digest(path) != spec.get("blake2b"):
        raise IndexStoreError(f"{path.name} does not match its digest: the file is corrupt")
    return arr


def _check_structure(arrays: dict[str, np.ndarray], widths: tuple[int, ...], n: int,
                     directory: Path) -> None:
    """Cheap consistency checks that catch mixed or truncated snapshots before a query does."""
    def fail(what: str) -> None:
        raise IndexStoreError(f"saved index in {directory} is inconsistent: {what}")

    if not widths or sum(widths) != 256 or max(widths) > 32:
        fail(f"bad block layout {widths}")
    if arrays["main_ids"].shape != (n,) or arrays["main_words"].shape != (n, 4):
        fail("row counts disagree")
    if arrays["main_alive"].shape != (n,) or arrays["main_postings"].shape != (len(widths), n):
        fail("row counts disagree")
    _check_buckets(arrays, widths, n, fail)
    ids = arrays["main_ids"]
    if n > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        fail("entry ids are not strictly increasing")
    if arrays["delta_words"].shape != (len(arrays["delta_ids"]), 4):
        fail("delta row counts disagree")


def _check_buckets(arrays: dict[str, np.ndarray], widths: tuple[int, ...], n: int,
                   fail: Callable[[str], None]) -> None:
    """Bitmap, rank directory, bucket offsets and postings agree with each other and ``n``.

    A wrong value in any of them would make the compiled kernel read outside its arrays,
    so they are recomputed and compared on every load (well under a second at 10M rows).
    """
    bits, rank, starts = arrays["main_bits"], arrays["main_rank"], arrays["main_starts"]
    nwords = [bitmap_words(w) for w in widths]
    if bits.shape != (sum(nwords),) or rank.shape != bits.shape:
        fail("bucket bitmap size does not match the layout")
    at_bits = at_starts = 0
    for b, nw in enumerate(nwords):
        counts = popcount_words(np.asarray(bits[at_bits: at_bits + nw]))
        expected = np.concatenate([[0], np.cumsum(counts[:-1], dtype=np.int64)])
        if not np.array_equal(np.asarray(rank[at_bits: at_bits + nw]), expected):
            fail("rank directory does not match the bucket bitmap")
        nonempty = int(counts.sum(dtype=np.int64))
        block = np.asarray(starts[at_starts: at_starts + nonempty + 1])
        # offsets of the further rows (after the heads) of each non-empty bucket
        if len(block) != nonempty + 1 or block[0] != 0 or block[-1] != n - nonempty:
            fail("bucket starts do not span the rows")
        if nonempty and not bool(np.all(block[1:] >= block[:-1])):
            fail("bucket starts are not increasing")
        at_bits += nw
        at_starts += nonempty + 1
        if n:  # heads (row + "more" flag), then further rows
            plist = np.asarray(arrays["main_postings"][b])
            if int((plist[:nonempty] & ROW_MASK).max(initial=0)) >= n or (
                    int(plist[nonempty:].max(initial=0)) >= n):
                fail("a posting list names a row that does not exist")
    if at_starts != len(starts):
        fail("bucket starts size does not match the bitmap")
