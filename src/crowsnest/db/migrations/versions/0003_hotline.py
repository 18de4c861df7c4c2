"""Hotline schema: reports, cases, items, analysts, hash-chained audit log, messages,
inbound forwards and their nonces.

Revision ID: 0003_hotline
Revises: 0002_service
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crowsnest.db.models import UTCDateTime

revision: str = "0003_hotline"
down_revision: str | Sequence[str] | None = "0002_service"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, other: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{other}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{other}"))


def upgrade() -> None:
    op.create_table(
        "hotline_analysts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        _pk("hotline_analysts", "id"),
        sa.UniqueConstraint("username", name=op.f("uq_hotline_analysts_username")),
    )
    op.create_table(
        "hotline_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_hash", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("where_seen", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reporter_country", sa.String(2), nullable=True),
        sa.Column("reporter_language", sa.String(35), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("contact_purged_at", UTCDateTime(), nullable=True),
        _pk("hotline_reports", "id"),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_hotline_reports_receipt_hash")),
    )
    op.create_index(op.f("ix_hotline_reports_received_at"), "hotline_reports", ["received_at"])
    _create_cases()
    _create_case_children()
    _create_logs()


def _create_cases() -> None:
    op.create_table(
        "hotline_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_digest", sa.String(64), nullable=False),
        sa.Column("host", sa.String(253), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("hash_match_count", sa.Integer(), nullable=False),
        sa.Column("classification", sa.JSON(), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=True),
        sa.Column("age_group", sa.String(32), nullable=True),
        sa.Column("hosting_country", sa.String(2), nullable=True),
        sa.Column("hosting_provider", sa.String(200), nullable=True),
        sa.Column("hosting_asn", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("first_reported_at", UTCDateTime(), nullable=False),
        sa.Column("last_reported_at", UTCDateTime(), nullable=False),
        sa.Column("assessed_at", UTCDateTime(), nullable=True),
        sa.Column("actioned_at", UTCDateTime(), nullable=True),
        sa.Column("removal_check_at", UTCDateTime(), nullable=True),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("hotline_cases", "assignee_id", "hotline_analysts", "SET NULL"),
        _pk("hotline_cases", "id"),
        sa.UniqueConstraint("url_digest", name=op.f("uq_hotline_cases_url_digest")),
    )
    for column in ("host", "status", "assignee_id", "hosting_country"):
        op.create_index(op.f(f"ix_hotline_cases_{column}"), "hotline_cases", [column])


def _create_case_children() -> None:
    op.create_table(
        "hotline_report_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("raw_url", sa.Text(), nullable=False),
        _fk("hotline_report_urls", "report_id", "hotline_reports", "CASCADE"),
        _fk("hotline_report_urls", "case_id", "hotline_cases", "CASCADE"),
        _pk("hotline_report_urls", "id"),
    )
    op.create_index(op.f("ix_hotline_report_urls_report_id"), "hotline_report_urls", ["report_id"])
    op.create_index(op.f("ix_hotline_report_urls_case_id"), "hotline_report_urls", ["case_id"])
    op.create_table(
        "hotline_case_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(16), nullable=False),
        sa.Column("scheme", sa.String(64), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("hashes", sa.JSON(), nullable=False),
        sa.Column("bank_entry_ids", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        _fk("hotline_case_items", "case_id", "hotline_cases", "CASCADE"),
        _pk("hotline_case_items", "id"),
    )
    op.create_index(op.f("ix_hotline_case_items_case_id"), "hotline_case_items", ["case_id"])
    _create_messages()


def _create_messages() -> None:
    op.create_table(
        "hotline_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("outbox_key", sa.String(200), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("hotline_messages", "case_id", "hotline_cases", "CASCADE"),
        _pk("hotline_messages", "id"),
        sa.UniqueConstraint("outbox_key", name=op.f("uq_hotline_messages_outbox_key")),
    )
    op.create_index(op.f("ix_hotline_messages_case_id"), "hotline_messages", ["case_id"])
    op.create_table(
        "hotline_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_key", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(100), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        _fk("hotline_inbound", "case_id", "hotline_cases", "SET NULL"),
        _pk("hotline_inbound", "id"),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_hotline_inbound_delivery_key")),
    )


def _create_logs() -> None:
    op.create_table(
        "hotline_audit",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        _pk("hotline_audit", "seq"),
    )
    op.create_index("ix_hotline_audit_subject", "hotline_audit", ["subject_type", "subject_id"])
    op.create_table(
        "hotline_nonces",
        sa.Column("key_id", sa.String(100), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        _pk("hotline_nonces", "key_id", "nonce"),
    )
    op.create_index(op.f("ix_hotline_nonces_expires_at"), "hotline_nonces", ["expires_at"])
    op.create_table(
        "hotline_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("analyst_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        _fk("hotline_sessions", "analyst_id", "hotline_analysts", "CASCADE"),
        _pk("hotline_sessions", "token_hash"),
    )
    op.create_index(op.f("ix_hotline_sessions_analyst_id"), "hotline_sessions", ["analyst_id"])


def downgrade() -> None:
    for table in ("hotline_sessions", "hotline_nonces", "hotline_audit", "hotline_inbound", "hotline_messages",
                  "hotline_case_items", "hotline_report_urls", "hotline_cases",
                  "hotline_reports", "hotline_analysts"):
        op.drop_table(table)
