"""Service orders in the database: outcomes change accounts and meters in the same transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.adapters.intervals.parquet import ParquetRegisterStore
from urbis.application._support import Env
from urbis.application.premises import operations as premise_ops
from urbis.application.service_orders import operations, queries
from urbis.bootstrap import service_orders as wiring
from urbis.domain import accounts, premises, service_orders
from urbis.kernel import ids


class TestSuspensionAndReconnection:
    def test_a_done_suspension_suspends_and_a_done_reconnection_restores(
        self, container: bootstrap.App, agent_env: Env, tmp_path: Path
    ) -> None:
        keys = supplied_customer(agent_env)
        store = ParquetRegisterStore(tmp_path)
        statuses = []
        for kind in (service_orders.OrderKind.SUSPENSION, service_orders.OrderKind.RECONNECTION):
            with container.engine.begin() as connection:
                env = wiring.database_env(
                    container=container,
                    actor=agent_env.actor,
                    connection=connection,
                    registers=store,
                )
                order = operations.create_order(
                    env=env,
                    account_id=ids.AccountId(keys["account"]),
                    kind=kind,
                    reason="Mora de tres periodos",
                )
                operations.assign_order(env=env, order_id=order.id, to="Cuadrilla 4")
                operations.complete_order(
                    env=env, order_id=order.id, outcome=service_orders.Outcome.DONE
                )
                account = env.accounts.get(env.actor.tenant_id, ids.AccountId(keys["account"]))
                assert account is not None
                statuses.append(account.status)

        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container, actor=agent_env.actor, connection=connection, registers=store
            )
            listed = queries.list_orders(env=env, account_id=ids.AccountId(keys["account"]))
            trail = env.audit.for_entity(env.actor.tenant_id, "account", keys["account"])

        assert statuses == [accounts.AccountStatus.SUSPENDED, accounts.AccountStatus.ACTIVE]
        assert [o["status"] for o in listed] == ["COMPLETED", "COMPLETED"]
        assert [e.action for e in trail if e.action == "status"] == ["status", "status"]

    def test_a_failed_visit_leaves_the_account_as_it_was(
        self, container: bootstrap.App, agent_env: Env, tmp_path: Path
    ) -> None:
        keys = supplied_customer(agent_env)
        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container,
                actor=agent_env.actor,
                connection=connection,
                registers=ParquetRegisterStore(tmp_path),
            )
            order = operations.create_order(
                env=env,
                account_id=ids.AccountId(keys["account"]),
                kind=service_orders.OrderKind.SUSPENSION,
                reason="Mora",
            )
            operations.assign_order(env=env, order_id=order.id, to="Cuadrilla 4")
            done = operations.complete_order(
                env=env,
                order_id=order.id,
                outcome=service_orders.Outcome.NOT_DONE,
                notes="Sin acceso al medidor",
            )
            account = env.accounts.get(env.actor.tenant_id, ids.AccountId(keys["account"]))

        assert done.outcome is service_orders.Outcome.NOT_DONE
        assert account is not None
        assert account.status is accounts.AccountStatus.ACTIVE


class TestMeterExchange:
    def test_closes_the_old_installation_opens_the_new_one_and_records_the_start_read(
        self, container: bootstrap.App, agent_env: Env, tmp_path: Path
    ) -> None:
        keys = supplied_customer(agent_env)
        new_meter = premise_ops.register_meter(
            env=agent_env,
            serial="ELS-009999",
            service=premises.Service.ELECTRICITY,
            kind=premises.MeterKind.REGISTER,
        )
        store = ParquetRegisterStore(tmp_path)
        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container, actor=agent_env.actor, connection=connection, registers=store
            )
            order = operations.create_order(
                env=env,
                account_id=ids.AccountId(keys["account"]),
                kind=service_orders.OrderKind.METER_EXCHANGE,
                reason="Medidor frenado",
                service_point_id=ids.ServicePointId(keys["point"]),
            )
            operations.assign_order(env=env, order_id=order.id, to="Técnico 12")
            operations.complete_order(
                env=env,
                order_id=order.id,
                outcome=service_orders.Outcome.DONE,
                work_date=date(2026, 3, 2),
                exchange=service_orders.MeterExchange(
                    new_meter_id=new_meter.id,
                    start_read=Decimal("3.5"),
                    old_final_read=Decimal("10234"),
                ),
            )
            history = env.meters.installations_at_point(
                env.actor.tenant_id, ids.ServicePointId(keys["point"])
            )

        reads = store.scan().collect().sort("meter")
        assert [(i.meter_id, i.installed.end) for i in history] == [
            (keys["meter"], date(2026, 3, 2)),
            (new_meter.id, None),
        ]
        assert reads.select("meter", "value").rows() == [
            ("ELS-000123", 10234.0),
            ("ELS-009999", 3.5),
        ]
        assert reads.get_column("source").str.starts_with(f"service_order:{order.id}").all()

    def test_a_meter_already_elsewhere_changes_nothing(
        self, container: bootstrap.App, agent_env: Env, tmp_path: Path
    ) -> None:
        keys = supplied_customer(agent_env)
        store = ParquetRegisterStore(tmp_path)
        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container, actor=agent_env.actor, connection=connection, registers=store
            )
            order = operations.create_order(
                env=env,
                account_id=ids.AccountId(keys["account"]),
                kind=service_orders.OrderKind.METER_EXCHANGE,
                reason="Medidor frenado",
                service_point_id=ids.ServicePointId(keys["point"]),
            )
            operations.assign_order(env=env, order_id=order.id, to="Técnico 12")

        with pytest.raises(premises.MeterAlreadyInstalled):
            exchange_for(container, agent_env, store, order.id, ids.MeterId(keys["meter"]))

        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container, actor=agent_env.actor, connection=connection, registers=store
            )
            again = env.orders.get(env.actor.tenant_id, order.id)
        assert again is not None
        assert again.status is service_orders.OrderStatus.ASSIGNED
        assert store.scan().collect().height == 0
        assert isinstance(store.scan().collect(), pl.DataFrame)


class TestOrderSources:
    def test_one_source_opens_one_order(
        self, container: bootstrap.App, agent_env: Env, tmp_path: Path
    ) -> None:
        keys = supplied_customer(agent_env)
        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container,
                actor=agent_env.actor,
                connection=connection,
                registers=ParquetRegisterStore(tmp_path),
            )
            operations.create_order(
                env=env,
                account_id=ids.AccountId(keys["account"]),
                kind=service_orders.OrderKind.SUSPENSION,
                reason="Mora",
                source="collections:x",
            )
            with pytest.raises(operations.DuplicateOrderSource):
                operations.create_order(
                    env=env,
                    account_id=ids.AccountId(keys["account"]),
                    kind=service_orders.OrderKind.SUSPENSION,
                    reason="Mora",
                    source="collections:x",
                )


def exchange_for(
    container: bootstrap.App,
    agent_env: Env,
    store: ParquetRegisterStore,
    order_id: str,
    meter_id: ids.MeterId,
) -> None:
    with container.engine.begin() as connection:
        env = wiring.database_env(
            container=container, actor=agent_env.actor, connection=connection, registers=store
        )
        operations.complete_order(
            env=env,
            order_id=order_id,
            outcome=service_orders.Outcome.DONE,
            work_date=date(2026, 3, 2),
            exchange=service_orders.MeterExchange(new_meter_id=meter_id, start_read=Decimal(0)),
        )
