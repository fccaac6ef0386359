"""The ledger's repository over SQLAlchemy Core: journal entries and their postings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.application.ledger import ports
from urbis.domain import ledger
from urbis.kernel import ids
from urbis.kernel.money import Money, minor_unit


def _minor(money: Money) -> int:
    return int(money.amount.scaleb(minor_unit(money.currency)))


def _major(minor: int, currency: str) -> Money:
    return Money(Decimal(minor).scaleb(-minor_unit(currency)), currency)


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class LedgerRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _rows(
        entries: Sequence[ledger.JournalEntry],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        heads: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        for e in entries:
            heads.append(
                {
                    "id": e.id,
                    "tenant_id": e.tenant_id,
                    "account_id": e.account_id,
                    "kind": e.kind.value,
                    "source": e.source,
                    "booked_at": e.booked_at,
                    "accounting_date": e.accounting_date,
                    "currency": e.currency,
                    "reverses": e.reverses,
                    "memo": e.memo,
                }
            )
            for number, p in enumerate(e.postings, start=1):
                lines.append(
                    {
                        "entry_id": e.id,
                        "line": number,
                        "tenant_id": e.tenant_id,
                        "account_id": e.account_id,
                        "ledger_account": p.ledger_account.value,
                        "side": p.side.value,
                        "amount_minor": _minor(p.amount),
                        "service": p.service,
                        "item": p.item,
                        "due_date": p.due_date,
                    }
                )
        return heads, lines

    def add(self, entry: ledger.JournalEntry) -> None:
        self.add_many((entry,))

    def add_many(self, entries: Sequence[ledger.JournalEntry]) -> None:
        if not entries:
            return
        heads, lines = self._rows(entries)
        try:
            with self._c.begin_nested():
                self._c.execute(t.journal_entries.insert(), heads)
                self._c.execute(t.postings.insert(), lines)
        except sa.exc.IntegrityError as exc:
            text = str(exc.orig)
            if "source" in text:
                raise ports.DuplicateEntry(
                    "An entry with one of these sources is already posted",
                    details={"sources": sorted({e.source for e in entries})[:10]},
                ) from None
            if "reverses" in text:
                raise ports.DuplicateEntry(
                    "That entry is already reversed",
                    details={"reverses": sorted({str(e.reverses) for e in entries})[:10]},
                ) from None
            raise

    def _load(self, where: sa.ColumnElement[bool]) -> list[ledger.JournalEntry]:
        heads = self._c.execute(
            sa.select(t.journal_entries)
            .where(where)
            .order_by(t.journal_entries.c.booked_at, t.journal_entries.c.id)
        ).all()
        if not heads:
            return []
        by_entry: dict[str, list[ledger.Posting]] = {h.id: [] for h in heads}
        currency = {h.id: h.currency for h in heads}
        for chunk_start in range(0, len(heads), 500):
            chunk = [h.id for h in heads[chunk_start : chunk_start + 500]]
            for p in self._c.execute(
                sa.select(t.postings)
                .where(t.postings.c.entry_id.in_(chunk))
                .order_by(t.postings.c.entry_id, t.postings.c.line)
            ):
                by_entry[p.entry_id].append(
                    ledger.Posting(
                        ledger_account=ledger.LedgerAccount(p.ledger_account),
                        side=ledger.Side(p.side),
                        amount=_major(p.amount_minor, currency[p.entry_id]),
                        service=p.service,
                        item=p.item,
                        due_date=_date(p.due_date),
                    )
                )
        return [
            ledger.JournalEntry(
                id=ledger.EntryId(h.id),
                tenant_id=ids.TenantId(h.tenant_id),
                account_id=ids.AccountId(h.account_id),
                kind=ledger.EntryKind(h.kind),
                source=h.source,
                booked_at=_utc(h.booked_at),
                accounting_date=_date(h.accounting_date) or date.min,
                postings=tuple(by_entry[h.id]),
                reverses=None if h.reverses is None else ledger.EntryId(h.reverses),
                memo=h.memo,
            )
            for h in heads
        ]

    def _one(self, where: sa.ColumnElement[bool]) -> ledger.JournalEntry | None:
        found = self._load(where)
        return found[0] if found else None

    def get(self, tenant_id: ids.TenantId, entry_id: ledger.EntryId) -> ledger.JournalEntry | None:
        je = t.journal_entries.c
        return self._one((je.tenant_id == tenant_id) & (je.id == entry_id))

    def by_source(self, tenant_id: ids.TenantId, source: str) -> ledger.JournalEntry | None:
        je = t.journal_entries.c
        return self._one((je.tenant_id == tenant_id) & (je.source == source))

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[ledger.JournalEntry]:
        je = t.journal_entries.c
        return self._load((je.tenant_id == tenant_id) & (je.account_id == account_id))

    def reversal_of(
        self, tenant_id: ids.TenantId, entry_id: ledger.EntryId
    ) -> ledger.JournalEntry | None:
        je = t.journal_entries.c
        return self._one((je.tenant_id == tenant_id) & (je.reverses == entry_id))

    def trial_balance(self, tenant_id: ids.TenantId) -> dict[ledger.LedgerAccount, Decimal]:
        p = t.postings.c
        je = t.journal_entries.c
        signed = sa.case((p.side == "DEBIT", p.amount_minor), else_=-p.amount_minor)
        rows = self._c.execute(
            sa.select(p.ledger_account, je.currency, sa.func.sum(signed))
            .select_from(t.postings.join(t.journal_entries, t.journal_entries.c.id == p.entry_id))
            .where(p.tenant_id == tenant_id)
            .group_by(p.ledger_account, je.currency)
        ).all()
        sums: dict[ledger.LedgerAccount, Decimal] = {}
        for account, currency, minor in rows:
            key = ledger.LedgerAccount(account)
            sums[key] = sums.get(key, Decimal(0)) + _major(int(minor), currency).amount
        return sums


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
