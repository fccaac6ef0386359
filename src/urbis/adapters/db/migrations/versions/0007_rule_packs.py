"""
Rules: rule pack versions, tenant-scoped; the database itself refuses to change or delete a
published version (a trigger on SQLite and on PostgreSQL).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 09:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_GUARD = "rule_pack_versions_published_immutable"
_MESSAGE = "published rule pack versions are immutable"


def upgrade() -> None:
    op.create_table(
        "rule_pack_versions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("pack_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("extension_point", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("test_cases", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.String(length=26), nullable=False),
        sa.Column("editors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=26), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=26), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("based_on", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_rule_pack_versions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_pack_versions")),
        sa.UniqueConstraint(
            "tenant_id", "pack_key", "version", name="uq_rule_pack_versions_version"
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("rule_pack_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rule_pack_versions_point", ["tenant_id", "extension_point"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {_GUARD}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF OLD.status = 'PUBLISHED' THEN RAISE EXCEPTION '{_MESSAGE}'; END IF; "
            f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {_GUARD} BEFORE UPDATE OR DELETE ON rule_pack_versions "
            f"FOR EACH ROW EXECUTE FUNCTION {_GUARD}()"
        )
        return
    for when in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {_GUARD}_{when.lower()} BEFORE {when} ON rule_pack_versions "
            f"WHEN OLD.status = 'PUBLISHED' BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {_GUARD} ON rule_pack_versions")
        op.execute(f"DROP FUNCTION IF EXISTS {_GUARD}()")
    else:
        for when in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {_GUARD}_{when}")
    with op.batch_alter_table("rule_pack_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_rule_pack_versions_point")
    op.drop_table("rule_pack_versions")
