"""Premises, their service points, and the meters installed at them."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import attrs

from urbis.kernel import errors, ids
from urbis.kernel.periods import Period


class InvalidPremise(errors.InvalidValue):
    code = "invalid_premise"


class InvalidStratum(InvalidPremise):
    code = "invalid_stratum"


class InvalidMeter(errors.InvalidValue):
    code = "invalid_meter"


class MeterAlreadyInstalled(errors.Conflict):
    code = "meter_already_installed"


class ServicePointAlreadyMetered(errors.Conflict):
    code = "service_point_already_metered"


class ServiceMismatch(errors.InvalidValue):
    code = "service_mismatch"


class UseClass(enum.Enum):
    RESIDENTIAL = "RESIDENTIAL"
    COMMERCIAL = "COMMERCIAL"
    INDUSTRIAL = "INDUSTRIAL"
    OFFICIAL = "OFFICIAL"
    SPECIAL = "SPECIAL"


class Service(enum.Enum):
    ELECTRICITY = "ELECTRICITY"
    WATER = "WATER"
    SEWER = "SEWER"
    GAS = "GAS"
    WASTE = "WASTE"


class MeterKind(enum.Enum):
    REGISTER = "REGISTER"
    INTERVAL = "INTERVAL"


def check_stratum(stratum: int | None) -> int | None:
    """
    Check a socio-economic stratum (estrato): 1 to 6, or none for non-residential premises.

    :raises InvalidStratum: if the stratum is outside 1–6.
    """
    if stratum is not None and not 1 <= stratum <= 6:
        raise InvalidStratum(
            f"Stratum (estrato) must be 1 to 6 or empty, not {stratum}",
            details={"stratum": stratum},
        )
    return stratum


@attrs.frozen
class Premise:
    id: ids.PremiseId
    tenant_id: ids.TenantId
    address: str
    city: str
    department: str
    country: str
    use_class: UseClass
    stratum: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    altitude_m: int | None = None

    def __attrs_post_init__(self) -> None:
        check_stratum(self.stratum)
        if not 3 <= len(self.address.strip()) <= 300:
            raise InvalidPremise("An address has 3 to 300 characters")
        if not self.city.strip():
            raise InvalidPremise("A premise needs a city")
        if len(self.country) != 2 or not self.country.isalpha() or not self.country.isupper():
            raise InvalidPremise(
                "The country must be a two-letter ISO code", details={"country": self.country}
            )
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidPremise("Latitude and longitude go together")
        if self.latitude is not None and not Decimal(-90) <= self.latitude <= Decimal(90):
            raise InvalidPremise("Latitude must be between -90 and 90")
        if self.longitude is not None and not Decimal(-180) <= self.longitude <= Decimal(180):
            raise InvalidPremise("Longitude must be between -180 and 180")
        if self.altitude_m is not None and not -500 <= self.altitude_m <= 6000:
            raise InvalidPremise("Altitude must be between -500 and 6000 metres")
        if self.stratum is not None and self.use_class is not UseClass.RESIDENTIAL:
            raise InvalidStratum(
                "Only residential premises carry a stratum (estrato)",
                details={"use_class": self.use_class.value, "stratum": self.stratum},
            )


@attrs.frozen
class ServicePoint:
    """A premise's connection for one service."""

    id: ids.ServicePointId
    tenant_id: ids.TenantId
    premise_id: ids.PremiseId
    service: Service


@attrs.frozen
class Meter:
    id: ids.MeterId
    tenant_id: ids.TenantId
    serial: str
    service: Service
    kind: MeterKind
    multiplier: Decimal = Decimal(1)
    dials: int = 5

    def __attrs_post_init__(self) -> None:
        if not 1 <= len(self.serial.strip()) <= 40:
            raise InvalidMeter("A meter serial has 1 to 40 characters")
        if self.multiplier <= 0:
            raise InvalidMeter("A meter multiplier must be positive")
        if not 1 <= self.dials <= 12:
            raise InvalidMeter("A register has 1 to 12 dials", details={"dials": self.dials})
        if self.service in (Service.SEWER, Service.WASTE):
            raise InvalidMeter(
                f"{self.service.value} is not metered", details={"service": self.service.value}
            )


@attrs.frozen
class MeterInstallation:
    """A meter at a service point for a half-open span of days."""

    meter_id: ids.MeterId
    service_point_id: ids.ServicePointId
    installed: Period[date]


def check_installation(
    *,
    meter: Meter,
    service_point: ServicePoint,
    installed: Period[date],
    meter_history: tuple[MeterInstallation, ...],
    point_history: tuple[MeterInstallation, ...],
) -> MeterInstallation:
    """
    Install a meter at a service point, if it is free and the point has no other meter then.

    :raises ServiceMismatch: if the meter measures another service than the point's.
    :raises MeterAlreadyInstalled: if the meter is at another point in that span.
    :raises ServicePointAlreadyMetered: if the point has another meter in that span.
    """
    if meter.service is not service_point.service:
        raise ServiceMismatch(
            f"A {meter.service.value} meter cannot measure a {service_point.service.value} point",
            details={"meter": meter.serial},
        )
    for other in meter_history:
        if other.installed.overlaps(installed):
            raise MeterAlreadyInstalled(
                f"Meter {meter.serial} is installed elsewhere during {other.installed}",
                details={"meter": meter.serial, "service_point_id": other.service_point_id},
            )
    for other in point_history:
        if other.installed.overlaps(installed):
            raise ServicePointAlreadyMetered(
                f"The service point already has a meter during {other.installed}",
                details={"meter_id": other.meter_id},
            )
    return MeterInstallation(
        meter_id=meter.id, service_point_id=service_point.id, installed=installed
    )


def remove_installation(*, installation: MeterInstallation, on: date) -> MeterInstallation:
    """
    Close an open installation on a day.

    :raises InvalidMeter: if the installation is already closed or the day is not after it began.
    """
    if installation.installed.end is not None:
        raise InvalidMeter("The meter was already removed from that point")
    if on <= installation.installed.start:
        raise InvalidMeter("A meter is removed after the day it was installed")
    return attrs.evolve(installation, installed=Period(installation.installed.start, on))
