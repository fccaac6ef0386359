"""In-memory fakes of the payments ports: a unit of work whose writes land only on commit."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

import attrs

from urbis.application import ports as shared_ports
from urbis.application.ledger import ports as ledger_ports
from urbis.application.payments import ports
from urbis.domain import accounts, identity, ledger, payments
from urbis.kernel import ids

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class Ids:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"ID{next(self._counter):024d}"


@attrs.define
class Store:
    """Everything the fakes keep; a unit works on a copy and swaps it in on commit."""

    tenants: dict[str, identity.Tenant] = attrs.Factory(dict)
    accounts: dict[str, accounts.Account] = attrs.Factory(dict)
    entries: list[ledger.JournalEntry] = attrs.Factory(list)
    paid: dict[str, payments.Payment] = attrs.Factory(dict)
    requests: dict[tuple[str, str], ports.IdempotentRequest] = attrs.Factory(dict)
    files: dict[str, ports.ImportedFile] = attrs.Factory(dict)
    held: dict[str, payments.Deposit] = attrs.Factory(dict)
    strategies: dict[str, payments.AllocationStrategy] = attrs.Factory(dict)
    audit: list[shared_ports.AuditEntry] = attrs.Factory(list)


class FakeTenants:
    def __init__(self, store: Store) -> None:
        self.s = store

    def get(self, tenant_id: ids.TenantId) -> identity.Tenant | None:
        return self.s.tenants.get(tenant_id)


class FakeAccounts:
    def __init__(self, store: Store) -> None:
        self.s = store

    def get(self, tenant_id: ids.TenantId, account_id: ids.AccountId) -> accounts.Account | None:
        found = self.s.accounts.get(account_id)
        return found if found is not None and found.tenant_id == tenant_id else None

    def by_number(self, tenant_id: ids.TenantId, number: str) -> accounts.Account | None:
        for a in self.s.accounts.values():
            if a.tenant_id == tenant_id and a.number == number:
                return a
        return None


class FakeLedger:
    def __init__(self, store: Store) -> None:
        self.s = store

    def add(self, entry: ledger.JournalEntry) -> None:
        self.add_many([entry])

    def add_many(self, entries: Sequence[ledger.JournalEntry]) -> None:
        for e in entries:
            if self.by_source(e.tenant_id, e.source) is not None:
                raise ledger_ports.DuplicateEntry(f"{e.source} is already posted")
            self.s.entries.append(e)

    def get(self, tenant_id: ids.TenantId, entry_id: ledger.EntryId) -> ledger.JournalEntry | None:
        return next((e for e in self.s.entries if e.id == entry_id), None)

    def by_source(self, tenant_id: ids.TenantId, source: str) -> ledger.JournalEntry | None:
        return next((e for e in self.s.entries if e.source == source), None)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[ledger.JournalEntry]:
        return [e for e in self.s.entries if e.account_id == account_id]

    def reversal_of(
        self, tenant_id: ids.TenantId, entry_id: ledger.EntryId
    ) -> ledger.JournalEntry | None:
        return next((e for e in self.s.entries if e.reverses == entry_id), None)

    def trial_balance(self, tenant_id: ids.TenantId) -> dict[ledger.LedgerAccount, Decimal]:
        return ledger.balances(entries=self.s.entries)


class FakePayments:
    def __init__(self, store: Store, ledger_repo: FakeLedger) -> None:
        self.s = store
        self.ledger = ledger_repo

    def add(self, payment: payments.Payment) -> None:
        self.s.paid[payment.id] = payment

    def add_many(self, batch: Sequence[payments.Payment]) -> None:
        for p in batch:
            self.add(p)

    def update(self, payment: payments.Payment) -> None:
        self.s.paid[payment.id] = payment

    def get(
        self, tenant_id: ids.TenantId, payment_id: payments.PaymentId
    ) -> payments.Payment | None:
        return self.s.paid.get(payment_id)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[payments.Payment]:
        return [p for p in self.s.paid.values() if p.account_id == account_id]

    def request(self, tenant_id: ids.TenantId, key: str) -> ports.IdempotentRequest | None:
        return self.s.requests.get((tenant_id, key))

    def remember(self, request: ports.IdempotentRequest) -> None:
        if (request.tenant_id, request.key) in self.s.requests:
            raise ports.RequestAlreadyRecorded("taken")
        self.s.requests[(request.tenant_id, request.key)] = request

    def imported_transactions(
        self, tenant_id: ids.TenantId, keys: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        done = {(p.bank_code, p.transaction_id) for p in self.s.paid.values()}
        return {k for k in keys if k in done}

    def file_by_digest(self, tenant_id: ids.TenantId, digest: str) -> ports.ImportedFile | None:
        return next((f for f in self.s.files.values() if f.digest == digest), None)

    def add_file(self, imported: ports.ImportedFile) -> None:
        self.s.files[imported.id] = imported

    def accounts_by_number(
        self, tenant_id: ids.TenantId, numbers: Sequence[str]
    ) -> Mapping[str, ids.AccountId]:
        return {a.number: a.id for a in self.s.accounts.values() if a.number in numbers}

    def lock_account(self, tenant_id: ids.TenantId, account_id: ids.AccountId) -> None:
        return None

    def open_items_for(
        self, tenant_id: ids.TenantId, account_ids: Sequence[ids.AccountId], currency: str
    ) -> dict[ids.AccountId, tuple[ledger.OpenItem, ...]]:
        return {
            a: ledger.open_items(entries=self.ledger.for_account(tenant_id, a), currency=currency)
            for a in account_ids
        }

    def strategy(self, tenant_id: ids.TenantId) -> payments.AllocationStrategy:
        return self.s.strategies.get(tenant_id, payments.AllocationStrategy.OLDEST_FIRST)

    def set_strategy(self, tenant_id: ids.TenantId, strategy: payments.AllocationStrategy) -> None:
        self.s.strategies[tenant_id] = strategy


class FakeDeposits:
    def __init__(self, store: Store) -> None:
        self.s = store

    def add(self, deposit: payments.Deposit) -> None:
        self.s.held[deposit.id] = deposit

    def update(self, deposit: payments.Deposit) -> None:
        self.s.held[deposit.id] = deposit

    def get(
        self, tenant_id: ids.TenantId, deposit_id: payments.DepositId
    ) -> payments.Deposit | None:
        return self.s.held.get(deposit_id)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[payments.Deposit]:
        return [d for d in self.s.held.values() if d.account_id == account_id]


class FakeAudit:
    def __init__(self, store: Store) -> None:
        self.s = store

    def record(self, entry: shared_ports.AuditEntry) -> None:
        self.s.audit.append(entry)

    def for_entity(
        self, tenant_id: ids.TenantId, entity: str, entity_id: str
    ) -> Sequence[shared_ports.AuditEntry]:
        return [e for e in self.s.audit if e.entity == entity and e.entity_id == entity_id]


class FakeUnit:
    def __init__(self, home: Holder) -> None:
        self.home = home

    def __enter__(self) -> FakeUnit:
        self.work = copy.deepcopy(self.home.store)
        self.tenants: Any = FakeTenants(self.work)
        self.accounts: Any = FakeAccounts(self.work)
        fake_ledger = FakeLedger(self.work)
        self.ledger: Any = fake_ledger
        self.payments: Any = FakePayments(self.work, fake_ledger)
        self.deposits: Any = FakeDeposits(self.work)
        self.audit: Any = FakeAudit(self.work)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.home.store = self.work


@attrs.define
class Holder:
    store: Store = attrs.Factory(Store)

    def unit(self) -> FakeUnit:
        return FakeUnit(self)


TENANT = identity.Tenant(
    id=ids.TenantId("T1"),
    code="prueba",
    name="Empresa de Prueba",
    nit="890399003-4",
    country="CO",
    currency="COP",
    timezone="America/Bogota",
)


def setup(*numbers: str) -> tuple[Holder, ports.PaymentsEnv, list[accounts.Account]]:
    """A fake store with a tenant and one account per number, and an env for a treasurer."""
    holder = Holder()
    holder.store.tenants[TENANT.id] = TENANT
    made = []
    for n, number in enumerate(numbers, start=1):
        account = accounts.Account(
            id=ids.AccountId(f"A{n}"),
            tenant_id=TENANT.id,
            number=number,
            holder_id=ids.PartyId(f"P{n}"),
            billing_cycle="C01",
        )
        holder.store.accounts[account.id] = account
        made.append(account)
    env = ports.PaymentsEnv(
        actor=identity.Actor(
            user_id=ids.UserId("U1"),
            tenant_id=TENANT.id,
            roles=frozenset({identity.Role.COLLECTIONS}),
        ),
        clock=Clock(),
        ids=Ids(),
        unit=holder.unit,
    )
    return holder, env, made
