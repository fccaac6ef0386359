"""Premises: properties with address, geo point, stratum and use class; service points; meters."""

from urbis.domain.premises._premises import (
    InvalidMeter,
    InvalidPremise,
    InvalidStratum,
    Meter,
    MeterAlreadyInstalled,
    MeterInstallation,
    MeterKind,
    Premise,
    Service,
    ServiceMismatch,
    ServicePoint,
    ServicePointAlreadyMetered,
    UseClass,
    check_installation,
    check_stratum,
    remove_installation,
)

__all__ = [
    "InvalidMeter",
    "InvalidPremise",
    "InvalidStratum",
    "Meter",
    "MeterAlreadyInstalled",
    "MeterInstallation",
    "MeterKind",
    "Premise",
    "Service",
    "ServiceMismatch",
    "ServicePoint",
    "ServicePointAlreadyMetered",
    "UseClass",
    "check_installation",
    "check_stratum",
    "remove_installation",
]
