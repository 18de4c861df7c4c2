"""Search plans always satisfy the pigeonhole condition that makes MIH exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowsnest.core.errors import InvalidHash
from crowsnest.core.index.mih_plan import choose_widths, flip_masks, make_plan, probes
from crowsnest.core.index.words import bytes_to_words, hex_to_words, popcount_words, words_to_hex


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 50_000_000), threshold=st.integers(0, 80))
def test_plan_radii_cover_the_threshold(n: int, threshold: int) -> None:
    widths = choose_widths(n)
    assert sum(widths) == 256 and max(widths) <= 24
    plan = make_plan(widths, n, threshold)
    assert sum(r + 1 for r in plan.radii) >= threshold + 1
    if not plan.scan:
        for b, (w, r) in enumerate(zip(widths, plan.radii)):
            assert plan.mask_hi[b] - plan.mask_lo[b] == probes(w, r)


def test_flip_masks_are_all_patterns_up_to_the_radius() -> None:
    masks = flip_masks(10, 2)
    assert len(masks) == len(set(masks.tolist())) == 1 + 10 + 45
    assert all(bin(int(m)).count("1") <= 2 for m in masks)
    assert masks[0] == 0


def test_default_layouts_for_the_benchmark_sizes() -> None:
    assert len(choose_widths(1_000_000)) == 12
    assert len(choose_widths(10_000_000)) == 11


def test_hex_and_bytes_conversions_agree() -> None:
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=(50, 32), dtype=np.uint8)
    hexes = [bytes(r).hex() for r in raw]
    words = hex_to_words(hexes)
    assert np.array_equal(words, bytes_to_words(raw))
    assert words_to_hex(words) == hexes
    assert np.array_equal(hex_to_words([h.upper() for h in hexes]), words)
    assert popcount_words(words).sum() == np.unpackbits(raw).sum()
    with pytest.raises(InvalidHash):
        bytes_to_words(raw[:, :16])
    with pytest.raises(InvalidHash):
        hex_to_words([["nested"]])  # type: ignore[list-item]
