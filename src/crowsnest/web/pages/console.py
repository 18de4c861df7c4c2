"""The analyst console: sign in, the queue by priority, and a case page.

Sign-in uses the hotline's analyst accounts (``services.hotline_analysts``); the session
token it issues lives in an HttpOnly, SameSite=Strict cookie scoped to ``/console``. Every
form carries the same signed CSRF token as the public forms. URLs are shown defanged and
copyable, never as live links. Case views are audited by the service.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crowsnest.core.classification import schemes
from crowsnest.core.errors import CrowsnestError, Unauthorized
from crowsnest.core.workflow import OPEN_STATUSES, STATUSES, TRANSITIONS
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_routing as routing
from crowsnest.services.hotline_analysts import Actor
from crowsnest.web.deps import runtime, transaction
from crowsnest.web.pages import csrf
from crowsnest.web.pages.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
SESSION = "console_session"


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    cookie, token = csrf.issue(request, runtime(request).settings.web_csrf_secret)
    response = render(request, template, status, csrf_field=csrf.FIELD, csrf_token=token,
                      **context)
    csrf.set_cookie(response, request, cookie)
    return response


def _actor(request: Request) -> Actor | None:
    token = request.cookies.get(SESSION)
    if not token:
        return None
    try:
        with transaction(request) as session:
            return analysts.actor_for_token(session, token)
    except Unauthorized:
        return None


def _to_login() -> RedirectResponse:
    return RedirectResponse("/console/login", status_code=303)


async def _checked_form(request: Request) -> dict[str, str] | None:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    settings = runtime(request).settings
    return form if csrf.valid(request, form.get(csrf.FIELD), settings.web_csrf_secret) else None


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "console/login.html", error=None, username="")


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await _checked_form(request)
    if form is None:
        return _page(request, "console/login.html", 400, username="",
                     error="The form expired. Please sign in again.")
    username = form.get("username", "")[:100]

    def check() -> analysts.LoginResult:
        with transaction(request) as session:  # committed even when refused (lock-out count)
            return analysts.authenticate(session, username, form.get("password", ""),
                                         form.get("totp") or None, issue_token=True)

    result = await run_in_threadpool(check)
    if result.actor is None or result.token is None:
        return _page(request, "console/login.html", 401, username=username, error=result.message)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(SESSION, result.token, httponly=True, samesite="strict", path="/console",
                        secure=request.url.scheme == "https",
                        max_age=int(analysts.SESSION_TTL.total_seconds()))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    if await _checked_form(request) is not None and request.cookies.get(SESSION):
        with transaction(request) as session:
            analysts.sign_out(session, request.cookies[SESSION])
    response = _to_login()
    response.delete_cookie(SESSION, path="/console")
    return response


@router.get("", response_class=HTMLResponse)
def queue(request: Request, status: str | None = None) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    wanted = [status] if status in STATUSES else []
    with transaction(request) as session:
        open_cases = cases.queue(session, actor, limit=500)
        shown = cases.queue(session, actor, statuses=wanted, limit=500) if wanted else open_cases
    counts = {name: sum(1 for c in open_cases if c["status"] == name)
              for name in STATUSES if name in OPEN_STATUSES}
    return _page(request, "console/queue.html", actor=actor, cases=shown, counts=counts,
                 current=status if wanted else None, statuses=STATUSES)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, error: str | None = None) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    with transaction(request) as session:
        case = cases.view(session, case_id, actor)
        case["messages"] = routing.messages_with_delivery(session, case_id)
    labels = [f"{found.name}:{value}" for found in schemes().values() for value in found.values]
    return _page(request, "console/case.html", actor=actor, case=case, error=error,
                 next_statuses=sorted(TRANSITIONS[case["status"]]), labels=labels)


@router.post("/cases/{case_id}/status")
async def change_status(request: Request, case_id: int) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    form = await _checked_form(request)
    if form is None:
        return case_page(request, case_id, "The form expired. Please try again.")
    try:
        with transaction(request) as session:
            cases.change_status(session, case_id, actor, form.get("status", ""),
                                form.get("outcome") or None, form.get("note") or None)
    except CrowsnestError as error:
        return case_page(request, case_id, error.message)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


def _classify(session: Any, case_id: int, actor: Actor, form: dict[str, str], _: Any) -> None:
    scheme_name, _sep, value = form.get("label", "").partition(":")
    cases.classify(session, case_id, actor, scheme_name=scheme_name, value=value)


def _trace(session: Any, case_id: int, actor: Actor, form: dict[str, str], _: Any) -> None:
    cases.override_trace(session, case_id, actor, country=form.get("country") or None,
                         hosting_provider=form.get("hosting_provider") or None)


def _route(session: Any, case_id: int, actor: Actor, _form: dict[str, str], settings: Any) -> None:
    routing.route_case(session, case_id, actor, settings=settings)


ACTIONS = {"classify": _classify, "trace": _trace, "route": _route}


@router.post("/cases/{case_id}/action")
async def case_action(request: Request, case_id: int) -> Response:
    """Classify, set the hosting by hand, or route the case (forwards and notices)."""
    actor = _actor(request)
    if actor is None:
        return _to_login()
    form = await _checked_form(request)
    handler = ACTIONS.get((form or {}).get("action", ""))
    if form is None or handler is None:
        return case_page(request, case_id, "The form expired. Please try again.")
    try:
        with transaction(request) as session:
            handler(session, case_id, actor, form, runtime(request).settings)
    except CrowsnestError as error:
        return case_page(request, case_id, error.message)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)
