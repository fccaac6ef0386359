"""Meter reads for a bill run, through metering's ports (whatever stores them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from urbis.application.metering import ports as metering_ports
from urbis.domain import billing, metering


class MeteringReadSource:
    """The latest register reads and interval versions of a batch's meters."""

    def __init__(
        self,
        *,
        registers: metering_ports.RegisterReadStore,
        intervals: metering_ports.IntervalStore,
        as_of: datetime | None = None,
    ) -> None:
        self._registers = registers
        self._intervals = intervals
        self._as_of = as_of

    def register_reads(self, *, meters: Sequence[str]) -> pl.DataFrame:
        """Latest version of each register read of these meters (export registers left out)."""
        found = metering.latest(
            frame=self._registers.scan(meters=meters),
            as_of=self._as_of,
            key=metering.REGISTER_KEY,
        )
        return (
            found.filter(~pl.col("register").str.starts_with("B"))
            .select([pl.col(c).cast(d) for c, d in billing.READS_SCHEMA.items()])
            .collect()
        )

    def interval_usage(
        self, *, meters: Sequence[str], period: billing.BillingPeriod, timezone: str
    ) -> pl.DataFrame:
        """Latest version of each import interval of these meters in the period."""
        zone = ZoneInfo(timezone)
        start = datetime(period.start.year, period.start.month, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(period.end.year, period.end.month, 1, tzinfo=zone).astimezone(UTC)
        found = metering.latest(
            frame=self._intervals.scan(meters=meters, start=start, end=end), as_of=self._as_of
        )
        return (
            found.filter(~pl.col("channel").str.starts_with("B"))
            .select([pl.col(c).cast(d) for c, d in billing.USAGE_SCHEMA.items()])
            .collect()
        )
