"""Bill runs against the real database (SQLite and PostgreSQL) and the Parquet read stores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import polars as pl
import pytest
import sqlalchemy as sa

from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.adapters.db import billing as db_billing
from urbis.application._support import Env
from urbis.application.accounts import operations as account_ops
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import ports
from urbis.application.billing import queries as billing_queries
from urbis.application.premises import operations as premise_ops
from urbis.domain import billing, identity, premises
from urbis.kernel import ids

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

    # SQLite takes one writer at a time: its runs write one batch at once
    @pytest.mark.parametrize("container", ["postgres"], indirect=True)
    def test_batches_written_at_once_bill_and_post_each_agreement_once(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=7)
        helpers.add_register_reads(
            container,
            tenant,
            [
                (h.meter, at, v + 11.0 * n, "ACTUAL")
                for n, h in enumerate(homes)
                for at, v in ((SEPT, 10.0), (OCT, 90.0))
            ],
        )
        one_at_a_time = attrs.evolve(helpers.billing_env(container, tenant), writers=1)
        at_once = attrs.evolve(helpers.billing_env(container, tenant, batch_size=1), writers=3)
        seen: list[int] = []

        trial = billing_ops.start_run(env=one_at_a_time, cycle="C01", period="2026-10", trial=True)
        final = billing_ops.start_run(
            env=at_once,
            cycle="C01",
            period="2026-10",
            progress=lambda done, total: seen.append(done),
        )

        def totals(run_id: str) -> list[tuple[str, int]]:
            with container.engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT agreement_id, total FROM bills WHERE run_id = :r ORDER BY 1"),
                    {"r": run_id},
                )
                return [(str(a), int(t)) for a, t in rows]

        assert final["batches"] == 7
        assert final["bills"] == 7
        assert seen == list(range(8))
        assert totals(final["id"]) == totals(trial["id"])
        assert (
            _count(
                container,
                "SELECT count(*) FROM bill_run_batches WHERE run_id = :r "
                "AND committed_at IS NOT NULL AND bills = 1",
                r=final["id"],
            )
            == 7
        )
        assert (
            _count(
                container,
                "SELECT count(DISTINCT source) FROM journal_entries WHERE tenant_id = :t "
                "AND kind = 'BILL'",
                t=tenant.id,
            )
            == 7
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
        helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)
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


def _ledger_rows(container: bootstrap.App, tenant: identity.Tenant) -> int:
    return _count(
        container, "SELECT count(*) FROM journal_entries WHERE tenant_id = :t", t=tenant.id
    )


def _owed(container: bootstrap.App, tenant: identity.Tenant, account_id: str) -> int:
    return _count(
        container,
        "SELECT coalesce(sum(CASE WHEN p.side = 'DEBIT' THEN p.amount_minor "
        "ELSE -p.amount_minor END), 0) FROM postings p JOIN journal_entries e "
        "ON e.id = p.entry_id WHERE e.tenant_id = :t AND e.account_id = :a "
        "AND p.ledger_account IN ('CUSTOMER_RECEIVABLE', 'CUSTOMER_CREDIT')",
        t=tenant.id,
        a=account_id,
    )


def billed(
    container: bootstrap.App, tenant: identity.Tenant, agent_env: Env, advances: list[float]
) -> tuple[ports.BillingEnv, list[helpers.Home], dict[str, object]]:
    homes = helpers.seed_homes(container, agent_env, tenant, count=len(advances))
    helpers.add_register_reads(
        container,
        tenant,
        [
            (h.meter, at, value, "ACTUAL")
            for h, advance in zip(homes, advances, strict=True)
            for at, value in ((SEPT, 500.0), (OCT, 500.0 + advance))
        ],
    )
    env = helpers.billing_env(container, tenant)
    run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")
    return env, homes, run


class TestPosting:
    def test_issued_bills_post_what_the_customer_owes_and_held_bills_post_nothing(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes, run = billed(container, tenant, agent_env, [180.0, 0.0])

        issued = billing_queries.bills_of_account(env=env, account_id=homes[0].account_id)[0]
        held = billing_queries.held_bills(env=env, run_id=str(run["id"]))
        assert run["held"] == 1
        assert [(b["agreement_id"], b["hold_reason"]) for b in held] == [
            (homes[1].agreement_id, "NON_POSITIVE_AMOUNT")
        ]
        assert _owed(container, tenant, homes[0].account_id) == int(Decimal(issued["total"]) * 100)
        assert _owed(container, tenant, homes[1].account_id) == 0
        assert _ledger_rows(container, tenant) == 1


class TestCorrections:
    def test_cancel_reverses_the_posting_and_keeps_the_bill_as_it_was(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes, _ = billed(container, tenant, agent_env, [180.0])
        bill = billing_queries.bills_of_account(env=env, account_id=homes[0].account_id)[0]

        cancelled = billing_ops.cancel_bill(env=env, bill_id=bill["id"], reason="lectura errada")

        assert cancelled["status"] == "CANCELLED"
        assert cancelled["total"] == bill["total"]
        assert _owed(container, tenant, homes[0].account_id) == 0
        assert _ledger_rows(container, tenant) == 2

    def test_cancelling_twice_is_refused_and_posts_nothing(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes, _ = billed(container, tenant, agent_env, [180.0])
        bill = billing_queries.bills_of_account(env=env, account_id=homes[0].account_id)[0]
        billing_ops.cancel_bill(env=env, bill_id=bill["id"], reason="lectura errada")

        with pytest.raises(billing.BillAlreadyCancelled) as raised:
            billing_ops.cancel_bill(env=env, bill_id=bill["id"], reason="otra vez")

        assert raised.value.code == "bill_already_cancelled"
        assert _ledger_rows(container, tenant) == 2

    def test_rebill_replaces_the_bill_from_corrected_reads_and_links_to_it(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes, _ = billed(container, tenant, agent_env, [180.0])
        bill = billing_queries.bills_of_account(env=env, account_id=homes[0].account_id)[0]
        helpers.add_register_reads(
            container, tenant, [(homes[0].meter, OCT, 500.0 + 120.0, "ACTUAL")], later=True
        )

        new = billing_ops.rebill(env=env, bill_id=bill["id"], reason="lectura corregida")

        history = billing_queries.bills_of_account(env=env, account_id=homes[0].account_id)
        assert new["rebills"] == bill["id"]
        assert new["consumption"] == "120.000"
        assert sorted(b["status"] for b in history) == ["CANCELLED", "ISSUED"]
        assert _owed(container, tenant, homes[0].account_id) == int(Decimal(new["total"]) * 100)

    def test_rebilling_a_cancelled_bill_is_refused_and_posts_nothing(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes, _ = billed(container, tenant, agent_env, [180.0])
        bill = billing_queries.bills_of_account(env=env, account_id=homes[0].account_id)[0]
        billing_ops.rebill(env=env, bill_id=bill["id"], reason="lectura corregida")
        before = _ledger_rows(container, tenant)

        with pytest.raises(billing.RebillOfCancelledBill) as raised:
            billing_ops.rebill(env=env, bill_id=bill["id"], reason="otra vez")

        assert raised.value.code == "rebill_of_cancelled_bill"
        assert _ledger_rows(container, tenant) == before

    def test_releasing_a_held_bill_issues_and_posts_it_once(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=1)
        helpers.add_register_reads(
            container,
            tenant,
            [(homes[0].meter, SEPT, 1.0, "ACTUAL"), (homes[0].meter, OCT, 91.0, "ACTUAL")],
        )
        env = attrs.evolve(helpers.billing_env(container, tenant), validator=_hold_everything)
        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")
        held = billing_queries.held_bills(env=env, run_id=str(run["id"]))[0]

        released = billing_ops.release_bill(env=env, bill_id=held["id"])
        with pytest.raises(billing.BillNotHeld):
            billing_ops.release_bill(env=env, bill_id=held["id"])

        assert released["status"] == "ISSUED"
        assert held["hold_reason"] == "REVIEW"
        assert _ledger_rows(container, tenant) == 1
        assert _owed(container, tenant, homes[0].account_id) == int(Decimal(held["total"]) * 100)

    def test_releasing_a_held_bill_of_zero_issues_it_without_a_ledger_entry(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes, run = billed(container, tenant, agent_env, [180.0, 0.0])
        held = billing_queries.held_bills(env=env, run_id=str(run["id"]))[0]
        before = _ledger_rows(container, tenant)

        released = billing_ops.release_bill(env=env, bill_id=held["id"])

        assert held["agreement_id"] == homes[1].agreement_id
        assert Decimal(held["total"]) == 0
        assert released["status"] == "ISSUED"
        assert released["entry_id"] is None
        assert _ledger_rows(container, tenant) == before
        assert _owed(container, tenant, homes[1].account_id) == 0
        with pytest.raises(billing.BillNotHeld):
            billing_ops.release_bill(env=env, bill_id=held["id"])

    def test_cancelling_an_issued_bill_of_zero_reverses_nothing(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, _, run = billed(container, tenant, agent_env, [0.0])
        held = billing_queries.held_bills(env=env, run_id=str(run["id"]))[0]
        billing_ops.release_bill(env=env, bill_id=held["id"])

        cancelled = billing_ops.cancel_bill(env=env, bill_id=held["id"], reason="lectura errada")

        assert cancelled["status"] == "CANCELLED"
        assert cancelled["entry_id"] is None
        assert _ledger_rows(container, tenant) == 0

    def test_rebilling_to_zero_issues_the_new_bill_without_a_ledger_entry(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes, _ = billed(container, tenant, agent_env, [180.0])
        bill = billing_queries.bills_of_account(env=env, account_id=homes[0].account_id)[0]
        helpers.add_register_reads(
            container, tenant, [(homes[0].meter, OCT, 500.0, "ACTUAL")], later=True
        )

        new = billing_ops.rebill(env=env, bill_id=bill["id"], reason="sin consumo")

        assert new["status"] == "ISSUED"
        assert Decimal(new["total"]) == 0
        assert new["entry_id"] is None
        assert _ledger_rows(container, tenant) == 2  # the bill and its reversal
        assert _owed(container, tenant, homes[0].account_id) == 0

    def test_a_run_that_issues_a_bill_of_zero_posts_no_entry_for_it(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=2)
        helpers.add_register_reads(
            container,
            tenant,
            [
                (homes[0].meter, SEPT, 500.0, "ACTUAL"),
                (homes[0].meter, OCT, 680.0, "ACTUAL"),
                (homes[1].meter, SEPT, 500.0, "ACTUAL"),
                (homes[1].meter, OCT, 500.0, "ACTUAL"),
            ],
        )
        env = attrs.evolve(helpers.billing_env(container, tenant), validator=_issue_everything)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        bills = {
            h.agreement_id: billing_queries.bills_of_account(env=env, account_id=h.account_id)[0]
            for h in homes
        }
        assert run["bills"] == 2
        assert run["held"] == 0
        assert bills[homes[1].agreement_id]["status"] == "ISSUED"
        assert bills[homes[1].agreement_id]["entry_id"] is None
        assert bills[homes[0].agreement_id]["entry_id"] is not None
        assert _ledger_rows(container, tenant) == 1
        assert (
            _count(
                container,
                "SELECT count(*) FROM postings p LEFT JOIN journal_entries e "
                "ON e.id = p.entry_id WHERE e.id IS NULL",
            )
            == 0
        )

    def test_an_unknown_bill_is_a_clear_error(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        env = helpers.billing_env(container, tenant)

        with pytest.raises(billing.BillNotFound):
            billing_ops.cancel_bill(env=env, bill_id="01ZZZZZZZZZZZZZZZZZZZZZZZZ", reason="x")


def _hold_everything(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(pl.lit("HOLD").alias("action"), pl.lit("REVIEW").alias("reason"))


def _issue_everything(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit("ISSUE").alias("action"), pl.lit(None, dtype=pl.String).alias("reason")
    ).select("action", "reason")


AUG = datetime(2026, 8, 30, 15, tzinfo=UTC)


class TestHistory:
    @pytest.mark.parametrize("listed", [500, 0])
    def test_a_batch_reads_the_history_of_its_own_agreements_only(
        self,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
        monkeypatch: pytest.MonkeyPatch,
        listed: int,
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=3)
        helpers.read_every_meter(
            container, tenant, homes, [(AUG, 100.0), (SEPT, 250.0), (OCT, 2000.0)]
        )
        env = helpers.billing_env(container, tenant)
        billing_ops.start_run(env=env, cycle="C01", period="2026-09")
        monkeypatch.setattr(db_billing, "_LISTED", listed)
        asked = sorted([homes[0].agreement_id, homes[2].agreement_id])

        with env.store() as store:
            history = store.history(tenant.id, asked, "2026-10")
        october = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert sorted(history["agreement_id"].to_list()) == asked
        assert history["consumption_milli"].to_list() == [150_000, 150_000]
        assert october["held"] == 3  # 1,750 kWh against an average of 150: high
        assert {
            b["hold_reason"] for b in billing_queries.held_bills(env=env, run_id=october["id"])
        } == {"HIGH_AGAINST_HISTORY"}


class TestAccountsDue:
    """What a run plans on: each account due once, and the tariffs its agreements name."""

    def test_each_account_once_with_a_meter_exchanged_in_the_period_and_none_ended(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=4)
        # home 0 has its meter exchanged mid-October: two installations in the period
        old = premise_ops.remove_meter(
            env=agent_env,
            meter_id=helpers.meter_id(container, homes[0].meter),
            on=date(2026, 10, 15),
        )
        new = premise_ops.register_meter(
            env=agent_env,
            serial=f"{tenant.code}-NEW",
            service=premises.Service.ELECTRICITY,
            kind=premises.MeterKind.REGISTER,
            dials=6,
        )
        premise_ops.install_meter(
            env=agent_env,
            meter_id=new.id,
            service_point_id=old.service_point_id,
            on=date(2026, 10, 15),
        )
        # home 1's agreement ended before October; home 2's account bills in another cycle
        account_ops.end_agreement(
            env=agent_env, agreement_id=ids.AgreementId(homes[1].agreement_id), on=date(2026, 9, 1)
        )
        account_ops.update_account(
            env=agent_env, account_id=ids.AccountId(homes[2].account_id), billing_cycle="C02"
        )
        source = db_billing.DbAgreementSource(container.engine)
        october = billing.billing_period(label="2026-10")

        due = source.accounts_due(tenant_id=tenant.id, cycle="C01", period=october)
        tariffs = source.tariff_codes_due(tenant_id=tenant.id, cycle="C01", period=october)
        rows = source.agreements_due(
            tenant_id=tenant.id,
            cycle="C01",
            period=october,
            first_account=min(due),
            last_account=max(due),
        )

        assert list(due) == sorted([homes[0].account_id, homes[3].account_id])
        assert list(tariffs) == ["MDE-E-RES"]
        # the agreement rows agree: one per agreement, the meter installed last reading it
        assert rows.select("account_id", "meter").rows() == sorted(
            [(homes[0].account_id, new.serial), (homes[3].account_id, homes[3].meter)]
        )
        assert source.accounts_due(tenant_id=tenant.id, cycle="C09", period=october) == []
