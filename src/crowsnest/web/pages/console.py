"""The analyst console: sign in and the queue by priority (the case page is
``console_case``).

Sign-in uses the hotline's analyst accounts (``services.hotline_analysts``); the session
token it issues lives in an HttpOnly, SameSite=Strict cookie scoped to ``/console``. Every
form carries the same signed CSRF token as the public forms. URLs are shown defanged and
copyable, never as live links. Case views are audited by the service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crowsnest.core.errors import CrowsnestError, InvalidInput, Unauthorized
from crowsnest.core.intake import check_country_code
from crowsnest.core.workflow import OPEN_STATUSES, STATUSES
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_cases as cases
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


EXPIRED = "The form expired. Please try again."


def form_decision(form: dict[str, str] | None, decide: Callable[[dict[str, str]], Any],
                  refused: Callable[[str, int], Response], done_url: str) -> Response:
    """The shape of every console form post: an expired form or a refused decision shows
    the page again with the reason (and the error's status); success redirects."""
    if form is None:
        return refused(EXPIRED, 400)
    try:
        decide(form)
    except CrowsnestError as error:
        return refused(error.message, error.http_status)
    return RedirectResponse(done_url, status_code=303)


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


ASSIGNEE_FILTERS = ("mine", "unassigned")
UNTRACED = "none"  # the country filter's value for cases not traced to a country yet


@router.get("", response_class=HTMLResponse)
def queue(request: Request, status: str | None = None, country: str | None = None,
          assignee: str | None = None, due: bool = False) -> Response:
    """The queue by priority, filtered by status, hosting country, assignee and whether a
    scheduled removal check is due.

    Counts per status follow the country and assignee filters, so they say how much work
    the filtered view holds. Unknown filter values are ignored rather than refused: the
    page is reached by links and a plain GET form.
    """
    actor = _actor(request)
    if actor is None:
        return _to_login()
    wanted = [status] if status in STATUSES else []
    who = assignee if assignee in ASSIGNEE_FILTERS else None
    place = _country_filter(country)
    scope = {"mine": who == "mine", "unassigned": who == "unassigned",
             "untraced": place == UNTRACED, "limit": 500,
             "country": place if place not in (None, UNTRACED) else None}
    with transaction(request) as session:
        open_cases = cases.queue(session, actor, **scope)
        shown = (cases.queue(session, actor, statuses=wanted, check_due=due, **scope)
                 if wanted or due else open_cases)
        names = {a["id"]: a["username"] for a in analysts.list_analysts(session)}
        countries = sorted({*cases.hosting_countries(session),
                            *([place] if place not in (None, UNTRACED) else [])})
    counts = {name: sum(1 for c in open_cases if c["status"] == name)
              for name in STATUSES if name in OPEN_STATUSES}
    filters = {key: value for key, value in (("country", place), ("assignee", who)) if value}
    return _page(request, "console/queue.html", actor=actor, cases=shown, counts=counts,
                 current=status if wanted else None, statuses=STATUSES, filters=filters,
                 countries=countries, names=names, untraced=UNTRACED, due=due,
                 due_count=sum(1 for c in open_cases if c["removal_check_due"]))


def _country_filter(value: str | None) -> str | None:
    """The country filter as an ISO code (or the untraced marker); anything else is no filter."""
    value = (value or "").strip()
    if value.lower() == UNTRACED:
        return UNTRACED
    try:
        return check_country_code(value) if value else None
    except InvalidInput:
        return None
