"""Reads of the customers context."""

from __future__ import annotations

from urbis.application import ports
from urbis.application._support import Env, found
from urbis.domain import customers, identity
from urbis.kernel import errors, ids

READERS = identity.STAFF_ROLES


def get_party(*, env: Env, party_id: ids.PartyId) -> customers.Party:
    """
    Read one party; customers may read only themselves.

    :raises NotFound: if it does not exist for this tenant or is not the customer's own.
    """
    identity.require_role(actor=env.actor, allowed=READERS | {identity.Role.CUSTOMER})
    if env.actor.is_customer and env.actor.party_id != party_id:
        raise errors.NotFound(f"No party {party_id}", details={"what": "party", "key": party_id})
    with env.uow() as uow:
        return found(uow.parties.get(env.actor.tenant_id, party_id), what="party", key=party_id)


def search_parties(*, env: Env, text: str, limit: int = 20, offset: int = 0) -> ports.Page:
    """Find parties by name or document number."""
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.uow() as uow:
        return uow.parties.search(env.actor.tenant_id, text.strip(), limit, offset)
