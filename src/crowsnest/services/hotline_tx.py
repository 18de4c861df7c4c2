"""``@writes``: hotline use cases that read and then write take the write lock first.

See :func:`crowsnest.db.repositories.hotline_people.claim_write`: on SQLite this turns a
concurrent writer into a short wait instead of a "database is locked" failure.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from crowsnest.db.repositories.hotline_people import claim_write

F = TypeVar("F", bound=Callable[..., Any])


def writes(function: F) -> F:
    """Decorate a service whose first argument is the session."""

    @functools.wraps(function)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        claim_write(session)
        return function(session, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
