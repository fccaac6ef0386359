"""Ports of the payments context: its repositories and the unit of work its use cases run in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol

import attrs

from urbis.application import ports
from urbis.application.ledger import ports as ledger_ports
from urbis.domain import identity, ledger, payments
from urbis.kernel import errors, ids


class RequestAlreadyRecorded(errors.Conflict):
    """Another request with the same idempotency key was recorded first (a racing retry)."""

    code = "idempotency_key_in_flight"


class TransactionAlreadyImported(errors.Conflict):
    """A bank transaction already posted (raced in by another file import)."""

    code = "duplicate_transaction"


@attrs.frozen
class IdempotentRequest:
    """A request remembered by its key: what it asked (fingerprint) and the payment it made."""

    tenant_id: ids.TenantId
    key: str
    fingerprint: str
    payment_id: payments.PaymentId
    recorded_at: datetime


@attrs.frozen
class ImportedFile:
    id: str
    tenant_id: ids.TenantId
    name: str
    digest: str
    imported_at: datetime
    rows: int
    posted: int
    duplicates: int


class PaymentRepository(Protocol):
    def add(self, payment: payments.Payment) -> None: ...
    def add_many(self, batch: Sequence[payments.Payment]) -> None: ...
    def update(self, payment: payments.Payment) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, payment_id: payments.PaymentId
    ) -> payments.Payment | None: ...
    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[payments.Payment]: ...
    def request(self, tenant_id: ids.TenantId, key: str) -> IdempotentRequest | None:
        """The request recorded under an idempotency key, if any."""
        ...

    def remember(self, request: IdempotentRequest) -> None:
        """
        Record an idempotency key (first thing in the transaction).

        :raises RequestAlreadyRecorded: if the key is already taken.
        """
        ...

    def imported_transactions(
        self, tenant_id: ids.TenantId, keys: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        """Which (bank code, transaction id) pairs already posted a payment."""
        ...

    def file_by_digest(self, tenant_id: ids.TenantId, digest: str) -> ImportedFile | None: ...
    def add_file(self, imported: ImportedFile) -> None: ...
    def accounts_by_number(
        self, tenant_id: ids.TenantId, numbers: Sequence[str]
    ) -> Mapping[str, ids.AccountId]: ...
    def lock_account(self, tenant_id: ids.TenantId, account_id: ids.AccountId) -> None:
        """Hold the account until the transaction ends, so two payments never share an item."""
        ...

    def open_items_for(
        self, tenant_id: ids.TenantId, account_ids: Sequence[ids.AccountId], currency: str
    ) -> dict[ids.AccountId, tuple[ledger.OpenItem, ...]]:
        """The receivable open items of many accounts at once (bulk reads for bank files)."""
        ...

    def strategy(self, tenant_id: ids.TenantId) -> payments.AllocationStrategy:
        """The tenant's allocation strategy (oldest first unless it chose another)."""
        ...

    def set_strategy(
        self, tenant_id: ids.TenantId, strategy: payments.AllocationStrategy
    ) -> None: ...


class DepositRepository(Protocol):
    def add(self, deposit: payments.Deposit) -> None: ...
    def update(self, deposit: payments.Deposit) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, deposit_id: payments.DepositId
    ) -> payments.Deposit | None: ...
    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[payments.Deposit]: ...


class PaymentsUnit(Protocol):
    """One transaction over everything a payments use case reads and writes."""

    tenants: ports.TenantRepository
    accounts: ports.AccountRepository
    ledger: ledger_ports.LedgerRepository
    payments: PaymentRepository
    deposits: DepositRepository
    audit: ports.AuditLog

    def __enter__(self) -> PaymentsUnit: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


@attrs.frozen
class PaymentsEnv:
    """The caller and the outside world the payments use cases run against."""

    actor: identity.Actor
    clock: ports.Clock
    ids: ports.IdGenerator
    unit: Callable[[], PaymentsUnit]
