"""Payments' repositories over SQLAlchemy Core, and the unit of work its use cases run in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import repositories as r
from urbis.adapters.db import tables as t
from urbis.adapters.db import uow as db_uow
from urbis.application import ports as shared_ports
from urbis.application.ledger import ports as ledger_ports
from urbis.application.payments import ports
from urbis.domain import ledger, payments
from urbis.kernel import ids
from urbis.kernel.money import Money, minor_unit

_CHUNK = 900  # bound parameters per IN list, under SQLite's limit


def to_minor(money: Money) -> int:
    return int(money.amount.scaleb(minor_unit(money.currency)))


def from_minor(units: int, currency: str) -> Money:
    return Money(Decimal(int(units)).scaleb(-minor_unit(currency)), currency)


def _as_date(value: Any) -> date:
    if value is None:
        return date.min
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _payment_values(p: payments.Payment) -> dict[str, Any]:
    return {
        "id": p.id,
        "tenant_id": p.tenant_id,
        "account_id": p.account_id,
        "amount_minor": to_minor(p.amount),
        "currency": p.amount.currency,
        "channel": p.channel.value,
        "reference": p.reference,
        "received_at": p.received_at,
        "status": p.status.value,
        "entry_id": p.entry_id,
        "allocations": [[a.item, to_minor(a.amount)] for a in p.allocations],
        "credit_minor": to_minor(p.credit),
        "reversal_entry_id": p.reversal_entry_id,
        "reversal_reason": p.reversal_reason,
        "bank_code": p.bank_code,
        "transaction_id": p.transaction_id,
        "file_id": p.file_id,
    }


def _payment(row: Any) -> payments.Payment:
    currency = row.currency
    return payments.Payment(
        id=payments.PaymentId(row.id),
        tenant_id=ids.TenantId(row.tenant_id),
        account_id=ids.AccountId(row.account_id),
        amount=from_minor(row.amount_minor, currency),
        channel=payments.Channel(row.channel),
        reference=row.reference,
        received_at=row.received_at,
        entry_id=ledger.EntryId(row.entry_id),
        allocations=tuple(
            payments.Allocation(item=item, amount=from_minor(units, currency))
            for item, units in row.allocations
        ),
        credit=from_minor(row.credit_minor, currency),
        status=payments.PaymentStatus(row.status),
        reversal_entry_id=None
        if row.reversal_entry_id is None
        else ledger.EntryId(row.reversal_entry_id),
        reversal_reason=row.reversal_reason,
        bank_code=row.bank_code,
        transaction_id=row.transaction_id,
        file_id=row.file_id,
    )


class PaymentRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, payment: payments.Payment) -> None:
        self.add_many([payment])

    def add_many(self, batch: Sequence[payments.Payment]) -> None:
        if not batch:
            return
        try:
            with self._c.begin_nested():
                self._c.execute(t.payments.insert(), [_payment_values(p) for p in batch])
        except sa.exc.IntegrityError as exc:
            if "bank_transaction" in str(exc.orig) or "transaction_id" in str(exc.orig):
                raise ports.TransactionAlreadyImported(
                    "A bank transaction in this batch was posted by another import meanwhile"
                ) from exc
            raise

    def update(self, payment: payments.Payment) -> None:
        values = _payment_values(payment)
        self._c.execute(
            t.payments.update()
            .where(t.payments.c.tenant_id == payment.tenant_id, t.payments.c.id == payment.id)
            .values(
                status=values["status"],
                reversal_entry_id=values["reversal_entry_id"],
                reversal_reason=values["reversal_reason"],
            )
        )

    def get(
        self, tenant_id: ids.TenantId, payment_id: payments.PaymentId
    ) -> payments.Payment | None:
        row = self._c.execute(
            sa.select(t.payments).where(
                t.payments.c.tenant_id == tenant_id, t.payments.c.id == payment_id
            )
        ).first()
        return None if row is None else _payment(row)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[payments.Payment]:
        rows = self._c.execute(
            sa.select(t.payments)
            .where(t.payments.c.tenant_id == tenant_id, t.payments.c.account_id == account_id)
            .order_by(t.payments.c.received_at, t.payments.c.id)
        )
        return [_payment(row) for row in rows]

    def request(self, tenant_id: ids.TenantId, key: str) -> ports.IdempotentRequest | None:
        row = self._c.execute(
            sa.select(t.payment_requests).where(
                t.payment_requests.c.tenant_id == tenant_id,
                t.payment_requests.c.idempotency_key == key,
            )
        ).first()
        if row is None:
            return None
        return ports.IdempotentRequest(
            tenant_id=ids.TenantId(row.tenant_id),
            key=row.idempotency_key,
            fingerprint=row.fingerprint,
            payment_id=payments.PaymentId(row.payment_id),
            recorded_at=row.recorded_at,
        )

    def remember(self, request: ports.IdempotentRequest) -> None:
        try:
            self._c.execute(
                t.payment_requests.insert().values(
                    tenant_id=request.tenant_id,
                    idempotency_key=request.key,
                    fingerprint=request.fingerprint,
                    payment_id=request.payment_id,
                    recorded_at=request.recorded_at,
                )
            )
        except sa.exc.IntegrityError as exc:
            raise ports.RequestAlreadyRecorded(
                "A request with this idempotency key is being recorded",
                details={"idempotency_key": request.key},
            ) from exc

    def imported_transactions(
        self, tenant_id: ids.TenantId, keys: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        by_bank: dict[str, list[str]] = {}
        for bank, transaction in keys:
            by_bank.setdefault(bank, []).append(transaction)
        for bank, transactions in by_bank.items():
            for chunk in _chunks(sorted(set(transactions))):
                rows = self._c.execute(
                    sa.select(t.payments.c.transaction_id).where(
                        t.payments.c.tenant_id == tenant_id,
                        t.payments.c.bank_code == bank,
                        t.payments.c.transaction_id.in_(chunk),
                    )
                )
                found.update((bank, row.transaction_id) for row in rows)
        return found

    def file_by_digest(self, tenant_id: ids.TenantId, digest: str) -> ports.ImportedFile | None:
        row = self._c.execute(
            sa.select(t.payment_files).where(
                t.payment_files.c.tenant_id == tenant_id, t.payment_files.c.digest == digest
            )
        ).first()
        if row is None:
            return None
        return ports.ImportedFile(
            id=row.id,
            tenant_id=ids.TenantId(row.tenant_id),
            name=row.name,
            digest=row.digest,
            imported_at=row.imported_at,
            rows=row.rows,
            posted=row.posted,
            duplicates=row.duplicates,
        )

    def add_file(self, imported: ports.ImportedFile) -> None:
        self._c.execute(
            t.payment_files.insert().values(
                id=imported.id,
                tenant_id=imported.tenant_id,
                name=imported.name[:255],
                digest=imported.digest,
                imported_at=imported.imported_at,
                rows=imported.rows,
                posted=imported.posted,
                duplicates=imported.duplicates,
            )
        )

    def accounts_by_number(
        self, tenant_id: ids.TenantId, numbers: Sequence[str]
    ) -> Mapping[str, ids.AccountId]:
        result: dict[str, ids.AccountId] = {}
        for chunk in _chunks(numbers):
            rows = self._c.execute(
                sa.select(t.accounts.c.number, t.accounts.c.id).where(
                    t.accounts.c.tenant_id == tenant_id, t.accounts.c.number.in_(chunk)
                )
            )
            result.update((row.number, ids.AccountId(row.id)) for row in rows)
        return result

    def lock_account(self, tenant_id: ids.TenantId, account_id: ids.AccountId) -> None:
        if self._c.dialect.name == "sqlite":
            return  # the unit already holds SQLite's single write lock (see SqlPaymentsUnit)
        self._c.execute(
            sa.select(t.accounts.c.id)
            .where(t.accounts.c.tenant_id == tenant_id, t.accounts.c.id == account_id)
            .with_for_update()
        )

    def open_items_for(
        self, tenant_id: ids.TenantId, account_ids: Sequence[ids.AccountId], currency: str
    ) -> dict[ids.AccountId, tuple[ledger.OpenItem, ...]]:
        # One aggregate per chunk of accounts instead of loading every entry: the same open
        # items as ledger.open_items (opened by non-reversal debits, settled by credits).
        p = t.postings.c
        je = t.journal_entries.c
        reversal = je.kind == ledger.EntryKind.REVERSAL.value
        debit = p.side == ledger.Side.DEBIT.value
        signed = sa.case((debit, p.amount_minor), else_=-p.amount_minor)
        opened = sa.case((sa.and_(debit, sa.not_(reversal)), p.amount_minor), else_=0)
        due = sa.case((sa.and_(debit, sa.not_(reversal)), p.due_date), else_=None)
        found: dict[ids.AccountId, list[ledger.OpenItem]] = {}
        for chunk in _chunks(list(account_ids)):
            rows = self._c.execute(
                sa.select(
                    p.account_id,
                    p.item,
                    sa.func.sum(signed),
                    sa.func.sum(opened),
                    sa.func.min(due),
                )
                .select_from(t.postings.join(t.journal_entries, je.id == p.entry_id))
                .where(
                    p.tenant_id == tenant_id,
                    p.account_id.in_(chunk),
                    p.ledger_account == ledger.LedgerAccount.CUSTOMER_RECEIVABLE.value,
                    p.item.is_not(None),
                )
                .group_by(p.account_id, p.item)
            )
            for account_id, item, left, first, due_date in rows:
                if int(left) <= 0:
                    continue
                found.setdefault(ids.AccountId(account_id), []).append(
                    ledger.OpenItem(
                        item=item,
                        due_date=_as_date(due_date),
                        original=from_minor(int(first), currency),
                        open=from_minor(int(left), currency),
                    )
                )
        return {
            account: tuple(sorted(items, key=lambda i: (i.due_date, i.item)))
            for account, items in found.items()
        }

    def strategy(self, tenant_id: ids.TenantId) -> payments.AllocationStrategy:
        value = self._c.execute(
            sa.select(t.payment_settings.c.allocation_strategy).where(
                t.payment_settings.c.tenant_id == tenant_id
            )
        ).scalar()
        return (
            payments.AllocationStrategy.OLDEST_FIRST
            if value is None
            else payments.AllocationStrategy(value)
        )

    def set_strategy(self, tenant_id: ids.TenantId, strategy: payments.AllocationStrategy) -> None:
        updated = self._c.execute(
            t.payment_settings.update()
            .where(t.payment_settings.c.tenant_id == tenant_id)
            .values(allocation_strategy=strategy.value)
        )
        if updated.rowcount == 0:
            self._c.execute(
                t.payment_settings.insert().values(
                    tenant_id=tenant_id, allocation_strategy=strategy.value
                )
            )


def _deposit_values(d: payments.Deposit) -> dict[str, Any]:
    return {
        "id": d.id,
        "tenant_id": d.tenant_id,
        "account_id": d.account_id,
        "amount_minor": to_minor(d.amount),
        "currency": d.amount.currency,
        "taken_at": d.taken_at,
        "reference": d.reference,
        "entry_id": d.entry_id,
        "status": d.status.value,
        "closing_entry_id": d.closing_entry_id,
    }


def _deposit(row: Any) -> payments.Deposit:
    return payments.Deposit(
        id=payments.DepositId(row.id),
        tenant_id=ids.TenantId(row.tenant_id),
        account_id=ids.AccountId(row.account_id),
        amount=from_minor(row.amount_minor, row.currency),
        taken_at=row.taken_at,
        reference=row.reference,
        entry_id=ledger.EntryId(row.entry_id),
        status=payments.DepositStatus(row.status),
        closing_entry_id=None
        if row.closing_entry_id is None
        else ledger.EntryId(row.closing_entry_id),
    )


class DepositRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, deposit: payments.Deposit) -> None:
        self._c.execute(t.deposits.insert().values(**_deposit_values(deposit)))

    def update(self, deposit: payments.Deposit) -> None:
        self._c.execute(
            t.deposits.update()
            .where(t.deposits.c.tenant_id == deposit.tenant_id, t.deposits.c.id == deposit.id)
            .values(status=deposit.status.value, closing_entry_id=deposit.closing_entry_id)
        )

    def get(
        self, tenant_id: ids.TenantId, deposit_id: payments.DepositId
    ) -> payments.Deposit | None:
        row = self._c.execute(
            sa.select(t.deposits).where(
                t.deposits.c.tenant_id == tenant_id, t.deposits.c.id == deposit_id
            )
        ).first()
        return None if row is None else _deposit(row)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[payments.Deposit]:
        rows = self._c.execute(
            sa.select(t.deposits)
            .where(t.deposits.c.tenant_id == tenant_id, t.deposits.c.account_id == account_id)
            .order_by(t.deposits.c.taken_at, t.deposits.c.id)
        )
        return [_deposit(row) for row in rows]


class SqlPaymentsUnit(db_uow.Transaction):
    """One database transaction over the repositories a payments use case needs."""

    tenants: shared_ports.TenantRepository
    accounts: shared_ports.AccountRepository
    ledger: ledger_ports.LedgerRepository
    payments: ports.PaymentRepository
    deposits: ports.DepositRepository
    audit: shared_ports.AuditLog

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None

    def __enter__(self) -> SqlPaymentsUnit:
        connection = self._engine.connect()
        connection.begin()
        if connection.dialect.name == "sqlite":
            # Take the write lock before the first read: a deferred transaction that reads
            # and then writes fails when another one committed in between, instead of waiting.
            connection.execute(
                t.payment_settings.update()
                .where(sa.false())
                .values(allocation_strategy=t.payment_settings.c.allocation_strategy)
            )
        self._connection = connection
        self.tenants = r.TenantRepository(connection)
        self.accounts = r.AccountRepository(connection)
        self.ledger = db_ledger.LedgerRepository(connection)
        self.payments = PaymentRepository(connection)
        self.deposits = DepositRepository(connection)
        self.audit = r.AuditLog(connection)
        return self


class SqlPaymentsUnitFactory:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlPaymentsUnit:
        return SqlPaymentsUnit(self.engine)
