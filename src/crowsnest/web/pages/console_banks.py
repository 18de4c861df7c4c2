"""The platform/curator console: banks with their counts, enable/disable, hash-list import
and export -- the same services as ``/v1/banks`` and the CLI, behind the console sign-in.

Any signed-in analyst may look at banks and export them; changing a bank (enable, disable,
import) needs the supervisor role, because a wrong list or a disabled bank changes what
every platform connected to this instance matches. Every change is recorded in the
curation audit with the analyst's name (``console:<user>``), like an API key's name.
"""

from __future__ import annotations

from typing import IO, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from crowsnest.core import registry
from crowsnest.core.errors import CrowsnestError, InvalidInput
from crowsnest.services import actions, hashlists
from crowsnest.services import banks as bank_service
from crowsnest.services.hotline_analysts import Actor, require
from crowsnest.web.deps import curation, runtime, transaction
from crowsnest.web.downloads import spooled_download
from crowsnest.web.pages import csrf
from crowsnest.web.pages.console import _actor, _page, _to_login

router = APIRouter(prefix="/console", include_in_schema=False)
SHOWN_ERRORS = 50  # bad rows listed on the page; the import report counts them all


def who(actor: Actor) -> str:
    """The name curation changes are recorded under."""
    return f"console:{actor.username}"


@router.get("/banks", response_class=HTMLResponse)
def banks_page(request: Request) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    with transaction(request) as session:
        banks = [b.to_dict() for b in bank_service.list_banks(session)]
    return _page(request, "console/banks.html", actor=actor, banks=banks,
                 signal_types=sorted(registry.signal_types()), nav="banks")


def _bank_page(request: Request, actor: Actor, name: str, status: int = 200,
               **context: Any) -> Response:
    with transaction(request) as session:
        bank = bank_service.get_bank(session, name).to_dict()
    return _page(request, "console/bank.html", status, actor=actor, bank=bank,
                 formats=sorted(registry.plugins(registry.FORMATS)), can_change=_can_change(actor),
                 signal_types=sorted(registry.signal_types()), nav="banks", **context)


def _can_change(actor: Actor) -> bool:
    try:
        require(actor, "supervisor")
    except CrowsnestError:
        return False
    return True


@router.get("/banks/{name}", response_class=HTMLResponse)
def bank_page(request: Request, name: str) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    try:
        return _bank_page(request, actor, name)
    except CrowsnestError as error:
        return _page(request, "console/error.html", error.http_status, actor=actor,
                     message=error.message, nav="banks")


@router.post("/banks/{name}/enabled")
async def set_enabled(request: Request, name: str) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if not csrf.valid(request, form.get(csrf.FIELD), runtime(request).settings.web_csrf_secret):
        return _bank_page(request, actor, name, 400, error="The form expired. Please try again.")
    enabled = form.get("enabled") == "true"
    try:
        require(actor, "supervisor")
        with curation(request) as session:
            bank_service.set_bank_enabled(session, name, enabled)
            actions.audit(session, who(actor), "bank.update", name, enabled=enabled)
    except CrowsnestError as error:
        return _bank_page(request, actor, name, error.http_status, error=error.message)
    return RedirectResponse(f"/console/banks/{name}", status_code=303)


@router.post("/banks/{name}/import")
async def import_list(request: Request, name: str) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    form = await request.form()
    token = form.get(csrf.FIELD)
    if not isinstance(token, str) or not csrf.valid(request, token,
                                                    runtime(request).settings.web_csrf_secret):
        return _bank_page(request, actor, name, 400, error="The form expired. Please try again.")
    upload = form.get("file")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        require(actor, "supervisor")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("choose a hash-list file to import")
        report = await run_in_threadpool(_import, request, actor, name, upload, fields)
    except CrowsnestError as error:
        return _bank_page(request, actor, name, error.http_status, error=error.message)
    finally:
        await form.close()
    return _bank_page(request, actor, name, report=report,
                      shown_errors=report["errors"][:SHOWN_ERRORS])


def _import(request: Request, actor: Actor, name: str, upload: UploadFile,
            fields: dict[str, str]) -> dict[str, Any]:
    with curation(request) as session:
        report = hashlists.import_hashlist(
            session, name, upload.file, format_name=fields.get("format") or None,
            filename=upload.filename, default_signal_type=fields.get("signal_type") or None,
            skip_invalid=fields.get("skip_invalid") == "on", added_by=who(actor))
        actions.audit(session, who(actor), "bank.import", name, read=report.read,
                      inserted=report.inserted, skipped=report.skipped)
        return report.to_dict()


@router.get("/banks/{name}/export")
def export_list(request: Request, name: str, format: str = "csv") -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    def write(spool: IO[bytes]) -> None:
        with transaction(request) as session:
            hashlists.export_hashlist(session, name, spool, format_name=format)

    try:
        return spooled_download(write, f"{name}.{format}")
    except CrowsnestError as error:
        return _page(request, "console/error.html", error.http_status, actor=actor,
                     message=error.message, nav="banks")
