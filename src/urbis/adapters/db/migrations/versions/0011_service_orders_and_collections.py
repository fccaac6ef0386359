"""
Service orders and collections: field work orders, collection steps and runs, payment
arrangements and regulatory holds.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from urbis.adapters.db.tables import ExactDecimal, UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(length=26), nullable=False)


def _tenant(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "service_orders",
        _id(),
        *_tenant("service_orders"),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("service_point_id", sa.String(length=26), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=True),
        sa.Column("assigned_to", sa.String(length=64), nullable=True),
        sa.Column("assigned_at", UtcDateTime(), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("work_date", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("exchange", sa.JSON(), nullable=True),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_service_orders_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_points.id"],
            name=op.f("fk_service_orders_service_point_id_service_points"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_orders")),
        sa.UniqueConstraint("tenant_id", "source", name="uq_service_orders_tenant_source"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_service_orders_account", "service_orders", ["tenant_id", "account_id"])
    op.create_index(
        "ix_service_orders_status", "service_orders", ["tenant_id", "status", "created_at"]
    )

    op.create_table(
        "collection_runs",
        _id(),
        *_tenant("collection_runs"),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=120), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("evaluations", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_runs")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_collection_runs_started", "collection_runs", ["tenant_id", "started_at"])
    op.create_table(
        "collection_steps",
        sa.Column("id", sa.String(length=40), nullable=False),
        *_tenant("collection_steps"),
        sa.Column("run_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("episode", sa.String(length=60), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("amount_overdue", ExactDecimal(), nullable=False),
        sa.Column("service_order_id", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["collection_runs.id"],
            name=op.f("fk_collection_steps_run_id_collection_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_collection_steps_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_steps")),
        sa.UniqueConstraint("tenant_id", "key", name="uq_collection_steps_tenant_key"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_collection_steps_account", "collection_steps", ["tenant_id", "account_id"])
    op.create_table(
        "payment_arrangements",
        _id(),
        *_tenant("payment_arrangements"),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("debt", ExactDecimal(), nullable=False),
        sa.Column("down_payment", ExactDecimal(), nullable=False),
        sa.Column("monthly_rate", ExactDecimal(), nullable=False),
        sa.Column("rounding", sa.String(length=10), nullable=False),
        sa.Column("instalments", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_payment_arrangements_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_arrangements")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_payment_arrangements_account", "payment_arrangements", ["tenant_id", "account_id"]
    )
    op.create_index(
        "ix_payment_arrangements_status", "payment_arrangements", ["tenant_id", "status"]
    )
    op.create_table(
        "collection_protections",
        _id(),
        *_tenant("collection_protections"),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_collection_protections_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_protections")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_collection_protections_account", "collection_protections", ["tenant_id", "account_id"]
    )
    op.create_table(
        "regulatory_holds",
        _id(),
        *_tenant("regulatory_holds"),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulatory_holds")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("regulatory_holds")
    op.drop_index("ix_collection_protections_account", table_name="collection_protections")
    op.drop_table("collection_protections")
    op.drop_index("ix_payment_arrangements_status", table_name="payment_arrangements")
    op.drop_index("ix_payment_arrangements_account", table_name="payment_arrangements")
    op.drop_table("payment_arrangements")
    op.drop_index("ix_collection_steps_account", table_name="collection_steps")
    op.drop_table("collection_steps")
    op.drop_index("ix_collection_runs_started", table_name="collection_runs")
    op.drop_table("collection_runs")
    op.drop_index("ix_service_orders_status", table_name="service_orders")
    op.drop_index("ix_service_orders_account", table_name="service_orders")
    op.drop_table("service_orders")
