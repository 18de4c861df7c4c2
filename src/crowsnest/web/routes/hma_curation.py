"""HMA-compatible curation routes (``/c``): banks and bank content; see docs/hma-compat.md."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from crowsnest.services import actions, hma
from crowsnest.services.apikeys import Principal
from crowsnest.web.deps import CurateScope, MatchScope, curation
from crowsnest.web.routes.hma_matching import HMA_ERRORS, hash_form, hash_url

router = APIRouter(prefix="/c", tags=["hma"], responses=HMA_ERRORS)
ContentId = Path(..., ge=0, le=2**53)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise hma.HmaError(400, "this endpoint expects a json object payload")
    return body


@router.get("/banks", summary="HMA: list banks")
def banks_index(request: Request, _: Principal = Depends(MatchScope)) -> list[dict[str, Any]]:
    with curation(request) as session:
        return hma.list_banks(session)


@router.post("/banks", status_code=201, summary="HMA: create a bank")
def bank_create(request: Request, body: Any = Body(None),
                who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    data = _object(body)
    if data.get("name") is None:
        raise hma.HmaError(400, "name is required")
    with curation(request) as session:
        result = hma.create_bank(session, data["name"], data.get("enabled"),
                                 data.get("enabled_ratio"))
        actions.audit(session, who.name, "bank.create", result["name"], via="hma")
        return result


@router.get("/bank/{bank_name}", summary="HMA: one bank")
def bank_show(request: Request, bank_name: str,
              _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    with curation(request) as session:
        return hma.get_bank(session, bank_name)


@router.put("/bank/{bank_name}", summary="HMA: rename / enable / set enabled_ratio")
def bank_update(request: Request, bank_name: str, body: Any = Body(None),
                who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    data = _object(body)
    with curation(request) as session:
        result = hma.update_bank(session, bank_name, data.get("name"), data.get("enabled"),
                                 data.get("enabled_ratio"))
        actions.audit(session, who.name, "bank.update", bank_name, via="hma", **data)
        return result


@router.delete("/bank/{bank_name}", summary="HMA: delete a bank (absent banks too)")
def bank_delete(request: Request, bank_name: str,
                who: Principal = Depends(CurateScope)) -> dict[str, str]:
    with curation(request) as session:
        result = hma.delete_bank(session, bank_name)
        actions.audit(session, who.name, "bank.delete", bank_name, via="hma")
        return result


@router.post("/bank/{bank_name}/signal", summary="HMA: add content by hash values")
def bank_add_signals(request: Request, bank_name: str, body: Any = Body(None),
                     who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        result = hma.add_signals(session, bank_name, body, who.name)
        actions.audit(session, who.name, "entry.add", f"{bank_name}/{result['id']}", via="hma")
        return result


@router.post("/bank/{bank_name}/content", summary="HMA: add content by upload (or URL)")
async def bank_add_content(request: Request, bank_name: str, url: str | None = Query(None),
                           content_type: str | None = Query(None),
                           types: str | None = Query(None),
                           who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    if url:
        hashes = await run_in_threadpool(hash_url, request, url, content_type, types)
    elif request.headers.get("content-type", "").startswith("multipart/form-data"):
        hashes = await hash_form(request, types)
    else:
        raise hma.HmaError(400, "Neither `url` nor multipart file upload was received")

    def store() -> dict[str, Any]:
        with curation(request) as session:
            result = hma.add_signals(session, bank_name, hashes, who.name)
            actions.audit(session, who.name, "entry.upload", f"{bank_name}/{result['id']}",
                          via="hma")
            return result

    return await run_in_threadpool(store)


@router.get("/bank/{bank_name}/content/{content_id}", summary="HMA: one content item")
def bank_get_content(request: Request, bank_name: str, content_id: int = ContentId,
                     include_signals: str | None = Query(None),
                     signal_type: str | None = Query(None),
                     _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    include = (include_signals or "false").lower() == "true"
    with curation(request) as session:
        return hma.get_content(session, bank_name, content_id, include_signals=include,
                               signal_type=signal_type)


@router.put("/bank/{bank_name}/content/{content_id}", summary="HMA: set disable_until_ts")
def bank_update_content(request: Request, bank_name: str, content_id: int = ContentId,
                        body: Any = Body(None),
                        who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        result = hma.update_content(session, bank_name, content_id, body)
        actions.audit(session, who.name, "entry.update", f"{bank_name}/{content_id}", via="hma")
        return result


@router.delete("/bank/{bank_name}/content/{content_id}", summary="HMA: delete content")
def bank_delete_content(request: Request, bank_name: str, content_id: int = ContentId,
                        who: Principal = Depends(CurateScope)) -> JSONResponse:
    with curation(request) as session:
        result = hma.delete_content(session, bank_name, content_id)
        actions.audit(session, who.name, "entry.delete", f"{bank_name}/{content_id}", via="hma")
        return JSONResponse(result)
