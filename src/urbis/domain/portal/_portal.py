"""
Rules of what a customer sends through the portal: a meter reading with its photo, a card
payment. Pure: the caller passes the instant (``as_at``) and the bytes it received.
"""

from __future__ import annotations

import enum
import math
from datetime import datetime, timedelta

import attrs

from urbis.kernel import errors, ids
from urbis.kernel.money import Money

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# the type a photo says it is must match what its first bytes show
PHOTO_TYPES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}
_OLDEST_READING = timedelta(days=45)
_CLOCK_SKEW = timedelta(minutes=10)


class PhotoTooLarge(errors.InvalidValue):
    code = "photo_too_large"


class PhotoTypeNotAllowed(errors.InvalidValue):
    code = "photo_type_not_allowed"


class InvalidReading(errors.InvalidValue):
    code = "invalid_customer_reading"


class InvalidCard(errors.InvalidValue):
    code = "invalid_card"


class InvalidAmount(errors.InvalidValue):
    code = "invalid_payment_amount"


@attrs.frozen
class Photo:
    """A photo of a meter's dial, as the customer sent it."""

    content_type: str
    data: bytes = attrs.field(repr=False)
    filename: str = ""


def check_photo(*, photo: Photo) -> Photo:
    """
    Accept a JPEG, PNG or WebP photo of at most 5 MiB whose bytes match its declared type.

    :raises PhotoTooLarge: if it is larger than ``MAX_PHOTO_BYTES``.
    :raises PhotoTypeNotAllowed: if it is not one of ``PHOTO_TYPES`` or its bytes say otherwise.
    """
    if len(photo.data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(
            f"The photo is {len(photo.data) / 1048576:.1f} MiB; the limit is "
            f"{MAX_PHOTO_BYTES // 1048576} MiB",
            details={"bytes": len(photo.data), "limit": MAX_PHOTO_BYTES},
        )
    content_type = photo.content_type.split(";")[0].strip().lower()
    signatures = PHOTO_TYPES.get(content_type)
    if signatures is None:
        raise PhotoTypeNotAllowed(
            f"A photo must be JPEG, PNG or WebP, not {content_type or 'unknown'}",
            details={"content_type": content_type, "allowed": sorted(PHOTO_TYPES)},
        )
    if not photo.data or not any(photo.data.startswith(s) for s in signatures):
        raise PhotoTypeNotAllowed(
            f"The file is not a {content_type} image",
            details={"content_type": content_type, "allowed": sorted(PHOTO_TYPES)},
        )
    if content_type == "image/webp" and photo.data[8:12] != b"WEBP":
        raise PhotoTypeNotAllowed("The file is not an image/webp image")
    return attrs.evolve(photo, content_type=content_type)


def check_reading(*, value: float, read_at: datetime, as_at: datetime) -> None:
    """
    A customer reading is a finite, non-negative dial value taken within the last 45 days.

    :raises InvalidReading: if the value or the instant is impossible.
    """
    if not math.isfinite(value) or value < 0:
        raise InvalidReading("A reading is a number of zero or more", details={"value": value})
    if read_at.tzinfo is None:
        raise InvalidReading("A reading's instant must carry its time zone")
    if read_at > as_at + _CLOCK_SKEW:
        raise InvalidReading(
            "A reading cannot be taken in the future", details={"read_at": read_at.isoformat()}
        )
    if read_at < as_at - _OLDEST_READING:
        raise InvalidReading(
            "A reading older than 45 days cannot be sent from the portal; call us instead",
            details={"read_at": read_at.isoformat()},
        )


def check_card(*, number: str) -> str:
    """
    Return a card number's digits if they pass the Luhn check (13 to 19 digits).

    :raises InvalidCard: if it has other characters, a wrong length or a wrong check digit.
    """
    digits = "".join(number.split()).replace("-", "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        raise InvalidCard("A card number has 13 to 19 digits")
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    if total % 10 != 0:
        raise InvalidCard("The card number is mistyped (its check digit does not match)")
    return digits


def card_last4(digits: str) -> str:
    """The last four digits, the only part of a card number urbis keeps."""
    return digits[-4:]


class ChargeStatus(enum.Enum):
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


@attrs.frozen
class Charge:
    """One card charge asked of the gateway from the portal, and its outcome."""

    id: str
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    party_id: ids.PartyId
    amount: Money
    card_last4: str
    idempotency_key: str
    status: ChargeStatus
    reference: str
    decline_code: str
    at: datetime

    def __attrs_post_init__(self) -> None:
        if self.amount.amount <= 0:
            raise InvalidAmount("A payment is more than zero", details={"amount": str(self.amount)})
