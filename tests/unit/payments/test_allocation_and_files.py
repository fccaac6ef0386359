"""Allocation of money to open items, the entries payments post, and the payment file reader."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbis.adapters.formats import payment_files
from urbis.domain import ledger, payments
from urbis.kernel import ids
from urbis.kernel.money import Money


def cop(amount: str | int) -> Money:
    return Money.of(amount, "COP")


def item(name: str, due: date, amount: str) -> ledger.OpenItem:
    return ledger.OpenItem(item=name, due_date=due, original=cop(amount), open=cop(amount))


ITEMS = (
    item("FEB", date(2026, 2, 20), "80000.00"),
    item("JAN", date(2026, 1, 20), "50000.00"),
)


class TestAllocate:
    def test_settles_the_oldest_due_first(self) -> None:
        allocations, left = payments.allocate(amount=cop("60000.00"), items=ITEMS)

        assert allocations == (
            payments.Allocation("JAN", cop("50000.00")),
            payments.Allocation("FEB", cop("10000.00")),
        )
        assert left == cop(0)

    def test_keeps_what_no_item_needs(self) -> None:
        _allocations, left = payments.allocate(amount=cop("200000.00"), items=ITEMS)

        assert left == cop("70000.00")

    def test_settles_the_named_item_first_when_the_strategy_says_so(self) -> None:
        allocations, _left = payments.allocate(
            amount=cop("60000.00"),
            items=ITEMS,
            strategy=payments.AllocationStrategy.NAMED_ITEM_FIRST,
            named_item="FEB",
        )

        assert [a.item for a in allocations] == ["FEB"]

    @given(
        amounts=st.lists(st.integers(1, 10**8), min_size=0, max_size=6),
        paid=st.integers(1, 10**9),
    )
    def test_never_gives_an_item_more_than_it_owes_and_loses_nothing(
        self, amounts: list[int], paid: int
    ) -> None:
        items = [
            item(f"B{n}", date(2026, 1, 1 + n), str(Decimal(a).scaleb(-2)))
            for n, a in enumerate(amounts)
        ]
        amount = Money(Decimal(paid).scaleb(-2), "COP")

        allocations, left = payments.allocate(amount=amount, items=items)

        open_by_item = {i.item: i.open for i in items}
        assert all(a.amount <= open_by_item[a.item] for a in allocations)
        assert sum((a.amount.amount for a in allocations), left.amount) == amount.amount
        assert left.amount >= 0


class TestPaymentEntry:
    def test_debits_cash_and_credits_the_items_and_the_customer_credit(self) -> None:
        at = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
        payment = payments.Payment(
            id=payments.PaymentId("P1"),
            tenant_id=ids.TenantId("T1"),
            account_id=ids.AccountId("A1"),
            amount=cop("100.00"),
            channel=payments.Channel.BANK,
            reference="x",
            received_at=at,
            entry_id=ledger.EntryId("E1"),
            allocations=(payments.Allocation("JAN", cop("60.00")),),
            credit=cop("40.00"),
        )

        entry = payments.payment_entry(
            payment=payment,
            booking=payments.Booking(ledger.EntryId("E1"), at, date(2026, 3, 2)),
        )

        assert entry.source == "payment:P1"
        assert [(p.ledger_account, p.side, p.amount, p.item) for p in entry.postings] == [
            (ledger.LedgerAccount.CASH, ledger.Side.DEBIT, cop("100.00"), None),
            (ledger.LedgerAccount.CUSTOMER_RECEIVABLE, ledger.Side.CREDIT, cop("60.00"), "JAN"),
            (ledger.LedgerAccount.CUSTOMER_CREDIT, ledger.Side.CREDIT, cop("40.00"), None),
        ]

    def test_a_payment_whose_parts_do_not_add_up_cannot_be_made(self) -> None:
        with pytest.raises(payments.InvalidPayment):
            payments.Payment(
                id=payments.PaymentId("P1"),
                tenant_id=ids.TenantId("T1"),
                account_id=ids.AccountId("A1"),
                amount=cop("100.00"),
                channel=payments.Channel.BANK,
                reference="",
                received_at=datetime(2026, 3, 2, tzinfo=UTC),
                entry_id=ledger.EntryId("E1"),
                allocations=(),
                credit=cop("99.00"),
            )


HEADER = "bank_code,agreement,payment_reference,amount,paid_at,channel,transaction_id\n"
GOOD = "007,15234,0000000018,125000.50,2026-03-02T09:15:00-05:00,BANK,T-1\n"


def read(text: str | bytes) -> payments.PaymentFile:
    content = text.encode() if isinstance(text, str) else text
    return payment_files.read(name="f.csv", content=content, currency="COP")


def problems(text: str | bytes) -> list[tuple[int, str]]:
    with pytest.raises(payments.InvalidPaymentFile) as refused:
        read(text)
    return [(p["row"], p["code"]) for p in refused.value.details["problems"]]


class TestReadPaymentFile:
    def test_reads_a_row_with_a_byte_order_mark_and_crlf_line_ends(self) -> None:
        parsed = read(("\ufeff" + HEADER + GOOD).replace("\n", "\r\n").encode())

        (row,) = parsed.rows
        assert (row.row, row.reference, row.amount) == (2, "0000000018", cop("125000.50"))
        assert row.paid_at == datetime(2026, 3, 2, 14, 15, tzinfo=UTC)
        assert row.channel is payments.Channel.BANK
        assert len(parsed.digest) == 64

    def test_names_every_bad_row_by_its_line_and_code(self) -> None:
        bad = (
            HEADER
            + GOOD
            + "007,15234,0000000018,1.234,2026-03-02T09:15:00-05:00,BANK,T-2\n"
            + "007,15234,0000000018,10,2026-03-02T09:15:00,BANK,T-3\n"
            + "007,15234,ABC,10,2026-03-02T09:15:00Z,PIGEON,T-4\n"
            + "007,15234,0000000018,10\n"
        )

        assert problems(bad) == [
            (3, "invalid_amount"),
            (4, "invalid_paid_at"),
            (5, "invalid_reference"),
            (5, "invalid_channel"),
            (6, "wrong_column_count"),
        ]

    def test_refuses_a_wrong_header_an_empty_file_and_other_encodings(self) -> None:
        assert problems("a,b,c\n" + GOOD) == [(1, "wrong_header")]
        assert problems(HEADER) == [(0, "empty_file")]
        assert problems((HEADER + GOOD.replace("T-1", "Ñ-1")).encode("latin-1")) == [
            (0, "not_utf8")
        ]

    def test_writes_what_it_reads(self) -> None:
        parsed = read(HEADER + GOOD)

        again = payment_files.write(
            [
                {
                    "bank_code": r.bank_code,
                    "agreement": r.agreement,
                    "payment_reference": r.reference,
                    "amount": str(r.amount.amount),
                    "paid_at": r.paid_at.isoformat(),
                    "channel": r.channel.value,
                    "transaction_id": r.transaction_id,
                }
                for r in parsed.rows
            ]
        )

        assert read(again).rows[0].amount == parsed.rows[0].amount
