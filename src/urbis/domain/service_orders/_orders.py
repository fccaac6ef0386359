"""A service order's life: created, assigned to a crew, completed with an outcome, or cancelled."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import NewType

import attrs

from urbis.domain import accounts
from urbis.kernel import errors, ids

ServiceOrderId = NewType("ServiceOrderId", str)


class InvalidServiceOrder(errors.InvalidValue):
    code = "invalid_service_order"


class WrongOrderStatus(errors.Conflict):
    code = "wrong_order_status"


class OrderKind(enum.Enum):
    SUSPENSION = "SUSPENSION"
    RECONNECTION = "RECONNECTION"
    METER_EXCHANGE = "METER_EXCHANGE"
    INSPECTION = "INSPECTION"


class OrderStatus(enum.Enum):
    OPEN = "OPEN"
    ASSIGNED = "ASSIGNED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class Outcome(enum.Enum):
    """What the crew reports: the work was done, or could not be (no access, unsafe...)."""

    DONE = "DONE"
    NOT_DONE = "NOT_DONE"


@attrs.frozen
class MeterExchange:
    """What a crew reports when it exchanges a meter: the new meter and its first read."""

    new_meter_id: ids.MeterId
    start_read: Decimal
    register: str = "1"
    old_final_read: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        if self.start_read < 0 or (self.old_final_read is not None and self.old_final_read < 0):
            raise InvalidServiceOrder("Meter reads are never negative")
        if not 1 <= len(self.register) <= 16:
            raise InvalidServiceOrder("A register name has 1 to 16 characters")


_REASON_MAX = 500


@attrs.frozen
class ServiceOrder:
    """One piece of field work for an account (and, for meter work, one service point)."""

    id: ServiceOrderId
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    kind: OrderKind
    reason: str
    created_at: datetime
    status: OrderStatus = OrderStatus.OPEN
    service_point_id: ids.ServicePointId | None = None
    source: str | None = None
    assigned_to: str | None = None
    assigned_at: datetime | None = None
    completed_at: datetime | None = None
    work_date: date | None = None
    outcome: Outcome | None = None
    notes: str = ""
    exchange: MeterExchange | None = None
    cancelled_at: datetime | None = None
    scheduled_date: date | None = None  # the day agreed with the customer, when there is one

    def __attrs_post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise InvalidServiceOrder("Instants must be timezone-aware")
        if not 1 <= len(self.reason.strip()) <= _REASON_MAX:
            raise InvalidServiceOrder(f"A reason has 1 to {_REASON_MAX} characters")
        if self.kind is OrderKind.METER_EXCHANGE and self.service_point_id is None:
            raise InvalidServiceOrder("A meter exchange names the service point of the meter")
        if self.source is not None and not 1 <= len(self.source) <= 120:
            raise InvalidServiceOrder("A source has 1 to 120 characters")


def new_order(
    *,
    id: ServiceOrderId,
    tenant_id: ids.TenantId,
    account: accounts.Account,
    kind: OrderKind,
    reason: str,
    created_at: datetime,
    service_point_id: ids.ServicePointId | None = None,
    source: str | None = None,
    scheduled_date: date | None = None,
) -> ServiceOrder:
    """
    Open a service order for an account, scheduled for a day when one was agreed.

    :raises InvalidServiceOrder: if the reason is empty, a meter exchange names no service
        point, the account is closed (no field work is sent to a closed account), or the
        scheduled day is before the day the order is opened.
    """
    if account.status is accounts.AccountStatus.CLOSED:
        raise InvalidServiceOrder(
            f"Account {account.number} is closed", details={"account": account.number}
        )
    if scheduled_date is not None and scheduled_date < created_at.date():
        raise InvalidServiceOrder(
            "An order cannot be scheduled for a day that has passed",
            details={"scheduled_date": scheduled_date.isoformat()},
        )
    return ServiceOrder(
        id=id,
        tenant_id=tenant_id,
        account_id=account.id,
        kind=kind,
        reason=reason.strip(),
        created_at=created_at,
        service_point_id=service_point_id,
        source=source,
        scheduled_date=scheduled_date,
    )


def _require(order: ServiceOrder, allowed: tuple[OrderStatus, ...], doing: str) -> None:
    if order.status not in allowed:
        raise WrongOrderStatus(
            f"A {order.status.value.lower()} order cannot be {doing}",
            details={"status": order.status.value, "order_id": order.id},
        )


def assign(*, order: ServiceOrder, to: str, at: datetime) -> ServiceOrder:
    """
    Give an open (or reassign an assigned) order to a crew or technician.

    :raises InvalidServiceOrder: if the crew is empty or longer than 64 characters.
    :raises WrongOrderStatus: if the order is completed or cancelled.
    """
    crew = to.strip()
    if not 1 <= len(crew) <= 64:
        raise InvalidServiceOrder("A crew or technician has 1 to 64 characters")
    _require(order, (OrderStatus.OPEN, OrderStatus.ASSIGNED), "assigned")
    return attrs.evolve(order, status=OrderStatus.ASSIGNED, assigned_to=crew, assigned_at=at)


def complete(
    *,
    order: ServiceOrder,
    outcome: Outcome,
    at: datetime,
    work_date: date,
    notes: str = "",
    exchange: MeterExchange | None = None,
) -> ServiceOrder:
    """
    Record the crew's outcome of an assigned order.

    :raises WrongOrderStatus: unless the order is assigned.
    :raises InvalidServiceOrder: if a done meter exchange does not report the new meter and its
        start read, or another kind of order reports one.
    """
    _require(order, (OrderStatus.ASSIGNED,), "completed")
    is_exchange = order.kind is OrderKind.METER_EXCHANGE and outcome is Outcome.DONE
    if is_exchange and exchange is None:
        raise InvalidServiceOrder("A done meter exchange reports the new meter and its start read")
    if not is_exchange and exchange is not None:
        raise InvalidServiceOrder("Only a done meter exchange reports a new meter")
    return attrs.evolve(
        order,
        status=OrderStatus.COMPLETED,
        outcome=outcome,
        completed_at=at,
        work_date=work_date,
        notes=notes.strip()[:_REASON_MAX],
        exchange=exchange,
    )


def cancel(*, order: ServiceOrder, at: datetime, notes: str = "") -> ServiceOrder:
    """
    Cancel an order that has not been completed.

    :raises WrongOrderStatus: if it is completed or already cancelled.
    """
    _require(order, (OrderStatus.OPEN, OrderStatus.ASSIGNED), "cancelled")
    return attrs.evolve(
        order, status=OrderStatus.CANCELLED, cancelled_at=at, notes=notes.strip()[:_REASON_MAX]
    )


def account_status_after(
    *, order: ServiceOrder, status: accounts.AccountStatus
) -> accounts.AccountStatus:
    """
    The account's status once a completed order's outcome is applied.

    A done suspension suspends an active account; a done reconnection restores a suspended one;
    anything else leaves the status as it was.
    """
    if order.outcome is not Outcome.DONE:
        return status
    if order.kind is OrderKind.SUSPENSION and status is accounts.AccountStatus.ACTIVE:
        return accounts.AccountStatus.SUSPENDED
    if order.kind is OrderKind.RECONNECTION and status is accounts.AccountStatus.SUSPENDED:
        return accounts.AccountStatus.ACTIVE
    return status
