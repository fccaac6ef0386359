"""
Customer portal and notifications: notification preferences, photos of customer readings, card
charges, the approved payments handed to the payments context, the outbox and the record of
notifications not sent.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 10:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(length=26), nullable=False)


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        _tenant(),
        sa.Column("party_id", sa.String(length=26), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channels", sa.String(length=100), nullable=False),
        sa.Column("muted", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"]),
        sa.PrimaryKeyConstraint("tenant_id", "party_id", name="pk_notification_preferences"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "reading_photos",
        sa.Column("id", sa.String(length=26), nullable=False),
        _tenant(),
        sa.Column("party_id", sa.String(length=26), nullable=False),
        sa.Column("meter", sa.String(length=40), nullable=False),
        sa.Column("register", sa.String(length=20), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"]),
        sa.PrimaryKeyConstraint("id", name="pk_reading_photos"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_reading_photos_meter", "reading_photos", ["tenant_id", "meter"])
    op.create_table(
        "card_charges",
        sa.Column("id", sa.String(length=26), nullable=False),
        _tenant(),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("party_id", sa.String(length=26), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("decline_code", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"]),
        sa.PrimaryKeyConstraint("id", name="pk_card_charges"),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_card_charges_key"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_card_charges_account", "card_charges", ["tenant_id", "account_id"])
    op.create_table(
        "portal_payments",
        sa.Column("id", sa.String(length=26), nullable=False),
        _tenant(),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id", name="pk_portal_payments"),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_portal_payments_key"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.String(length=26), nullable=False),
        _tenant(),
        sa.Column("party_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("to_address", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.String(length=300), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"]),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_outbox_messages_dedupe"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_outbox_messages_due", "outbox_messages", ["status", "next_attempt_at"])
    op.create_table(
        "notification_suppressions",
        sa.Column("id", sa.String(length=26), nullable=False),
        _tenant(),
        sa.Column("party_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"]),
        sa.PrimaryKeyConstraint("id", name="pk_notification_suppressions"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("notification_suppressions")
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_table("portal_payments")
    op.drop_index("ix_card_charges_account", table_name="card_charges")
    op.drop_table("card_charges")
    op.drop_index("ix_reading_photos_meter", table_name="reading_photos")
    op.drop_table("reading_photos")
    op.drop_table("notification_preferences")
