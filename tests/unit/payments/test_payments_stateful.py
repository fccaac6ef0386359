"""
Any sequence of bills, payments (with retried keys), reversals, credit applications, refunds and
deposits keeps the ledger's promises: every entry balances, the balance is the sum of the
postings, cash is what came in less what went back, and no bill is settled beyond what it asked.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
)

from tests.unit.payments import fakes
from urbis.application.payments import operations
from urbis.domain import ledger, payments
from urbis.kernel.money import Money

ACCOUNTS = ("0000000018", "0000000026")
cents = st.integers(min_value=1, max_value=5_000_000).map(
    lambda c: Money(Decimal(c).scaleb(-2), "COP")
)


class PaymentsMachine(RuleBasedStateMachine):
    posted = Bundle("posted")
    held = Bundle("held")

    @initialize()
    def start(self) -> None:
        self.holder, self.env, self.accounts = fakes.setup(*ACCOUNTS)
        self.bills = 0
        self.owed = {a.id: Decimal(0) for a in self.accounts}
        self.cash = Decimal(0)
        self.deposits_held = Decimal(0)
        self.requests: dict[str, tuple[int, Money, payments.PaymentId]] = {}

    @rule(account=st.sampled_from(range(len(ACCOUNTS))), amount=cents, days=st.integers(0, 120))
    def bill(self, account: int, amount: Money, days: int) -> None:
        self.bills += 1
        target = self.accounts[account]
        entry = ledger.bill_entry(
            id=ledger.EntryId(f"BILL{self.bills:022d}"),
            tenant_id=target.tenant_id,
            account_id=target.id,
            source=f"bill:B{self.bills}",
            booked_at=fakes.NOW,
            accounting_date=date(2026, 1, 1),
            due_date=date(2026, 1, 1) + timedelta(days=days),
            item=f"B{self.bills}",
            currency="COP",
            revenue={"WATER": amount.amount},
        )
        self.holder.store.entries.append(entry)
        self.owed[target.id] += amount.amount

    @rule(
        target=posted,
        account=st.sampled_from(range(len(ACCOUNTS))),
        amount=cents,
        key=st.one_of(st.none(), st.text("abc", min_size=1, max_size=3)),
    )
    def pay(self, account: int, amount: Money, key: str | None) -> payments.PaymentId:
        if key is not None and key in self.requests:
            account, amount, earlier = self.requests[key]
            recorded = self._pay(account, amount, key)
            assert recorded.replayed
            assert recorded.payment.id == earlier
            return earlier
        recorded = self._pay(account, amount, key)
        assert not recorded.replayed
        if key is not None:
            self.requests[key] = (account, amount, recorded.payment.id)
        self.owed[self.accounts[account].id] -= amount.amount
        self.cash += amount.amount
        return recorded.payment.id

    def _pay(self, account: int, amount: Money, key: str | None) -> operations.RecordedPayment:
        return operations.record_payment(
            env=self.env,
            account_id=self.accounts[account].id,
            amount=amount,
            received_at=fakes.NOW,
            channel=payments.Channel.BANK,
            idempotency_key=key,
        )

    @rule(payment_id=consumes(posted))
    def reverse(self, payment_id: payments.PaymentId) -> None:
        before = self.holder.store.paid[payment_id]
        if before.status is payments.PaymentStatus.REVERSED:  # a replayed key's payment
            return
        operations.reverse_payment(env=self.env, payment_id=payment_id, reason="devuelto")
        self.owed[before.account_id] += before.amount.amount
        self.cash -= before.amount.amount

    @rule(account=st.sampled_from(range(len(ACCOUNTS))))
    def apply_credit(self, account: int) -> None:
        operations.apply_credit(env=self.env, account_id=self.accounts[account].id)

    @rule(account=st.sampled_from(range(len(ACCOUNTS))), share=st.integers(1, 100))
    def refund(self, account: int, share: int) -> None:
        target = self.accounts[account]
        credit = payments.available_credit(
            entries=[e for e in self.holder.store.entries if e.account_id == target.id],
            currency="COP",
        )
        if credit.is_zero():
            return
        amount = Money.of(
            max(Decimal("0.01"), (credit.amount * share / 100).quantize(Decimal("0.01"))), "COP"
        )
        operations.refund_credit(env=self.env, account_id=target.id, amount=amount)
        self.owed[target.id] += amount.amount
        self.cash -= amount.amount

    @rule(target=held, account=st.sampled_from(range(len(ACCOUNTS))), amount=cents)
    def take_deposit(self, account: int, amount: Money) -> payments.DepositId:
        deposit = operations.take_deposit(
            env=self.env,
            account_id=self.accounts[account].id,
            amount=amount,
            received_at=fakes.NOW,
        )
        self.cash += amount.amount
        self.deposits_held += amount.amount
        return deposit.id

    @rule(deposit_id=consumes(held), refund=st.booleans())
    def close_deposit(self, deposit_id: payments.DepositId, refund: bool) -> None:
        deposit = self.holder.store.held[deposit_id]
        self.deposits_held -= deposit.amount.amount
        if refund:
            operations.refund_deposit(env=self.env, deposit_id=deposit_id)
            self.cash -= deposit.amount.amount
        else:
            operations.apply_deposit(env=self.env, deposit_id=deposit_id)
            self.owed[deposit.account_id] -= deposit.amount.amount

    @precondition(lambda self: hasattr(self, "holder"))
    @invariant()
    def every_entry_balances(self) -> None:
        for entry in self.holder.store.entries:
            assert sum((p.signed for p in entry.postings), Decimal(0)) == 0

    @precondition(lambda self: hasattr(self, "holder"))
    @invariant()
    def the_balance_is_the_sum_of_the_postings(self) -> None:
        for account in self.accounts:
            mine = [e for e in self.holder.store.entries if e.account_id == account.id]
            summed = sum(
                (
                    p.signed
                    for e in mine
                    for p in e.postings
                    if p.ledger_account
                    in (
                        ledger.LedgerAccount.CUSTOMER_RECEIVABLE,
                        ledger.LedgerAccount.CUSTOMER_CREDIT,
                    )
                ),
                Decimal(0),
            )
            assert ledger.amount_owed(entries=mine, currency="COP").amount == summed
            assert summed == self.owed[account.id]

    @precondition(lambda self: hasattr(self, "holder"))
    @invariant()
    def cash_is_payments_less_refunds_and_reversals(self) -> None:
        sums = ledger.balances(entries=self.holder.store.entries)
        assert sums.get(ledger.LedgerAccount.CASH, Decimal(0)) == self.cash
        assert sums.get(ledger.LedgerAccount.DEPOSITS_HELD, Decimal(0)) == -self.deposits_held
        assert sum(sums.values(), Decimal(0)) == 0

    @precondition(lambda self: hasattr(self, "holder"))
    @invariant()
    def no_item_is_settled_beyond_what_it_asked(self) -> None:
        per_item: dict[str, Decimal] = {}
        for entry in self.holder.store.entries:
            for p in entry.postings:
                if p.ledger_account is ledger.LedgerAccount.CUSTOMER_RECEIVABLE and p.item:
                    per_item[p.item] = per_item.get(p.item, Decimal(0)) + p.signed
        assert all(left >= 0 for left in per_item.values()), per_item


PaymentsMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=25, deadline=None)
TestPaymentsStateMachine = PaymentsMachine.TestCase
