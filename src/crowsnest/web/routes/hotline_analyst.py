"""Analyst routes of the hotline: sign in, the queue, case work, routing, statistics.

Analysts sign in with ``POST /v1/hotline/login`` and send the returned token as
``Authorization: Bearer <token>``. Roles are enforced by the services; every case view
and decision lands in the hash-chained audit log.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from crowsnest.core.classification import schemes
from crowsnest.core.errors import Unauthorized
from crowsnest.core.tracing import AsnTable
from crowsnest.destinations.cybertipline.model import ReportingPerson
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_audit as audit
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_feedback as reporter_feedback
from crowsnest.services import hotline_cybertip as cybertip_service
from crowsnest.services import hotline_items as items
from crowsnest.services import hotline_routing as routing
from crowsnest.services import hotline_stats as stats
from crowsnest.services.hotline_analysts import Actor
from crowsnest.web.deps import curation, runtime, transaction
from crowsnest.web.routes import hotline_schemas as s

router = APIRouter(prefix="/v1/hotline", tags=["hotline: analysts"])
bearer = HTTPBearer(auto_error=False, description="Token from POST /v1/hotline/login")


@lru_cache(maxsize=2)
def asn_table(path: str) -> AsnTable:
    """The configured ASN table, loaded once per worker."""
    return AsnTable.from_tsv(path)


def current_analyst(request: Request,
                    credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> Actor:
    if credentials is None:
        raise Unauthorized("sign in first: send the token from /v1/hotline/login as a bearer token")
    with transaction(request) as session:
        return analysts.actor_for_token(session, credentials.credentials)


@router.post("/login", summary="Sign in (password and, if set up, a one-time code)")
def login(request: Request, body: s.LoginIn) -> dict[str, Any]:
    with transaction(request) as session:
        # committed even when refused: the failure counts towards the lock-out
        result = analysts.authenticate(session, body.username, body.password, body.totp,
                                       issue_token=True)
    actor = result.raise_if_refused()
    return {"token": result.token, "username": actor.username, "role": actor.role,
            "expires_in": int(analysts.SESSION_TTL.total_seconds())}


@router.post("/logout", status_code=204, summary="End the session")
def logout(request: Request,
           credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> None:
    if credentials is not None:
        with transaction(request) as session:
            analysts.sign_out(session, credentials.credentials)


@router.get("/schemes", summary="Classification schemes and their values")
def list_schemes(_: Actor = Depends(current_analyst)) -> list[dict[str, Any]]:
    return [found.describe() for found in schemes().values()]


@router.get("/cases", summary="The queue, highest priority first")
def queue(request: Request, actor: Actor = Depends(current_analyst),
          status: list[str] = Query(default=[], description="statuses (default: all open)"),
          country: str | None = Query(None, description="hosting country, ISO 3166-1 alpha-2"),
          mine: bool = Query(False, description="only cases assigned to me"),
          unassigned: bool = Query(False, description="only cases nobody is assigned to"),
          limit: int = Query(100, ge=1, le=500)) -> list[dict[str, Any]]:
    with transaction(request) as session:
        return cases.queue(session, actor, statuses=status, country=country, mine=mine,
                           unassigned=unassigned, limit=limit)


@router.get("/cases/{case_id}", summary="One case with items, messages and timeline (audited)")
def view(request: Request, case_id: int, actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        out = cases.view(session, case_id, actor)
        out["messages"] = routing.messages_with_delivery(session, case_id)
        return out


@router.post("/cases/{case_id}/status", summary="Move the case through the workflow")
def status(request: Request, case_id: int, body: s.StatusIn,
           actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return cases.change_status(session, case_id, actor, body.status, body.outcome, body.note)


@router.post("/cases/{case_id}/assign", summary="Assign the case (yourself, or anyone as supervisor)")
def assign(request: Request, case_id: int, body: s.AssignIn,
           actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return cases.assign(session, case_id, actor, body.username)


@router.post("/cases/{case_id}/classification", summary="Classify the case under a scheme")
def classify(request: Request, case_id: int, body: s.ClassifyIn,
             actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return cases.classify(session, case_id, actor, scheme_name=body.scheme, value=body.value,
                              content_type=body.content_type, age_group=body.age_group)


@router.post("/cases/{case_id}/items", status_code=201,
             summary="Add a classified item with hashes (optionally into a bank)")
def add_item(request: Request, case_id: int, body: s.ItemIn,
             actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    # Matches are counted on this worker's live index; a bank change makes it catch up
    # before answering, so the caller's next match already sees the new hashes.
    unit = curation if body.bank else transaction
    with unit(request) as session:
        return items.add_item(session, case_id, actor, content_type=body.content_type,
                              scheme_name=body.scheme, value=body.value, hashes=body.hashes,
                              bank=body.bank, note=body.note,
                              matcher=runtime(request).index.ready_matcher())


@router.post("/cases/{case_id}/trace", summary="Trace the host: IP, country, network owner")
def trace(request: Request, case_id: int, body: s.TraceIn,
          actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    settings = runtime(request).settings
    resolve = body.resolve and settings.hotline_resolve_hosts
    table = asn_table(settings.hotline_asn_table) if settings.hotline_asn_table else None
    with transaction(request) as session:
        return cases.trace_case(session, case_id, actor, resolve=resolve, asn_table=table)


@router.patch("/cases/{case_id}/trace", summary="Set tracing results by hand")
def override_trace(request: Request, case_id: int, body: s.TraceOverrideIn,
                   actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    fields = body.model_dump(exclude_none=True)
    provider = fields.pop("hosting_provider", None)
    with transaction(request) as session:
        return cases.override_trace(session, case_id, actor, hosting_provider=provider, **fields)


@router.get("/cases/{case_id}/routes", summary="Where the rules would send the case")
def plan(request: Request, case_id: int, actor: Actor = Depends(current_analyst)) -> list[dict[str, Any]]:
    with transaction(request) as session:
        return [{"role": r.role, "message": r.message, "contact": r.contact.name,
                 "destination": r.contact.destination, "reason": r.reason}
                for r in routing.plan(session, case_id, actor,
                                      settings=runtime(request).settings)]


@router.post("/cases/{case_id}/route", summary="Send notices/forwards through the outbox")
def route(request: Request, case_id: int, body: s.RouteIn,
          actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    provider = body.provider.model_dump(exclude_none=True) if body.provider else None
    with transaction(request) as session:
        return routing.route_case(session, case_id, actor, provider=provider,
                                  settings=runtime(request).settings)


@router.post("/cases/{case_id}/removal", summary="Record that the content was removed")
def removal(request: Request, case_id: int, body: s.RemovalIn,
            actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return cases.record_removal(session, case_id, actor, removed_at=body.removed_at,
                                    note=body.note)


@router.post("/cases/{case_id}/removal-check", summary="Schedule a check that it was removed")
def removal_check(request: Request, case_id: int, body: s.RemovalCheckIn,
                  actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return cases.schedule_removal_check(session, case_id, actor, timedelta(hours=body.hours))


@router.post("/cases/{case_id}/cybertip", status_code=201,
             summary="Report the case to NCMEC's CyberTipline (supervisors; once per case)")
def cybertip(request: Request, case_id: int, body: s.CyberTipIn,
             actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    reporter = ReportingPerson(body.first_name, body.last_name, body.email, body.phone)
    with transaction(request) as session:
        return cybertip_service.file_case(session, case_id, actor, reporter,
                                          settings=runtime(request).settings)


@router.post("/cases/{case_id}/feedback",
             summary="E-mail reporters who asked for feedback that their report was "
                     "assessed or closed (nothing about what was found)")
def feedback(request: Request, case_id: int,
             actor: Actor = Depends(current_analyst)) -> dict[str, int]:
    with transaction(request) as session:
        return reporter_feedback.send_feedback(session, case_id, actor,
                                               settings=runtime(request).settings)


@router.get("/removal-checks", summary="Cases whose scheduled removal check is due")
def removal_checks(request: Request, actor: Actor = Depends(current_analyst)) -> list[dict[str, Any]]:
    analysts.require(actor, "analyst")
    with transaction(request) as session:
        return cases.removal_checks_due(session)


@router.get("/stats", summary="Counts, median and p90 times to assessment and removal")
def statistics(request: Request, actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    analysts.require(actor, "analyst")
    with transaction(request) as session:
        return stats.compute(session)


@router.get("/audit/verify", summary="Verify the audit log's hash chain (supervisors)")
def verify_audit(request: Request, actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    analysts.require(actor, "supervisor")
    with transaction(request) as session:
        check = audit.verify(session)
    return {"ok": check.ok, "checked": check.checked, "broken_at": check.broken_at,
            "reason": check.reason}
