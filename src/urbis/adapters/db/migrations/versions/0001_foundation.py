"""
Foundation: tenants, users, customers, premises, meters, accounts, agreements, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 11:31:12.190903
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from urbis.adapters.db.tables import ExactDecimal

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nit", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("code", name=op.f("uq_tenants_code")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("actor_id", sa.String(length=26), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_audit_log_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_log_entity", ["tenant_id", "entity", "entity_id"], unique=False
        )

    op.create_table(
        "meters",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("multiplier", ExactDecimal(), nullable=False),
        sa.Column("dials", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('REGISTER', 'INTERVAL')", name=op.f("ck_meters_kind")),
        sa.CheckConstraint("dials BETWEEN 1 AND 12", name=op.f("ck_meters_dials")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_meters_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meters")),
        sa.UniqueConstraint("tenant_id", "serial", name="uq_meters_tenant_serial"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_search", sa.String(length=200), nullable=False),
        sa.Column("document_type", sa.String(length=10), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("document_country", sa.String(length=2), nullable=False),
        sa.CheckConstraint(
            "document_type IN ('CC', 'CE', 'NIT', 'PASSPORT', 'OTHER')",
            name=op.f("ck_parties_document_type"),
        ),
        sa.CheckConstraint("kind IN ('PERSON', 'ORGANISATION')", name=op.f("ck_parties_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_parties_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint(
            "tenant_id",
            "document_number",
            "document_type",
            "document_country",
            name="uq_parties_document",
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "premises",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("address_search", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("use_class", sa.String(length=12), nullable=False),
        sa.Column("stratum", sa.SmallInteger(), nullable=True),
        sa.Column("latitude", ExactDecimal(), nullable=True),
        sa.Column("longitude", ExactDecimal(), nullable=True),
        sa.Column("altitude_m", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "stratum IS NULL OR use_class = 'RESIDENTIAL'",
            name=op.f("ck_premises_stratum_only_residential"),
        ),
        sa.CheckConstraint(
            "use_class IN ('RESIDENTIAL', 'COMMERCIAL', 'INDUSTRIAL', 'OFFICIAL', 'SPECIAL')",
            name=op.f("ck_premises_use_class"),
        ),
        sa.CheckConstraint(
            "stratum IS NULL OR (stratum BETWEEN 1 AND 6)", name=op.f("ck_premises_stratum_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_premises_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premises")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("holder_id", sa.String(length=26), nullable=False),
        sa.Column("billing_cycle", sa.String(length=16), nullable=False),
        sa.Column("bill_delivery", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')", name=op.f("ck_accounts_status")
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["parties.id"], name=op.f("fk_accounts_holder_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_accounts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_accounts_tenant_number"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_cycle", ["tenant_id", "billing_cycle"], unique=False)
        batch_op.create_index("ix_accounts_holder", ["holder_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("party_id", sa.String(length=26), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_consents_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_consents_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index("ix_consents_party", ["party_id"], unique=False)

    op.create_table(
        "contact_points",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("party_id", sa.String(length=26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("preferred", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('EMAIL', 'MOBILE', 'PHONE', 'POSTAL')", name=op.f("ck_contact_points_kind")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_contact_points_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_contact_points_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_points")),
    )
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.create_index("ix_contact_points_party", ["party_id"], unique=False)
        batch_op.create_index("ix_contact_points_value", ["tenant_id", "value"], unique=False)

    op.create_table(
        "service_points",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("premise_id", sa.String(length=26), nullable=False),
        sa.Column("service", sa.String(length=12), nullable=False),
        sa.CheckConstraint(
            "service IN ('ELECTRICITY', 'WATER', 'SEWER', 'GAS', 'WASTE')",
            name=op.f("ck_service_points_service"),
        ),
        sa.ForeignKeyConstraint(
            ["premise_id"], ["premises.id"], name=op.f("fk_service_points_premise_id_premises")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_service_points_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_points")),
        sa.UniqueConstraint("premise_id", "service", name="uq_service_points_premise_service"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("party_id", sa.String(length=26), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_users_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_users_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("service_point_id", sa.String(length=26), nullable=False),
        sa.Column("tariff_code", sa.String(length=64), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "active_to IS NULL OR active_to > active_from", name=op.f("ck_agreements_active_span")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_agreements_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_points.id"],
            name=op.f("fk_agreements_service_point_id_service_points"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_agreements_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index("ix_agreements_account", ["account_id"], unique=False)
        batch_op.create_index("ix_agreements_point", ["service_point_id"], unique=False)

    op.create_table(
        "meter_installations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.Column("meter_id", sa.String(length=26), nullable=False),
        sa.Column("service_point_id", sa.String(length=26), nullable=False),
        sa.Column("installed_from", sa.Date(), nullable=False),
        sa.Column("installed_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "installed_to IS NULL OR installed_to > installed_from",
            name=op.f("ck_meter_installations_installed_span"),
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_meter_installations_meter_id_meters")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_points.id"],
            name=op.f("fk_meter_installations_service_point_id_service_points"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_meter_installations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_installations")),
    )
    with op.batch_alter_table("meter_installations", schema=None) as batch_op:
        batch_op.create_index("ix_meter_installations_meter", ["meter_id"], unique=False)
        batch_op.create_index("ix_meter_installations_point", ["service_point_id"], unique=False)

    _no_overlap_rules()


# Spans that must never overlap, enforced by the database: (table, constraint, key column,
# start column, end column). The constraint name is the error urbis maps to a stable code.
_NO_OVERLAP = (
    ("agreements", "agreements_no_overlap", "service_point_id", "active_from", "active_to"),
    (
        "meter_installations",
        "installations_meter_no_overlap",
        "meter_id",
        "installed_from",
        "installed_to",
    ),
    (
        "meter_installations",
        "installations_point_no_overlap",
        "service_point_id",
        "installed_from",
        "installed_to",
    ),
)


def _no_overlap_rules() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        for table, name, key, start, end in _NO_OVERLAP:
            op.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist "
                f"({key} WITH =, daterange({start}, {end}, '[)') WITH &&)"
            )
        return
    for table, name, key, start, end in _NO_OVERLAP:
        clash = (
            f"EXISTS (SELECT 1 FROM {table} o WHERE o.{key} = NEW.{key} "
            f"AND o.rowid IS NOT NEW.rowid "
            f"AND (o.{end} IS NULL OR o.{end} > NEW.{start}) "
            f"AND (NEW.{end} IS NULL OR NEW.{end} > o.{start}))"
        )
        for when in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER {name}_{when.lower()} BEFORE {when} ON {table} "
                f"WHEN {clash} BEGIN SELECT RAISE(ABORT, '{name}'); END"
            )


def _drop_no_overlap_rules() -> None:
    dialect = op.get_bind().dialect.name
    for table, name, *_ in _NO_OVERLAP:
        if dialect == "postgresql":
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
        else:
            for when in ("insert", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{when}")


def downgrade() -> None:
    _drop_no_overlap_rules()
    with op.batch_alter_table("meter_installations", schema=None) as batch_op:
        batch_op.drop_index("ix_meter_installations_point")
        batch_op.drop_index("ix_meter_installations_meter")

    op.drop_table("meter_installations")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_agreements_point")
        batch_op.drop_index("ix_agreements_account")

    op.drop_table("agreements")
    op.drop_table("users")
    op.drop_table("service_points")
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_points_value")
        batch_op.drop_index("ix_contact_points_party")

    op.drop_table("contact_points")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_party")

    op.drop_table("consents")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_holder")
        batch_op.drop_index("ix_accounts_cycle")

    op.drop_table("accounts")
    op.drop_table("premises")
    op.drop_table("parties")
    op.drop_table("meters")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity")

    op.drop_table("audit_log")
    op.drop_table("tenants")
