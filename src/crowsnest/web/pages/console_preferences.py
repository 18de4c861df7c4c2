"""Each analyst's own settings: how image previews are shown, and their password.

The preview preference (``services.console_prefs``) is reviewer wellness: blurred and
greyscale until revealed by default. Changing one's password needs the current one; a
wrong one counts towards the lock-out like a failed sign-in, and every other session of
the analyst ends (this browser stays signed in).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crowsnest.core.errors import InvalidInput
from crowsnest.core.previews import PREVIEW_MODES
from crowsnest.services import console_prefs
from crowsnest.services import hotline_accounts as accounts
from crowsnest.services.hotline_analysts import Actor
from crowsnest.web.deps import transaction
from crowsnest.web.pages.console import (
    SESSION,
    _actor,
    _checked_form,
    _page,
    _to_login,
    form_decision,
)

router = APIRouter(prefix="/console", include_in_schema=False)
MODE_TEXT = {
    "blurred": "Blurred and greyscale until I reveal it (recommended)",
    "greyscale": "Greyscale until I reveal it in colour",
    "hidden": "No previews: show hashes and matches only",
}


def new_password(form: dict[str, str]) -> str:
    """The form's new password, typed twice the same."""
    password = form.get("new_password", "")
    if password != form.get("repeat_password", ""):
        raise InvalidInput("the two new passwords differ")
    return password


def _render(request: Request, actor: Actor, status: int = 200, **context: Any) -> Response:
    with transaction(request) as session:
        mode = console_prefs.preview_mode(session, actor)
    return _page(request, "console/preferences.html", status, actor=actor, mode=mode,
                 modes=[(m, MODE_TEXT[m]) for m in PREVIEW_MODES], nav="preferences",
                 **context)


@router.get("/preferences", response_class=HTMLResponse)
def preferences_page(request: Request, saved: bool = False,
                     password_changed: bool = False) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    return _render(request, actor, saved=saved, password_changed=password_changed)


@router.post("/preferences")
async def save_preferences(request: Request) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()

    def save(form: dict[str, str]) -> None:
        with transaction(request) as session:
            console_prefs.set_preview_mode(session, actor, form.get("preview_mode", ""))
    return form_decision(await _checked_form(request), save,
                         lambda message, status: _render(request, actor, status, error=message),
                         "/console/preferences?saved=true")


@router.post("/preferences/password")
async def change_own_password(request: Request) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()

    def change(form: dict[str, str]) -> None:
        password = new_password(form)
        with transaction(request) as session:
            # committed even when refused: a wrong current password counts as a failure
            result = accounts.change_own_password(
                session, actor, form.get("current_password", ""), password,
                keep_token=request.cookies.get(SESSION))
        result.raise_if_refused()
    return form_decision(
        await _checked_form(request), change,
        lambda message, status: _render(request, actor, status, password_error=message),
        "/console/preferences?password_changed=true")
