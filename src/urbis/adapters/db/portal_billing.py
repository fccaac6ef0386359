"""
The portal's links to billing and payments on the portal's own connection: the customer's
bills (with their PDFs), and approved card charges posted as payments in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from types import TracebackType

import sqlalchemy as sa

from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import payments as db_payments
from urbis.adapters.db import repositories as r
from urbis.adapters.db import tables as t
from urbis.adapters.db import uow as db_uow
from urbis.application import ports as shared_ports
from urbis.application.ledger import ports as ledger_ports
from urbis.application.payments import ports as payment_ports
from urbis.domain import billing
from urbis.kernel import ids
from urbis.kernel.money import minor_unit


class BillingBills:
    """An account's issued bills, newest period first, each with the address of its PDF."""

    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[dict[str, object]]:
        b = t.bills.c
        rows = self._c.execute(
            sa.select(b.id, b.period, b.total, b.currency, b.due_date)
            .where(
                b.tenant_id == tenant_id,
                b.account_id == account_id,
                b.status == billing.BillStatus.ISSUED.value,
            )
            .order_by(b.period.desc(), b.id)
        ).all()
        return [
            {
                "id": row.id,
                "number": row.period,
                "period": row.period,
                "total": f"{_amount(int(row.total), str(row.currency))} {row.currency}",
                "due_date": row.due_date.isoformat() if row.due_date else "",
                "pdf": f"/api/v1/bills/{row.id}/pdf",
            }
            for row in rows
        ]


def _amount(minor: int, currency: str) -> str:
    return str(Decimal(minor).scaleb(-minor_unit(currency)))


class SharedPaymentsUnit:
    """
    The payments use cases' unit of work on a connection someone else's transaction holds:
    what they write commits (or rolls back) with that transaction.
    """

    tenants: shared_ports.TenantRepository
    accounts: shared_ports.AccountRepository
    ledger: ledger_ports.LedgerRepository
    payments: payment_ports.PaymentRepository
    deposits: payment_ports.DepositRepository
    audit: shared_ports.AuditLog

    def __init__(self, connection: sa.Connection) -> None:
        self.tenants = r.TenantRepository(connection)
        self.accounts = r.AccountRepository(connection)
        self.ledger = db_ledger.LedgerRepository(connection)
        self.payments = db_payments.PaymentRepository(connection)
        self.deposits = db_payments.DepositRepository(connection)
        self.audit = r.AuditLog(connection)

    def __enter__(self) -> SharedPaymentsUnit:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, sa.exc.IntegrityError):
            raise db_uow.domain_error_for(exc) from exc

    def commit(self) -> None:
        """Nothing to do: the transaction that holds the connection commits."""
