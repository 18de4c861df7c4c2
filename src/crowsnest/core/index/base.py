"""The index contract every signal type's index implements.

An index maps integer entry ids (bank entry primary keys) to canonical hash values and
answers range queries: every stored id whose value lies within ``threshold`` of the query.
Recall must be exact -- an index may be faster than brute force, never less complete.

Indexes are mutable in place (``add``/``remove``) so that a running service applies bank
changes without rebuilding from scratch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class IndexMatch:
    """One stored entry within the threshold of a query."""

    distance: int
    entry_id: int


class SignalIndex(ABC):
    """Mutable, exact-recall index over (entry_id, canonical value) pairs."""

    @abstractmethod
    def add(self, items: Iterable[tuple[int, str]]) -> None:
        """Insert or replace entries. Re-adding an id replaces its value."""

    @abstractmethod
    def remove(self, entry_ids: Iterable[int]) -> None:
        """Drop entries; unknown ids are ignored."""

    @abstractmethod
    def query(self, value: str, threshold: int) -> list[IndexMatch]:
        """All entries within ``threshold`` (inclusive) of ``value``, nearest first."""

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[IndexMatch]]:
        """Batch form of :meth:`query`; subclasses override it when batching is cheaper."""
        return [self.query(v, threshold) for v in values]

    @abstractmethod
    def __len__(self) -> int:
        """Number of entries held."""
