from datetime import UTC, date, datetime

import polars as pl
import pytest
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import bulk
from urbis.adapters.demo import seed
from urbis.application._support import Env
from urbis.application.accounts import queries as account_queries
from urbis.domain import accounts, identity, premises

AS_AT = datetime(2026, 11, 1, tzinfo=UTC)


def seed_accounts(container: bootstrap.App, tenant: identity.Tenant, n: int) -> seed.SeedReport:
    return seed.seed(
        engine=container.engine,
        tenant_id=tenant.id,
        actor_id="tester",
        accounts=n,
        seed_value=11,
        as_at=AS_AT,
        id_generator=container.ids,
        batch_size=400,
    )


class TestBulkSeed:
    def test_seeded_accounts_are_whole_and_searchable(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        report = seed_accounts(container, tenant, 1_000)

        with container.engine.connect() as connection:
            count = connection.execute(
                sa.text("SELECT count(*) FROM accounts WHERE tenant_id = :t"), {"t": tenant.id}
            ).scalar_one()
        page = account_queries.search(env=agent_env, text="E10000500")
        (hit,) = page.items
        view = account_queries.account_view(env=agent_env, account_id=hit.account_id)
        assert count == 1_000
        assert report.rows > 14_000
        assert {s.service_point.service for s in view.services} == set(premises.Service) - {
            premises.Service.GAS,
            premises.Service.WASTE,
        }
        assert any(m.serial == "E10000500" for s in view.services for m, _ in s.meters)

    def test_a_second_run_continues_the_account_numbers(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        seed_accounts(container, tenant, 500)

        second = seed_accounts(container, tenant, 500)

        assert second.first_account_number == accounts.account_number(sequence=501)

    def test_an_overlapping_agreement_in_a_bulk_write_is_refused_and_rolled_back(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        seed_accounts(container, tenant, 10)
        with container.engine.connect() as connection:
            existing = connection.execute(
                sa.text(
                    "SELECT account_id, service_point_id FROM agreements "
                    "WHERE tenant_id = :t LIMIT 1"
                ),
                {"t": tenant.id},
            ).one()
        overlapping = pl.DataFrame(
            {
                "id": ["BULKOVERLAP" + tenant.id[:15]],
                "tenant_id": [tenant.id],
                "account_id": [existing.account_id],
                "service_point_id": [existing.service_point_id],
                "tariff_code": ["X"],
                "active_from": [date(2026, 1, 1)],
                "active_to": pl.Series([None], dtype=pl.Date),
            }
        )

        with pytest.raises(accounts.OverlappingAgreement):
            write_in_one_transaction(container, overlapping)

        with container.engine.connect() as connection:
            stored = connection.execute(
                sa.text("SELECT count(*) FROM agreements WHERE tenant_id = :t"), {"t": tenant.id}
            ).scalar_one()
        assert stored == 30


class TestBulkLoadKeepsTheRules:
    def test_a_load_that_breaks_an_overlap_rule_leaves_nothing_and_keeps_the_rule(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        seed_accounts(container, tenant, 5)
        with container.engine.connect() as connection:
            existing = connection.execute(
                sa.text(
                    "SELECT account_id, service_point_id FROM agreements "
                    "WHERE tenant_id = :t LIMIT 1"
                ),
                {"t": tenant.id},
            ).one()
        overlapping = pl.DataFrame(
            {
                "id": ["LOADOVERLAP" + tenant.id[:15]],
                "tenant_id": [tenant.id],
                "account_id": [existing.account_id],
                "service_point_id": [existing.service_point_id],
                "tariff_code": ["X"],
                "active_from": [date(2026, 2, 1)],
                "active_to": pl.Series([None], dtype=pl.Date),
            }
        )

        with pytest.raises(accounts.OverlappingAgreement):
            load_in_one_batch(container, overlapping)

        # the rule still holds for ordinary writes afterwards
        with pytest.raises(accounts.OverlappingAgreement):
            write_in_one_transaction(container, overlapping)
        with container.engine.connect() as connection:
            stored = connection.execute(
                sa.text("SELECT count(*) FROM agreements WHERE tenant_id = :t"), {"t": tenant.id}
            ).scalar_one()
        assert stored == 15


def load_in_one_batch(container: bootstrap.App, frame: pl.DataFrame) -> None:
    with bulk.loading(container.engine) as load, load.batch():
        bulk.write_frames(load.connection, [("agreements", frame)])


def write_in_one_transaction(container: bootstrap.App, frame: pl.DataFrame) -> None:
    with container.engine.begin() as connection:
        bulk.write_frames(connection, [("agreements", frame)])


class TestBulkSeedKeepsReferencesWhole:
    def test_no_row_points_at_nothing(self, sqlite_url: str) -> None:
        container = bootstrap.build(url=sqlite_url)
        tenant = identity_tenant(container)

        seed_accounts(container, tenant, 800)

        with container.engine.connect() as connection:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            # the no-overlap triggers the bulk writer swaps out and back (other tables' triggers,
            # such as the rule packs' guard, are not its business)
            triggers = connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name != 'rule_pack_versions'"
            ).scalar_one()
        assert problems == []
        assert triggers == 6


def identity_tenant(container: bootstrap.App) -> identity.Tenant:
    import secrets

    from urbis.application.identity import operations as identity_ops

    return identity_ops.create_tenant(
        uow_factory=container.uow,
        clock=container.clock,
        id_generator=container.ids,
        code=f"fk-{secrets.token_hex(4)}",
        name="Prueba",
        nit="890904996-1",
    )
