"""Quantities with units: energy, demand, volume."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from urbis.kernel import errors


class Unit(enum.Enum):
    KWH = "kWh"
    KW = "kW"
    M3 = "m3"
    THERM = "therm"
    KVARH = "kvarh"
    WH = "Wh"


class IncompatibleUnits(errors.InvalidValue):
    code = "incompatible_units"


# How many of the second unit make one of the first.
_CONVERSIONS: dict[tuple[Unit, Unit], Decimal] = {
    (Unit.KWH, Unit.WH): Decimal(1000),
    (Unit.WH, Unit.KWH): Decimal("0.001"),
}


def _decimal(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError("Quantities must be Decimal, never float")
    return value


@attrs.frozen
class Quantity:
    value: Decimal = attrs.field(converter=_decimal)
    unit: Unit

    @classmethod
    def of(cls, value: Decimal | int | str, unit: Unit) -> Quantity:
        if isinstance(value, float):
            raise TypeError("Quantities must be Decimal, never float")
        return cls(Decimal(value), unit)

    def _check(self, other: Quantity) -> None:
        if self.unit is not other.unit:
            raise IncompatibleUnits(
                f"Cannot combine {self.unit.value} with {other.unit.value}",
                details={"left": self.unit.value, "right": other.unit.value},
            )

    def __add__(self, other: Quantity) -> Quantity:
        self._check(other)
        return Quantity(self.value + other.value, self.unit)

    def __sub__(self, other: Quantity) -> Quantity:
        self._check(other)
        return Quantity(self.value - other.value, self.unit)

    def __neg__(self) -> Quantity:
        return Quantity(-self.value, self.unit)

    def __lt__(self, other: Quantity) -> bool:
        self._check(other)
        return self.value < other.value

    def __le__(self, other: Quantity) -> bool:
        self._check(other)
        return self.value <= other.value

    def scaled(self, factor: Decimal | int) -> Quantity:
        return Quantity(self.value * factor, self.unit)

    def to(self, unit: Unit) -> Quantity:
        """
        Convert to another unit.

        :raises IncompatibleUnits: if there is no conversion between the two units.
        """
        if unit is self.unit:
            return self
        try:
            factor = _CONVERSIONS[(self.unit, unit)]
        except KeyError:
            raise IncompatibleUnits(
                f"Cannot convert {self.unit.value} to {unit.value}",
                details={"from": self.unit.value, "to": unit.value},
            ) from None
        return Quantity(self.value * factor, unit)

    def __str__(self) -> str:
        return f"{self.value} {self.unit.value}"
