"""Reads of identity data and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable

from urbis.application import ports
from urbis.application._support import Env
from urbis.domain import identity
from urbis.kernel import ids


def audit_trail(*, env: Env, entity: str, entity_id: str) -> tuple[ports.AuditEntry, ...]:
    """Every recorded write to one record, oldest first."""
    identity.require_role(actor=env.actor, allowed=identity.STAFF_ROLES)
    with env.uow() as uow:
        return tuple(uow.audit.for_entity(env.actor.tenant_id, entity, entity_id))


def tenant(*, env: Env) -> identity.Tenant | None:
    """The actor's own tenant."""
    with env.uow() as uow:
        return uow.tenants.get(env.actor.tenant_id)


def display_names(*, env: Env, user_ids: Iterable[str]) -> dict[str, str]:
    """
    The display names of the tenant's staff users (unknown ids, or other tenants', are left
    out), for screens that show who did something.

    :raises RoleRequired: unless the actor is staff.
    """
    identity.require_role(actor=env.actor, allowed=identity.STAFF_ROLES)
    names: dict[str, str] = {}
    with env.uow() as uow:
        for user_id in set(user_ids):
            user = uow.users.get(ids.UserId(user_id))
            if user is not None and user.tenant_id == env.actor.tenant_id:
                names[user_id] = user.display_name
    return names
