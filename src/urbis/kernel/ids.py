"""
Identifiers.

Every entity gets a ``str`` id: a sortable, time-ordered ULID-like value made from an
instant and random bits given by the caller (no clock or randomness in the kernel).
Ids are ``NewType``s so a ``PartyId`` cannot be passed where an ``AccountId`` is expected.
See docs/adr/0003-ids.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import NewType

TenantId = NewType("TenantId", str)
UserId = NewType("UserId", str)
PartyId = NewType("PartyId", str)
PremiseId = NewType("PremiseId", str)
ServicePointId = NewType("ServicePointId", str)
MeterId = NewType("MeterId", str)
AccountId = NewType("AccountId", str)
AgreementId = NewType("AgreementId", str)

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def make_ulid(*, at: datetime, entropy: int) -> str:
    """
    Build a 26-character ULID from an aware instant and 80 bits of entropy.

    :raises ValueError: if ``at`` is naive or ``entropy`` does not fit in 80 bits.
    """
    if at.tzinfo is None:
        raise ValueError("ULID instants must be timezone-aware")
    if not 0 <= entropy < 2**80:
        raise ValueError("ULID entropy must fit in 80 bits")
    millis = int(at.timestamp() * 1000)
    return _encode(millis, 10) + _encode(entropy, 16)
