"""Prometheus metrics of the match service (defined here so services can record them).

With several uvicorn workers each process keeps its own counters; prometheus-client's
multiprocess mode (enabled when ``PROMETHEUS_MULTIPROC_DIR`` is set, which
``crowsnest serve --workers N`` does) writes them to shared files and ``/metrics`` merges
them, so a scrape sees the whole server whichever worker answers it.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess

REQUESTS = Counter(
    "crowsnest_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "crowsnest_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
LOOKUPS = Counter("crowsnest_lookups_total", "Hash lookups performed", ["signal_type"])
MATCHES = Counter("crowsnest_matches_total", "Matches returned", ["signal_type"])
INDEX_SIZE = Gauge(
    "crowsnest_index_entries", "Entries in the in-memory index", ["signal_type"],
    multiprocess_mode="livemax",
)
INDEX_WATERMARK = Gauge(
    "crowsnest_index_last_change_id", "Last change-log id applied to the in-memory indexes",
    multiprocess_mode="livemin",
)
DELIVERIES = Counter(
    "crowsnest_outbox_deliveries_total", "Outbox delivery attempts", ["destination", "outcome"]
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Record one answered request."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def observe_lookups(signal_type: str, lookups: int, matches: int) -> None:
    """Record ``lookups`` hash lookups of one signal type that found ``matches`` hits."""
    LOOKUPS.labels(signal_type).inc(lookups)
    if matches:
        MATCHES.labels(signal_type).inc(matches)


def set_index_state(sizes: dict[str, int], watermark: int) -> None:
    """Publish index sizes per signal type and the change-log watermark."""
    for name, size in sizes.items():
        INDEX_SIZE.labels(name).set(size)
    INDEX_WATERMARK.set(watermark)


def render() -> tuple[bytes, str]:
    """The exposition text for a scrape (merged across workers in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def delivery_attempted(destination: str, outcome: str) -> None:
    """Record one outbox delivery attempt and its outcome (delivered, retry, dead)."""
    DELIVERIES.labels(destination, outcome).inc()
