"""Payments over HTTP: idempotent payments, reversals, credit, refunds, deposits, bank files."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from urbis.application.payments import operations, queries
from urbis.bootstrap import payments as wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import payments
from urbis.interfaces.api.auth import Actor, Container
from urbis.kernel import errors, ids
from urbis.kernel.money import Money

router = APIRouter(prefix="/api/v1", tags=["payments"])

AMOUNT = r"^[0-9]{1,15}(\.[0-9]{1,4})?$"
MAX_FILE_BYTES = 64 * 1024 * 1024


class IdempotencyKeyRequired(errors.InvalidValue):
    code = "idempotency_key_required"


class FileTooLarge(errors.InvalidValue):
    code = "payment_file_too_large"
    status = 413


class PaymentIn(BaseModel):
    account_id: str | None = None
    account_number: str | None = None
    amount: str = Field(pattern=AMOUNT, description="Decimal text, '.' for decimals")
    currency: str = Field(min_length=3, max_length=3)
    received_at: datetime
    channel: payments.Channel
    reference: str = Field(default="", max_length=120)
    item: str | None = Field(default=None, description="An open item (bill) to settle first")


class ReversalIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class RefundIn(BaseModel):
    amount: str = Field(pattern=AMOUNT)
    currency: str = Field(min_length=3, max_length=3)
    reference: str = Field(default="", max_length=120)


class DepositIn(BaseModel):
    account_id: str
    amount: str = Field(pattern=AMOUNT)
    currency: str = Field(min_length=3, max_length=3)
    received_at: datetime
    reference: str = Field(default="", max_length=120)


class SettingsIn(BaseModel):
    allocation_strategy: payments.AllocationStrategy


def _money(amount: str, currency: str) -> Money:
    return Money.of(Decimal(amount), currency.upper())


@router.post("/payments", status_code=201)
def record_payment(
    body: PaymentIn,
    actor: Actor,
    container: Container,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> dict[str, Any]:
    """
    Record a payment. Send an ``Idempotency-Key``: a retry with the same key and body posts
    nothing more and answers the same payment; the same key with another body is refused (409).
    """
    if not idempotency_key:
        raise IdempotencyKeyRequired(
            "Send an Idempotency-Key header so a retried request cannot post twice"
        )
    recorded = operations.record_payment(
        env=wiring.env(container=container, actor=actor),
        account_id=None if body.account_id is None else ids.AccountId(body.account_id),
        account_number=body.account_number,
        amount=_money(body.amount, body.currency),
        received_at=body.received_at,
        channel=body.channel,
        reference=body.reference,
        idempotency_key=idempotency_key,
        item=body.item,
    )
    if recorded.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    # "payment received" right after the payment commits; a replay queues nothing new
    portal_wiring.queue_payment_notices(
        container=container, tenant_id=actor.tenant_id, payment_ids=(recorded.payment.id,)
    )
    return queries.payment_json(recorded.payment)


@router.get("/payments/{payment_id}")
def get_payment(payment_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """One payment, with its allocations and status."""
    payment = queries.payment(
        env=wiring.env(container=container, actor=actor),
        payment_id=payments.PaymentId(payment_id),
    )
    return queries.payment_json(payment)


@router.post("/payments/{payment_id}/reversal")
def reverse_payment(
    payment_id: str, body: ReversalIn, actor: Actor, container: Container
) -> dict[str, Any]:
    """Reverse a bounced payment: the items it settled reopen."""
    payment = operations.reverse_payment(
        env=wiring.env(container=container, actor=actor),
        payment_id=payments.PaymentId(payment_id),
        reason=body.reason,
    )
    return queries.payment_json(payment)


@router.get("/accounts/{account_id}/payments")
def account_payments(account_id: str, actor: Actor, container: Container) -> list[dict[str, Any]]:
    """The payments received for an account, oldest first."""
    found = queries.account_payments(
        env=wiring.env(container=container, actor=actor), account_id=ids.AccountId(account_id)
    )
    return [queries.payment_json(p) for p in found]


@router.get("/accounts/{account_id}/position")
def account_position(account_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """What the account owes and holds: amount owed, credit, deposits held, open items."""
    return queries.account_position(
        env=wiring.env(container=container, actor=actor), account_id=ids.AccountId(account_id)
    )


@router.post("/accounts/{account_id}/credit/application")
def apply_credit(account_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """Apply the account's customer credit to its open items, oldest first."""
    applied = operations.apply_credit(
        env=wiring.env(container=container, actor=actor), account_id=ids.AccountId(account_id)
    )
    return {"applied": [{"item": a.item, "amount": str(a.amount.amount)} for a in applied]}


@router.post("/accounts/{account_id}/refunds", status_code=201)
def refund_credit(
    account_id: str, body: RefundIn, actor: Actor, container: Container
) -> dict[str, Any]:
    """Pay customer credit back."""
    refund = operations.refund_credit(
        env=wiring.env(container=container, actor=actor),
        account_id=ids.AccountId(account_id),
        amount=_money(body.amount, body.currency),
        reference=body.reference,
    )
    return {
        "id": refund.id,
        "account_id": refund.account_id,
        "amount": str(refund.amount.amount),
        "currency": refund.amount.currency,
        "reference": refund.reference,
        "entry_id": refund.entry_id,
    }


@router.post("/deposits", status_code=201)
def take_deposit(body: DepositIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Take a deposit and hold it."""
    deposit = operations.take_deposit(
        env=wiring.env(container=container, actor=actor),
        account_id=ids.AccountId(body.account_id),
        amount=_money(body.amount, body.currency),
        received_at=body.received_at,
        reference=body.reference,
    )
    return queries.deposit_json(deposit)


@router.post("/deposits/{deposit_id}/application")
def apply_deposit(deposit_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """Apply a held deposit to the account's debt; the rest becomes credit."""
    deposit = operations.apply_deposit(
        env=wiring.env(container=container, actor=actor),
        deposit_id=payments.DepositId(deposit_id),
    )
    return queries.deposit_json(deposit)


@router.post("/deposits/{deposit_id}/refund")
def refund_deposit(deposit_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """Return a held deposit."""
    deposit = operations.refund_deposit(
        env=wiring.env(container=container, actor=actor),
        deposit_id=payments.DepositId(deposit_id),
    )
    return queries.deposit_json(deposit)


@router.put("/payment-settings")
def set_settings(body: SettingsIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Choose how this utility allocates payments (OLDEST_FIRST or NAMED_ITEM_FIRST)."""
    strategy = operations.set_allocation_strategy(
        env=wiring.env(container=container, actor=actor), strategy=body.allocation_strategy
    )
    return {"allocation_strategy": strategy.value}


@router.post("/payment-files", status_code=201)
async def upload_payment_file(
    request: Request,
    actor: Actor,
    container: Container,
    background: BackgroundTasks,
    name: Annotated[str, Query(min_length=1, max_length=255)],
) -> dict[str, Any]:
    """
    Import a bank or collection-agent file (the CSV layout in docs/payment-files.md) sent as
    the request body. A file with any invalid row is refused whole; the same file twice is
    refused (409); rows imported before from another file are listed as duplicates. Once the
    file commits, "payment received" is queued for each payment posted, after the answer.
    """
    content = await request.body()
    if len(content) > MAX_FILE_BYTES:
        raise FileTooLarge(f"A payment file may have at most {MAX_FILE_BYTES} bytes")

    def run() -> payments.FileOutcome:
        env = wiring.env(container=container, actor=actor)
        currency = queries.currency(env=env)
        parsed = wiring.read_payment_file(name=name, content=content, currency=currency)
        return operations.import_payment_file(env=env, file=parsed)

    outcome = await run_in_threadpool(run)
    background.add_task(
        portal_wiring.queue_payment_notices,
        container=container,
        tenant_id=actor.tenant_id,
        file_id=outcome.file_id,
    )
    return queries.outcome_json(outcome)
