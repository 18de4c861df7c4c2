"""SQLAlchemy models of the hotline (migration ``0003_hotline``).

* ``hotline_reports`` -- one public report: receipt hash, where seen, description,
  reporter country/language, contact e-mail (wiped after the retention period).
* ``hotline_cases`` -- one per canonical URL; repeated reports join it (``report_count``).
  ``url_digest`` (SHA-256 of the case key) carries the uniqueness, since URLs are too long
  for a portable unique index.
* ``hotline_report_urls`` -- which URLs (as typed and canonical) a report named, and the
  case each joined.
* ``hotline_case_items`` -- the images/videos found at a URL, each classified, with hashes.
* ``hotline_analysts`` -- accounts with a role, argon2 hash, optional TOTP, lock-out state.
* ``hotline_audit`` -- the hash-chained append-only log (``seq`` is the chain position).
* ``hotline_messages`` -- notices, referrals and forwards sent for a case (the outbox key
  links each to its delivery state).
* ``hotline_inbound`` -- forwards received from peer hotlines, by delivery key (so a
  forward sent twice arrives once), and ``hotline_nonces`` for replay protection shared by
  every worker.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crowsnest.db.models import Base, UTCDateTime, utcnow

ROLES = ("analyst", "supervisor", "admin")


def url_digest(key: str) -> str:
    """SHA-256 hex of a case key: the unique handle of a case."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class HotlineReport(Base):
    """A report from the public. No account, no IP address: only what the form holds."""

    __tablename__ = "hotline_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    where_seen: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    reporter_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    reporter_language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class HotlineCase(Base):
    """Everything reported about one canonical URL."""

    __tablename__ = "hotline_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    url_digest: Mapped[str] = mapped_column(String(64), unique=True)
    host: Mapped[str] = mapped_column(String(253), index=True)
    status: Mapped[str] = mapped_column(String(32), default="new", index=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("hotline_analysts.id", ondelete="SET NULL"), nullable=True, index=True)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    hash_match_count: Mapped[int] = mapped_column(Integer, default=0)
    classification: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    content_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    age_group: Mapped[str | None] = mapped_column(String(32), nullable=True)
    hosting_country: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)
    hosting_provider: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hosting_asn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    trace: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(200), default="public")
    first_reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    actioned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removal_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class HotlineReportUrl(Base):
    """One URL of one report, and the case it joined."""

    __tablename__ = "hotline_report_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("hotline_reports.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id", ondelete="CASCADE"),
                                         index=True)
    raw_url: Mapped[str] = mapped_column(Text)


class HotlineCaseItem(Base):
    """An image or video at a case's URL: its classification and hashes (never the media)."""

    __tablename__ = "hotline_case_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id", ondelete="CASCADE"),
                                         index=True)
    content_type: Mapped[str] = mapped_column(String(16))
    scheme: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(64))
    hashes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    bank_entry_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HotlineAnalyst(Base):
    """An analyst account."""

    __tablename__ = "hotline_analysts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default="analyst")
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: how image previews are shown to this analyst (see ``core.previews.PREVIEW_MODES``)
    preview_mode: Mapped[str] = mapped_column(String(16), default="blurred",
                                              server_default="blurred")


class HotlineAuditRecord(Base):
    """One record of the hash-chained audit log; ``seq`` is assigned by the appender."""

    __tablename__ = "hotline_audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_hotline_audit_subject", "subject_type", "subject_id"),)


class HotlineMessage(Base):
    """A notice, referral or forward sent for a case, linked to its outbox delivery."""

    __tablename__ = "hotline_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str] = mapped_column(String(64))
    contact_name: Mapped[str] = mapped_column(String(200))
    outbox_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HotlineInbound(Base):
    """A forward received from a peer hotline; ``delivery_key`` makes it arrive once."""

    __tablename__ = "hotline_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_key: Mapped[str] = mapped_column(String(200), unique=True)
    key_id: Mapped[str] = mapped_column(String(100))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("hotline_cases.id", ondelete="SET NULL"), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HotlineNonce(Base):
    """A nonce seen on a signed forward, kept until it can no longer be replayed."""

    __tablename__ = "hotline_nonces"

    key_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class HotlineSession(Base):
    """A signed-in analyst's bearer token, stored only as a hash, with an expiry."""

    __tablename__ = "hotline_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    analyst_id: Mapped[int] = mapped_column(
        ForeignKey("hotline_analysts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
