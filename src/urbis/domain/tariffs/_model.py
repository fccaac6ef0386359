"""
The general tariff model: a tariff is a code and its versions; a version carries every priced
term in force for a span of days (fixed charges, energy with periods and tiers, demand, minimum,
taxes). The model is plain data, so a new version is loaded from a file, never written in code.
"""

from __future__ import annotations

import enum
import itertools
from datetime import date
from decimal import Decimal

import attrs

from urbis.kernel import errors
from urbis.kernel.money import Rounding, minor_unit
from urbis.kernel.periods import Period

MONTHS = 12
HOURS = 24


class InvalidTariff(errors.InvalidValue):
    code = "invalid_tariff"


class NoTariffInForce(errors.NotFound):
    code = "no_tariff_in_force"


class OverlappingVersions(InvalidTariff):
    code = "tariff_versions_overlap"


class VersionNameTaken(InvalidTariff):
    code = "tariff_version_exists"


class FixedBasis(enum.Enum):
    """What a fixed charge is counted per."""

    BILL = "BILL"
    DAY = "DAY"
    MONTH = "MONTH"


class RoundingScope(enum.Enum):
    """Which amounts a tariff rounds: each line, or each month's subtotal of a kind of charge."""

    LINE = "LINE"  # every line rounds once
    MONTHLY_SUBTOTAL = "MONTHLY_SUBTOTAL"  # the month's sum per kind rounds; lines share it out


class DayKind(enum.Enum):
    """Which schedule a day follows."""

    WEEKDAY = "WEEKDAY"
    WEEKEND = "WEEKEND"
    HOLIDAY = "HOLIDAY"


def _non_negative(value: Decimal, what: str) -> None:
    if value < 0:
        raise InvalidTariff(f"{what} cannot be negative", details={"value": str(value)})


@attrs.frozen
class Tier:
    """One block of a tiered price: up to a cumulative quantity (``None`` for no limit)."""

    price: Decimal
    upto: Decimal | None = None
    sell: Decimal = Decimal(0)
    name: str = ""  # e.g. básico, complementario, suntuario; else the tier's number
    upto_per_kw: bool = False  # the limit is kWh per kW of the month's peak demand (URDB kWh/kW)

    def __attrs_post_init__(self) -> None:
        if self.upto is not None and self.upto <= 0:
            raise InvalidTariff("A tier limit must be positive", details={"upto": str(self.upto)})
        _non_negative(self.sell, "A sell rate")


@attrs.frozen
class RatePeriod:
    """A time-of-use period (or the only period) and its tiers, lowest first."""

    name: str
    tiers: tuple[Tier, ...]

    def __attrs_post_init__(self) -> None:
        if not self.tiers:
            raise InvalidTariff(f"Period {self.name!r} has no tiers", details={"period": self.name})
        limits = [t.upto for t in self.tiers]
        if any(limit is None for limit in limits[:-1]):
            raise InvalidTariff(
                f"Period {self.name!r}: only the last tier may have no limit",
                details={"period": self.name},
            )
        if len({t.upto_per_kw for t in self.tiers}) > 1:
            raise InvalidTariff(
                f"Period {self.name!r}: tier limits are all per kWh or all per kW of peak demand",
                details={"period": self.name},
            )
        bounded = [limit for limit in limits if limit is not None]
        if any(a >= b for a, b in itertools.pairwise(bounded)):
            raise InvalidTariff(
                f"Period {self.name!r}: tier limits must increase", details={"period": self.name}
            )


Grid = tuple[tuple[int, ...], ...]


def _check_grid(grid: Grid, name: str, periods: int) -> None:
    if len(grid) != MONTHS or any(len(row) != HOURS for row in grid):
        raise InvalidTariff(f"Schedule {name} must be 12 months × 24 hours", details={"name": name})
    for month, row in enumerate(grid, start=1):
        for hour, index in enumerate(row):
            if not 0 <= index < periods:
                raise InvalidTariff(
                    f"Schedule {name} names period {index} (month {month}, hour {hour}), "
                    f"which is not defined",
                    details={"schedule": name, "month": month, "hour": hour, "period": index},
                )


@attrs.frozen
class Schedule:
    """Month × hour grids naming a period for weekdays, weekends and holidays."""

    weekday: Grid
    weekend: Grid
    holiday: Grid | None = None  # holidays follow the weekend grid unless given

    def check(self, periods: int) -> None:
        """
        Check that every cell names a defined period.

        :raises InvalidTariff: naming the first cell that does not.
        """
        _check_grid(self.weekday, "weekday", periods)
        _check_grid(self.weekend, "weekend", periods)
        if self.holiday is not None:
            _check_grid(self.holiday, "holiday", periods)

    def period(self, *, month: int, hour: int, kind: DayKind) -> int:
        """Return the period index of a month (1–12), hour (0–23) and kind of day."""
        if kind is DayKind.WEEKDAY:
            grid = self.weekday
        elif kind is DayKind.HOLIDAY and self.holiday is not None:
            grid = self.holiday
        else:
            grid = self.weekend
        return grid[month - 1][hour]


def flat_schedule() -> Schedule:
    """Return a schedule with one period all the time."""
    grid = tuple(tuple(0 for _ in range(HOURS)) for _ in range(MONTHS))
    return Schedule(weekday=grid, weekend=grid)


@attrs.frozen
class EnergyCharge:
    """Energy prices by time-of-use period; tier limits apply to the month's total energy."""

    periods: tuple[RatePeriod, ...]
    schedule: Schedule

    def __attrs_post_init__(self) -> None:
        if not self.periods:
            raise InvalidTariff("An energy charge needs at least one period")
        for period in self.periods:
            for tier in period.tiers:
                _non_negative(tier.price, f"Energy price of period {period.name!r}")
        self.schedule.check(len(self.periods))


@attrs.frozen
class DemandCharge:
    """Prices on the month's maximum demand (kW) in each time-of-use period."""

    periods: tuple[RatePeriod, ...]
    schedule: Schedule

    def __attrs_post_init__(self) -> None:
        if not self.periods:
            raise InvalidTariff("A demand charge needs at least one period")
        self.schedule.check(len(self.periods))


@attrs.frozen
class FlatDemandCharge:
    """Prices on the month's maximum demand at any hour; ``months`` picks a period per month."""

    periods: tuple[RatePeriod, ...]
    months: tuple[int, ...]

    def __attrs_post_init__(self) -> None:
        if len(self.months) != MONTHS:
            raise InvalidTariff("Flat demand months must list 12 periods")
        for month, index in enumerate(self.months, start=1):
            if not 0 <= index < len(self.periods):
                raise InvalidTariff(
                    f"Flat demand month {month} names period {index}, which is not defined",
                    details={"month": month, "period": index},
                )


@attrs.frozen
class FixedCharge:
    """A fixed amount per bill, per day or per month (prorated by days when a month is split)."""

    name: str
    amount: Decimal
    per: FixedBasis = FixedBasis.MONTH

    def __attrs_post_init__(self) -> None:
        _non_negative(self.amount, f"Fixed charge {self.name!r}")


@attrs.frozen
class Tax:
    """A tax or levy: a percentage of other lines, or an amount per kWh."""

    name: str
    percent: Decimal | None = None
    per_unit: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.per_unit is None):
            raise InvalidTariff(
                f"Tax {self.name!r} is either a percentage or an amount per unit",
                details={"tax": self.name},
            )
        _non_negative(self.percent or self.per_unit or Decimal(0), f"Tax {self.name!r}")


@attrs.frozen
class BasicQuantity:
    """The subsidised quantity (subsistence or basic consumption) from an altitude upwards."""

    from_altitude_m: int
    quantity: Decimal


@attrs.frozen
class SolidarityClass:
    """
    How one class (a stratum "1"–"6", or a use such as "commercial") departs from full cost.

    A subsidy applies to the basic quantity only, a contribution to everything. A published
    ``price`` (or ``fixed_price``) replaces cost × (1 ± share) when the regulator gives one.
    """

    subsidy: Decimal = Decimal(0)
    contribution: Decimal = Decimal(0)
    price: Decimal | None = None
    fixed_price: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        if not Decimal(0) <= self.subsidy < 1 or not Decimal(0) <= self.contribution <= 2:
            raise InvalidTariff("A subsidy is a share in [0, 1), a contribution in [0, 2]")
        if self.subsidy and self.contribution:
            raise InvalidTariff("A class is subsidised or contributes, not both")
        if not (self.subsidy or self.contribution):
            raise InvalidTariff("A class states its subsidy or contribution share")
        for value in (self.price, self.fixed_price):
            if value is not None:
                _non_negative(value, "A published price")


@attrs.frozen
class Solidarity:
    """Colombian solidarity rules: subsidies up to a basic quantity and contributions."""

    basic: tuple[BasicQuantity, ...]
    classes: tuple[tuple[str, SolidarityClass], ...]
    on_fixed: bool = False  # subsidies and contributions also apply to fixed charges

    def __attrs_post_init__(self) -> None:
        if not self.basic or self.basic[0].from_altitude_m != 0:
            raise InvalidTariff("Basic quantities must start at altitude 0")
        altitudes = [b.from_altitude_m for b in self.basic]
        if altitudes != sorted(set(altitudes)):
            raise InvalidTariff("Basic quantities must be in increasing altitude")

    def basic_quantity(self, *, altitude_m: int) -> Decimal:
        """Return the subsidised quantity at an altitude."""
        return [b.quantity for b in self.basic if b.from_altitude_m <= altitude_m][-1]

    def rules_for(self, key: str) -> SolidarityClass | None:
        """Return the rules of a class, or ``None`` for full cost."""
        return dict(self.classes).get(key)


@attrs.frozen
class Version:
    """One version of a tariff: its priced terms for a span of days."""

    version: str
    active: Period[date]
    currency: str
    rounding: Rounding = Rounding.HALF_UP
    rounding_scope: RoundingScope = RoundingScope.LINE
    holidays: str | None = None  # country code of the holiday calendar, e.g. "CO"
    timezone: str | None = None  # schedule hours in this zone, else each timestamp's offset
    fixed: tuple[FixedCharge, ...] = ()
    energy: EnergyCharge | None = None
    demand: DemandCharge | None = None
    flat_demand: FlatDemandCharge | None = None
    minimum: Decimal = Decimal(0)  # per month
    annual_minimum: Decimal = Decimal(0)  # per calendar year, topped up in its last month
    taxes: tuple[Tax, ...] = ()
    solidarity: Solidarity | None = None
    unit: str = "kWh"

    def __attrs_post_init__(self) -> None:
        minor_unit(self.currency)
        _non_negative(self.minimum, "A minimum charge")
        _non_negative(self.annual_minimum, "An annual minimum charge")
        if self.annual_minimum and any(t.percent is not None for t in self.taxes):
            raise InvalidTariff(
                "An annual minimum cannot be combined with percentage taxes: the top-up comes "
                "after each month's taxes",
                details={"version": self.version},
            )


@attrs.frozen
class Tariff:
    """A tariff's code and its versions; versions never overlap and are never edited."""

    code: str
    name: str
    versions: tuple[Version, ...]
    service: str | None = None  # electricity, water, sewer or gas, when the document says

    def __attrs_post_init__(self) -> None:
        ordered = sorted(self.versions, key=lambda v: v.active.start)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.active.overlaps(later.active):
                raise OverlappingVersions(
                    f"Versions {earlier.version} and {later.version} of {self.code} overlap",
                    details={"versions": [earlier.version, later.version]},
                )
        if len({v.version for v in self.versions}) != len(self.versions):
            raise VersionNameTaken(
                f"Tariff {self.code} repeats a version name",
                details={"versions": sorted(v.version for v in self.versions)},
            )
        object.__setattr__(self, "versions", tuple(ordered))

    def in_force(self, *, on: date) -> Version:
        """
        Return the version in force on a day.

        :raises NoTariffInForce: if none is.
        """
        for version in self.versions:
            if version.active.contains(on):
                return version
        raise NoTariffInForce(
            f"No version of {self.code} in force on {on}",
            details={"tariff": self.code, "on": on.isoformat()},
        )

    def with_version(self, *, version: Version) -> Tariff:
        """
        Return the tariff with one more version; existing versions are untouched.

        :raises OverlappingVersions: if the new version overlaps another.
        :raises VersionNameTaken: if it repeats a version's name.
        """
        return Tariff(
            code=self.code,
            name=self.name,
            versions=(*self.versions, version),
            service=self.service,
        )
