"""Shared rate-limit buckets for public intake (keyed hashes only, never addresses).

Revision ID: 0005_ratelimit
Revises: 0004_console_prefs
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_ratelimit"
down_revision: str | Sequence[str] | None = "0004_console_prefs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotline_ratelimit",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hotline_ratelimit")),
    )
    op.create_index(op.f("ix_hotline_ratelimit_updated"), "hotline_ratelimit", ["updated"])


def downgrade() -> None:
    op.drop_index(op.f("ix_hotline_ratelimit_updated"), table_name="hotline_ratelimit")
    op.drop_table("hotline_ratelimit")
