"""Identity documents and their validation (Colombian types first, any country's generic)."""

from __future__ import annotations

import enum
import re

import attrs

from urbis.kernel import errors


class InvalidIdentityDocument(errors.InvalidValue):
    code = "invalid_identity_document"


class InvalidNitCheckDigit(InvalidIdentityDocument):
    code = "invalid_nit_check_digit"


class DocumentType(enum.Enum):
    CC = "CC"  # cédula de ciudadanía
    CE = "CE"  # cédula de extranjería
    NIT = "NIT"  # número de identificación tributaria, with check digit
    PASSPORT = "PASSPORT"
    OTHER = "OTHER"  # another country's document, with its country code


# DIAN's weights for the NIT check digit, applied from the rightmost digit leftwards.
_NIT_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


def nit_check_digit(number: str) -> int:
    """
    Compute the DIAN check digit (dígito de verificación) of a NIT's base number.

    :raises InvalidIdentityDocument: if the base number is not 1 to 15 digits.
    """
    if not number.isdigit() or not 1 <= len(number) <= len(_NIT_WEIGHTS):
        raise InvalidIdentityDocument(
            "A NIT base number has 1 to 15 digits", details={"number": number}
        )
    total = sum(int(d) * w for d, w in zip(reversed(number), _NIT_WEIGHTS, strict=False))
    remainder = total % 11
    return remainder if remainder in (0, 1) else 11 - remainder


_CC = re.compile(r"^\d{3,10}$")
_CE = re.compile(r"^[A-Z0-9]{3,15}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_OTHER = re.compile(r"^[A-Z0-9][A-Z0-9 ./-]{1,39}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@attrs.frozen
class IdentityDocument:
    """A validated identity document; ``number`` is stored normalised (no dots or spaces)."""

    type: DocumentType
    number: str
    country: str = "CO"

    @classmethod
    def parse(cls, *, type: DocumentType, number: str, country: str = "CO") -> IdentityDocument:
        """
        Normalise and validate a document as a person would type it.

        NITs are written ``900123456-7`` or ``9001234567`` (the last digit is the check digit).

        :raises InvalidIdentityDocument: if the number does not fit the document type.
        :raises InvalidNitCheckDigit: if a NIT's check digit is wrong.
        """
        raw = number.strip().upper().replace(".", "").replace(" ", "").replace(",", "")
        country = country.strip().upper()
        if not _COUNTRY.match(country):
            raise InvalidIdentityDocument(
                "The document's country must be a two-letter ISO code",
                details={"country": country},
            )
        if type is DocumentType.NIT:
            digits = raw.replace("-", "")
            if not digits.isdigit() or not 2 <= len(digits) <= 16:
                raise InvalidIdentityDocument(
                    "A NIT is its base number followed by one check digit, e.g. 900123456-7",
                    details={"number": number},
                )
            base, given = digits[:-1], int(digits[-1])
            expected = nit_check_digit(base)
            if given != expected:
                raise InvalidNitCheckDigit(
                    f"NIT {base}-{given} has a wrong check digit (expected {expected})",
                    details={"number": number, "expected_check_digit": expected},
                )
            return cls(type=type, number=f"{base}-{given}", country=country)
        patterns = {
            DocumentType.CC: (_CC, "A cédula de ciudadanía has 3 to 10 digits"),
            DocumentType.CE: (_CE, "A cédula de extranjería has 3 to 15 letters or digits"),
            DocumentType.PASSPORT: (_PASSPORT, "A passport number has 5 to 20 letters or digits"),
            DocumentType.OTHER: (_OTHER, "A document number has 2 to 40 characters"),
        }
        pattern, message = patterns[type]
        if not pattern.match(raw):
            raise InvalidIdentityDocument(message, details={"type": type.value, "number": number})
        return cls(type=type, number=raw, country=country)

    def __str__(self) -> str:
        return f"{self.type.value} {self.number}"
