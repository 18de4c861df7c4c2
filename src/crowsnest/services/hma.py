"""HMA 2.0 semantics on top of crowsnest's banks and indexes (see docs/hma-compat.md).

HMA's vocabulary differs from ours in a few places, translated here: bank names must be
``UPPER_WITH_UNDERSCORE``; a bank has a ``matching_enabled_ratio`` (0 = disabled); a
"content" is our entry; HMA's ``video_md5`` is our ``md5``. Errors carry HMA's status codes
and messages (:class:`HmaError`), which the web layer renders as ``{"message": ...}``.
The enabled ratio is applied as a deterministic stable sample, never a coin flip.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core import registry
from crowsnest.core.errors import Conflict, CrowsnestError, NotFound
from crowsnest.core.sampling import in_sample
from crowsnest.db.repositories import actions as settings_repo
from crowsnest.db.repositories import banks as bank_repo
from crowsnest.db.repositories import entries as entry_repo
from crowsnest.services import banks as bank_service
from crowsnest.services.actions import enqueue_match_events
from crowsnest.services.index_sync import IndexSync
from crowsnest.services.lookup import HashQuery, find_candidates, record, resolve

BANK_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
ALIASES = {"video_md5": "md5"}
DISABLED, ENABLED = 0, 1
FIVE_YEARS_S = 5 * 365 * 24 * 3600


class HmaError(CrowsnestError):
    """An error with HMA's own status code and message."""

    code = "hma_error"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status
        self.exit_code = 2


def signal_type_name(name: str) -> str:
    """Our signal type for an HMA name (``video_md5`` -> ``md5``); 400 if unknown."""
    ours = ALIASES.get(name, name)
    if ours not in registry.signal_types():
        raise HmaError(400, f"No such SignalType '{name}'")
    return ours


def validate_signal(name: str, value: str) -> tuple[str, str]:
    """``(our signal type, canonical value)``; HMA's 400 messages otherwise."""
    ours = signal_type_name(name)
    try:
        return ours, registry.signal_type(ours).validate(value.strip())
    except CrowsnestError as error:
        raise HmaError(400, f"invalid signal: {error.message}") from None


def check_bank_name(name: Any) -> str:
    """HMA's bank-name rule, else 400."""
    if not isinstance(name, str) or not BANK_NAME.fullmatch(name) or len(name) > 200:
        raise HmaError(400, "Bank names must be UPPER_WITH_UNDERSCORE")
    return name


def check_ratio(ratio: Any) -> float:
    """An enabled ratio in [0, 1], else 400."""
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
        raise HmaError(400, "enabled_ratio must be a number from 0.0 to 1.0")
    return float(ratio)


# -- banks ---------------------------------------------------------------------------
def _bank_json(name: str, enabled: bool, ratio: float) -> dict[str, Any]:
    return {"name": name, "matching_enabled_ratio": ratio if enabled else 0.0}


def list_banks(session: Session) -> list[dict[str, Any]]:
    """``[{"name", "matching_enabled_ratio"}]``."""
    ratios = settings_repo.ratios(session)
    return [_bank_json(b.name, b.enabled, ratios.get(b.id, 1.0))
            for b in bank_repo.list_all(session)]


def get_bank(session: Session, name: str, missing: str | None = None) -> dict[str, Any]:
    """One bank; 404 with HMA's message if absent."""
    bank = bank_repo.get_by_name(session, name)
    if bank is None:
        raise HmaError(404, missing or f"bank '{name}' not found")
    ratio = settings_repo.ratios(session, [bank.id]).get(bank.id, 1.0)
    return _bank_json(bank.name, bank.enabled, ratio)


def _ratio_from(enabled: Any, ratio: Any) -> float | None:
    if ratio is not None:
        return check_ratio(ratio)
    if enabled is not None:
        if not isinstance(enabled, bool):
            raise HmaError(400, "enabled must be a boolean")
        return 1.0 if enabled else 0.0
    return None


def create_bank(session: Session, name: Any, enabled: Any = None, ratio: Any = None) -> dict[str, Any]:
    """Create a bank; 403 when the name exists (HMA's code for it)."""
    name = check_bank_name(name)
    value = _ratio_from(enabled, ratio)
    value = 1.0 if value is None else value
    try:
        info = bank_service.create_bank(session, name, enabled=value > 0)
    except Conflict:
        raise HmaError(403, "Bank already exists") from None
    settings_repo.set_ratio(session, info.id, value if value > 0 else 1.0)
    return _bank_json(info.name, value > 0, value)


def update_bank(session: Session, name: str, new_name: Any = None, enabled: Any = None,
                ratio: Any = None) -> dict[str, Any]:
    """Rename and/or change the enabled ratio; 404, 400, 403 as HMA."""
    bank = bank_repo.get_by_name(session, name)
    if bank is None:
        raise HmaError(404, "Bank not found")
    if new_name is not None and new_name != bank.name:
        check_bank_name(new_name)
        try:
            bank_service.rename_bank(session, bank.name, new_name)
        except Conflict:
            raise HmaError(403, "Bank name already exists") from None
    value = _ratio_from(enabled, ratio)
    if value is not None:
        bank_service.set_bank_enabled(session, bank.name, value > 0)
        if value > 0:
            settings_repo.set_ratio(session, bank.id, value)
    return get_bank(session, bank.name)


def delete_bank(session: Session, name: str) -> dict[str, str]:
    """Delete; succeeds for an absent bank too (as HMA)."""
    try:
        bank_service.delete_bank(session, name)
    except NotFound:
        pass
    return {"message": "Done"}


# -- content -------------------------------------------------------------------------
def add_signals(session: Session, bank: str, signals: Any, actor: str | None,
                metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Add ``{signal_type: value}`` as entries; ``{"id", "signals"}`` like HMA."""
    if bank_repo.get_by_name(session, bank) is None:
        raise HmaError(404, f"bank '{bank}' not found")
    if not isinstance(signals, dict) or not signals:
        raise HmaError(400, "No signals given")
    clean: dict[str, tuple[str, str]] = {}
    for name, value in signals.items():
        if not isinstance(value, str):
            raise HmaError(400, f"Invalid {name} signal: not a string")
        if ALIASES.get(name, name) not in registry.signal_types():
            raise HmaError(400, f"No such signal type {name}")
        try:
            clean[name] = validate_signal(name, value)
        except HmaError as error:
            raise HmaError(400, f"Invalid {name} signal: {error.message}") from None
    meta = dict(metadata or {})
    ids = []
    for name, (ours, value) in clean.items():
        result = bank_service.add_hash(
            session, bank, ours, value, external_id=meta.get("content_id"),
            source=meta.get("content_uri"), added_by=actor)
        ids.append(result.entry.id)
    return {"id": ids[0], "signals": {name: value for name, (_, value) in clean.items()}}


def _entry_in_bank(session: Session, bank: str, content_id: int) -> Any:
    row = bank_repo.get_by_name(session, bank)
    if row is None:
        raise HmaError(404, f"bank '{bank}' not found")
    entry = entry_repo.get(session, content_id)
    if entry is None or entry.bank_id != row.id:
        raise HmaError(404, f"content '{content_id}' not found")
    return row, entry


def get_content(session: Session, bank: str, content_id: int, *, include_signals: bool,
                signal_type: str | None) -> dict[str, Any]:
    """HMA's BankContentResponse for one entry."""
    row, entry = _entry_in_bank(session, bank, content_id)
    ratio = settings_repo.ratios(session, [row.id]).get(row.id, 1.0)
    out: dict[str, Any] = {
        "id": entry.id, "disable_until_ts": ENABLED if entry.enabled else DISABLED,
        "original_media_uri": None, "bank": _bank_json(row.name, row.enabled, ratio),
        "metadata": {"content_id": entry.external_id, "content_uri": entry.source,
                     "json": None, "collab": None},
        "note": entry.note,
    }
    if signal_type is not None:
        ours = ALIASES.get(signal_type, signal_type)
        if ours not in registry.signal_types():
            raise HmaError(400, f"No such signal type '{signal_type}'")
        out["signals"] = {signal_type: entry.value} if entry.signal_type == ours else {}
    elif include_signals:
        out["signals"] = {entry.signal_type: entry.value}
    return out


def update_content(session: Session, bank: str, content_id: int, data: Any) -> dict[str, Any]:
    """Apply ``disable_until_ts`` (0 disabled, 1 enabled, a time in the future disabled)."""
    row, entry = _entry_in_bank(session, bank, content_id)
    if not isinstance(data, dict):
        raise HmaError(400, "this endpoint expects a json object payload")
    if "disable_until_ts" in data:
        raw = data["disable_until_ts"]
        try:
            ts = int(raw)
        except (TypeError, ValueError):
            raise HmaError(400, f"Invalid int: '{raw}'") from None
        if ts < 0:
            raise HmaError(400, "disable_until_ts must be a non-negative integer")
        if ts > time.time() + FIVE_YEARS_S:
            raise HmaError(400, "disable_until_ts must be less than 5 years in the future")
        enabled = ts == ENABLED or (ts > ENABLED and ts <= time.time())
        bank_service.set_entry_enabled(session, entry.id, enabled)
    ratio = settings_repo.ratios(session, [row.id]).get(row.id, 1.0)
    return {"id": entry.id, "disable_until_ts": ENABLED if entry.enabled else DISABLED,
            "collab_metadata": {}, "original_media_uri": None,
            "bank": _bank_json(row.name, row.enabled, ratio)}


def delete_content(session: Session, bank: str, content_id: int) -> dict[str, int]:
    """``{"deleted": n}``; 404 for an unknown bank."""
    row = bank_repo.get_by_name(session, bank)
    if row is None:
        raise HmaError(404, f"bank '{bank}' not found")
    entry = entry_repo.get(session, content_id)
    if entry is None or entry.bank_id != row.id:
        return {"deleted": 0}
    bank_service.delete_entry(session, content_id)
    return {"deleted": 1}


# -- matching ------------------------------------------------------------------------
def _bank_filter(banks: str | None) -> set[str] | None:
    return {b for b in banks.split(",") if b} if banks else None


def raw_lookup(session: Session, sync: IndexSync, signal_type: str, signal: str, *,
               include_distance: bool, banks: str | None) -> dict[str, Any]:
    """Index hits without enabled checks (HMA's raw lookup)."""
    ours, value = validate_signal(signal_type, signal)
    matcher = sync.require()
    limit = sync.pdq_threshold if ours == "pdq" else int(registry.signal_type(ours).default_threshold)
    with sync.lock:
        index = matcher.indexes.get(ours)
        hits = index.query(value, limit) if index is not None else []
    wanted = _bank_filter(banks)
    if wanted is not None:
        found = entry_repo.hits(session, [h.entry_id for h in hits])
        hits = [h for h in hits if h.entry_id in found and found[h.entry_id].bank_name in wanted]
    if include_distance:
        return {"matches": [{"bank_content_id": h.entry_id, "distance": str(h.distance)}
                            for h in hits]}
    return {"matches": [h.entry_id for h in hits]}


def lookup(session: Session, sync: IndexSync, signal_type: str, signal: str, *,
           banks: str | None = None, seed: str | None = None, bypass_coinflip: bool = False,
           actor: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """``{BANK: [{"bank_content_id", "distance"}]}`` for enabled content of sampled banks.

    Matches reported here also run the banks' actions (match events in the outbox), in
    the caller's transaction -- as on the ``/v1`` routes.
    """
    ours, value = validate_signal(signal_type, signal)
    clean, raw = find_candidates(sync, [HashQuery(ours, value)])
    if not any(raw):
        record(clean, [[]])
        return {}  # a miss needs no database round trip
    items = resolve(session, sync, clean, raw)[0]
    if not items:
        return {}
    wanted = _bank_filter(banks)
    names = {i.bank for i in items}
    rows = bank_repo.get_many_by_name(session, names)
    ratios = settings_repo.ratios(session, [b.id for b in rows.values()])
    key = seed if seed is not None else f"{ours}:{value}"
    out: dict[str, list[dict[str, Any]]] = {}
    reported = []
    for item in items:
        bank = rows.get(item.bank)
        if bank is None or (wanted is not None and item.bank not in wanted):
            continue
        ratio = ratios.get(bank.id, 1.0)
        if not bypass_coinflip and not in_sample(key, ratio, salt=item.bank):
            continue
        reported.append(item)
        out.setdefault(item.bank, []).append(
            {"bank_content_id": item.entry_id, "distance": str(item.distance)})
    content = {"type": "hashes", "hashes": [{"signal_type": ours, "value": value}], "via": "hma"}
    enqueue_match_events(session, reported, content, actor=actor)
    return out


def compare(body: Any, pdq_threshold: int) -> dict[str, Any]:
    """HMA's ``/m/compare``: ``{type: [matches?, {"distance": n}]}``."""
    if not isinstance(body, dict):
        raise HmaError(400, "Request input was not a dict")
    out: dict[str, Any] = {}
    for name, pair in body.items():
        if not isinstance(pair, list):
            raise HmaError(400, f"Comparison hashes for {name} was not a list")
        if len(pair) != 2:
            raise HmaError(400, "Comparison hash list length must be exactly 2")
        ours = signal_type_name(name)
        signal = registry.signal_type(ours)
        try:
            left, right = (signal.validate(str(v).strip()) for v in pair)
            distance = int(signal.distance(left, right))
        except CrowsnestError as error:
            raise HmaError(400, f"Invalid {name} hash: {error.message}") from None
        limit = pdq_threshold if ours == "pdq" else int(signal.default_threshold)
        out[name] = [distance <= limit, {"distance": distance}]
    return out


def index_status(sync: IndexSync, signal_type: str | None) -> dict[str, Any]:
    """``{type: {"built_to", "present", "size"}}``; 400 for an unknown type."""
    names: Iterable[str] = registry.signal_types()
    if signal_type is not None:
        names = [signal_type_name(signal_type)]
    status = sync.status()
    built = status.last_change_at or sync.loaded_at
    built_to = int(built.timestamp()) if built else -1
    out = {}
    for name in names:
        present = status.loaded and name in status.sizes
        out[name] = {"built_to": built_to if present else -1, "present": present,
                     "size": status.sizes.get(name, 0)}
    return out
