"""The crowsnest match service: ``create_app(settings)`` builds the FastAPI application.

Layout: ``/v1/...`` is crowsnest's own API; ``/m``, ``/c``, ``/h`` and ``/status`` mirror
HMA 2.0 (see docs/hma-compat.md); ``/healthz``, ``/readyz`` and ``/metrics`` serve
operators; ``/docs`` and ``/openapi.json`` describe everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from crowsnest import __version__
from crowsnest.config import Settings, get_settings
from crowsnest.services.runtime import ServiceRuntime
from crowsnest.web import errors
from crowsnest.web.middleware import BodySizeLimit, RequestMetrics
from crowsnest.web.routes import banks, entries, health, hma_curation, hma_matching, matching, ops
from crowsnest.web.routes import hotline_accounts, hotline_analyst, hotline_public
from crowsnest.web.pages import (
    console,
    console_accounts,
    console_banks,
    console_case,
    console_match,
    console_preferences,
    console_stats,
    helppages,
    public,
)

DESCRIPTION = """
Hash photos and videos (PDQ, vPDQ, MD5, SHA-256) and match them against banks of known
material. Every route except the health probes needs an API key (`X-API-Key` or
`Authorization: Bearer`), created with `crowsnest apikey create NAME --scope match`.

The `/m`, `/c`, `/h` and `/status` routes are compatible with Meta's HMA 2.0.
"""


def create_app(settings: Settings | None = None, *, runtime: ServiceRuntime | None = None,
               start: bool = True) -> FastAPI:
    """The application for ``settings``; ``runtime`` may be supplied (tests)."""
    settings = settings or get_settings()
    rt = runtime or ServiceRuntime.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start:
            rt.start()
        try:
            yield
        finally:
            if start:
                rt.stop()

    app = FastAPI(
        title="crowsnest match service", version=__version__, description=DESCRIPTION,
        docs_url="/docs", redoc_url=None, lifespan=lifespan,
    )
    app.state.runtime = rt
    errors.install(app)
    for module in (health, matching, banks, entries, ops, hma_matching, hma_curation,
                   hotline_public, hotline_analyst, hotline_accounts, public, helppages,
                   console, console_case, console_stats, console_banks, console_match,
                   console_preferences, console_accounts):
        app.include_router(module.router)
    # outermost first: metrics see every request, including ones refused for size
    app.add_middleware(BodySizeLimit, limit=settings.max_upload_bytes)
    app.add_middleware(RequestMetrics)
    return app
