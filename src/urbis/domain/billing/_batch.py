"""
The partition function of a bill run: one account batch's agreements, reads and tariffs in,
bills, their lines and the run's exceptions out, as Polars frames (no object per agreement).

Register-read agreements bill the advance between the last read before the period and the last
read inside it (times the meter's multiplier, across a rollover); interval agreements bill the
latest version of each interval in the period. Both are rated by the batch engine: a register
agreement as one interval covering the whole month. Agreements that cannot be rated become
exceptions with a stable reason; nothing is billed for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import attrs
import numpy as np
import polars as pl

from urbis.domain import metering, rating, tariffs
from urbis.domain.billing._bills import REVENUE_KINDS
from urbis.domain.billing._cycles import BillingPeriod
from urbis.domain.billing._solidarity import TERMS_SCHEMA
from urbis.kernel import errors

AGREEMENTS_SCHEMA: dict[str, pl.DataType] = {
    "agreement_id": pl.String(),
    "account_id": pl.String(),
    "service": pl.String(),
    "tariff_code": pl.String(),
    "meter": pl.String(),  # serial; null when the agreement has no meter in the period
    "meter_kind": pl.String(),  # REGISTER or INTERVAL
    "multiplier": pl.Float64(),
    "dials": pl.Int32(),
    "stratum": pl.Int32(),
    "use": pl.String(),  # residential, commercial, ... (tariff solidarity classes)
    "altitude_m": pl.Int32(),
}
READS_SCHEMA: dict[str, pl.DataType] = {
    "meter": pl.String(),
    "read_at": pl.Datetime("us", "UTC"),
    "value": pl.Float64(),
    "read_type": pl.String(),
}
USAGE_SCHEMA: dict[str, pl.DataType] = {
    "meter": pl.String(),
    "start": pl.Datetime("us", "UTC"),
    "minutes": pl.Int32(),
    "quantity": pl.Float64(),
    "quality": pl.String(),
}
BILLS_SCHEMA: dict[str, pl.DataType] = {
    "agreement_id": pl.String(),
    "account_id": pl.String(),
    "service": pl.String(),
    "tariff_code": pl.String(),
    "currency": pl.String(),
    "consumption_milli": pl.Int64(),
    "previous_read": pl.Float64(),
    "current_read": pl.Float64(),
    "estimated": pl.Boolean(),
    "revenue": pl.Int64(),
    "subsidy": pl.Int64(),
    "contribution": pl.Int64(),
    "taxes": pl.Int64(),
    "total": pl.Int64(),
}
LINES_SCHEMA: dict[str, pl.DataType] = {
    "agreement_id": pl.String(),
    "position": pl.Int32(),
    "kind": pl.String(),
    "description": pl.String(),
    "tariff": pl.String(),
    "month": pl.String(),
    "period": pl.String(),
    "block": pl.String(),
    "part": pl.String(),
    "amount": pl.Int64(),
    "quantity_milli": pl.Int64(),  # null when the line has no single quantity
    "unit_price_micro": pl.Int64(),
}
EXCEPTIONS_SCHEMA: dict[str, pl.DataType] = {
    "agreement_id": pl.String(),
    "account_id": pl.String(),
    "reason": pl.String(),
    "detail": pl.String(),
}
MILLI = 1000
_KEY = "_key"  # an agreement's row number in its batch: what the engine sums and joins by
_NO_KEY = 2**32 - 1
_ESTIMATED = (metering.ReadType.ESTIMATED.value,)
_ESTIMATED_QUALITY = (metering.Quality.ESTIMATED.value, metering.Quality.SUBSTITUTED.value)


class ExceptionReason:
    """Why an agreement of a run was not billed (stable codes)."""

    NO_TARIFF = "NO_TARIFF"
    NO_TARIFF_IN_FORCE = "NO_TARIFF_IN_FORCE"
    NO_METER = "NO_METER"
    NO_PREVIOUS_READ = "NO_PREVIOUS_READ"
    NO_CURRENT_READ = "NO_CURRENT_READ"
    NO_INTERVAL_DATA = "NO_INTERVAL_DATA"
    NEEDS_INTERVAL_DATA = "NEEDS_INTERVAL_DATA"
    NOT_RATABLE = "NOT_RATABLE"
    SOLIDARITY_NOT_ANSWERED = "SOLIDARITY_NOT_ANSWERED"
    NO_ALTITUDE = "NO_ALTITUDE"


@attrs.frozen
class BatchResult:
    """What one batch produced: bill headers, their lines, and the exceptions."""

    bills: pl.DataFrame
    lines: pl.DataFrame
    exceptions: pl.DataFrame


def _exceptions(frame: pl.DataFrame, reason: str, detail: str | pl.Expr) -> pl.DataFrame:
    return frame.select(
        "agreement_id",
        "account_id",
        pl.lit(reason).alias("reason"),
        (detail if isinstance(detail, pl.Expr) else pl.lit(detail)).alias("detail"),
    )


def register_determinants(
    *, agreements: pl.DataFrame, reads: pl.DataFrame, start: datetime, end: datetime
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """
    Consumption of register-read agreements in ``[start, end)``: the last read before ``start``
    to the last read inside, times the multiplier, a register that passed 10^dials counted
    across its rollover. Returns (determinants, exceptions).
    """
    before = (
        reads.filter(pl.col("read_at") < start)
        .sort("read_at")
        .group_by("meter")
        .agg(pl.col("value").last().alias("previous_read"))
    )
    inside = (
        reads.filter((pl.col("read_at") >= start) & (pl.col("read_at") < end))
        .sort("read_at")
        .group_by("meter")
        .agg(
            pl.col("value").last().alias("current_read"),
            pl.col("read_type").last().is_in(_ESTIMATED).alias("estimated"),
        )
    )
    joined = agreements.join(before, on="meter", how="left").join(inside, on="meter", how="left")
    no_previous = joined.filter(pl.col("previous_read").is_null())
    no_current = joined.filter(
        pl.col("previous_read").is_not_null() & pl.col("current_read").is_null()
    )
    advance = pl.col("current_read") - pl.col("previous_read")
    rolled = (
        pl.when(advance < 0).then(advance + pl.lit(10.0).pow(pl.col("dials"))).otherwise(advance)
    )
    good = joined.filter(
        pl.col("previous_read").is_not_null() & pl.col("current_read").is_not_null()
    ).with_columns(
        (rolled * pl.col("multiplier") * MILLI).round(0).cast(pl.Int64).alias("consumption_milli")
    )
    problems = pl.concat(
        [
            _exceptions(no_previous, ExceptionReason.NO_PREVIOUS_READ, pl.col("meter")),
            _exceptions(no_current, ExceptionReason.NO_CURRENT_READ, pl.col("meter")),
        ]
    )
    return good, problems


def _keyed_by_meter(usage: pl.DataFrame, keyed: pl.DataFrame) -> pl.DataFrame:
    """
    Usage with each row's agreement key, its meter's rows left out when no agreement reads it.
    Usage comes in runs of one meter (a store keeps a meter's intervals together), so the
    serials are matched once per run, not once per interval: a text join of millions of rows
    costs more than the rest of a batch's determinants.
    """
    meters = keyed.select("meter", _KEY).drop_nulls("meter")
    if meters["meter"].is_duplicated().any():
        # agreements sharing a meter each bill its intervals: a plain join repeats the rows
        return usage.join(meters, on="meter", maintain_order="left")
    runs = usage.select(pl.col("meter").rle()).unnest("meter")
    matched = runs.join(
        meters.rename({"meter": "value"}),
        on="value",
        how="left",
        maintain_order="left",
    )
    per_row = np.repeat(matched[_KEY].fill_null(_NO_KEY).to_numpy(), matched["len"].to_numpy())
    keyed_usage = usage.with_columns(pl.Series(_KEY, per_row, dtype=pl.UInt32))
    if matched[_KEY].null_count():
        return keyed_usage.filter(pl.col(_KEY) != _NO_KEY)
    return keyed_usage


def _needs_intervals(version: tariffs.Version) -> bool:
    """Whether a version prices more than the month's total (time of use or demand)."""
    return (
        (version.energy is not None and len(version.energy.periods) != 1)
        or version.demand is not None
        or version.flat_demand is not None
    )


def interval_usage(
    *,
    agreements: pl.DataFrame,
    usage: pl.DataFrame,
    start: datetime,
    end: datetime,
    per_interval: bool = True,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """
    The period's interval usage of interval agreements (latest version of each interval,
    already chosen by the caller), as the batch engine wants it: agreement, start, minutes,
    wh, with the agreement as its row number in ``agreements`` (an integer the engine sums
    by; the serials are joined once, here). Returns (usage, determinants per agreement,
    exceptions); the determinants carry, for rating a month's total as one row, ``n`` (the
    intervals), ``wh`` (the sum of each interval's Wh, negatives as zero, as the engine counts
    them) and ``first_start``. With ``per_interval=False`` the usage returned is empty (every
    agreement is rated from its determinants).
    """
    keyed = agreements if _KEY in agreements.columns else agreements.with_row_index(_KEY)
    inside = (pl.col("start") >= start) & (pl.col("start") < end)
    if not usage.select(inside.all()).item():
        usage = usage.filter(inside)  # readers usually cut the period already: no copy then
    cut = _keyed_by_meter(usage, keyed)
    wh = (pl.col("quantity") * MILLI).round(0).cast(pl.Int64)
    per = cut.group_by(_KEY).agg(
        (pl.col("quantity").sum() * MILLI).round(0).cast(pl.Int64).alias("consumption_milli"),
        (pl.col("quality").is_in(_ESTIMATED_QUALITY).mean() > 0.5).alias("estimated"),
        pl.col("minutes").first().alias("minutes"),
        pl.len().alias("n"),
        wh.clip(lower_bound=0).sum().alias("wh"),
        pl.col("start").min().alias("first_start"),
    )
    known = keyed.join(per, on=_KEY, how="left", maintain_order="left")
    missing = known.filter(pl.col("consumption_milli").is_null())
    frame = (cut if per_interval else cut.clear()).select(
        pl.col(_KEY).alias("agreement"), "start", "minutes", wh.alias("wh")
    )
    return (
        frame,
        known.filter(pl.col("consumption_milli").is_not_null()),
        _exceptions(missing, ExceptionReason.NO_INTERVAL_DATA, pl.col("meter")),
    )


def _sewer_on_water(
    unmetered: pl.DataFrame, metered: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """
    Unmetered sewer agreements bill the consumption of the account's metered water (the
    Colombian practice: alcantarillado on the acueducto's volume); other unmetered agreements,
    and sewer without metered water, are exceptions.
    """
    water = (
        metered.filter(pl.col("service") == "WATER")
        .select(
            "account_id",
            *(
                c
                for c in ("previous_read", "current_read", "estimated", "consumption_milli")
                if c in metered.columns
            ),
        )
        .unique(subset=["account_id"], keep="first")
    )
    sewer = unmetered.filter(pl.col("service") == "SEWER")
    billed = sewer.join(water, on="account_id", how="inner")
    missing = pl.concat(
        [
            _exceptions(
                unmetered.filter(pl.col("service") != "SEWER"), ExceptionReason.NO_METER, ""
            ),
            _exceptions(
                sewer.join(water, on="account_id", how="anti"),
                ExceptionReason.NO_METER,
                "sewer without metered water",
            ),
        ]
    )
    return billed, missing


def _rate(
    tariff: tariffs.Tariff,
    usage: pl.DataFrame,
    minutes: int,
    customers: pl.DataFrame,
    timezone: str,
) -> pl.DataFrame:
    local = usage.with_columns(pl.col("start").dt.convert_time_zone(timezone))
    return rating.rate_frame(tariff=tariff, usage=local, minutes=minutes, customers=customers)


def bill_batch(
    *,
    agreements: pl.DataFrame,
    reads: pl.DataFrame,
    usage: pl.DataFrame,
    tariffs_by_code: Mapping[str, tariffs.Tariff | None],
    period: BillingPeriod,
    start: datetime,
    end: datetime,
    timezone: str,
    solidarity: pl.DataFrame | None = None,
    sum_first: bool = True,
) -> BatchResult:
    """
    Bill one batch of agreements for a period, columnar end to end.

    ``agreements``, ``reads`` and ``usage`` follow ``AGREEMENTS_SCHEMA``, ``READS_SCHEMA`` and
    ``USAGE_SCHEMA`` (reads and usage: the latest versions, for these agreements' meters);
    ``start``/``end`` are the period's bounds as aware instants; ``timezone`` the utility's zone.
    ``solidarity`` (``TERMS_SCHEMA``, one row per agreement), when given, prices subsidies and
    contributions in place of the tariffs' classes; an agreement without usable terms is an
    exception (``SOLIDARITY_NOT_ANSWERED``), never billed at the tariff's figures.
    Returns bills (``BILLS_SCHEMA``, amounts in minor units), lines and exceptions.

    Interval agreements whose tariff prices only the month's total (one energy period, no
    demand charge) are rated from their month's sum, one row each, the way register agreements
    are; ``sum_first=False`` rates every interval instead (the same bills and lines: the engine
    sums intervals the same way).
    """
    agreements = agreements.select(
        [pl.col(c).cast(t) for c, t in AGREEMENTS_SCHEMA.items()]
    ).with_row_index(_KEY)
    ids = agreements["agreement_id"]
    month_start = start
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    problems: list[pl.DataFrame] = []
    customers = agreements.select(pl.col(_KEY).alias("agreement"), "stratum", "use", "altitude_m")
    if solidarity is not None:
        given = agreements.select(_KEY, "agreement_id", "account_id").join(
            solidarity.select([pl.col(c).cast(t) for c, t in TERMS_SCHEMA.items()]),
            on="agreement_id",
            how="left",
        )
        unanswered = given.filter(
            pl.col("solidarity_problem").is_not_null() | pl.col("solidarity_kind").is_null()
        ).drop(_KEY)
        # unmetered sewer bills its account's water volume: no water bill, no sewer bill
        water = unanswered.join(
            agreements.filter(pl.col("service") == "WATER").select("agreement_id"),
            on="agreement_id",
        ).unique(subset=["account_id"], keep="first")
        sewer = (
            agreements.filter((pl.col("service") == "SEWER") & pl.col("meter").is_null())
            .select("agreement_id", "account_id")
            .join(water.select("account_id", "agreement_id", "solidarity_problem"), on="account_id")
            .select(
                "agreement_id",
                "account_id",
                pl.lit(None, dtype=pl.String).alias("solidarity_kind"),
                pl.lit(None, dtype=pl.Int64).alias("solidarity_share"),
                pl.lit(None, dtype=pl.Int64).alias("solidarity_basic"),
                (
                    pl.lit("billed on the water volume of agreement ")
                    + pl.col("agreement_id_right")
                    + ": "
                    + pl.col("solidarity_problem").fill_null("no subsidy_factor answer")
                ).alias("solidarity_problem"),
            )
        )
        unanswered = pl.concat(
            [unanswered, sewer.join(unanswered, on="agreement_id", how="anti")],
            how="vertical_relaxed",
        )
        problems.append(
            _exceptions(
                unanswered,
                ExceptionReason.SOLIDARITY_NOT_ANSWERED,
                pl.col("solidarity_problem").fill_null("no subsidy_factor answer was given"),
            )
        )
        agreements = agreements.filter(
            ~pl.col("agreement_id").is_in(unanswered["agreement_id"].implode())
        )
        customers = customers.join(
            given.select(
                pl.col(_KEY).alias("agreement"),
                "solidarity_kind",
                "solidarity_share",
                "solidarity_basic",
            ),
            on="agreement",
        )
    bills: list[pl.DataFrame] = []
    lines: list[pl.DataFrame] = []
    metered = agreements
    in_force: dict[str, tariffs.Version] = {}
    for code in sorted(metered["tariff_code"].unique().to_list()):
        group = metered.filter(pl.col("tariff_code") == code)
        tariff = tariffs_by_code.get(code)
        if tariff is None:
            problems.append(_exceptions(group, ExceptionReason.NO_TARIFF, code))
            continue
        try:
            in_force[code] = tariff.in_force(on=period.start)
            tariff.in_force(on=period.end - timedelta(days=1))
        except tariffs.NoTariffInForce as exc:
            problems.append(_exceptions(group, ExceptionReason.NO_TARIFF_IN_FORCE, exc.message))
            in_force.pop(code, None)
    rateable = metered.filter(pl.col("tariff_code").is_in(list(in_force)))
    if solidarity is None:  # the tariffs' classes: their basic quantities go by altitude
        by_altitude = [code for code, version in in_force.items() if version.solidarity]
        unplaced = rateable.filter(
            pl.col("tariff_code").is_in(by_altitude) & pl.col("altitude_m").is_null()
        )
        problems.append(
            _exceptions(
                unplaced,
                ExceptionReason.NO_ALTITUDE,
                "the premise has no altitude: its subsidised quantity depends on it",
            )
        )
        rateable = rateable.filter(
            ~pl.col("agreement_id").is_in(unplaced["agreement_id"].implode())
        )
    no_meter = rateable.filter(pl.col("meter").is_null())
    metered = rateable.filter(pl.col("meter").is_not_null())
    registers = metered.filter(pl.col("meter_kind") == metering.MeterKind.REGISTER.value)
    intervals = metered.filter(pl.col("meter_kind") != metering.MeterKind.REGISTER.value)
    reg_det, reg_problems = register_determinants(
        agreements=registers, reads=reads, start=start, end=end
    )
    iv_usage, iv_det, iv_problems = interval_usage(
        agreements=intervals,
        usage=usage,
        start=start,
        end=end,
        per_interval=not sum_first or any(_needs_intervals(v) for v in in_force.values()),
    )
    problems += [reg_problems, iv_problems]
    sewer, sewer_problems = _sewer_on_water(no_meter, pl.concat([reg_det, iv_det], how="diagonal"))
    problems.append(sewer_problems)
    reg_det = pl.concat([reg_det, sewer], how="diagonal")
    for code, version in in_force.items():
        tariff = tariffs_by_code[code]
        assert tariff is not None
        needs_intervals = _needs_intervals(version)
        reg_group = reg_det.filter(pl.col("tariff_code") == code)
        jobs: list[tuple[pl.DataFrame, pl.DataFrame, int]] = []
        if reg_group.height and needs_intervals:
            problems.append(_exceptions(reg_group, ExceptionReason.NEEDS_INTERVAL_DATA, code))
        elif reg_group.height:
            usage_frame = reg_group.select(
                pl.col(_KEY).alias("agreement"),
                pl.lit(month_start).dt.convert_time_zone("UTC").alias("start"),
                pl.col("consumption_milli").alias("wh"),
            )
            jobs.append((reg_group, usage_frame, period.days * 1440))
        iv_group = iv_det.filter(pl.col("tariff_code") == code)
        if sum_first and not needs_intervals:
            # the month's total is all the tariff prices: one row per agreement, as long as
            # its intervals (so the engine counts the same minutes covered)
            iv_group = iv_group.with_columns((pl.col("n") * pl.col("minutes")).alias("covered"))
            for (covered,), members in iv_group.group_by(["covered"]):
                usage_frame = members.select(
                    pl.col(_KEY).alias("agreement"), pl.col("first_start").alias("start"), "wh"
                )
                jobs.append((members, usage_frame, int(covered)))
        else:
            for (minutes,), members in iv_group.group_by(["minutes"]):
                usage_frame = iv_usage.filter(
                    pl.col("agreement").is_in(members[_KEY].implode())
                ).drop("minutes")
                jobs.append((members, usage_frame, int(minutes)))
        for members, usage_frame, minutes in jobs:
            try:
                rated = _rate(tariff, usage_frame, minutes, customers, timezone)
            except errors.DomainError as exc:
                problems.append(
                    _exceptions(members, ExceptionReason.NOT_RATABLE, f"{exc.code}: {exc.message}")
                )
                continue
            # the engine names agreements as text: back to the key, then to the agreement's id
            rated = rated.with_columns(pl.col("agreement").cast(pl.UInt32))
            lines.append(
                rated.select(
                    pl.lit(ids).gather(pl.col("agreement")).alias("agreement_id"),
                    pl.int_range(pl.len(), dtype=pl.Int32).over("agreement").alias("position"),
                    "kind",
                    "description",
                    "tariff",
                    "month",
                    "period",
                    "block",
                    "part",
                    "amount",
                    "quantity_milli",
                    "unit_price_micro",
                )
            )
            sums = rated.group_by("agreement").agg(
                pl.col("amount").filter(pl.col("kind").is_in(REVENUE_KINDS)).sum().alias("revenue"),
                (-pl.col("amount").filter(pl.col("kind") == "SUBSIDY").sum()).alias("subsidy"),
                pl.col("amount")
                .filter(pl.col("kind") == "CONTRIBUTION")
                .sum()
                .alias("contribution"),
                pl.col("amount").filter(pl.col("kind") == "TAX").sum().alias("taxes"),
                pl.col("amount").sum().alias("total"),
            )
            bills.append(
                members.with_columns(
                    pl.lit(version.currency).alias("currency"),
                    *(
                        pl.lit(None, dtype=pl.Float64).alias(c)
                        for c in ("previous_read", "current_read")
                        if c not in members.columns
                    ),
                )
                .join(sums, left_on=_KEY, right_on="agreement", how="left")
                .with_columns(
                    pl.col(c).fill_null(0)
                    for c in ("revenue", "subsidy", "contribution", "taxes", "total")
                )
                .select([pl.col(c).cast(t) for c, t in BILLS_SCHEMA.items()])
            )
    return BatchResult(
        bills=pl.concat(bills) if bills else pl.DataFrame(schema=BILLS_SCHEMA),
        lines=pl.concat(lines).cast(LINES_SCHEMA)  # type: ignore[arg-type]
        if lines
        else pl.DataFrame(schema=LINES_SCHEMA),
        exceptions=pl.concat(problems).cast(EXCEPTIONS_SCHEMA)  # type: ignore[arg-type]
        if problems
        else pl.DataFrame(schema=EXCEPTIONS_SCHEMA),
    )
