"""Collections runs, arrangements, protections, holds and service orders over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, Field

from urbis import bootstrap
from urbis.adapters.db import uow as db_uow
from urbis.application.collections import operations, queries
from urbis.application.service_orders import operations as order_ops
from urbis.application.service_orders import queries as order_queries
from urbis.bootstrap import collections as wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.bootstrap import service_orders as order_wiring
from urbis.domain import identity, service_orders
from urbis.interfaces.api.auth import Actor, Container
from urbis.kernel import ids
from urbis.kernel.money import Rounding

router = APIRouter(prefix="/api/v1", tags=["collections"])
T = TypeVar("T")


def _collections(
    container: bootstrap.App, actor: identity.Actor, use_case: Callable[[Any], T]
) -> T:
    """
    Run one collections use case in one transaction: all of it is written, or none. Two runs
    racing on the same day meet the steps' unique keys: the second is refused with a conflict.
    """
    try:
        with container.engine.begin() as connection:
            return use_case(
                wiring.database_env(container=container, actor=actor, connection=connection)
            )
    except sa.exc.IntegrityError as exc:
        raise db_uow.domain_error_for(exc) from exc


def _orders(container: bootstrap.App, actor: identity.Actor, use_case: Callable[[Any], T]) -> T:
    """Run one service order use case in one transaction with the changes its outcome makes."""
    try:
        with container.engine.begin() as connection:
            return use_case(
                order_wiring.database_env(container=container, actor=actor, connection=connection)
            )
    except sa.exc.IntegrityError as exc:
        raise db_uow.domain_error_for(exc) from exc


def _today(container: bootstrap.App, as_of: date | None) -> date:
    return as_of or container.clock.now().date()


class RunIn(BaseModel):
    as_of: date | None = None


class ArrangementIn(BaseModel):
    account_id: str
    down_payment: Decimal = Field(ge=0)
    instalments: int = Field(ge=1, le=60)
    monthly_rate: Decimal = Field(ge=0, le=Decimal("0.05"))
    first_due_date: date
    as_of: date | None = None
    rounding: Rounding = Rounding.HALF_UP


class PromiseIn(BaseModel):
    account_id: str
    amount: Decimal
    promised_date: date
    channel: str = Field(default="PHONE", max_length=16)
    note: str = Field(default="", max_length=500)


class ProtectionIn(BaseModel):
    account_id: str
    active_from: date
    active_to: date | None = None
    note: str = Field(default="", max_length=500)


class HoldIn(BaseModel):
    region: str = Field(min_length=2, max_length=100)
    active_from: date
    active_to: date | None = None
    reason: str = Field(min_length=3, max_length=500)


@router.post("/collections/runs", status_code=201)
def run_collections(body: RunIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Run collections for every account in arrears on a day (today by default)."""
    as_of = _today(container, body.as_of)
    run = _collections(
        container, actor, lambda env: operations.run_collections(env=env, as_of=as_of)
    )
    notices = portal_wiring.queue_collection_notices(
        container=container, tenant_id=actor.tenant_id, run_id=run["id"]
    )
    return {**run, "notices": notices.picture()}


@router.get("/collections/runs")
def list_runs(actor: Actor, container: Container, limit: int = 20) -> list[dict[str, Any]]:
    """The latest collections runs, newest first."""
    return _collections(
        container, actor, lambda env: queries.list_runs(env=env, limit=max(1, min(limit, 200)))
    )


@router.get("/collections/runs/{run_id}")
def get_run(run_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """One collections run and what it did."""
    return _collections(container, actor, lambda env: queries.get_run(env=env, run_id=run_id))


@router.get("/accounts/{account_id}/collections")
def account_collections(
    account_id: str, actor: Actor, container: Container, as_of: date | None = None
) -> dict[str, Any]:
    """An account's collection steps, arrangements (how the active one stands) and protections."""
    day = _today(container, as_of)
    return _collections(
        container,
        actor,
        lambda env: queries.account_collections(
            env=env, account_id=ids.AccountId(account_id), as_of=day
        ),
    )


@router.post("/payment-arrangements", status_code=201)
def create_arrangement(body: ArrangementIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Agree a payment arrangement for what an account has overdue: down payment, instalments."""
    as_of = _today(container, body.as_of)
    arrangement = _collections(
        container,
        actor,
        lambda env: operations.create_arrangement(
            env=env,
            account_id=ids.AccountId(body.account_id),
            down_payment=body.down_payment,
            instalments=body.instalments,
            monthly_rate=body.monthly_rate,
            first_due_date=body.first_due_date,
            as_of=as_of,
            rounding=body.rounding,
        ),
    )
    return operations.arrangement_picture(arrangement)


@router.post("/payment-arrangements/{arrangement_id}/cancel")
def cancel_arrangement(arrangement_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """Cancel an active arrangement; collections resume at the next run."""
    as_of = container.clock.now().date()
    arrangement = _collections(
        container,
        actor,
        lambda env: operations.cancel_arrangement(
            env=env, arrangement_id=arrangement_id, as_of=as_of
        ),
    )
    return operations.arrangement_picture(arrangement)


@router.post("/payment-promises", status_code=201)
def register_promise(body: PromiseIn, actor: Actor, container: Container) -> dict[str, Any]:
    """
    Record a customer's promise to pay an amount by a date (taken by the caller on a channel);
    collections take no new step for the account until then.
    """
    as_of = container.clock.now().date()
    promise = _collections(
        container,
        actor,
        lambda env: operations.register_promise(
            env=env,
            account_id=ids.AccountId(body.account_id),
            amount=body.amount,
            promised_date=body.promised_date,
            channel=body.channel,
            note=body.note,
            as_of=as_of,
        ),
    )
    return operations.promise_picture(promise)


@router.post("/payment-promises/{promise_id}/cancel")
def cancel_promise(promise_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """Withdraw an open promise; collections resume at the next run."""
    as_of = container.clock.now().date()
    promise = _collections(
        container,
        actor,
        lambda env: operations.cancel_promise(env=env, promise_id=promise_id, as_of=as_of),
    )
    return operations.promise_picture(promise)


@router.post("/collections/protections", status_code=201)
def register_protection(body: ProtectionIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Register a medical dependency of an account: it is never suspended while it lasts."""
    protection = _collections(
        container,
        actor,
        lambda env: operations.register_protection(
            env=env,
            account_id=ids.AccountId(body.account_id),
            active_from=body.active_from,
            active_to=body.active_to,
            note=body.note,
        ),
    )
    return {"id": protection.id, "account_id": protection.account_id, "kind": protection.kind.value}


@router.post("/collections/holds", status_code=201)
def register_hold(body: HoldIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Register an authority's hold on suspensions in a department or city, for a span."""
    hold = _collections(
        container,
        actor,
        lambda env: operations.register_hold(
            env=env,
            region=body.region,
            active_from=body.active_from,
            active_to=body.active_to,
            reason=body.reason,
        ),
    )
    return {"id": hold.id, "region": hold.region}


@router.get("/collections/holds")
def list_holds(actor: Actor, container: Container) -> list[dict[str, Any]]:
    """Every regulatory hold."""
    return _collections(container, actor, lambda env: queries.regulatory_holds(env=env))


class OrderIn(BaseModel):
    account_id: str
    kind: service_orders.OrderKind
    reason: str = Field(min_length=1, max_length=500)
    service_point_id: str | None = None
    scheduled_date: date | None = None


class AssignIn(BaseModel):
    to: str = Field(min_length=1, max_length=64)


class ExchangeIn(BaseModel):
    new_meter_id: str
    start_read: Decimal = Field(ge=0)
    register_code: str = Field(default="1", min_length=1, max_length=16)
    old_final_read: Decimal | None = Field(default=None, ge=0)


class CompleteIn(BaseModel):
    outcome: service_orders.Outcome
    work_date: date | None = None
    notes: str = Field(default="", max_length=500)
    exchange: ExchangeIn | None = None


class CancelIn(BaseModel):
    notes: str = Field(default="", max_length=500)


@router.post("/service-orders", status_code=201)
def create_order(body: OrderIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Open a service order (suspension, reconnection, meter exchange, inspection)."""
    order = _orders(
        container,
        actor,
        lambda env: order_ops.create_order(
            env=env,
            account_id=ids.AccountId(body.account_id),
            kind=body.kind,
            reason=body.reason,
            service_point_id=None
            if body.service_point_id is None
            else ids.ServicePointId(body.service_point_id),
            scheduled_date=body.scheduled_date,
        ),
    )
    return order_queries.picture(order)


@router.get("/service-orders")
def list_orders(
    actor: Actor,
    container: Container,
    account_id: str | None = None,
    status: service_orders.OrderStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Orders of one account, or of the utility by status (newest first)."""
    return _orders(
        container,
        actor,
        lambda env: order_queries.list_orders(
            env=env,
            account_id=None if account_id is None else ids.AccountId(account_id),
            status=status,
            limit=max(1, min(limit, 500)),
            offset=max(0, offset),
        ),
    )


@router.get("/service-orders/{order_id}")
def get_order(order_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """One service order."""
    return _orders(
        container, actor, lambda env: order_queries.get_order(env=env, order_id=order_id)
    )


@router.post("/service-orders/{order_id}/assign")
def assign_order(
    order_id: str, body: AssignIn, actor: Actor, container: Container
) -> dict[str, Any]:
    """Give an order to a crew or technician."""
    order = _orders(
        container, actor, lambda env: order_ops.assign_order(env=env, order_id=order_id, to=body.to)
    )
    return order_queries.picture(order)


@router.post("/service-orders/{order_id}/complete")
def complete_order(
    order_id: str, body: CompleteIn, actor: Actor, container: Container
) -> dict[str, Any]:
    """Record the crew's outcome; a done order suspends, reconnects or exchanges the meter."""
    exchange = (
        None
        if body.exchange is None
        else service_orders.MeterExchange(
            new_meter_id=ids.MeterId(body.exchange.new_meter_id),
            start_read=body.exchange.start_read,
            register=body.exchange.register_code,
            old_final_read=body.exchange.old_final_read,
        )
    )
    order = _orders(
        container,
        actor,
        lambda env: order_ops.complete_order(
            env=env,
            order_id=order_id,
            outcome=body.outcome,
            work_date=body.work_date,
            notes=body.notes,
            exchange=exchange,
        ),
    )
    return order_queries.picture(order)


@router.post("/service-orders/{order_id}/cancel")
def cancel_order(
    order_id: str, body: CancelIn, actor: Actor, container: Container
) -> dict[str, Any]:
    """Cancel an order not yet completed."""
    order = _orders(
        container,
        actor,
        lambda env: order_ops.cancel_order(env=env, order_id=order_id, notes=body.notes),
    )
    return order_queries.picture(order)
