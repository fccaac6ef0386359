"""What the ledger's use cases need from the outside world: where journal entries are kept."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from urbis.domain import ledger
from urbis.kernel import errors, ids


class DuplicateEntry(errors.Conflict):
    """An entry with the same source is already posted (the source caused it once)."""

    code = "duplicate_entry"


class LedgerRepository(Protocol):
    def add(self, entry: ledger.JournalEntry) -> None:
        """Store an entry; raises ``DuplicateEntry`` if its source is already posted."""
        ...

    def add_many(self, entries: Sequence[ledger.JournalEntry]) -> None:
        """Store many entries in bulk; raises ``DuplicateEntry`` if any source is posted."""
        ...

    def get(
        self, tenant_id: ids.TenantId, entry_id: ledger.EntryId
    ) -> ledger.JournalEntry | None: ...

    def by_source(self, tenant_id: ids.TenantId, source: str) -> ledger.JournalEntry | None: ...

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[ledger.JournalEntry]:
        """Every entry about a customer account, oldest first."""
        ...

    def reversal_of(
        self, tenant_id: ids.TenantId, entry_id: ledger.EntryId
    ) -> ledger.JournalEntry | None: ...

    def trial_balance(self, tenant_id: ids.TenantId) -> dict[ledger.LedgerAccount, Decimal]:
        """Every ledger account's balance (debits positive) over the whole tenant."""
        ...
