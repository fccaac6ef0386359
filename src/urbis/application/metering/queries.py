"""Reads of the metering context: reads as of an instant, billing determinants."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from urbis.application.metering import ports
from urbis.domain import metering


def reads_as_of(
    *,
    store: ports.IntervalStore,
    meters: tuple[str, ...],
    start: datetime,
    end: datetime,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """The latest version of every interval of these meters in ``[start, end)`` as of an instant."""
    frame = store.scan(meters=list(meters), start=start, end=end)
    return metering.latest(frame=frame, as_of=as_of).collect()


def determinants(
    *,
    store: ports.IntervalStore,
    meters: tuple[str, ...],
    start: datetime,
    end: datetime,
    period_table: pl.DataFrame,
    timezone: str,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """Billing determinants per meter for ``[start, end)`` from the reads as of an instant."""
    reads = reads_as_of(store=store, meters=meters, start=start, end=end, as_of=as_of)
    return metering.billing_determinants(reads=reads, period_table=period_table, timezone=timezone)
