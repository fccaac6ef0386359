"""Accounts and bills to pay, on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from tests.conftest import actor_with
from urbis import bootstrap
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import tables
from urbis.application.accounts import operations as account_ops
from urbis.application.customers import operations as customer_ops
from urbis.application.payments import ports
from urbis.bootstrap import payments as wiring
from urbis.domain import accounts, customers, identity, ledger
from urbis.kernel import ids

PAID_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def open_account(container: bootstrap.App, tenant: identity.Tenant, name: str) -> accounts.Account:
    env = container.env(actor_with(tenant, identity.Role.AGENT))
    party = customer_ops.register_party(
        env=env,
        kind=customers.PartyKind.PERSON,
        name=name,
        document_type=customers.DocumentType.CC,
        document_number=str(abs(hash((tenant.id, name))) % 10**9 + 10**9),
        contacts=[],
    )
    return account_ops.open_account(env=env, holder_id=party.id, billing_cycle="c07")


def post_bill(
    container: bootstrap.App,
    account: accounts.Account,
    *,
    item: str,
    amount: str,
    due: date,
) -> ledger.JournalEntry:
    """Post a bill entry straight to the ledger, as bill runs do."""
    entry = ledger.bill_entry(
        id=ledger.EntryId(container.ids.new_id()),
        tenant_id=account.tenant_id,
        account_id=account.id,
        source=f"bill:{item}",
        booked_at=container.clock.now(),
        accounting_date=due,
        due_date=due,
        item=item,
        currency="COP",
        revenue={"ELECTRICITY": Decimal(amount)},
    )
    with container.engine.begin() as connection:
        db_ledger.LedgerRepository(connection).add(entry)
    return entry


def payments_env(
    container: bootstrap.App, tenant: identity.Tenant, *roles: identity.Role
) -> ports.PaymentsEnv:
    chosen = roles or (identity.Role.COLLECTIONS,)
    return wiring.env(container=container, actor=actor_with(tenant, *chosen))


def entries(container: bootstrap.App, account: accounts.Account) -> list[ledger.JournalEntry]:
    with container.engine.connect() as connection:
        return list(
            db_ledger.LedgerRepository(connection).for_account(account.tenant_id, account.id)
        )


def count(container: bootstrap.App, table: str, tenant_id: ids.TenantId) -> int:
    t = tables.metadata.tables[table]
    with container.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).select_from(t).where(t.c.tenant_id == tenant_id)
            ).scalar_one()
        )


def audit_actions(container: bootstrap.App, tenant_id: ids.TenantId) -> list[tuple[str, str]]:
    t = tables.audit_log
    with container.engine.connect() as connection:
        return [
            (r.entity, r.action)
            for r in connection.execute(
                sa.select(t.c.entity, t.c.action).where(t.c.tenant_id == tenant_id)
            )
        ]
