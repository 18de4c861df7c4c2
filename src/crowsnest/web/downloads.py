"""Streamed file downloads whose content is produced by a service before the answer starts.

A hash-list export runs inside a database transaction; the rows are written to a spool
(memory, then a temporary file) first, so a failure becomes a clean error response
instead of a half-sent file, and the response then streams the spool and deletes it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from fastapi.responses import StreamingResponse

SPOOL_BYTES = 8 << 20  # larger exports spill to a temporary file


def spooled_download(write: Callable[[IO[bytes]], Any], filename: str) -> StreamingResponse:
    """Run ``write(spool)`` now (its errors propagate), then stream the spool as a file."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # type: ignore[assignment]
    try:
        write(spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        try:
            while block := spool.read(64 * 1024):
                yield block
        finally:
            spool.close()

    safe = filename.replace('"', "").replace("\r", "").replace("\n", "")
    return StreamingResponse(chunks(), media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"})
