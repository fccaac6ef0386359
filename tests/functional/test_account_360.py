"""The agent's 360° page: bills with their PDFs, payments, service orders and collections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.conftest import actor_with
from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import queries as billing_queries
from urbis.application.identity import operations as identity_ops
from urbis.application.payments import operations as payment_ops
from urbis.application.service_orders import operations as order_ops
from urbis.bootstrap import payments as payments_wiring
from urbis.bootstrap import service_orders as orders_wiring
from urbis.domain import identity, payments, service_orders
from urbis.interfaces.api import create_app
from urbis.kernel import ids
from urbis.kernel.money import Money

PASSWORD = "a-long-enough-password-2026"


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


class TestAccount360:
    def test_the_agent_sees_bills_payments_and_orders_of_the_account(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1)[0]
        helpers.add_register_reads(
            container,
            tenant,
            [
                (home.meter, datetime(2026, 9, 30, 15, tzinfo=UTC), 100.0, "ACTUAL"),
                (home.meter, datetime(2026, 10, 30, 15, tzinfo=UTC), 250.0, "ACTUAL"),
            ],
        )
        env = helpers.billing_env(container, tenant)
        billing_ops.start_run(env=env, cycle="C01", period="2026-10")
        bill = billing_queries.bills_of_account(env=env, account_id=home.account_id)[0]
        staff = actor_with(tenant, identity.Role.AGENT, identity.Role.FIELD, identity.Role.ADMIN)
        payment_ops.record_payment(
            env=payments_wiring.env(container=container, actor=staff),
            amount=Money.of(12345, "COP"),
            received_at=datetime(2026, 11, 10, 14, tzinfo=UTC),
            channel=payments.Channel.OFFICE,
            account_id=ids.AccountId(home.account_id),
        )
        with container.engine.begin() as connection:
            order_ops.create_order(
                env=orders_wiring.database_env(
                    container=container, actor=staff, connection=connection
                ),
                account_id=ids.AccountId(home.account_id),
                kind=service_orders.OrderKind.INSPECTION,
                reason="Revisar instalación por consumo alto",
            )
        identity_ops.create_user(
            env=container.env(staff),
            hasher=container.hasher,
            username="ana",
            display_name="Ana",
            password=PASSWORD,
            roles=(identity.Role.AGENT,),
        )
        client.post("/login", data={"tenant": tenant.code, "username": "ana", "password": PASSWORD})

        page = client.get(f"/accounts/{home.account_id}")
        english = client.get(f"/accounts/{home.account_id}", params={"lang": "en"})

        assert page.status_code == 200, page.text
        assert "Facturas" in page.text
        assert f"/api/v1/bills/{bill['id']}/pdf" in page.text
        assert "2026-10" in page.text
        assert f"{bill['total']} COP" in page.text
        assert "2026-11-10" in page.text
        assert "12345" in page.text
        assert "Revisar instalación por consumo alto" in page.text
        assert "Cartera" in page.text
        assert "Service orders" in english.text
        assert "Payments" in english.text
