"""API key use cases: create (shown once), list, revoke, and authenticate a request.

Authentication keeps a small per-process cache of verified keys (for
``api_key_cache_ttl_s`` seconds) so a lookup does not cost a database round trip; a
revocation therefore takes effect on every worker within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.core import apikeys
from crowsnest.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from crowsnest.db.engine import unit_of_work
from crowsnest.db.models import utcnow
from crowsnest.db.models_service import ApiKey
from crowsnest.db.repositories import apikeys as repo

MAX_NAME = 200
TOUCH_EVERY = timedelta(minutes=1)  # how often last_used_at is refreshed


@dataclass(frozen=True)
class KeyInfo:
    """A key as listings show it (never the secret, never the digest)."""

    key_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dict(self.__dict__)
        for name in ("created_at", "last_used_at", "revoked_at"):
            out[name] = out[name].isoformat() if out[name] is not None else None
        out["active"] = self.revoked_at is None
        return out


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (recorded on every change) and its scopes."""

    name: str
    key_id: str
    scopes: tuple[str, ...] = field(default_factory=tuple)

    def require(self, scope: str) -> None:
        """Raise Forbidden unless this principal holds ``scope`` (or one implying it)."""
        if not apikeys.grants(self.scopes, scope):
            raise Forbidden(
                f"this API key lacks the {scope!r} scope (it has: {', '.join(self.scopes)})"
            )


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.key_id, row.name, list(row.scopes or []), row.created_at,
                   row.last_used_at, row.revoked_at)


def create_key(session: Session, name: str, scopes: list[str]) -> tuple[KeyInfo, str]:
    """Create a key; returns its info and the plaintext key, which is never stored."""
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise InvalidInput(f"a key name is 1 to {MAX_NAME} characters")
    name = name.strip()
    clean = apikeys.normalise_scopes(scopes)
    if repo.get_by_name(session, name) is not None:
        raise Conflict(f"an API key named {name!r} already exists")
    new = apikeys.generate()
    try:
        with session.begin_nested():
            row = repo.add(session, ApiKey(key_id=new.key_id, name=name, digest=new.digest,
                                           scopes=clean))
    except IntegrityError as error:
        raise Conflict(f"an API key named {name!r} already exists") from error
    return _info(row), new.plaintext


def list_keys(session: Session) -> list[KeyInfo]:
    """Every key, revoked ones included."""
    return [_info(row) for row in repo.list_all(session)]


def revoke_key(session: Session, name_or_id: str) -> KeyInfo:
    """Revoke a key by name or public id; revoking twice is harmless."""
    row = repo.get_by_name(session, name_or_id) or repo.get_by_key_id(session, name_or_id)
    if row is None:
        raise NotFound(f"no API key named or with id {name_or_id!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return _info(row)


class KeyVerifier:
    """Verifies presented keys against the database, with a short per-process cache."""

    def __init__(self, factory: sessionmaker[Session], ttl_s: float = 5.0) -> None:
        self.factory = factory
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Principal | None, str]] = {}
        self._lock = threading.Lock()

    def authenticate(self, presented: str | None) -> Principal:
        """The principal for ``presented``; Unauthorized when missing, unknown or revoked."""
        if not presented:
            raise Unauthorized("an API key is required (X-API-Key or Authorization: Bearer)")
        key_id = apikeys.parse_key_id(presented)
        if key_id is None:
            raise Unauthorized("malformed API key")
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key_id)
        if cached is None or now - cached[0] > self.ttl_s:
            cached = (now, *self._load(key_id))
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key_id] = cached
        _, principal, stored_digest = cached
        # compare even for unknown ids (against a dummy) so timing reveals nothing
        if not apikeys.matches(presented, stored_digest) or principal is None:
            raise Unauthorized("invalid or revoked API key")
        return principal

    def _load(self, key_id: str) -> tuple[Principal | None, str]:
        with unit_of_work(self.factory) as session:
            row = repo.get_by_key_id(session, key_id)
            if row is None:
                return None, "0" * 64
            if row.revoked_at is not None:
                return None, row.digest
            principal = Principal(row.name, row.key_id, tuple(row.scopes or ()))
            stale = row.last_used_at is None or utcnow() - row.last_used_at > TOUCH_EVERY
            digest, pk = row.digest, row.id
        if stale:
            self._touch(pk)
        return principal, digest

    def _touch(self, pk: int) -> None:
        # a separate, best-effort write: "last used" must never fail or slow a request
        try:
            with unit_of_work(self.factory) as session:
                repo.touch(session, pk, utcnow())
        except Exception:  # noqa: BLE001 - contention on SQLite; the next refresh retries
            pass

    def forget(self) -> None:
        """Drop the cache (tests, or right after a revocation in this process)."""
        with self._lock:
            self._cache.clear()
