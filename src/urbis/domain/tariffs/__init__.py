"""Tariffs as data: versioned, effective-dated prices and the rules that adjust them."""

from urbis.domain.tariffs._colombia import (
    InvalidTariff,
    NoTariffInForce,
    ResidentialEnergyTariff,
    TariffVersion,
    subsistence_kwh,
    version_in_force,
)

__all__ = [
    "InvalidTariff",
    "NoTariffInForce",
    "ResidentialEnergyTariff",
    "TariffVersion",
    "subsistence_kwh",
    "version_in_force",
]
