"""Bill runs against the real database (SQLite and PostgreSQL) and the Parquet read stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import queries as billing_queries
from urbis.domain import billing, identity

SEPT = datetime(2026, 9, 30, 15, tzinfo=UTC)
OCT = datetime(2026, 10, 30, 15, tzinfo=UTC)


def _count(container: bootstrap.App, sql: str, **params: object) -> int:
    with container.engine.connect() as connection:
        return int(connection.execute(sa.text(sql), params).scalar_one())


class TestStartRun:
    def test_bills_each_agreement_once_and_lists_the_ones_it_cannot_rate(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=5, interval_every=4)
        reads = []
        for n, home in enumerate(homes[1:4], start=1):
            reads += [
                (home.meter, SEPT, 1000.0 * n, "ACTUAL"),
                (home.meter, OCT, 1000.0 * n + 150, "ACTUAL"),
            ]
        helpers.add_register_reads(container, tenant, reads)
        helpers.add_interval_month(
            container, tenant, homes[0].meter, OCT.date().replace(day=1), 0.2
        )
        env = helpers.billing_env(container, tenant, batch_size=2)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert run["status"] == "COMPLETED"
        assert run["batches"] == 3
        assert run["bills"] == 4
        assert run["exceptions"] == 1
        exceptions = billing_queries.run_exceptions(env=env, run_id=run["id"])
        assert [(e["agreement_id"], e["reason"]) for e in exceptions] == [
            (homes[4].agreement_id, "NO_INTERVAL_DATA")
        ]
        bills = billing_queries.bills_of_account(env=env, account_id=homes[1].account_id)
        assert [b["status"] for b in bills] == ["ISSUED"]
        one = billing_queries.get_bill(env=env, bill_id=bills[0]["id"])
        assert one["consumption"] == "150.000"
        assert {line["kind"] for line in one["lines"]} >= {"ENERGY"}
        assert (
            _count(container, "SELECT count(*) FROM bills WHERE tenant_id = :t", t=tenant.id) == 4
        )

    def test_a_trial_run_stores_no_issued_bill_and_posts_nothing(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=3)
        helpers.add_register_reads(
            container,
            tenant,
            [(h.meter, at, v, "ACTUAL") for h in homes for at, v in ((SEPT, 10.0), (OCT, 90.0))],
        )
        env = helpers.billing_env(container, tenant)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10", trial=True, sample=2)

        assert run["bills"] == 2
        assert (
            _count(
                container,
                "SELECT count(*) FROM bills WHERE run_id = :r AND status = 'TRIAL'",
                r=run["id"],
            )
            == 2
        )
        assert (
            _count(
                container,
                "SELECT count(*) FROM bills WHERE run_id = :r AND status <> 'TRIAL'",
                r=run["id"],
            )
            == 0
        )

    def test_a_period_without_a_tariff_in_force_is_refused_and_nothing_is_recorded(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        helpers.seed_homes(container, agent_env, tenant, count=1)
        env = helpers.billing_env(container, tenant)

        with pytest.raises(billing_ops.NothingToRate) as raised:
            billing_ops.start_run(env=env, cycle="C01", period="2023-10")

        assert raised.value.code == "no_tariff_in_force"
        assert (
            _count(container, "SELECT count(*) FROM bill_runs WHERE tenant_id = :t", t=tenant.id)
            == 0
        )

    def test_an_unknown_cycle_or_a_bad_period_is_a_clear_error(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env = helpers.billing_env(container, tenant)

        with pytest.raises(billing_ops.UnknownBillCycle):
            billing_ops.start_run(env=env, cycle="C99", period="2026-10")
        with pytest.raises(billing.InvalidBillingPeriod):
            billing_ops.start_run(env=env, cycle="C01", period="2026-13")
