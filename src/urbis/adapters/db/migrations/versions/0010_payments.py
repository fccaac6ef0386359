"""
Payments: payments with their allocations, idempotency keys, imported bank files, deposits and
each utility's allocation strategy.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 09:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("entry_id", sa.String(length=26), nullable=False),
        sa.Column("allocations", sa.JSON(), nullable=False),
        sa.Column("credit_minor", sa.BigInteger(), nullable=False),
        sa.Column("reversal_entry_id", sa.String(length=26), nullable=True),
        sa.Column("reversal_reason", sa.Text(), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=True),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("file_id", sa.String(length=26), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint("status IN ('POSTED', 'REVERSED')", name=op.f("ck_payments_status")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_payments_account_id_accounts")
        ),
        _tenant_fk("payments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "tenant_id", "bank_code", "transaction_id", name="uq_payments_bank_transaction"
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_account", ["tenant_id", "account_id", "received_at"], unique=False
        )
    op.create_table(
        "payment_requests",
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=26), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_fk("payment_requests"),
        sa.PrimaryKeyConstraint("tenant_id", "idempotency_key", name=op.f("pk_payment_requests")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "payment_files",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        _tenant_fk("payment_files"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_files")),
        sa.UniqueConstraint("tenant_id", "digest", name="uq_payment_files_digest"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "deposits",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("entry_id", sa.String(length=26), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closing_entry_id", sa.String(length=26), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_deposits_amount_positive")),
        sa.CheckConstraint(
            "status IN ('HELD', 'APPLIED', 'REFUNDED')", name=op.f("ck_deposits_status")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_deposits_account_id_accounts")
        ),
        _tenant_fk("deposits"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposits")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.create_index("ix_deposits_account", ["tenant_id", "account_id"], unique=False)
    op.create_table(
        "payment_settings",
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("allocation_strategy", sa.String(length=24), nullable=False),
        _tenant_fk("payment_settings"),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_payment_settings")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("payment_settings")
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.drop_index("ix_deposits_account")
    op.drop_table("deposits")
    op.drop_table("payment_files")
    op.drop_table("payment_requests")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_account")
    op.drop_table("payments")
