"""
Money and unit prices.

Money is a ``Decimal`` quantized to its currency's minor unit, never a float. Turning an
unrounded amount into ``Money`` always names a rounding rule, so each charge rounds once
and says how. See docs/adr/0001-money.md.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from urbis.kernel import errors
from urbis.kernel.quantities import Quantity, Unit


class CurrencyMismatch(errors.InvalidValue):
    code = "currency_mismatch"


class UnknownCurrency(errors.InvalidValue):
    code = "unknown_currency"


class AmountNotInMinorUnits(errors.InvalidValue):
    code = "amount_not_in_minor_units"


class UnitMismatch(errors.InvalidValue):
    code = "unit_mismatch"


# ISO 4217 minor units of the currencies urbis bills in today.
MINOR_UNITS: dict[str, int] = {
    "COP": 2,
    "USD": 2,
    "EUR": 2,
    "AUD": 2,
    "GBP": 2,
    "MXN": 2,
    "BRL": 2,
    "PEN": 2,
    "CLP": 0,
    "JPY": 0,
}


class Rounding(enum.Enum):
    """A named rounding rule; the value is the ``decimal`` module's rounding mode."""

    HALF_UP = decimal.ROUND_HALF_UP
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    DOWN = decimal.ROUND_DOWN
    UP = decimal.ROUND_UP


def minor_unit(currency: str) -> int:
    """
    Return the number of decimal places of a currency's minor unit.

    :raises UnknownCurrency: if the currency is not supported.
    """
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrency(
            f"Currency {currency!r} is not supported", details={"currency": currency}
        ) from None


def round_amount(
    amount: Decimal, *, currency: str, rounding: Rounding, places: int | None = None
) -> Decimal:
    """
    Round an amount to the currency's minor unit (or fewer places) with a named rule.

    ``places`` may be negative to round to tens or hundreds (for example Colombian
    bills rounded to the nearest 10 pesos use ``places=-1``).

    :raises UnknownCurrency: if the currency is not supported.
    """
    max_places = minor_unit(currency)
    target = max_places if places is None else min(places, max_places)
    if target >= 0:
        quantum = Decimal(1).scaleb(-target)
        return amount.quantize(quantum, rounding=rounding.value)
    step = Decimal(1).scaleb(-target)
    whole = (amount / step).quantize(Decimal(1), rounding=rounding.value) * step
    return whole.quantize(Decimal(1).scaleb(-max_places))


def _money_amount(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError("Money amounts must be Decimal, never float")
    return value


@attrs.frozen(order=False)
class Money:
    """An exact amount of a currency, held in its minor unit's precision."""

    amount: Decimal = attrs.field(converter=_money_amount)
    currency: str

    def __attrs_post_init__(self) -> None:
        places = minor_unit(self.currency)
        quantized = self.amount.quantize(Decimal(1).scaleb(-places))
        if quantized != self.amount:
            raise AmountNotInMinorUnits(
                f"{self.amount} {self.currency} has more decimals than the currency allows",
                details={"amount": str(self.amount), "currency": self.currency},
            )
        object.__setattr__(self, "amount", quantized)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """
        Build money from an exact amount (no rounding).

        :raises AmountNotInMinorUnits: if the amount has more decimals than the currency.
        """
        if isinstance(amount, float):
            raise TypeError("Money amounts must be Decimal, never float")
        return cls(Decimal(amount), currency)

    @classmethod
    def rounded(cls, amount: Decimal, *, currency: str, rounding: Rounding) -> Money:
        """Round an unrounded amount to money with a named rule."""
        return cls(round_amount(amount, currency=currency, rounding=rounding), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _check(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(
                f"Cannot combine {self.currency} with {other.currency}",
                details={"left": self.currency, "right": other.currency},
            )

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    def times(self, factor: Decimal | int, *, rounding: Rounding) -> Money:
        """Multiply by a factor and round once with a named rule."""
        return Money.rounded(self.amount * factor, currency=self.currency, rounding=rounding)

    def allocate(self, ratios: Sequence[int | Decimal]) -> tuple[Money, ...]:
        """
        Split into parts proportional to ``ratios`` that add up exactly to this amount.

        Remainders in minor units go to the parts with the largest fractional shares.

        :raises InvalidValue: if ratios are empty, negative or add up to zero.
        """
        total_ratio = sum((Decimal(r) for r in ratios), Decimal(0))
        if not ratios or any(Decimal(r) < 0 for r in ratios) or total_ratio == 0:
            raise errors.InvalidValue("Allocation ratios must be non-negative and not all zero")
        places = minor_unit(self.currency)
        units = int(self.amount.scaleb(places))
        raw = [Decimal(units) * Decimal(r) / total_ratio for r in ratios]
        floors = [int(x.to_integral_value(rounding=decimal.ROUND_FLOOR)) for x in raw]
        remainder = units - sum(floors)
        order = sorted(range(len(raw)), key=lambda i: (raw[i] - floors[i], -i), reverse=True)
        for i in order[:remainder]:
            floors[i] += 1
        return tuple(Money(Decimal(u).scaleb(-places), self.currency) for u in floors)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def total(items: Iterable[Money], *, currency: str) -> Money:
    """Add up money of one currency; an empty sum is zero."""
    result = Money.zero(currency)
    for item in items:
        result = result + item
    return result


@attrs.frozen
class UnitPrice:
    """A price per unit at tariff precision (not rounded to minor units)."""

    amount: Decimal = attrs.field(converter=_money_amount)
    currency: str
    unit: Unit

    def __attrs_post_init__(self) -> None:
        minor_unit(self.currency)

    def times(self, quantity: Quantity, *, rounding: Rounding) -> Money:
        """
        Price a quantity and round once with a named rule.

        :raises UnitMismatch: if the quantity is not in this price's unit.
        """
        if quantity.unit is not self.unit:
            raise UnitMismatch(
                f"A price per {self.unit.value} cannot price {quantity.unit.value}",
                details={"price_unit": self.unit.value, "quantity_unit": quantity.unit.value},
            )
        return Money.rounded(
            self.amount * quantity.value, currency=self.currency, rounding=rounding
        )
