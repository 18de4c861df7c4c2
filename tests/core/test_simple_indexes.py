"""The brute-force oracle and the exact index answer range queries correctly."""

import random

from crowsnest.core.index.base import IndexMatch
from crowsnest.core.index.brute import BruteForceHammingIndex
from crowsnest.core.index.exact import ExactIndex


def flip(value: str, bits: list[int]) -> str:
    n = int(value, 16)
    for b in bits:
        n ^= 1 << b
    return f"{n:064x}"


def test_brute_force_returns_exactly_the_entries_within_threshold() -> None:
    rng = random.Random(7)
    base = f"{rng.getrandbits(256):064x}"
    index = BruteForceHammingIndex()
    index.add((d, flip(base, rng.sample(range(256), d))) for d in range(0, 41))
    got = index.query(base, 31)
    assert got == [IndexMatch(d, d) for d in range(32)]
    index.remove([0, 5])
    assert [m.entry_id for m in index.query(base, 5)] == [1, 2, 3, 4]
    assert len(index) == 39


def test_brute_force_empty_and_replace() -> None:
    index = BruteForceHammingIndex()
    assert index.query("0" * 64, 31) == []
    index.add([(1, "f" * 64)])
    index.add([(1, "0" * 64)])
    assert index.query("0" * 64, 0) == [IndexMatch(0, 1)]


def test_exact_index_matches_identical_values_only() -> None:
    index = ExactIndex()
    index.add([(1, "a" * 32), (2, "a" * 32), (3, "b" * 32)])
    assert index.query("a" * 32) == [IndexMatch(0, 1), IndexMatch(0, 2)]
    index.remove([1])
    index.add([(2, "c" * 32)])
    assert index.query("a" * 32) == []
    assert index.query("c" * 32) == [IndexMatch(0, 2)]
    assert len(index) == 2
