"""A month of meter reads for the demo utility: register reads and hourly interval data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl

from urbis.domain import metering


def register_reads(
    *,
    meters: pl.Series,
    month: date,
    recorded_at: datetime,
    mean_use: float = 160.0,
    seed: int = 11,
) -> pl.DataFrame:
    """
    Two actual reads per register meter, the day before ``month`` and its 28th, about
    ``mean_use`` apart (kWh for electricity, m³ for water).
    """
    rng = np.random.default_rng(seed)
    n = meters.len()
    before = rng.integers(0, 9_000, n).astype(np.float64)
    advance = rng.gamma(4.0, mean_use / 4, n).round(0)
    first = datetime(month.year, month.month, 1, 15, tzinfo=UTC) - timedelta(days=1)
    last = datetime(month.year, month.month, 28, 15, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "meter": pl.concat([meters, meters]),
            "register": "E1",
            "read_at": [first] * n + [last] * n,
            "value": np.concatenate([before, before + advance]),
            "unit": "kWh",
            "read_type": "ACTUAL",
            "source": "demo",
        }
    )
    return metering.stamp(
        frame=metering.conform(frame=frame, schema=metering.REGISTER_SCHEMA),
        recorded_at=recorded_at,
        first_sequence=0,
    )


def hourly_month(
    *, meters: pl.Series, month: date, zone_offset_hours: int, recorded_at: datetime, seed: int = 13
) -> pl.DataFrame:
    """A month of hourly import intervals per meter, in the utility's month (fixed offset)."""
    rng = np.random.default_rng(seed)
    start = datetime(month.year, month.month, 1, tzinfo=UTC) - timedelta(hours=zone_offset_hours)
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    hours = (nxt - month).days * 24
    m = meters.len()
    daily = np.tile(0.1 + 0.4 * (np.sin(np.arange(24) / 24 * 2 * np.pi - 1.5) + 1), hours // 24)
    frame = pl.DataFrame(
        {
            "meter": np.repeat(meters.to_numpy(), hours),
            "channel": "E1",
            "start": pl.concat([pl.Series([start + timedelta(hours=h) for h in range(hours)])] * m),
            "minutes": 60,
            "quantity": (np.tile(daily, m) * rng.uniform(0.5, 1.5, m * hours)).round(3),
            "unit": "kWh",
            "quality": "ACTUAL",
            "source": "demo",
        }
    )
    return metering.stamp(
        frame=metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA),
        recorded_at=recorded_at,
        first_sequence=0,
    )
