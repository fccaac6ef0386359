"""Payments, deposits and refunds, how a payment is allocated, and the ledger entries they post."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import NewType

import attrs

from urbis.domain import ledger
from urbis.kernel import errors, ids
from urbis.kernel.money import Money

PaymentId = NewType("PaymentId", str)
DepositId = NewType("DepositId", str)
RefundId = NewType("RefundId", str)


class InvalidPayment(errors.InvalidValue):
    code = "invalid_payment"


class NothingToAllocate(errors.InvalidValue):
    code = "nothing_to_allocate"


class Channel(enum.Enum):
    """Where the money came in."""

    BANK = "BANK"
    COLLECTION_AGENT = "COLLECTION_AGENT"
    OFFICE = "OFFICE"
    ONLINE = "ONLINE"
    CARD = "CARD"
    TRANSFER = "TRANSFER"
    DIRECT_DEBIT = "DIRECT_DEBIT"


class PaymentStatus(enum.Enum):
    POSTED = "POSTED"
    REVERSED = "REVERSED"


class DepositStatus(enum.Enum):
    HELD = "HELD"
    APPLIED = "APPLIED"
    REFUNDED = "REFUNDED"


class AllocationStrategy(enum.Enum):
    """How a utility spreads a payment over the customer's open items."""

    OLDEST_FIRST = "OLDEST_FIRST"
    """The item due earliest is settled first (the default)."""
    NAMED_ITEM_FIRST = "NAMED_ITEM_FIRST"
    """The item the payment names (a bill id as its reference) first, then oldest first."""


@attrs.frozen
class Allocation:
    """The part of a payment, credit or deposit that settles one receivable open item."""

    item: str
    amount: Money


def _positive(amount: Money, what: str) -> None:
    if amount.amount <= 0:
        raise InvalidPayment(
            f"The {what} must be more than zero", details={"amount": str(amount.amount)}
        )


def _aware(at: datetime, what: str) -> None:
    if at.tzinfo is None:
        raise InvalidPayment(f"The {what} instant must carry its time zone")


@attrs.frozen
class Payment:
    """Money received for an account: where it went (items) and what was left (credit)."""

    id: PaymentId
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    amount: Money
    channel: Channel
    reference: str
    received_at: datetime
    entry_id: ledger.EntryId
    allocations: tuple[Allocation, ...]
    credit: Money
    status: PaymentStatus = PaymentStatus.POSTED
    reversal_entry_id: ledger.EntryId | None = None
    reversal_reason: str = ""
    bank_code: str | None = None
    transaction_id: str | None = None
    file_id: str | None = None

    def __attrs_post_init__(self) -> None:
        _positive(self.amount, "payment amount")
        _aware(self.received_at, "payment")
        if len(self.reference) > 120:
            raise InvalidPayment("A payment reference has at most 120 characters")
        allocated = sum((a.amount.amount for a in self.allocations), self.credit.amount)
        if allocated != self.amount.amount:
            raise InvalidPayment("A payment's allocations and credit must add up to its amount")


@attrs.frozen
class Deposit:
    """A guarantee taken from a customer, held until it is applied to debt or refunded."""

    id: DepositId
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    amount: Money
    taken_at: datetime
    reference: str
    entry_id: ledger.EntryId
    status: DepositStatus = DepositStatus.HELD
    closing_entry_id: ledger.EntryId | None = None

    def __attrs_post_init__(self) -> None:
        _positive(self.amount, "deposit")
        _aware(self.taken_at, "deposit")


def allocate(
    *,
    amount: Money,
    items: Sequence[ledger.OpenItem],
    strategy: AllocationStrategy = AllocationStrategy.OLDEST_FIRST,
    named_item: str | None = None,
) -> tuple[tuple[Allocation, ...], Money]:
    """
    Spread an amount over open items: oldest due first (or the named item first), never more
    than an item's open amount; what is left over is returned as the second value.

    :raises InvalidPayment: if the amount is not more than zero.
    """
    _positive(amount, "amount to allocate")
    ordered = sorted(items, key=lambda i: (i.due_date, i.item))
    if strategy is AllocationStrategy.NAMED_ITEM_FIRST and named_item is not None:
        ordered = [i for i in ordered if i.item == named_item] + [
            i for i in ordered if i.item != named_item
        ]
    left = amount
    result: list[Allocation] = []
    for item in ordered:
        if left.is_zero():
            break
        if item.open.amount <= 0:
            continue
        take = item.open if item.open <= left else left
        result.append(Allocation(item=item.item, amount=take))
        left = left - take
    return tuple(result), left


def _settling(allocations: Sequence[Allocation]) -> list[ledger.Posting]:
    return [
        ledger.Posting(
            ledger_account=ledger.LedgerAccount.CUSTOMER_RECEIVABLE,
            side=ledger.Side.CREDIT,
            amount=a.amount,
            item=a.item,
        )
        for a in allocations
    ]


def _posting(account: ledger.LedgerAccount, side: ledger.Side, amount: Money) -> ledger.Posting:
    return ledger.Posting(ledger_account=account, side=side, amount=amount)


@attrs.frozen
class Booking:
    """When and under which id an entry is booked (the instant and the accounting date)."""

    entry_id: ledger.EntryId
    booked_at: datetime
    accounting_date: date


def _entry(
    *,
    booking: Booking,
    tenant_id: ids.TenantId,
    account_id: ids.AccountId,
    kind: ledger.EntryKind,
    source: str,
    postings: list[ledger.Posting],
    memo: str,
) -> ledger.JournalEntry:
    return ledger.JournalEntry(
        id=booking.entry_id,
        tenant_id=tenant_id,
        account_id=account_id,
        kind=kind,
        source=source,
        booked_at=booking.booked_at,
        accounting_date=booking.accounting_date,
        postings=tuple(postings),
        memo=memo,
    )


def payment_entry(*, payment: Payment, booking: Booking) -> ledger.JournalEntry:
    """
    The entry a payment posts: Dr cash; Cr receivable per settled item; Cr customer credit for
    what was left over.
    """
    postings = [
        _posting(ledger.LedgerAccount.CASH, ledger.Side.DEBIT, payment.amount),
        *_settling(payment.allocations),
    ]
    if not payment.credit.is_zero():
        postings.append(
            _posting(ledger.LedgerAccount.CUSTOMER_CREDIT, ledger.Side.CREDIT, payment.credit)
        )
    return _entry(
        booking=booking,
        tenant_id=payment.tenant_id,
        account_id=payment.account_id,
        kind=ledger.EntryKind.PAYMENT,
        source=f"payment:{payment.id}",
        postings=postings,
        memo=f"{payment.channel.value} {payment.reference}".strip(),
    )


def credit_entry(
    *,
    tenant_id: ids.TenantId,
    account_id: ids.AccountId,
    allocations: Sequence[Allocation],
    booking: Booking,
) -> ledger.JournalEntry:
    """
    The entry that applies customer credit to open items: Dr customer credit; Cr receivable.

    :raises NothingToAllocate: if there are no allocations.
    """
    if not allocations:
        raise NothingToAllocate("There is no credit to apply or no open item to apply it to")
    amount = allocations[0].amount
    for a in allocations[1:]:
        amount = amount + a.amount
    return _entry(
        booking=booking,
        tenant_id=tenant_id,
        account_id=account_id,
        kind=ledger.EntryKind.CREDIT_APPLIED,
        source=f"credit:{booking.entry_id}",
        postings=[
            _posting(ledger.LedgerAccount.CUSTOMER_CREDIT, ledger.Side.DEBIT, amount),
            *_settling(allocations),
        ],
        memo="Credit applied to open items",
    )


def refund_entry(
    *,
    refund_id: RefundId,
    tenant_id: ids.TenantId,
    account_id: ids.AccountId,
    amount: Money,
    reference: str,
    booking: Booking,
) -> ledger.JournalEntry:
    """
    The entry that pays customer credit back: Dr customer credit; Cr cash.

    :raises InvalidPayment: if the amount is not more than zero.
    """
    _positive(amount, "refund")
    return _entry(
        booking=booking,
        tenant_id=tenant_id,
        account_id=account_id,
        kind=ledger.EntryKind.REFUND,
        source=f"refund:{refund_id}",
        postings=[
            _posting(ledger.LedgerAccount.CUSTOMER_CREDIT, ledger.Side.DEBIT, amount),
            _posting(ledger.LedgerAccount.CASH, ledger.Side.CREDIT, amount),
        ],
        memo=f"Refund {reference}".strip(),
    )


def deposit_taken_entry(*, deposit: Deposit, booking: Booking) -> ledger.JournalEntry:
    """The entry a deposit posts when taken: Dr cash; Cr deposits held."""
    return _entry(
        booking=booking,
        tenant_id=deposit.tenant_id,
        account_id=deposit.account_id,
        kind=ledger.EntryKind.DEPOSIT_TAKEN,
        source=f"deposit:{deposit.id}",
        postings=[
            _posting(ledger.LedgerAccount.CASH, ledger.Side.DEBIT, deposit.amount),
            _posting(ledger.LedgerAccount.DEPOSITS_HELD, ledger.Side.CREDIT, deposit.amount),
        ],
        memo=f"Deposit {deposit.reference}".strip(),
    )


def deposit_applied_entry(
    *, deposit: Deposit, allocations: Sequence[Allocation], credit: Money, booking: Booking
) -> ledger.JournalEntry:
    """
    The entry that applies a held deposit to debt: Dr deposits held; Cr receivable per item;
    Cr customer credit for what no item needed.
    """
    postings = [
        _posting(ledger.LedgerAccount.DEPOSITS_HELD, ledger.Side.DEBIT, deposit.amount),
        *_settling(allocations),
    ]
    if not credit.is_zero():
        postings.append(_posting(ledger.LedgerAccount.CUSTOMER_CREDIT, ledger.Side.CREDIT, credit))
    return _entry(
        booking=booking,
        tenant_id=deposit.tenant_id,
        account_id=deposit.account_id,
        kind=ledger.EntryKind.DEPOSIT_APPLIED,
        source=f"deposit-applied:{deposit.id}",
        postings=postings,
        memo=f"Deposit {deposit.reference} applied".strip(),
    )


def deposit_refunded_entry(*, deposit: Deposit, booking: Booking) -> ledger.JournalEntry:
    """The entry that returns a held deposit: Dr deposits held; Cr cash."""
    return _entry(
        booking=booking,
        tenant_id=deposit.tenant_id,
        account_id=deposit.account_id,
        kind=ledger.EntryKind.DEPOSIT_REFUNDED,
        source=f"deposit-refunded:{deposit.id}",
        postings=[
            _posting(ledger.LedgerAccount.DEPOSITS_HELD, ledger.Side.DEBIT, deposit.amount),
            _posting(ledger.LedgerAccount.CASH, ledger.Side.CREDIT, deposit.amount),
        ],
        memo=f"Deposit {deposit.reference} refunded".strip(),
    )


def available_credit(*, entries: Sequence[ledger.JournalEntry], currency: str) -> Money:
    """The customer credit an account may spend or have refunded (never below zero)."""
    balance = ledger.balances(entries=entries).get(ledger.LedgerAccount.CUSTOMER_CREDIT, Decimal(0))
    held = -balance  # balances are debit-positive; credit is a credit balance
    return Money.of(held, currency) if held > 0 else Money.zero(currency)
