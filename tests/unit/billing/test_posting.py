"""Columnar bill postings are exactly the ledger's own bill entries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from urbis.domain import billing, ledger
from urbis.kernel import ids

AT = datetime(2026, 11, 5, 12, tzinfo=UTC)
amounts = st.integers(min_value=0, max_value=10**9)


class TestBillPostings:
    @settings(max_examples=60, deadline=None)
    @given(revenue=amounts, subsidy=amounts, contribution=amounts, taxes=amounts)
    def test_equal_the_ledgers_bill_entry(
        self, revenue: int, subsidy: int, contribution: int, taxes: int
    ) -> None:
        if revenue == subsidy == contribution == taxes == 0:
            return
        bills = pl.DataFrame(
            {
                "id": ["B1"],
                "entry_id": ["E1"],
                "tenant_id": ["T1"],
                "account_id": ["A1"],
                "service": ["WATER"],
                "currency": ["COP"],
                "issue_date": [date(2026, 11, 5)],
                "due_date": [date(2026, 11, 20)],
                "revenue": [revenue],
                "subsidy": [subsidy],
                "contribution": [contribution],
                "taxes": [taxes],
            }
        )

        heads, postings = billing.bill_postings(bills=bills, booked_at=AT)

        def cop(minor: int) -> Decimal:
            return Decimal(minor).scaleb(-2)

        entry = ledger.bill_entry(
            id=ledger.EntryId("E1"),
            tenant_id=ids.TenantId("T1"),
            account_id=ids.AccountId("A1"),
            source="bill:B1",
            booked_at=AT,
            accounting_date=date(2026, 11, 5),
            due_date=date(2026, 11, 20),
            item="B1",
            currency="COP",
            revenue={"WATER": cop(revenue)},
            subsidy={"WATER": cop(subsidy)},
            contribution={"WATER": cop(contribution)},
            taxes=cop(taxes),
        )
        expected = [
            (
                n,
                p.ledger_account.value,
                p.side.value,
                int(p.amount.amount.scaleb(2)),
                p.service,
                p.item,
                p.due_date,
            )
            for n, p in enumerate(entry.postings, start=1)
        ]
        assert (
            postings.select(
                "line", "ledger_account", "side", "amount_minor", "service", "item", "due_date"
            ).rows()
            == expected
        )
        assert heads.select("id", "source", "kind", "currency").rows() == [
            ("E1", "bill:B1", "BILL", "COP")
        ]
