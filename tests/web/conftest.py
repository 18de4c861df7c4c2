"""Fixtures for the match service: a real app on a fresh database, API keys, sample images.

Each test gets its own migrated SQLite file (the app commits, so rollback fixtures do not
apply). Background threads are off: tests call ``rt.index.poll_once()`` and
``rt.outbox.run_once()`` themselves, which makes propagation and delivery deterministic.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image


from crowsnest.config import Settings
from crowsnest.db.engine import unit_of_work
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


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    clients: list[TestClient] = []

    def factory(**overrides: Any) -> Service:
        settings = Settings(database_url=f"sqlite:///{tmp_path / f'svc{len(clients)}.db'}",
                            run_background_workers=False, **overrides)
        runtime = ServiceRuntime.from_settings(settings)
        client = TestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return Service(client, runtime)

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


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
