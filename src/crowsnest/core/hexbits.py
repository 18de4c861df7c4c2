"""Conversions between hex hash strings and packed bytes, and Hamming distance on them."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

# popcount of every byte value; indexing with a uint8 array counts bits without a loop
POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def pack_hex(values: Iterable[str], nbytes: int) -> np.ndarray:
    """Canonical hex strings -> ``(n, nbytes)`` uint8 array (values must be pre-validated)."""
    joined = "".join(values)
    flat = np.frombuffer(bytes.fromhex(joined), dtype=np.uint8)
    return flat.reshape(-1, nbytes)


def unpack_hex(rows: np.ndarray) -> list[str]:
    """``(n, nbytes)`` uint8 array -> lowercase hex strings."""
    return [bytes(row).hex() for row in rows]


def hamming(packed: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distance of one packed query against every row of ``packed``."""
    return POPCOUNT8[np.bitwise_xor(packed, query)].sum(axis=1, dtype=np.int32)
