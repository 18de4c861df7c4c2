"""Liveness, readiness, Prometheus metrics, and HMA's ``/status`` probes (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from crowsnest.services import telemetry
from crowsnest.web.deps import runtime

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: indexes loaded and current",
            responses={503: {"description": "indexes not loaded or stale"}})
def readyz(request: Request) -> JSONResponse:
    status = runtime(request).index.status()
    ready = status.loaded and status.fresh
    body = {"status": "ready" if ready else "not_ready", "index": status.to_dict()}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics() -> Response:
    body, content_type = telemetry.render()
    return Response(body, media_type=content_type)


@router.get("/status", summary="HMA: liveness and index freshness", tags=["hma"],
            response_class=PlainTextResponse,
            responses={503: {"description": "INDEX-STALE"}})
def hma_status(request: Request) -> PlainTextResponse:
    status = runtime(request).index.status()
    if not (status.loaded and status.fresh):
        return PlainTextResponse("INDEX-STALE", status_code=503)
    return PlainTextResponse("I-AM-ALIVE")


@router.get("/status/live", summary="HMA: liveness only", tags=["hma"],
            response_class=PlainTextResponse)
def hma_status_live() -> PlainTextResponse:
    return PlainTextResponse("I-AM-ALIVE")
