"""
A posting references its journal entry together with its tenant, (entry_id, tenant_id) to the
entry's (id, tenant_id), in place of two references (entry_id to the entry, tenant_id to the
tenant). One check per posting instead of two, and a stronger one: a posting can no longer
carry a tenant other than its entry's (ADR 0081).

On SQLite a table's references cannot be altered: ``postings`` is rebuilt (nothing references
it, so it can be dropped with its references checked), with its indexes made again as they
were.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_COLUMNS = (
    "entry_id, line, tenant_id, account_id, ledger_account, side, amount_minor, service, item, "
    "due_date"
)


def _postings_sqlite(references: str) -> None:
    """Rebuild ``postings`` on SQLite with the references given (its indexes made again)."""
    op.execute(
        "CREATE TABLE postings_rebuilt (\n"
        "\tentry_id VARCHAR(26) NOT NULL, \n"
        "\tline INTEGER NOT NULL, \n"
        "\ttenant_id VARCHAR(26) NOT NULL, \n"
        "\taccount_id VARCHAR(26) NOT NULL, \n"
        "\tledger_account VARCHAR(24) NOT NULL, \n"
        "\tside VARCHAR(6) NOT NULL, \n"
        "\tamount_minor BIGINT NOT NULL, \n"
        "\tservice VARCHAR(24), \n"
        "\titem VARCHAR(40), \n"
        "\tdue_date DATE, \n"
        "\tCONSTRAINT pk_postings PRIMARY KEY (entry_id, line), \n"
        "\tCONSTRAINT ck_postings_positive_amount CHECK (amount_minor > 0), \n"
        "\tCONSTRAINT ck_postings_side CHECK (side IN ('DEBIT', 'CREDIT')), \n"
        f"{references}\n"
        ") WITHOUT ROWID"
    )
    op.execute(f"INSERT INTO postings_rebuilt ({_COLUMNS}) SELECT {_COLUMNS} FROM postings")
    op.drop_index("ix_postings_item", table_name="postings")
    op.drop_index("ix_postings_account", table_name="postings")
    op.drop_table("postings")
    op.rename_table("postings_rebuilt", "postings")
    op.create_index("ix_postings_account", "postings", ["tenant_id", "account_id"], unique=False)
    op.create_index(
        "ix_postings_item",
        "postings",
        ["tenant_id", "item"],
        unique=False,
        sqlite_where=sa.text("item IS NOT NULL"),
    )


def upgrade() -> None:
    op.create_index(
        "uq_journal_entries_id_tenant", "journal_entries", ["id", "tenant_id"], unique=True
    )
    if op.get_bind().dialect.name == "sqlite":
        _postings_sqlite(
            "\tCONSTRAINT fk_postings_entry_tenant_journal_entries FOREIGN KEY(entry_id, "
            "tenant_id) REFERENCES journal_entries (id, tenant_id)"
        )
        return
    op.drop_constraint("fk_postings_entry_id_journal_entries", "postings", type_="foreignkey")
    op.drop_constraint("fk_postings_tenant_id_tenants", "postings", type_="foreignkey")
    op.create_foreign_key(
        "fk_postings_entry_tenant_journal_entries",
        "postings",
        "journal_entries",
        ["entry_id", "tenant_id"],
        ["id", "tenant_id"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _postings_sqlite(
            "\tCONSTRAINT fk_postings_entry_id_journal_entries FOREIGN KEY(entry_id) "
            "REFERENCES journal_entries (id), \n"
            "\tCONSTRAINT fk_postings_tenant_id_tenants FOREIGN KEY(tenant_id) "
            "REFERENCES tenants (id)"
        )
    else:
        op.drop_constraint(
            "fk_postings_entry_tenant_journal_entries", "postings", type_="foreignkey"
        )
        op.create_foreign_key(
            "fk_postings_entry_id_journal_entries",
            "postings",
            "journal_entries",
            ["entry_id"],
            ["id"],
        )
        op.create_foreign_key(
            "fk_postings_tenant_id_tenants", "postings", "tenants", ["tenant_id"], ["id"]
        )
    op.drop_index("uq_journal_entries_id_tenant", table_name="journal_entries")
