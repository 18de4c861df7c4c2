"""Matching use case: in-memory indexes over the banks, queried with hashes or media.

A :class:`Matcher` holds one index per signal type, each from ``SignalType.new_index()``
(so a faster PDQ index slots in through the signal type) and filled with the enabled
entries of enabled banks. Index hits are resolved against the database at query time,
which makes every result reflect the current state: an entry or bank disabled after the
build never matches, and per-bank thresholds are read fresh.

Thresholds (PDQ): a per-query ``threshold`` wins; otherwise a bank's own override;
otherwise the matcher's default (settings ``pdq_threshold``, 31). Exact signal types
(md5, sha256) match identical values only.

Quality: a photo whose PDQ quality is below 50 (flat or featureless, PDQ's own cut-off)
is not looked up by PDQ -- such hashes match each other regardless of content, and a
blank upload must never be reported as known material. Its exact hashes still match.

Orientations: ``"all"`` also queries the 7 rotated/mirrored PDQ variants of a photo and
reports the variant that matched (the nearest one per entry; the original wins ties).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core import registry
from crowsnest.core.errors import InvalidInput, NotFound
from crowsnest.core.index.base import IndexMatch, SignalIndex
from crowsnest.core.signals.base import MediaSource, SignalHash
from crowsnest.core.signals.pdq import PDQ_QUALITY_THRESHOLD
from crowsnest.db.repositories import banks as bank_repo
from crowsnest.db.repositories import entries as entry_repo
from crowsnest.db.repositories.entries import EntryHit
from crowsnest.services.banks import validate_threshold
from crowsnest.services.hashing import HashedMedia, Orientations, hash_for_matching

DEFAULT_PDQ_THRESHOLD = 31


@dataclass(frozen=True)
class MatchItem:
    """One bank entry matched by a query."""

    bank: str
    entry_id: int
    signal_type: str
    distance: int
    labels: list[str]
    variant: str | None = None  # set when only a rotated/mirrored PDQ variant matched

    def to_dict(self) -> dict[str, Any]:
        """``{"bank", "entry_id", "signal_type", "distance", "labels"}`` (+ ``"variant"``)."""
        out: dict[str, Any] = {
            "bank": self.bank, "entry_id": self.entry_id, "signal_type": self.signal_type,
            "distance": self.distance, "labels": list(self.labels),
        }
        if self.variant is not None:
            out["variant"] = self.variant
        return out


@dataclass(frozen=True)
class MediaMatch:
    """Hashes of one media source and the entries they matched."""

    hashed: HashedMedia
    matches: list[MatchItem]


class Matcher:
    """Per-signal-type indexes over enabled entries, answering match queries."""

    def __init__(
        self, indexes: Mapping[str, SignalIndex], *,
        pdq_threshold: int = DEFAULT_PDQ_THRESHOLD, bank_ids: frozenset[int] | None = None,
    ) -> None:
        self.indexes = dict(indexes)
        self.pdq_threshold = pdq_threshold
        self.bank_ids = bank_ids  # banks the indexes were restricted to (None: all)

    @classmethod
    def build(
        cls, session: Session, *, banks: Sequence[str] | None = None,
        signal_types: Sequence[str] | None = None,
        pdq_threshold: int = DEFAULT_PDQ_THRESHOLD,
        prebuilt: Mapping[str, SignalIndex] | None = None,
    ) -> Matcher:
        """Load the enabled entries of enabled banks (only ``banks`` if given).

        ``prebuilt`` indexes (e.g. loaded from a snapshot) are used as they are; only the
        other signal types are read from the database.
        """
        validate_threshold("pdq", pdq_threshold)
        bank_ids = frozenset(resolve_banks(session, banks).values()) if banks else None
        names = list(signal_types) if signal_types else list(registry.signal_types())
        indexes: dict[str, SignalIndex] = dict(prebuilt or {})
        for name in names:
            if name in indexes:
                continue
            index = registry.signal_type(name).new_index()
            index.add(entry_repo.iter_matchable(session, name, bank_ids))
            indexes[name] = index
        return cls(indexes, pdq_threshold=pdq_threshold, bank_ids=bank_ids)

    def sizes(self) -> dict[str, int]:
        """Entries held per signal type."""
        return {name: len(index) for name, index in self.indexes.items()}

    def add(self, signal_type: str, items: Iterable[tuple[int, str]]) -> None:
        """Apply new or changed entries without a rebuild (long-running services)."""
        index = self.indexes.get(signal_type)
        if index is None:
            index = self.indexes[signal_type] = registry.signal_type(signal_type).new_index()
        index.add(items)

    def remove(self, signal_type: str, entry_ids: Iterable[int]) -> None:
        """Drop entries from the index of ``signal_type``."""
        if signal_type in self.indexes:
            self.indexes[signal_type].remove(entry_ids)

    def match_signals(
        self, session: Session, signals: Mapping[str, SignalHash | str], *,
        variants: Mapping[str, SignalHash | str] | None = None,
        threshold: int | None = None, banks: Sequence[str] | None = None,
    ) -> list[MatchItem]:
        """Match already computed hashes; ``variants`` are extra PDQ values by name.

        ``threshold`` is the per-query PDQ threshold; values are validated first.
        """
        validate_threshold("pdq", threshold)
        only = frozenset(resolve_banks(session, banks).values()) if banks else None
        radius = self._pdq_radius(session, threshold)
        queries = _queries(signals, variants)
        raw: dict[int, tuple[int, str | None, str]] = {}  # entry -> (distance, variant, type)
        for signal_type, variant, value in queries:
            index = self.indexes.get(signal_type)
            if index is None:
                continue
            limit = radius if signal_type == "pdq" else _default_threshold(signal_type)
            for hit in index.query(value, limit):
                _keep_nearest(raw, hit, variant, signal_type)
        return self._resolve(session, raw, threshold, only)

    def match_media(
        self, session: Session, source: MediaSource, *, orientations: Orientations = "all",
        threshold: int | None = None, banks: Sequence[str] | None = None,
        max_pixels: int | None = None, max_bytes: int | None = None,
        min_pdq_quality: int = PDQ_QUALITY_THRESHOLD,
    ) -> MediaMatch:
        """Hash ``source`` and match every signal (and PDQ variants with ``"all"``).

        PDQ is not looked up when the photo's quality is below ``min_pdq_quality``.
        """
        validate_threshold("pdq", threshold)
        hashed = hash_for_matching(source, orientations=orientations, max_pixels=max_pixels,
                                   max_bytes=max_bytes)
        signals, variants = dict(hashed.signals), dict(hashed.variants)
        pdq = signals.get("pdq")
        if pdq is not None and pdq.quality is not None and pdq.quality < min_pdq_quality:
            del signals["pdq"]
            variants = {}
        matches = self.match_signals(session, signals, variants=variants,
                                     threshold=threshold, banks=banks)
        return MediaMatch(hashed, matches)

    def _pdq_radius(self, session: Session, threshold: int | None) -> int:
        if threshold is not None:
            return threshold
        override = bank_repo.max_pdq_threshold(session)
        return max(self.pdq_threshold, override if override is not None else 0)

    def _resolve(
        self, session: Session, raw: dict[int, tuple[int, str | None, str]],
        threshold: int | None, only: frozenset[int] | None,
    ) -> list[MatchItem]:
        found = entry_repo.hits(session, raw)
        items = []
        for entry_id, (distance, variant, signal_type) in raw.items():
            hit = found.get(entry_id)
            if hit is None or not self._allowed(hit, only):
                continue  # deleted or disabled since the index was built
            if signal_type == "pdq" and distance > self._limit(hit, threshold):
                continue
            items.append(MatchItem(hit.bank_name, entry_id, signal_type, distance,
                                   hit.labels, variant))
        return sorted(items, key=lambda m: (m.distance, m.bank, m.entry_id))

    def _allowed(self, hit: EntryHit, only: frozenset[int] | None) -> bool:
        if not (hit.entry_enabled and hit.bank_enabled):
            return False
        if self.bank_ids is not None and hit.bank_id not in self.bank_ids:
            return False
        return only is None or hit.bank_id in only

    def _limit(self, hit: EntryHit, threshold: int | None) -> int:
        if threshold is not None:
            return threshold
        if hit.bank_pdq_threshold is not None:
            return hit.bank_pdq_threshold
        return self.pdq_threshold


def resolve_banks(session: Session, names: Sequence[str] | None) -> dict[str, int]:
    """Bank ids by name for ``names``; NotFound naming the first unknown bank."""
    wanted = list(dict.fromkeys(names or ()))
    found = bank_repo.get_many_by_name(session, wanted)
    missing = [n for n in wanted if n not in found]
    if missing:
        raise NotFound(f"no bank named {missing[0]!r}")
    return {name: bank.id for name, bank in found.items()}


def _default_threshold(signal_type: str) -> int:
    return int(registry.signal_type(signal_type).default_threshold)


def _queries(
    signals: Mapping[str, SignalHash | str], variants: Mapping[str, SignalHash | str] | None,
) -> list[tuple[str, str | None, str]]:
    """``(signal_type, variant, canonical value)`` for every value to look up."""
    out: list[tuple[str, str | None, str]] = []
    for signal_type, signal in signals.items():
        value = signal.value if isinstance(signal, SignalHash) else signal
        out.append((signal_type, None, _canonical(signal_type, value)))
    for name, signal in (variants or {}).items():
        value = signal.value if isinstance(signal, SignalHash) else signal
        out.append(("pdq", name, _canonical("pdq", value)))
    return out


def _canonical(signal_type: str, value: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"a {signal_type} hash must be text")
    return str(registry.signal_type(signal_type).validate(value.strip()))


def _keep_nearest(
    raw: dict[int, tuple[int, str | None, str]], hit: IndexMatch, variant: str | None,
    signal_type: str,
) -> None:
    # the original image is queried first, so on equal distance it keeps the entry
    current = raw.get(hit.entry_id)
    if current is None or hit.distance < current[0]:
        raw[hit.entry_id] = (hit.distance, variant, signal_type)
