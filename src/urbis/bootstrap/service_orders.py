"""Composition of the service orders context: its repositories, all on one connection."""

from __future__ import annotations

import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import repositories as r
from urbis.adapters.db import service_orders as db_orders
from urbis.application.metering import ports as metering_ports
from urbis.application.service_orders import ports
from urbis.bootstrap import metering
from urbis.domain import identity


def tenant_code(*, connection: sa.Connection, actor: identity.Actor) -> str:
    """The code of the actor's tenant (metering's files are kept per tenant code)."""
    tenant = r.TenantRepository(connection).get(actor.tenant_id)
    return tenant.code if tenant is not None else actor.tenant_id


def database_env(
    *,
    container: bootstrap.App,
    actor: identity.Actor,
    connection: sa.Connection,
    registers: metering_ports.RegisterReadStore | None = None,
) -> ports.ServiceOrdersEnv:
    """
    The service order use cases over the database, inside the caller's transaction
    (``connection``): an order and what its outcome changes commit together or not at all.
    Start reads of exchanged meters go to the tenant's register read store.
    """
    store = registers or (
        metering.for_tenant(
            engine=container.engine,
            data_dir=container.data_dir,
            tenant_code=tenant_code(connection=connection, actor=actor),
        ).registers
    )
    return ports.ServiceOrdersEnv(
        actor=actor,
        clock=container.clock,
        ids=container.ids,
        orders=db_orders.ServiceOrderRepository(connection),
        accounts=r.AccountRepository(connection),
        meters=r.MeterRepository(connection),
        service_points=r.ServicePointRepository(connection),
        audit=r.AuditLog(connection),
        registers=store,
    )
