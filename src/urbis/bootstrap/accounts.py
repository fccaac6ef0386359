"""Composition of the accounts context's questions to the rules: the deposit at opening."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from urbis import bootstrap
from urbis.adapters.db import collections as db_collections
from urbis.application.accounts import deposits
from urbis.bootstrap import rules as rules_wiring
from urbis.kernel import ids


class PublishedDeposits:
    """
    The tenant's published ``deposit_required`` pack in force on the opening day, asked by the
    process's rule engine (ADR 0037).
    """

    def __init__(self, container: bootstrap.App) -> None:
        self._container = container

    def ask(
        self, *, tenant_id: ids.TenantId, as_of: date, facts: Mapping[str, Any]
    ) -> deposits.DepositAnswer | None:
        with self._container.engine.connect() as connection:
            found = rules_wiring.answer_in_force(
                connection=connection,
                tenant_id=tenant_id,
                extension_point="deposit_required",
                as_of=as_of,
                facts=facts,
            )
        if found is None:
            return None
        pack, answer = found
        return deposits.DepositAnswer(
            required=bool(answer["required"]),
            amount=Decimal(str(answer["amount"])),
            reason=str(answer["reason"]),
            by=pack.label,
        )

    def owes(self, *, tenant_id: ids.TenantId, account_ids: Sequence[ids.AccountId]) -> bool:
        with self._container.uow() as uow:
            tenant = uow.tenants.get(tenant_id)
        currency = "COP" if tenant is None else tenant.currency
        with self._container.engine.connect() as connection:
            ledger = db_collections.LedgerReceivables(connection)
            return any(
                ledger.owed(tenant_id, account_id, currency).amount > 0
                for account_id in account_ids
            )


def deposit_question(container: bootstrap.App) -> deposits.DepositQuestion:
    """What a new account is asked for its deposit."""
    return PublishedDeposits(container)
