"""Pydantic request and response models of the ``/v1`` API (never ORM objects)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Orientation = Literal["original", "all"]


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class SignalOut(BaseModel):
    hash: str
    quality: int | None = Field(None, description="Hasher's quality score (PDQ: 0-100)")
    low_quality: bool | None = Field(None, description="PDQ quality below 50")
    extra: dict[str, Any] = Field(default_factory=dict)


class HashOut(BaseModel):
    content_type: str
    signals: dict[str, SignalOut]


class MatchOut(BaseModel):
    bank: str
    entry_id: int
    signal_type: str
    distance: int
    labels: list[str]
    variant: str | None = Field(None, description="Rotated/mirrored PDQ variant that matched")


class MediaMatchOut(HashOut):
    matches: list[MatchOut]
    events: int = Field(0, description="Match events queued for bank actions (webhooks)")


class HashIn(Strict):
    signal_type: str = Field(..., max_length=64, examples=["pdq"])
    value: str = Field(..., max_length=100_000)


class HashBatchIn(Strict):
    hashes: list[HashIn] = Field(..., min_length=1, max_length=1000)
    banks: list[str] | None = Field(None, description="Only these banks (default: all)")
    threshold: int | None = Field(None, ge=0, le=256, description="PDQ threshold for this query")


class HashResultOut(BaseModel):
    signal_type: str
    value: str
    matches: list[MatchOut]


class HashBatchOut(BaseModel):
    results: list[HashResultOut]
    events: int = 0


class BankIn(Strict):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    enabled: bool = True
    pdq_threshold: int | None = Field(None, ge=0, le=256)


class BankPatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    enabled: bool | None = None
    pdq_threshold: int | None = Field(None, ge=0, le=256)
    clear_pdq_threshold: bool = False


class BankOut(BaseModel):
    id: int
    name: str
    description: str
    enabled: bool
    pdq_threshold: int | None
    created_at: datetime
    updated_at: datetime
    entry_counts: dict[str, int]
    total_entries: int


class EntryIn(Strict):
    signal_type: str = Field(..., max_length=64)
    value: str = Field(..., max_length=100_000)
    labels: list[str] = Field(default_factory=list, max_length=100)
    source: str | None = Field(None, max_length=2000)
    external_id: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=10_000)


class EntryPatch(Strict):
    enabled: bool


class EntryOut(BaseModel):
    id: int
    bank: str
    signal_type: str
    value: str
    enabled: bool
    labels: list[str]
    source: str | None
    external_id: str | None
    note: str | None
    added_at: datetime
    added_by: str | None


class EntryAddOut(BaseModel):
    entry: EntryOut
    created: bool
    quality: int | None = None


class RowErrorOut(BaseModel):
    line: int
    message: str


class ImportOut(BaseModel):
    bank: str
    format: str
    read: int
    inserted: int
    merged: int
    skipped: int
    errors: list[RowErrorOut] = Field(description="The first 1,000 bad rows (skip_invalid)")
    errors_truncated: bool = Field(False, description="More bad rows were skipped than listed")


class IndexOut(BaseModel):
    loaded: bool
    fresh: bool
    sizes: dict[str, int]
    last_change_id: int
    last_change_at: datetime | None
    seconds_since_refresh: float | None
    loaded_from: str | None = Field(None, description='"snapshot" or "database"')
    load_seconds: float | None = Field(None, description="Time to load and catch up at start-up")


class ActionIn(Strict):
    name: str = Field(..., min_length=1, max_length=100)
    destination: str = Field("webhook", max_length=64)
    target: dict[str, Any] = Field(..., description='webhook: {"url", "secret", "headers"?}')
    enabled: bool = True


class ActionOut(BaseModel):
    name: str
    bank: str
    destination: str
    target: dict[str, Any]
    enabled: bool
    created_at: datetime
    created_by: str | None


class DeliveryOut(BaseModel):
    id: int
    key: str
    kind: str
    destination: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class Deleted(BaseModel):
    deleted: bool = True
    entries_removed: int | None = None


class ErrorOut(BaseModel):
    error: str
    detail: str
    context: Any | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 403, 404, 409, 413, 415, 422)
}
