"""256-bit hashes as ``uint64[n, 4]`` rows: conversion from hex text and packed bytes.

Word 0 holds the first 16 hex digits as a big-endian number, so bit ``i`` of the hex
string (most significant first) is bit ``63 - i % 64`` of word ``i // 64``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crowsnest.core.errors import InvalidHash
from crowsnest.core.hexbits import POPCOUNT8
from crowsnest.core.index.mih_kernels import hex_rows_to_words

HEX_DIGITS = 64


def hex_to_row(value: str) -> np.ndarray:
    """One 64-digit hex string -> ``uint64[4]``; raises :class:`InvalidHash`."""
    try:
        raw = bytes.fromhex(value)
    except (ValueError, TypeError) as exc:
        raise InvalidHash(f"not a 256-bit hex hash: {value!r:.80}") from exc
    if len(raw) != 32 or len(value) != HEX_DIGITS:
        raise InvalidHash(f"not a 256-bit hex hash: {value!r:.80}")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def hex_to_words(values: Sequence[str] | np.ndarray) -> np.ndarray:
    """Many 64-digit hex strings -> ``uint64[n, 4]``; raises :class:`InvalidHash`.

    Goes through a fixed-width byte array and a compiled digit loop: at 10 million values
    that is a few seconds, with no joined 640 MB string.
    """
    if len(values) == 0:
        return np.zeros((0, 4), dtype=np.uint64)
    if len(values) <= SMALL_BATCH:
        return _small_hex_to_words(values)
    try:
        # one spare byte per row reveals values longer than 64 characters
        raw = np.asarray(values, dtype="S65")
    except (UnicodeEncodeError, ValueError, TypeError) as exc:
        raise InvalidHash("hash values must be ASCII hex strings") from exc
    if raw.ndim != 1:
        raise InvalidHash("expected a flat list of hex strings")
    grid = raw.view(np.uint8).reshape(len(raw), 65)
    bad_length = (grid[:, 64] != 0) | (grid[:, 63] == 0)
    if bad_length.any():
        first = int(np.flatnonzero(bad_length)[0])
        raise InvalidHash(f"value {first} is not 64 hex digits: {values[first]!r:.80}")
    out = np.empty((len(raw), 4), dtype=np.uint64)
    try:
        hex_rows_to_words(grid, out)
    except ValueError as exc:
        raise InvalidHash("hash values must be hex digits only") from exc
    return out


SMALL_BATCH = 64


def _small_hex_to_words(values: Sequence[str] | np.ndarray) -> np.ndarray:
    """A few values: ``bytes.fromhex`` beats setting up the array path."""
    try:
        if any(len(v) != HEX_DIGITS for v in values):
            raise ValueError("length")
        raw = bytes.fromhex("".join(values))
    except (ValueError, TypeError) as exc:
        raise InvalidHash("hash values must be 64 hex digits") from exc
    if len(raw) != 32 * len(values):  # bytes.fromhex skips whitespace
        raise InvalidHash("hash values must be 64 hex digits")
    return np.frombuffer(raw, dtype=">u8").reshape(-1, 4).astype(np.uint64)


def bytes_to_words(packed: np.ndarray) -> np.ndarray:
    """``uint8[n, 32]`` (as :func:`crowsnest.core.hexbits.pack_hex` makes) -> ``uint64[n, 4]``."""
    flat = np.ascontiguousarray(packed, dtype=np.uint8)
    if flat.ndim != 2 or flat.shape[1] != 32:
        raise InvalidHash(f"expected packed rows of 32 bytes, got shape {flat.shape}")
    return flat.view(">u8").astype(np.uint64)


def words_to_hex(words: np.ndarray) -> list[str]:
    """``uint64[n, 4]`` -> lowercase hex strings (inverse of :func:`hex_to_words`)."""
    return [row.tobytes().hex() for row in words.astype(">u8")]


def popcount_words(arr: np.ndarray) -> np.ndarray:
    """Set bits of each ``uint64`` (``np.bitwise_count`` needs numpy 2; this does not)."""
    as_bytes = np.ascontiguousarray(arr, dtype=np.uint64).view(np.uint8).reshape(-1, 8)
    return POPCOUNT8[as_bytes].sum(axis=1, dtype=np.int64)
