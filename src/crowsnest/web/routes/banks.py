"""``/v1/banks``: banks, their entries, hash-list import/export, and their actions."""

from __future__ import annotations

import tempfile
from typing import IO, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from crowsnest.services import actions
from crowsnest.services import banks as bank_service
from crowsnest.services import hashlists
from crowsnest.services.apikeys import Principal
from crowsnest.web import schemas as s
from crowsnest.web.downloads import spooled_download
from crowsnest.web.deps import (
    CurateScope,
    MatchScope,
    curation,
    json_body,
    multipart_body,
    runtime,
)
from crowsnest.web.routes.matching import read_upload

router = APIRouter(prefix="/v1/banks", tags=["banks"], responses=s.ERRORS)
SPOOL_BYTES = 8 * 1024 * 1024  # imports/exports spill to a temporary file above this


def _bank(info: Any) -> dict[str, Any]:
    out = info.to_dict()
    out["total_entries"] = info.total_entries
    return out


@router.get("", response_model=list[s.BankOut], summary="List banks with entry counts")
def list_banks(request: Request, _: Principal = Depends(MatchScope)) -> list[dict[str, Any]]:
    with curation(request) as session:
        return [_bank(b) for b in bank_service.list_banks(session)]


@router.post("", response_model=s.BankOut, status_code=201, summary="Create a bank",
             dependencies=[Depends(json_body)])
def create_bank(request: Request, body: s.BankIn,
                who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        info = bank_service.create_bank(session, body.name, description=body.description,
                                        enabled=body.enabled, pdq_threshold=body.pdq_threshold)
        actions.audit(session, who.name, "bank.create", info.name)
        return _bank(info)


@router.get("/{name}", response_model=s.BankOut, summary="One bank with entry counts")
def get_bank(request: Request, name: str, _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    with curation(request) as session:
        return _bank(bank_service.get_bank(session, name))


@router.patch("/{name}", response_model=s.BankOut, dependencies=[Depends(json_body)],
              summary="Rename, describe, enable/disable or set the PDQ threshold of a bank")
def patch_bank(request: Request, name: str, body: s.BankPatch,
               who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        current = name
        if body.name is not None and body.name != name:
            current = bank_service.rename_bank(session, name, body.name).name
        info = bank_service.update_bank(
            session, current, description=body.description, enabled=body.enabled,
            pdq_threshold=body.pdq_threshold, clear_pdq_threshold=body.clear_pdq_threshold)
        actions.audit(session, who.name, "bank.update", info.name,
                      **body.model_dump(exclude_none=True), previous_name=name)
        return _bank(info)


@router.delete("/{name}", response_model=s.Deleted, summary="Delete a bank and its entries")
def delete_bank(request: Request, name: str, who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        removed = bank_service.delete_bank(session, name)
        actions.audit(session, who.name, "bank.delete", name, entries_removed=removed)
        return {"deleted": True, "entries_removed": removed}


@router.get("/{name}/entries", response_model=list[s.EntryOut], summary="A page of entries")
def list_entries(
    request: Request, name: str, signal_type: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=10_000), after_id: int = Query(0, ge=0),
    _: Principal = Depends(MatchScope),
) -> list[dict[str, Any]]:
    with curation(request) as session:
        page = bank_service.list_entries(session, name, signal_type=signal_type, limit=limit,
                                         after_id=after_id)
        return [e.to_dict() for e in page]


@router.post("/{name}/entries", response_model=s.EntryAddOut, status_code=201,
             dependencies=[Depends(json_body)],
             summary="Add one hash value (merged into an equal entry if present)")
def add_entry(request: Request, name: str, body: s.EntryIn,
              who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        result = bank_service.add_hash(
            session, name, body.signal_type, body.value, labels=body.labels,
            source=body.source, external_id=body.external_id, note=body.note,
            added_by=who.name)
        actions.audit(session, who.name, "entry.add", f"{name}/{result.entry.id}",
                      signal_type=body.signal_type, created=result.created)
        return {"entry": result.entry.to_dict(), "created": result.created}


@router.post("/{name}/entries/upload", response_model=list[s.EntryAddOut], status_code=201,
             dependencies=[Depends(multipart_body)],
             summary="Hash an uploaded file and add every signal (the file is not kept)")
def add_upload(
    request: Request, name: str, file: UploadFile = File(...),
    labels: list[str] = Form(default_factory=list), note: str | None = Form(None),
    who: Principal = Depends(CurateScope),
) -> list[dict[str, Any]]:
    settings = runtime(request).settings
    data = read_upload(file)
    with curation(request) as session:
        results = bank_service.add_media(
            session, name, data, labels=labels, note=note, source_name=file.filename,
            added_by=who.name, max_pixels=settings.max_image_pixels,
            max_bytes=settings.max_upload_bytes)
        actions.audit(session, who.name, "entry.upload", name,
                      entries=[r.entry.id for r in results])
        return [{"entry": r.entry.to_dict(), "created": r.created, "quality": r.quality}
                for r in results]


@router.post("/{name}/import", response_model=s.ImportOut,
             summary="Import a hash list (request body = the file, streamed)",
             openapi_extra={"requestBody": {"content": {"application/octet-stream": {
                 "schema": {"type": "string", "format": "binary"}}}, "required": True}})
async def import_list(
    request: Request, name: str, format: str | None = Query(None, max_length=32),
    skip_invalid: bool = Query(False, description="Import good rows, report bad ones "
                               "(default: atomic, the first bad row aborts)"),
    default_signal_type: str | None = Query(None, max_length=64),
    filename: str | None = Query(None, max_length=500),
    who: Principal = Depends(CurateScope),
) -> dict[str, Any]:
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # type: ignore[assignment]
    async for chunk in request.stream():
        spool.write(chunk)
    spool.seek(0)

    def run() -> dict[str, Any]:
        with curation(request) as session:
            report = hashlists.import_hashlist(
                session, name, spool, format_name=format, filename=filename,
                default_signal_type=default_signal_type, skip_invalid=skip_invalid,
                added_by=who.name)
            actions.audit(session, who.name, "bank.import", name, read=report.read,
                          inserted=report.inserted, skipped=report.skipped)
            return report.to_dict()

    try:
        return await run_in_threadpool(run)
    finally:
        spool.close()


@router.get("/{name}/export", summary="Export a bank as a hash list (streamed)",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def export_list(
    request: Request, name: str, format: str = Query("csv", max_length=32),
    signal_type: str | None = Query(None, max_length=64),
    include_disabled: bool = Query(False), _: Principal = Depends(MatchScope),
) -> StreamingResponse:
    def write(spool: IO[bytes]) -> None:
        with curation(request) as session:
            hashlists.export_hashlist(session, name, spool, format_name=format,
                                      signal_type=signal_type,
                                      include_disabled=include_disabled)

    return spooled_download(write, f"{name}.{format}")


@router.get("/{name}/actions", response_model=list[s.ActionOut], summary="A bank's actions")
def list_actions(request: Request, name: str,
                 _: Principal = Depends(CurateScope)) -> list[dict[str, Any]]:
    with curation(request) as session:
        return [a.to_dict() for a in actions.list_actions(session, name)]


@router.post("/{name}/actions", response_model=s.ActionOut, status_code=201,
             dependencies=[Depends(json_body)],
             summary="Add an action (e.g. a signed webhook) run when the bank matches")
def add_action(request: Request, name: str, body: s.ActionIn,
               who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        info = actions.add_action(session, name, body.name, body.destination, body.target,
                                  enabled=body.enabled, actor=who.name)
        actions.audit(session, who.name, "action.add", f"{name}/{body.name}")
        return info.to_dict()


@router.delete("/{name}/actions/{action}", response_model=s.ActionOut, summary="Remove an action")
def delete_action(request: Request, name: str, action: str,
                  who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        info = actions.delete_action(session, name, action)
        actions.audit(session, who.name, "action.delete", f"{name}/{action}")
        return info.to_dict()
