"""Meter reads for a bill run, through metering's ports (whatever stores them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from urbis.application.metering import ports as metering_ports
from urbis.domain import billing, metering

_VERSION = ("recorded_at", "sequence")


def _one_version_each(rows: pl.DataFrame, key: tuple[str, ...]) -> bool:
    """
    Whether every key appears once, checked without hashing every row. The stores write each
    delivery sorted by key and a scan keeps that order, so a series (the key less its last
    column: a meter's channel) comes in runs in which the last column (the start) rises; when
    the runs of a series (one per partition file it is in) cover disjoint spans, no key
    repeats. Rows in any other order answer False.
    """
    *series, last = key
    if rows.height < 2:
        return True
    # columns that hold one value throughout (a month of one channel) split no run
    varying = [
        c for c in series if not rows.select(pl.col(c).eq_missing(pl.col(c).first()).all()).item()
    ]
    if not varying:
        firsts = np.zeros(1, dtype=np.int64)
        new_run = np.zeros(rows.height, dtype=bool)
        new_run[0] = True
    elif len(varying) == 1:
        lengths = rows.select(pl.col(varying[0]).rle()).unnest(varying[0])["len"].to_numpy()
        lengths = lengths.astype(np.int64)
        firsts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        new_run = np.zeros(rows.height, dtype=bool)
        new_run[firsts] = True
    else:
        new_run = (
            rows.select(
                pl.any_horizontal([pl.col(c).ne_missing(pl.col(c).shift(1)) for c in varying])
            )
            .to_series()
            .to_numpy()
        )
        firsts = np.flatnonzero(new_run)
    rising = rows.select((pl.col(last) > pl.col(last).shift(1)).fill_null(False)).to_series()
    if not (rising.to_numpy() | new_run).all():
        return False
    if not varying:
        return True  # one series whose starts rise
    lasts = np.concatenate((firsts[1:] - 1, [rows.height - 1]))
    runs = (
        rows.select(*varying, pl.col(last).alias("_first"))
        .gather(firsts)
        .with_columns(rows[last].gather(lasts).alias("_last"))
        .sort([*varying, "_first"])
    )
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(c).shift(1)) for c in varying])
    return not runs.select((same & (pl.col("_first") <= pl.col("_last").shift(1))).any()).item()


def _latest(frame: pl.LazyFrame, key: tuple[str, ...], as_of: datetime | None) -> pl.DataFrame:
    """
    The latest version of each key. Most months hold one version per interval: when every key
    appears once (checked on the store's order, else by hashing the keys), every row is its
    key's latest and the sort that picks versions is skipped.
    """
    if as_of is not None:
        frame = frame.filter(pl.col("recorded_at") <= as_of)
    rows = frame.collect()
    if _one_version_each(rows, key):
        return rows
    # unsorted rows: distinct hashes still prove distinct keys (a collision only looks repeated)
    if rows.select(pl.struct(list(key)).hash().n_unique()).item() == rows.height:
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
        # export channels left out before the versions are picked (a channel is part of the
        # key, so this changes no choice), and only the columns a bill needs read
        scan = self._intervals.scan(meters=meters, start=start, end=end).filter(
            ~pl.col("channel").str.starts_with("B")
        )
        columns = dict.fromkeys((*billing.USAGE_SCHEMA, *metering.KEY))
        if self._as_of is None:
            # most months hold one version per interval: the version columns are read only
            # when some interval has several
            rows = scan.select(*columns).collect()
            if _one_version_each(rows, metering.KEY):
                return rows.select([pl.col(c).cast(d) for c, d in billing.USAGE_SCHEMA.items()])
        found = _latest(scan.select(*columns, *_VERSION), metering.KEY, self._as_of)
        return found.select([pl.col(c).cast(d) for c, d in billing.USAGE_SCHEMA.items()])
