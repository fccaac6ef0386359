"""
Tariffs: a header per tariff code and its versions, each kept as its urbis tariff document.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tariffs",
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tariffs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "code", name=op.f("pk_tariffs")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tariff_versions",
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "code"],
            ["tariffs.tenant_id", "tariffs.code"],
            name="fk_tariff_versions_tariff",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "code", "version", name=op.f("pk_tariff_versions")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("tariff_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tariff_versions_from", ["tenant_id", "code", "active_from"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tariff_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_tariff_versions_from")
    op.drop_table("tariff_versions")
    op.drop_table("tariffs")
