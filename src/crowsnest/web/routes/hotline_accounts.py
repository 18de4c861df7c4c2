"""Account administration under ``/v1/hotline/analysts`` (admins) and ``/v1/hotline/me``.

Thin routes over :mod:`crowsnest.services.hotline_accounts`: the service checks the role
(403 ``forbidden`` for anyone but an admin), refuses to leave no active admin (409
``conflict``) and writes the audit log. Accounts are never deleted, only disabled.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials

from crowsnest.services import hotline_accounts as accounts
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services.hotline_analysts import Actor
from crowsnest.web.deps import transaction
from crowsnest.web.routes import hotline_schemas as s
from crowsnest.web.routes.hotline_analyst import bearer, current_analyst

router = APIRouter(prefix="/v1/hotline", tags=["hotline: accounts"])


@router.get("/analysts", summary="List analyst accounts, disabled ones included (admins)")
def list_accounts(request: Request,
                  actor: Actor = Depends(current_analyst)) -> list[dict[str, Any]]:
    with transaction(request) as session:
        return accounts.list_accounts(session, actor)


@router.post("/analysts", status_code=201,
             summary="Create an analyst account (admins; a TOTP secret is shown once)")
def create(request: Request, body: s.AnalystIn,
           actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:  # the service refuses anyone but an admin
        return analysts.create_analyst(session, body.username, body.password, role=body.role,
                                       display_name=body.display_name, with_totp=body.totp,
                                       actor=actor)


@router.patch("/analysts/{username}",
              summary="Change an analyst's role, or disable/re-enable the account (admins)")
def update(request: Request, username: str, body: s.AnalystPatchIn,
           actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return accounts.update(session, actor, username, role=body.role, disabled=body.disabled)


@router.post("/analysts/{username}/unlock",
             summary="Lift a lock-out after repeated failed sign-ins (admins)")
def unlock(request: Request, username: str,
           actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return accounts.unlock(session, actor, username)


@router.post("/analysts/{username}/password",
             summary="Set a new password for an analyst; their sessions end (admins)")
def reset_password(request: Request, username: str, body: s.PasswordResetIn,
                   actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return accounts.reset_password(session, actor, username, body.password)


@router.post("/analysts/{username}/totp",
             summary="Remove an analyst's TOTP, or issue a new secret shown once (admins)")
def reset_totp(request: Request, username: str, body: s.TotpResetIn,
               actor: Actor = Depends(current_analyst)) -> dict[str, Any]:
    with transaction(request) as session:
        return accounts.reset_totp(session, actor, username, enrol=body.enrol)


@router.post("/me/password",
             summary="Change your own password (needs the current one; other sessions end)")
def change_own_password(
    request: Request, body: s.OwnPasswordIn, actor: Actor = Depends(current_analyst),
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),
) -> dict[str, Any]:
    token = credentials.credentials if credentials else None
    with transaction(request) as session:
        # committed even when refused: a wrong current password counts towards the lock-out
        result = accounts.change_own_password(session, actor, body.current_password,
                                              body.new_password, keep_token=token)
    return result.raise_if_refused()
