"""Console preferences: how each analyst wants image previews shown.

Revision ID: 0004_console_prefs
Revises: 0003_hotline
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_console_prefs"
down_revision: str | Sequence[str] | None = "0003_hotline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hotline_analysts") as batch:
        batch.add_column(sa.Column("preview_mode", sa.String(16), nullable=False,
                                   server_default="blurred"))


def downgrade() -> None:
    with op.batch_alter_table("hotline_analysts") as batch:
        batch.drop_column("preview_mode")
