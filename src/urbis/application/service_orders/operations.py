"""Writes of the service orders context: create, assign, complete (applying the outcome), cancel."""

from __future__ import annotations

from datetime import date, datetime

import attrs
import polars as pl

from urbis.application._support import found
from urbis.application.service_orders import ports
from urbis.domain import accounts, identity, metering, premises, service_orders
from urbis.kernel import errors, ids
from urbis.kernel.periods import Period

WRITERS = frozenset({identity.Role.AGENT, identity.Role.FIELD, identity.Role.COLLECTIONS})

_UNITS = {
    premises.Service.ELECTRICITY: "kWh",
    premises.Service.WATER: "m3",
    premises.Service.GAS: "m3",
}


class DuplicateOrderSource(errors.Conflict):
    code = "duplicate_order_source"


class NoMeterToExchange(errors.Conflict):
    code = "no_meter_to_exchange"


def _order(env: ports.ServiceOrdersEnv, order_id: str) -> service_orders.ServiceOrder:
    return found(
        env.orders.get(env.actor.tenant_id, service_orders.ServiceOrderId(order_id)),
        what="service order",
        key=order_id,
    )


def create_order(
    *,
    env: ports.ServiceOrdersEnv,
    account_id: ids.AccountId,
    kind: service_orders.OrderKind,
    reason: str,
    service_point_id: ids.ServicePointId | None = None,
    source: str | None = None,
    scheduled_date: date | None = None,
) -> service_orders.ServiceOrder:
    """
    Open a service order for an account (for a scheduled day, when one was agreed).

    ``source`` names what asked for it (``collections:<step>``); one source opens one order.

    :raises RoleRequired: unless the actor is an agent, field or collections staff.
    :raises NotFound: if the account (or the service point) does not exist for this tenant.
    :raises InvalidServiceOrder: if the reason is empty, a meter exchange names no point, the
        account is closed, or the scheduled day has passed.
    :raises DuplicateOrderSource: if an order with that source already exists.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tenant = env.actor.tenant_id
    account = found(env.accounts.get(tenant, account_id), what="account", key=account_id)
    if service_point_id is not None:
        found(
            env.service_points.get(tenant, service_point_id),
            what="service point",
            key=service_point_id,
        )
    if source is not None and env.orders.by_source(tenant, source) is not None:
        raise DuplicateOrderSource(
            f"An order for {source} already exists", details={"source": source}
        )
    order = service_orders.new_order(
        id=service_orders.ServiceOrderId(env.ids.new_id()),
        tenant_id=tenant,
        account=account,
        kind=kind,
        reason=reason,
        created_at=env.clock.now(),
        service_point_id=service_point_id,
        source=source,
        scheduled_date=scheduled_date,
    )
    env.orders.add(order)
    env.record(entity="service_order", entity_id=order.id, action="create", after=order)
    return order


def assign_order(
    *, env: ports.ServiceOrdersEnv, order_id: str, to: str
) -> service_orders.ServiceOrder:
    """
    Give an order to a crew or technician (or reassign it).

    :raises RoleRequired: unless the actor is an agent, field or collections staff.
    :raises NotFound: if the order does not exist for this tenant.
    :raises WrongOrderStatus: if it is completed or cancelled.
    :raises InvalidServiceOrder: if the crew is empty.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    before = _order(env, order_id)
    after = service_orders.assign(order=before, to=to, at=env.clock.now())
    env.orders.update(after)
    env.record(
        entity="service_order", entity_id=after.id, action="assign", before=before, after=after
    )
    return after


def cancel_order(
    *, env: ports.ServiceOrdersEnv, order_id: str, notes: str = ""
) -> service_orders.ServiceOrder:
    """
    Cancel an order not yet completed.

    :raises RoleRequired: unless the actor is an agent, field or collections staff.
    :raises NotFound: if the order does not exist for this tenant.
    :raises WrongOrderStatus: if it is completed or already cancelled.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    before = _order(env, order_id)
    after = service_orders.cancel(order=before, at=env.clock.now(), notes=notes)
    env.orders.update(after)
    env.record(
        entity="service_order", entity_id=after.id, action="cancel", before=before, after=after
    )
    return after


def complete_order(
    *,
    env: ports.ServiceOrdersEnv,
    order_id: str,
    outcome: service_orders.Outcome,
    work_date: date | None = None,
    notes: str = "",
    exchange: service_orders.MeterExchange | None = None,
) -> service_orders.ServiceOrder:
    """
    Record the crew's outcome and apply it: a done suspension suspends the account, a done
    reconnection restores it, a done meter exchange closes the old meter's installation, opens
    the new one from the work day and records its start read (and the old one's final read).

    :raises RoleRequired: unless the actor is an agent, field or collections staff.
    :raises NotFound: if the order, the account or the new meter does not exist.
    :raises WrongOrderStatus: unless the order is assigned.
    :raises InvalidServiceOrder: if a done exchange reports no new meter, or another order does.
    :raises NoMeterToExchange: if no meter is installed at the order's service point.
    :raises MeterAlreadyInstalled: if the new meter is installed elsewhere then.
    :raises ServiceMismatch: if the new meter measures another service.
    :raises InvalidMeter: if the work day is not after the old meter's installation.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tenant = env.actor.tenant_id
    now = env.clock.now()
    before = _order(env, order_id)
    after = service_orders.complete(
        order=before,
        outcome=outcome,
        at=now,
        work_date=work_date or now.date(),
        notes=notes,
        exchange=exchange,
    )
    env.orders.update(after)
    env.record(
        entity="service_order", entity_id=after.id, action="complete", before=before, after=after
    )
    account = found(
        env.accounts.get(tenant, after.account_id), what="account", key=after.account_id
    )
    status = service_orders.account_status_after(order=after, status=account.status)
    if status is not account.status:
        _set_status(env, account, status)
    if after.exchange is not None:
        _exchange_meter(env, after, after.exchange, now)
    return after


def _set_status(
    env: ports.ServiceOrdersEnv, account: accounts.Account, status: accounts.AccountStatus
) -> None:
    changed = attrs.evolve(account, status=status)
    env.accounts.update(changed)
    env.record(
        entity="account", entity_id=account.id, action="status", before=account, after=changed
    )


def _exchange_meter(
    env: ports.ServiceOrdersEnv,
    order: service_orders.ServiceOrder,
    exchange: service_orders.MeterExchange,
    at: datetime,
) -> None:
    tenant = env.actor.tenant_id
    assert order.service_point_id is not None  # a meter exchange always names its point
    assert order.work_date is not None
    point = found(
        env.service_points.get(tenant, order.service_point_id),
        what="service point",
        key=order.service_point_id,
    )
    history = tuple(env.meters.installations_at_point(tenant, point.id))
    current = next((i for i in history if i.installed.is_open), None)
    if current is None:
        raise NoMeterToExchange(
            "No meter is installed at the order's service point",
            details={"service_point_id": point.id},
        )
    old = found(env.meters.get(tenant, current.meter_id), what="meter", key=current.meter_id)
    new = found(
        env.meters.get(tenant, exchange.new_meter_id), what="meter", key=exchange.new_meter_id
    )
    closed = premises.remove_installation(installation=current, on=order.work_date)
    opened = premises.check_installation(
        meter=new,
        service_point=point,
        installed=Period(order.work_date, None),
        meter_history=tuple(env.meters.installations_of_meter(tenant, new.id)),
        point_history=(*(i for i in history if i != current), closed),
    )
    env.meters.close_installation(tenant, closed)
    env.meters.add_installation(tenant, opened)
    env.record(entity="meter", entity_id=old.id, action="remove", before=current, after=closed)
    env.record(entity="meter", entity_id=new.id, action="install", after=opened)
    reads = [(new, exchange.start_read, "EXCHANGE_START")]
    if exchange.old_final_read is not None:
        reads.append((old, exchange.old_final_read, "EXCHANGE_FINAL"))
    frame = pl.DataFrame(
        {
            "meter": [m.serial for m, _, _ in reads],
            "register": [exchange.register] * len(reads),
            "read_at": [at] * len(reads),
            "value": [float(v) for _, v, _ in reads],
            "unit": [_UNITS.get(m.service, "kWh") for m, _, _ in reads],
            "read_type": [metering.ReadType.ACTUAL.value] * len(reads),
            "source": [f"service_order:{order.id}:{what}" for _, _, what in reads],
        }
    )
    stamped = metering.stamp(
        frame=metering.conform(frame=frame, schema=metering.REGISTER_SCHEMA),
        recorded_at=at,
        first_sequence=0,
    )
    # the reads are written last: a failure here rolls the database changes back with it
    env.registers.append(stamped)
