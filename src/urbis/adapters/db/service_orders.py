"""Service orders over SQLAlchemy Core, bound to the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.domain import service_orders as so
from urbis.kernel import ids


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _exchange(exchange: so.MeterExchange | None) -> dict[str, Any] | None:
    if exchange is None:
        return None
    return {
        "new_meter_id": exchange.new_meter_id,
        "start_read": str(exchange.start_read),
        "register": exchange.register,
        "old_final_read": None if exchange.old_final_read is None else str(exchange.old_final_read),
    }


def _from_exchange(data: dict[str, Any] | None) -> so.MeterExchange | None:
    if data is None:
        return None
    final = data.get("old_final_read")
    return so.MeterExchange(
        new_meter_id=ids.MeterId(data["new_meter_id"]),
        start_read=Decimal(data["start_read"]),
        register=data["register"],
        old_final_read=None if final is None else Decimal(final),
    )


class ServiceOrderRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _values(order: so.ServiceOrder) -> dict[str, Any]:
        return {
            "id": order.id,
            "tenant_id": order.tenant_id,
            "account_id": order.account_id,
            "kind": order.kind.value,
            "status": order.status.value,
            "reason": order.reason,
            "created_at": order.created_at,
            "service_point_id": order.service_point_id,
            "source": order.source,
            "assigned_to": order.assigned_to,
            "assigned_at": order.assigned_at,
            "completed_at": order.completed_at,
            "work_date": order.work_date,
            "outcome": None if order.outcome is None else order.outcome.value,
            "notes": order.notes,
            "exchange": _exchange(order.exchange),
            "cancelled_at": order.cancelled_at,
            "scheduled_date": order.scheduled_date,
        }

    @staticmethod
    def _row(r: Any) -> so.ServiceOrder:
        created_at = _utc(r.created_at)
        assert created_at is not None
        return so.ServiceOrder(
            id=so.ServiceOrderId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            account_id=ids.AccountId(r.account_id),
            kind=so.OrderKind(r.kind),
            status=so.OrderStatus(r.status),
            reason=r.reason,
            created_at=created_at,
            service_point_id=None
            if r.service_point_id is None
            else ids.ServicePointId(r.service_point_id),
            source=r.source,
            assigned_to=r.assigned_to,
            assigned_at=_utc(r.assigned_at),
            completed_at=_utc(r.completed_at),
            work_date=r.work_date,
            outcome=None if r.outcome is None else so.Outcome(r.outcome),
            notes=r.notes,
            exchange=_from_exchange(r.exchange),
            cancelled_at=_utc(r.cancelled_at),
            scheduled_date=r.scheduled_date,
        )

    def add(self, order: so.ServiceOrder) -> None:
        self._c.execute(t.service_orders.insert().values(**self._values(order)))

    def add_frame(self, orders: pl.DataFrame) -> None:
        """Insert many new orders (a collections run's) in one statement."""
        if orders.is_empty():
            return
        rows = orders.select(
            "id", "tenant_id", "account_id", "kind", "reason", "created_at", "source"
        ).with_columns(status=pl.lit(so.OrderStatus.OPEN.value), notes=pl.lit(""))
        self._c.execute(t.service_orders.insert(), rows.to_dicts())

    def update(self, order: so.ServiceOrder) -> None:
        c = t.service_orders.c
        self._c.execute(
            t.service_orders.update()
            .where(c.id == order.id, c.tenant_id == order.tenant_id)
            .values(**self._values(order))
        )

    def get(self, tenant_id: ids.TenantId, order_id: so.ServiceOrderId) -> so.ServiceOrder | None:
        c = t.service_orders.c
        row = self._c.execute(
            t.service_orders.select().where(c.id == order_id, c.tenant_id == tenant_id)
        ).first()
        return None if row is None else self._row(row)

    def by_source(self, tenant_id: ids.TenantId, source: str) -> so.ServiceOrder | None:
        c = t.service_orders.c
        row = self._c.execute(
            t.service_orders.select().where(c.source == source, c.tenant_id == tenant_id)
        ).first()
        return None if row is None else self._row(row)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[so.ServiceOrder]:
        c = t.service_orders.c
        rows = self._c.execute(
            t.service_orders.select()
            .where(c.tenant_id == tenant_id, c.account_id == account_id)
            .order_by(c.created_at, c.id)
        )
        return [self._row(r) for r in rows]

    def list(
        self, tenant_id: ids.TenantId, status: so.OrderStatus | None, limit: int, offset: int
    ) -> Sequence[so.ServiceOrder]:
        c = t.service_orders.c
        query = t.service_orders.select().where(c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(c.status == status.value)
        rows = self._c.execute(
            query.order_by(c.created_at.desc(), c.id.desc()).limit(limit).offset(offset)
        )
        return [self._row(r) for r in rows]
