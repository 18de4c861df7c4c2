"""Per-client rate limiting that never keeps a raw IP address.

A client is known only by a *keyed hash* of its address: HMAC-SHA256 under a secret that
rotates every ``rotation_seconds``. Once a period's secret is forgotten, nobody — not even
the operator — can tell which address a stored key belonged to, and keys of different
periods cannot be linked. IPv6 clients are keyed by their /64 prefix, since one client
usually holds a whole /64 and could otherwise step around the limit.

The limiter is a token bucket per client key. Buckets untouched for longer than the
retention period are forgotten. Storage sits behind :class:`BucketStore`, so a
database-backed store (for several processes) can replace :class:`MemoryBucketStore`;
likewise :class:`SecretSource` lets replicas share a period secret.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from crowsnest.core.errors import InvalidInput, RateLimited


class SecretSource(Protocol):
    """Gives the secret of a rotation period (an integer counting periods)."""

    def secret_for(self, period: int) -> bytes: ...


class RandomRotatingSecrets:
    """Random per-period secrets held in memory; only the current and previous are kept."""

    def __init__(self) -> None:
        self._secrets: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def secret_for(self, period: int) -> bytes:
        with self._lock:
            if period not in self._secrets:
                self._secrets[period] = secrets.token_bytes(32)
                for old in [p for p in self._secrets if p < period - 1]:
                    del self._secrets[old]
            return self._secrets[period]


class DerivedSecrets:
    """Period secrets derived from one master secret, so several replicas agree.

    The trade-off: whoever holds the master secret can recompute old keys from a known
    address. Use it only where replicas cannot share :class:`RandomRotatingSecrets`.
    """

    def __init__(self, master: bytes) -> None:
        if len(master) < 16:
            raise InvalidInput("the rate-limit master secret must be at least 16 bytes")
        self._master = master

    def secret_for(self, period: int) -> bytes:
        return hmac.new(self._master, f"period:{period}".encode(), hashlib.sha256).digest()


def client_network(address: str) -> str:
    """The part of an address that identifies a client: IPv4 address or IPv6 /64.

    A client that is not an IP address (a Unix socket peer, a test client's name) is
    keyed on its text; it is hashed like an address and never stored.
    """
    if not isinstance(address, str) or not address.strip():
        raise InvalidInput("a client address is needed for rate limiting")
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return "name:" + address.strip()[:200]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class ClientKeyer:
    """Turns a client address into a short keyed hash under the current period secret."""

    def __init__(self, source: SecretSource | None = None, rotation_seconds: float = 86400,
                 clock: Callable[[], float] = time.time) -> None:
        if rotation_seconds <= 0:
            raise InvalidInput("rotation_seconds must be positive")
        self._source = source or RandomRotatingSecrets()
        self._rotation = rotation_seconds
        self._clock = clock

    def key(self, address: str) -> str:
        period = int(self._clock() // self._rotation)
        digest = hmac.new(self._source.secret_for(period), client_network(address).encode(),
                          hashlib.sha256).hexdigest()
        return digest[:32]


@dataclass
class Bucket:
    """Tokens left and when they were last counted (monotonic seconds)."""

    tokens: float
    updated: float


class BucketStore(Protocol):
    """Where buckets live; a DB-backed store implements the same three calls."""

    def get(self, key: str) -> Bucket | None: ...

    def put(self, key: str, bucket: Bucket) -> None: ...

    def purge_older_than(self, cutoff: float) -> int: ...


class MemoryBucketStore:
    """Buckets in a dict: right for one process."""

    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}

    def get(self, key: str) -> Bucket | None:
        return self._buckets.get(key)

    def put(self, key: str, bucket: Bucket) -> None:
        self._buckets[key] = bucket

    def purge_older_than(self, cutoff: float) -> int:
        old = [key for key, bucket in self._buckets.items() if bucket.updated < cutoff]
        for key in old:
            del self._buckets[key]
        return len(old)

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead, and if not, after how many seconds it may."""

    allowed: bool
    remaining: float
    retry_after: float


class RateLimiter:
    """Token buckets per keyed client: ``capacity`` requests at once, refilled steadily."""

    def __init__(self, capacity: float, refill_per_second: float, *,
                 keyer: ClientKeyer | None = None, store: BucketStore | None = None,
                 retention_seconds: float = 24 * 3600,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1 or refill_per_second <= 0:
            raise InvalidInput("a rate limit needs capacity >= 1 and a positive refill rate")
        self.capacity = float(capacity)
        self.refill = float(refill_per_second)
        self.keyer = keyer or ClientKeyer()
        self.store = store if store is not None else MemoryBucketStore()
        self.retention = retention_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._last_purge = clock()

    def check(self, address: str, cost: float = 1.0) -> Decision:
        """Take ``cost`` tokens from the client's bucket if it has them."""
        key = self.keyer.key(address)
        with self._lock:
            now = self._clock()
            self._maybe_purge(now)
            bucket = self.store.get(key) or Bucket(self.capacity, now)
            tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.refill)
            if tokens >= cost:
                self.store.put(key, Bucket(tokens - cost, now))
                return Decision(True, tokens - cost, 0.0)
            self.store.put(key, Bucket(tokens, now))
            return Decision(False, tokens, (cost - tokens) / self.refill)

    def hit(self, address: str, cost: float = 1.0) -> Decision:
        """Like :meth:`check`, but raises :class:`RateLimited` when the client must wait."""
        decision = self.check(address, cost)
        if not decision.allowed:
            raise RateLimited(
                f"too many requests; try again in {max(1, round(decision.retry_after))} s",
                retry_after=decision.retry_after,
            )
        return decision

    def _maybe_purge(self, now: float) -> None:
        # Retention: forget keys nobody used for a while; at most once a minute.
        if now - self._last_purge >= min(60.0, self.retention):
            self.store.purge_older_than(now - self.retention)
            self._last_purge = now
