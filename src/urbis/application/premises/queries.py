"""Reads of the premises context."""

from __future__ import annotations

from urbis.application import ports
from urbis.application._support import Env, found
from urbis.domain import identity, premises
from urbis.kernel import ids

READERS = identity.STAFF_ROLES


def get_premise(*, env: Env, premise_id: ids.PremiseId) -> premises.Premise:
    """
    Read one premise.

    :raises NotFound: if it does not exist for this tenant.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.uow() as uow:
        return found(
            uow.premises.get(env.actor.tenant_id, premise_id), what="premise", key=premise_id
        )


def search_premises(*, env: Env, text: str, limit: int = 20, offset: int = 0) -> ports.Page:
    """Find premises by address or city."""
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.uow() as uow:
        return uow.premises.search(env.actor.tenant_id, text.strip(), limit, offset)


def service_points(*, env: Env, premise_id: ids.PremiseId) -> tuple[premises.ServicePoint, ...]:
    """List a premise's service points."""
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.uow() as uow:
        return tuple(uow.service_points.for_premise(env.actor.tenant_id, premise_id))


def get_meter(*, env: Env, meter_id: ids.MeterId) -> premises.Meter:
    """
    Read one meter.

    :raises NotFound: if it does not exist for this tenant.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.uow() as uow:
        return found(uow.meters.get(env.actor.tenant_id, meter_id), what="meter", key=meter_id)
