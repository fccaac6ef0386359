"""Customers: persons and organisations, identity documents, contact points, consents."""

from urbis.domain.customers._documents import (
    DocumentType,
    IdentityDocument,
    InvalidIdentityDocument,
    InvalidNitCheckDigit,
    nit_check_digit,
)
from urbis.domain.customers._parties import (
    Channel,
    Consent,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    InvalidContactPoint,
    InvalidParty,
    Party,
    PartyKind,
    new_party,
)

__all__ = [
    "Channel",
    "Consent",
    "ConsentPurpose",
    "ContactKind",
    "ContactPoint",
    "DocumentType",
    "IdentityDocument",
    "InvalidContactPoint",
    "InvalidIdentityDocument",
    "InvalidNitCheckDigit",
    "InvalidParty",
    "Party",
    "PartyKind",
    "new_party",
    "nit_check_digit",
]
