"""Items of a case: each image or video at the URL, classified, with its hashes.

Hashes are validated by their signal types. With ``bank`` given, the hashes are added to
that bank in the same step, labelled with the item's classification (``industry:A1``)
and the case, which is how a hotline's assessments become a hash list. Hashes that match
entries already in a bank raise the case's priority (``hash_match_count``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.classification import scheme
from crowsnest.core.errors import InvalidInput
from crowsnest.db.models_hotline import HotlineCaseItem
from crowsnest.db.repositories import hotline_cases as repo
from crowsnest.services import banks as bank_service
from crowsnest.services import hotline_audit as audit
from crowsnest.services.hotline_analysts import Actor, require
from crowsnest.services.hotline_cases import require_case
from crowsnest.services.matching import Matcher
from crowsnest.services.hotline_tx import writes

ITEM_TYPES = ("image", "video")
MAX_HASHES = 8


@writes
def add_item(session: Session, case_id: int, actor: Actor, *, content_type: str,
             scheme_name: str, value: str, hashes: dict[str, str] | None = None,
             bank: str | None = None, note: str | None = None,
             matcher: Matcher | None = None) -> dict[str, Any]:
    """Record one classified item; optionally add its hashes to ``bank`` in the same step.

    Matches are counted with ``matcher`` (a service worker's live index) or, without one,
    with a matcher built from the database for the item's signal types.
    """
    require(actor, "analyst")
    if content_type not in ITEM_TYPES:
        raise InvalidInput(f"an item is one of {', '.join(ITEM_TYPES)}")
    found = scheme(scheme_name)
    label = found.label(value)
    canonical = _canonical_hashes(hashes or {})
    case = require_case(session, case_id, for_update=True)
    matches = _count_matches(session, canonical, matcher)
    entry_ids = []
    if bank and canonical:
        for signal_type, hash_value in canonical.items():
            added = bank_service.add_hash(
                session, bank, signal_type, hash_value, labels=[label, f"hotline-case:{case.id}"],
                source="hotline", external_id=f"case-{case.id}", added_by=actor.username)
            entry_ids.append(added.entry.id)
    item = repo.add_item(session, HotlineCaseItem(
        case_id=case.id, content_type=content_type, scheme=found.name,
        value=found.validate(value), hashes=canonical, bank_entry_ids=entry_ids,
        note=(note or "")[:2000] or None, added_by=actor.username))
    if matches:
        case.hash_match_count += matches
    session.flush()
    audit.record(session, actor=actor.username, action="case.item", subject_type="case",
                 subject_id=case.id, detail={"item": item.id, "label": label,
                                             "hashes": sorted(canonical), "bank": bank,
                                             "matches": matches})
    return {"id": item.id, "classification": label, "hashes": canonical,
            "bank_entry_ids": entry_ids, "matches": matches}


def _canonical_hashes(hashes: dict[str, str]) -> dict[str, str]:
    if not isinstance(hashes, dict) or len(hashes) > MAX_HASHES:
        raise InvalidInput(f"hashes are an object of at most {MAX_HASHES} signal types")
    return {name: bank_service.canonical_value(name, value)[1] for name, value in hashes.items()}


def _count_matches(session: Session, hashes: dict[str, str], matcher: Matcher | None) -> int:
    """How many bank entries the hashes match (before any are added by this item)."""
    if not hashes:
        return 0
    matcher = matcher or Matcher.build(session, signal_types=sorted(hashes))
    return len(matcher.match_signals(session, hashes))
