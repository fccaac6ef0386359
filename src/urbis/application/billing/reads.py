"""Meter reads for a bill run, through metering's ports (whatever stores them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from urbis.application.metering import ports as metering_ports
from urbis.domain import billing, metering


def _latest(frame: pl.LazyFrame, key: tuple[str, ...], as_of: datetime | None) -> pl.DataFrame:
    """
    The latest version of each key. Most months hold one version per interval: when the keys'
    hashes are all distinct (a collision can only make them look repeated), every row is its
    key's latest and the sort that picks versions is skipped.
    """
    if as_of is not None:
        frame = frame.filter(pl.col("recorded_at") <= as_of)
    rows = frame.collect()
    distinct = rows.select(pl.struct(list(key)).hash().n_unique()).item()
    if distinct == rows.height:
        return rows
    return metering.latest(frame=rows.lazy(), key=key).collect()


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
        found = _latest(self._registers.scan(meters=meters), metering.REGISTER_KEY, self._as_of)
        return found.filter(~pl.col("register").str.starts_with("B")).select(
            [pl.col(c).cast(d) for c, d in billing.READS_SCHEMA.items()]
        )

    def interval_usage(
        self, *, meters: Sequence[str], period: billing.BillingPeriod, timezone: str
    ) -> pl.DataFrame:
        """Latest version of each import interval of these meters in the period."""
        zone = ZoneInfo(timezone)
        start = datetime(period.start.year, period.start.month, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(period.end.year, period.end.month, 1, tzinfo=zone).astimezone(UTC)
        found = _latest(
            self._intervals.scan(meters=meters, start=start, end=end), metering.KEY, self._as_of
        )
        return found.filter(~pl.col("channel").str.starts_with("B")).select(
            [pl.col(c).cast(d) for c, d in billing.USAGE_SCHEMA.items()]
        )
