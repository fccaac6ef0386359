"""
Bill lines keep what they price and at what: the rating engine's quantity (thousandths of its
unit) and unit price (millionths), null for lines without one and for bills stored before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bill_lines") as batch:
        batch.add_column(sa.Column("quantity_milli", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("unit_price_micro", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bill_lines") as batch:
        batch.drop_column("unit_price_micro")
        batch.drop_column("quantity_milli")
