"""One place that turns every failure into JSON.

crowsnest's own routes answer ``{"error": <code>, "detail": <message>}`` (plus ``"context"``
with structured facts when the error carries them). The HMA-compatible routes answer HMA's
``{"message": <text>}`` instead, and -- as HMA does -- ``400`` for every kind of malformed
input where our API says ``422``. Nothing a client sends may produce a 500: validation
errors, bodies that are not JSON, unknown routes and methods all get typed answers here.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crowsnest.core.errors import CrowsnestError, InvalidInput, RateLimited
from crowsnest.core.ratelimit import retry_after_seconds

log = logging.getLogger(__name__)

HMA_PREFIXES = ("/m/", "/c/", "/h/")
HMA_PATHS = frozenset({"/status", "/status/live"})
_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_input", 429: "too_many_requests",
}


def is_hma_path(path: str) -> bool:
    """Whether ``path`` belongs to the HMA-compatible surface (HMA's error shape applies)."""
    return path in HMA_PATHS or path.startswith(HMA_PREFIXES)


def error_response(
    request: Request, status: int, code: str, message: str, context: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Render one error in the shape the route's API family uses."""
    if is_hma_path(request.url.path):
        # HMA reports all malformed input as 400
        hma_status = 400 if status == 422 else status
        return JSONResponse({"message": message}, status_code=hma_status, headers=headers)
    body: dict[str, Any] = {"error": code, "detail": message}
    if context is not None:
        body["context"] = jsonable_encoder(context)
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


def _clean_errors(errors: list[Any]) -> list[dict[str, Any]]:
    # pydantic puts the raw input and exception objects in errors; keep what is JSON-safe
    cleaned = []
    for err in errors:
        item = {k: err[k] for k in ("loc", "msg", "type") if k in err}
        cleaned.append(item)
    return cleaned


async def _crowsnest_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CrowsnestError)
    if exc.http_status >= 500:
        log.warning("request failed: %s %s: %s", request.method, request.url.path, exc.message)
    headers = None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(retry_after_seconds(exc.retry_after))}
    return error_response(request, exc.http_status, exc.code, exc.message, exc.detail,
                          headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_errors(list(exc.errors()))
    return error_response(
        request, 422, InvalidInput.code, _validation_message(errors), {"errors": errors}
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(request, exc.status_code, code, message, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, 500, "internal_error", "internal server error")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(CrowsnestError, _crowsnest_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
