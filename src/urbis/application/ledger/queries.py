"""Reads of the ledger: an account's statement (entries, owed, open items, aging), trial balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from urbis.application.ledger import ports
from urbis.domain import ledger
from urbis.kernel import ids


def _money(value: Any) -> str:
    return str(value.amount if hasattr(value, "amount") else value)


def statement(
    *,
    ledger_repository: ports.LedgerRepository,
    tenant_id: ids.TenantId,
    account_id: ids.AccountId,
    currency: str,
    as_of: date,
) -> dict[str, Any]:
    """An account's entries, what it owes, its open items and its aging on a day, as plain data."""
    entries = list(ledger_repository.for_account(tenant_id, account_id))
    items = ledger.open_items(entries=entries, currency=currency)
    buckets = ledger.aging(items=items, as_of=as_of, currency=currency)
    running = Decimal(0)
    lines = []
    for entry in entries:
        change = sum(
            (
                p.signed
                for p in entry.postings
                if p.ledger_account
                in (ledger.LedgerAccount.CUSTOMER_RECEIVABLE, ledger.LedgerAccount.CUSTOMER_CREDIT)
            ),
            Decimal(0),
        )
        running += change
        lines.append(
            {
                "id": entry.id,
                "kind": entry.kind.value,
                "source": entry.source,
                "booked_at": entry.booked_at.isoformat(),
                "accounting_date": entry.accounting_date.isoformat(),
                "memo": entry.memo,
                "reverses": entry.reverses,
                "change": str(change),
                "balance": str(running),
            }
        )
    return {
        "account_id": account_id,
        "currency": currency,
        "as_of": as_of.isoformat(),
        "owed": _money(ledger.amount_owed(entries=entries, currency=currency)),
        "entries": lines,
        "open_items": [
            {
                "item": i.item,
                "due_date": i.due_date.isoformat(),
                "original": _money(i.original),
                "open": _money(i.open),
                "days_overdue": i.days_overdue(as_of=as_of),
            }
            for i in items
        ],
        "aging": {
            "0-30": _money(buckets.days_0_30),
            "31-60": _money(buckets.days_31_60),
            "61-90": _money(buckets.days_61_90),
            "90+": _money(buckets.days_90_plus),
            "total": _money(buckets.total),
        },
    }


def trial_balance(
    *, ledger_repository: ports.LedgerRepository, tenant_id: ids.TenantId
) -> dict[str, str]:
    """Every ledger account's balance over the tenant (debits positive); they add up to zero."""
    sums = ledger_repository.trial_balance(tenant_id)
    return {account.value: str(sums.get(account, Decimal(0))) for account in ledger.LedgerAccount}
