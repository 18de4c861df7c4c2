"""``crowsnest serve``: run the match service (FastAPI on uvicorn).

On the SQLite default a fresh database file is created and migrated first, so the
command needs no set-up; a PostgreSQL database must be migrated with
``crowsnest db upgrade`` (checked here, before any worker starts). With ``--workers N``
each worker keeps its own indexes, kept current from the change log, Prometheus
metrics are merged across workers through a shared directory, and the public intake rate
limit is shared through the database (``services.ratelimit.worker_environment``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Annotated

import typer

from crowsnest.cli.common import DbOption
from crowsnest.cli.database import connected_engine
from crowsnest.config import Settings
from crowsnest.db.migrate import ensure_schema
from crowsnest.services import ratelimit


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    db: DbOption = None,
) -> None:
    """Start the HTTP API (docs at /docs) on the configured database."""
    import uvicorn

    if db:
        os.environ["CROWSNEST_DATABASE_URL"] = db  # workers read settings from the environment
    # several workers share one intake limit (database backend, one key secret); refuse a
    # production set-up without its secret here, before any worker starts
    os.environ.update(ratelimit.worker_environment(Settings(), workers))
    with connected_engine(db) as engine:
        ensure_schema(engine, auto_upgrade_sqlite=True)
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="crowsnest-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    typer.echo(f"crowsnest serving {engine.url.render_as_string(hide_password=True)} on "
               f"http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''}); "
               f"docs at /docs", err=True)
    try:
        uvicorn.run("crowsnest.web.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level=log_level, access_log=False,
                    limit_max_requests=None, timeout_graceful_shutdown=10)
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def register(app: typer.Typer) -> None:
    """Add ``crowsnest serve``."""
    app.command("serve")(serve)
