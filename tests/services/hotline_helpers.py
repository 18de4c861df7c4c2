"""Shared set-up for hotline service tests: analysts and a reported case."""

from __future__ import annotations

import pytest

pytest.importorskip("crowsnest.db.models", reason="needs the storage layer (store branch)")

from sqlalchemy.orm import Session

from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_intake as intake
from crowsnest.services.hotline_analysts import Actor

PASSWORD = "a long enough passphrase"


def make_actor(session: Session, username: str, role: str = "analyst") -> Actor:
    info = analysts.create_analyst(session, username, PASSWORD, role=role)
    return Actor(info["username"], info["role"], info["id"])


def reported_case(session: Session, url: str = "https://files.example/v/1") -> int:
    return intake.submit(session, {"urls": [url]}).case_ids[0]
