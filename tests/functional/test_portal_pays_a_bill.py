"""A customer pays their bill in the portal: the payment posts to the ledger and settles it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import actor_with
from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import queries as billing_queries
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import ledger as ledger_wiring
from urbis.domain import identity
from urbis.interfaces.api import create_app
from urbis.kernel import ids

PASSWORD = "a-long-enough-password-2026"


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


class TestPortalPaysABill:
    def test_a_card_payment_of_the_bill_leaves_nothing_owed(
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
        with container.engine.connect() as connection:
            holder = connection.execute(
                sa.text("SELECT holder_id FROM accounts WHERE id = :a"), {"a": home.account_id}
            ).scalar_one()
        admin = actor_with(tenant, identity.Role.ADMIN)
        identity_ops.create_user(
            env=container.env(admin),
            hasher=container.hasher,
            username="cliente",
            display_name="Cliente",
            password=PASSWORD,
            roles=(identity.Role.CUSTOMER,),
            party_id=ids.PartyId(str(holder)),
        )
        client.post(
            "/login", data={"tenant": tenant.code, "username": "cliente", "password": PASSWORD}
        )

        owed_before = ledger_wiring.statement(
            container=container,
            actor=admin,
            account_id=ids.AccountId(home.account_id),
            as_of=container.clock.now().date(),
        )["owed"]
        before = client.get(f"/portal/accounts/{home.account_id}")
        paid = client.post(
            f"/portal/accounts/{home.account_id}/pay",
            data={
                "amount": bill["total"],
                "card_number": "4242 4242 4242 4242",
                "idempotency_key": "portal-pago-0001",
            },
            follow_redirects=False,
        )
        after = client.get(f"/portal/accounts/{home.account_id}")
        statement = ledger_wiring.statement(
            container=container,
            actor=admin,
            account_id=ids.AccountId(home.account_id),
            as_of=container.clock.now().date(),
        )

        assert Decimal(owed_before) == Decimal(bill["total"]) > 0
        assert before.status_code == 200
        assert f"/api/v1/bills/{bill['id']}/pdf" in before.text
        assert paid.status_code == 303, paid.text
        assert Decimal(statement["owed"]) == 0
        assert statement["open_items"] == []
        assert after.status_code == 200
        shown = re.search(r'id="owed">([^<]*)<', after.text)
        assert shown is not None
        assert set(re.sub(r"\D", "", shown.group(1))) == {"0"}
