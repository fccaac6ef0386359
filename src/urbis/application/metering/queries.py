"""Reads of the metering context: reads as of an instant, billing determinants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

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


def register_usage(
    *,
    store: ports.RegisterReadStore,
    meters: tuple[metering.Meter, ...],
    start: datetime,
    end: datetime,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """
    Opening and closing register readings of these meters for ``[start, end)`` and the usage
    between them: what a bill run prices for a register-read agreement.

    The opening reading is the latest taken at or before ``start``, the closing one the latest
    at or before ``end``, each in its latest version as of ``as_of`` (so a rebill sees the
    corrections recorded since). See ``metering.register_advances`` for the columns.
    """
    serials = [m.serial for m in meters]
    facts = pl.DataFrame(
        {
            "meter": serials,
            "multiplier": [float(m.multiplier) for m in meters],
            "dials": [m.dials for m in meters],
        },
        schema={"meter": pl.String(), "multiplier": pl.Float64(), "dials": pl.Int64()},
    )
    return metering.register_advances(
        previous=store.readings_at(at=start, as_of=as_of, meters=serials),
        current=store.readings_at(at=end, as_of=as_of, meters=serials),
        meters=facts,
    )


def _agreement_reads(
    *,
    store: ports.IntervalStore,
    spans: ports.SupplySpans,
    start_date: date,
    end_date: date,
    timezone: str,
    as_of: datetime | None,
    agreements: tuple[str, ...] | None,
) -> pl.DataFrame:
    served = spans.spans(start_date=start_date, end_date=end_date, agreements=agreements)
    if served.is_empty():
        return metering.empty_intervals().select(pl.lit("").alias("agreement"), "*").clear()
    zone = ZoneInfo(timezone)
    reads = reads_as_of(
        store=store,
        meters=tuple(served.get_column("meter").unique().sort().to_list()),
        start=datetime.combine(start_date, time(), tzinfo=zone).astimezone(UTC),
        end=datetime.combine(end_date, time(), tzinfo=zone).astimezone(UTC),
        as_of=as_of,
    )
    return metering.agreement_reads(reads=reads, spans=served, timezone=timezone)


def agreement_usage(
    *,
    store: ports.IntervalStore,
    spans: ports.SupplySpans,
    start_date: date,
    end_date: date,
    timezone: str,
    as_of: datetime | None = None,
    agreements: tuple[str, ...] | None = None,
    channels: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """
    Interval usage per agreement for the local days ``[start_date, end_date)``, as the batch
    rating engine takes it (``agreement``, ``start``, ``wh``, ``minutes``): the latest reads as
    of ``as_of`` of whichever meters served each agreement on each day.

    :raises InvalidRead: if a read is not in an energy unit or has no quantity.
    """
    reads = _agreement_reads(
        store=store,
        spans=spans,
        start_date=start_date,
        end_date=end_date,
        timezone=timezone,
        as_of=as_of,
        agreements=agreements,
    )
    return metering.rating_usage(reads=reads, channels=channels)


def agreement_determinants(
    *,
    store: ports.IntervalStore,
    spans: ports.SupplySpans,
    start_date: date,
    end_date: date,
    period_table: pl.DataFrame,
    timezone: str,
    as_of: datetime | None = None,
    agreements: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """
    Billing determinants per agreement for the local days ``[start_date, end_date)``: total,
    time-of-use buckets, maximum demand and completeness over the reads of every meter that
    served the agreement in the period (a meter exchange mid-period counts both meters).
    """
    reads = _agreement_reads(
        store=store,
        spans=spans,
        start_date=start_date,
        end_date=end_date,
        timezone=timezone,
        as_of=as_of,
        agreements=agreements,
    )
    return metering.billing_determinants(
        reads=reads, period_table=period_table, timezone=timezone, by="agreement"
    )
