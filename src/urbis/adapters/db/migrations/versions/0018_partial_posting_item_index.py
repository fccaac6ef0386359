"""
Postings are found by item (a bill, a payment arrangement's instalment) only where they have
one: the item index leaves out the postings without one (revenue, subsidy, contribution, taxes:
about two of every three a bill run writes), so a bill run fills a third as many entries of it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_postings_item", table_name="postings")
    op.create_index(
        "ix_postings_item",
        "postings",
        ["tenant_id", "item"],
        unique=False,
        sqlite_where=sa.text("item IS NOT NULL"),
        postgresql_where=sa.text("item IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_postings_item", table_name="postings")
    op.create_index("ix_postings_item", "postings", ["tenant_id", "item"], unique=False)
