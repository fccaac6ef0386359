"""
Kept payloads can be marked reviewed: who reviewed one, and when.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rejected_payloads") as batch:
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rejected_payloads") as batch:
        batch.drop_column("reviewed_by")
        batch.drop_column("reviewed_at")
