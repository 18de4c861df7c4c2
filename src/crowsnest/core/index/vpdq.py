"""Brute-force vPDQ index: compares a query video with every stored video.

Values are serialised vPDQ hashes (see :mod:`crowsnest.core.signals.vpdq`). Stored videos
are kept parsed -- deduplicated, quality-filtered frame hashes as a packed numpy array --
so a query costs one vectorised Hamming pass per stored video. ``query(value, threshold)``
returns every stored video whose vPDQ distance ``ceil(100 - max(query_pct, compared_pct))``
is at most ``threshold`` (``20`` = at least 80 % of one video's frames are found in the
other), nearest first. The percentages are those of
:func:`crowsnest.core.signals.vpdq.vpdq_match`, which tests use as the oracle.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from crowsnest.core.hexbits import POPCOUNT8
from crowsnest.core.index.base import IndexMatch, SignalIndex
from crowsnest.core.signals.vpdq import (
    VPDQ_FRAME_DISTANCE,
    VPDQ_QUALITY_THRESHOLD,
    match_distance,
    parse_frames,
)


def _packed_usable(value: str, quality: int) -> np.ndarray:
    """Unique frame hashes of quality >= ``quality`` as an ``(n, 32)`` uint8 array."""
    unique = dict.fromkeys(f.pdq_hex for f in parse_frames(value) if f.quality >= quality)
    if not unique:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(unique)), dtype=np.uint8).reshape(-1, 32)


def _shares(query: np.ndarray, stored: np.ndarray, distance: int) -> tuple[float, float]:
    if len(query) == 0 or len(stored) == 0:
        return 0.0, 0.0
    # (q, s) matrix of frame-to-frame Hamming distances
    dist = POPCOUNT8[query[:, None, :] ^ stored[None, :, :]].sum(axis=2, dtype=np.int32)
    close = dist <= distance
    return (float(close.any(axis=1).sum() * 100 / len(query)),
            float(close.any(axis=0).sum() * 100 / len(stored)))


class VpdqBruteForceIndex(SignalIndex):
    """Exact vPDQ range search over every stored video (fine for thousands of videos)."""

    def __init__(self, frame_distance: int = VPDQ_FRAME_DISTANCE,
                 quality: int = VPDQ_QUALITY_THRESHOLD) -> None:
        self.frame_distance = frame_distance
        self.quality = quality
        self._videos: dict[int, np.ndarray] = {}

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        parsed = [(int(i), _packed_usable(v, self.quality)) for i, v in items]
        self._videos.update(parsed)  # parse everything first: a bad value changes nothing

    def remove(self, entry_ids: Iterable[int]) -> None:
        for entry_id in entry_ids:
            self._videos.pop(int(entry_id), None)

    def query(self, value: str, threshold: int) -> list[IndexMatch]:
        query = _packed_usable(value, self.quality)
        hits = []
        for entry_id, stored in self._videos.items():
            distance = match_distance(*_shares(query, stored, self.frame_distance))
            if distance <= threshold and len(query) and len(stored):
                hits.append(IndexMatch(distance, entry_id))
        return sorted(hits)

    def __len__(self) -> int:
        return len(self._videos)
