"""
Payment promises (a customer's promise to pay an amount by a date) and the day a service order
is scheduled for.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from urbis.adapters.db.tables import ExactDecimal, UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_orders") as batch:
        batch.add_column(sa.Column("scheduled_date", sa.Date(), nullable=True))
    op.create_table(
        "payment_promises",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("made_at", UtcDateTime(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("taken_by", sa.String(length=26), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('OPEN', 'KEPT', 'BROKEN', 'CANCELLED')",
            name=op.f("ck_payment_promises_status"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_promises_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_payment_promises_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_promises")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_payment_promises_account", "payment_promises", ["tenant_id", "account_id"])
    op.create_index("ix_payment_promises_status", "payment_promises", ["tenant_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_payment_promises_status", table_name="payment_promises")
    op.drop_index("ix_payment_promises_account", table_name="payment_promises")
    op.drop_table("payment_promises")
    with op.batch_alter_table("service_orders") as batch:
        batch.drop_column("scheduled_date")
