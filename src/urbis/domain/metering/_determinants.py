"""Billing determinants from versioned interval reads, columnar, for the batch rating engine."""

from __future__ import annotations

import polars as pl

from urbis.domain.metering._reads import Quality

PERIOD_TABLE_SCHEMA: dict[str, pl.DataType] = {
    "month": pl.Int8(),
    "day_type": pl.String(),
    "hour": pl.Int8(),
    "period": pl.String(),
}


def day_type(*, local_start: pl.Expr) -> pl.Expr:
    """WEEKDAY, SATURDAY or SUNDAY of a local timestamp expression."""
    weekday = local_start.dt.weekday()
    return (
        pl.when(weekday == 7)
        .then(pl.lit("SUNDAY"))
        .when(weekday == 6)
        .then(pl.lit("SATURDAY"))
        .otherwise(pl.lit("WEEKDAY"))
    )


def billing_determinants(
    *, reads: pl.DataFrame, period_table: pl.DataFrame, timezone: str
) -> pl.DataFrame:
    """
    Sum one period's latest reads into determinants per meter.

    ``reads`` are the latest versions already cut to the billing period; ``period_table``
    maps (month, day type, hour) in local time to a time-of-use period name. Returns one row
    per meter: ``total``, one ``tou_<period>`` column per period, ``max_demand`` (the largest
    interval quantity expressed per hour, e.g. kW from kWh), ``intervals``, ``pct_actual``
    and ``pct_estimated``.
    """
    local = pl.col("start").dt.convert_time_zone(timezone)
    keyed = reads.with_columns(
        local.dt.month().cast(pl.Int8).alias("month"),
        day_type(local_start=local).alias("day_type"),
        local.dt.hour().cast(pl.Int8).alias("hour"),
    ).join(period_table.cast(PERIOD_TABLE_SCHEMA), on=["month", "day_type", "hour"], how="left")  # type: ignore[arg-type]
    estimated = [Quality.ESTIMATED.value, Quality.SUBSTITUTED.value]
    totals = keyed.group_by("meter").agg(
        pl.col("quantity").sum().alias("total"),
        (pl.col("quantity") * 60 / pl.col("minutes")).max().alias("max_demand"),
        pl.len().alias("intervals"),
        (pl.col("quality") == Quality.ACTUAL.value).mean().mul(100).alias("pct_actual"),
        pl.col("quality").is_in(estimated).mean().mul(100).alias("pct_estimated"),
    )
    periods = sorted(period_table.get_column("period").unique().to_list())
    buckets = (
        keyed.with_columns(pl.col("period").fill_null("UNASSIGNED"))
        .group_by("meter", "period")
        .agg(pl.col("quantity").sum())
        .pivot(on="period", index="meter", values="quantity")
    )
    for name in periods:
        if name not in buckets.columns:
            buckets = buckets.with_columns(pl.lit(0.0).alias(name))
    buckets = buckets.select(
        "meter", *[pl.col(name).fill_null(0.0).alias(f"tou_{name}") for name in periods]
    )
    return totals.join(buckets, on="meter", how="left").sort("meter")
