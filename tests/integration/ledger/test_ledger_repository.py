"""Journal entries kept in the database, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.adapters.db import ledger as db_ledger
from urbis.application._support import Env
from urbis.application.ledger import operations, ports, queries
from urbis.domain import ledger
from urbis.kernel import ids
from urbis.kernel.money import Money

AT = datetime(2026, 5, 2, 8, tzinfo=UTC)


def a_bill(env: Env, account: str, item: str, revenue: str, due: date) -> ledger.JournalEntry:
    return ledger.bill_entry(
        id=ledger.EntryId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        account_id=ids.AccountId(account),
        source=f"bill:{item}",
        booked_at=AT,
        accounting_date=AT.date(),
        due_date=due,
        item=item,
        currency="COP",
        revenue={"ELECTRICITY": Decimal(revenue)},
        subsidy={"ELECTRICITY": Decimal(revenue) / 2},
        taxes=Decimal("0.50"),
    )


class TestLedgerInTheDatabase:
    def test_entries_round_trip_and_the_statement_ages_what_is_owed(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        tenant = agent_env.actor.tenant_id
        old = a_bill(agent_env, account, "BILL-1", "80000", date(2026, 2, 1))
        new = a_bill(agent_env, account, "BILL-2", "60000", date(2026, 5, 20))

        with container.engine.begin() as connection:
            repository = db_ledger.LedgerRepository(connection)
            repository.add_many([old, new])
        with container.engine.begin() as connection:
            repository = db_ledger.LedgerRepository(connection)
            stored = repository.by_source(tenant, "bill:BILL-1")
            report = queries.statement(
                ledger_repository=repository,
                tenant_id=tenant,
                account_id=ids.AccountId(account),
                currency="COP",
                as_of=date(2026, 5, 2),
            )
            books = queries.trial_balance(ledger_repository=repository, tenant_id=tenant)

        assert stored == old
        assert report["owed"] == "70001.00"
        assert report["aging"]["61-90"] == "40000.50"
        assert report["aging"]["0-30"] == "30000.50"
        assert [i["item"] for i in report["open_items"]] == ["BILL-1", "BILL-2"]
        assert books["REVENUE"] == "-140000.00"
        assert books["SUBSIDY_RECEIVABLE"] == "70000.00"
        assert sum(Decimal(v) for v in books.values()) == 0

    def test_a_source_posts_once_and_an_entry_reverses_once(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        tenant = agent_env.actor.tenant_id
        first = a_bill(agent_env, account, "BILL-9", "1000", date(2026, 5, 20))
        with container.engine.begin() as connection:
            operations.post_entry(
                ledger_repository=db_ledger.LedgerRepository(connection), entry=first
            )

        again = a_bill(agent_env, account, "BILL-9", "1000", date(2026, 5, 20))
        with pytest.raises(ports.DuplicateEntry), container.engine.begin() as connection:
            operations.post_entry(
                ledger_repository=db_ledger.LedgerRepository(connection), entry=again
            )
        with pytest.raises(ports.DuplicateEntry), container.engine.begin() as connection:
            db_ledger.LedgerRepository(connection).add(again)
        with container.engine.begin() as connection:
            reversal = operations.reverse(
                ledger_repository=db_ledger.LedgerRepository(connection),
                tenant_id=tenant,
                entry_id=first.id,
                new_id=ledger.EntryId(agent_env.ids.new_id()),
                booked_at=AT,
                accounting_date=AT.date(),
            )
        with pytest.raises(operations.AlreadyReversed), container.engine.begin() as connection:
            operations.reverse(
                ledger_repository=db_ledger.LedgerRepository(connection),
                tenant_id=tenant,
                entry_id=first.id,
                new_id=ledger.EntryId(agent_env.ids.new_id()),
                booked_at=AT,
                accounting_date=AT.date(),
            )
        with container.engine.begin() as connection:
            entries = db_ledger.LedgerRepository(connection).for_account(
                tenant, ids.AccountId(account)
            )

        assert [e.source for e in entries] == ["bill:BILL-9", f"reversal:{first.id}"]
        assert entries[1] == reversal
        assert ledger.amount_owed(entries=entries, currency="COP") == Money.zero("COP")
