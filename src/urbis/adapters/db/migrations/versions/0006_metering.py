"""
Metering: register read versions (both databases); on PostgreSQL, the interval reads table
partitioned by month and its sequence counter per tenant (ADRs 0024 and 0025).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 09:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_reads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("meter", sa.String(length=40), nullable=False),
        sa.Column("register", sa.String(length=20), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("consumption", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=True),
        sa.Column("read_type", sa.String(length=10), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "read_type IN ('ACTUAL', 'CUSTOMER', 'ESTIMATED')",
            name=op.f("ck_register_reads_read_type"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_register_reads_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_reads")),
    )
    with op.batch_alter_table("register_reads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_register_reads_key", ["tenant_id", "meter", "register", "read_at"], unique=False
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "interval_reads",
        sa.Column("tenant_id", sa.String(length=26, collation="C"), nullable=False),
        sa.Column("meter", sa.String(length=40, collation="C"), nullable=False),
        sa.Column("channel", sa.String(length=20, collation="C"), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=True),
        sa.Column("quality", sa.String(length=12), nullable=True),
        sa.Column("method", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "meter", "channel", "start", "sequence", name=op.f("pk_interval_reads")
        ),
        postgresql_partition_by="RANGE (start)",
    )
    op.create_table(
        "interval_sequences",
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("next", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_interval_sequences")),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("interval_sequences")
        # dropping the parent drops every monthly partition with it
        op.drop_table("interval_reads")
    with op.batch_alter_table("register_reads", schema=None) as batch_op:
        batch_op.drop_index("ix_register_reads_key")
    op.drop_table("register_reads")
