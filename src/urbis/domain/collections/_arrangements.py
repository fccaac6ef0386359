"""
Payment arrangements: a down payment and monthly instalments with interest on the balance.

Instalments are level (French amortisation): each carries the month's interest on the balance,
rounded once with the arrangement's named rounding, and the rest repays principal; the last
instalment clears the balance exactly. See docs/adr/0066-payment-arrangements.md.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import NewType

import attrs

from urbis.kernel import errors, ids
from urbis.kernel.money import Money, Rounding, total

ArrangementId = NewType("ArrangementId", str)

MAX_INSTALMENTS = 60
# A monthly rate above 5 % is beyond any usury cap urbis knows (Colombia's is ~2.3 %/month).
MAX_MONTHLY_RATE = Decimal("0.05")


class InvalidArrangement(errors.InvalidValue):
    code = "invalid_arrangement"


class ArrangementStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    DEFAULTED = "DEFAULTED"
    CANCELLED = "CANCELLED"


@attrs.frozen
class Instalment:
    """One payment of a schedule; number 0 is the down payment (no interest)."""

    number: int
    due_date: date
    principal: Money
    interest: Money

    @property
    def amount(self) -> Money:
        return self.principal + self.interest


@attrs.frozen
class PaymentArrangement:
    """An agreement to pay an account's overdue debt over time."""

    id: ArrangementId
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    agreed_on: date
    debt: Money
    down_payment: Money
    monthly_rate: Decimal
    rounding: Rounding
    instalments: tuple[Instalment, ...]
    items: tuple[str, ...] = ()  # the receivable items it covers (the bills then overdue)
    status: ArrangementStatus = ArrangementStatus.ACTIVE
    closed_on: date | None = None

    @property
    def interest_item(self) -> str:
        """The receivable item its interest is booked to."""
        return f"arrangement:{self.id}"

    @property
    def interest(self) -> Money:
        return total((i.interest for i in self.instalments), currency=self.debt.currency)

    @property
    def total(self) -> Money:
        return self.debt + self.interest

    @property
    def last_due_date(self) -> date:
        return self.instalments[-1].due_date


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _level_payment(principal: Money, rate: Decimal, count: int, rounding: Rounding) -> Money:
    if rate == 0:
        return principal.allocate([1] * count)[0]
    factor = (1 + rate) ** count
    return Money.rounded(
        principal.amount * rate * factor / (factor - 1),
        currency=principal.currency,
        rounding=rounding,
    )


def arrange(
    *,
    id: ArrangementId,
    tenant_id: ids.TenantId,
    account_id: ids.AccountId,
    debt: Money,
    down_payment: Money,
    instalments: int,
    monthly_rate: Decimal,
    agreed_on: date,
    first_due_date: date,
    items: tuple[str, ...] = (),
    rounding: Rounding = Rounding.HALF_UP,
) -> PaymentArrangement:
    """
    Agree a schedule: the down payment due the day it is agreed, then ``instalments`` monthly
    payments from ``first_due_date`` carrying interest on the outstanding balance.

    :raises InvalidArrangement: if the debt is not positive, the down payment is negative or
        not less than the debt, the count is not 1-60, the rate is negative or above 5 % a
        month, or the first instalment is not after the day it is agreed.
    :raises CurrencyMismatch: if the debt and the down payment differ in currency.
    """
    currency = debt.currency
    if debt.amount <= 0:
        raise InvalidArrangement("Only a debt can be arranged", details={"debt": str(debt)})
    if down_payment.amount < 0 or down_payment >= debt:
        raise InvalidArrangement(
            "The down payment is at least zero and less than the debt",
            details={"down_payment": str(down_payment), "debt": str(debt)},
        )
    if not 1 <= instalments <= MAX_INSTALMENTS:
        raise InvalidArrangement(
            f"An arrangement has 1 to {MAX_INSTALMENTS} instalments",
            details={"instalments": instalments},
        )
    if not Decimal(0) <= monthly_rate <= MAX_MONTHLY_RATE:
        raise InvalidArrangement(
            f"The monthly interest rate is between 0 and {MAX_MONTHLY_RATE}",
            details={"monthly_rate": str(monthly_rate)},
        )
    if first_due_date <= agreed_on:
        raise InvalidArrangement("The first instalment falls due after the day it is agreed")
    zero = Money.zero(currency)
    schedule = [Instalment(number=0, due_date=agreed_on, principal=down_payment, interest=zero)]
    balance = debt - down_payment
    payment = _level_payment(balance, monthly_rate, instalments, rounding)
    even_parts = balance.allocate([1] * instalments) if monthly_rate == 0 else ()
    for number in range(1, instalments + 1):
        interest = balance.times(monthly_rate, rounding=rounding)
        if number == instalments:
            principal = balance
        elif even_parts:
            principal = even_parts[number - 1]
        else:  # tiny balances round to payments below their interest: never repay negatively
            principal = min(max(payment - interest, zero), balance)
        balance = balance - principal
        schedule.append(
            Instalment(
                number=number,
                due_date=add_months(first_due_date, number - 1),
                principal=principal,
                interest=interest,
            )
        )
    return PaymentArrangement(
        id=id,
        tenant_id=tenant_id,
        account_id=account_id,
        agreed_on=agreed_on,
        debt=debt,
        down_payment=down_payment,
        monthly_rate=monthly_rate,
        rounding=rounding,
        instalments=tuple(schedule),
        items=items,
    )


@attrs.frozen
class Standing:
    """How an arrangement stands on a day, given what the customer has paid since it was agreed."""

    status: ArrangementStatus
    due: Money
    paid: Money
    missed: Money
    next_instalment: Instalment | None


def _sum(items: Iterable[Money], currency: str) -> Money:
    return total(items, currency=currency)


def paid_from(*, arrangement: PaymentArrangement, still_open: Money) -> Money:
    """What has been paid toward an arrangement, from what its items still have open."""
    paid = arrangement.total - still_open
    return paid if paid.amount > 0 else Money.zero(paid.currency)


def standing(
    *, arrangement: PaymentArrangement, paid: Money, as_of: date, grace_days: int = 0
) -> Standing:
    """
    Judge an active arrangement on a day: completed once everything is paid, defaulted when an
    instalment whose due date (plus the grace days) has passed is not covered by what was paid.

    :raises CurrencyMismatch: if ``paid`` is in another currency.
    """
    currency = arrangement.debt.currency
    late_after = as_of - timedelta(days=grace_days)
    due = _sum((i.amount for i in arrangement.instalments if i.due_date <= as_of), currency)
    overdue = _sum((i.amount for i in arrangement.instalments if i.due_date < late_after), currency)
    missed = overdue - paid if overdue > paid else Money.zero(currency)
    covered = Money.zero(currency)
    upcoming = None
    for instalment in arrangement.instalments:
        covered = covered + instalment.amount
        if covered > paid:
            upcoming = instalment
            break
    if paid >= arrangement.total:
        status = ArrangementStatus.COMPLETED
    elif not missed.is_zero():
        status = ArrangementStatus.DEFAULTED
    else:
        status = ArrangementStatus.ACTIVE
    return Standing(status=status, due=due, paid=paid, missed=missed, next_instalment=upcoming)


def close(
    *, arrangement: PaymentArrangement, status: ArrangementStatus, on: date
) -> PaymentArrangement:
    """
    Close an active arrangement as completed, defaulted or cancelled.

    :raises InvalidArrangement: if it is not active, or the new status is active.
    """
    if arrangement.status is not ArrangementStatus.ACTIVE:
        raise InvalidArrangement(
            f"The arrangement is already {arrangement.status.value.lower()}",
            details={"status": arrangement.status.value},
        )
    if status is ArrangementStatus.ACTIVE:
        raise InvalidArrangement("An arrangement is closed as completed, defaulted or cancelled")
    return attrs.evolve(arrangement, status=status, closed_on=on)
