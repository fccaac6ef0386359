"""
City services: Open311 service requests, each linked to the case that routes it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:05:03.411830
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_requests",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_notes", sa.Text(), nullable=True),
        sa.Column("token", sa.String(length=40), nullable=True),
        sa.Column("case_id", sa.String(length=26), nullable=True),
        sa.Column("case_number", sa.String(length=20), nullable=True),
        sa.Column("service_order_id", sa.String(length=40), nullable=True),
        sa.Column("submission", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_service_requests_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_service_requests_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_requests_requested", ["tenant_id", "requested_at"], unique=False
        )
        batch_op.create_index("ix_service_requests_token", ["tenant_id", "token"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_service_requests_token")
        batch_op.drop_index("ix_service_requests_requested")

    op.drop_table("service_requests")
