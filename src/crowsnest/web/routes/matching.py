"""``/v1`` hashing and matching: upload a file, or look up hashes (one or a batch)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from crowsnest.core.errors import InvalidInput, MediaError
from crowsnest.services import actions, telemetry
from crowsnest.services.apikeys import Principal
from crowsnest.services.hashing import hash_for_matching, hash_media_checked
from crowsnest.services.lookup import (
    Candidates,
    HashQuery,
    find_candidates,
    needs_database,
    record,
    resolve,
)
from crowsnest.services.matching import MatchItem
from crowsnest.web import schemas as s
from crowsnest.web.deps import (
    MatchScope,
    json_body,
    multipart_body,
    retrying,
    runtime,
    transaction,
)

router = APIRouter(prefix="/v1", tags=["matching"], responses=s.ERRORS)


def read_upload(file: UploadFile) -> bytes:
    """The uploaded bytes (the size limit is enforced by middleware while receiving)."""
    data = file.file.read()
    if not data:
        raise MediaError("the uploaded file is empty")
    return data


def signals_out(signals: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Signals as ``{name: {"hash", "quality", "low_quality", "extra"}}``."""
    out = {}
    for name, signal in signals.items():
        quality = signal.quality
        out[name] = {"hash": signal.value, "quality": quality,
                     "low_quality": (quality < 50) if quality is not None else None,
                     "extra": dict(signal.extra)}
    return out


def _content_type(value: Any) -> str:
    return str(getattr(value, "value", value))


@router.post("/hash", response_model=s.HashOut, summary="Hash an uploaded photo or video",
             dependencies=[Depends(multipart_body)])
def hash_upload(request: Request, file: UploadFile = File(...),
                _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    settings = runtime(request).settings
    hashed = hash_media_checked(read_upload(file), max_pixels=settings.max_image_pixels,
                                max_bytes=settings.max_upload_bytes)
    return {"content_type": _content_type(hashed.content_type),
            "signals": signals_out(hashed.signals)}


@router.post("/match", response_model=s.MediaMatchOut, summary="Hash an upload and match it",
             dependencies=[Depends(multipart_body)])
def match_upload(
    request: Request, file: UploadFile = File(...),
    banks: list[str] | None = Query(None, description="Only these banks (repeatable)"),
    threshold: int | None = Query(None, ge=0, le=256, description="PDQ threshold"),
    orientation: s.Orientation = Query("all", description="'all' also tries the 7 "
                                       "rotations/mirror images of a photo"),
    principal: Principal = Depends(MatchScope),
) -> dict[str, Any]:
    rt = runtime(request)
    hashed = hash_for_matching(read_upload(file), orientations=orientation,
                               max_pixels=rt.settings.max_image_pixels,
                               max_bytes=rt.settings.max_upload_bytes)
    def match_and_enqueue() -> tuple[list[MatchItem], list[int]]:
        with transaction(request) as session:
            found = rt.index.match_signals(session, hashed.signals, variants=hashed.variants,
                                           threshold=threshold, banks=banks)
            content = {"type": "upload", "content_type": hashed.content_type,
                       "signals": {n: sig.value for n, sig in hashed.signals.items()}}
            return found, actions.enqueue_match_events(session, found, content,
                                                       actor=principal.name)

    matches, events = retrying(match_and_enqueue)
    for name in hashed.signals:
        telemetry.observe_lookups(name, 1, sum(m.signal_type == name for m in matches))
    return {"content_type": hashed.content_type, "signals": signals_out(hashed.signals),
            "matches": [m.to_dict() for m in matches], "events": len(events)}


def _resolve_and_enqueue(request: Request, principal: Principal, clean: list[HashQuery],
                         raw: Candidates, threshold: int | None,
                         banks: list[str] | None) -> tuple[list[list[MatchItem]], int]:
    with transaction(request) as session:
        results = resolve(session, runtime(request).index, clean, raw, threshold=threshold,
                          banks=banks)
        matched = [m for hits in results for m in hits]
        events = 0
        if matched:
            content = {"type": "hashes", "hashes": [
                {"signal_type": q.signal_type, "value": q.value}
                for q, hits in zip(clean, results) if hits]}
            events = len(actions.enqueue_match_events(session, matched, content,
                                                      actor=principal.name))
    return results, events


async def _lookup(request: Request, principal: Principal, queries: list[HashQuery],
                  threshold: int | None, banks: list[str] | None,
                  ) -> tuple[list[HashQuery], list[list[MatchItem]], int]:
    """Query the in-memory indexes; touch the database only when there are candidates.

    Most lookups miss, and a miss is answered from memory on the event loop without a
    thread hop or a database round trip -- that is what keeps p99 low under load.
    """
    sync = runtime(request).index
    if len(queries) > 50:  # a big batch is real CPU work: keep it off the event loop
        loop = asyncio.get_running_loop()
        clean, raw = await loop.run_in_executor(sync.batch_executor, find_candidates, sync,
                                                queries, threshold)
    else:
        clean, raw = find_candidates(sync, queries, threshold)
    if not needs_database(raw, banks):
        record(clean, [[] for _ in clean])
        return clean, [[] for _ in clean], 0
    results, events = await run_in_threadpool(retrying, _resolve_and_enqueue, request,
                                              principal, clean, raw, threshold, banks)
    return clean, results, events


@router.post("/match/hashes", response_model=s.HashBatchOut,
             summary="Match up to 1,000 hash values in one request",
             dependencies=[Depends(json_body)])
async def match_hash_batch(request: Request, body: s.HashBatchIn,
                           principal: Principal = Depends(MatchScope)) -> JSONResponse:
    limit = runtime(request).settings.max_batch_hashes
    if len(body.hashes) > limit:
        raise InvalidInput(f"at most {limit} hashes per request")
    queries = [HashQuery(h.signal_type, h.value) for h in body.hashes]
    clean, results, events = await _lookup(request, principal, queries, body.threshold,
                                           body.banks)
    return JSONResponse({"results": [
        {"signal_type": q.signal_type, "value": q.value, "matches": [m.to_dict() for m in hits]}
        for q, hits in zip(clean, results)], "events": events})


@router.get("/match/hash", response_model=s.HashResultOut, summary="Match one hash value")
async def match_one_hash(
    request: Request, signal_type: str = Query(..., max_length=64),
    value: str = Query(..., max_length=100_000),
    threshold: int | None = Query(None, ge=0, le=256),
    banks: list[str] | None = Query(None), principal: Principal = Depends(MatchScope),
) -> JSONResponse:
    clean, results, _ = await _lookup(request, principal, [HashQuery(signal_type, value)],
                                      threshold, banks)
    return JSONResponse({"signal_type": clean[0].signal_type, "value": clean[0].value,
                         "matches": [m.to_dict() for m in results[0]]})
