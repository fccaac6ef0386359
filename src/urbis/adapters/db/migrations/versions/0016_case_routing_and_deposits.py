"""
Contexts keep what their rule packs answered: a case where the case_routing pack sent it when
filed (queue, priority, the version that answered), an account the deposit the
deposit_required pack asked at opening (amount, reason, the version that answered); null for
cases and accounts from before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from urbis.adapters.db.tables import ExactDecimal

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("queue", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("priority", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("routed_by", sa.String(length=120), nullable=True))
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("deposit_amount", ExactDecimal(), nullable=True))
        batch.add_column(sa.Column("deposit_reason", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("deposit_decided_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("deposit_decided_by")
        batch.drop_column("deposit_reason")
        batch.drop_column("deposit_amount")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("routed_by")
        batch.drop_column("priority")
        batch.drop_column("queue")
