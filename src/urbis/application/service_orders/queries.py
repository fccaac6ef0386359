"""Reads of the service orders context."""

from __future__ import annotations

from typing import Any

from urbis.application._support import found, plain
from urbis.application.service_orders import ports
from urbis.domain import identity, service_orders
from urbis.kernel import ids

READERS = identity.STAFF_ROLES


def picture(order: service_orders.ServiceOrder) -> dict[str, Any]:
    """An order as plain data."""
    data: dict[str, Any] = plain(order)
    return data


def get_order(*, env: ports.ServiceOrdersEnv, order_id: str) -> dict[str, Any]:
    """
    One order.

    :raises RoleRequired: unless the actor is staff.
    :raises NotFound: if it does not exist for this tenant.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    order = found(
        env.orders.get(env.actor.tenant_id, service_orders.ServiceOrderId(order_id)),
        what="service order",
        key=order_id,
    )
    return picture(order)


def list_orders(
    *,
    env: ports.ServiceOrdersEnv,
    account_id: ids.AccountId | None = None,
    status: service_orders.OrderStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """
    Orders of one account (oldest first), or of the tenant by status (newest first).

    :raises RoleRequired: unless the actor is staff.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    tenant = env.actor.tenant_id
    if account_id is not None:
        orders = env.orders.for_account(tenant, account_id)
        if status is not None:
            orders = [o for o in orders if o.status is status]
        return [picture(o) for o in orders]
    return [picture(o) for o in env.orders.list(tenant, status, limit, offset)]
