"""
The batch engine: the same tariff model and the same exact fractions as the reference engine,
vectorised over Polars frames of many agreements × intervals for bill runs.

Usage arrives as Wh (kWh × 1,000, integers) and prices as millionths, so every amount is an
integer fraction N / D computed in 128-bit integers and rounded once with the tariff's rule:
the same result as the reference engine's exact Decimal fraction, to the cent.

What it does not do (``BatchNotSupported`` says so, and the reference engine does): demand
charges, export credits, tier limits per kW of peak demand, annual minimums, rounding by
monthly subtotal, a version starting mid-month, versions with different currencies, zones or
holiday calendars. It does not look for gaps: usage is taken as validated upstream.
"""

from __future__ import annotations

import calendar
import functools
import math
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import holidays as holiday_calendars
import numpy as np
import polars as pl

from urbis.domain import tariffs
from urbis.kernel import errors
from urbis.kernel.money import Rounding, minor_unit

PRICE = 10**6  # prices, shares and fixed amounts in millionths
WH = 1000  # usage in Wh
I128 = pl.Int128
LIMIT = 10**37  # headroom under 2**127 for the largest numerator
MINUTE = 60_000_000  # microseconds
PERIODS = 64  # at most this many time-of-use periods in one version
COLUMNS = {
    "agreement": pl.String,
    "month": pl.String,
    "tariff": pl.String,
    "kind": pl.String,
    "period": pl.String,
    "block": pl.String,
    "description": pl.String,
    "part": pl.String,
    "amount": pl.Int64,
    # what the line prices and at what (null when it has no single quantity): the quantity in
    # thousandths of its unit (kWh, share of month, days, or money for a percentage tax),
    # rounded half-even; the unit price in millionths, exact (the batch engine's scale)
    "quantity_milli": pl.Int64,
    "unit_price_micro": pl.Int64,
}


class BatchNotSupported(errors.InvalidValue):
    code = "batch_not_supported"


def _scaled(value: Decimal, scale: int, what: str) -> int:
    scaled = value * scale
    if scaled != scaled.to_integral_value():
        raise BatchNotSupported(
            f"{what} {value} has more decimals than the batch engine keeps",
            details={"value": str(value)},
        )
    return int(scaled)


def round_div(numerator: pl.Expr, denominator: pl.Expr, rounding: Rounding) -> pl.Expr:
    """Return N / D rounded to an integer with a named rule (D > 0), as a vectorised expression."""
    size = numerator.abs()
    quotient = size // denominator
    twice = (size % denominator) * 2
    if rounding is Rounding.HALF_UP:
        up = twice >= denominator
    elif rounding is Rounding.HALF_EVEN:
        up = (twice > denominator) | ((twice == denominator) & (quotient % 2 == 1))
    elif rounding is Rounding.UP:
        up = twice > 0
    else:
        up = pl.lit(value=False)
    magnitude = quotient + up.cast(I128)
    return pl.when(numerator < 0).then(pl.lit(0, dtype=I128) - magnitude).otherwise(magnitude)


def _check(tariff: tariffs.Tariff) -> tariffs.Version:
    first = tariff.versions[0]
    for version in tariff.versions:
        if version.demand is not None or version.flat_demand is not None:
            raise BatchNotSupported("Demand charges are rated by the reference engine")
        if version.annual_minimum:
            raise BatchNotSupported("An annual minimum is rated by the reference engine")
        if version.rounding_scope is not tariffs.RoundingScope.LINE:
            raise BatchNotSupported("Rounding by monthly subtotal is rated by the reference engine")
        if version.energy and any(t.upto_per_kw for p in version.energy.periods for t in p.tiers):
            raise BatchNotSupported(
                "Tier limits per kW of peak demand are rated by the reference engine"
            )
        if version.energy and any(t.sell for p in version.energy.periods for t in p.tiers):
            raise BatchNotSupported("Export credits are rated by the reference engine")
        same = (version.currency, version.timezone, version.holidays, version.rounding)
        if same != (first.currency, first.timezone, first.holidays, first.rounding):
            raise BatchNotSupported(
                "Versions with different currency, zone, holidays or rounding are rated by the "
                "reference engine"
            )
    return first


def _months(tariff: tariffs.Tariff, first: int, last: int) -> tuple[pl.DataFrame, list[int]]:
    rows = []
    versions: list[int] = []
    for key in range(first, last + 1):
        year, month = divmod(key, 12)
        days = calendar.monthrange(year, month + 1)[1]
        start = tariff.in_force(on=date(year, month + 1, 1))
        end = tariff.in_force(on=date(year, month + 1, days))
        if start is not end:
            raise BatchNotSupported(
                f"Version {end.version} starts inside {year}-{month + 1:02d}; "
                "the reference engine splits such a month",
                details={"month": f"{year}-{month + 1:02d}"},
            )
        vid = tariff.versions.index(start)
        versions.append(vid)
        rows.append(
            (key, vid, days, f"{year:04d}-{month + 1:02d}", f"{tariff.code} {start.version}")
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "month_key": pl.Int32,
            "vid": pl.Int32,
            "dim": pl.Int64,
            "month": pl.String,
            "tariff": pl.String,
        },
        orient="row",
    )
    return frame, versions


def _lookup(tariff: tariffs.Tariff, first: int, versions: list[int]) -> pl.Series:
    values: list[int] = []
    for offset, vid in enumerate(versions):
        version = tariff.versions[vid]
        schedule = version.energy.schedule if version.energy else tariffs.flat_schedule()
        month = (first + offset) % 12 + 1
        for kind in (tariffs.DayKind.WEEKDAY, tariffs.DayKind.WEEKEND, tariffs.DayKind.HOLIDAY):
            values.extend(schedule.period(month=month, hour=h, kind=kind) for h in range(24))
    return pl.Series("period", values, dtype=pl.Int32)


@functools.lru_cache(maxsize=64)
def _holidays(country: str | None, first: int, last: int) -> tuple[date, ...]:
    # a country's calendar takes ~60 ms to build; a bill run asks for the same one per batch
    if country is None:
        return ()
    years = range(first // 12, last // 12 + 1)
    return tuple(sorted(holiday_calendars.country_holidays(country, years=years)))


def summarise_frame(
    *, tariff: tariffs.Tariff, usage: pl.DataFrame, minutes: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """
    Sum interval usage into Wh per agreement, month and time-of-use period.

    ``usage`` has ``agreement``, ``start`` (aware datetime) and ``wh`` (Int64). Returns the
    per-period frame and the months frame (key, version, days, label).

    :raises BatchNotSupported: if the tariff needs the reference engine.
    :raises NoTariffInForce: if a month falls outside every version.
    """
    version = _check(tariff)
    if version.energy is not None and len(version.energy.periods) > PERIODS:
        raise BatchNotSupported(f"More than {PERIODS} periods are rated by the reference engine")
    zone = version.timezone or usage.schema["start"].time_zone  # type: ignore[attr-defined]
    if zone is None:
        raise BatchNotSupported("Usage start times must carry a time zone")
    micros = pl.col("start").dt.epoch(time_unit="us")
    bounds = usage.select(micros.min().alias("first"), micros.max().alias("last"))
    t0 = int(bounds["first"][0]) // MINUTE * MINUTE
    slots = _slots(tariff, t0, int(bounds["last"][0]), zone)
    first = int(slots["month_key"].min())  # type: ignore[arg-type]
    last = int(slots["month_key"].max())  # type: ignore[arg-type]
    months, versions = _months(tariff, first, last)
    lookup = _lookup(tariff, first, versions)
    holiday = pl.col("day").is_in(list(_holidays(version.holidays, first, last)))
    kind = (
        pl.when(holiday)
        .then(2)
        .when(pl.col("day").dt.weekday() >= 6)
        .then(1)
        .otherwise(0)
        .cast(pl.Int32)
    )
    index = (pl.col("month_key") - first) * 72 + kind * 24 + pl.col("hour")
    slot_key = slots.select(
        ((pl.col("month_key") - first) * PERIODS + pl.lit(lookup).gather(index)).cast(pl.Int32)
    ).to_series()
    # Each interval finds its month and period by its minute since the first start.
    keys = slot_key.to_numpy()
    fast = _summed_regular(usage, keys, t0)
    if fast is None:
        fast = _summed_by_codes(usage, keys, t0, width=(last - first + 1) * PERIODS)
    if fast is not None:
        periods = fast
    else:
        minute = (usage["start"].dt.epoch("us").to_numpy() - t0) // MINUTE
        periods = (
            pl.DataFrame(
                {
                    "agreement": usage["agreement"],
                    "slot": keys[minute],
                    "wh": usage["wh"].clip(lower_bound=0),
                }
            )
            .group_by("agreement", "slot")
            .agg(pl.col("wh").sum().alias("energy"), pl.len().alias("n"))
        )
    periods = periods.select(
        "agreement",
        (pl.col("slot") // PERIODS + first).cast(pl.Int32).alias("month_key"),
        (pl.col("slot") % PERIODS).cast(pl.Int32).alias("period"),
        pl.col("energy").cast(pl.Int64),
        pl.col("n").cast(pl.UInt32),
    )
    return periods, months


def _summed_regular(
    usage: pl.DataFrame, slot_key: np.ndarray[Any, Any], t0: int
) -> pl.DataFrame | None:
    """
    Sum Wh per agreement and slot when the frame is regular: each agreement's rows together,
    every agreement with the same start times in the same order (a bill run's usual shape).
    The sums are then one integer matrix product; ``None`` when the frame is not regular.
    """
    height = usage.height
    agreement = usage["agreement"]
    if not agreement.dtype.is_integer() or height == 0:
        return None  # text ids go to a Polars group-by
    if agreement.null_count() or usage["start"].null_count():
        return None
    codes = agreement.to_numpy()
    length = int(np.argmax(codes != codes[0])) or height
    if height % length or length == 1:
        return None
    rows = height // length
    by_row = codes.reshape(rows, length)
    if not (by_row == by_row[:, :1]).all() or pl.Series(by_row[:, 0]).n_unique() != rows:
        return None
    unit = usage.schema["start"].time_unit  # type: ignore[attr-defined]
    starts = usage["start"].to_physical().to_numpy().reshape(rows, length)
    if not (starts == starts[0]).all():
        return None
    per_micro = {"ns": 1000, "us": 1, "ms": 1}[unit]
    micros = starts[0] // per_micro if unit != "ms" else starts[0] * 1000
    columns = slot_key[(micros - t0) // MINUTE]
    slots, position = np.unique(columns, return_inverse=True)
    onehot = np.zeros((length, slots.size), dtype=np.int64)
    onehot[np.arange(length), position] = 1
    wh = usage["wh"].to_numpy().reshape(rows, length)
    if wh.min() < 0:
        wh = np.maximum(wh, 0)
    sums = wh @ onehot
    firsts = agreement.gather(np.arange(rows) * length)
    return pl.DataFrame(
        {
            "agreement": firsts.gather(np.repeat(np.arange(rows), slots.size)),
            "slot": np.tile(slots, rows).astype(np.int32),
            "energy": sums.ravel(),
            "n": np.tile(onehot.sum(axis=0), rows),
        }
    )


def _summed_by_codes(
    usage: pl.DataFrame, slot_key: np.ndarray[Any, Any], t0: int, width: int
) -> pl.DataFrame | None:
    """
    Sum Wh and count intervals per agreement and slot with array counting, when agreements are
    integers in a compact range; ``None`` otherwise (the caller groups with Polars).
    """
    agreement = usage["agreement"]
    if not agreement.dtype.is_integer() or usage.is_empty() or agreement.null_count():
        return None
    low, high = int(agreement.min()), int(agreement.max())  # type: ignore[arg-type]
    cells = (high - low + 1) * width
    if cells > max(4 * usage.height, 1_000_000) or cells > 200_000_000:
        return None
    wh = usage["wh"].to_numpy()
    positive = np.maximum(wh, 0)
    if int(positive.max()) * usage.height >= 2**53:
        return None  # float sums would no longer be exact
    minute = (usage["start"].dt.epoch("us").to_numpy() - t0) // MINUTE
    keys = (agreement.to_numpy().astype(np.int64) - low) * width + slot_key[minute]
    energy = np.bincount(keys, weights=positive.astype(np.float64), minlength=cells)
    counts = np.bincount(keys, minlength=cells)
    present = np.flatnonzero(counts)
    return pl.DataFrame(
        {
            "agreement": present // width + low,
            "slot": (present % width).astype(np.int32),
            "energy": energy[present].astype(np.int64),
            "n": counts[present],
        }
    ).with_columns(pl.col("agreement").cast(agreement.dtype))


def _slots(tariff: tariffs.Tariff, t0: int, t1: int, zone: str) -> pl.DataFrame:
    del tariff
    count = (t1 - t0) // MINUTE + 1
    wall = (
        (pl.int_range(0, count, dtype=pl.Int64, eager=True) * MINUTE + t0)
        .cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone(zone)
    )
    return pl.DataFrame({"wall": wall}).select(
        (pl.col("wall").dt.year().cast(pl.Int32) * 12 + pl.col("wall").dt.month() - 1)
        .cast(pl.Int32)
        .alias("month_key"),
        pl.col("wall").dt.date().alias("day"),
        pl.col("wall").dt.hour().cast(pl.Int32).alias("hour"),
    )


def _tier_table(tariff: tariffs.Tariff) -> pl.DataFrame:
    rows = []
    for vid, version in enumerate(tariff.versions):
        if version.energy is None:
            continue
        for p, period in enumerate(version.energy.periods):
            lower = 0
            for t, tier in enumerate(period.tiers):
                upper = None if tier.upto is None else _scaled(tier.upto, WH, "A tier limit")
                price = _scaled(tier.price, PRICE, "A price")
                rows.append((vid, p, lower, upper, price, period.name, tier.name or str(t + 1)))
                lower = upper if upper is not None else lower
    return pl.DataFrame(
        rows,
        schema={
            "vid": pl.Int32,
            "period": pl.Int32,
            "lower": pl.Int64,
            "upper": pl.Int64,
            "price": pl.Int64,
            "period_name": pl.String,
            "block": pl.String,
        },
        orient="row",
    )


def _share_table(pairs: Iterable[tuple[int, int]]) -> pl.DataFrame:
    rows = []
    for covered, month in pairs:
        g = math.gcd(covered, month)
        rows.append((covered, month, covered // g, month // g))
    return pl.DataFrame(
        rows,
        schema={"covered": pl.Int64, "month_minutes": pl.Int64, "a": pl.Int64, "b": pl.Int64},
        orient="row",
    )


def _out(
    frame: pl.DataFrame,
    kind: str,
    part: str,
    rounding: Rounding,
    quantity: tuple[pl.Expr, pl.Expr],
    price: pl.Expr,
) -> pl.DataFrame:
    """Lines of one kind; ``quantity`` as a fraction (numerator, denominator) of thousandths."""
    return frame.select(
        pl.col("agreement").cast(pl.String),
        "month",
        "tariff",
        pl.lit(kind).alias("kind"),
        pl.col("period_name").alias("period"),
        "block",
        "description",
        pl.lit(part).alias("part"),
        round_div(pl.col("N"), pl.col("D"), rounding).cast(pl.Int64).alias("amount"),
        round_div(quantity[0].cast(I128), quantity[1].cast(I128), Rounding.HALF_EVEN)
        .cast(pl.Int64)
        .alias("quantity_milli"),
        price.cast(pl.Int64).alias("unit_price_micro"),
    )


def _solidarity_frame(
    tariff: tariffs.Tariff,
    totals: pl.DataFrame,
    customers: pl.DataFrame,
    scale: int,
    rounding: Rounding,
) -> list[pl.DataFrame]:
    if set(customers.columns) >= SOLIDARITY_TERMS:
        base = _terms_base(tariff, totals, customers)
    else:
        base = _classes_base(tariff, totals, customers)
    if base.is_empty():
        return []
    base = base.join(
        _share_table(set(zip(base["covered"], base["month_minutes"], strict=True))),
        on=["covered", "month_minutes"],
    )
    if _fits_in_128_bits(base, scale):
        return [_solidarity_columns(base, scale, rounding)]
    return [_solidarity_lines(base, scale, rounding)]


SOLIDARITY_TERMS = {"solidarity_kind", "solidarity_share", "solidarity_basic"}
"""
Columns of ``customers`` that, when present, price solidarity in place of the tariff's classes:
``SUBSIDY``, ``CONTRIBUTION`` or ``NONE``; the signed share in millionths (−600,000 is a 60 %
subsidy); the subsidised quantity per month in Wh (kWh × 1,000, or litres for m³).
"""


def _class_key() -> pl.Expr:
    return (
        pl.when((pl.col("use") == "residential") & pl.col("stratum").is_not_null())
        .then(pl.col("stratum").cast(pl.String))
        .otherwise(pl.col("use"))
        .alias("class")
    )


def _fixed_full(version: tariffs.Version) -> int:
    full = sum((f.amount for f in version.fixed if f.per is not tariffs.FixedBasis.DAY), Decimal(0))
    return _scaled(full, PRICE, "A fixed charge")


def _terms_base(
    tariff: tariffs.Tariff, totals: pl.DataFrame, customers: pl.DataFrame
) -> pl.DataFrame:
    """
    Solidarity priced by terms given per agreement (a ``subsidy_factor`` pack's answers): the
    terms decide who is subsidised or contributes, by which share and up to which quantity; a
    price the tariff publishes for the agreement's class still replaces cost × (1 ± share) when
    the tariff's class is of the same kind (a subsidy or a contribution), as the regulator's
    figure for that class.
    """
    versions = pl.DataFrame(
        [
            (
                vid,
                _fixed_full(version),
                version.solidarity is not None and version.solidarity.on_fixed,
            )
            for vid, version in enumerate(tariff.versions)
        ],
        schema={"vid": pl.Int32, "fixed_full": pl.Int64, "version_on_fixed": pl.Boolean},
        orient="row",
    )
    published = pl.DataFrame(
        [
            (
                vid,
                key,
                bool(rules.subsidy),
                None if rules.price is None else _scaled(rules.price, PRICE, "A price"),
                None
                if rules.fixed_price is None
                else _scaled(rules.fixed_price, PRICE, "A fixed charge"),
            )
            for vid, version in enumerate(tariff.versions)
            if version.solidarity is not None
            for key, rules in version.solidarity.classes
            if rules.price is not None or rules.fixed_price is not None
        ],
        schema={
            "vid": pl.Int32,
            "class": pl.String,
            "tariff_subsidised": pl.Boolean,
            "class_price": pl.Int64,
            "class_fixed_price": pl.Int64,
        },
        orient="row",
    )
    who = customers.filter(
        pl.col("solidarity_kind").is_in(["SUBSIDY", "CONTRIBUTION"])
        & (pl.col("solidarity_share") != 0)
    ).select(
        "agreement",
        _class_key(),
        (pl.col("solidarity_kind") == "SUBSIDY").alias("subsidised"),
        pl.col("solidarity_share").cast(pl.Int64).alias("share"),
        pl.col("solidarity_basic").cast(pl.Int64).alias("basic"),
    )
    same_kind = pl.col("tariff_subsidised") == pl.col("subsidised")
    return (
        totals.join(who, on="agreement")
        .join(versions, on="vid")
        .join(published, on=["vid", "class"], how="left")
        .with_columns(
            pl.when(same_kind).then(pl.col("class_price")).alias("published"),
            pl.when(same_kind).then(pl.col("class_fixed_price")).alias("fixed_published"),
        )
        .with_columns(
            (pl.col("version_on_fixed") | pl.col("fixed_published").is_not_null()).alias("on_fixed")
        )
        .drop("tariff_subsidised", "class_price", "class_fixed_price", "version_on_fixed")
    )


def _classes_base(
    tariff: tariffs.Tariff, totals: pl.DataFrame, customers: pl.DataFrame
) -> pl.DataFrame:
    """Solidarity priced by the tariff's own classes and basic quantities by altitude."""
    rows = []
    for vid, version in enumerate(tariff.versions):
        sol = version.solidarity
        if sol is None:
            continue
        fixed_full = _fixed_full(version)
        for key, rules in sol.classes:
            share = -rules.subsidy if rules.subsidy else rules.contribution
            rows.append(
                (
                    vid,
                    key,
                    bool(rules.subsidy),
                    _scaled(share, PRICE, "A subsidy or contribution share"),
                    None if rules.price is None else _scaled(rules.price, PRICE, "A price"),
                    None
                    if rules.fixed_price is None
                    else _scaled(rules.fixed_price, PRICE, "A fixed charge"),
                    fixed_full,
                    sol.on_fixed or rules.fixed_price is not None,
                )
            )
    if not rows:
        return pl.DataFrame()
    classes = pl.DataFrame(
        rows,
        schema={
            "vid": pl.Int32,
            "class": pl.String,
            "subsidised": pl.Boolean,
            "share": pl.Int64,
            "published": pl.Int64,
            "fixed_published": pl.Int64,
            "fixed_full": pl.Int64,
            "on_fixed": pl.Boolean,
        },
        orient="row",
    )
    basic = pl.lit(None, dtype=pl.Int64)
    for vid, version in enumerate(tariff.versions):
        if version.solidarity is None:
            continue
        band = pl.lit(None, dtype=pl.Int64)
        for level in version.solidarity.basic:
            quantity = _scaled(level.quantity, WH, "A basic quantity")
            band = (
                pl.when(pl.col("altitude_m") >= level.from_altitude_m)
                .then(quantity)
                .otherwise(band)
            )
        basic = pl.when(pl.col("vid") == vid).then(band).otherwise(basic)
    who = customers.select("agreement", _class_key(), pl.col("altitude_m").cast(pl.Int64))
    return (
        totals.join(who, on="agreement")
        .join(classes, on=["vid", "class"])
        .with_columns(basic.alias("basic"))
    )


def round_int(numerator: int, denominator: int, rounding: Rounding) -> int:
    """Return N / D rounded to an integer with a named rule (D > 0), in Python integers."""
    quotient, remainder = divmod(abs(numerator), denominator)
    twice = 2 * remainder
    if rounding is Rounding.HALF_UP:
        quotient += twice >= denominator
    elif rounding is Rounding.HALF_EVEN:
        quotient += twice > denominator or (twice == denominator and quotient % 2 == 1)
    elif rounding is Rounding.UP:
        quotient += remainder > 0
    return -quotient if numerator < 0 else quotient


_SAFE = 10**37  # well inside a signed 128-bit integer (about 1.7e38)


def _fits_in_128_bits(base: pl.DataFrame, scale: int) -> bool:
    """
    Whether every product ``_solidarity_columns`` forms stays far inside 128 bits, bounded in
    floating point with a wide margin (exactness is kept by the integers, not by the bound).
    """
    t = pl.col("T").cast(pl.Float64).abs()
    e = pl.col("E").cast(pl.Float64).abs()
    share = pl.col("share").cast(pl.Float64).abs()
    published = pl.col("published").cast(pl.Float64).abs().fill_null(0)
    top = pl.max_horizontal(t, pl.col("basic").cast(pl.Float64).abs().fill_null(0) * pl.col("a"))
    biggest = base.select(
        pl.max_horizontal(
            share * top * e * scale,
            top * (published * t * t + e) * scale,
            pl.col("b").cast(pl.Float64) * t * t * 1e15,
            share * e,
            published * t * t,
            pl.col("fixed_full").cast(pl.Float64).abs() * PRICE * pl.col("a") * scale,
            pl.col("fixed_published").cast(pl.Float64).abs().fill_null(0)
            * PRICE
            * pl.col("a")
            * scale,
        ).max()
    ).item()
    return biggest is None or float(biggest) * 4 < _SAFE


def _solidarity_columns(base: pl.DataFrame, scale: int, rounding: Rounding) -> pl.DataFrame:
    """``_solidarity_lines`` vectorised in 128-bit integers (when ``_fits_in_128_bits``)."""
    wide = base.with_row_index("row").with_columns(
        pl.col(c).cast(I128) for c in ("T", "E", "share", "a", "b", "basic", "published")
    )
    t, e, share = pl.col("T"), pl.col("E"), pl.col("share")
    over_basic = pl.col("subsidised") & (t * pl.col("b") > pl.col("basic") * pl.col("a"))
    wide = wide.with_columns(
        pl.when(over_basic).then(pl.col("basic") * pl.col("a")).otherwise(t).alias("top"),
        pl.when(over_basic).then(pl.col("b")).otherwise(pl.lit(1, dtype=I128)).alias("bottom"),
        pl.when(pl.col("subsidised"))
        .then(pl.lit("SUBSIDY"))
        .otherwise(pl.lit("CONTRIBUTION"))
        .alias("kind"),
        (
            pl.when(pl.col("subsidised"))
            .then(pl.lit("Subsidio "))
            .otherwise(pl.lit("Contribución "))
            + pl.col("class").cast(pl.String)
        ).alias("label"),
    )
    top, bottom = pl.col("top"), pl.col("bottom")
    free = pl.col("published").is_null()
    energy = wide.filter((t != 0) & (e != 0)).select(
        "row",
        pl.lit(0).alias("order"),
        "agreement",
        "month",
        "tariff",
        "kind",
        pl.col("label").alias("description"),
        pl.lit("energy").alias("part"),
        round_div(
            pl.when(free).then(share * top * e).otherwise(top * (pl.col("published") * t * t - e))
            * scale,
            pl.when(free).then(bottom * t * t * 10**15).otherwise(bottom * t * t * 10**9),
            rounding,
        ).alias("amount"),
        round_div(top, bottom, Rounding.HALF_EVEN).alias("quantity_milli"),
        pl.when(free)
        .then(round_div(share * e, t * t * PRICE, Rounding.HALF_EVEN))
        .otherwise(round_div(pl.col("published") * t * t - e, t * t, Rounding.HALF_EVEN))
        .alias("unit_price_micro"),
    )
    full = pl.col("fixed_full").cast(I128)
    fixed_unit = (
        pl.when(pl.col("fixed_published").is_null())
        .then(round_div(full * share, pl.lit(PRICE, dtype=I128), Rounding.HALF_EVEN))
        .otherwise(pl.col("fixed_published").cast(I128) - full)
    )
    fixed_n = (
        pl.when(pl.col("fixed_published").is_null())
        .then(full * share)
        .otherwise((pl.col("fixed_published").cast(I128) - full) * PRICE)
    )
    fixed = wide.filter((pl.col("fixed_full") != 0) & pl.col("on_fixed")).select(
        "row",
        pl.lit(1).alias("order"),
        "agreement",
        "month",
        "tariff",
        "kind",
        (pl.col("label") + " cargo fijo").alias("description"),
        pl.lit("fixed").alias("part"),
        round_div(fixed_n * pl.col("a") * scale, pl.col("b") * PRICE * PRICE, rounding).alias(
            "amount"
        ),
        round_div(pl.col("a") * WH, pl.col("b"), Rounding.HALF_EVEN).alias("quantity_milli"),
        fixed_unit.alias("unit_price_micro"),
    )
    return (
        pl.concat([energy, fixed])
        .sort("row", "order")
        .select(
            pl.col("agreement").cast(pl.String),
            "month",
            "tariff",
            "kind",
            pl.lit("").alias("period"),
            pl.lit("").alias("block"),
            "description",
            "part",
            "amount",
            "quantity_milli",
            "unit_price_micro",
        )
        .cast(COLUMNS)  # type: ignore[arg-type]
    )


def _solidarity_lines(base: pl.DataFrame, scale: int, rounding: Rounding) -> pl.DataFrame:
    # One row per agreement and month: exact fractions in Python integers, which cannot
    # overflow (the subsidised quantity times the average price needs more than 128 bits).
    out: dict[str, list[object]] = {c: [] for c in COLUMNS}

    def emit(
        row: dict[str, object],
        kind: str,
        text: str,
        part: str,
        amount: int,
        quantity: tuple[int, int],
        price: int,
    ) -> None:
        for column, value in (
            ("agreement", str(row["agreement"])),
            ("month", row["month"]),
            ("tariff", row["tariff"]),
            ("kind", kind),
            ("period", ""),
            ("block", ""),
            ("description", text),
            ("part", part),
            ("amount", amount),
            ("quantity_milli", round_int(quantity[0], quantity[1], Rounding.HALF_EVEN)),
            ("unit_price_micro", price),
        ):
            out[column].append(value)

    for row in base.iter_rows(named=True):
        total, numerator, share = int(row["T"]), int(row["E"]), int(row["share"])
        a, b = int(row["a"]), int(row["b"])
        subsidised = bool(row["subsidised"])
        kind = "SUBSIDY" if subsidised else "CONTRIBUTION"
        label = ("Subsidio " if subsidised else "Contribución ") + str(row["class"])
        if subsidised and total * b > int(row["basic"]) * a:
            top, bottom = int(row["basic"]) * a, b
        else:
            top, bottom = total, 1
        if total and numerator:
            # the average (full) price per kWh is numerator / total² (in millionths)
            if row["published"] is None:
                n = share * top * numerator
                d = bottom * total * total * 10**15
                unit = round_int(share * numerator, total * total * PRICE, Rounding.HALF_EVEN)
            else:
                n = top * (int(row["published"]) * total * total - numerator)
                d = bottom * total * total * 10**9
                unit = round_int(
                    int(row["published"]) * total * total - numerator,
                    total * total,
                    Rounding.HALF_EVEN,
                )
            amount = round_int(n * scale, d, rounding)
            emit(row, kind, label, "energy", amount, (top, bottom), unit)
        full = int(row["fixed_full"])
        if full and row["on_fixed"]:
            if row["fixed_published"] is None:
                n = full * share
                unit = round_int(full * share, PRICE, Rounding.HALF_EVEN)
            else:
                n = (int(row["fixed_published"]) - full) * PRICE
                unit = int(row["fixed_published"]) - full
            amount = round_int(n * a * scale, b * PRICE * PRICE, rounding)
            emit(row, kind, label + " cargo fijo", "fixed", amount, (a * WH, b), unit)
    return pl.DataFrame(out, schema=COLUMNS)


def rate_frame(
    *,
    tariff: tariffs.Tariff,
    usage: pl.DataFrame,
    minutes: int,
    customers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """
    Rate many agreements' interval usage at once: one row per charge line, amounts in minor units.

    ``usage``: ``agreement``, ``start`` (aware datetime), ``wh`` (Int64, kWh × 1,000), one
    interval length of ``minutes``. ``customers``: ``agreement``, ``stratum`` (nullable),
    ``use`` and ``altitude_m``, for solidarity rules (the tariff's classes), or with
    ``SOLIDARITY_TERMS`` as well, to price solidarity by those terms (a ``subsidy_factor``
    pack's answers) instead of the classes. Output columns: agreement, month,
    tariff, kind, period, block, description, part, amount.

    :raises BatchNotSupported: if the tariff or its figures need the reference engine.
    :raises NoTariffInForce: if a month falls outside every version.
    """
    version = _check(tariff)
    scale = 10 ** minor_unit(version.currency)
    rounding = version.rounding
    periods, months = summarise_frame(tariff=tariff, usage=usage, minutes=minutes)
    totals = (
        periods.group_by("agreement", "month_key")
        .agg(pl.col("energy").sum().alias("T"), pl.col("n").sum().alias("n"))
        .join(months, on="month_key")
        .with_columns(
            (pl.col("n") * minutes).alias("covered"),
            (pl.col("dim") * 1440).alias("month_minutes"),
        )
    )
    _guard(tariff, totals)
    tiers = _tier_table(tariff)
    energy = (
        periods.join(months.select("month_key", "vid"), on="month_key")
        .join(totals.select("agreement", "month_key", "T"), on=["agreement", "month_key"])
        .filter(pl.col("energy") > 0)
        .join(tiers, on=["vid", "period"])
        .with_columns(
            (
                pl.min_horizontal(pl.col("T"), pl.col("upper").fill_null(pl.col("T")))
                - pl.col("lower")
            ).alias("inside")
        )
        .filter(pl.col("inside") > 0)
        .with_columns(
            (pl.col("inside").cast(I128) * pl.col("energy").cast(I128) * pl.col("price")).alias(
                "E_part"
            )
        )
    )
    numerators = energy.group_by("agreement", "month_key").agg(pl.col("E_part").sum().alias("E"))
    energy = energy.join(
        months.select("month_key", "month", "tariff"), on="month_key"
    ).with_columns(
        (pl.col("E_part") * scale).alias("N"),
        (pl.col("T").cast(I128) * 10**9).alias("D"),
        pl.format("Energy {} {}", "period_name", "block").alias("description"),
    )
    lines = [
        _out(
            energy,
            "ENERGY",
            "energy",
            rounding,
            (pl.col("inside").cast(I128) * pl.col("energy"), pl.col("T")),
            pl.col("price"),
        )
    ]
    fixed_rows = [
        (vid, f.name, _scaled(f.amount, PRICE, "A fixed charge"), f.per is tariffs.FixedBasis.DAY)
        for vid, v in enumerate(tariff.versions)
        for f in v.fixed
    ]
    if fixed_rows:
        fixed_table = pl.DataFrame(
            fixed_rows,
            schema={"vid": pl.Int32, "description": pl.String, "f": pl.Int64, "daily": pl.Boolean},
            orient="row",
        )
        fixed = totals.join(fixed_table, on="vid").with_columns(
            (pl.col("f").cast(I128) * pl.col("covered") * scale).alias("N"),
            (
                pl.when(pl.col("daily")).then(1440).otherwise(pl.col("month_minutes")).cast(I128)
                * PRICE
            ).alias("D"),
            pl.lit("").alias("period_name"),
            pl.lit("").alias("block"),
        )
        lines.append(
            _out(
                fixed,
                "FIXED",
                "fixed",
                rounding,
                (
                    pl.col("covered") * WH,
                    pl.when(pl.col("daily")).then(1440).otherwise(pl.col("month_minutes")),
                ),
                pl.col("f"),
            )
        )
    if customers is not None:
        with_e = totals.join(numerators, on=["agreement", "month_key"], how="left").with_columns(
            pl.col("E").fill_null(0)
        )
        lines += _solidarity_frame(tariff, with_e, customers, scale, rounding)
    out = pl.concat(lines)
    named = totals.with_columns(pl.col("agreement").cast(pl.String))
    out = _minimum(tariff, named, out, scale, rounding)
    return _taxes(tariff, named, out, scale, rounding)


def _minimum(
    tariff: tariffs.Tariff, totals: pl.DataFrame, out: pl.DataFrame, scale: int, rounding: Rounding
) -> pl.DataFrame:
    minimums = [
        (vid, _scaled(v.minimum, PRICE, "A minimum charge"))
        for vid, v in enumerate(tariff.versions)
        if v.minimum
    ]
    if not minimums:
        return out
    table = pl.DataFrame(minimums, schema={"vid": pl.Int32, "minimum": pl.Int64}, orient="row")
    so_far = (
        out.filter(pl.col("kind").is_in(["ENERGY", "DEMAND", "FIXED"]))
        .group_by("agreement", "month")
        .agg(pl.col("amount").sum().alias("so_far"))
    )
    floor = pl.col("minimum").cast(I128) * pl.col("covered") * scale
    paid = pl.col("so_far").cast(I128) * PRICE * pl.col("month_minutes")
    topped = (
        totals.join(table, on="vid")
        .join(so_far, on=["agreement", "month"], how="left")
        .with_columns(pl.col("so_far").fill_null(0))
        .filter(paid < floor)
        .with_columns(
            (floor - paid).alias("N"),
            (pl.col("month_minutes").cast(I128) * PRICE).alias("D"),
            pl.lit("").alias("period_name"),
            pl.lit("").alias("block"),
            pl.lit("Minimum charge top-up").alias("description"),
        )
    )
    share = (pl.col("covered") * WH, pl.col("month_minutes"))
    return pl.concat([out, _out(topped, "MINIMUM", "minimum", rounding, share, pl.col("minimum"))])


def _taxes(
    tariff: tariffs.Tariff, totals: pl.DataFrame, out: pl.DataFrame, scale: int, rounding: Rounding
) -> pl.DataFrame:
    rows = [
        (
            vid,
            i,
            tax.name,
            None if tax.percent is None else _scaled(tax.percent, PRICE, "A tax rate"),
            None if tax.per_unit is None else _scaled(tax.per_unit, PRICE, "A tax rate"),
        )
        for vid, v in enumerate(tariff.versions)
        for i, tax in enumerate(v.taxes)
    ]
    if not rows:
        return out
    table = pl.DataFrame(
        rows,
        schema={
            "vid": pl.Int32,
            "order": pl.Int32,
            "description": pl.String,
            "percent": pl.Int64,
            "per_unit": pl.Int64,
        },
        orient="row",
    )
    base = out.group_by("agreement", "month").agg(pl.col("amount").sum().alias("base"))
    taxed = (
        totals.join(table, on="vid")
        .join(base, on=["agreement", "month"], how="left")
        .with_columns(pl.col("base").fill_null(0))
        .with_columns(
            pl.when(pl.col("percent").is_not_null())
            .then(pl.col("base").cast(I128) * pl.col("percent"))
            .otherwise(pl.col("T").cast(I128) * pl.col("per_unit") * scale)
            .alias("N"),
            pl.when(pl.col("percent").is_not_null())
            .then(pl.lit(100 * PRICE, dtype=I128))
            .otherwise(pl.lit(WH * PRICE, dtype=I128))
            .alias("D"),
            pl.lit("").alias("period_name"),
            pl.lit("").alias("block"),
        )
        .sort("agreement", "month", "order")
    )
    percent = pl.col("percent").is_not_null()
    quantity = (
        pl.when(percent).then(pl.col("base") * WH).otherwise(pl.col("T")),
        pl.when(percent).then(scale).otherwise(1),
    )
    price = (
        pl.when(percent)
        .then(round_div(pl.col("percent").cast(I128), pl.lit(100, dtype=I128), Rounding.HALF_EVEN))
        .otherwise(pl.col("per_unit"))
    )
    return pl.concat([out, _out(taxed, "TAX", "taxes", rounding, quantity, price)])


def _guard(tariff: tariffs.Tariff, totals: pl.DataFrame) -> None:
    if totals.is_empty():
        return
    most = int(totals["T"].max() or 0)  # type: ignore[arg-type]
    prices = [
        abs(t.price) for v in tariff.versions if v.energy for p in v.energy.periods for t in p.tiers
    ]
    top = int(max(prices, default=Decimal(1)) * PRICE) + 1
    if most * most * top * 100 > LIMIT:
        raise BatchNotSupported(
            "Monthly quantities this large are rated by the reference engine",
            details={"largest_wh": most},
        )


def solidarity_of_priced_months(
    *, tariff: tariffs.Tariff, month: date, priced: pl.DataFrame, customers: pl.DataFrame
) -> pl.DataFrame:
    """
    The subsidy or contribution of months already priced, again: for simulations of other terms.

    ``priced``: ``agreement``, ``wh`` (the month's consumption, kWh × 1,000) and ``energy`` (the
    month's energy lines, minor units), the whole month covered; ``customers`` as for
    ``rate_frame`` (with ``SOLIDARITY_TERMS`` to price by terms). Returns ``agreement`` and
    ``amount`` (minor units, signed: a subsidy is negative), one row per agreement with a line.
    The energy lines' rounding carries into the result by less than one minor unit.

    :raises NoTariffInForce: if no version is in force on ``month``.
    """
    version = tariff.in_force(on=month)
    vid = tariff.versions.index(version)
    scale = 10 ** minor_unit(version.currency)
    days = calendar.monthrange(month.year, month.month)[1]
    totals = priced.select(
        "agreement",
        pl.lit(0).alias("month_key"),
        pl.col("wh").cast(pl.Int64).alias("T"),
        pl.lit(days * 1440, dtype=pl.Int64).alias("covered"),
        pl.lit(days * 1440, dtype=pl.Int64).alias("month_minutes"),
        pl.lit(vid, dtype=pl.Int32).alias("vid"),
        # the energy numerator the engine priced, from its rounded amount (T x 10^9 / scale)
        (pl.col("energy").cast(I128) * pl.col("wh").cast(I128) * (10**9 // scale)).alias("E"),
        pl.lit(f"{month:%Y-%m}").alias("month"),
        pl.lit(f"{tariff.code} {version.version}").alias("tariff"),
    )
    lines = _solidarity_frame(tariff, totals, customers, scale, version.rounding)
    key: pl.DataType = customers.schema["agreement"]
    if not lines:
        return pl.DataFrame(schema={"agreement": key, "amount": pl.Int64()})
    return (
        pl.concat(lines)
        .with_columns(pl.col("agreement").cast(key))
        .group_by("agreement", maintain_order=True)
        .agg(pl.col("amount").sum())
    )
