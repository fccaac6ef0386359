"""
Reads of an account's consumption by meter: daily totals of interval meters over the last
days, and register meters' reads with the consumption of each read period. One query for both
faces of urbis (the portal's account page and the agent's 360° page), so they chart the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import polars as pl

from urbis.application.accounts import queries as account_queries
from urbis.application.metering import ports as metering_ports
from urbis.application.metering import queries as metering_queries
from urbis.domain import metering, premises

UNITS = {
    premises.Service.ELECTRICITY: "kWh",
    premises.Service.WATER: "m3",
    premises.Service.SEWER: "m3",
    premises.Service.GAS: "m3",
}
READS_SHOWN = 12  # register reads listed per meter; the chart has one bar per period between


@attrs.frozen
class DayUse:
    """One bar of a chart: a day's total, or a read period's use (dated by its closing read)."""

    day: date
    quantity: float


@attrs.frozen
class RegisterReadRow:
    read_at: datetime
    value: float
    read_type: str
    consumption: float | None


@attrs.frozen
class MeterUse:
    """One meter's use: daily totals (interval meters) or its dial reads (register meters)."""

    serial: str
    service: str
    unit: str
    days: tuple[DayUse, ...]
    reads: tuple[RegisterReadRow, ...]

    @property
    def periods(self) -> tuple[DayUse, ...]:
        """The use of each period between two register reads, oldest first."""
        return tuple(
            DayUse(day=r.read_at.date(), quantity=r.consumption)
            for r in self.reads
            if r.consumption is not None
        )

    @property
    def bars(self) -> tuple[DayUse, ...]:
        """What the chart draws: daily totals when the meter has any, else read periods."""
        return self.days or self.periods

    @property
    def daily(self) -> bool:
        return bool(self.days)

    @property
    def peak(self) -> float:
        return max((d.quantity for d in self.bars), default=0.0)


def meter_use(
    *,
    intervals: metering_ports.IntervalStore,
    registers: metering_ports.RegisterReadStore,
    serial: str,
    service: str,
    unit: str,
    start: datetime,
    end: datetime,
) -> MeterUse:
    """One meter's daily totals in ``[start, end)`` (in ``start``'s zone) and its last reads."""
    reads = metering_queries.reads_as_of(
        store=intervals, meters=(serial,), start=start.astimezone(UTC), end=end.astimezone(UTC)
    )
    days: tuple[DayUse, ...] = ()
    if reads.height:
        zone = start.tzinfo
        assert isinstance(zone, ZoneInfo)
        daily = (
            reads.group_by(pl.col("start").dt.convert_time_zone(zone.key).dt.date().alias("day"))
            .agg(pl.col("quantity").sum())
            .sort("day")
        )
        days = tuple(DayUse(day=d, quantity=round(q, 3)) for d, q in daily.iter_rows())
    registers_frame = metering.latest(
        frame=registers.scan(meters=[serial]), key=metering.REGISTER_KEY
    ).collect()
    rows = []
    previous: float | None = None
    for read_at, value, read_type in (
        registers_frame.sort("read_at").select("read_at", "value", "read_type").iter_rows()
    ):
        rows.append(
            RegisterReadRow(
                read_at=read_at,
                value=value,
                read_type=read_type,
                consumption=None if previous is None else round(value - previous, 3),
            )
        )
        previous = value
    return MeterUse(
        serial=serial, service=service, unit=unit, days=days, reads=tuple(rows[-READS_SHOWN:])
    )


def account_usage(
    *,
    view: account_queries.AccountView,
    intervals: metering_ports.IntervalStore,
    registers: metering_ports.RegisterReadStore,
    zone: ZoneInfo,
    as_at: datetime,
    days: int = 30,
) -> tuple[MeterUse, ...]:
    """
    The use of every meter of an account the caller may already see (``view``): daily totals
    of the last ``days`` days up to ``as_at``'s day in the utility's zone, and register reads.
    """
    end_day = as_at.astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(end_day - timedelta(days=days), datetime.min.time(), tzinfo=zone)
    end = datetime.combine(end_day, datetime.min.time(), tzinfo=zone)
    return tuple(
        meter_use(
            intervals=intervals,
            registers=registers,
            serial=meter.serial,
            service=service.service_point.service.value,
            unit=UNITS.get(service.service_point.service, "kWh"),
            start=start,
            end=end,
        )
        for service in view.services
        for meter, _installation in service.meters
    )
