"""Writes of the customers context."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from urbis.application._support import Env, audit, found
from urbis.domain import customers, identity
from urbis.kernel import errors, ids

WRITERS = frozenset({identity.Role.AGENT})


class DuplicateParty(errors.Conflict):
    code = "duplicate_party"


@attrs.frozen
class ContactInput:
    kind: customers.ContactKind
    value: str
    preferred: bool = False


def _contacts(items: Sequence[ContactInput]) -> tuple[customers.ContactPoint, ...]:
    return tuple(
        customers.ContactPoint.parse(kind=c.kind, value=c.value, preferred=c.preferred)
        for c in items
    )


def register_party(
    *,
    env: Env,
    kind: customers.PartyKind,
    name: str,
    document_type: customers.DocumentType,
    document_number: str,
    document_country: str = "CO",
    contacts: Sequence[ContactInput] = (),
) -> customers.Party:
    """
    Register a person or organisation as a customer of the utility.

    :raises InvalidIdentityDocument: if the document does not validate (e.g. a bad NIT digit).
    :raises InvalidContactPoint: if a contact point does not validate.
    :raises DuplicateParty: if a party with the same document already exists.
    :raises RoleRequired: if the actor is not an agent.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    document = customers.IdentityDocument.parse(
        type=document_type, number=document_number, country=document_country
    )
    party = customers.new_party(
        party_id=ids.PartyId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        kind=kind,
        name=name,
        document=document,
        contacts=_contacts(contacts),
    )
    with env.uow() as uow:
        existing = uow.parties.by_document(env.actor.tenant_id, document)
        if existing is not None:
            raise DuplicateParty(
                f"A customer with {document} is already registered",
                details={"party_id": existing.id},
            )
        uow.parties.add(party)
        audit(env=env, uow=uow, entity="party", entity_id=party.id, action="create", after=party)
        uow.commit()
    return party


def update_party(
    *,
    env: Env,
    party_id: ids.PartyId,
    name: str | None = None,
    contacts: Sequence[ContactInput] | None = None,
) -> customers.Party:
    """
    Change a party's name or replace its contact points.

    :raises NotFound: if the party does not exist for this tenant.
    :raises InvalidContactPoint: if a contact point does not validate.
    :raises InvalidParty: if the new name is not acceptable.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    with env.uow() as uow:
        before = found(uow.parties.get(env.actor.tenant_id, party_id), what="party", key=party_id)
        after = attrs.evolve(
            before,
            name=before.name if name is None else " ".join(name.split()),
            contacts=before.contacts if contacts is None else _contacts(contacts),
        )
        uow.parties.update(after)
        audit(
            env=env,
            uow=uow,
            entity="party",
            entity_id=party_id,
            action="update",
            before=before,
            after=after,
        )
        uow.commit()
    return after


def record_consent(
    *,
    env: Env,
    party_id: ids.PartyId,
    channel: customers.Channel,
    purpose: customers.ConsentPurpose,
    granted: bool,
    source: str,
) -> customers.Party:
    """
    Record a customer's consent (or its withdrawal) for a channel and purpose, with date and source.

    Consents are never edited: each decision is kept, and the latest one counts.

    :raises NotFound: if the party does not exist for this tenant.
    """
    allowed = WRITERS | {identity.Role.CUSTOMER}
    identity.require_role(actor=env.actor, allowed=frozenset(allowed))
    if env.actor.is_customer and env.actor.party_id != party_id:
        raise errors.NotFound(f"No party {party_id}", details={"what": "party", "key": party_id})
    consent = customers.Consent(
        channel=channel,
        purpose=purpose,
        granted=granted,
        recorded_at=env.clock.now(),
        source=source.strip() or "unspecified",
    )
    with env.uow() as uow:
        before = found(uow.parties.get(env.actor.tenant_id, party_id), what="party", key=party_id)
        after = attrs.evolve(before, consents=(*before.consents, consent))
        uow.parties.update(after)
        audit(
            env=env,
            uow=uow,
            entity="party",
            entity_id=party_id,
            action="consent",
            before=before,
            after=after,
        )
        uow.commit()
    return after
