"""Writes of the ledger: post an entry, reverse one. Callers run them inside their transaction."""

from __future__ import annotations

from datetime import date, datetime

from urbis.application.ledger import ports
from urbis.domain import ledger
from urbis.kernel import errors, ids


class EntryNotFound(errors.NotFound):
    code = "entry_not_found"


class AlreadyReversed(errors.Conflict):
    code = "already_reversed"


class CannotReverseReversal(errors.Conflict):
    code = "cannot_reverse_reversal"


def post_entry(
    *, ledger_repository: ports.LedgerRepository, entry: ledger.JournalEntry
) -> ledger.JournalEntry:
    """
    Post a balanced journal entry once.

    :raises DuplicateEntry: if an entry with the same source is already posted.
    """
    if ledger_repository.by_source(entry.tenant_id, entry.source) is not None:
        raise ports.DuplicateEntry(
            f"{entry.source} is already posted", details={"source": entry.source}
        )
    ledger_repository.add(entry)
    return entry


def reverse(
    *,
    ledger_repository: ports.LedgerRepository,
    tenant_id: ids.TenantId,
    entry_id: ledger.EntryId,
    new_id: ledger.EntryId,
    booked_at: datetime,
    accounting_date: date,
    memo: str = "",
) -> ledger.JournalEntry:
    """
    Undo a posted entry with a reversing entry; the original is never edited.

    :raises EntryNotFound: if no entry has that id in the tenant.
    :raises AlreadyReversed: if the entry was reversed before.
    :raises CannotReverseReversal: if the entry is itself a reversal.
    """
    entry = ledger_repository.get(tenant_id, entry_id)
    if entry is None:
        raise EntryNotFound(f"No journal entry {entry_id}", details={"entry_id": entry_id})
    if entry.kind is ledger.EntryKind.REVERSAL:
        raise CannotReverseReversal(
            "A reversal is not reversed; post the original again", details={"entry_id": entry_id}
        )
    if ledger_repository.reversal_of(tenant_id, entry_id) is not None:
        raise AlreadyReversed(
            f"Journal entry {entry_id} is already reversed", details={"entry_id": entry_id}
        )
    reversal = ledger.reverse_entry(
        entry=entry, id=new_id, booked_at=booked_at, accounting_date=accounting_date, memo=memo
    )
    ledger_repository.add(reversal)
    return reversal
