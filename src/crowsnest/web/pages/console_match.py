"""The match tester.

A curator uploads a photo or video and sees its hashes (with PDQ quality) and every bank
entry it matches, with distances and labels -- the same hashing and index as
``POST /v1/match``, but a test: no webhook fires and no match event is recorded. The
upload lives only for the request; nothing of it is stored or logged.

Reviewer wellness: a preview of a photo is made on the server according to the analyst's
preference (``console_preferences``, ``core.previews``) -- blurred and greyscale by
default -- and the clear version appears only when they choose "Reveal" for that one image
(a native ``<details>`` element: no script needed). Both are inline ``data:`` images in a
``no-store`` response, so the browser neither fetches nor caches them; only this page's
CSP allows ``data:`` images.
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from crowsnest.core.errors import CrowsnestError, InvalidInput
from crowsnest.core.previews import make_preview
from crowsnest.services import console_prefs
from crowsnest.services.hashing import hash_for_matching
from crowsnest.services.hotline_analysts import Actor
from crowsnest.web.deps import runtime, transaction
from crowsnest.web.pages import csrf
from crowsnest.web.pages.console import _actor, _page, _to_login
from crowsnest.web.pages.render import CSP

router = APIRouter(prefix="/console", include_in_schema=False)
PREVIEW_CSP = CSP.replace("img-src 'self'", "img-src 'self' data:")


def _tester(request: Request, actor: Actor, status: int = 200, **context: Any) -> Response:
    response = _page(request, "console/match.html", status, actor=actor, nav="match",
                     **context)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


@router.get("/match", response_class=HTMLResponse)
def tester_page(request: Request) -> Response:
    actor = _actor(request)
    return _to_login() if actor is None else _tester(request, actor)


@router.post("/match", response_class=HTMLResponse)
async def run_tester(request: Request) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    form = await request.form()
    try:
        token = form.get(csrf.FIELD)
        if not isinstance(token, str) or not csrf.valid(
                request, token, runtime(request).settings.web_csrf_secret):
            raise InvalidInput("The form expired. Please try again.")
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("choose a photo or video to test")
        data = await upload.read()
        if not data:
            raise InvalidInput("the uploaded file is empty")
        result = await run_in_threadpool(_match, request, actor, data)
    except CrowsnestError as error:
        return _tester(request, actor, error.http_status, error=error.message)
    finally:
        await form.close()
    return _tester(request, actor, **result)


def _match(request: Request, actor: Actor, data: bytes) -> dict[str, Any]:
    rt = runtime(request)
    limits = {"max_pixels": rt.settings.max_image_pixels, "max_bytes": rt.settings.max_upload_bytes}
    hashed = hash_for_matching(data, orientations="all", **limits)
    with transaction(request) as session:
        matches = rt.index.match_signals(session, hashed.signals, variants=hashed.variants)
        mode = console_prefs.preview_mode(session, actor)
    preview = None
    if hashed.content_type == "photo":
        made = make_preview(data, mode, rt.settings.max_image_pixels)
        if made is not None:
            preview = {"shown": _data_uri(made.shown), "revealed": _data_uri(made.revealed)}
    signals = [{"name": name, "hash": s.value, "quality": s.quality}
               for name, s in hashed.signals.items()]
    return {"content_type": hashed.content_type, "signals": signals, "mode": mode,
            "matches": [m.to_dict() for m in matches], "preview": preview, "tested": True}


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
