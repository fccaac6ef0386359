"""
Payment use cases: record (idempotently), reverse, apply credit, refund, deposits, bank files.

Each use case runs in one unit of work: the payment, its ledger entry and its audit entry commit
together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from urbis.application import ports as shared_ports
from urbis.application._support import found, plain, snapshot
from urbis.application.ledger import operations as ledger_ops
from urbis.application.payments import ports
from urbis.domain import accounts, identity, ledger, payments
from urbis.kernel import errors, ids
from urbis.kernel.money import Money

CASHIERS = frozenset(
    {identity.Role.AGENT, identity.Role.COLLECTIONS, identity.Role.BILLING_ANALYST}
)
"""Staff who may take payments and deposits."""
TREASURY = frozenset({identity.Role.COLLECTIONS, identity.Role.BILLING_ANALYST})
"""Staff who may reverse payments, refund credit, apply or refund deposits, set the strategy."""

IMPORT_BATCH = 5_000


class UnknownAccount(errors.NotFound):
    code = "unknown_account"


class IdempotencyKeyReused(errors.Conflict):
    code = "idempotency_key_reused"


class InvalidIdempotencyKey(errors.InvalidValue):
    code = "invalid_idempotency_key"


class WrongCurrency(errors.InvalidValue):
    code = "wrong_currency"


class PaymentNotFound(errors.NotFound):
    code = "payment_not_found"


class PaymentAlreadyReversed(errors.Conflict):
    code = "payment_already_reversed"


class DepositNotFound(errors.NotFound):
    code = "deposit_not_found"


class DepositNotHeld(errors.Conflict):
    code = "deposit_not_held"


class NotEnoughCredit(errors.InvalidValue):
    code = "not_enough_credit"


@attrs.frozen
class RecordedPayment:
    """A recorded payment, and whether this call replayed an earlier one with the same key."""

    payment: payments.Payment
    replayed: bool


@attrs.frozen
class Refund:
    id: payments.RefundId
    account_id: ids.AccountId
    amount: Money
    reference: str
    entry_id: ledger.EntryId


def _audit(
    *,
    env: ports.PaymentsEnv,
    unit: ports.PaymentsUnit,
    entity: str,
    entity_id: str,
    action: str,
    before: Any = None,
    after: Any = None,
) -> None:
    unit.audit.record(
        shared_ports.AuditEntry(
            id=env.ids.new_id(),
            tenant_id=env.actor.tenant_id,
            actor_id=env.actor.user_id,
            at=env.clock.now(),
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=None if before is None else _picture(before),
            after=None if after is None else _picture(after),
        )
    )


def _picture(record: Any) -> dict[str, Any]:
    if isinstance(record, dict):
        return {k: plain(v) for k, v in record.items()}
    return snapshot(record)


def _tenant(unit: ports.PaymentsUnit, env: ports.PaymentsEnv) -> identity.Tenant:
    return found(unit.tenants.get(env.actor.tenant_id), what="tenant", key=env.actor.tenant_id)


def _local_date(tenant: identity.Tenant, at: datetime) -> date:
    return at.astimezone(ZoneInfo(tenant.timezone)).date()


def _booking(env: ports.PaymentsEnv, tenant: identity.Tenant, at: datetime) -> payments.Booking:
    return payments.Booking(
        entry_id=ledger.EntryId(env.ids.new_id()),
        booked_at=env.clock.now(),
        accounting_date=_local_date(tenant, at),
    )


def _account(
    env: ports.PaymentsEnv,
    unit: ports.PaymentsUnit,
    *,
    account_id: ids.AccountId | None = None,
    account_number: str | None = None,
) -> accounts.Account:
    tenant_id = env.actor.tenant_id
    if account_id is not None:
        account = unit.accounts.get(tenant_id, account_id)
        key = str(account_id)
    elif account_number is not None:
        account = unit.accounts.by_number(tenant_id, account_number)
        key = account_number
    else:
        raise UnknownAccount("Name the account by its id or its number")
    if account is not None and env.actor.is_customer and account.holder_id != env.actor.party_id:
        account = None
    if account is None:
        raise UnknownAccount(f"No account {key}", details={"account": key})
    return account


def _check_currency(tenant: identity.Tenant, amount: Money) -> None:
    if amount.currency != tenant.currency:
        raise WrongCurrency(
            f"This utility takes payments in {tenant.currency}, not {amount.currency}",
            details={"currency": amount.currency, "expected": tenant.currency},
        )


def fingerprint(
    *,
    account: str,
    amount: Money,
    received_at: datetime,
    channel: payments.Channel,
    reference: str,
    item: str | None,
) -> str:
    """What a payment request asked for, as a hash: a retry with the same key must match it."""
    body = json.dumps(
        {
            "account": account,
            "amount": str(amount.amount),
            "currency": amount.currency,
            "received_at": received_at.isoformat(),
            "channel": channel.value,
            "reference": reference,
            "item": item,
        },
        sort_keys=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _post_payment(
    *,
    env: ports.PaymentsEnv,
    unit: ports.PaymentsUnit,
    payment_id: payments.PaymentId,
    tenant: identity.Tenant,
    account: accounts.Account,
    amount: Money,
    received_at: datetime,
    channel: payments.Channel,
    reference: str,
    item: str | None,
) -> payments.Payment:
    unit.payments.lock_account(tenant.id, account.id)
    entries = unit.ledger.for_account(tenant.id, account.id)
    allocations, credit = payments.allocate(
        amount=amount,
        items=ledger.open_items(entries=entries, currency=tenant.currency),
        strategy=unit.payments.strategy(tenant.id),
        named_item=item or reference,
    )
    booking = _booking(env, tenant, received_at)
    payment = payments.Payment(
        id=payment_id,
        tenant_id=tenant.id,
        account_id=account.id,
        amount=amount,
        channel=channel,
        reference=reference,
        received_at=received_at,
        entry_id=booking.entry_id,
        allocations=allocations,
        credit=credit,
    )
    ledger_ops.post_entry(
        ledger_repository=unit.ledger,
        entry=payments.payment_entry(payment=payment, booking=booking),
    )
    unit.payments.add(payment)
    _audit(
        env=env, unit=unit, entity="payment", entity_id=payment.id, action="record", after=payment
    )
    return payment


def record_payment(
    *,
    env: ports.PaymentsEnv,
    amount: Money,
    received_at: datetime,
    channel: payments.Channel,
    reference: str = "",
    account_id: ids.AccountId | None = None,
    account_number: str | None = None,
    idempotency_key: str | None = None,
    item: str | None = None,
) -> RecordedPayment:
    """
    Record money received for an account and allocate it: the tenant's strategy (oldest debt
    first by default; a named item first if the tenant chose that), the rest as customer credit.
    A request with an idempotency key posts once; a retry with the same key answers the same
    payment.

    :raises UnknownAccount: if the account is not this utility's (or not the customer's own).
    :raises IdempotencyKeyReused: if the key was used for a different request.
    :raises RequestAlreadyRecorded: if a racing request with the key failed meanwhile; retry.
    :raises InvalidIdempotencyKey: if the key is empty or longer than 200 characters.
    :raises WrongCurrency: if the amount is not in the utility's currency.
    :raises InvalidPayment: if the amount is not positive or the instant is naive.
    :raises RoleRequired: if the actor may not take payments.
    """
    identity.require_role(actor=env.actor, allowed=CASHIERS | {identity.Role.CUSTOMER})
    if received_at.tzinfo is None:
        raise payments.InvalidPayment("The payment instant must carry its time zone")
    if amount.amount <= 0:
        raise payments.InvalidPayment("The payment amount must be more than zero")
    received_at = received_at.astimezone(UTC)
    if idempotency_key is not None and not 0 < len(idempotency_key) <= 200:
        raise InvalidIdempotencyKey("An idempotency key has 1 to 200 characters")
    asked = fingerprint(
        account=str(account_id or f"number:{account_number}"),
        amount=amount,
        received_at=received_at,
        channel=channel,
        reference=reference,
        item=item,
    )
    payment_id = payments.PaymentId(env.ids.new_id())
    try:
        with env.unit() as unit:
            if idempotency_key is not None:
                # the key is the first write: a retry (or a racing twin) fails on it and replays
                unit.payments.remember(
                    ports.IdempotentRequest(
                        tenant_id=env.actor.tenant_id,
                        key=idempotency_key,
                        fingerprint=asked,
                        payment_id=payment_id,
                        recorded_at=env.clock.now(),
                    )
                )
            tenant = _tenant(unit, env)
            _check_currency(tenant, amount)
            account = _account(env, unit, account_id=account_id, account_number=account_number)
            payment = _post_payment(
                env=env,
                unit=unit,
                payment_id=payment_id,
                tenant=tenant,
                account=account,
                amount=amount,
                received_at=received_at,
                channel=channel,
                reference=reference,
                item=item,
            )
            unit.commit()
            return RecordedPayment(payment=payment, replayed=False)
    except ports.RequestAlreadyRecorded:
        assert idempotency_key is not None
        with env.unit() as unit:
            earlier = _replay(env, unit, idempotency_key, asked)
        if earlier is None:
            raise
        return earlier


def _replay(
    env: ports.PaymentsEnv, unit: ports.PaymentsUnit, key: str, asked: str
) -> RecordedPayment | None:
    request = unit.payments.request(env.actor.tenant_id, key)
    if request is None:
        return None
    if request.fingerprint != asked:
        raise IdempotencyKeyReused(
            "This idempotency key was used for a different payment request",
            details={"idempotency_key": key},
        )
    payment = found(
        unit.payments.get(env.actor.tenant_id, request.payment_id), what="payment", key=key
    )
    return RecordedPayment(payment=payment, replayed=True)


def reverse_payment(
    *, env: ports.PaymentsEnv, payment_id: payments.PaymentId, reason: str
) -> payments.Payment:
    """
    Reverse a payment that bounced: a reversing ledger entry reopens the items it settled and
    takes back the credit it left (credit already spent becomes debt again).

    :raises PaymentNotFound: if there is no such payment for this utility.
    :raises PaymentAlreadyReversed: if it was already reversed.
    :raises RoleRequired: if the actor may not reverse payments.
    """
    identity.require_role(actor=env.actor, allowed=TREASURY)
    with env.unit() as unit:
        tenant = _tenant(unit, env)
        before = unit.payments.get(tenant.id, payment_id)
        if before is None:
            raise PaymentNotFound(f"No payment {payment_id}", details={"payment_id": payment_id})
        if before.status is payments.PaymentStatus.REVERSED:
            raise PaymentAlreadyReversed(
                f"Payment {payment_id} was already reversed", details={"payment_id": payment_id}
            )
        unit.payments.lock_account(tenant.id, before.account_id)
        now = env.clock.now()
        reversal = ledger_ops.reverse(
            ledger_repository=unit.ledger,
            tenant_id=tenant.id,
            entry_id=before.entry_id,
            new_id=ledger.EntryId(env.ids.new_id()),
            booked_at=now,
            accounting_date=_local_date(tenant, now),
            memo=f"Payment reversed: {reason}".strip(),
        )
        after = attrs.evolve(
            before,
            status=payments.PaymentStatus.REVERSED,
            reversal_entry_id=reversal.id,
            reversal_reason=reason,
        )
        unit.payments.update(after)
        _audit(
            env=env,
            unit=unit,
            entity="payment",
            entity_id=payment_id,
            action="reverse",
            before=before,
            after=after,
        )
        unit.commit()
        return after


def apply_credit(
    *, env: ports.PaymentsEnv, account_id: ids.AccountId
) -> tuple[payments.Allocation, ...]:
    """
    Apply an account's customer credit to its open items (oldest first), for example after a
    new bill; returns what was applied (nothing when there is no credit or no debt).

    :raises UnknownAccount: if the account is not this utility's.
    :raises RoleRequired: if the actor may not take payments.
    """
    identity.require_role(actor=env.actor, allowed=CASHIERS)
    with env.unit() as unit:
        tenant = _tenant(unit, env)
        account = _account(env, unit, account_id=account_id)
        unit.payments.lock_account(tenant.id, account.id)
        entries = unit.ledger.for_account(tenant.id, account.id)
        credit = payments.available_credit(entries=entries, currency=tenant.currency)
        items = ledger.open_items(entries=entries, currency=tenant.currency)
        if credit.is_zero() or not items:
            return ()
        allocations, _left = payments.allocate(amount=credit, items=items)
        now = env.clock.now()
        entry = payments.credit_entry(
            tenant_id=tenant.id,
            account_id=account.id,
            allocations=allocations,
            booking=_booking(env, tenant, now),
        )
        ledger_ops.post_entry(ledger_repository=unit.ledger, entry=entry)
        _audit(
            env=env,
            unit=unit,
            entity="account_credit",
            entity_id=account.id,
            action="apply",
            after={"entry_id": entry.id, "allocations": allocations},
        )
        unit.commit()
        return allocations


def refund_credit(
    *, env: ports.PaymentsEnv, account_id: ids.AccountId, amount: Money, reference: str = ""
) -> Refund:
    """
    Pay customer credit back to the customer.

    :raises UnknownAccount: if the account is not this utility's.
    :raises NotEnoughCredit: if the account holds less credit than the amount.
    :raises InvalidPayment: if the amount is not positive.
    :raises RoleRequired: if the actor may not refund.
    """
    identity.require_role(actor=env.actor, allowed=TREASURY)
    with env.unit() as unit:
        tenant = _tenant(unit, env)
        _check_currency(tenant, amount)
        account = _account(env, unit, account_id=account_id)
        unit.payments.lock_account(tenant.id, account.id)
        credit = payments.available_credit(
            entries=unit.ledger.for_account(tenant.id, account.id), currency=tenant.currency
        )
        if amount > credit:
            raise NotEnoughCredit(
                f"The account holds {credit} of credit; cannot refund {amount}",
                details={"credit": str(credit.amount), "asked": str(amount.amount)},
            )
        booking = _booking(env, tenant, env.clock.now())
        refund_id = payments.RefundId(env.ids.new_id())
        entry = payments.refund_entry(
            refund_id=refund_id,
            tenant_id=tenant.id,
            account_id=account.id,
            amount=amount,
            reference=reference,
            booking=booking,
        )
        ledger_ops.post_entry(ledger_repository=unit.ledger, entry=entry)
        refund = Refund(
            id=refund_id,
            account_id=account.id,
            amount=amount,
            reference=reference,
            entry_id=entry.id,
        )
        _audit(
            env=env, unit=unit, entity="refund", entity_id=refund_id, action="refund", after=refund
        )
        unit.commit()
        return refund


def take_deposit(
    *,
    env: ports.PaymentsEnv,
    account_id: ids.AccountId,
    amount: Money,
    received_at: datetime,
    reference: str = "",
) -> payments.Deposit:
    """
    Take a deposit (guarantee) from a customer and hold it.

    :raises UnknownAccount: if the account is not this utility's.
    :raises InvalidPayment: if the amount is not positive.
    :raises RoleRequired: if the actor may not take deposits.
    """
    identity.require_role(actor=env.actor, allowed=CASHIERS)
    with env.unit() as unit:
        tenant = _tenant(unit, env)
        _check_currency(tenant, amount)
        account = _account(env, unit, account_id=account_id)
        booking = _booking(env, tenant, received_at)
        deposit = payments.Deposit(
            id=payments.DepositId(env.ids.new_id()),
            tenant_id=tenant.id,
            account_id=account.id,
            amount=amount,
            taken_at=received_at.astimezone(UTC),
            reference=reference,
            entry_id=booking.entry_id,
        )
        ledger_ops.post_entry(
            ledger_repository=unit.ledger,
            entry=payments.deposit_taken_entry(deposit=deposit, booking=booking),
        )
        unit.deposits.add(deposit)
        _audit(
            env=env, unit=unit, entity="deposit", entity_id=deposit.id, action="take", after=deposit
        )
        unit.commit()
        return deposit


def _held_deposit(
    env: ports.PaymentsEnv, unit: ports.PaymentsUnit, deposit_id: payments.DepositId
) -> payments.Deposit:
    deposit = unit.deposits.get(env.actor.tenant_id, deposit_id)
    if deposit is None:
        raise DepositNotFound(f"No deposit {deposit_id}", details={"deposit_id": deposit_id})
    if deposit.status is not payments.DepositStatus.HELD:
        raise DepositNotHeld(
            f"Deposit {deposit_id} is {deposit.status.value}, no longer held",
            details={"deposit_id": deposit_id, "status": deposit.status.value},
        )
    return deposit


def apply_deposit(*, env: ports.PaymentsEnv, deposit_id: payments.DepositId) -> payments.Deposit:
    """
    Apply a held deposit to the account's debt (oldest first); what no item needs becomes
    customer credit.

    :raises DepositNotFound: if there is no such deposit for this utility.
    :raises DepositNotHeld: if it was already applied or refunded.
    :raises RoleRequired: if the actor may not apply deposits.
    """
    identity.require_role(actor=env.actor, allowed=TREASURY)
    with env.unit() as unit:
        tenant = _tenant(unit, env)
        before = _held_deposit(env, unit, deposit_id)
        unit.payments.lock_account(tenant.id, before.account_id)
        items = ledger.open_items(
            entries=unit.ledger.for_account(tenant.id, before.account_id),
            currency=tenant.currency,
        )
        allocations, credit = payments.allocate(amount=before.amount, items=items)
        booking = _booking(env, tenant, env.clock.now())
        entry = payments.deposit_applied_entry(
            deposit=before, allocations=allocations, credit=credit, booking=booking
        )
        ledger_ops.post_entry(ledger_repository=unit.ledger, entry=entry)
        after = attrs.evolve(
            before, status=payments.DepositStatus.APPLIED, closing_entry_id=entry.id
        )
        unit.deposits.update(after)
        _audit(
            env=env,
            unit=unit,
            entity="deposit",
            entity_id=deposit_id,
            action="apply",
            before=before,
            after=after,
        )
        unit.commit()
        return after


def refund_deposit(*, env: ports.PaymentsEnv, deposit_id: payments.DepositId) -> payments.Deposit:
    """
    Return a held deposit to the customer.

    :raises DepositNotFound: if there is no such deposit for this utility.
    :raises DepositNotHeld: if it was already applied or refunded.
    :raises RoleRequired: if the actor may not refund deposits.
    """
    identity.require_role(actor=env.actor, allowed=TREASURY)
    with env.unit() as unit:
        tenant = _tenant(unit, env)
        before = _held_deposit(env, unit, deposit_id)
        booking = _booking(env, tenant, env.clock.now())
        entry = payments.deposit_refunded_entry(deposit=before, booking=booking)
        ledger_ops.post_entry(ledger_repository=unit.ledger, entry=entry)
        after = attrs.evolve(
            before, status=payments.DepositStatus.REFUNDED, closing_entry_id=entry.id
        )
        unit.deposits.update(after)
        _audit(
            env=env,
            unit=unit,
            entity="deposit",
            entity_id=deposit_id,
            action="refund",
            before=before,
            after=after,
        )
        unit.commit()
        return after


def set_allocation_strategy(
    *, env: ports.PaymentsEnv, strategy: payments.AllocationStrategy
) -> payments.AllocationStrategy:
    """
    Choose how this utility allocates payments to open items.

    :raises RoleRequired: if the actor may not change payment settings.
    """
    identity.require_role(actor=env.actor, allowed=TREASURY)
    with env.unit() as unit:
        before = unit.payments.strategy(env.actor.tenant_id)
        unit.payments.set_strategy(env.actor.tenant_id, strategy)
        _audit(
            env=env,
            unit=unit,
            entity="payment_settings",
            entity_id=env.actor.tenant_id,
            action="set_strategy",
            before={"strategy": before},
            after={"strategy": strategy},
        )
        unit.commit()
        return strategy


def import_payment_file(
    *,
    env: ports.PaymentsEnv,
    file: payments.PaymentFile,
    progress: Callable[[int], None] | None = None,
) -> payments.FileOutcome:
    """
    Post every payment of a bank or collection-agent file, in one transaction. Rows already
    imported from another file (same bank code and transaction id) are reported as duplicates
    and not posted again.

    :raises DuplicatePaymentFile: if the same file (same bytes) was imported before.
    :raises InvalidPaymentFile: if any row names an unknown account, is in another currency or
        repeats another row of the file; nothing is posted.
    :raises RoleRequired: if the actor may not take payments.
    """
    identity.require_role(actor=env.actor, allowed=CASHIERS)
    with env.unit() as unit:
        tenant = _tenant(unit, env)
        earlier = unit.payments.file_by_digest(tenant.id, file.digest)
        if earlier is not None:
            raise payments.DuplicatePaymentFile(
                f"{file.name} was already imported as {earlier.name} on "
                f"{earlier.imported_at.isoformat()}; nothing was posted",
                details={"file": file.name, "imported_file_id": earlier.id},
            )
        numbers = unit.payments.accounts_by_number(
            tenant.id, sorted({r.reference for r in file.rows})
        )
        problems = list(payments.duplicates_within(rows=file.rows))
        for row in file.rows:
            if row.reference not in numbers:
                problems.append(
                    payments.FileProblem(
                        row=row.row,
                        code=UnknownAccount.code,
                        message=f"No account {row.reference}",
                    )
                )
            if row.amount.currency != tenant.currency:
                problems.append(
                    payments.FileProblem(
                        row=row.row,
                        code=WrongCurrency.code,
                        message=f"Amount in {row.amount.currency}, not {tenant.currency}",
                    )
                )
        if problems:
            problems.sort(key=lambda p: p.row)
            raise payments.InvalidPaymentFile.of(name=file.name, problems=problems)
        already = unit.payments.imported_transactions(
            tenant.id, [(r.bank_code, r.transaction_id) for r in file.rows]
        )
        file_id = env.ids.new_id()
        fresh = [r for r in file.rows if (r.bank_code, r.transaction_id) not in already]
        duplicates = tuple(r.row for r in file.rows if (r.bank_code, r.transaction_id) in already)
        posted = Money.zero(tenant.currency)
        done = len(duplicates)
        if progress is not None and done:
            progress(done)
        strategy = unit.payments.strategy(tenant.id)
        for start in range(0, len(fresh), IMPORT_BATCH):
            batch = fresh[start : start + IMPORT_BATCH]
            made, entries = _file_batch(
                env=env,
                unit=unit,
                tenant=tenant,
                rows=batch,
                numbers=numbers,
                strategy=strategy,
                file_id=file_id,
            )
            unit.ledger.add_many(entries)
            unit.payments.add_many(made)
            for payment in made:
                posted = posted + payment.amount
            if progress is not None:
                progress(len(batch))
        outcome = payments.FileOutcome(
            file_id=file_id,
            name=file.name,
            rows=len(file.rows),
            posted=len(fresh),
            duplicates=duplicates,
            total_posted=posted,
        )
        unit.payments.add_file(
            ports.ImportedFile(
                id=file_id,
                tenant_id=tenant.id,
                name=file.name,
                digest=file.digest,
                imported_at=env.clock.now(),
                rows=len(file.rows),
                posted=len(fresh),
                duplicates=len(duplicates),
            )
        )
        _audit(
            env=env,
            unit=unit,
            entity="payment_file",
            entity_id=file_id,
            action="import",
            after=outcome,
        )
        unit.commit()
        return outcome


def _file_batch(
    *,
    env: ports.PaymentsEnv,
    unit: ports.PaymentsUnit,
    tenant: identity.Tenant,
    rows: Sequence[payments.FileRow],
    numbers: Any,
    strategy: payments.AllocationStrategy,
    file_id: str,
) -> tuple[list[payments.Payment], list[ledger.JournalEntry]]:
    account_ids = sorted({numbers[r.reference] for r in rows})
    open_by_account = unit.payments.open_items_for(tenant.id, account_ids, tenant.currency)
    made: list[payments.Payment] = []
    entries: list[ledger.JournalEntry] = []
    for row in rows:
        account_id = numbers[row.reference]
        items = open_by_account.get(account_id, ())
        allocations, credit = payments.allocate(
            amount=row.amount, items=items, strategy=strategy, named_item=None
        )
        if allocations:  # the next payment of the same account in this file sees what is left
            open_by_account[account_id] = _after(items, allocations)
        booking = _booking(env, tenant, row.paid_at)
        payment = payments.Payment(
            id=payments.PaymentId(env.ids.new_id()),
            tenant_id=tenant.id,
            account_id=account_id,
            amount=row.amount,
            channel=row.channel,
            reference=row.reference,
            received_at=row.paid_at.astimezone(UTC),
            entry_id=booking.entry_id,
            allocations=allocations,
            credit=credit,
            bank_code=row.bank_code,
            transaction_id=row.transaction_id,
            file_id=file_id,
        )
        made.append(payment)
        entries.append(payments.payment_entry(payment=payment, booking=booking))
    return made, entries


def _after(
    items: Sequence[ledger.OpenItem], allocations: Sequence[payments.Allocation]
) -> tuple[ledger.OpenItem, ...]:
    taken = {a.item: a.amount for a in allocations}
    left = []
    for item in items:
        if item.item in taken:
            item = attrs.evolve(item, open=item.open - taken[item.item])
        if item.open.amount > 0:
            left.append(item)
    return tuple(left)
