"""HMA-compatible hashing (``/h``) and matching (``/m``) routes; see docs/hma-compat.md."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from crowsnest.core.signals.base import ContentType
from crowsnest.services import hma, urlfetch
from crowsnest.services.apikeys import Principal
from crowsnest.services.hashing import hash_media_checked
from crowsnest.web.deps import MatchScope, runtime, transaction

router = APIRouter(tags=["hma"])
HMA_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": "HMA error: {\"message\": ...}"} for code in (400, 401, 403, 404)
}


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise hma.HmaError(400, "invalid boolean parameter - prefer true/false")


def _content_type(name: str) -> ContentType:
    try:
        content_type = ContentType(name)
    except ValueError:
        raise hma.HmaError(400, f"no such content_type: '{name}'") from None
    if content_type not in (ContentType.PHOTO, ContentType.VIDEO):
        raise hma.HmaError(400, f"no such content_type: '{name}'")
    return content_type


def _types(types: str | None) -> list[str] | None:
    if types is None:
        return None
    names = [hma.signal_type_name(t.strip()) for t in types.split(",") if t.strip()]
    if not names:
        raise hma.HmaError(400, "empty signal type selection")
    return names


def _hash_bytes(request: Request, data: bytes, content_type: ContentType,
                types: str | None) -> dict[str, str]:
    settings = runtime(request).settings
    hashed = hash_media_checked(data, content_type=content_type, signal_types=_types(types),
                                max_pixels=settings.max_image_pixels,
                                max_bytes=settings.max_upload_bytes)
    return {name: signal.value for name, signal in hashed.signals.items()}


async def hash_form(request: Request, types: str | None) -> dict[str, str]:
    """HMA's multipart rule: exactly one file, its field name is the content type."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise hma.HmaError(400, "Missing multipart/form-data file upload")
    form = await request.form()
    files = [(key, value) for key, value in form.multi_items() if isinstance(value, UploadFile)]
    if not files:
        raise hma.HmaError(400, "Missing multipart/form-data file upload")
    if len(files) > 1:
        raise hma.HmaError(400, "Only one file allowed per request")
    field, upload = files[0]
    content_type = _content_type(field)
    data = await upload.read()
    return await run_in_threadpool(_hash_bytes, request, data, content_type, types)


def hash_url(request: Request, url: str, content_type: str | None, types: str | None) -> dict[str, str]:
    """Fetch (only if enabled, never private addresses) and hash."""
    settings = runtime(request).settings
    fetched = urlfetch.fetch(url, enabled=settings.url_fetch_enabled,
                             max_bytes=settings.max_upload_bytes)
    name = content_type
    if not name:
        declared = fetched.content_type.lower()
        name = "photo" if declared.startswith("image") else (
            "video" if declared.startswith("video") else "")
        if not name:
            raise hma.HmaError(400, f"unsupported url ContentType: '{fetched.content_type}', "
                               "if you know the expected type, provide it with the "
                               "content_type query param")
    return _hash_bytes(request, fetched.data, _content_type(name), types)


@router.post("/h/hash", summary="HMA: hash an uploaded file (field name = content type)",
             responses=HMA_ERRORS)
async def h_hash_post(request: Request, types: str | None = Query(None),
                      _: Principal = Depends(MatchScope)) -> dict[str, str]:
    return await hash_form(request, types)


@router.get("/h/hash", summary="HMA: hash a URL (disabled unless enabled; SSRF-safe)",
            responses=HMA_ERRORS)
def h_hash_get(request: Request, url: str | None = Query(None),
               content_type: str | None = Query(None), types: str | None = Query(None),
               _: Principal = Depends(MatchScope)) -> dict[str, str]:
    if not url:
        raise hma.HmaError(400, "url is required")
    return hash_url(request, url, content_type, types)


@router.get("/m/raw_lookup", summary="HMA: raw index lookup (no enabled checks)",
            responses=HMA_ERRORS)
def m_raw_lookup(request: Request, signal: str | None = Query(None),
                 signal_type: str | None = Query(None), banks: str | None = Query(None),
                 include_distance: str | None = Query(None),
                 _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    if signal is None:
        raise hma.HmaError(400, "signal is required")
    if signal_type is None:
        raise hma.HmaError(400, "signal_type is required")
    with transaction(request) as session:
        return hma.raw_lookup(session, runtime(request).index, signal_type, signal,
                              include_distance=_bool(include_distance), banks=banks)


def _lookup_all(request: Request, hashes: dict[str, str], banks: str | None,
                seed: str | None, bypass: bool, actor: str) -> dict[str, Any]:
    with transaction(request) as session:
        return {name: hma.lookup(session, runtime(request).index, name, value, banks=banks,
                                 seed=seed, bypass_coinflip=bypass, actor=actor)
                for name, value in hashes.items()}


@router.get("/m/lookup", summary="HMA: look up a hash (or a URL) in enabled banks",
            responses=HMA_ERRORS)
def m_lookup_get(
    request: Request, signal: str | None = Query(None), signal_type: str | None = Query(None),
    url: str | None = Query(None), content_type: str | None = Query(None),
    types: str | None = Query(None), banks: str | None = Query(None),
    seed: str | None = Query(None), bypass_coinflip: str | None = Query(None),
    who: Principal = Depends(MatchScope),
) -> dict[str, Any]:
    bypass = _bool(bypass_coinflip)
    if url:
        result = _lookup_all(request, hash_url(request, url, content_type, types), banks,
                             seed, bypass, who.name)
        return result.get(signal_type, {}) if signal_type is not None else result
    if not signal or not signal_type:
        raise hma.HmaError(400, "Either url or both signal and signal_type are required")
    with transaction(request) as session:
        return hma.lookup(session, runtime(request).index, signal_type, signal, banks=banks,
                          seed=seed, bypass_coinflip=bypass, actor=who.name)


@router.post("/m/lookup", summary="HMA: hash an uploaded file and look it up",
             responses=HMA_ERRORS)
async def m_lookup_post(request: Request, banks: str | None = Query(None),
                        seed: str | None = Query(None),
                        bypass_coinflip: str | None = Query(None),
                        who: Principal = Depends(MatchScope)) -> dict[str, Any]:
    bypass = _bool(bypass_coinflip)
    hashes = await hash_form(request, None)
    return await run_in_threadpool(_lookup_all, request, hashes, banks, seed, bypass,
                                   who.name)


@router.post("/m/compare", summary="HMA: distance between pairs of hashes", responses=HMA_ERRORS)
def m_compare(request: Request, body: Any = Body(None),
              _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    return hma.compare(body, runtime(request).settings.pdq_threshold)


@router.get("/m/index/status", summary="HMA: index status per signal type", responses=HMA_ERRORS)
def m_index_status(request: Request, signal_type: str | None = Query(None),
                   _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    return hma.index_status(runtime(request).index, signal_type)
