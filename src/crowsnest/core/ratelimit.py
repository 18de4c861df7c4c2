"""Per-client rate limiting that never keeps a raw IP address.

A client is known only by a *keyed hash* of its address: HMAC-SHA256 under a secret that
rotates every ``rotation_seconds``. Once a period's secret is forgotten, nobody — not even
the operator — can tell which address a stored key belonged to, and keys of different
periods cannot be linked. IPv6 clients are keyed by their /64 prefix, since one client
usually holds a whole /64 and could otherwise step around the limit.

The limiter is a token bucket per client key (:func:`take` is the whole algorithm).
Buckets untouched for longer than the retention period are forgotten. Storage sits behind
:class:`BucketStore`, which only persists state atomically: :class:`MemoryBucketStore` for
one process, a database store (``services.ratelimit``) for several workers or replicas.
Times are wall-clock seconds so that processes sharing a store agree. Likewise
:class:`SecretSource` gives the period secret: random per process, or derived from an
operator's master secret so that every replica computes the same keys.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
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

    The secret of period *n* is HMAC-SHA256(master, "period:n"): every replica given the
    same master agrees on it, and periods differ. The trade-off: whoever holds the master
    secret can recompute a period's key from a known address, which is why stored keys
    are also dropped after the retention period.
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


@dataclass(frozen=True)
class Bucket:
    """Tokens left and when they were last counted (wall-clock epoch seconds, so that
    several processes and hosts sharing one store agree on the time)."""

    tokens: float
    updated: float


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead, and if not, after how many seconds it may."""

    allowed: bool
    remaining: float
    retry_after: float


# The algorithm's step: given the stored bucket (None when the key is new), the bucket to
# store (None: store nothing) and the decision.
Step = Callable[[Bucket | None], tuple[Bucket | None, Decision]]


class BucketStore(Protocol):
    """Where buckets live. A store only persists state; :class:`RateLimiter` decides.

    ``apply`` must run ``step`` on the key's bucket and store its result *atomically*: no
    other ``apply`` on the same key (in any thread or process sharing the store) may
    read the bucket between this one's read and write. A database store does this with a
    row lock (PostgreSQL) or the write lock (SQLite).
    """

    def apply(self, key: str, step: Step) -> Decision: ...

    def purge_older_than(self, cutoff: float) -> int: ...


class MemoryBucketStore:
    """Buckets in a dict behind a lock: right for one process."""

    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def apply(self, key: str, step: Step) -> Decision:
        with self._lock:
            bucket, decision = step(self._buckets.get(key))
            if bucket is not None:
                self._buckets[key] = bucket
            return decision

    def purge_older_than(self, cutoff: float) -> int:
        with self._lock:
            old = [key for key, bucket in self._buckets.items() if bucket.updated < cutoff]
            for key in old:
                del self._buckets[key]
            return len(old)

    def __len__(self) -> int:
        return len(self._buckets)


def take(bucket: Bucket | None, now: float, cost: float, capacity: float,
         refill: float) -> tuple[Bucket | None, Decision]:
    """The token-bucket step: refill for the time passed, then take ``cost`` if there.

    A refused request changes nothing (the refill can always be recomputed from
    ``updated``), so it writes nothing to the store either.
    """
    if bucket is None:
        tokens = capacity
    else:
        # max(0, ...): another host's clock may be slightly ahead of ours
        tokens = min(capacity, bucket.tokens + max(0.0, now - bucket.updated) * refill)
    if tokens >= cost:
        return Bucket(tokens - cost, max(now, bucket.updated if bucket else now)), \
            Decision(True, tokens - cost, 0.0)
    return None, Decision(False, tokens, (cost - tokens) / refill)


class RateLimiter:
    """Token buckets per keyed client: ``capacity`` requests at once, refilled steadily.

    ``purge_every`` (seconds) lets the limiter forget idle keys itself, which suits the
    in-memory store; a shared database store is purged by the service's housekeeping
    instead (``purge_every=None``).
    """

    def __init__(self, capacity: float, refill_per_second: float, *,
                 keyer: ClientKeyer | None = None, store: BucketStore | None = None,
                 retention_seconds: float = 24 * 3600, purge_every: float | None = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        if capacity < 1 or refill_per_second <= 0:
            raise InvalidInput("a rate limit needs capacity >= 1 and a positive refill rate")
        if retention_seconds <= 0:
            raise InvalidInput("the rate-limit retention must be positive")
        self.capacity = float(capacity)
        self.refill = float(refill_per_second)
        self.keyer = keyer or ClientKeyer(clock=clock)
        self.store = store if store is not None else MemoryBucketStore()
        # a key must outlive the time its bucket takes to fill up again, or forgetting
        # it early would hand the client a fresh burst
        self.retention = max(float(retention_seconds), self.capacity / self.refill)
        self._purge_every = purge_every
        self._clock = clock
        self._last_purge = clock()

    def check(self, address: str, cost: float = 1.0) -> Decision:
        """Take ``cost`` tokens from the client's bucket if it has them."""
        key = self.keyer.key(address)
        now = self._clock()
        self._maybe_purge(now)
        return self.store.apply(
            key, lambda bucket: take(bucket, now, cost, self.capacity, self.refill))

    def hit(self, address: str, cost: float = 1.0) -> Decision:
        """Like :meth:`check`, but raises :class:`RateLimited` when the client must wait."""
        decision = self.check(address, cost)
        if not decision.allowed:
            raise RateLimited(
                f"too many requests; try again in {retry_after_seconds(decision.retry_after)} s",
                retry_after=decision.retry_after,
            )
        return decision

    def _maybe_purge(self, now: float) -> None:
        if self._purge_every is None:
            return
        if now - self._last_purge >= min(self._purge_every, self.retention):
            self._last_purge = now
            self.store.purge_older_than(now - self.retention)


def retry_after_seconds(seconds: float) -> int:
    """Whole seconds for a ``Retry-After`` header: rounded up, at least 1."""
    return max(1, math.ceil(seconds))
