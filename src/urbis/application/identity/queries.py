"""Reads of identity data and the audit trail."""

from __future__ import annotations

from urbis.application import ports
from urbis.application._support import Env
from urbis.domain import identity


def audit_trail(*, env: Env, entity: str, entity_id: str) -> tuple[ports.AuditEntry, ...]:
    """Every recorded write to one record, oldest first."""
    identity.require_role(actor=env.actor, allowed=identity.STAFF_ROLES)
    with env.uow() as uow:
        return tuple(uow.audit.for_entity(env.actor.tenant_id, entity, entity_id))


def tenant(*, env: Env) -> identity.Tenant | None:
    """The actor's own tenant."""
    with env.uow() as uow:
        return uow.tenants.get(env.actor.tenant_id)
