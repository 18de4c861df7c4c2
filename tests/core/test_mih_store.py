"""A saved MIH index loads back identical; damaged snapshots give a clear error."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from crowsnest.core.errors import IndexStoreError, InvalidInput
from crowsnest.core.index.brute import BruteForceHammingIndex
from crowsnest.core.index.mih import MultiIndexHammingIndex


def sample(n: int = 3000, seed: int = 1) -> tuple[list[int], list[str]]:
    rng = random.Random(seed)
    base = rng.getrandbits(256)
    values = [base ^ rng.getrandbits(256) if i % 3 else base ^ (1 << (i % 256))
              for i in range(n)]
    return list(range(0, 2 * n, 2)), [f"{v:064x}" for v in values]


def saved(tmp_path: Path) -> tuple[Path, MultiIndexHammingIndex, list[str]]:
    ids, values = sample()
    index = MultiIndexHammingIndex.from_hex(ids, values)
    index.remove([0, 2, 4])
    index.add([(1, values[10]), (2, values[11])])  # delta rows, one replacing a main row
    path = tmp_path / "pdq-index"
    index.save(path, watermark={"change_id": 41})
    return path, index, values


@pytest.mark.parametrize("mmap", [True, False])
def test_roundtrip_answers_the_same_and_keeps_the_watermark(tmp_path: Path, mmap: bool) -> None:
    path, index, values = saved(tmp_path)
    loaded, watermark = MultiIndexHammingIndex.load(path, mmap=mmap, verify=True)
    assert watermark == {"change_id": 41}
    assert len(loaded) == len(index)
    for q in values[:60]:
        assert loaded.query(q, 31) == index.query(q, 31)
    # a loaded index keeps changing in place and compacts
    loaded.add([(99999, values[5])])
    loaded.remove([6])
    loaded.compact()
    oracle = BruteForceHammingIndex()
    ids, vals = sample()
    oracle.add(zip(ids, vals))
    oracle.remove([0, 2, 4, 6])
    oracle.add([(1, values[10]), (2, values[11]), (99999, values[5])])
    for q in values[:60]:
        assert loaded.query(q, 31) == oracle.query(q, 31)


@pytest.mark.parametrize("n", [0, 1, 300])
def test_small_and_empty_indexes_roundtrip(tmp_path: Path, n: int) -> None:
    """Small indexes use 8-bit blocks whose bitmaps are padded to a cache line; the
    padding must check consistent on load (it once held uninitialised ranks)."""
    ids, values = sample(n) if n else ([], [])
    index = MultiIndexHammingIndex.from_hex(ids, values)
    assert index.stats()["block_widths"][0] == 8
    index.save(tmp_path / "small", watermark=1)
    loaded, _ = MultiIndexHammingIndex.load(tmp_path / "small", verify=True)
    assert len(loaded) == n
    for q in values[:50]:
        assert loaded.query(q, 31) == index.query(q, 31)


def test_saving_again_replaces_the_snapshot(tmp_path: Path) -> None:
    path, index, values = saved(tmp_path)
    index.add([(77777, "0" * 64)])
    index.save(path, watermark=42)
    loaded, watermark = MultiIndexHammingIndex.load(path)
    assert watermark == 42 and len(loaded) == len(index)
    assert [p.name for p in tmp_path.iterdir()] == ["pdq-index"]


def test_watermark_must_be_json(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        MultiIndexHammingIndex().save(tmp_path / "x", watermark=object())


def test_missing_directory_or_file(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match="no saved index"):
        MultiIndexHammingIndex.load(tmp_path / "nothing")
    path, _, _ = saved(tmp_path)
    (path / "main_postings.npy").unlink()
    with pytest.raises(IndexStoreError, match="missing main_postings"):
        MultiIndexHammingIndex.load(path)


def test_unknown_version_and_foreign_manifest(tmp_path: Path) -> None:
    path, _, _ = saved(tmp_path)
    manifest = json.loads((path / "manifest.json").read_text())
    (path / "manifest.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(IndexStoreError, match="version 99"):
        MultiIndexHammingIndex.load(path)
    (path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexStoreError, match="unreadable"):
        MultiIndexHammingIndex.load(path)
    (path / "manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(IndexStoreError, match="not a crowsnest"):
        MultiIndexHammingIndex.load(path)


def test_truncated_file_is_reported(tmp_path: Path) -> None:
    path, _, _ = saved(tmp_path)
    data = (path / "main_words.npy").read_bytes()
    (path / "main_words.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexStoreError, match="main_words"):
        MultiIndexHammingIndex.load(path)


def test_files_from_another_snapshot_are_reported(tmp_path: Path) -> None:
    path, _, _ = saved(tmp_path)
    other = tmp_path / "other"
    MultiIndexHammingIndex.from_hex(*sample(500, seed=2)).save(other)
    (path / "main_postings.npy").write_bytes((other / "main_postings.npy").read_bytes())
    with pytest.raises(IndexStoreError, match="different snapshots"):
        MultiIndexHammingIndex.load(path)


@pytest.mark.parametrize("name,position", [("main_postings", -1), ("main_starts", -5),
                                           ("main_rank", -40), ("main_bits", -3)])
def test_flipped_bytes_are_caught_before_a_query_reads_out_of_bounds(
        tmp_path: Path, name: str, position: int) -> None:
    path, _, _ = saved(tmp_path)
    file = path / f"{name}.npy"
    data = bytearray(file.read_bytes())
    data[position] ^= 0xFF
    file.write_bytes(bytes(data))
    with pytest.raises(IndexStoreError):
        MultiIndexHammingIndex.load(path)


def test_digest_check_catches_silent_corruption(tmp_path: Path) -> None:
    path, _, _ = saved(tmp_path)
    file = path / "main_words.npy"
    data = bytearray(file.read_bytes())
    data[-1] ^= 0x01  # a hash bit: structurally fine, only the digest notices
    file.write_bytes(bytes(data))
    MultiIndexHammingIndex.load(path)  # the quick checks pass
    with pytest.raises(IndexStoreError, match="digest"):
        MultiIndexHammingIndex.load(path, verify=True)


def test_arrays_are_plain_npy_not_pickles(tmp_path: Path) -> None:
    path, _, _ = saved(tmp_path)
    for file in path.glob("*.npy"):
        np.load(file, allow_pickle=False)
