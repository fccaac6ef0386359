"""The customer portal's own rules: reading photos, cards and charges, chat lines."""

from urbis.domain.portal._portal import (
    MAX_PHOTO_BYTES,
    PHOTO_TYPES,
    Charge,
    ChargeStatus,
    InvalidAmount,
    InvalidCard,
    InvalidReading,
    Photo,
    PhotoTooLarge,
    PhotoTypeNotAllowed,
    card_last4,
    check_card,
    check_photo,
    check_reading,
)

__all__ = [
    "MAX_PHOTO_BYTES",
    "PHOTO_TYPES",
    "Charge",
    "ChargeStatus",
    "InvalidAmount",
    "InvalidCard",
    "InvalidReading",
    "Photo",
    "PhotoTooLarge",
    "PhotoTypeNotAllowed",
    "card_last4",
    "check_card",
    "check_photo",
    "check_reading",
]
