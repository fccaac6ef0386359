"""
The deposit a new account leaves (ADR 0037): the tenant's published ``deposit_required`` pack
in force on the opening day answers from the account's facts; with no pack in force no deposit
is required, and the account says so. A pack that fails stops the opening, naming the pack,
version and node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import attrs

from urbis.domain import accounts
from urbis.kernel import ids


@attrs.frozen
class DepositAnswer:
    required: bool
    amount: Decimal
    reason: str
    by: str
    """The pack version that answered (``pack_key vN``)."""


class DepositQuestion(Protocol):
    """The tenant's published ``deposit_required`` pack in force."""

    def ask(
        self, *, tenant_id: ids.TenantId, as_of: date, facts: Mapping[str, Any]
    ) -> DepositAnswer | None:
        """
        The deposit for a new account's facts; None when no pack is in force.

        :raises InvalidRuleInput: if the facts do not fit the question (naming the pack).
        :raises RuleEvaluationFailed: if the pack fails (naming the pack, version and node).
        """
        ...

    def owes(self, *, tenant_id: ids.TenantId, account_ids: Sequence[ids.AccountId]) -> bool:
        """Whether any of these accounts owes the utility (an unpaid receivable balance)."""
        ...


def decide_deposit(
    *,
    question: DepositQuestion,
    account: accounts.Account,
    facts: accounts.DepositFacts,
    as_of: date,
) -> accounts.Account:
    """
    The account with its deposit in cents: the pack's amount (0 when it requires none), or none with
    ``NO_DEPOSIT_PACK`` when no pack is in force.

    :raises InvalidRuleInput: if the facts do not fit the question (naming the pack).
    :raises RuleEvaluationFailed: if the pack fails (naming the pack, version and node).
    """
    cents = Decimal("0.01")
    answer = question.ask(tenant_id=account.tenant_id, as_of=as_of, facts=facts.as_input())
    if answer is None:
        return accounts.with_deposit(
            account=account,
            amount=Decimal(0).quantize(cents),
            reason="NO_PACK",
            by=accounts.NO_DEPOSIT_PACK,
        )
    return accounts.with_deposit(
        account=account,
        amount=(answer.amount if answer.required else Decimal(0)).quantize(cents),
        reason=answer.reason,
        by=answer.by,
    )
