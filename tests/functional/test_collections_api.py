"""A collections journey through the API: from overdue bill to suspension and back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import publish_shipped_packs
from tests.functional.test_api_and_web import add_user, client, container, supply, token
from urbis import bootstrap
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import tables
from urbis.domain import identity, ledger
from urbis.kernel import ids
from urbis.kernel.money import Money

__all__ = ["client", "container"]  # the fixtures this module borrows

AT = datetime(2025, 11, 1, 9, tzinfo=UTC)


def post_bill(container: bootstrap.App, account: dict[str, Any], amount: str, due: date) -> None:
    entry = ledger.bill_entry(
        id=ledger.EntryId(container.ids.new_id()),
        tenant_id=ids.TenantId(account["tenant_id"]),
        account_id=ids.AccountId(account["id"]),
        source=f"bill:F-{due.isoformat()}",
        booked_at=AT,
        accounting_date=AT.date(),
        due_date=due,
        item=f"F-{due.isoformat()}",
        currency="COP",
        revenue={"ELECTRICITY": Decimal(amount)},
    )
    with container.engine.begin() as connection:
        db_ledger.LedgerRepository(connection).add(entry)


def post_payment(container: bootstrap.App, account: dict[str, Any], amount: str, item: str) -> None:
    money = Money.of(amount, "COP")
    now = container.clock.now()
    entry = ledger.JournalEntry(
        id=ledger.EntryId(container.ids.new_id()),
        tenant_id=ids.TenantId(account["tenant_id"]),
        account_id=ids.AccountId(account["id"]),
        kind=ledger.EntryKind.PAYMENT,
        source=f"payment:{container.ids.new_id()}",
        booked_at=now,
        accounting_date=now.date(),
        postings=(
            ledger.Posting(ledger.LedgerAccount.CASH, ledger.Side.DEBIT, money),
            ledger.Posting(
                ledger.LedgerAccount.CUSTOMER_RECEIVABLE, ledger.Side.CREDIT, money, item=item
            ),
        ),
    )
    with container.engine.begin() as connection:
        db_ledger.LedgerRepository(connection).add(entry)


def audit_actions(container: bootstrap.App, entity: str) -> list[str]:
    with container.engine.connect() as connection:
        rows = connection.execute(
            sa.select(tables.audit_log.c.action).where(tables.audit_log.c.entity == entity)
        )
        return [r.action for r in rows]


class TestCollectionsJourney:
    def test_an_overdue_account_is_noticed_suspended_arranged_and_reconnected(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        made = supply(client, token(client))
        account = made["account"]
        add_user(container, "cobro", identity.Role.COLLECTIONS)
        staff, field = token(client, "cobro"), token(client, "campo")
        post_bill(container, account, "180000", date(2025, 11, 20))
        publish_shipped_packs(container, account["tenant_id"])

        notice = client.post(
            "/api/v1/collections/runs", headers=staff, json={"as_of": "2026-02-20"}
        )
        suspension = client.post("/api/v1/collections/runs", headers=staff, json={})
        view = client.get(f"/api/v1/accounts/{account['id']}/collections", headers=staff).json()
        order_id = view["steps"][-1]["service_order_id"]
        assigned = client.post(
            f"/api/v1/service-orders/{order_id}/assign", headers=field, json={"to": "Cuadrilla 7"}
        )
        done = client.post(
            f"/api/v1/service-orders/{order_id}/complete", headers=field, json={"outcome": "DONE"}
        )
        suspended = client.get(f"/api/v1/accounts/{account['id']}", headers=staff).json()
        arranged = client.post(
            "/api/v1/payment-arrangements",
            headers=staff,
            json={
                "account_id": account["id"],
                "down_payment": "36000",
                "instalments": 4,
                "monthly_rate": "0.015",
                "first_due_date": "2026-04-02",
            },
        )
        post_payment(container, account, "36000", "F-2025-11-20")
        reconnection = client.post("/api/v1/collections/runs", headers=staff, json={})
        orders = client.get(
            "/api/v1/service-orders", headers=staff, params={"account_id": account["id"]}
        ).json()

        assert notice.status_code == 201, notice.text
        assert notice.json()["counts"] == {"SUSPENSION_NOTICE": 1, "ARRANGEMENTS_CLOSED": 0}
        assert notice.json()["policy"].startswith("co_collections_policy")
        # the notice's message is queued (or its suppression recorded); an order sends none
        assert sum(notice.json()["notices"].values()) == 1
        assert suspension.json()["notices"] == {"queued": 0, "suppressed": 0}
        assert suspension.json()["counts"] == {"SUSPENSION_ORDER": 1, "ARRANGEMENTS_CLOSED": 0}
        assert (assigned.status_code, done.status_code) == (200, 200)
        assert suspended["status"] == "SUSPENDED"
        assert arranged.status_code == 201, arranged.text
        schedule = arranged.json()
        assert (schedule["debt"], schedule["rounding"]) == ("180000.00", "HALF_UP")
        assert [i["number"] for i in schedule["instalments"]] == [0, 1, 2, 3, 4]
        assert reconnection.json()["counts"] == {"RECONNECTION_ORDER": 1, "ARRANGEMENTS_CLOSED": 0}
        assert [(o["kind"], o["status"]) for o in orders] == [
            ("SUSPENSION", "COMPLETED"),
            ("RECONNECTION", "OPEN"),
        ]
        assert audit_actions(container, "collection_run") == ["run", "run", "run"]
        assert "agree" in audit_actions(container, "payment_arrangement")


class TestBadInput:
    def test_refuses_unacceptable_terms_unknown_orders_and_the_wrong_role(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        made = supply(client, token(client))
        add_user(container, "cobro", identity.Role.COLLECTIONS)
        staff, field = token(client, "cobro"), token(client, "campo")
        post_bill(container, made["account"], "180000", date(2025, 11, 20))

        too_many = client.post(
            "/api/v1/payment-arrangements",
            headers=staff,
            json={
                "account_id": made["account"]["id"],
                "down_payment": "180000",
                "instalments": 4,
                "monthly_rate": "0.015",
                "first_due_date": "2026-04-02",
            },
        )
        unknown = client.post(
            "/api/v1/service-orders/NOPE/complete", headers=field, json={"outcome": "DONE"}
        )
        field_run = client.post("/api/v1/collections/runs", headers=field, json={})
        exchange_without_point = client.post(
            "/api/v1/service-orders",
            headers=staff,
            json={"account_id": made["account"]["id"], "kind": "METER_EXCHANGE", "reason": "x"},
        )

        assert (too_many.status_code, too_many.json()["code"]) == (422, "invalid_arrangement")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
        assert (field_run.status_code, field_run.json()["code"]) == (403, "role_required")
        assert exchange_without_point.json()["code"] == "invalid_service_order"
        assert audit_actions(container, "payment_arrangement") == []
