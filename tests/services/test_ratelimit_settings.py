"""Which limiter a service builds from its settings, and what it refuses to start with."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import Engine, delete
from typer.testing import CliRunner

from crowsnest.cli.main import app as cli_app
from crowsnest.config import Settings
from crowsnest.core.errors import ConfigurationError
from crowsnest.db.engine import make_session_factory, unit_of_work
from crowsnest.db.models_ratelimit import RateLimitBucket
from crowsnest.services import ratelimit
from crowsnest.services.runtime import ServiceRuntime

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/unused"
SECRET = "a long random operator secret"


def test_auto_backend_is_database_on_postgresql_memory_on_sqlite() -> None:
    assert ratelimit.backend(Settings(database_url="sqlite:///x.db")) == "memory"
    assert ratelimit.backend(Settings(database_url=PG)) == "database"
    assert ratelimit.backend(Settings(database_url="postgresql://u@h/db")) == "database"
    assert ratelimit.backend(Settings(database_url=PG, hotline_ratelimit_backend="memory")) \
        == "memory"
    assert ratelimit.backend(Settings(database_url="sqlite:///x.db",
                                      hotline_ratelimit_backend="database")) == "database"


def test_production_refuses_the_database_backend_without_a_secret(sqlite_url: str) -> None:
    production = Settings(database_url=sqlite_url, environment="production",
                          hotline_ratelimit_backend="database")
    with pytest.raises(ConfigurationError, match="CROWSNEST_HOTLINE_RATELIMIT_SECRET"):
        ServiceRuntime.from_settings(production)
    with pytest.raises(ConfigurationError):
        ratelimit.check_settings(Settings(database_url=PG, environment="production"))
    with pytest.raises(ConfigurationError, match="16"):
        ratelimit.check_settings(production.model_copy(
            update={"hotline_ratelimit_secret": "short"}))
    # with the secret, or one process on memory, or dev: it starts
    runtime = ServiceRuntime.from_settings(production.model_copy(
        update={"hotline_ratelimit_secret": SECRET}))
    assert isinstance(runtime.limiter.store, ratelimit.DatabaseBucketStore)
    runtime.engine.dispose()
    ratelimit.check_settings(production.model_copy(update={"hotline_ratelimit_backend": "memory"}))
    ratelimit.check_settings(Settings(database_url=PG))


def test_serve_refuses_production_without_the_secret(monkeypatch: pytest.MonkeyPatch,
                                                     sqlite_url: str) -> None:
    monkeypatch.setenv("CROWSNEST_DATABASE_URL", sqlite_url)  # serve sets it; restored after
    monkeypatch.setenv("CROWSNEST_ENVIRONMENT", "production")
    monkeypatch.delenv("CROWSNEST_HOTLINE_RATELIMIT_SECRET", raising=False)
    monkeypatch.delenv("CROWSNEST_HOTLINE_RATELIMIT_BACKEND", raising=False)
    result = CliRunner().invoke(cli_app, ["serve", "--workers", "2", "--db", sqlite_url])
    assert result.exit_code == 2
    assert "CROWSNEST_HOTLINE_RATELIMIT_SECRET" in result.output


def test_serve_gives_several_workers_one_backend_and_one_secret() -> None:
    dev = Settings(database_url="sqlite:///x.db")
    env = ratelimit.worker_environment(dev, 4)
    assert env["CROWSNEST_HOTLINE_RATELIMIT_BACKEND"] == "database"
    assert len(env["CROWSNEST_HOTLINE_RATELIMIT_SECRET"]) >= 16
    assert ratelimit.worker_environment(dev, 1) == {}  # one process: memory is enough
    configured = dev.model_copy(update={"hotline_ratelimit_secret": SECRET})
    assert "CROWSNEST_HOTLINE_RATELIMIT_SECRET" not in ratelimit.worker_environment(configured, 4)
    chosen = dev.model_copy(update={"hotline_ratelimit_backend": "memory"})
    assert ratelimit.worker_environment(chosen, 4) == {}  # an explicit choice is kept
    with pytest.raises(ConfigurationError):
        ratelimit.worker_environment(dev.model_copy(update={"environment": "production"}), 2)


def test_replicas_configured_alike_key_a_client_alike() -> None:
    # the memory backend needs no session factory
    one = ratelimit.build_limiter(Settings(hotline_ratelimit_secret=SECRET), None)  # type: ignore[arg-type]
    two = ratelimit.build_limiter(Settings(hotline_ratelimit_secret=SECRET), None)  # type: ignore[arg-type]
    other = ratelimit.build_limiter(Settings(hotline_ratelimit_secret=SECRET + "!"), None)  # type: ignore[arg-type]
    assert one.keyer.key("203.0.113.9") == two.keyer.key("203.0.113.9")
    assert other.keyer.key("203.0.113.9") != one.keyer.key("203.0.113.9")
    unset = [ratelimit.build_limiter(Settings(), None) for _ in range(2)]  # type: ignore[arg-type]
    assert unset[0].keyer.key("203.0.113.9") != unset[1].keyer.key("203.0.113.9")


CHILD = textwrap.dedent("""
    import sys, time
    from crowsnest.core.ratelimit import ClientKeyer, DerivedSecrets, RateLimiter
    from crowsnest.db.engine import make_engine, make_session_factory
    from crowsnest.services.ratelimit import DatabaseBucketStore
    url, start = sys.argv[1], float(sys.argv[2])
    limit = RateLimiter(10, 1e-6, purge_every=None, keyer=ClientKeyer(DerivedSecrets(b"s" * 32)),
                        store=DatabaseBucketStore(make_session_factory(make_engine(url))))
    time.sleep(max(0.0, start - time.time()))
    print(sum(limit.check("198.51.100.20").allowed for _ in range(30)))
""")


def test_two_processes_share_one_limit(db_engine: Engine) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    start = time.time() + 3  # both children begin together, after their imports
    children = [subprocess.Popen([sys.executable, "-c", CHILD, url, str(start)],
                                 stdout=subprocess.PIPE, text=True) for _ in range(2)]
    counts = [int(child.communicate(timeout=60)[0]) for child in children]
    try:
        assert sum(counts) == 10 and all(c >= 0 for c in counts)
    finally:
        with unit_of_work(make_session_factory(db_engine)) as session:
            session.execute(delete(RateLimitBucket))
