"""Public hotline routes (no account): report URLs, check a receipt, receive a peer's forward.

``POST /v1/hotline/reports`` takes JSON only; a media upload is refused with 415. Each
client is rate-limited by a keyed hash of its address (``services.ratelimit``, shared by
every worker with the database backend); the address itself is never stored. The limit
is checked before anything is written; a refused request gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from crowsnest.core.errors import InvalidInput, UnsupportedMedia
from crowsnest.core.ratelimit import RateLimiter
from crowsnest.services import hotline_inbound as inbound
from crowsnest.services import hotline_intake as intake
from crowsnest.web.deps import runtime, transaction
from crowsnest.web.routes.hotline_schemas import ReportIn

router = APIRouter(prefix="/v1/hotline", tags=["hotline: public"])
MAX_REPORT_BYTES = 256 * 1024


def limiter(request: Request) -> RateLimiter:
    """The worker's intake rate limiter (memory or database-backed, from the settings)."""
    return runtime(request).limiter


async def _json_body(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise UnsupportedMedia("a report is JSON with URLs and text; media uploads are refused")
    body = await request.body()
    if len(body) > MAX_REPORT_BYTES:
        raise InvalidInput(f"a report is at most {MAX_REPORT_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError:
        raise InvalidInput("the body is not valid JSON") from None


@router.post("/reports", status_code=201, summary="Report URLs (anonymous; returns a receipt)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": ReportIn.model_json_schema()}}}})
async def report(request: Request) -> JSONResponse:
    data = await _json_body(request)
    if not isinstance(data, dict):
        raise InvalidInput("a report must be a JSON object")
    client = request.client.host if request.client else None
    rate = limiter(request)

    def store() -> dict[str, Any]:
        with transaction(request) as session:
            return intake.submit(session, data, client_address=client, limiter=rate).to_public()

    # the database work blocks: keep it off the event loop
    return JSONResponse(await run_in_threadpool(store), status_code=201)


@router.get("/receipts/{code}", summary="Status of a report: received, assessed or closed")
def receipt(request: Request, code: str) -> dict[str, Any]:
    # rate-limited like reports, so receipt codes cannot be guessed at speed
    limiter(request).hit(request.client.host if request.client else "unknown")
    with transaction(request) as session:
        return intake.receipt_status(session, code)


@router.post("/forwards", summary="Receive a signed forward from a peer hotline",
             responses={200: {"description": "Already received (duplicate)"},
                        201: {"description": "Accepted"}})
async def forward(request: Request) -> JSONResponse:
    body = await request.body()
    headers, keys = dict(request.headers), runtime(request).settings.hotline_peer_keys

    def store() -> tuple[int, dict[str, Any]]:
        with transaction(request) as session:
            return inbound.receive_forward(session, headers, body, keys)

    status, answer = await run_in_threadpool(store)
    return JSONResponse(answer, status_code=status)
