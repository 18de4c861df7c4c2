"""Batch hash lookups: many hashes in one request, answered with one index pass per signal
type and one database round trip to resolve all hits.

Rules are those of :mod:`crowsnest.services.matching`: disabled banks and entries never
match; the PDQ threshold is the query's, else the bank's override, else the default.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from crowsnest.core import registry
from crowsnest.core.errors import CrowsnestError, InvalidInput
from crowsnest.db.repositories import entries as entry_repo
from crowsnest.services import telemetry
from crowsnest.services.banks import validate_threshold
from crowsnest.services.index_sync import IndexSync
from crowsnest.services.matching import MatchItem, resolve_banks


@dataclass(frozen=True)
class HashQuery:
    """One hash to look up."""

    signal_type: str
    value: str


def canonical_queries(queries: Sequence[HashQuery]) -> list[HashQuery]:
    """Validate every query up front; InvalidInput names the first bad item's position."""
    out = []
    for position, query in enumerate(queries):
        try:
            signal = registry.signal_type(query.signal_type)
            if not isinstance(query.value, str):
                raise InvalidInput("a hash must be text")
            out.append(HashQuery(query.signal_type, signal.validate(query.value.strip())))
        except CrowsnestError as error:
            raise type(error)(f"hashes[{position}]: {error.message}",
                              detail={"index": position}) from None
    return out


Candidates = list[list[tuple[int, int]]]  # per query: (entry_id, distance)


def find_candidates(
    sync: IndexSync, queries: Sequence[HashQuery], threshold: int | None = None,
) -> tuple[list[HashQuery], Candidates]:
    """Validate and query the in-memory indexes only -- no database round trip.

    The search radius is the query's threshold, else the largest of the default and every
    enabled bank's override (cached by the index sync, refreshed with each poll).
    """
    validate_threshold("pdq", threshold)
    clean = canonical_queries(queries)
    radius = threshold if threshold is not None else sync.search_radius()
    by_type: dict[str, list[int]] = defaultdict(list)
    for position, query in enumerate(clean):
        by_type[query.signal_type].append(position)
    raw: Candidates = [[] for _ in clean]
    matcher = sync.require()
    with sync.lock:
        for signal_type, positions in by_type.items():
            index = matcher.indexes.get(signal_type)
            if index is None:
                continue
            limit = radius if signal_type == "pdq" else int(
                registry.signal_type(signal_type).default_threshold)
            results = index.query_many([clean[p].value for p in positions], limit)
            for position, hits in zip(positions, results):
                raw[position] = [(hit.entry_id, hit.distance) for hit in hits]
    return clean, raw


def resolve(
    session: Session, sync: IndexSync, clean: Sequence[HashQuery], raw: Candidates, *,
    threshold: int | None = None, banks: Sequence[str] | None = None,
) -> list[list[MatchItem]]:
    """Check candidates against the current database state (enabled flags, thresholds)."""
    only = frozenset(resolve_banks(session, banks).values()) if banks else None
    found = entry_repo.hits(session, {entry_id for hits in raw for entry_id, _ in hits})
    out: list[list[MatchItem]] = []
    for query, hits in zip(clean, raw):
        items = []
        for entry_id, distance in hits:
            hit = found.get(entry_id)
            if hit is None or not (hit.entry_enabled and hit.bank_enabled):
                continue
            if only is not None and hit.bank_id not in only:
                continue
            limit = threshold if threshold is not None else (
                hit.bank_pdq_threshold if hit.bank_pdq_threshold is not None
                else sync.pdq_threshold)
            if query.signal_type == "pdq" and distance > limit:
                continue
            items.append(MatchItem(hit.bank_name, entry_id, query.signal_type, distance,
                                   hit.labels))
        out.append(sorted(items, key=lambda m: (m.distance, m.bank, m.entry_id)))
    record(clean, out)
    return out


def record(clean: Sequence[HashQuery], results: Sequence[Sequence[MatchItem]]) -> None:
    """Count lookups and matches per signal type (Prometheus)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for query, hits in zip(clean, results):
        counts[query.signal_type][0] += 1
        counts[query.signal_type][1] += len(hits)
    for signal_type, (lookups, matches) in counts.items():
        telemetry.observe_lookups(signal_type, lookups, matches)


def needs_database(raw: Candidates, banks: Sequence[str] | None) -> bool:
    """Whether candidates must be resolved (any hit, or a bank filter to check)."""
    return bool(banks) or any(raw)


def match_hashes(
    session: Session, sync: IndexSync, queries: Sequence[HashQuery], *,
    threshold: int | None = None, banks: Sequence[str] | None = None,
) -> list[list[MatchItem]]:
    """Matches for each query, in query order (each list nearest first)."""
    clean, raw = find_candidates(sync, queries, threshold)
    if not needs_database(raw, banks):
        record(clean, [[] for _ in clean])
        return [[] for _ in clean]
    return resolve(session, sync, clean, raw, threshold=threshold, banks=banks)
