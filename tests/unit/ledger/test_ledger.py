"""The receivables ledger: balanced entries, reversals, open items and aging."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from urbis.domain import ledger
from urbis.kernel import ids
from urbis.kernel.money import Money

T = ids.TenantId("T")
A = ids.AccountId("A")
AT = datetime(2026, 5, 1, 12, tzinfo=UTC)
L = ledger.LedgerAccount


def cop(value: str | int) -> Money:
    return Money.of(value, "COP")


def posting(
    account: ledger.LedgerAccount, side: ledger.Side, amount: str, **kw: object
) -> ledger.Posting:
    return ledger.Posting(account, side, cop(amount), **kw)  # type: ignore[arg-type]


def entry(
    source: str, *postings: ledger.Posting, kind: ledger.EntryKind = ledger.EntryKind.ADJUSTMENT
) -> ledger.JournalEntry:
    return ledger.JournalEntry(
        id=ledger.EntryId(source),
        tenant_id=T,
        account_id=A,
        kind=kind,
        source=source,
        booked_at=AT,
        accounting_date=AT.date(),
        postings=postings,
    )


def bill(
    item: str,
    *,
    due: date,
    revenue: str,
    subsidy: str = "0",
    contribution: str = "0",
    taxes: str = "0",
) -> ledger.JournalEntry:
    return ledger.bill_entry(
        id=ledger.EntryId(item),
        tenant_id=T,
        account_id=A,
        source=f"bill:{item}",
        booked_at=AT,
        accounting_date=AT.date(),
        due_date=due,
        item=item,
        currency="COP",
        revenue={"ELECTRICITY": Decimal(revenue)},
        subsidy={"ELECTRICITY": Decimal(subsidy)},
        contribution={"ELECTRICITY": Decimal(contribution)},
        taxes=Decimal(taxes),
    )


def payment(source: str, amount: str, item: str) -> ledger.JournalEntry:
    return entry(
        source,
        posting(L.CASH, ledger.Side.DEBIT, amount),
        posting(L.CUSTOMER_RECEIVABLE, ledger.Side.CREDIT, amount, item=item),
        kind=ledger.EntryKind.PAYMENT,
    )


class TestJournalEntry:
    def test_refuses_debits_that_do_not_equal_credits(self) -> None:
        with pytest.raises(ledger.UnbalancedEntry) as refused:
            entry(
                "x",
                posting(L.CASH, ledger.Side.DEBIT, "100.00"),
                posting(L.CUSTOMER_RECEIVABLE, ledger.Side.CREDIT, "99.99"),
            )

        assert refused.value.code == "unbalanced_entry"
        assert refused.value.details["difference"] == "0.01"

    def test_refuses_a_single_posting_and_mixed_currencies(self) -> None:
        with pytest.raises(ledger.UnbalancedEntry):
            entry("x", posting(L.CASH, ledger.Side.DEBIT, "1"))
        with pytest.raises(ledger.UnbalancedEntry):
            entry(
                "y",
                ledger.Posting(L.CASH, ledger.Side.DEBIT, Money.of(1, "USD")),
                posting(L.CUSTOMER_RECEIVABLE, ledger.Side.CREDIT, "1"),
            )

    def test_refuses_zero_or_negative_amounts(self) -> None:
        with pytest.raises(ledger.InvalidPosting):
            posting(L.CASH, ledger.Side.DEBIT, "0")


class TestBillEntry:
    def test_a_subsidised_bill_charges_the_customer_full_cost_less_subsidy(self) -> None:
        posted = bill("B1", due=date(2026, 5, 20), revenue="100000", subsidy="60000", taxes="0")

        sums = ledger.balances(entries=[posted])

        assert sums[L.CUSTOMER_RECEIVABLE] == Decimal(40000)
        assert sums[L.SUBSIDY_RECEIVABLE] == Decimal(60000)
        assert sums[L.REVENUE] == Decimal(-100000)
        assert posted.postings[0].item == "B1"
        assert posted.postings[0].due_date == date(2026, 5, 20)

    def test_a_contribution_and_taxes_are_owed_to_others(self) -> None:
        posted = bill(
            "B2", due=date(2026, 5, 20), revenue="100000", contribution="20000", taxes="19000"
        )

        sums = ledger.balances(entries=[posted])

        assert sums[L.CUSTOMER_RECEIVABLE] == Decimal(139000)
        assert sums[L.CONTRIBUTION_PAYABLE] == Decimal(-20000)
        assert sums[L.TAXES_PAYABLE] == Decimal(-19000)

    def test_refuses_a_bill_with_nothing_to_post(self) -> None:
        with pytest.raises(ledger.InvalidPosting):
            bill("B3", due=date(2026, 5, 20), revenue="0")


class TestOpenItemsAndAging:
    def test_a_part_payment_leaves_the_rest_of_the_bill_open(self) -> None:
        entries = [
            bill("B1", due=date(2026, 1, 20), revenue="50000"),
            bill("B2", due=date(2026, 3, 20), revenue="30000"),
            payment("P1", "20000", "B1"),
        ]

        items = ledger.open_items(entries=entries, currency="COP")

        assert [(i.item, i.open.amount) for i in items] == [
            ("B1", Decimal(30000)),
            ("B2", Decimal(30000)),
        ]
        assert ledger.amount_owed(entries=entries, currency="COP") == cop(60000)

    def test_spreads_open_items_by_days_past_due(self) -> None:
        entries = [
            bill("OLD", due=date(2026, 1, 1), revenue="400"),
            bill("MID", due=date(2026, 3, 1), revenue="300"),
            bill("NEW", due=date(2026, 4, 1), revenue="200"),
            bill("NOT-DUE", due=date(2026, 6, 1), revenue="100"),
        ]
        items = ledger.open_items(entries=entries, currency="COP")

        buckets = ledger.aging(items=items, as_of=date(2026, 5, 1), currency="COP")

        assert buckets.days_90_plus == cop(400)  # 120 days
        assert buckets.days_61_90 == cop(300)  # 61 days
        assert buckets.days_0_30 == cop(300)  # 30 days and not yet due
        assert buckets.days_31_60 == cop(0)
        assert buckets.total == cop(1000)

    def test_a_reversed_bill_is_no_longer_open_and_a_reversed_payment_reopens_it(self) -> None:
        first = bill("B1", due=date(2026, 1, 20), revenue="50000")
        paid = payment("P1", "50000", "B1")
        bounced = ledger.reverse_entry(
            entry=paid, id=ledger.EntryId("R1"), booked_at=AT, accounting_date=AT.date()
        )
        cancelled = ledger.reverse_entry(
            entry=first, id=ledger.EntryId("R2"), booked_at=AT, accounting_date=AT.date()
        )

        assert ledger.open_items(entries=[first, paid], currency="COP") == ()
        reopened = ledger.open_items(entries=[first, paid, bounced], currency="COP")
        assert [(i.item, i.open.amount, i.original.amount) for i in reopened] == [
            ("B1", Decimal(50000), Decimal(50000))
        ]
        assert ledger.open_items(entries=[first, cancelled], currency="COP") == ()
        assert bounced.source == "reversal:P1"
        assert bounced.reverses == "P1"


amounts = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2))


class LedgerMachine(RuleBasedStateMachine):
    """Any sequence of bills, payments, credits, reversals and rebills keeps the books right."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[ledger.JournalEntry] = []
        self.reversed: set[str] = set()
        self.n = 0
        self.cash = Decimal(0)

    def _next(self) -> str:
        self.n += 1
        return f"E{self.n:05d}"

    def _post(self, new: ledger.JournalEntry) -> None:
        self.entries.append(new)

    @rule(
        revenue=amounts,
        subsidy_share=st.integers(0, 70),
        contribution_share=st.integers(0, 20),
        taxes=amounts,
        due=st.integers(0, 200),
    )
    def post_a_bill(
        self,
        revenue: Decimal,
        subsidy_share: int,
        contribution_share: int,
        taxes: Decimal,
        due: int,
    ) -> None:
        key = self._next()
        subsidy = (revenue * subsidy_share / 100).quantize(Decimal("0.01"))
        contribution = (revenue * contribution_share / 100).quantize(Decimal("0.01"))
        self._post(
            ledger.bill_entry(
                id=ledger.EntryId(key),
                tenant_id=T,
                account_id=A,
                source=f"bill:{key}",
                booked_at=AT,
                accounting_date=AT.date(),
                due_date=date.fromordinal(date(2026, 1, 1).toordinal() + due),
                item=key,
                currency="COP",
                revenue={"WATER": revenue},
                subsidy={"WATER": subsidy},
                contribution={"WATER": contribution},
                taxes=taxes,
            )
        )

    @precondition(lambda self: bool(self.entries))
    @rule(data=st.data())
    def pay_part_of_an_open_item(self, data: st.DataObject) -> None:
        items = ledger.open_items(entries=self.entries, currency="COP")
        if not items:
            return
        item = data.draw(st.sampled_from(items))
        cents = data.draw(st.integers(1, int(item.open.amount * 100)))
        amount = Decimal(cents).scaleb(-2)
        key = self._next()
        self._post(payment(key, str(amount), item.item))
        self.cash += amount

    @precondition(lambda self: bool(self.entries))
    @rule(data=st.data())
    def reverse_an_entry(self, data: st.DataObject) -> None:
        candidates = [
            e
            for e in self.entries
            if e.kind in (ledger.EntryKind.BILL, ledger.EntryKind.PAYMENT)
            and e.id not in self.reversed
        ]
        if not candidates:
            return
        original = data.draw(st.sampled_from(candidates))
        reversal = ledger.reverse_entry(
            entry=original, id=ledger.EntryId(self._next()), booked_at=AT, accounting_date=AT.date()
        )
        self.reversed.add(original.id)
        self._post(reversal)
        if original.kind is ledger.EntryKind.PAYMENT:
            self.cash -= original.amount.amount
        if original.kind is ledger.EntryKind.BILL:
            over = ledger.credit_overpaid_item(
                entries=self.entries,
                item=original.id,
                id=ledger.EntryId(self._next()),
                tenant_id=T,
                account_id=A,
                booked_at=AT,
                accounting_date=AT.date(),
                currency="COP",
            )
            if over is not None:
                self._post(over)

    @invariant()
    def every_entry_balances_and_the_books_add_up_to_zero(self) -> None:
        sums = ledger.balances(entries=self.entries)
        assert sum(sums.values(), Decimal(0)) == 0
        for e in self.entries:
            assert sum((p.signed for p in e.postings), Decimal(0)) == 0

    @invariant()
    def cash_is_what_was_paid_and_not_bounced(self) -> None:
        assert ledger.balances(entries=self.entries).get(L.CASH, Decimal(0)) == self.cash

    @invariant()
    def what_is_owed_is_the_sum_of_open_items_less_credit(self) -> None:
        sums = ledger.balances(entries=self.entries)
        items = ledger.open_items(entries=self.entries, currency="COP")
        receivable = sums.get(L.CUSTOMER_RECEIVABLE, Decimal(0))
        assert receivable == sum((i.open.amount for i in items), Decimal(0))
        assert all(i.open <= i.original for i in items)
        assert ledger.amount_owed(
            entries=self.entries, currency="COP"
        ).amount == receivable + sums.get(L.CUSTOMER_CREDIT, Decimal(0))


TestLedgerInvariants = LedgerMachine.TestCase
TestLedgerInvariants.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
