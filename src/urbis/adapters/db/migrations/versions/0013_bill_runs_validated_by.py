"""
Bill runs name what validated their bills: a rule pack version or the configured policy.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bill_runs", sa.Column("validated_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bill_runs") as batch:
        batch.drop_column("validated_by")
