"""
Colombian regulated residential energy tariffs (Ley 142 de 1994, Ley 1117 de 2006).

One published unit cost (the CU, $/kWh) for the month; estratos 1–3 pay a subsidised price on
consumption up to the subsistence level (130 kWh/month at 1,000 m or more, 173 below), estrato 4
the full cost, estratos 5–6 the full cost plus a contribution. The subsidised price of
estratos 1–2 is often published as a price (it is capped by the previous month's change, not
always cost × (1 − %)), so a tariff may give it directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from urbis.kernel import errors
from urbis.kernel.money import Rounding, minor_unit
from urbis.kernel.periods import Period


class InvalidTariff(errors.InvalidValue):
    code = "invalid_tariff"


class NoTariffInForce(errors.NotFound):
    code = "no_tariff_in_force"


def subsistence_kwh(
    *, altitude_m: int, high: int = 130, low: int = 173, threshold: int = 1000
) -> int:
    """The subsistence consumption of a home at an altitude (Res. UPME 355 de 2004)."""
    return high if altitude_m >= threshold else low


@attrs.frozen
class ResidentialEnergyTariff:
    """The prices of one month: unit cost, and how each stratum departs from it."""

    unit_cost: Decimal  # CU, currency per kWh
    subsidy: tuple[tuple[int, Decimal], ...] = (
        (1, Decimal("0.60")),
        (2, Decimal("0.50")),
        (3, Decimal("0.15")),
    )
    subsidised_price: tuple[tuple[int, Decimal], ...] = ()  # published prices, per stratum
    contribution: tuple[tuple[int, Decimal], ...] = ((5, Decimal("0.20")), (6, Decimal("0.20")))
    fixed_charge: Decimal = Decimal(0)  # per bill

    def __attrs_post_init__(self) -> None:
        if self.unit_cost <= 0:
            raise InvalidTariff("The unit cost must be positive")
        for stratum, share in (*self.subsidy, *self.contribution):
            if not 1 <= stratum <= 6 or not Decimal(0) <= share < Decimal(1):
                raise InvalidTariff(
                    f"Stratum {stratum}: a subsidy or contribution is a share between 0 and 1",
                    details={"stratum": stratum, "share": str(share)},
                )
        for stratum, price in self.subsidised_price:
            if not Decimal(0) < price <= self.unit_cost:
                raise InvalidTariff(
                    f"Stratum {stratum}: a subsidised price is above zero and at most the cost",
                    details={"stratum": stratum, "price": str(price)},
                )
        if self.fixed_charge < 0:
            raise InvalidTariff("A fixed charge cannot be negative")


@attrs.frozen
class TariffVersion:
    """A tariff's prices for a span of days; a new month is a new version, never an edit."""

    code: str
    version: str
    active: Period[date]
    currency: str
    rounding: Rounding
    energy: ResidentialEnergyTariff

    def __attrs_post_init__(self) -> None:
        minor_unit(self.currency)


def version_in_force(*, versions: Sequence[TariffVersion], on: date) -> TariffVersion:
    """
    The version of a tariff in force on a day.

    :raises InvalidTariff: if two versions overlap.
    :raises NoTariffInForce: if none is in force that day.
    """
    ordered = sorted(versions, key=lambda v: v.active.start)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.active.overlaps(later.active):
            raise InvalidTariff(
                f"Versions {earlier.version} and {later.version} overlap",
                details={"versions": [earlier.version, later.version]},
            )
    for version in ordered:
        if version.active.contains(on):
            return version
    raise NoTariffInForce(f"No tariff version in force on {on}", details={"on": on.isoformat()})
