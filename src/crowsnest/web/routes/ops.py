"""``/v1`` operations: index status, delivery status of the outbox, audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from crowsnest.services import actions, outbox
from crowsnest.services.apikeys import Principal
from crowsnest.web import schemas as s
from crowsnest.web.deps import AdminScope, CurateScope, MatchScope, runtime, transaction

router = APIRouter(prefix="/v1", tags=["operations"], responses=s.ERRORS)


@router.get("/index", response_model=s.IndexOut,
            summary="This worker's index: size per signal type, last change applied")
def index_status(request: Request, _: Principal = Depends(MatchScope)) -> dict[str, Any]:
    return runtime(request).index.status().to_dict()


@router.get("/deliveries", response_model=list[s.DeliveryOut],
            summary="Outbox messages (match webhooks, forwards) and their delivery status")
def list_deliveries(
    request: Request, status: str | None = Query(None, max_length=16),
    kind: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000), before_id: int | None = Query(None, ge=1),
    _: Principal = Depends(CurateScope),
) -> list[dict[str, Any]]:
    with transaction(request) as session:
        rows = outbox.list_messages(session, status=status, kind=kind, limit=limit,
                                    before_id=before_id)
        return [r.to_dict() for r in rows]


@router.get("/deliveries/{message_id}", response_model=s.DeliveryOut, summary="One message")
def get_delivery(request: Request, message_id: int = Path(..., ge=1, le=2**53),
                 _: Principal = Depends(CurateScope)) -> dict[str, Any]:
    with transaction(request) as session:
        return outbox.get_message(session, message_id).to_dict()


@router.get("/audit", summary="Who changed what through the API, newest first")
def audit_log(request: Request, limit: int = Query(100, ge=1, le=1000),
              before_id: int | None = Query(None, ge=1),
              _: Principal = Depends(AdminScope)) -> list[dict[str, Any]]:
    with transaction(request) as session:
        return actions.audit_page(session, limit, before_id)
