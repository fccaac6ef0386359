"""What the service order use cases need: their repository, the accounts and meters they change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import attrs
import polars as pl

from urbis.application import ports
from urbis.application._support import snapshot
from urbis.application.metering import ports as metering_ports
from urbis.domain import identity, service_orders
from urbis.kernel import ids


class ServiceOrderRepository(Protocol):
    def add(self, order: service_orders.ServiceOrder) -> None: ...
    def add_frame(self, orders: pl.DataFrame) -> None:
        """
        Open many orders at once (a collections run's), given as a frame with the columns
        ``id``, ``tenant_id``, ``account_id``, ``kind``, ``reason``, ``created_at``, ``source``.
        """
        ...

    def update(self, order: service_orders.ServiceOrder) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, order_id: service_orders.ServiceOrderId
    ) -> service_orders.ServiceOrder | None: ...
    def by_source(
        self, tenant_id: ids.TenantId, source: str
    ) -> service_orders.ServiceOrder | None: ...
    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[service_orders.ServiceOrder]: ...
    def list(
        self,
        tenant_id: ids.TenantId,
        status: service_orders.OrderStatus | None,
        limit: int,
        offset: int,
    ) -> Sequence[service_orders.ServiceOrder]: ...


@attrs.frozen
class ServiceOrdersEnv:
    """
    The caller and the outside world of the service order use cases. Every repository is bound
    to one transaction, so an order and the changes its outcome makes commit together.
    """

    actor: identity.Actor
    clock: ports.Clock
    ids: ports.IdGenerator
    orders: ServiceOrderRepository
    accounts: ports.AccountRepository
    meters: ports.MeterRepository
    service_points: ports.ServicePointRepository
    audit: ports.AuditLog
    registers: metering_ports.RegisterReadStore

    def record(
        self,
        *,
        entity: str,
        entity_id: str,
        action: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Leave an audit entry for a write, in the same transaction as the write."""
        self.audit.record(
            ports.AuditEntry(
                id=self.ids.new_id(),
                tenant_id=self.actor.tenant_id,
                actor_id=self.actor.user_id,
                at=self.clock.now(),
                entity=entity,
                entity_id=entity_id,
                action=action,
                before=None if before is None else snapshot(before),
                after=None if after is None else snapshot(after),
            )
        )
