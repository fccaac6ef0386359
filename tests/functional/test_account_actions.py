"""
The agent's actions on the 360° page: a payment promise (that holds collections back until its
date) and a service order created without leaving the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import NOW, actor_with, publish_shipped_packs
from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.collections import operations as collections_ops
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import collections as collections_wiring
from urbis.domain import identity, ledger
from urbis.interfaces.api import create_app
from urbis.kernel import ids
from urbis.kernel.money import Money

PASSWORD = "a-long-enough-password-2026"
TODAY = NOW.date()


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def _bill(container: bootstrap.App, tenant: identity.Tenant, account_id: str, due: date) -> None:
    """An electricity bill of 180,000 COP, due on ``due``."""
    entry = ledger.bill_entry(
        id=ledger.EntryId(container.ids.new_id()),
        tenant_id=tenant.id,
        account_id=ids.AccountId(account_id),
        source=f"bill:{account_id}:{due.isoformat()}",
        booked_at=datetime(2025, 11, 1, 9, tzinfo=UTC),
        accounting_date=date(2025, 11, 1),
        due_date=due,
        item=f"F-{account_id[-6:]}-{due.isoformat()}",
        currency="COP",
        revenue={"ELECTRICITY": Decimal("180000")},
    )
    with container.engine.begin() as connection:
        db_ledger.LedgerRepository(connection).add(entry)


def _payment(
    container: bootstrap.App, tenant: identity.Tenant, account_id: str, amount: str
) -> None:
    money = Money.of(amount, "COP")
    entry = ledger.JournalEntry(
        id=ledger.EntryId(container.ids.new_id()),
        tenant_id=tenant.id,
        account_id=ids.AccountId(account_id),
        kind=ledger.EntryKind.PAYMENT,
        source=f"payment:{container.ids.new_id()}",
        booked_at=container.clock.now(),
        accounting_date=TODAY,
        postings=(
            ledger.Posting(ledger.LedgerAccount.CASH, ledger.Side.DEBIT, money),
            ledger.Posting(ledger.LedgerAccount.CUSTOMER_RECEIVABLE, ledger.Side.CREDIT, money),
        ),
    )
    with container.engine.begin() as connection:
        db_ledger.LedgerRepository(connection).add(entry)


def _sign_in(
    client: TestClient,
    container: bootstrap.App,
    tenant: identity.Tenant,
    username: str = "ana",
    role: identity.Role = identity.Role.AGENT,
) -> None:
    identity_ops.create_user(
        env=container.env(actor_with(tenant, identity.Role.ADMIN)),
        hasher=container.hasher,
        username=username,
        display_name=username.title(),
        password=PASSWORD,
        roles=(role,),
    )
    client.cookies.clear()
    client.post("/login", data={"tenant": tenant.code, "username": username, "password": PASSWORD})


def _run(container: bootstrap.App, tenant: identity.Tenant, as_of: date) -> dict[str, Any]:
    staff = actor_with(tenant, identity.Role.COLLECTIONS)
    publish_shipped_packs(container, tenant.id)
    with container.engine.begin() as connection:
        return collections_ops.run_collections(
            env=collections_wiring.database_env(
                container=container, actor=staff, connection=connection
            ),
            as_of=as_of,
        )


def _count(container: bootstrap.App, table: sa.Table, tenant: identity.Tenant) -> int:
    with container.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant.id)
            ).scalar_one()
        )


def _owing_account(container: bootstrap.App, tenant: identity.Tenant, agent_env: Env) -> str:
    home = helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)[0]
    _bill(container, tenant, home.account_id, date(2025, 11, 20))
    return home.account_id


class TestPaymentPromise:
    def test_the_promise_shows_on_the_page_and_timeline_and_holds_collections_until_broken(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        account_id = _owing_account(container, tenant, agent_env)
        _sign_in(client, container, tenant)
        promised = TODAY + timedelta(days=7)

        taken = client.post(
            f"/accounts/{account_id}/promises",
            data={
                "amount": "50000",
                "promised_date": promised.isoformat(),
                "channel": "PHONE",
                "note": "Paga con la prima",
            },
            follow_redirects=False,
        )
        page = client.get(f"/accounts/{account_id}")
        english = client.get(f"/accounts/{account_id}", params={"lang": "en"})
        held = _run(container, tenant, TODAY + timedelta(days=3))
        while_open = client.get(f"/api/v1/accounts/{account_id}/collections").json()
        resumed = _run(container, tenant, promised + timedelta(days=1))
        after = client.get(f"/api/v1/accounts/{account_id}/collections").json()

        assert taken.status_code == 303, taken.text
        assert "Promesa de pago" in page.text
        assert "50000.00 COP" in page.text
        assert f"Promesa de pago: 50000.00 COP a más tardar el {promised.isoformat()}" in page.text
        assert "Paga con la prima" in page.text
        assert "tomada por Ana" in page.text
        assert "Payment promise" in english.text
        assert while_open["steps"] == []
        assert held["counts"] == {"ARRANGEMENTS_CLOSED": 0}
        promise = while_open["promises"][0]
        assert (promise["status"], promise["channel"], promise["amount"]) == (
            "OPEN",
            "PHONE",
            "50000.00",
        )
        assert promise["taken_by"] != ""
        assert resumed["counts"].get("PROMISES_CLOSED") == 1
        assert after["promises"][0]["status"] == "BROKEN"
        assert len(after["steps"]) == 1

    def test_a_payment_covering_the_promise_keeps_it(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        account_id = _owing_account(container, tenant, agent_env)
        _sign_in(client, container, tenant)
        promised = TODAY + timedelta(days=5)
        created = client.post(
            "/api/v1/payment-promises",
            json={
                "account_id": account_id,
                "amount": "60000",
                "promised_date": promised.isoformat(),
                "channel": "WHATSAPP",
            },
        )
        _payment(container, tenant, account_id, "60000")

        run = _run(container, tenant, promised)
        view = client.get(f"/api/v1/accounts/{account_id}/collections").json()

        assert created.status_code == 201, created.text
        assert created.json()["status"] == "OPEN"
        assert run["counts"]["PROMISES_CLOSED"] == 1
        assert view["promises"][0]["status"] == "KEPT"

    def test_an_agent_withdraws_a_promise_through_the_api(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        account_id = _owing_account(container, tenant, agent_env)
        _sign_in(client, container, tenant)
        created = client.post(
            "/api/v1/payment-promises",
            json={
                "account_id": account_id,
                "amount": "1000",
                "promised_date": (TODAY + timedelta(days=2)).isoformat(),
            },
        ).json()

        cancelled = client.post(f"/api/v1/payment-promises/{created['id']}/cancel")
        again = client.post(f"/api/v1/payment-promises/{created['id']}/cancel")

        assert cancelled.json()["status"] == "CANCELLED"
        assert again.json()["code"] == "invalid_payment_promise"


class TestBadPromises:
    @pytest.mark.parametrize(
        ("amount", "days", "code"),
        [
            ("50000", -1, "promise_date_in_past"),
            ("0", 3, "promise_amount_not_positive"),
            ("-10", 3, "promise_amount_not_positive"),
            ("180000.01", 3, "promise_above_balance"),
            ("50000", 45, "promise_date_too_far"),
            ("cincuenta", 3, "invalid_value"),
            ("50.000", 3, "invalid_value"),
        ],
    )
    def test_the_page_says_why_and_writes_nothing(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
        amount: str,
        days: int,
        code: str,
    ) -> None:
        account_id = _owing_account(container, tenant, agent_env)
        _sign_in(client, container, tenant)
        before = _count(container, tables.interactions, tenant)

        refused = client.post(
            f"/accounts/{account_id}/promises",
            data={
                "amount": amount,
                "promised_date": (TODAY + timedelta(days=days)).isoformat(),
                "channel": "PHONE",
            },
            follow_redirects=False,
        )

        assert refused.status_code == 422
        assert f"<code>{code}</code>" in refused.text
        assert 'id="collections-panel"' in refused.text
        assert _count(container, tables.payment_promises, tenant) == 0
        assert _count(container, tables.interactions, tenant) == before

    def test_the_api_refuses_unknown_accounts_channels_a_second_promise_and_other_roles(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        account_id = _owing_account(container, tenant, agent_env)
        _sign_in(client, container, tenant)
        day = (TODAY + timedelta(days=3)).isoformat()
        body = {"account_id": account_id, "amount": "1000", "promised_date": day}

        unknown = client.post(
            "/api/v1/payment-promises", json={**body, "account_id": "01NOSUCHACCOUNT0000000000"}
        )
        channel = client.post("/api/v1/payment-promises", json={**body, "channel": "FAX"})
        first = client.post("/api/v1/payment-promises", json=body)
        second = client.post("/api/v1/payment-promises", json=body)
        _sign_in(client, container, tenant, "campo", identity.Role.FIELD)
        field = client.post("/api/v1/payment-promises", json=body)
        web_field = client.post(
            f"/accounts/{account_id}/promises",
            data={"amount": "1000", "promised_date": day},
            follow_redirects=False,
        )

        assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
        assert (channel.status_code, channel.json()["code"]) == (422, "invalid_payment_promise")
        assert first.status_code == 201
        assert (second.status_code, second.json()["code"]) == (409, "promise_already_open")
        assert field.status_code == 403
        assert web_field.status_code == 403
        assert _count(container, tables.payment_promises, tenant) == 1


class TestServiceOrderFromThePage:
    def test_the_new_order_comes_back_as_a_fragment_of_the_page(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)[0]
        _sign_in(client, container, tenant)
        day = TODAY + timedelta(days=4)

        fragment = client.post(
            f"/accounts/{home.account_id}/service-orders",
            data={
                "kind": "INSPECTION",
                "reason": "Revisar medidor por consumo alto",
                "scheduled_date": day.isoformat(),
            },
            headers={"HX-Request": "true"},
        )
        plain = client.post(
            f"/accounts/{home.account_id}/service-orders",
            data={"kind": "METER_EXCHANGE", "reason": "Medidor frenado", "scheduled_date": ""},
            follow_redirects=False,
        )
        orders = client.get("/api/v1/service-orders", params={"account_id": home.account_id}).json()

        assert fragment.status_code == 200, fragment.text
        assert fragment.text.lstrip().startswith('<div id="orders-panel">')
        assert "<html" not in fragment.text
        assert "Revisar medidor por consumo alto" in fragment.text
        assert day.isoformat() in fragment.text
        assert plain.status_code == 422  # a meter exchange names its service point
        assert "invalid_service_order" in plain.text
        assert [(o["kind"], o["scheduled_date"]) for o in orders] == [
            ("INSPECTION", day.isoformat())
        ]

    @pytest.mark.parametrize(
        ("data", "status", "code"),
        [
            (
                {"kind": "INSPECTION", "reason": "Visita", "scheduled_date": "2020-01-01"},
                422,
                "invalid_service_order",
            ),
            ({"kind": "DEMOLITION", "reason": "Visita"}, 422, "invalid_service_order"),
            ({"kind": "INSPECTION", "reason": "   "}, 422, "invalid_service_order"),
            (
                {"kind": "INSPECTION", "reason": "Visita", "scheduled_date": "mañana"},
                422,
                "invalid_value",
            ),
        ],
    )
    def test_bad_input_is_explained_in_the_fragment_and_nothing_is_written(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
        data: dict[str, str],
        status: int,
        code: str,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)[0]
        _sign_in(client, container, tenant)

        refused = client.post(
            f"/accounts/{home.account_id}/service-orders",
            data=data,
            headers={"HX-Request": "true"},
        )

        assert refused.status_code == status
        assert f"<code>{code}</code>" in refused.text
        assert _count(container, tables.service_orders, tenant) == 0


class TestMetersWithConsumption:
    def test_register_meters_chart_their_read_periods_and_interval_meters_their_days(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        smart, register = helpers.seed_homes(
            container, agent_env, tenant, count=2, interval_every=2, tariffs=False
        )
        helpers.add_register_reads(
            container,
            tenant,
            [
                (register.meter, datetime(2025, 12, 30, 15, tzinfo=UTC), 100.0, "ACTUAL"),
                (register.meter, datetime(2026, 1, 30, 15, tzinfo=UTC), 250.0, "ACTUAL"),
                (register.meter, datetime(2026, 2, 27, 15, tzinfo=UTC), 420.5, "ACTUAL"),
            ],
        )
        helpers.add_interval_month(container, tenant, smart.meter, date(2026, 2, 1), 0.5)
        _sign_in(client, container, tenant)

        periods = client.get(f"/accounts/{register.account_id}")
        days = client.get(f"/accounts/{smart.account_id}", params={"lang": "en"})

        assert periods.status_code == 200, periods.text
        assert "Consumo por periodo de lectura (kWh)" in periods.text
        assert '<svg role="img"' in periods.text
        assert "<td>2026-01-30</td><td>150.0</td>" in periods.text
        assert "<td>2026-02-27</td><td>170.5</td>" in periods.text
        assert days.status_code == 200, days.text
        assert "Daily use over the last 30 days (kWh)" in days.text
        assert "<td>2026-02-27</td><td>12.0</td>" in days.text
        assert days.text.count("<rect ") == 28  # February's days, within the last 30

    def test_a_meter_without_reads_says_so(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)[0]
        _sign_in(client, container, tenant)

        page = client.get(f"/accounts/{home.account_id}")

        assert "Sin lecturas todavía." in page.text
        assert "<rect " not in page.text
