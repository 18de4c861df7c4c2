"""Exact-value index for cryptographic hashes (MD5, SHA-256): a dict from value to ids."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from crowsnest.core.index.base import IndexMatch, SignalIndex


class ExactIndex(SignalIndex):
    """Matches only identical values; ``threshold`` is ignored (distance is 0 or no match)."""

    def __init__(self) -> None:
        self._ids_by_value: dict[str, set[int]] = defaultdict(set)
        self._value_by_id: dict[int, str] = {}

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        for entry_id, value in items:
            self.remove([entry_id])
            self._ids_by_value[value].add(int(entry_id))
            self._value_by_id[int(entry_id)] = value

    def remove(self, entry_ids: Iterable[int]) -> None:
        for entry_id in entry_ids:
            value = self._value_by_id.pop(int(entry_id), None)
            if value is not None:
                ids = self._ids_by_value[value]
                ids.discard(int(entry_id))
                if not ids:
                    del self._ids_by_value[value]

    def query(self, value: str, threshold: int = 0) -> list[IndexMatch]:
        return [IndexMatch(0, i) for i in sorted(self._ids_by_value.get(value, ()))]

    def __len__(self) -> int:
        return len(self._value_by_id)
