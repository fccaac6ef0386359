"""Billing determinants from versioned interval reads, columnar, for the batch rating engine."""

from __future__ import annotations

import polars as pl

from urbis.domain.metering._reads import InvalidRead, Quality

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
    *, reads: pl.DataFrame, period_table: pl.DataFrame, timezone: str, by: str = "meter"
) -> pl.DataFrame:
    """
    Sum one period's latest reads into determinants per meter (or per ``by``, e.g. the
    ``agreement`` column of ``agreement_reads``).

    ``reads`` are the latest versions already cut to the billing period; ``period_table``
    maps (month, day type, hour) in local time to a time-of-use period name. Returns one row
    per meter (or ``by``): ``total``, one ``tou_<period>`` column per period, ``max_demand``
    (the largest interval quantity expressed per hour, e.g. kW from kWh), ``intervals``,
    ``pct_actual`` and ``pct_estimated``.
    """
    local = pl.col("start").dt.convert_time_zone(timezone)
    keyed = reads.with_columns(
        local.dt.month().cast(pl.Int8).alias("month"),
        day_type(local_start=local).alias("day_type"),
        local.dt.hour().cast(pl.Int8).alias("hour"),
    ).join(period_table.cast(PERIOD_TABLE_SCHEMA), on=["month", "day_type", "hour"], how="left")  # type: ignore[arg-type]
    estimated = [Quality.ESTIMATED.value, Quality.SUBSTITUTED.value]
    totals = keyed.group_by(by).agg(
        pl.col("quantity").sum().alias("total"),
        (pl.col("quantity") * 60 / pl.col("minutes")).max().alias("max_demand"),
        pl.len().alias("intervals"),
        (pl.col("quality") == Quality.ACTUAL.value).mean().mul(100).alias("pct_actual"),
        pl.col("quality").is_in(estimated).mean().mul(100).alias("pct_estimated"),
    )
    periods = sorted(period_table.get_column("period").unique().to_list())
    buckets = (
        keyed.with_columns(pl.col("period").fill_null("UNASSIGNED"))
        .group_by(by, "period")
        .agg(pl.col("quantity").sum())
        .pivot(on="period", index=by, values="quantity")
    )
    for name in periods:
        if name not in buckets.columns:
            buckets = buckets.with_columns(pl.lit(0.0).alias(name))
    buckets = buckets.select(
        by, *[pl.col(name).fill_null(0.0).alias(f"tou_{name}") for name in periods]
    )
    return totals.join(buckets, on=by, how="left").sort(by)


# What a watt-hour is in each energy unit reads arrive in.
WH_PER_UNIT = {"Wh": 1, "kWh": 1_000, "MWh": 1_000_000}

SUPPLY_SPAN_SCHEMA: dict[str, pl.DataType] = {
    "agreement": pl.String(),
    "meter": pl.String(),
    "from_date": pl.Date(),
    "to_date": pl.Date(),
}


def agreement_reads(*, reads: pl.DataFrame, spans: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """
    Attribute interval reads to the agreements their meters supplied.

    ``reads`` are latest versions (interval schema); ``spans`` says which meter served which
    agreement on which days (``agreement``, ``meter``, ``from_date``, ``to_date`` exclusive,
    null when open), days being local to ``timezone``. A read belongs to an agreement when its
    meter served it on the local day the interval starts in. Returns the reads with an
    ``agreement`` column first; reads outside every span are left out.
    """
    local_midnight = pl.Datetime("us")
    bounds = spans.cast(SUPPLY_SPAN_SCHEMA).with_columns(  # type: ignore[arg-type]
        pl.col("from_date")
        .cast(local_midnight)
        .dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .alias("_from"),
        pl.col("to_date")
        .cast(local_midnight)
        .dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .alias("_to"),
    )
    joined = reads.join(bounds.select("agreement", "meter", "_from", "_to"), on="meter")
    inside = (pl.col("start") >= pl.col("_from")) & (
        pl.col("_to").is_null() | (pl.col("start") < pl.col("_to"))
    )
    return joined.filter(inside).select("agreement", *reads.columns).sort("agreement", "start")


def rating_usage(*, reads: pl.DataFrame, channels: tuple[str, ...] | None = None) -> pl.DataFrame:
    """
    The batch rating engine's usage frame from reads attributed to agreements: one row per
    agreement and interval start, ``wh`` (Int64, rounded half away from zero once per
    interval) summed over the chosen ``channels`` (all when None), and ``minutes``.

    :raises InvalidRead: if a read is not in an energy unit (Wh, kWh, MWh), or its
        quantity is missing.
    """
    chosen = reads if channels is None else reads.filter(pl.col("channel").is_in(channels))
    units = set(chosen.get_column("unit").unique().to_list())
    unknown = units - set(WH_PER_UNIT)
    if unknown:
        raise InvalidRead(f"Reads in {sorted(map(str, unknown))} cannot be rated as energy")
    if chosen.get_column("quantity").null_count():
        raise InvalidRead("Reads without a quantity cannot be rated")
    factor = pl.col("unit").replace_strict(WH_PER_UNIT, return_dtype=pl.Float64)
    return (
        chosen.group_by("agreement", "start")
        .agg(
            (pl.col("quantity") * factor).sum().round(0).cast(pl.Int64).alias("wh"),
            pl.col("minutes").first(),
        )
        .sort("agreement", "start")
    )
