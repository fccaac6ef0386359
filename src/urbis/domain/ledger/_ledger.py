"""
The receivables ledger: double-entry journal entries, balances, open items and aging.

Every entry balances (debits equal credits in one currency); corrections are reversing entries,
never edits. A receivable *open item* (usually a bill) is opened by a debit to the customer
receivable that names the item and its due date, and settled by credits that name it.
See docs/adr/0009-receivables-ledger.md.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import NewType

import attrs

from urbis.kernel import errors, ids
from urbis.kernel.money import Money, total

EntryId = NewType("EntryId", str)


class UnbalancedEntry(errors.InvalidValue):
    code = "unbalanced_entry"


class InvalidPosting(errors.InvalidValue):
    code = "invalid_posting"


class LedgerAccount(enum.Enum):
    """The chart of accounts of the receivables ledger."""

    CUSTOMER_RECEIVABLE = "CUSTOMER_RECEIVABLE"
    REVENUE = "REVENUE"
    SUBSIDY_RECEIVABLE = "SUBSIDY_RECEIVABLE"
    CONTRIBUTION_PAYABLE = "CONTRIBUTION_PAYABLE"
    TAXES_PAYABLE = "TAXES_PAYABLE"
    CASH = "CASH"
    CUSTOMER_CREDIT = "CUSTOMER_CREDIT"
    DEPOSITS_HELD = "DEPOSITS_HELD"


class Side(enum.Enum):
    DEBIT = "DEBIT"
    CREDIT = "CREDIT"

    def opposite(self) -> Side:
        return Side.CREDIT if self is Side.DEBIT else Side.DEBIT


class EntryKind(enum.Enum):
    BILL = "BILL"
    PAYMENT = "PAYMENT"
    CREDIT_APPLIED = "CREDIT_APPLIED"
    REFUND = "REFUND"
    DEPOSIT_TAKEN = "DEPOSIT_TAKEN"
    DEPOSIT_APPLIED = "DEPOSIT_APPLIED"
    DEPOSIT_REFUNDED = "DEPOSIT_REFUNDED"
    ADJUSTMENT = "ADJUSTMENT"
    REVERSAL = "REVERSAL"


@attrs.frozen
class Posting:
    """One line of a journal entry: an amount to one side of one ledger account."""

    ledger_account: LedgerAccount
    side: Side
    amount: Money
    service: str | None = None
    item: str | None = None
    due_date: date | None = None

    def __attrs_post_init__(self) -> None:
        if self.amount.amount <= 0:
            raise InvalidPosting(
                "A posting moves a positive amount; the side says which way",
                details={"amount": str(self.amount.amount)},
            )

    @property
    def signed(self) -> Decimal:
        """The amount, positive for a debit and negative for a credit."""
        return self.amount.amount if self.side is Side.DEBIT else -self.amount.amount


@attrs.frozen
class JournalEntry:
    """A balanced set of postings about one customer account, caused by one thing (its source)."""

    id: EntryId
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    kind: EntryKind
    source: str
    booked_at: datetime
    accounting_date: date
    postings: tuple[Posting, ...]
    reverses: EntryId | None = None
    memo: str = ""

    def __attrs_post_init__(self) -> None:
        if len(self.postings) < 2:
            raise UnbalancedEntry(
                "A journal entry has at least two postings", details={"source": self.source}
            )
        currencies = {p.amount.currency for p in self.postings}
        if len(currencies) != 1:
            raise UnbalancedEntry(
                "A journal entry is in one currency",
                details={"currencies": sorted(currencies), "source": self.source},
            )
        difference = sum((p.signed for p in self.postings), Decimal(0))
        if difference != 0:
            raise UnbalancedEntry(
                "Debits and credits of a journal entry must be equal",
                details={"difference": str(difference), "source": self.source},
            )
        if not self.source:
            raise InvalidPosting("A journal entry names its source")
        if self.booked_at.tzinfo is None:
            raise InvalidPosting("A journal entry is booked at an aware instant")

    @property
    def currency(self) -> str:
        return self.postings[0].amount.currency

    @property
    def amount(self) -> Money:
        """The entry's size: the sum of its debits."""
        return total(
            (p.amount for p in self.postings if p.side is Side.DEBIT), currency=self.currency
        )


def reverse_entry(
    *, entry: JournalEntry, id: EntryId, booked_at: datetime, accounting_date: date, memo: str = ""
) -> JournalEntry:
    """Make the entry that undoes another: the same postings with their sides swapped."""
    return JournalEntry(
        id=id,
        tenant_id=entry.tenant_id,
        account_id=entry.account_id,
        kind=EntryKind.REVERSAL,
        source=f"reversal:{entry.id}",
        booked_at=booked_at,
        accounting_date=accounting_date,
        postings=tuple(attrs.evolve(p, side=p.side.opposite()) for p in entry.postings),
        reverses=entry.id,
        memo=memo or f"Reversal of {entry.kind.value.lower()} {entry.source}",
    )


def _positive(values: Mapping[str, Decimal], what: str) -> None:
    for service, amount in values.items():
        if amount < 0:
            raise InvalidPosting(
                f"A bill's {what} per service is not negative",
                details={"service": service, what: str(amount)},
            )


def bill_entry(
    *,
    id: EntryId,
    tenant_id: ids.TenantId,
    account_id: ids.AccountId,
    source: str,
    booked_at: datetime,
    accounting_date: date,
    due_date: date,
    item: str,
    currency: str,
    revenue: Mapping[str, Decimal],
    subsidy: Mapping[str, Decimal] | None = None,
    contribution: Mapping[str, Decimal] | None = None,
    taxes: Decimal = Decimal(0),
    memo: str = "",
) -> JournalEntry:
    """
    Post a bill: the customer owes revenue − subsidy + contribution + taxes.

    Revenue (full cost) is earned per service; the subsidy is owed by the solidarity fund and
    the contribution is owed to it; taxes are owed to the authority. A bill that nets to a
    credit for the customer (subsidy above revenue) credits the customer's credit account.

    :raises InvalidPosting: if an amount is negative or every amount is zero.
    :raises UnbalancedEntry: never for valid amounts (the receivable is the balancing figure).
    """
    subsidy = subsidy or {}
    contribution = contribution or {}
    _positive(revenue, "revenue")
    _positive(subsidy, "subsidy")
    _positive(contribution, "contribution")
    if taxes < 0:
        raise InvalidPosting("A bill's taxes are not negative", details={"taxes": str(taxes)})

    def money(value: Decimal) -> Money:
        return Money.of(value, currency)

    postings: list[Posting] = []
    for service, amount in sorted(subsidy.items()):
        if amount:
            postings.append(
                Posting(LedgerAccount.SUBSIDY_RECEIVABLE, Side.DEBIT, money(amount), service)
            )
    for service, amount in sorted(revenue.items()):
        if amount:
            postings.append(Posting(LedgerAccount.REVENUE, Side.CREDIT, money(amount), service))
    for service, amount in sorted(contribution.items()):
        if amount:
            postings.append(
                Posting(LedgerAccount.CONTRIBUTION_PAYABLE, Side.CREDIT, money(amount), service)
            )
    if taxes:
        postings.append(Posting(LedgerAccount.TAXES_PAYABLE, Side.CREDIT, money(taxes)))
    owed = -sum((p.signed for p in postings), Decimal(0))
    if owed > 0:
        postings.insert(
            0,
            Posting(
                LedgerAccount.CUSTOMER_RECEIVABLE,
                Side.DEBIT,
                money(owed),
                item=item,
                due_date=due_date,
            ),
        )
    elif owed < 0:
        postings.append(Posting(LedgerAccount.CUSTOMER_CREDIT, Side.CREDIT, money(-owed)))
    if not postings:
        raise InvalidPosting("A bill with nothing to post", details={"source": source})
    return JournalEntry(
        id=id,
        tenant_id=tenant_id,
        account_id=account_id,
        kind=EntryKind.BILL,
        source=source,
        booked_at=booked_at,
        accounting_date=accounting_date,
        postings=tuple(postings),
        memo=memo,
    )


def credit_overpaid_item(
    *,
    entries: Iterable[JournalEntry],
    item: str,
    id: EntryId,
    tenant_id: ids.TenantId,
    account_id: ids.AccountId,
    booked_at: datetime,
    accounting_date: date,
    currency: str,
) -> JournalEntry | None:
    """
    Move what was paid against an item beyond what it now asks (a cancelled, part-paid bill)
    to the customer's credit, so it can pay other bills or be refunded; None if nothing is over.
    """
    left = sum(
        (
            p.signed
            for e in entries
            for p in e.postings
            if p.ledger_account is LedgerAccount.CUSTOMER_RECEIVABLE and p.item == item
        ),
        Decimal(0),
    )
    if left >= 0:
        return None
    over = Money.of(-left, currency)
    return JournalEntry(
        id=id,
        tenant_id=tenant_id,
        account_id=account_id,
        kind=EntryKind.ADJUSTMENT,
        source=f"overpaid:{item}:{id}",
        booked_at=booked_at,
        accounting_date=accounting_date,
        postings=(
            Posting(LedgerAccount.CUSTOMER_RECEIVABLE, Side.DEBIT, over, item=item),
            Posting(LedgerAccount.CUSTOMER_CREDIT, Side.CREDIT, over),
        ),
        memo=f"Paid on {item} beyond what it asks, kept as credit",
    )


def balances(*, entries: Iterable[JournalEntry]) -> dict[LedgerAccount, Decimal]:
    """Sum postings per ledger account, debits positive and credits negative."""
    sums: dict[LedgerAccount, Decimal] = {}
    for entry in entries:
        for posting in entry.postings:
            sums[posting.ledger_account] = (
                sums.get(posting.ledger_account, Decimal(0)) + posting.signed
            )
    return sums


def amount_owed(*, entries: Iterable[JournalEntry], currency: str) -> Money:
    """What the customer owes: their receivable less their credit (negative when in credit)."""
    sums = balances(entries=entries)
    return Money.of(
        sums.get(LedgerAccount.CUSTOMER_RECEIVABLE, Decimal(0))
        + sums.get(LedgerAccount.CUSTOMER_CREDIT, Decimal(0)),
        currency,
    )


@attrs.frozen
class OpenItem:
    """A receivable item (a bill) with what it first asked and what is still unpaid."""

    item: str
    due_date: date
    original: Money
    open: Money

    def days_overdue(self, *, as_of: date) -> int:
        return max(0, (as_of - self.due_date).days)


def open_items(*, entries: Iterable[JournalEntry], currency: str) -> tuple[OpenItem, ...]:
    """
    The receivable items still (partly) unpaid, oldest due date first.

    Debits to the customer receivable that name an item open it (and set its due date and
    first amount); credits that name it settle it; a reversal of the opening entry closes it.
    """
    opened: dict[str, Decimal] = {}
    due: dict[str, date] = {}
    balance: dict[str, Decimal] = {}
    for entry in entries:
        for p in entry.postings:
            if p.ledger_account is not LedgerAccount.CUSTOMER_RECEIVABLE or p.item is None:
                continue
            balance[p.item] = balance.get(p.item, Decimal(0)) + p.signed
            if p.side is Side.DEBIT and entry.kind is not EntryKind.REVERSAL:
                opened[p.item] = opened.get(p.item, Decimal(0)) + p.amount.amount
                if p.due_date is not None:
                    due[p.item] = min(due.get(p.item, p.due_date), p.due_date)
    items = [
        OpenItem(
            item=item,
            due_date=due.get(item, date.min),
            original=Money.of(opened.get(item, Decimal(0)), currency),
            open=Money.of(left, currency),
        )
        for item, left in balance.items()
        if left > 0
    ]
    return tuple(sorted(items, key=lambda i: (i.due_date, i.item)))


@attrs.frozen
class Aging:
    """Unpaid receivable by days past due: 0–30 (including not yet due), 31–60, 61–90, 90+."""

    days_0_30: Money
    days_31_60: Money
    days_61_90: Money
    days_90_plus: Money

    @property
    def total(self) -> Money:
        return self.days_0_30 + self.days_31_60 + self.days_61_90 + self.days_90_plus


def aging(*, items: Iterable[OpenItem], as_of: date, currency: str) -> Aging:
    """Spread open items over the aging buckets by their days past due on ``as_of``."""
    buckets = [Decimal(0)] * 4
    for item in items:
        days = item.days_overdue(as_of=as_of)
        bucket = 0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3
        buckets[bucket] += item.open.amount
    return Aging(*(Money.of(b, currency) for b in buckets))
