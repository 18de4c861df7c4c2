"""Receiving forwards from peer hotlines (the other end of the ``crowsnest`` destination).

A forward must be signed by a known peer (``core.forward_signing``); nonces are kept in the
database so a replay is refused by every worker. The delivery key makes the forward
arrive once: a re-sent forward (a retry after a lost answer) is acknowledged as a
duplicate. A new forward opens or joins the case for its URL, like a public report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.config import get_settings
from crowsnest.core.errors import InvalidInput
from crowsnest.core.forward_signing import ForwardVerifier
from crowsnest.core.urls import case_key, host_of, normalize_url
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import HotlineInbound, url_digest
from crowsnest.db.repositories import hotline_cases as repo
from crowsnest.db.repositories import hotline_reports as reports
from crowsnest.services import hotline_audit as audit
from crowsnest.services.hotline_tx import writes

MAX_BODY = 256 * 1024


class DatabaseNonces:
    """Nonce store on the ``hotline_nonces`` table (shared by every worker)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key_id: str, nonce: str, expires_at: float) -> bool:
        now = utcnow()
        return repo.add_nonce(self._session, key_id, nonce[:64],
                              datetime.fromtimestamp(expires_at, now.tzinfo), now)


@writes
def receive_forward(session: Session, headers: Mapping[str, str], body: bytes,
                    keys: Mapping[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Verify and store a forward; returns (HTTP status, answer). Raises InvalidForward."""
    if len(body) > MAX_BODY:
        raise InvalidInput(f"a forward is at most {MAX_BODY} bytes")
    secrets = {k: v.encode() for k, v in (keys if keys is not None
                                          else get_settings().hotline_peer_keys).items()}
    key_id = ForwardVerifier(secrets, DatabaseNonces(session)).verify(headers, body)
    document = _parse(body)
    if repo.inbound_by_key(session, document["key"]) is not None:
        return 200, {"status": "duplicate"}
    case_id = _open_case(session, document, key_id)
    if not repo.add_inbound(session, HotlineInbound(delivery_key=document["key"], key_id=key_id,
                                                    case_id=case_id, payload=document)):
        return 200, {"status": "duplicate"}  # a concurrent copy won the race
    audit.record(session, actor=f"peer:{key_id}", action="case.forward_received",
                 subject_type="case", subject_id=case_id,
                 detail={"key": document["key"], "reference": document["case"].get("reference")})
    return 201, {"status": "accepted", "reference": str(case_id)}


def _parse(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise InvalidInput("a forward must be JSON") from None
    case = (document.get("payload") or {}).get("case") if isinstance(document, dict) else None
    if not isinstance(document.get("key"), str) or not isinstance(case, dict) \
            or not isinstance(case.get("url"), str):
        raise InvalidInput("a forward needs a key and payload.case.url")
    if len(document["key"]) > 200:
        raise InvalidInput("a forward's key is at most 200 characters")
    document["case"] = case
    return document


def _open_case(session: Session, document: dict[str, Any], key_id: str) -> int:
    url = normalize_url(document["case"]["url"])
    now = utcnow()
    case, created = reports.get_or_create_case(session, url_digest(case_key(url)), {
        "url": url, "host": host_of(url)[:253], "status": "new", "report_count": 1,
        "hash_match_count": 0, "classification": {}, "trace": {}, "source": f"forward:{key_id}",
        "first_reported_at": now, "last_reported_at": now, "updated_at": now})
    if not created:
        reports.count_report(session, case.id, now)
    session.flush()
    return case.id


def purge_nonces(session: Session, older_than: timedelta = timedelta(0)) -> None:
    repo.purge_nonces(session, utcnow() - older_than)
