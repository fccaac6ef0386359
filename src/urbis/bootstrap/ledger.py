"""Composition of the ledger: its repository over the database, and an account's statement."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import ledger as db_ledger
from urbis.application.accounts import queries as account_queries
from urbis.application.ledger import ports, queries
from urbis.domain import identity
from urbis.kernel import ids


def repository(connection: sa.Connection) -> ports.LedgerRepository:
    """The journal over one connection, inside the caller's transaction."""
    return db_ledger.LedgerRepository(connection)


def statement(
    *, container: bootstrap.App, actor: identity.Actor, account_id: ids.AccountId, as_of: date
) -> dict[str, Any]:
    """
    An account's entries, what it owes, its open items and aging, for staff or its own customer.

    :raises NotFound: if the account does not exist or is not the customer's own.
    :raises RoleRequired: if the actor may not read accounts.
    """
    env = container.env(actor)
    account = account_queries.get_account(env=env, account_id=account_id)
    with env.uow() as uow:
        tenant = uow.tenants.get(actor.tenant_id)
    currency = "COP" if tenant is None else tenant.currency
    with container.engine.connect() as connection:
        return queries.statement(
            ledger_repository=repository(connection),
            tenant_id=actor.tenant_id,
            account_id=account.id,
            currency=currency,
            as_of=as_of,
        )
