"""
Billing: bill cycles, bill runs and their batches, bills with their lines, run exceptions.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _aware() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bill_cycles",
        sa.Column("tenant_id", sa.String(26), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("read_day", sa.SmallInteger(), nullable=False),
        sa.Column("bill_day", sa.SmallInteger(), nullable=False),
        sa.Column("due_days", sa.SmallInteger(), nullable=False),
        sa.Column("suspension_days", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bill_cycles_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "code", name="pk_bill_cycles"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "bill_runs",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), nullable=False),
        sa.Column("cycle", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("run_type", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("started_at", _aware(), nullable=False),
        sa.Column("finished_at", _aware(), nullable=True),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=True),
        sa.CheckConstraint("run_type IN ('TRIAL', 'FINAL')", name=op.f("ck_bill_runs_run_type")),
        sa.CheckConstraint("status IN ('RUNNING', 'COMPLETED')", name=op.f("ck_bill_runs_status")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bill_runs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_runs")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_bill_runs_cycle", "bill_runs", ["tenant_id", "cycle", "period"])
    op.create_table(
        "bill_run_batches",
        sa.Column("run_id", sa.String(26), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_account", sa.String(26), nullable=False),
        sa.Column("last_account", sa.String(26), nullable=False),
        sa.Column("committed_at", _aware(), nullable=True),
        sa.Column("bills", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("exceptions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["bill_runs.id"], name=op.f("fk_bill_run_batches_run_id_bill_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "number", name="pk_bill_run_batches"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), nullable=False),
        sa.Column("run_id", sa.String(26), nullable=False),
        sa.Column("run_key", sa.String(26), nullable=False),
        sa.Column("agreement_id", sa.String(26), nullable=False),
        sa.Column("account_id", sa.String(26), nullable=False),
        sa.Column("service", sa.String(12), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("hold_reason", sa.String(40), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("subsidy", sa.BigInteger(), nullable=False),
        sa.Column("contribution", sa.BigInteger(), nullable=False),
        sa.Column("taxes", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("consumption_milli", sa.BigInteger(), nullable=False),
        sa.Column("previous_read", sa.Float(), nullable=True),
        sa.Column("current_read", sa.Float(), nullable=True),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("created_at", _aware(), nullable=False),
        sa.Column("rebills", sa.String(26), nullable=True),
        sa.Column("entry_id", sa.String(40), nullable=True),
        sa.Column("cancelled_at", _aware(), nullable=True),
        sa.Column("cancel_reason", sa.String(200), nullable=True),
        sa.Column("cancel_entry_id", sa.String(40), nullable=True),
        sa.CheckConstraint(
            "status IN ('ISSUED', 'HELD', 'CANCELLED', 'TRIAL')", name=op.f("ck_bills_status")
        ),
        sa.CheckConstraint(
            "total = revenue - subsidy + contribution + taxes", name=op.f("ck_bills_totals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "uq_bills_one_per_agreement_period",
        "bills",
        ["tenant_id", "agreement_id", "period", "run_key"],
        unique=True,
        sqlite_where=sa.text("status <> 'CANCELLED'"),
        postgresql_where=sa.text("status <> 'CANCELLED'"),
    )
    op.create_index("ix_bills_account", "bills", ["tenant_id", "account_id", "period"])
    op.create_index("ix_bills_run", "bills", ["run_id", "status"])
    op.create_table(
        "bill_lines",
        sa.Column("bill_id", sa.String(26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("tariff", sa.String(100), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("block", sa.String(40), nullable=False),
        sa.Column("part", sa.String(12), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bill_id", "position", name="pk_bill_lines"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "bill_run_exceptions",
        sa.Column("run_id", sa.String(26), nullable=False),
        sa.Column("agreement_id", sa.String(26), nullable=False),
        sa.Column("account_id", sa.String(26), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "agreement_id", name="pk_bill_run_exceptions"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("bill_run_exceptions")
    op.drop_table("bill_lines")
    op.drop_index("ix_bills_run", table_name="bills")
    op.drop_index("ix_bills_account", table_name="bills")
    op.drop_index("uq_bills_one_per_agreement_period", table_name="bills")
    op.drop_table("bills")
    op.drop_table("bill_run_batches")
    op.drop_index("ix_bill_runs_cycle", table_name="bill_runs")
    op.drop_table("bill_runs")
    op.drop_table("bill_cycles")
