"""Reads of the payments context: an account's payments, deposits and money position."""

from __future__ import annotations

from typing import Any

from urbis.application._support import plain
from urbis.application.payments import operations, ports
from urbis.domain import identity, ledger, payments
from urbis.kernel import ids
from urbis.kernel.money import Money

READERS = identity.STAFF_ROLES | {identity.Role.CUSTOMER}


def payment_json(payment: payments.Payment) -> dict[str, Any]:
    """A payment as plain data for the interfaces."""
    data: dict[str, Any] = plain(payment)
    data["amount"] = str(payment.amount.amount)
    data["currency"] = payment.amount.currency
    data["credit"] = str(payment.credit.amount)
    data["allocations"] = [
        {"item": a.item, "amount": str(a.amount.amount)} for a in payment.allocations
    ]
    return data


def deposit_json(deposit: payments.Deposit) -> dict[str, Any]:
    """A deposit as plain data for the interfaces."""
    data: dict[str, Any] = plain(deposit)
    data["amount"] = str(deposit.amount.amount)
    data["currency"] = deposit.amount.currency
    return data


def account_payments(
    *, env: ports.PaymentsEnv, account_id: ids.AccountId
) -> tuple[payments.Payment, ...]:
    """
    The payments received for an account, oldest first.

    :raises UnknownAccount: if the account is not this utility's (or not the customer's own).
    :raises RoleRequired: if the actor may not read accounts.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.unit() as unit:
        account = operations._account(env, unit, account_id=account_id)
        return tuple(unit.payments.for_account(env.actor.tenant_id, account.id))


def account_position(*, env: ports.PaymentsEnv, account_id: ids.AccountId) -> dict[str, Any]:
    """
    What an account owes and holds: amount owed, customer credit, deposits held, open items.

    :raises UnknownAccount: if the account is not this utility's (or not the customer's own).
    :raises RoleRequired: if the actor may not read accounts.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.unit() as unit:
        tenant = operations._tenant(unit, env)
        account = operations._account(env, unit, account_id=account_id)
        entries = unit.ledger.for_account(tenant.id, account.id)
        deposits = unit.deposits.for_account(tenant.id, account.id)
    currency = tenant.currency
    held = Money.zero(currency)
    for d in deposits:
        if d.status is payments.DepositStatus.HELD:
            held = held + d.amount
    return {
        "account_id": account.id,
        "currency": currency,
        "amount_owed": str(ledger.amount_owed(entries=entries, currency=currency).amount),
        "credit": str(payments.available_credit(entries=entries, currency=currency).amount),
        "deposits_held": str(held.amount),
        "open_items": [
            {
                "item": i.item,
                "due_date": i.due_date.isoformat(),
                "original": str(i.original.amount),
                "open": str(i.open.amount),
            }
            for i in ledger.open_items(entries=entries, currency=currency)
        ],
        "deposits": [deposit_json(d) for d in deposits],
    }


def payment(*, env: ports.PaymentsEnv, payment_id: payments.PaymentId) -> payments.Payment:
    """
    One payment (a customer sees only payments to their own accounts).

    :raises PaymentNotFound: if there is no such payment for this utility (or the customer).
    :raises RoleRequired: if the actor may not read accounts.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.unit() as unit:
        found = unit.payments.get(env.actor.tenant_id, payment_id)
        if found is not None and env.actor.is_customer:
            account = unit.accounts.get(env.actor.tenant_id, found.account_id)
            if account is None or account.holder_id != env.actor.party_id:
                found = None
    if found is None:
        raise operations.PaymentNotFound(
            f"No payment {payment_id}", details={"payment_id": payment_id}
        )
    return found


def currency(*, env: ports.PaymentsEnv) -> str:
    """The currency the actor's utility bills and takes payments in."""
    with env.unit() as unit:
        return operations._tenant(unit, env).currency


def outcome_json(outcome: payments.FileOutcome) -> dict[str, Any]:
    """What a file import did, as plain data."""
    return {
        "file_id": outcome.file_id,
        "name": outcome.name,
        "rows": outcome.rows,
        "posted": outcome.posted,
        "duplicates": list(outcome.duplicates),
        "total_posted": str(outcome.total_posted.amount),
        "currency": outcome.total_posted.currency,
    }
