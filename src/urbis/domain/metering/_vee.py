"""Validation, estimation and editing rules over interval and register reads (vectorised)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs
import polars as pl

from urbis.domain.metering._reads import Quality
from urbis.kernel import errors


class Check(enum.Enum):
    """A validation rule; its value is the code an exception carries."""

    GAP = "GAP"
    DUPLICATE = "DUPLICATE"
    NEGATIVE = "NEGATIVE"
    SPIKE = "SPIKE"
    HIGH_USAGE = "HIGH_USAGE"
    LOW_USAGE = "LOW_USAGE"
    ZERO_CONSUMPTION = "ZERO_CONSUMPTION"
    FUTURE = "FUTURE"
    ROLLOVER = "ROLLOVER"
    REGISTER_DECREASE = "REGISTER_DECREASE"
    DIAL_OVERFLOW = "DIAL_OVERFLOW"
    SUM_CHECK = "SUM_CHECK"


class Method(enum.Enum):
    """How an estimated value was made."""

    LINEAR_INTERPOLATION = "LINEAR_INTERPOLATION"
    DAY_TYPE_PROFILE = "DAY_TYPE_PROFILE"


@attrs.frozen
class Thresholds:
    """VEE limits for one meter class (data, not code: load them from configuration)."""

    spike_factor: float = 10.0
    spike_floor: float = 1.0
    high_factor: float = 3.0
    low_factor: float = 0.2
    zero_days: int = 3
    short_gap_intervals: int = 4
    sum_tolerance: float = 0.02


DEFAULT_CLASS = "*"


class InvalidThresholds(errors.InvalidValue):
    code = "invalid_vee_thresholds"


def thresholds_from_data(*, data: Mapping[str, Mapping[str, float]]) -> dict[str, Thresholds]:
    """
    Build per-class thresholds from configuration data: ``{meter_class: {name: value}}``.

    Missing names keep their defaults.

    :raises InvalidThresholds: if a name is unknown or a value is not a positive number.
    """
    known = {field.name: field.type for field in attrs.fields(Thresholds)}
    result: dict[str, Thresholds] = {}
    for meter_class, values in data.items():
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InvalidThresholds(f"meter class {meter_class!r}: unknown thresholds {unknown}")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise InvalidThresholds(
                    f"meter class {meter_class!r}: {name} must be a positive number"
                )
        converted = {
            name: int(value) if name in ("zero_days", "short_gap_intervals") else float(value)
            for name, value in values.items()
        }
        result[meter_class] = Thresholds(**converted)  # type: ignore[arg-type]
    return result


EXCEPTION_SCHEMA: dict[str, pl.DataType] = {
    "meter": pl.String(),
    "channel": pl.String(),
    "start": pl.Datetime("us", "UTC"),
    "check": pl.String(),
    "count": pl.Int64(),
    "detail": pl.String(),
}


def thresholds_frame(*, thresholds: Mapping[str, Thresholds]) -> pl.DataFrame:
    """Turn per-class thresholds into a frame to join on ``meter_class``."""
    rows = [{"meter_class": name, **attrs.asdict(value)} for name, value in thresholds.items()]
    if DEFAULT_CLASS not in thresholds:
        rows.append({"meter_class": DEFAULT_CLASS, **attrs.asdict(Thresholds())})
    return pl.DataFrame(rows)


def _meter_limits(meters: pl.DataFrame, thresholds: Mapping[str, Thresholds]) -> pl.DataFrame:
    table = thresholds_frame(thresholds=thresholds)
    known = table.get_column("meter_class")
    return meters.select(
        "meter",
        pl.when(pl.col("meter_class").is_in(known.implode()))
        .then(pl.col("meter_class"))
        .otherwise(pl.lit(DEFAULT_CLASS))
        .alias("meter_class"),
    ).join(table, on="meter_class", how="left")


def _exceptions(frame: pl.DataFrame, check: Check, detail: pl.Expr, count: pl.Expr) -> pl.DataFrame:
    return frame.select(
        "meter",
        "channel",
        "start",
        pl.lit(check.value).alias("check"),
        count.cast(pl.Int64).alias("count"),
        detail.cast(pl.String).alias("detail"),
    )


def _in_series_order(flagged: pl.DataFrame) -> bool:
    """
    Whether rows numbered by ``_sid`` runs are already sorted by meter, channel and start (as
    the store writes partitions): starts never fall within a run, and the runs' first rows are
    strictly increasing, so no series is split into two runs.
    """
    if flagged.height < 2:
        return True
    new_run = pl.col("_sid") != pl.col("_sid").shift(1)
    in_order = flagged.select(
        ((pl.col("start") >= pl.col("start").shift(1)) | new_run).fill_null(True).all()
    ).item()
    if not in_order:
        return False
    firsts = flagged.filter(new_run.fill_null(True)).select("meter", "channel")
    return bool(firsts.equals(firsts.sort("meter", "channel"))) and (
        firsts.n_unique() == firsts.height
    )


def _ordered(reads: pl.DataFrame) -> pl.DataFrame:
    """
    Reads sorted by meter, channel and start, with a dense series id (``_sid``, one per meter
    channel) and flags comparing each row with its neighbours. Already sorted input (every
    partition the store writes) is only checked, not sorted again; the flags then compare
    integers, not strings.
    """
    # Most partitions carry one channel name: runs of meters are then runs of series, and
    # comparing one text column costs a third of comparing the pair.
    one_channel = reads.height == 0 or bool(
        reads.select((pl.col("channel") == pl.col("channel").first()).all()).item()
    )
    series_id = (
        (pl.col("meter").rle_id() if one_channel else pl.struct("meter", "channel").rle_id())
        .cast(pl.Int64)
        .alias("_sid")
    )
    flagged = reads.with_columns(series_id)
    if not _in_series_order(flagged):
        flagged = reads.sort("meter", "channel", "start").with_columns(series_id)
    same_prev = pl.col("_sid") == pl.col("_sid").shift(1)
    return flagged.with_columns(
        # dense ids of sorted rows rise: telling Polars lets group-bys on them take slices
        pl.col("_sid").set_sorted(),
        (same_prev & (pl.col("start") == pl.col("start").shift(1))).fill_null(False).alias("_dup"),
        (pl.col("_sid") == pl.col("_sid").shift(-1)).fill_null(False).alias("_same_next"),
    )


_MINUTE_US = 60_000_000
_DAY_US = 86_400_000_000


def _gaps(ordered: pl.DataFrame) -> pl.DataFrame:
    # Each row looks ahead to the next row of its series. Within a run of duplicated starts
    # the next row has the same start (no gap) and the run's last row sees the next distinct
    # start, so duplicates need not be filtered out first (which would copy every row). The
    # test compares microseconds as integers; only the few rows before a hole are copied.
    start = pl.col("start").to_physical()
    hole = pl.col("_same_next") & (
        start.shift(-1) > start + pl.col("minutes").cast(pl.Int64) * _MINUTE_US
    )
    where = ordered.select(pl.arg_where(hole)).to_series()
    before = ordered.select(
        pl.col("meter", "channel", "start", "minutes").gather(where),
        pl.col("start").gather(where + 1).alias("_next"),
    )
    step = pl.duration(minutes=pl.col("minutes"))
    return before.select(
        "meter",
        "channel",
        (pl.col("start") + step).alias("start"),
        ((pl.col("_next") - pl.col("start")) / step - 1).cast(pl.Int64).alias("missing"),
    )


def _daily_totals(
    ordered: pl.DataFrame, series: pl.DataFrame, only_days_with: pl.Expr | None = None
) -> pl.DataFrame:
    """
    Per series and UTC day, the sum of its reads, in series and day order; with
    ``only_days_with``, only the days that hold a row matching it (a few rows are gathered,
    and each day is still summed over all its rows in the same order).
    """
    start = pl.col("start").to_physical()
    rows = ordered
    if only_days_with is not None:
        # rows are in series and start order, so (series, day) keys rise: each day is the
        # slice of rows between its key's first and last position
        key = (pl.col("_sid") * (1 << 32) + start // _DAY_US - start.min() // _DAY_US).alias("_key")
        holding = ordered.select(pl.arg_where(only_days_with.fill_null(True))).to_series()
        positions = holding
        if not holding.is_empty():
            keys = ordered.select(key).to_series().set_sorted()
            wanted_keys = keys.gather(holding).unique(maintain_order=True)
            first = keys.search_sorted(wanted_keys, side="left")
            after = keys.search_sorted(wanted_keys, side="right")
            positions = (
                pl.DataFrame({"first": first, "after": after})
                .select(pl.int_ranges("first", "after").explode())
                .to_series()
            )
        rows = ordered.select(pl.col("_sid", "start", "quantity").gather(positions))
    # rows are in series and start order, so each (series, UTC day) is one run of rows
    day = (start // _DAY_US).alias("_day")
    return (
        rows.select("_sid", day, "quantity")
        .group_by(pl.struct("_sid", "_day").rle_id().alias("_run"), maintain_order=True)
        .agg(
            pl.col("_sid").first(), pl.col("_day").first(), pl.col("quantity").sum().alias("total")
        )
        .drop("_run")
        .join(series, on="_sid")
        .with_columns((pl.col("_day") * _DAY_US).cast(pl.Datetime("us", "UTC")).alias("day"))
    )


def find_gaps(*, reads: pl.DataFrame) -> pl.DataFrame:
    """
    One row per hole in each meter channel's series: where it starts and how many intervals.

    Duplicated starts are ignored here (they are reported by the duplicate check).
    """
    return _gaps(_ordered(reads))


def validate_intervals(
    *,
    reads: pl.DataFrame,
    meters: pl.DataFrame,
    thresholds: Mapping[str, Thresholds],
    as_at: datetime,
    expected_daily: pl.DataFrame | None = None,
    history: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """
    Run every interval check over a batch of reads and return one exception row per finding.

    ``meters`` has columns ``meter`` and ``meter_class``; ``expected_daily`` (optional) has
    ``meter`` and ``expected`` (usage per day); ``history`` (optional) is earlier reads of the
    same meters, against which spikes are judged (the batch itself when absent).
    """
    limits = _meter_limits(meters, thresholds)
    reads = reads.select("meter", "channel", "start", "minutes", "quantity")
    ordered = _ordered(reads)
    found: list[pl.DataFrame] = []

    gaps = _gaps(ordered)
    found.append(
        _exceptions(
            gaps, Check.GAP, pl.format("{} missing intervals", "missing"), pl.col("missing")
        )
    )

    # a repeated start is a run of rows flagged _dup after its first row
    dup = (
        ordered.filter(pl.col("_dup") | pl.col("_dup").shift(-1).fill_null(False))
        .group_by("meter", "channel", "start")
        .agg(pl.len().alias("n"), pl.col("quantity").n_unique().alias("values"))
        .filter(pl.col("n") > 1)
    )
    found.append(
        _exceptions(
            dup,
            Check.DUPLICATE,
            pl.format("{} deliveries, {} distinct values", "n", "values"),
            pl.col("n") - 1,
        )
    )

    negative = reads.filter(pl.col("quantity") < 0)
    found.append(
        _exceptions(negative, Check.NEGATIVE, pl.col("quantity").cast(pl.String), pl.lit(1))
    )

    # Per-series facts (a series is one meter channel), indexed by the dense series id, so
    # that rows pick them up with a gather instead of a join on strings.
    series = (
        ordered.filter((pl.col("_sid") != pl.col("_sid").shift(1)).fill_null(True))
        .select("_sid", "meter", "channel")
        .join(limits, on="meter", how="left", maintain_order="left")
    )
    if history is None:
        # one lazy plan: the filter is fused with the projection, the median sees only
        # positive values
        typical = (
            ordered.lazy()
            .select("_sid", "quantity")
            .filter(pl.col("quantity") > 0)
            .group_by("_sid")
            .agg(pl.col("quantity").median().alias("typical"))
            .collect()
        )
        series = series.join(typical, on="_sid", how="left", maintain_order="left")
    else:
        typical = (
            history.filter(pl.col("quantity") > 0)
            .group_by("meter", "channel")
            .agg(pl.col("quantity").median().alias("typical"))
        )
        series = series.join(typical, on=["meter", "channel"], how="left", maintain_order="left")
    threshold = series.select(
        pl.when(pl.col("typical").is_not_null())
        .then(pl.max_horizontal(pl.col("typical") * pl.col("spike_factor"), pl.col("spike_floor")))
        .alias("threshold")
    ).to_series()
    typical_by_sid = series.get_column("typical")
    spikes = ordered.filter(
        pl.col("quantity") > pl.lit(threshold).gather(pl.col("_sid"))
    ).with_columns(pl.lit(typical_by_sid).gather(pl.col("_sid")).alias("typical"))
    found.append(
        _exceptions(
            spikes,
            Check.SPIKE,
            pl.format("{} against a typical {}", "quantity", "typical"),
            pl.lit(1),
        )
    )

    series_facts = series.select(
        "_sid", "meter", "channel", "high_factor", "low_factor", "zero_days"
    )
    if expected_daily is not None:
        daily = _daily_totals(ordered, series_facts)
        judged = daily.join(expected_daily, on="meter", how="inner").with_columns(
            pl.col("day").alias("start")
        )
        high = judged.filter(pl.col("total") > pl.col("expected") * pl.col("high_factor"))
        low = judged.filter(pl.col("total") < pl.col("expected") * pl.col("low_factor"))
        detail = pl.format("{} against an expected {}", "total", "expected")
        found.append(_exceptions(high, Check.HIGH_USAGE, detail, pl.lit(1)))
        found.append(_exceptions(low, Check.LOW_USAGE, detail, pl.lit(1)))
    else:
        # Only zero days matter, and a day whose reads are all positive cannot total zero
        # (a sum of positive numbers never rounds to zero): total only the days holding a
        # read that is not positive (zero, negative or missing).
        daily = _daily_totals(ordered, series_facts, only_days_with=~(pl.col("quantity") > 0))

    runs = (
        daily.sort("_sid", "_day")
        .with_columns((pl.col("total") == 0).alias("zero"))
        .with_columns(
            (
                (pl.col("zero") != pl.col("zero").shift(1))
                | (pl.col("_sid") != pl.col("_sid").shift(1))
                | (pl.col("_day") != pl.col("_day").shift(1) + 1)
            )
            .fill_null(True)
            .cum_sum()
            .alias("run")
        )
        .filter(pl.col("zero"))
        .group_by("meter", "channel", "run")
        .agg(
            pl.col("day").min().alias("start"),
            pl.len().alias("days"),
            pl.col("zero_days").first(),
        )
        .filter(pl.col("days") >= pl.col("zero_days"))
    )
    found.append(
        _exceptions(
            runs,
            Check.ZERO_CONSUMPTION,
            pl.format("{} days without consumption", "days"),
            pl.col("days"),
        )
    )

    ends_after = pl.col("start") + pl.duration(minutes=pl.col("minutes")) > as_at
    latest_end = reads.select(pl.col("start").max() + pl.duration(minutes=pl.col("minutes").max()))
    if latest_end.item() is None or latest_end.item() > as_at:
        future = reads.filter(ends_after)
        found.append(
            _exceptions(future, Check.FUTURE, pl.lit("interval ends after as_at"), pl.lit(1))
        )

    return pl.concat([f.cast(EXCEPTION_SCHEMA) for f in found]).sort(  # type: ignore[arg-type]
        "meter", "channel", "start", "check"
    )


def validate_registers(
    *, reads: pl.DataFrame, meters: pl.DataFrame, as_at: datetime
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """
    Check register reads and derive consumption between consecutive reads.

    ``meters`` has ``meter``, ``multiplier`` and ``dials``. Returns the reads with
    ``advance`` (dial units, rollover handled) and ``consumption`` (advance × multiplier),
    and the exceptions (rollover, decrease, dial overflow, future reads).
    """
    data = (
        reads.join(meters.select("meter", "multiplier", "dials"), on="meter", how="left")
        .sort("meter", "register", "read_at")
        .with_columns(
            pl.col("value").shift(1).over("meter", "register").alias("previous"),
            (pl.lit(10.0) ** pl.col("dials")).alias("capacity"),
        )
        .with_columns((pl.col("value") - pl.col("previous")).alias("raw_advance"))
    )
    rollover_advance = pl.col("raw_advance") + pl.col("capacity")
    # A fall is a rollover when the meter would have needed less than half its dial range to
    # wrap around; otherwise the read is suspect.
    is_rollover = (pl.col("raw_advance") < 0) & (rollover_advance < pl.col("capacity") / 2)
    data = data.with_columns(
        pl.when(is_rollover)
        .then(rollover_advance)
        .otherwise(pl.col("raw_advance"))
        .alias("advance"),
        is_rollover.fill_null(False).alias("rolled_over"),
    ).with_columns((pl.col("advance") * pl.col("multiplier")).alias("consumption"))
    as_start = pl.col("read_at").alias("start")
    reg = pl.col("register").alias("channel")

    def rows(frame: pl.DataFrame, check: Check, detail: pl.Expr) -> pl.DataFrame:
        return frame.select(
            "meter",
            reg,
            as_start,
            pl.lit(check.value).alias("check"),
            pl.lit(1, dtype=pl.Int64).alias("count"),
            detail.cast(pl.String).alias("detail"),
        )

    found = [
        rows(
            data.filter(pl.col("rolled_over")),
            Check.ROLLOVER,
            pl.format("{} to {}", "previous", "value"),
        ),
        rows(
            data.filter((pl.col("raw_advance") < 0) & ~pl.col("rolled_over")),
            Check.REGISTER_DECREASE,
            pl.format("{} to {}", "previous", "value"),
        ),
        rows(
            data.filter(pl.col("value") >= pl.col("capacity")),
            Check.DIAL_OVERFLOW,
            pl.format("{} does not fit {} dials", "value", "dials"),
        ),
        rows(data.filter(pl.col("read_at") > as_at), Check.FUTURE, pl.lit("read after as_at")),
    ]
    exceptions = pl.concat([f.cast(EXCEPTION_SCHEMA) for f in found]).sort(  # type: ignore[arg-type]
        "meter", "channel", "start", "check"
    )
    return data.drop("capacity", "raw_advance"), exceptions


def check_interval_sum(
    *,
    intervals: pl.DataFrame,
    register_consumption: pl.DataFrame,
    thresholds: Mapping[str, Thresholds],
    meters: pl.DataFrame,
) -> pl.DataFrame:
    """
    Compare the interval total between two register reads with the register's advance.

    ``register_consumption`` has ``meter``, ``from_at``, ``to_at`` and ``consumption``.
    """
    limits = _meter_limits(meters, thresholds).select("meter", "sum_tolerance")
    windows = register_consumption.with_row_index("window")
    sums = (
        intervals.join(windows.select("meter", "window", "from_at", "to_at"), on="meter")
        .filter((pl.col("start") >= pl.col("from_at")) & (pl.col("start") < pl.col("to_at")))
        .group_by("window")
        .agg(pl.col("quantity").sum().alias("interval_sum"))
    )
    judged = (
        windows.join(sums, on="window", how="left")
        .join(limits, on="meter", how="left")
        .with_columns(pl.col("interval_sum").fill_null(0.0))
        .filter(
            (pl.col("interval_sum") - pl.col("consumption")).abs()
            > pl.col("consumption").abs() * pl.col("sum_tolerance")
        )
    )
    return judged.select(
        "meter",
        pl.lit("*").alias("channel"),
        pl.col("from_at").alias("start"),
        pl.lit(Check.SUM_CHECK.value).alias("check"),
        pl.lit(1, dtype=pl.Int64).alias("count"),
        pl.format("intervals {} against register {}", "interval_sum", "consumption").alias(
            "detail"
        ),
    ).cast(EXCEPTION_SCHEMA)  # type: ignore[arg-type]


def estimate_gaps(
    *,
    reads: pl.DataFrame,
    meters: pl.DataFrame,
    thresholds: Mapping[str, Thresholds],
    timezone: str = "UTC",
) -> pl.DataFrame:
    """
    Estimate every missing interval between each channel's first and last read.

    Gaps of at most ``short_gap_intervals`` are linearly interpolated between their
    neighbours; longer gaps take the channel's mean for the same day type (weekday,
    Saturday, Sunday) and time of day. Each value records its method. Returns only the
    estimated rows (quality ESTIMATED).
    """
    limits = _meter_limits(meters, thresholds).select("meter", "short_gap_intervals")
    clean = reads.unique(subset=["meter", "channel", "start"], keep="first")
    gaps = find_gaps(reads=clean)
    if gaps.is_empty():
        return clean.clear()
    template = clean.group_by("meter", "channel").agg(
        pl.col("minutes").first(), pl.col("unit").first()
    )
    # Expand each gap to its intervals (step is the channel's interval length).
    missing = (
        gaps.join(template, on=["meter", "channel"])
        .with_columns(pl.int_ranges(0, pl.col("missing")).alias("i"))
        .explode("i")
        .with_columns(
            (pl.col("start") + pl.duration(minutes=pl.col("minutes") * pl.col("i"))).alias("start")
        )
    )
    grid = (
        pl.concat(
            [
                clean.select("meter", "channel", "start", "minutes", "unit", "quantity"),
                missing.select(
                    "meter",
                    "channel",
                    "start",
                    "minutes",
                    "unit",
                    pl.lit(None, dtype=pl.Float64).alias("quantity"),
                ),
            ]
        )
        .sort("meter", "channel", "start")
        .with_columns(
            pl.col("quantity")
            .interpolate_by("start")
            .over("meter", "channel")
            .alias("interpolated")
        )
    )
    local = pl.col("start").dt.convert_time_zone(timezone)
    day_type = (
        pl.when(local.dt.weekday() == 7)
        .then(pl.lit("SUNDAY"))
        .when(local.dt.weekday() == 6)
        .then(pl.lit("SATURDAY"))
        .otherwise(pl.lit("WEEKDAY"))
    )
    slot = local.dt.hour().cast(pl.Int32) * 60 + local.dt.minute().cast(pl.Int32)
    grid = grid.with_columns(day_type.alias("day_type"), slot.alias("slot"))
    profile = (
        grid.filter(pl.col("quantity").is_not_null())
        .group_by("meter", "channel", "day_type", "slot")
        .agg(pl.col("quantity").mean().alias("profile"))
    )
    estimated = (
        grid.filter(pl.col("quantity").is_null())
        .join(
            missing.select("meter", "channel", "start", "missing"),
            on=["meter", "channel", "start"],
        )
        .join(profile, on=["meter", "channel", "day_type", "slot"], how="left")
        .join(limits, on="meter", how="left")
        .with_columns(pl.col("short_gap_intervals").fill_null(Thresholds().short_gap_intervals))
        .with_columns(
            pl.when(
                (pl.col("missing") <= pl.col("short_gap_intervals")) | pl.col("profile").is_null()
            )
            .then(pl.lit(Method.LINEAR_INTERPOLATION.value))
            .otherwise(pl.lit(Method.DAY_TYPE_PROFILE.value))
            .alias("method")
        )
        .with_columns(
            pl.when(pl.col("method") == Method.LINEAR_INTERPOLATION.value)
            .then(pl.col("interpolated"))
            .otherwise(pl.col("profile"))
            .alias("quantity"),
            pl.lit(Quality.ESTIMATED.value).alias("quality"),
        )
    )
    return estimated.select(
        "meter", "channel", "start", "minutes", "quantity", "unit", "quality", "method"
    ).sort("meter", "channel", "start")
