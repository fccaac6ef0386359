"""
Ledger: double-entry journal entries and their postings (amounts in minor units).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accounting_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reverses", sa.String(length=26), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_journal_entries_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_journal_entries_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("tenant_id", "source", name="uq_journal_entries_source"),
        sa.UniqueConstraint("tenant_id", "reverses", name="uq_journal_entries_reverses"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_journal_entries_account", "journal_entries", ["tenant_id", "account_id"], unique=False
    )
    op.create_table(
        "postings",
        sa.Column("entry_id", sa.String(length=26), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("ledger_account", sa.String(length=24), nullable=False),
        sa.Column("side", sa.String(length=6), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("service", sa.String(length=24), nullable=True),
        sa.Column("item", sa.String(length=40), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_postings_positive_amount")),
        sa.CheckConstraint("side IN ('DEBIT', 'CREDIT')", name=op.f("ck_postings_side")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_postings_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_postings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("entry_id", "line", name=op.f("pk_postings")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_postings_account", "postings", ["tenant_id", "account_id"], unique=False)
    op.create_index("ix_postings_item", "postings", ["tenant_id", "item"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_postings_item", table_name="postings")
    op.drop_index("ix_postings_account", table_name="postings")
    op.drop_table("postings")
    op.drop_index("ix_journal_entries_account", table_name="journal_entries")
    op.drop_table("journal_entries")
