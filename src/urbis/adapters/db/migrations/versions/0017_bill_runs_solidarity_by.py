"""
Bill runs name what priced their subsidies and contributions: a ``subsidy_factor`` pack version
or the tariffs' solidarity classes.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bill_runs", sa.Column("solidarity_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bill_runs") as batch:
        batch.drop_column("solidarity_by")
