"""Parties (persons and organisations), their contact points and communication consents."""

from __future__ import annotations

import enum
import re
from datetime import datetime

import attrs

from urbis.domain.customers._documents import IdentityDocument
from urbis.kernel import errors, ids


class InvalidParty(errors.InvalidValue):
    code = "invalid_party"


class InvalidContactPoint(errors.InvalidValue):
    code = "invalid_contact_point"


class PartyKind(enum.Enum):
    PERSON = "PERSON"
    ORGANISATION = "ORGANISATION"


class ContactKind(enum.Enum):
    EMAIL = "EMAIL"
    MOBILE = "MOBILE"
    PHONE = "PHONE"
    POSTAL = "POSTAL"


class Channel(enum.Enum):
    """Channels a customer can consent to be contacted on."""

    EMAIL = "EMAIL"
    SMS = "SMS"
    WHATSAPP = "WHATSAPP"
    PHONE = "PHONE"
    POSTAL = "POSTAL"


class ConsentPurpose(enum.Enum):
    SERVICE = "SERVICE"  # bills, outages, case updates
    MARKETING = "MARKETING"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?\d{7,15}$")


@attrs.frozen
class ContactPoint:
    kind: ContactKind
    value: str
    preferred: bool = False

    @classmethod
    def parse(cls, *, kind: ContactKind, value: str, preferred: bool = False) -> ContactPoint:
        """
        Normalise and validate a contact point.

        :raises InvalidContactPoint: if the value does not fit the kind.
        """
        text = value.strip()
        if kind is ContactKind.EMAIL:
            text = text.lower()
            if not _EMAIL.match(text) or len(text) > 254:
                raise InvalidContactPoint(
                    f"{value!r} is not an email address", details={"value": value}
                )
        elif kind in (ContactKind.MOBILE, ContactKind.PHONE):
            text = re.sub(r"[\s().-]", "", text)
            if not _PHONE.match(text):
                raise InvalidContactPoint(
                    f"{value!r} is not a phone number (7 to 15 digits, optional leading +)",
                    details={"value": value},
                )
        elif not 5 <= len(text) <= 300:
            raise InvalidContactPoint("A postal address has 5 to 300 characters")
        return cls(kind=kind, value=text, preferred=preferred)


@attrs.frozen
class Consent:
    """A customer's decision (habeas data, Ley 1581 de 2012) about one channel and purpose."""

    channel: Channel
    purpose: ConsentPurpose
    granted: bool
    recorded_at: datetime
    source: str  # where it was given: portal, call, paper form, ...

    def __attrs_post_init__(self) -> None:
        if self.recorded_at.tzinfo is None:
            raise InvalidParty("Consent instants must be timezone-aware")


@attrs.frozen
class Party:
    id: ids.PartyId
    tenant_id: ids.TenantId
    kind: PartyKind
    name: str
    document: IdentityDocument
    contacts: tuple[ContactPoint, ...] = ()
    consents: tuple[Consent, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not 2 <= len(self.name.strip()) <= 200:
            raise InvalidParty("A party's name has 2 to 200 characters")

    def consents_to(self, *, channel: Channel, purpose: ConsentPurpose) -> bool:
        """Whether the latest consent recorded for a channel and purpose grants it."""
        relevant = [c for c in self.consents if c.channel is channel and c.purpose is purpose]
        if not relevant:
            return False
        # ties in time go to the decision recorded last
        return max(enumerate(relevant), key=lambda ic: (ic[1].recorded_at, ic[0]))[1].granted


def new_party(
    *,
    party_id: ids.PartyId,
    tenant_id: ids.TenantId,
    kind: PartyKind,
    name: str,
    document: IdentityDocument,
    contacts: tuple[ContactPoint, ...] = (),
    consents: tuple[Consent, ...] = (),
) -> Party:
    """
    Create a party, checking that organisations carry a NIT or a foreign document.

    :raises InvalidParty: if the party's facts are inconsistent.
    """
    if kind is PartyKind.ORGANISATION and document.type.value in ("CC", "PASSPORT"):
        raise InvalidParty(
            "An organisation is identified by a NIT or another country's tax id",
            details={"document_type": document.type.value},
        )
    return Party(
        id=party_id,
        tenant_id=tenant_id,
        kind=kind,
        name=" ".join(name.split()),
        document=document,
        contacts=contacts,
        consents=consents,
    )
