"""Account administration in the console (admins).

The same service as ``/v1/hotline/analysts`` and ``crowsnest analyst``: admins change
roles, disable and re-enable accounts, lift lock-outs, set a new password and remove or
replace a second factor. The last active admin cannot be demoted or disabled, accounts
are never deleted, and every change is in the audit log. A new TOTP secret is shown once,
in a ``no-store`` page, and never again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crowsnest.core.errors import CrowsnestError
from crowsnest.db.models_hotline import ROLES
from crowsnest.services import hotline_accounts as accounts
from crowsnest.services.hotline_analysts import Actor, has_role
from crowsnest.web.deps import transaction
from crowsnest.web.pages.console import _actor, _checked_form, _page, _to_login
from crowsnest.web.pages.console_preferences import new_password

router = APIRouter(prefix="/console", include_in_schema=False)
DONE = {"role": "Role changed.", "disable": "Account disabled; its sessions ended.",
        "enable": "Account enabled.", "unlock": "Lock-out lifted.",
        "password": "Password set; the account's sessions ended.",
        "totp_remove": "Second factor removed; the account's sessions ended."}


def _accounts_page(request: Request, actor: Actor, status: int = 200, **context: Any
                   ) -> Response:
    if not has_role(actor, "admin"):
        return _page(request, "console/accounts.html", 403, actor=actor, allowed=False,
                     nav="accounts")
    with transaction(request) as session:
        people = accounts.list_accounts(session, actor)
    return _page(request, "console/accounts.html", status, actor=actor, allowed=True,
                 people=people, roles=ROLES, nav="accounts", **context)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, done: str | None = None) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    return _accounts_page(request, actor, notice=DONE.get(done or ""))


CHANGES: dict[str, Callable[[Any, Actor, str, dict[str, str]], Any]] = {
    "role": lambda s, a, name, f: accounts.set_role(s, a, name, f.get("role", "")),
    "disable": lambda s, a, name, f: accounts.set_disabled(s, a, name, True),
    "enable": lambda s, a, name, f: accounts.set_disabled(s, a, name, False),
    "unlock": lambda s, a, name, f: accounts.unlock(s, a, name),
    "password": lambda s, a, name, f: accounts.reset_password(s, a, name, new_password(f)),
    "totp_remove": lambda s, a, name, f: accounts.reset_totp(s, a, name),
    "totp_enrol": lambda s, a, name, f: accounts.reset_totp(s, a, name, enrol=True),
}


@router.post("/accounts/{username}")
async def change_account(request: Request, username: str) -> Response:
    """One change to one account, named by the form's ``change`` field."""
    actor = _actor(request)
    if actor is None:
        return _to_login()
    form = await _checked_form(request)
    change = CHANGES.get((form or {}).get("change", ""))
    if form is None or change is None:
        return _accounts_page(request, actor, 400, error="The form expired. Please try again.")
    try:
        with transaction(request) as session:
            answer = change(session, actor, username, form)
    except CrowsnestError as error:
        return _accounts_page(request, actor, error.http_status, error=error.message,
                              subject=username)
    if form["change"] == "totp_enrol":  # the secret is shown on this answer only
        return _accounts_page(request, actor, enrolled={
            "username": username, "secret": answer.get("totp_secret"),
            "uri": answer.get("totp_uri")})
    if username == actor.username and form["change"] in ("disable", "role", "password"):
        return RedirectResponse("/console", status_code=303)  # may no longer be allowed here
    return RedirectResponse(f"/console/accounts?done={form['change']}", status_code=303)
