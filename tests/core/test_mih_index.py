"""The MIH index answers exactly what the brute-force oracle answers."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crowsnest.core.errors import InvalidHash, InvalidInput
from crowsnest.core.index.base import IndexMatch
from crowsnest.core.index.brute import BruteForceHammingIndex
from crowsnest.core.index.mih import MultiIndexHammingIndex, warm_up

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# blocks narrower than a bitmap word's 6 bits have fewer than 64 buckets
LAYOUTS = [None, (16,) * 16, (24,) * 8 + (22,) * 2 + (20,),
           (8,) * 32, (1, 2, 3, 4, 5, 6) * 12 + (4,)]


def flip(value: int, bits: list[int]) -> int:
    for b in bits:
        value ^= 1 << b
    return value


def hexes(values: list[int]) -> list[str]:
    return [f"{v:064x}" for v in values]


def skewed(rng: random.Random, count: int) -> int:
    """Hashes with heavy buckets: a few bases, long runs of zero bits, small noise."""
    base = rng.choice([0, (1 << 256) - 1, int("f0" * 32, 16), int("0f" * 32, 16)])
    return flip(base, rng.sample(range(256), rng.randint(0, count)))


@st.composite
def banks(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """(stored values, query values): random + skewed rows, queries planted at 0-40 bits."""
    seed = draw(st.integers(0, 2**32))
    size = draw(st.integers(0, 120))
    rng = random.Random(seed)
    kind = draw(st.sampled_from(["uniform", "skewed", "duplicates"]))
    if kind == "uniform":
        stored = [rng.getrandbits(256) for _ in range(size)]
    elif kind == "skewed":
        stored = [skewed(rng, 40) for _ in range(size)]
    else:
        pool = [rng.getrandbits(256) for _ in range(max(1, size // 10))]
        stored = [rng.choice(pool) for _ in range(size)]
    queries = [rng.getrandbits(256) for _ in range(3)]
    for value in rng.sample(stored, min(len(stored), 12)):
        queries.append(flip(value, rng.sample(range(256), rng.randint(0, 40))))
    return stored, queries


def both(stored: list[int], **kwargs: object) -> tuple[MultiIndexHammingIndex,
                                                      BruteForceHammingIndex]:
    ids = [i * 7 + 3 for i in range(len(stored))]
    mih = MultiIndexHammingIndex.from_hex(ids, hexes(stored), **kwargs)  # type: ignore[arg-type]
    oracle = BruteForceHammingIndex()
    oracle.add(zip(ids, hexes(stored)))
    return mih, oracle


@SETTINGS
@given(bank=banks(), layout=st.sampled_from(LAYOUTS),
       threshold=st.sampled_from([0, 1, 8, 15, 16, 30, 31, 32, 40, 70]))
def test_range_search_matches_brute_force(bank: tuple[list[int], list[int]],
                                          layout: tuple[int, ...] | None,
                                          threshold: int) -> None:
    stored, queries = bank
    mih, oracle = both(stored, widths=layout, allow_scan=False)
    expected = [oracle.query(q, threshold) for q in hexes(queries)]
    assert [mih.query(q, threshold) for q in hexes(queries)] == expected
    assert mih.query_many(hexes(queries), threshold) == expected


def test_planted_neighbours_at_every_distance_and_threshold_edges() -> None:
    rng = random.Random(11)
    base = rng.getrandbits(256)
    stored = [flip(base, rng.sample(range(256), d)) for d in range(41)]
    stored += [rng.getrandbits(256) for _ in range(2000)]
    mih, oracle = both(stored, widths=(16,) * 16, allow_scan=False)
    for threshold in (30, 31, 32):
        got = mih.query(f"{base:064x}", threshold)
        assert got == oracle.query(f"{base:064x}", threshold)
        assert [m.distance for m in got] == list(range(threshold + 1))


def test_bulk_build_at_default_layout_uses_block_search() -> None:
    rng = np.random.default_rng(5)
    words = rng.integers(0, 2**63, size=(20_000, 4), dtype=np.uint64) * np.uint64(2)
    index = MultiIndexHammingIndex.from_arrays(np.arange(20_000), words)
    main, _ = index._state
    assert not main.plan(31).scan
    query = words[17].copy()
    query[2] ^= np.uint64(0b1011)
    got = index.query(query.astype(">u8").tobytes().hex(), 31)
    assert IndexMatch(3, 17) in got


def test_rows_in_crowded_buckets_and_rows_found_by_every_block_are_reported_once() -> None:
    """Buckets with many rows take the "more rows" path; a stored copy of the query is
    found through every block and must still be reported once."""
    rng = random.Random(3)
    base = rng.getrandbits(256)
    stored = [base] * 5 + [flip(base, rng.sample(range(256), rng.randint(1, 40)))
                           for _ in range(3000)]
    mih, oracle = both(stored, widths=(16,) * 16, allow_scan=False)
    main, _ = mih._state
    assert int((main.postings >> np.uint32(31)).sum()) > 0  # some heads flag more rows
    for threshold in (0, 5, 31, 40):
        want = oracle.query(f"{base:064x}", threshold)
        assert mih.query(f"{base:064x}", threshold) == want
        assert mih.query_many([f"{base:064x}"] * 2, threshold) == [want, want]
    assert [m.distance for m in mih.query(f"{base:064x}", 0)] == [0] * 5


@SETTINGS
@given(seed=st.integers(0, 2**32),
       ops=st.lists(st.tuples(st.sampled_from(["add", "remove", "replace", "compact"]),
                              st.integers(0, 40)), max_size=40),
       background=st.booleans())
def test_mutation_sequences_match_brute_force(seed: int, ops: list[tuple[str, int]],
                                              background: bool) -> None:
    rng = random.Random(seed)
    mih = MultiIndexHammingIndex(delta_limit=8, background=background,
                                 widths=(16,) * 16, allow_scan=False)
    oracle = BruteForceHammingIndex()
    anchor = rng.getrandbits(256)
    for op, entry_id in ops:
        value = f"{flip(anchor, rng.sample(range(256), rng.randint(0, 36))):064x}"
        if op in ("add", "replace"):
            batch = [(entry_id, value)] if op == "replace" else [
                (entry_id + j, f"{flip(anchor, rng.sample(range(256), 20)):064x}")
                for j in range(rng.randint(1, 12))]
            mih.add(batch)
            oracle.add(batch)
        elif op == "remove":
            mih.remove([entry_id, entry_id + 1, 999])
            oracle.remove([entry_id, entry_id + 1, 999])
        else:
            mih.compact(wait=rng.random() < 0.5)
        assert mih.query(f"{anchor:064x}", 31) == oracle.query(f"{anchor:064x}", 31)
        assert len(mih) == len(oracle)
    mih.wait()
    assert mih.query(f"{anchor:064x}", 40) == oracle.query(f"{anchor:064x}", 40)
    assert len(mih) == len(oracle)


def test_add_remove_take_effect_immediately_without_rebuild() -> None:
    rng = np.random.default_rng(3)
    words = rng.integers(0, 2**63, size=(5000, 4), dtype=np.uint64)
    index = MultiIndexHammingIndex.from_arrays(np.arange(5000), words)
    main_before, _ = index._state
    value = "ab" * 32
    index.add([(123456, value)])
    assert index.query(value, 0) == [IndexMatch(0, 123456)]
    index.add([(123456, "cd" * 32)])  # replace
    assert index.query(value, 0) == []
    assert index.query("cd" * 32, 0) == [IndexMatch(0, 123456)]
    stored = words[10].astype(">u8").tobytes().hex()
    index.remove([10])
    assert all(m.entry_id != 10 for m in index.query(stored, 31))
    index.add([(10, stored)])
    assert IndexMatch(0, 10) in index.query(stored, 0)
    assert index._state[0] is main_before  # no rebuild happened
    assert len(index) == 5001


def test_large_add_rebuilds_and_keeps_last_value_per_id() -> None:
    index = MultiIndexHammingIndex(delta_limit=10)
    items = [(i % 50, f"{i:064x}") for i in range(200)]
    index.add(items)
    assert len(index) == 50
    assert index.query(f"{199:064x}", 0) == [IndexMatch(0, 49)]
    assert index.query(f"{100:064x}", 0) == []


def test_query_variants_reports_each_entry_once_at_its_nearest() -> None:
    index = MultiIndexHammingIndex()
    a, b = "0" * 64, "f" * 64
    index.add([(1, a), (2, b)])
    near_a = "1" + "0" * 63  # distance 1 from a
    got = index.query_variants([near_a, a, b], 31)
    assert got == [IndexMatch(0, 1), IndexMatch(0, 2)]


@pytest.mark.parametrize("bad", ["", "xyz", "0" * 63, "0" * 65, "g" * 64, "0 " * 32, "é" * 64])
def test_bad_hashes_raise_invalid_hash_and_change_nothing(bad: str) -> None:
    index = MultiIndexHammingIndex()
    index.add([(1, "0" * 64)])
    with pytest.raises(InvalidHash):
        index.add([(2, "1" * 64), (3, bad)])
    with pytest.raises(InvalidHash):
        index.query(bad, 31)
    with pytest.raises(InvalidHash):
        index.query_many(["0" * 64, bad], 31)
    assert len(index) == 1
    assert index.query("1" * 64, 0) == []


def test_rejects_other_sizes_and_bad_layouts() -> None:
    with pytest.raises(InvalidInput):
        MultiIndexHammingIndex(nbits=64)
    with pytest.raises(InvalidInput):
        MultiIndexHammingIndex(widths=(32,) * 8)


def test_bad_ids_and_row_shapes_are_invalid_input() -> None:
    index = MultiIndexHammingIndex()
    with pytest.raises(InvalidInput):
        index.add([("not-a-number", "0" * 64)])  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        index.add_arrays(np.arange(2), np.zeros((2, 3), dtype=np.uint64))
    assert len(index) == 0


def test_warm_up_runs_every_kernel_path() -> None:
    warm_up()  # raises if any kernel fails to compile or run


def test_add_of_a_stream_longer_than_one_parse_chunk_keeps_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import crowsnest.core.index.mih as mih

    monkeypatch.setattr(mih, "ADD_CHUNK", 7)  # many chunks, the last one partial
    rng = random.Random(3)
    values = [rng.getrandbits(256) for _ in range(50)]
    index = MultiIndexHammingIndex()
    index.add((i, v) for i, v in enumerate(hexes(values)))  # a generator, as from the DB
    assert len(index) == 50
    for i in (0, 6, 7, 49):
        assert index.query(hexes([values[i]])[0], 0) == [IndexMatch(0, i)]
    with pytest.raises(InvalidHash):
        index.add(iter([(51, "0" * 64)] * 10 + [(52, "zz")]))
    assert len(index) == 50  # a bad value in a later chunk leaves the index as it was
