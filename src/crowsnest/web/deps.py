"""Request dependencies: the worker's runtime, a unit of work, and API-key authentication.

Keys are accepted in ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``. A missing or
unknown key is 401, a key without the route's scope 403; both render through the one
error handler (HMA routes in HMA's ``{"message"}`` shape).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from crowsnest.core.errors import ExternalDependencyError, UnsupportedMedia
from crowsnest.db.engine import unit_of_work
from crowsnest.services.apikeys import Principal
from crowsnest.services.runtime import ServiceRuntime

T = TypeVar("T")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="API key created with `crowsnest apikey create`")
bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token")


def runtime(request: Request) -> ServiceRuntime:
    """The worker's runtime (set by ``create_app``)."""
    return request.app.state.runtime  # type: ignore[no-any-return]


@contextmanager
def transaction(request: Request) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back on any error."""
    with unit_of_work(runtime(request).factory) as session:
        yield session


@contextmanager
def curation(request: Request) -> Iterator[Session]:
    """A unit of work that changes banks: once committed, this worker's indexes catch up
    before the response goes out, so the caller's next match already sees the change."""
    with transaction(request) as session:
        yield session
    runtime(request).index.catch_up()


def requires(scope: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the authenticated caller, who must hold ``scope``."""

    async def dependency(
        request: Request,
        key: str | None = Security(api_key_header),
        credentials: HTTPAuthorizationCredentials | None = Security(bearer),
    ) -> Principal:
        presented = key or (credentials.credentials if credentials else None)
        # verified keys are cached in memory, so this is a dict lookup on the event loop;
        # only a cache miss (once per key per TTL) reads the database
        principal = runtime(request).keys.authenticate(presented)
        principal.require(scope)
        return principal

    dependency.__name__ = f"requires_{scope}"
    return dependency


MatchScope = requires("match")
CurateScope = requires("curate")
AdminScope = requires("admin")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def multipart_body(request: Request) -> None:
    """Refuse upload routes called with anything but ``multipart/form-data`` (415)."""
    if _media_type(request) != "multipart/form-data":
        raise UnsupportedMedia("send the file as multipart/form-data (field 'file')")


def json_body(request: Request) -> None:
    """Refuse JSON routes called with another content type (415)."""
    media_type = _media_type(request)
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMedia("send the request body as application/json")


def retrying(function: Callable[..., T], *args: Any, attempts: int = 3) -> T:
    """Run a unit of work, retrying when the database was busy (SQLite's single writer can
    refuse a transaction that read before another committed). Each attempt is a fresh
    transaction; a failed one was rolled back, so nothing happens twice."""
    for attempt in range(1, attempts + 1):
        try:
            return function(*args)
        except ExternalDependencyError:
            if attempt == attempts:
                raise
            time.sleep(0.02 * attempt)
    raise AssertionError("unreachable")
