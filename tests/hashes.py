"""Helpers that make hash values for tests (random PDQ hashes, planted near-duplicates)."""

from __future__ import annotations

import random


def random_pdq(rng: random.Random) -> str:
    """A random 256-bit PDQ value as lowercase hex."""
    return f"{rng.getrandbits(256):064x}"


def flip_bits(value: str, count: int, rng: random.Random) -> str:
    """``value`` with exactly ``count`` distinct bits flipped (Hamming distance ``count``)."""
    n = int(value, 16)
    for bit in rng.sample(range(256), count):
        n ^= 1 << bit
    return f"{n:064x}"
