"""Brute-force Hamming index: the exact oracle every faster index is tested against.

Linear in the number of entries (a numpy XOR + popcount over all rows), so it is correct
by construction and fine for small banks and tests.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from crowsnest.core.hexbits import hamming, pack_hex
from crowsnest.core.index.base import IndexMatch, SignalIndex


class BruteForceHammingIndex(SignalIndex):
    """Exact range search by comparing the query with every stored hash."""

    def __init__(self, nbits: int = 256) -> None:
        self.nbytes = nbits // 8
        self._values: dict[int, str] = {}
        self._packed: np.ndarray | None = None  # rebuilt lazily after a change
        self._ids: np.ndarray | None = None

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        for entry_id, value in items:
            self._values[int(entry_id)] = value
        self._packed = None

    def remove(self, entry_ids: Iterable[int]) -> None:
        for entry_id in entry_ids:
            self._values.pop(int(entry_id), None)
        self._packed = None

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._packed is None or self._ids is None:
            ids = np.fromiter(self._values.keys(), dtype=np.int64, count=len(self._values))
            packed = pack_hex(self._values.values(), self.nbytes) if self._values else (
                np.zeros((0, self.nbytes), dtype=np.uint8))
            self._ids, self._packed = ids, packed
        return self._ids, self._packed

    def query(self, value: str, threshold: int) -> list[IndexMatch]:
        ids, packed = self._arrays()
        if len(ids) == 0:
            return []
        distances = hamming(packed, pack_hex([value], self.nbytes)[0])
        hits = np.nonzero(distances <= threshold)[0]
        return sorted(IndexMatch(int(distances[i]), int(ids[i])) for i in hits)

    def __len__(self) -> int:
        return len(self._values)
