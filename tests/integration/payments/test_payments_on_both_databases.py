"""Payments against a real database, once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest

from tests.integration.payments.support import (
    PAID_AT,
    audit_actions,
    count,
    entries,
    open_account,
    payments_env,
    post_bill,
)
from urbis import bootstrap
from urbis.adapters.db import payments as db_payments
from urbis.application.payments import operations, queries
from urbis.domain import identity, ledger, payments
from urbis.kernel import ids
from urbis.kernel.money import Money


def cop(amount: str) -> Money:
    return Money.of(amount, "COP")


def owed(container: bootstrap.App, account_id: ids.AccountId, tenant: identity.Tenant) -> str:
    position = queries.account_position(env=payments_env(container, tenant), account_id=account_id)
    return str(position["amount_owed"])


class TestRecordPayment:
    def test_settles_the_oldest_bill_first_and_keeps_the_rest_as_credit(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Luz Dary Gómez")
        post_bill(container, account, item="B-FEB", amount="80000.00", due=date(2026, 2, 20))
        post_bill(container, account, item="B-JAN", amount="50000.00", due=date(2026, 1, 20))
        env = payments_env(container, tenant, identity.Role.AGENT)

        recorded = operations.record_payment(
            env=env,
            account_number=account.number,
            amount=cop("150000.00"),
            received_at=PAID_AT,
            channel=payments.Channel.OFFICE,
            reference="caja 3",
            idempotency_key="k-1",
        )

        assert [(a.item, a.amount) for a in recorded.payment.allocations] == [
            ("B-JAN", cop("50000.00")),
            ("B-FEB", cop("80000.00")),
        ]
        assert recorded.payment.credit == cop("20000.00")
        position = queries.account_position(env=env, account_id=account.id)
        assert position["amount_owed"] == "-20000.00"
        assert position["credit"] == "20000.00"
        assert position["open_items"] == []
        assert ("payment", "record") in audit_actions(container, tenant.id)

    def test_a_retry_with_the_same_key_posts_once_and_answers_the_same(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Pedro Pérez")
        post_bill(container, account, item="B1", amount="30000.00", due=date(2026, 2, 20))
        env = payments_env(container, tenant, identity.Role.AGENT)

        def pay() -> operations.RecordedPayment:
            return operations.record_payment(
                env=env,
                account_id=account.id,
                amount=cop("10000.00"),
                received_at=PAID_AT,
                channel=payments.Channel.ONLINE,
                idempotency_key="retry-me",
            )

        first, second = pay(), pay()

        assert not first.replayed
        assert second.replayed
        assert second.payment == first.payment
        assert count(container, "payments", tenant.id) == 1
        assert owed(container, account.id, tenant) == "20000.00"

    def test_the_same_key_for_another_payment_is_refused_and_posts_nothing(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Ana Ruiz")
        env = payments_env(container, tenant, identity.Role.AGENT)
        operations.record_payment(
            env=env,
            account_id=account.id,
            amount=cop("10000.00"),
            received_at=PAID_AT,
            channel=payments.Channel.ONLINE,
            idempotency_key="once",
        )

        with pytest.raises(operations.IdempotencyKeyReused) as refused:
            operations.record_payment(
                env=env,
                account_id=account.id,
                amount=cop("99999.00"),
                received_at=PAID_AT,
                channel=payments.Channel.ONLINE,
                idempotency_key="once",
            )

        assert refused.value.code == "idempotency_key_reused"
        assert count(container, "payments", tenant.id) == 1
        assert len(entries(container, account)) == 1

    def test_a_payment_for_an_unknown_account_posts_nothing(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        env = payments_env(container, tenant, identity.Role.AGENT)

        with pytest.raises(operations.UnknownAccount) as refused:
            operations.record_payment(
                env=env,
                account_number="0000000000",
                amount=cop("10000.00"),
                received_at=PAID_AT,
                channel=payments.Channel.BANK,
                idempotency_key="nobody",
            )

        assert refused.value.code == "unknown_account"
        assert count(container, "payments", tenant.id) == 0
        assert count(container, "payment_requests", tenant.id) == 0
        assert count(container, "journal_entries", tenant.id) == 0

    def test_a_named_bill_is_settled_first_when_the_utility_chose_so(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Jorge Mejía")
        post_bill(container, account, item="OLD", amount="40000.00", due=date(2026, 1, 20))
        post_bill(container, account, item="NEW", amount="40000.00", due=date(2026, 2, 20))
        env = payments_env(container, tenant)
        operations.set_allocation_strategy(
            env=env, strategy=payments.AllocationStrategy.NAMED_ITEM_FIRST
        )

        recorded = operations.record_payment(
            env=env,
            account_id=account.id,
            amount=cop("50000.00"),
            received_at=PAID_AT,
            channel=payments.Channel.BANK,
            reference="NEW",
        )

        assert [(a.item, a.amount) for a in recorded.payment.allocations] == [
            ("NEW", cop("40000.00")),
            ("OLD", cop("10000.00")),
        ]


class TestReversePayment:
    def test_a_bounced_payment_reopens_the_bills_it_settled(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Marta Osorio")
        post_bill(container, account, item="B1", amount="60000.00", due=date(2026, 2, 20))
        env = payments_env(container, tenant)
        paid = operations.record_payment(
            env=env,
            account_id=account.id,
            amount=cop("70000.00"),
            received_at=PAID_AT,
            channel=payments.Channel.BANK,
        ).payment

        reversed_payment = operations.reverse_payment(
            env=env, payment_id=paid.id, reason="cheque devuelto"
        )

        assert reversed_payment.status is payments.PaymentStatus.REVERSED
        position = queries.account_position(env=env, account_id=account.id)
        assert position["amount_owed"] == "60000.00"
        assert position["credit"] == "0.00"
        assert [i["item"] for i in position["open_items"]] == ["B1"]
        kinds = [e.kind for e in entries(container, account)]
        assert kinds.count(ledger.EntryKind.REVERSAL) == 1
        with pytest.raises(operations.PaymentAlreadyReversed):
            operations.reverse_payment(env=env, payment_id=paid.id, reason="again")
        assert len(entries(container, account)) == 3


class TestCreditAndRefunds:
    def test_credit_pays_a_later_bill_and_the_rest_is_refunded(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Sofía Restrepo")
        env = payments_env(container, tenant)
        operations.record_payment(
            env=env,
            account_id=account.id,
            amount=cop("100000.00"),
            received_at=PAID_AT,
            channel=payments.Channel.TRANSFER,
        )
        post_bill(container, account, item="B2", amount="30000.00", due=date(2026, 3, 20))

        applied = operations.apply_credit(env=env, account_id=account.id)
        refund = operations.refund_credit(
            env=env, account_id=account.id, amount=cop("70000.00"), reference="transferencia"
        )

        assert [(a.item, a.amount) for a in applied] == [("B2", cop("30000.00"))]
        assert refund.amount == cop("70000.00")
        position = queries.account_position(env=env, account_id=account.id)
        assert position["amount_owed"] == "0.00"
        assert position["credit"] == "0.00"
        with pytest.raises(operations.NotEnoughCredit):
            operations.refund_credit(env=env, account_id=account.id, amount=cop("1.00"))


class TestDeposits:
    def test_a_deposit_is_held_then_applied_to_debt_with_the_rest_as_credit(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Carlos Vélez")
        env = payments_env(container, tenant)
        deposit = operations.take_deposit(
            env=env, account_id=account.id, amount=cop("50000.00"), received_at=PAID_AT
        )
        post_bill(container, account, item="B1", amount="35000.00", due=date(2026, 2, 20))

        applied = operations.apply_deposit(env=env, deposit_id=deposit.id)

        assert applied.status is payments.DepositStatus.APPLIED
        position = queries.account_position(env=env, account_id=account.id)
        assert position["deposits_held"] == "0.00"
        assert position["credit"] == "15000.00"
        assert position["open_items"] == []
        with pytest.raises(operations.DepositNotHeld):
            operations.refund_deposit(env=env, deposit_id=deposit.id)

    def test_a_refunded_deposit_returns_the_cash(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Elena Cano")
        env = payments_env(container, tenant)
        deposit = operations.take_deposit(
            env=env, account_id=account.id, amount=cop("50000.00"), received_at=PAID_AT
        )

        operations.refund_deposit(env=env, deposit_id=deposit.id)

        sums = ledger.balances(entries=entries(container, account))
        assert sums.get(ledger.LedgerAccount.CASH, Decimal(0)) == 0
        assert sums.get(ledger.LedgerAccount.DEPOSITS_HELD, Decimal(0)) == 0
        assert ("deposit", "refund") in audit_actions(container, tenant.id)


class TestOpenItemsInBulk:
    def test_the_bulk_read_agrees_with_the_ledger_after_payments_and_a_reversal(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        ana = open_account(container, tenant, "Ana Gómez")
        luis = open_account(container, tenant, "Luis Mora")
        for account, base in ((ana, 0), (luis, 5)):
            post_bill(container, account, item=f"B{base}", amount="100.00", due=date(2026, 1, 5))
            post_bill(container, account, item=f"C{base}", amount="70.50", due=date(2026, 2, 5))
        env = payments_env(container, tenant)
        kept = operations.record_payment(
            env=env,
            account_id=ana.id,
            amount=cop("120.00"),
            received_at=PAID_AT,
            channel=payments.Channel.BANK,
        )
        bounced = operations.record_payment(
            env=env,
            account_id=luis.id,
            amount=cop("150.00"),
            received_at=PAID_AT,
            channel=payments.Channel.BANK,
        )
        operations.reverse_payment(env=env, payment_id=bounced.payment.id, reason="devuelto")

        with container.engine.connect() as connection:
            bulk = db_payments.PaymentRepository(connection).open_items_for(
                tenant.id, [ana.id, luis.id], "COP"
            )

        for account in (ana, luis):
            assert bulk[account.id] == ledger.open_items(
                entries=entries(container, account), currency="COP"
            )
        assert [i.open for i in bulk[ana.id]] == [cop("50.50")]
        assert kept.payment.credit == cop("0.00")


class TestRacingRetries:
    def test_two_requests_with_one_key_at_once_post_one_payment(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        account = open_account(container, tenant, "Ana Gómez")
        post_bill(container, account, item="B1", amount="100.00", due=date(2026, 1, 5))
        env = payments_env(container, tenant, identity.Role.AGENT)
        start = threading.Barrier(4)

        def pay() -> operations.RecordedPayment:
            start.wait()
            return operations.record_payment(
                env=env,
                account_id=account.id,
                amount=cop("60.00"),
                received_at=PAID_AT,
                channel=payments.Channel.ONLINE,
                idempotency_key="gateway-approval-1",
            )

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda _n: pay(), range(4)))

        assert len({r.payment.id for r in results}) == 1
        assert sorted(r.replayed for r in results) == [False, True, True, True]
        assert count(container, "payments", tenant.id) == 1
        assert owed(container, account.id, tenant) == "40.00"
