"""
The batch engine: the same residential rules over many homes at once, in Polars, with exact
integer arithmetic (scaled by 10^7) and the tariff's rounding applied once per line, so that it
agrees with the reference engine to the cent.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from urbis.domain import tariffs
from urbis.domain.rating._reference import InvalidUsage
from urbis.kernel.money import Rounding, minor_unit

KWH_SCALE = 3  # consumption in thousandths of a kWh
PRICE_SCALE = 4  # prices in ten-thousandths
SHARE_SCALE = 4


def _scaled(value: Decimal, scale: int) -> int:
    scaled = value.scaleb(scale)
    if scaled != scaled.to_integral_value():
        raise InvalidUsage(f"{value} has more than {scale} decimals")
    return int(scaled)


def _round(expr: pl.Expr, *, scale: int, places: int, rounding: Rounding) -> pl.Expr:
    """Integer amounts at ``scale`` decimals rounded to ``places`` decimals, as integers."""
    unit = 10 ** (scale - places)
    half = unit // 2
    magnitude = expr.abs()
    if rounding is Rounding.HALF_UP:
        rounded = (magnitude + half) // unit
    elif rounding is Rounding.DOWN:
        rounded = magnitude // unit
    elif rounding is Rounding.UP:
        rounded = (magnitude + unit - 1) // unit
    else:  # HALF_EVEN
        quotient, remainder = magnitude // unit, magnitude % unit
        rounded = (
            pl.when(remainder > half)
            .then(quotient + 1)
            .when((remainder == half) & (quotient % 2 == 1))
            .then(quotient + 1)
            .otherwise(quotient)
        )
    return pl.when(expr < 0).then(pl.lit(0, dtype=pl.Int128) - rounded).otherwise(rounded)


def rate_residential_batch(*, version: tariffs.TariffVersion, usage: pl.DataFrame) -> pl.DataFrame:
    """
    Price many homes' monthly energy: ``usage`` has ``account``, ``kwh`` (Decimal-compatible
    text or number with at most 3 decimals, as ``kwh_milli`` integers), ``stratum`` and
    ``altitude_m``. Returns one row per charge line: ``account``, ``kind``, ``quantity_milli``,
    ``amount_minor`` (integer minor units of the tariff's currency).

    :raises InvalidUsage: if a consumption is negative or a stratum is not 1–6.
    """
    energy = version.energy
    places = minor_unit(version.currency)
    if usage.filter((pl.col("kwh_milli") < 0) | ~pl.col("stratum").is_between(1, 6)).height:
        raise InvalidUsage("Consumption cannot be negative and strata run from 1 to 6")
    cost = _scaled(energy.unit_cost, PRICE_SCALE)
    line_scale = KWH_SCALE + PRICE_SCALE
    published = {s: _scaled(p, PRICE_SCALE) for s, p in energy.subsidised_price}
    shares = {s: _scaled(1 - share, SHARE_SCALE) for s, share in energy.subsidy}
    contribution = {s: _scaled(share, SHARE_SCALE) for s, share in energy.contribution}
    frame = usage.select(
        "account",
        pl.col("kwh_milli").cast(pl.Int128),
        pl.col("stratum").cast(pl.Int64),
        pl.col("altitude_m").cast(pl.Int64),
    ).with_columns(
        subsistence_milli=pl.when(pl.col("altitude_m") >= 1000)
        .then(pl.lit(130_000, dtype=pl.Int128))
        .otherwise(pl.lit(173_000, dtype=pl.Int128))
    )

    def money(expr: pl.Expr, scale: int) -> pl.Expr:
        return _round(expr, scale=scale, places=places, rounding=version.rounding)

    energy_lines = frame.select(
        "account",
        pl.lit("ENERGY").alias("kind"),
        pl.col("kwh_milli").alias("quantity_milli"),
        money(pl.col("kwh_milli") * cost, line_scale).alias("amount_minor"),
    )
    covered = pl.min_horizontal("kwh_milli", "subsistence_milli")
    # subsidised price at PRICE_SCALE + SHARE_SCALE decimals, minus the cost at the same scale
    price_published = pl.col("stratum").replace_strict(
        {s: p * 10**SHARE_SCALE for s, p in published.items()}, default=None, return_dtype=pl.Int128
    )
    price_by_share = pl.col("stratum").replace_strict(
        {s: cost * k for s, k in shares.items()}, default=None, return_dtype=pl.Int128
    )
    subsidised = pl.coalesce(price_published, price_by_share)
    subsidy_lines = (
        frame.with_columns(subsidised=subsidised, covered=covered)
        .filter(pl.col("subsidised").is_not_null())
        .select(
            "account",
            pl.lit("SUBSIDY").alias("kind"),
            pl.col("covered").alias("quantity_milli"),
            money(
                pl.col("covered") * (pl.col("subsidised") - cost * 10**SHARE_SCALE),
                line_scale + SHARE_SCALE,
            ).alias("amount_minor"),
        )
    )
    share = pl.col("stratum").replace_strict(contribution, default=None, return_dtype=pl.Int128)
    contribution_lines = (
        frame.with_columns(share=share)
        .filter(pl.col("share").is_not_null())
        .select(
            "account",
            pl.lit("CONTRIBUTION").alias("kind"),
            pl.col("kwh_milli").alias("quantity_milli"),
            money(pl.col("kwh_milli") * cost * pl.col("share"), line_scale + SHARE_SCALE).alias(
                "amount_minor"
            ),
        )
    )
    parts = [energy_lines, subsidy_lines, contribution_lines]
    if energy.fixed_charge:
        fixed = _scaled(energy.fixed_charge, PRICE_SCALE)
        parts.append(
            frame.select(
                "account",
                pl.lit("FIXED").alias("kind"),
                pl.lit(10**KWH_SCALE, dtype=pl.Int128).alias("quantity_milli"),
                money(pl.lit(fixed, dtype=pl.Int128), PRICE_SCALE).alias("amount_minor"),
            )
        )
    return pl.concat(parts).with_columns(pl.col("amount_minor").cast(pl.Int64))
