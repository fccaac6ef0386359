"""Payments through the HTTP API: idempotent payments, reversals, credit, deposits, bank files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import NOW
from tests.functional.test_api_and_web import add_user, make_tenant, token
from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import tables
from urbis.adapters.formats import payment_files
from urbis.domain import identity, ledger
from urbis.interfaces.api import create_app
from urbis.kernel import ids


@pytest.fixture
def container(tmp_path: Path) -> bootstrap.App:
    return bootstrap.build(
        url=f"sqlite:///{tmp_path / 'payments.sqlite3'}",
        clock=system.FixedClock(NOW),
        secret="a-test-signing-secret-of-enough-length-0123456789",
    )


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    make_tenant(container, "epm")
    add_user(container, "cobros", identity.Role.COLLECTIONS)
    with TestClient(create_app(container)) as test_client:
        yield test_client


def new_account(client: TestClient, auth: dict[str, str], name: str, document: str) -> Any:
    party = client.post(
        "/api/v1/parties",
        headers=auth,
        json={"kind": "PERSON", "name": name, "document_type": "CC", "document_number": document},
    ).json()
    account = client.post(
        "/api/v1/accounts", headers=auth, json={"holder_id": party["id"], "billing_cycle": "C05"}
    ).json()
    account["holder_id"] = party["id"]
    return account


def bill(container: bootstrap.App, account: Any, item: str, amount: str, due: date) -> None:
    entry = ledger.bill_entry(
        id=ledger.EntryId(container.ids.new_id()),
        tenant_id=ids.TenantId(account["tenant_id"]),
        account_id=ids.AccountId(account["id"]),
        source=f"bill:{item}",
        booked_at=NOW,
        accounting_date=due,
        due_date=due,
        item=item,
        currency="COP",
        revenue={"WATER": Decimal(amount)},
    )
    with container.engine.begin() as connection:
        db_ledger.LedgerRepository(connection).add(entry)


def count(container: bootstrap.App, table: str) -> int:
    t = tables.metadata.tables[table]
    with container.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())


def payment(account: Any, amount: str = "25000.00", **more: Any) -> dict[str, Any]:
    return {
        "account_number": account["number"],
        "amount": amount,
        "currency": "COP",
        "received_at": "2026-03-02T10:00:00-05:00",
        "channel": "OFFICE",
        "reference": "caja 1",
        **more,
    }


class TestRecordPaymentOverHttp:
    def test_a_retried_request_posts_once_and_answers_the_same(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        account = new_account(client, auth, "Marta Ospina", "32456789")
        bill(container, account, "B1", "40000.00", date(2026, 2, 20))
        headers = {**auth, "Idempotency-Key": "caja1-000017"}

        first = client.post("/api/v1/payments", headers=headers, json=payment(account))
        again = client.post("/api/v1/payments", headers=headers, json=payment(account))

        assert first.status_code == 201
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert first.json()["allocations"] == [{"item": "B1", "amount": "25000.00"}]
        assert count(container, "payments") == 1
        assert count(container, "journal_entries") == 2

    def test_the_same_key_with_another_body_is_a_conflict(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        account = new_account(client, auth, "Marta Ospina", "32456789")
        headers = {**auth, "Idempotency-Key": "k-1"}
        client.post("/api/v1/payments", headers=headers, json=payment(account))

        other = client.post("/api/v1/payments", headers=headers, json=payment(account, "1.00"))

        assert other.status_code == 409
        assert other.json()["code"] == "idempotency_key_reused"
        assert count(container, "payments") == 1

    def test_a_payment_without_a_key_or_for_an_unknown_account_posts_nothing(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        account = new_account(client, auth, "Marta Ospina", "32456789")

        keyless = client.post("/api/v1/payments", headers=auth, json=payment(account))
        unknown = client.post(
            "/api/v1/payments",
            headers={**auth, "Idempotency-Key": "k-2"},
            json=payment({"number": "1234567897"}),
        )
        badly = client.post(
            "/api/v1/payments",
            headers={**auth, "Idempotency-Key": "k-3"},
            json=payment(account, "12,5"),
        )

        assert (keyless.status_code, keyless.json()["code"]) == (422, "idempotency_key_required")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_account")
        assert (badly.status_code, badly.json()["code"]) == (422, "invalid_request")
        assert count(container, "payments") == 0
        assert count(container, "payment_requests") == 0
        assert count(container, "journal_entries") == 0

    def test_a_customer_pays_their_own_account_and_no_one_elses(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        mine = new_account(client, auth, "Marta Ospina", "32456789")
        theirs = new_account(client, auth, "Vecino", "9988776")
        add_user(container, "marta", identity.Role.CUSTOMER, party_id=mine["holder_id"])
        me = {**token(client, "marta"), "Idempotency-Key": "portal-1"}

        own = client.post("/api/v1/payments", headers=me, json=payment(mine, channel="ONLINE"))
        other = client.post(
            "/api/v1/payments",
            headers={**me, "Idempotency-Key": "portal-2"},
            json=payment(theirs, channel="ONLINE"),
        )

        assert own.status_code == 201
        assert (other.status_code, other.json()["code"]) == (404, "unknown_account")


class TestMoneyBackAndDeposits:
    def test_reversal_refund_and_deposit_journey(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        agent = token(client)
        treasurer = token(client, "cobros")
        account = new_account(client, agent, "Marta Ospina", "32456789")
        bill(container, account, "B1", "30000.00", date(2026, 2, 20))
        bounced = client.post(
            "/api/v1/payments",
            headers={**agent, "Idempotency-Key": "p-1"},
            json=payment(account, "30000.00", channel="BANK"),
        ).json()
        client.post(
            "/api/v1/payments",
            headers={**agent, "Idempotency-Key": "p-2"},
            json=payment(account, "50000.00"),
        )

        agent_reversal = client.post(
            f"/api/v1/payments/{bounced['id']}/reversal", headers=agent, json={"reason": "x"}
        )
        reversal = client.post(
            f"/api/v1/payments/{bounced['id']}/reversal",
            headers=treasurer,
            json={"reason": "cheque devuelto"},
        )
        applied = client.post(f"/api/v1/accounts/{account['id']}/credit/application", headers=agent)
        refund = client.post(
            f"/api/v1/accounts/{account['id']}/refunds",
            headers=treasurer,
            json={"amount": "20000.00", "currency": "COP"},
        )
        too_much = client.post(
            f"/api/v1/accounts/{account['id']}/refunds",
            headers=treasurer,
            json={"amount": "0.01", "currency": "COP"},
        )
        deposit = client.post(
            "/api/v1/deposits",
            headers=agent,
            json={
                "account_id": account["id"],
                "amount": "100000.00",
                "currency": "COP",
                "received_at": "2026-03-02T10:00:00-05:00",
            },
        ).json()
        refunded = client.post(f"/api/v1/deposits/{deposit['id']}/refund", headers=treasurer)
        position = client.get(f"/api/v1/accounts/{account['id']}/position", headers=agent).json()
        listed = client.get(f"/api/v1/accounts/{account['id']}/payments", headers=agent).json()

        assert agent_reversal.status_code == 403
        assert reversal.json()["status"] == "REVERSED"
        assert applied.json()["applied"] == [{"item": "B1", "amount": "30000.00"}]
        assert refund.status_code == 201
        assert (too_much.status_code, too_much.json()["code"]) == (422, "not_enough_credit")
        assert refunded.json()["status"] == "REFUNDED"
        assert position["amount_owed"] == "0.00"
        assert position["deposits_held"] == "0.00"
        assert [p["status"] for p in listed] == ["REVERSED", "POSTED"]


class TestPaymentFilesOverHttp:
    def test_a_bank_file_posts_once_and_a_bad_one_names_its_rows(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        account = new_account(client, auth, "Marta Ospina", "32456789")
        row = {
            "bank_code": "051",
            "agreement": "88001",
            "payment_reference": account["number"],
            "amount": "15000.00",
            "paid_at": "2026-03-01T16:20:00-05:00",
            "channel": "BANK",
            "transaction_id": "0001",
        }
        content = payment_files.write([row])
        bad = payment_files.write([{**row, "amount": "15.000,00", "transaction_id": "0002"}])

        first = client.post(
            "/api/v1/payment-files", params={"name": "b051.csv"}, headers=auth, content=content
        )
        twice = client.post(
            "/api/v1/payment-files", params={"name": "b051.csv"}, headers=auth, content=content
        )
        invalid = client.post(
            "/api/v1/payment-files", params={"name": "bad.csv"}, headers=auth, content=bad
        )

        assert first.status_code == 201
        assert first.json()["posted"] == 1
        assert (twice.status_code, twice.json()["code"]) == (409, "duplicate_payment_file")
        assert invalid.status_code == 422
        assert invalid.json()["code"] == "invalid_payment_file"
        assert [(p["row"], p["code"]) for p in invalid.json()["details"]["problems"]] == [
            (2, "invalid_amount")
        ]
        assert count(container, "payments") == 1
