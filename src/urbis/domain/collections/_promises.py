"""
Payment promises: a customer's word that they will pay an amount by a date.

A promise is not an arrangement: it has one amount and one date, no schedule, no interest and
no ledger entry. While it is open collections take no new step for the account; on the day
after the promised date it is judged: kept if what was paid since it was made covers the
amount, broken otherwise, and collections resume. See docs/adr/0049-payment-promises.md.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import NewType

import attrs

from urbis.kernel import errors, ids
from urbis.kernel.money import Money

PromiseId = NewType("PromiseId", str)

# A promise further away than this is an arrangement in disguise: offer an arrangement instead.
MAX_PROMISE_DAYS = 30
MAX_NOTE = 500


class InvalidPaymentPromise(errors.InvalidValue):
    code = "invalid_payment_promise"


class PromiseDateInPast(InvalidPaymentPromise):
    code = "promise_date_in_past"


class PromiseDateTooFar(InvalidPaymentPromise):
    code = "promise_date_too_far"


class PromiseAmountNotPositive(InvalidPaymentPromise):
    code = "promise_amount_not_positive"


class PromiseAboveBalance(InvalidPaymentPromise):
    code = "promise_above_balance"


class PromiseStatus(enum.Enum):
    OPEN = "OPEN"
    KEPT = "KEPT"
    BROKEN = "BROKEN"
    CANCELLED = "CANCELLED"


@attrs.frozen
class PaymentPromise:
    """A customer's promise to pay ``amount`` by ``promised_date`` (inclusive)."""

    id: PromiseId
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    amount: Money
    promised_date: date
    made_at: datetime  # payments received from this instant on count toward it
    made_on: date
    taken_by: str  # the user who took it
    channel: str  # the channel the customer promised on (an interaction channel)
    note: str = ""
    status: PromiseStatus = PromiseStatus.OPEN
    closed_on: date | None = None


def promise(
    *,
    id: PromiseId,
    tenant_id: ids.TenantId,
    account_id: ids.AccountId,
    amount: Money,
    promised_date: date,
    owed: Money,
    made_at: datetime,
    as_of: date,
    taken_by: str,
    channel: str,
    note: str = "",
) -> PaymentPromise:
    """
    Take a promise to pay ``amount`` of what the account ``owed`` by ``promised_date``.

    :raises PromiseAmountNotPositive: if the amount is zero or less.
    :raises PromiseAboveBalance: if the amount is more than the account owes.
    :raises PromiseDateInPast: if the date is before ``as_of``.
    :raises PromiseDateTooFar: if the date is more than ``MAX_PROMISE_DAYS`` after ``as_of``.
    :raises InvalidPaymentPromise: if the note is too long or the channel is empty.
    """
    if made_at.tzinfo is None:
        raise InvalidPaymentPromise("A promise is made at an aware instant")
    if not amount.amount > 0:
        raise PromiseAmountNotPositive(
            "A promise is for an amount above zero", details={"amount": str(amount.amount)}
        )
    if amount.currency != owed.currency or amount > owed:
        raise PromiseAboveBalance(
            f"The account owes {owed.amount} {owed.currency}; a promise cannot be for more",
            details={"amount": str(amount.amount), "owed": str(owed.amount)},
        )
    if promised_date < as_of:
        raise PromiseDateInPast(
            "The promised date has passed",
            details={"promised_date": promised_date.isoformat(), "as_of": as_of.isoformat()},
        )
    latest = as_of + timedelta(days=MAX_PROMISE_DAYS)
    if promised_date > latest:
        raise PromiseDateTooFar(
            f"A promise is for at most {MAX_PROMISE_DAYS} days; offer an arrangement instead",
            details={"promised_date": promised_date.isoformat(), "latest": latest.isoformat()},
        )
    if not channel or len(note.strip()) > MAX_NOTE:
        raise InvalidPaymentPromise(f"A promise needs a channel and a note of at most {MAX_NOTE}")
    return PaymentPromise(
        id=id,
        tenant_id=tenant_id,
        account_id=account_id,
        amount=amount,
        promised_date=promised_date,
        made_at=made_at,
        made_on=as_of,
        taken_by=taken_by,
        channel=channel,
        note=note.strip(),
    )


def judge(*, promise: PaymentPromise, paid: Money, as_of: date) -> PromiseStatus:
    """
    How an open promise stands on ``as_of`` given what was ``paid`` since it was made: kept as
    soon as the payments cover it, broken once the promised date has passed without that.
    """
    if promise.status is not PromiseStatus.OPEN:
        return promise.status
    if paid.currency == promise.amount.currency and paid >= promise.amount:
        return PromiseStatus.KEPT
    if as_of > promise.promised_date:
        return PromiseStatus.BROKEN
    return PromiseStatus.OPEN


def close(*, promise: PaymentPromise, status: PromiseStatus, on: date) -> PaymentPromise:
    """
    The promise closed as kept, broken or cancelled on a day.

    :raises InvalidPaymentPromise: if it is not open or the status is not a closing one.
    """
    if promise.status is not PromiseStatus.OPEN or status is PromiseStatus.OPEN:
        raise InvalidPaymentPromise(
            f"A {promise.status.value.lower()} promise cannot become {status.value.lower()}",
            details={"promise_id": promise.id, "status": promise.status.value},
        )
    return attrs.evolve(promise, status=status, closed_on=on)
