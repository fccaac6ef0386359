"""Collections runs over the ledger in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import publish_shipped_packs
from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import rules as db_rules
from urbis.adapters.intervals.parquet import ParquetRegisterStore
from urbis.application._support import Env
from urbis.application.collections import operations, queries
from urbis.application.rules import operations as rules_ops
from urbis.application.service_orders import operations as order_ops
from urbis.bootstrap import collections as wiring
from urbis.bootstrap import rules as rules_wiring
from urbis.bootstrap import service_orders as order_wiring
from urbis.domain import accounts, identity, ledger, rules, service_orders
from urbis.kernel import ids
from urbis.kernel.money import Money

AT = datetime(2026, 1, 1, 8, tzinfo=UTC)
POLICY = "co_collections_policy"
DUE = date(2026, 1, 1)


def _collections_actor(env: Env) -> identity.Actor:
    return identity.Actor(
        user_id=ids.UserId("cobranza"),
        tenant_id=env.actor.tenant_id,
        roles=frozenset({identity.Role.COLLECTIONS}),
    )


def bill(env: Env, account: str, item: str, amount: str, due: date = DUE) -> ledger.JournalEntry:
    return ledger.bill_entry(
        id=ledger.EntryId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        account_id=ids.AccountId(account),
        source=f"bill:{item}",
        booked_at=AT,
        accounting_date=date(2025, 12, 15),
        due_date=due,
        item=item,
        currency="COP",
        revenue={"ELECTRICITY": Decimal(amount)},
    )


def payment(env: Env, account: str, item: str, amount: str, on: date) -> ledger.JournalEntry:
    money = Money.of(amount, "COP")
    return ledger.JournalEntry(
        id=ledger.EntryId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        account_id=ids.AccountId(account),
        kind=ledger.EntryKind.PAYMENT,
        source=f"payment:{env.ids.new_id()}",
        booked_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
        accounting_date=on,
        postings=(
            ledger.Posting(ledger.LedgerAccount.CASH, ledger.Side.DEBIT, money),
            ledger.Posting(
                ledger.LedgerAccount.CUSTOMER_RECEIVABLE, ledger.Side.CREDIT, money, item=item
            ),
        ),
    )


def post(container: bootstrap.App, *entries: ledger.JournalEntry) -> None:
    with container.engine.begin() as connection:
        db_ledger.LedgerRepository(connection).add_many(list(entries))


def run(container: bootstrap.App, env: Env, as_of: date) -> dict[str, Any]:
    publish_shipped_packs(container, env.actor.tenant_id)
    with container.engine.begin() as connection:
        collections_env = wiring.database_env(
            container=container, actor=_collections_actor(env), connection=connection
        )
        return operations.run_collections(env=collections_env, as_of=as_of)


def account_view(container: bootstrap.App, env: Env, account: str, as_of: date) -> dict[str, Any]:
    with container.engine.begin() as connection:
        collections_env = wiring.database_env(
            container=container, actor=_collections_actor(env), connection=connection
        )
        return queries.account_collections(
            env=collections_env, account_id=ids.AccountId(account), as_of=as_of
        )


def carry_out(container: bootstrap.App, env: Env, order_id: str, tmp_path: Path) -> None:
    with container.engine.begin() as connection:
        orders_env = order_wiring.database_env(
            container=container,
            actor=env.actor,
            connection=connection,
            registers=ParquetRegisterStore(tmp_path),
        )
        order_ops.assign_order(env=orders_env, order_id=order_id, to="Cuadrilla 2")
        order_ops.complete_order(
            env=orders_env, order_id=order_id, outcome=service_orders.Outcome.DONE
        )


def account_status(container: bootstrap.App, env: Env, account: str) -> accounts.AccountStatus:
    with container.uow() as uow:
        found = uow.accounts.get(env.actor.tenant_id, ids.AccountId(account))
    assert found is not None
    return found.status


class TestCollectionsRun:
    def test_walks_the_ladder_to_suspension_and_reconnects_once_paid(
        self, container: bootstrap.App, agent_env: Env, tmp_path: Path
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        post(container, bill(agent_env, account, "F-1", "200000"))

        counts = [
            run(container, agent_env, as_of)["counts"]
            for as_of in (
                date(2026, 1, 11),
                date(2026, 1, 11),  # a rerun the same day creates nothing
                date(2026, 2, 15),
                date(2026, 3, 5),
                date(2026, 3, 6),  # the suspension notice's days have not run yet
                date(2026, 4, 1),
            )
        ]
        order_id = account_view(container, agent_env, account, date(2026, 4, 1))["steps"][-1][
            "service_order_id"
        ]
        carry_out(container, agent_env, order_id, tmp_path)
        suspended = account_status(container, agent_env, account)
        post(container, payment(agent_env, account, "F-1", "200000", date(2026, 4, 3)))
        reconnection = run(container, agent_env, date(2026, 4, 4))["counts"]
        again = run(container, agent_env, date(2026, 4, 5))["counts"]

        assert counts == [
            {"REMINDER": 1, "ARRANGEMENTS_CLOSED": 0},
            {"ARRANGEMENTS_CLOSED": 0},
            {"NOTICE": 1, "ARRANGEMENTS_CLOSED": 0},
            {"SUSPENSION_NOTICE": 1, "ARRANGEMENTS_CLOSED": 0},
            {"ARRANGEMENTS_CLOSED": 0},
            {"SUSPENSION_ORDER": 1, "ARRANGEMENTS_CLOSED": 0},
        ]
        assert suspended is accounts.AccountStatus.SUSPENDED
        assert reconnection == {"RECONNECTION_ORDER": 1, "ARRANGEMENTS_CLOSED": 0}
        assert again == {"ARRANGEMENTS_CLOSED": 0}

    def test_a_payment_before_the_crew_goes_cancels_the_suspension_order(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        post(container, bill(agent_env, account, "F-1", "200000"))
        run(container, agent_env, date(2026, 3, 5))
        run(container, agent_env, date(2026, 4, 1))
        post(container, payment(agent_env, account, "F-1", "200000", date(2026, 4, 2)))

        counts = run(container, agent_env, date(2026, 4, 3))["counts"]
        steps = account_view(container, agent_env, account, date(2026, 4, 3))["steps"]

        assert counts == {"CANCEL_SUSPENSION": 1, "ARRANGEMENTS_CLOSED": 0}
        assert [s["kind"] for s in steps] == [
            "SUSPENSION_NOTICE",
            "SUSPENSION_ORDER",
            "CANCEL_SUSPENSION",
        ]
        assert account_status(container, agent_env, account) is accounts.AccountStatus.ACTIVE

    def test_a_medical_dependency_refers_the_account_to_an_agent(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        post(container, bill(agent_env, account, "F-1", "400000"))
        with container.engine.begin() as connection:
            operations.register_protection(
                env=wiring.database_env(
                    container=container, actor=_collections_actor(agent_env), connection=connection
                ),
                account_id=ids.AccountId(account),
                active_from=date(2025, 6, 1),
                note="Concentrador de oxígeno",
            )

        counts = [
            run(container, agent_env, d)["counts"] for d in (date(2026, 3, 5), date(2026, 5, 1))
        ]

        assert counts == [
            {"REFER_TO_AGENT": 1, "ARRANGEMENTS_CLOSED": 0},
            {"ARRANGEMENTS_CLOSED": 0},
        ]

    def test_a_regulatory_hold_in_the_region_stops_suspension_while_it_lasts(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        post(container, bill(agent_env, account, "F-1", "400000"))
        with container.engine.begin() as connection:
            operations.register_hold(
                env=wiring.database_env(
                    container=container, actor=_collections_actor(agent_env), connection=connection
                ),
                region="ANTIOQUIA",
                active_from=date(2026, 2, 1),
                active_to=date(2026, 4, 15),
                reason="Decreto de emergencia por ola invernal",
            )

        during = run(container, agent_env, date(2026, 4, 10))["counts"]
        after = run(container, agent_env, date(2026, 4, 20))["counts"]

        assert during == {"NOTICE": 1, "ARRANGEMENTS_CLOSED": 0}
        assert after == {"SUSPENSION_NOTICE": 1, "ARRANGEMENTS_CLOSED": 0}


class TestPaymentArrangements:
    def test_a_kept_arrangement_holds_collections_and_a_missed_instalment_resumes_them(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        post(container, bill(agent_env, account, "F-1", "300000"))
        with container.engine.begin() as connection:
            arrangement = operations.create_arrangement(
                env=wiring.database_env(
                    container=container, actor=_collections_actor(agent_env), connection=connection
                ),
                account_id=ids.AccountId(account),
                down_payment=Decimal(60000),
                instalments=3,
                monthly_rate=Decimal("0.02"),
                first_due_date=date(2026, 4, 1),
                as_of=date(2026, 3, 1),
            )
        post(container, payment(agent_env, account, "F-1", "60000", date(2026, 3, 1)))

        kept = run(container, agent_env, date(2026, 3, 20))["counts"]
        standing = account_view(container, agent_env, account, date(2026, 3, 20))
        missed = run(container, agent_env, date(2026, 4, 10))["counts"]
        resumed = run(container, agent_env, date(2026, 4, 20))["counts"]
        with container.engine.begin() as connection:
            owed = db_ledger.LedgerRepository(connection).for_account(
                agent_env.actor.tenant_id, ids.AccountId(account)
            )

        assert arrangement.debt == Money.of(300000, "COP")
        assert arrangement.items == ("F-1",)
        assert kept == {"ARRANGEMENTS_CLOSED": 0}
        assert standing["arrangements"][0]["standing"]["status"] == "ACTIVE"
        assert standing["arrangements"][0]["standing"]["next_instalment"] == 1
        assert missed == {"SUSPENSION_NOTICE": 1, "ARRANGEMENTS_CLOSED": 1}
        assert resumed == {"SUSPENSION_ORDER": 1, "ARRANGEMENTS_CLOSED": 0}
        assert ledger.amount_owed(entries=owed, currency="COP") == Money.of(240000, "COP") + (
            arrangement.interest
        )

    def test_an_account_with_nothing_overdue_cannot_arrange(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]

        with (
            pytest.raises(operations.NothingToArrange),
            container.engine.begin() as connection,
        ):
            operations.create_arrangement(
                env=wiring.database_env(
                    container=container, actor=_collections_actor(agent_env), connection=connection
                ),
                account_id=ids.AccountId(account),
                down_payment=Decimal(0),
                instalments=3,
                monthly_rate=Decimal("0.02"),
                first_due_date=date(2026, 4, 1),
                as_of=date(2026, 3, 1),
            )


class TestTheTenantsPublishedPolicy:
    def test_a_run_asks_the_version_in_force_on_its_day_and_refuses_without_one(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        post(container, bill(agent_env, account, "F-1", "200000"))
        tenant = agent_env.actor.tenant_id
        staff = _collections_actor(agent_env)

        # nothing published: an error, no default either
        with pytest.raises(rules.NoPackInForce), container.engine.begin() as connection:
            operations.run_collections(
                env=wiring.database_env(container=container, actor=staff, connection=connection),
                as_of=date(2026, 1, 11),
            )
        with container.engine.connect() as connection:
            runs_without_a_pack = connection.execute(
                sa.text("SELECT count(*) FROM collection_runs WHERE tenant_id = :t"), {"t": tenant}
            ).scalar_one()
        before = run(container, agent_env, date(2026, 1, 11))  # publishes the shipped packs

        def step(user: str, use_case: Any) -> Any:
            return rules_wiring.in_transaction(
                container=container,
                actor=identity.Actor(
                    user_id=ids.UserId(user),
                    tenant_id=tenant,
                    roles=frozenset({identity.Role.RULES_AUTHOR}),
                ),
                use_case=use_case,
            )

        with container.engine.connect() as connection:
            (first,) = db_rules.PackRepository(connection).versions(tenant, POLICY)
        draft = step(
            "ana",
            lambda env: rules_ops.create_draft_from(
                env=env, version_id=first.id, effective_from=date(2026, 2, 1)
            ),
        )
        step("ana", lambda env: rules_ops.submit(env=env, version_id=draft["id"]))
        step("beto", lambda env: rules_ops.approve(env=env, version_id=draft["id"]))
        step("beto", lambda env: rules_ops.publish(env=env, version_id=draft["id"]))
        still_first = run(container, agent_env, date(2026, 1, 20))
        second = run(container, agent_env, date(2026, 2, 15))

        assert runs_without_a_pack == 0
        assert before["policy"] == f"{POLICY} v1"
        assert still_first["policy"] == f"{POLICY} v1"
        assert second["policy"] == f"{POLICY} v2"
