"""Deterministic sampling: the same content always gets the same answer.

HMA decides per request whether a bank with ``enabled_ratio`` < 1 takes part in a lookup by
drawing a random number. That makes matching non-deterministic: the same hash can match on
one request and not on the next. crowsnest replaces the coin flip with a *stable sample*:
the content's key (a hash value, or a caller-supplied seed) is hashed to a number in
[0, 1), and a bank takes part when that number is below its ratio. Over many different
contents the share that takes part still equals the ratio; for one content the answer
never changes.
"""

from __future__ import annotations

import hashlib

# 2**64: the first 8 bytes of the digest, read as an unsigned integer, divided by this
# land uniformly in [0, 1).
_SCALE = float(1 << 64)


def stable_fraction(key: str | bytes, *, salt: str = "") -> float:
    """Map ``key`` to a number in [0, 1) that depends only on ``key`` (and ``salt``).

    ``salt`` lets a caller draw independent samples (e.g. one per bank) from the same key.
    """
    data = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    digest = hashlib.sha256(salt.encode("utf-8") + b"\x00" + data).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def in_sample(key: str | bytes, ratio: float, *, salt: str = "") -> bool:
    """Whether content ``key`` falls inside a sample of size ``ratio`` (0.0 none, 1.0 all)."""
    if ratio >= 1.0:
        return True
    if ratio <= 0.0:
        return False
    return stable_fraction(key, salt=salt) < ratio
