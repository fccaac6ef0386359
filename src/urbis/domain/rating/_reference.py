"""The reference engine: plain Decimal, one home's month, every peso explained."""

from __future__ import annotations

from decimal import Decimal

import attrs

from urbis.domain import tariffs
from urbis.kernel import errors
from urbis.kernel.money import Money


class InvalidUsage(errors.InvalidValue):
    code = "invalid_usage"


@attrs.frozen
class ChargeLine:
    """One line of a bill and why it is what it is."""

    kind: str  # ENERGY, DEMAND, FIXED, MINIMUM, TAX, EXPORT, SUBSIDY, CONTRIBUTION
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Money
    tariff: str  # code and version
    rule: str
    month: str = ""  # YYYY-MM the line belongs to
    period: str = ""  # time-of-use period, when the line has one
    block: str = ""  # tier or block, when the line has one
    part: str = ""  # the bill's part: energy, demand, fixed, minimum or taxes


def rate_residential_month(
    *, version: tariffs.TariffVersion, kwh: Decimal, stratum: int, altitude_m: int
) -> tuple[ChargeLine, ...]:
    """
    Price one home's monthly energy under a Colombian residential tariff.

    The energy line is always at full cost; the subsidy (estratos 1–3, only up to subsistence)
    and the contribution (estratos 5–6) are their own lines, so they can be settled with the
    solidarity fund. Each line rounds once with the tariff's rule.

    :raises InvalidUsage: if the consumption is negative or the stratum is not 1–6.
    """
    if kwh < 0:
        raise InvalidUsage("Consumption cannot be negative", details={"kwh": str(kwh)})
    if not 1 <= stratum <= 6:
        raise InvalidUsage("Stratum must be 1 to 6", details={"stratum": stratum})
    energy = version.energy
    label = f"{version.code} {version.version}"

    def money(amount: Decimal) -> Money:
        return Money.rounded(amount, currency=version.currency, rounding=version.rounding)

    lines = [
        ChargeLine(
            kind="ENERGY",
            description="Energía consumida a costo unitario",
            quantity=kwh,
            unit_price=energy.unit_cost,
            amount=money(kwh * energy.unit_cost),
            tariff=label,
            rule="CU × kWh",
        )
    ]
    subsistence = Decimal(tariffs.subsistence_kwh(altitude_m=altitude_m))
    published = dict(energy.subsidised_price)
    subsidy = dict(energy.subsidy)
    if stratum in published or stratum in subsidy:
        covered = min(kwh, subsistence)
        if stratum in published:
            price = published[stratum]
            rule = f"precio subsidiado publicado hasta {subsistence} kWh (consumo de subsistencia)"
        else:
            price = energy.unit_cost * (1 - subsidy[stratum])
            rule = f"subsidio {subsidy[stratum] * 100:.0f} % hasta {subsistence} kWh"
        discount = price - energy.unit_cost
        lines.append(
            ChargeLine(
                kind="SUBSIDY",
                description=f"Subsidio estrato {stratum}",
                quantity=covered,
                unit_price=discount,
                amount=money(covered * discount),
                tariff=label,
                rule=rule,
            )
        )
    contribution = dict(energy.contribution)
    if stratum in contribution:
        share = contribution[stratum]
        lines.append(
            ChargeLine(
                kind="CONTRIBUTION",
                description=f"Contribución estrato {stratum}",
                quantity=kwh,
                unit_price=energy.unit_cost * share,
                amount=money(kwh * energy.unit_cost * share),
                tariff=label,
                rule=f"contribución {share * 100:.0f} % sobre el costo",
            )
        )
    if energy.fixed_charge:
        lines.append(
            ChargeLine(
                kind="FIXED",
                description="Cargo fijo",
                quantity=Decimal(1),
                unit_price=energy.fixed_charge,
                amount=money(energy.fixed_charge),
                tariff=label,
                rule="por factura",
            )
        )
    return tuple(lines)
