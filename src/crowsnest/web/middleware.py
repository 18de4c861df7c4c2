"""ASGI middleware: request size limit and request metrics.

Both are plain ASGI (not Starlette's ``BaseHTTPMiddleware``) so they add microseconds, not
milliseconds, to a lookup. The size limit refuses a declared ``Content-Length`` above the
limit before reading anything, and counts bytes of chunked bodies as they arrive, so an
oversized upload is cut off with 413 instead of being buffered.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crowsnest.services import telemetry as metrics
from crowsnest.web.errors import is_hma_path


class BodyTooLarge(HTTPException):
    """Raised inside ``receive`` when a streamed body passes the limit.

    An ``HTTPException`` so that FastAPI's body parsing re-raises it unchanged (it turns
    other exceptions into 400) and the error handler renders a 413 in the route's shape.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than the limit of {limit} bytes")


def _too_large_body(path: str, limit: int) -> bytes:
    message = f"request body larger than the limit of {limit} bytes"
    if is_hma_path(path):
        return json.dumps({"message": message}).encode()
    return json.dumps({"error": "payload_too_large", "detail": message}).encode()


async def _send_413(send: Send, path: str, limit: int) -> None:
    body = _too_large_body(path, limit)
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await _send_413(send, path, self.limit)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_413(send, path, self.limit)


def _route_label(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


class RequestMetrics:
    """Count requests and time them per method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capturing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capturing_send)
        finally:
            metrics.observe_request(
                scope.get("method", "GET"), _route_label(scope), status,
                time.perf_counter() - start,
            )
