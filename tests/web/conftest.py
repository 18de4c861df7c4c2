"""Fixtures for the match service: a real app on a fresh database, API keys, sample images.

Each test gets its own migrated SQLite file (the app commits, so rollback fixtures do not
apply). Background threads are off: tests call ``rt.index.poll_once()`` and
``rt.outbox.run_once()`` themselves, which makes propagation and delivery deterministic.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image


from sqlalchemy import inspect, text

from crowsnest.config import Settings
from crowsnest.db.engine import make_engine, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.services import apikeys
from crowsnest.services.runtime import ServiceRuntime
from crowsnest.web.app import create_app


class Service:
    """A running app, its runtime and a client, with helpers to make keys."""

    def __init__(self, client: TestClient, runtime: ServiceRuntime) -> None:
        self.client, self.rt = client, runtime

    def key(self, name: str, *scopes: str) -> dict[str, str]:
        """Headers carrying a new key with ``scopes``."""
        with unit_of_work(self.rt.factory) as session:
            _, plaintext = apikeys.create_key(session, name, list(scopes) or ["admin"])
        return {"X-API-Key": plaintext}

    def sync(self) -> None:
        """Apply the change log to the indexes (what the background poller does)."""
        self.rt.index.poll_once()


@pytest.fixture(scope="session")
def web_postgres_url() -> Iterator[str]:
    """One migrated PostgreSQL database for this worker's web tests (emptied per test)."""
    from tests.conftest import _drop_postgres_database, _postgres_database

    name = f"crowsnest_web_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    url = _postgres_database(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _drop_postgres_database(name)


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Database URL for the service under test: a fresh SQLite file, or the (emptied)
    PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'svc.db'}"
    url = request.getfixturevalue("web_postgres_url")
    _empty_postgres(url)
    return str(url)


@pytest.fixture
def make_service(backend: str) -> Iterator[Callable[..., Service]]:
    clients: list[TestClient] = []

    def factory(**overrides: Any) -> Service:
        settings = Settings(database_url=backend, run_background_workers=False, **overrides)
        runtime = ServiceRuntime.from_settings(settings)
        client = TestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return Service(client, runtime)

    yield factory
    for client in clients:
        client.__exit__(None, None, None)
        client.app.state.runtime.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    return make_service()


@pytest.fixture
def admin(service: Service) -> dict[str, str]:
    return service.key("admin-key", "admin")


def photo(seed: int = 1, size: int = 256, mirror: bool = False, fmt: str = "PNG") -> bytes:
    """A benign generated photo: smooth random blobs, distinct per seed."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    image = Image.fromarray(small, "RGB").resize((size, size), Image.BICUBIC)
    if mirror:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def flip_bits(value: str, count: int) -> str:
    """``value`` (hex) with its first ``count`` bits inverted."""
    number = int(value, 16)
    for bit in range(count):
        number ^= 1 << ((bit * 7) % 256)  # 7 is coprime with 256: distinct bits
    return f"{number:0{len(value)}x}"
