"""Per-analyst console preferences (today: how image previews are shown)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crowsnest.core.errors import NotFound
from crowsnest.core.previews import check_mode
from crowsnest.db.repositories import hotline_people as repo
from crowsnest.services.hotline_analysts import Actor
from crowsnest.services.hotline_tx import writes


def preview_mode(session: Session, actor: Actor) -> str:
    """The analyst's preview mode ("blurred" unless they chose otherwise)."""
    row = repo.analyst(session, actor.analyst_id) if actor.analyst_id else None
    return row.preview_mode if row is not None and row.preview_mode else "blurred"


@writes
def set_preview_mode(session: Session, actor: Actor, mode: str) -> str:
    """Store the analyst's preview mode; InvalidInput for an unknown one."""
    check_mode(mode)
    row = repo.analyst(session, actor.analyst_id) if actor.analyst_id else None
    if row is None:
        raise NotFound("no such analyst account")
    row.preview_mode = mode
    session.flush()
    return mode
