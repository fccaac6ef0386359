"""A posting names its entry together with its tenant (migration 0019, ADR 0081)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from tests.conftest import new_tenant
from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from tests.integration.ledger.test_ledger_repository import a_bill
from urbis import bootstrap
from urbis.adapters.db import engine as db_engine
from urbis.adapters.db import ledger as db_ledger
from urbis.application._support import Env


def _posting(entry_id: str, tenant_id: str, line: int = 99) -> dict[str, object]:
    return {
        "entry_id": entry_id,
        "line": line,
        "tenant_id": tenant_id,
        "account_id": "A",
        "ledger_account": "REVENUE",
        "side": "CREDIT",
        "amount_minor": 1,
    }


class TestAPostingsReference:
    def test_a_posting_of_another_tenant_than_its_entry_s_is_refused(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        entry = a_bill(
            agent_env,
            supplied_customer(agent_env)["account"],
            "BILL-9",
            "41000",
            date(2026, 10, 20),
        )
        with container.engine.begin() as connection:
            db_ledger.LedgerRepository(connection).add_many([entry])
        other = new_tenant(container, "Otra Empresa")
        insert = sa.text(
            "INSERT INTO postings (entry_id, line, tenant_id, account_id, ledger_account, side,"
            " amount_minor) VALUES (:entry_id, :line, :tenant_id, :account_id,"
            " :ledger_account, :side, :amount_minor)"
        )

        with pytest.raises(sa.exc.IntegrityError), container.engine.begin() as connection:
            connection.execute(insert, _posting(entry.id, other.id))
        with pytest.raises(sa.exc.IntegrityError), container.engine.begin() as connection:
            connection.execute(insert, _posting("NO-SUCH-ENTRY", agent_env.actor.tenant_id))
        with container.engine.begin() as connection:
            connection.execute(insert, _posting(entry.id, agent_env.actor.tenant_id))
            lines = connection.execute(
                sa.text("SELECT count(*) FROM postings WHERE entry_id = :e"), {"e": entry.id}
            ).scalar_one()
        assert lines == len(entry.postings) + 1

    def test_the_reference_is_one_of_entry_and_tenant_together(
        self, container: bootstrap.App
    ) -> None:
        with container.engine.connect() as connection:
            references = sa.inspect(connection).get_foreign_keys("postings")
        assert [
            (r["constrained_columns"], r["referred_table"], r["referred_columns"])
            for r in references
        ] == [(["entry_id", "tenant_id"], "journal_entries", ["id", "tenant_id"])]


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_rebuilding_the_postings_keeps_every_posting_and_goes_back(
    container: bootstrap.App, agent_env: Env, tmp_path: Path
) -> None:
    """Upgrade from 0018 with postings stored, downgrade and upgrade again (SQLite rebuilds)."""
    engine = db_engine.create_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    db_engine.upgrade(engine, "0018")
    supplied_customer(agent_env)
    with container.engine.connect() as source:
        tenant_row = (
            source.execute(
                sa.text("SELECT * FROM tenants WHERE id = :t"), {"t": agent_env.actor.tenant_id}
            )
            .mappings()
            .one()
        )
        account_row = (
            source.execute(
                sa.text("SELECT * FROM accounts WHERE tenant_id = :t LIMIT 1"),
                {"t": agent_env.actor.tenant_id},
            )
            .mappings()
            .one()
        )
        party_row = (
            source.execute(
                sa.text("SELECT * FROM parties WHERE id = :p"), {"p": account_row["holder_id"]}
            )
            .mappings()
            .one()
        )
    entry = a_bill(agent_env, account_row["id"], "BILL-9", "41000", date(2026, 10, 20))

    def insert(connection: sa.Connection, table: str, row: sa.RowMapping) -> None:
        names = ", ".join(row.keys())
        marks = ", ".join(f":{k}" for k in row)
        connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), dict(row))

    with engine.begin() as connection:
        insert(connection, "tenants", tenant_row)
        insert(connection, "parties", party_row)
        insert(connection, "accounts", account_row)
        db_ledger.LedgerRepository(connection).add_many([entry])

    def stored() -> list[tuple[object, ...]]:
        with engine.connect() as connection:
            return [
                tuple(r)
                for r in connection.exec_driver_sql(
                    "SELECT * FROM postings ORDER BY entry_id, line"
                ).all()
            ]

    before = stored()
    db_engine.upgrade(engine, "0019")
    after = stored()
    command.downgrade(db_engine.alembic_config(engine), "0018")
    back = stored()
    db_engine.upgrade(engine, "head")

    assert len(before) == len(entry.postings)
    assert after == before
    assert back == before
    assert stored() == before
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        kinds = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'postings'"
        ).scalar_one()
        indexes = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'postings'"
            )
        }
    assert "WITHOUT ROWID" in kinds
    assert {"ix_postings_item", "ix_postings_account"} <= indexes
    engine.dispose()
