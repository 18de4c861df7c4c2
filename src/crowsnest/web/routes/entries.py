"""``/v1/entries/{id}``: one bank entry -- read, enable/disable, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request

from crowsnest.services import actions
from crowsnest.services import banks as bank_service
from crowsnest.services.apikeys import Principal
from crowsnest.web import schemas as s
from crowsnest.web.deps import CurateScope, MatchScope, curation, json_body

router = APIRouter(prefix="/v1/entries", tags=["banks"], responses=s.ERRORS)
EntryId = Path(..., ge=1, le=2**53)


@router.get("/{entry_id}", response_model=s.EntryOut, summary="One entry")
def get_entry(request: Request, entry_id: int = EntryId,
              _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    with curation(request) as session:
        return bank_service.get_entry(session, entry_id).to_dict()


@router.patch("/{entry_id}", response_model=s.EntryOut, summary="Enable or disable an entry",
              dependencies=[Depends(json_body)])
def patch_entry(request: Request, body: s.EntryPatch, entry_id: int = EntryId,
                who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        info = bank_service.set_entry_enabled(session, entry_id, body.enabled)
        actions.audit(session, who.name, "entry.enable" if body.enabled else "entry.disable",
                      f"{info.bank}/{entry_id}")
        return info.to_dict()


@router.delete("/{entry_id}", response_model=s.EntryOut, summary="Delete an entry")
def delete_entry(request: Request, entry_id: int = EntryId,
                 who: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with curation(request) as session:
        info = bank_service.delete_entry(session, entry_id)
        actions.audit(session, who.name, "entry.delete", f"{info.bank}/{entry_id}")
        return info.to_dict()
