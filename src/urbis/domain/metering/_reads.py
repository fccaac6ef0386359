"""Interval and register reads: schema, provenance and versions (append-only, as-of queries)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs
import polars as pl

from urbis.kernel import errors


class Quality(enum.Enum):
    """Where a value came from: the meter, an estimate, a person, or another source."""

    ACTUAL = "ACTUAL"
    ESTIMATED = "ESTIMATED"
    EDITED = "EDITED"
    SUBSTITUTED = "SUBSTITUTED"


class ReadType(enum.Enum):
    """Who took a register read."""

    ACTUAL = "ACTUAL"
    CUSTOMER = "CUSTOMER"
    ESTIMATED = "ESTIMATED"


class MeterKind(enum.Enum):
    REGISTER = "REGISTER"
    INTERVAL = "INTERVAL"


class UnknownMeter(errors.NotFound):
    code = "unknown_meter"


class InvalidRead(errors.InvalidValue):
    code = "invalid_read"


@attrs.frozen
class Meter:
    """What urbis knows about a meter when it reads: identity, class and register facts."""

    serial: str
    meter_class: str
    kind: MeterKind
    multiplier: Decimal = Decimal(1)
    dials: int = 6
    nmi: str | None = None


# One row per interval value version. ``recorded_at`` is when urbis stored the version; the
# latest version as of an instant is the row with the greatest (recorded_at, sequence).
INTERVAL_SCHEMA: dict[str, pl.DataType] = {
    "meter": pl.String(),
    "channel": pl.String(),
    "start": pl.Datetime("us", "UTC"),
    "minutes": pl.Int32(),
    "quantity": pl.Float64(),
    "unit": pl.String(),
    "quality": pl.String(),
    "method": pl.String(),
    "source": pl.String(),
    "actor": pl.String(),
    "reason": pl.String(),
    "recorded_at": pl.Datetime("us", "UTC"),
    "sequence": pl.Int64(),
}

KEY = ("meter", "channel", "start")
_CONTENT = ("minutes", "quantity", "unit", "quality")

REGISTER_SCHEMA: dict[str, pl.DataType] = {
    "meter": pl.String(),
    "register": pl.String(),
    "read_at": pl.Datetime("us", "UTC"),
    "value": pl.Float64(),
    "consumption": pl.Float64(),
    "unit": pl.String(),
    "read_type": pl.String(),
    "source": pl.String(),
    "recorded_at": pl.Datetime("us", "UTC"),
    "sequence": pl.Int64(),
}

REGISTER_KEY = ("meter", "register", "read_at")
_REGISTER_CONTENT = ("value", "read_type")


def empty_intervals() -> pl.DataFrame:
    """An interval frame with no rows and the canonical schema."""
    return pl.DataFrame(schema=INTERVAL_SCHEMA)


def empty_registers() -> pl.DataFrame:
    """A register-read frame with no rows and the canonical schema."""
    return pl.DataFrame(schema=REGISTER_SCHEMA)


def conform(*, frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """
    Return the frame with exactly the schema's columns, in order, missing ones as nulls.

    :raises InvalidRead: if a column cannot be cast to its type.
    """
    columns = []
    for name, dtype in schema.items():
        if name in frame.columns:
            columns.append(pl.col(name).cast(dtype, strict=True))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    try:
        return frame.select(columns)
    except pl.exceptions.PolarsError as error:
        raise InvalidRead(f"Reads do not fit the interval schema: {error}") from error


def stamp(*, frame: pl.DataFrame, recorded_at: datetime, first_sequence: int) -> pl.DataFrame:
    """
    Mark a batch as one version: its recording instant and increasing sequence numbers.

    :raises InvalidRead: if ``recorded_at`` is naive.
    """
    if recorded_at.tzinfo is None:
        raise InvalidRead("recorded_at must be timezone-aware")
    return frame.with_columns(
        pl.lit(recorded_at).cast(pl.Datetime("us", "UTC")).alias("recorded_at"),
        (pl.int_range(pl.len(), dtype=pl.Int64) + first_sequence).alias("sequence"),
    )


def latest(
    *, frame: pl.LazyFrame, as_of: datetime | None = None, key: tuple[str, ...] = KEY
) -> pl.LazyFrame:
    """
    Keep, for each key, the latest version recorded at or before ``as_of`` (all if None).

    Duplicated deliveries are versions of one key, so totals over the result never
    double count.
    """
    if as_of is not None:
        frame = frame.filter(pl.col("recorded_at") <= as_of)
    # One sort by key then version puts each key's versions together, latest last: keeping
    # each run's last row gives the answer already in key order (a sort by version, a
    # group-by and a sort by key did the same work three times over).
    last_of_key = pl.any_horizontal(
        [pl.col(name).ne_missing(pl.col(name).shift(-1)) for name in key]
    ) | (pl.int_range(pl.len()) == pl.len() - 1)
    return frame.sort([*key, "recorded_at", "sequence"]).filter(last_of_key)


def new_versions(
    *,
    existing: pl.LazyFrame,
    incoming: pl.DataFrame,
    key: tuple[str, ...] = KEY,
    content: tuple[str, ...] = _CONTENT,
) -> pl.DataFrame:
    """
    Keep the incoming rows that change something: a new key, or a new value for a key.

    A re-delivery of what the store already holds as latest (same key, same content) is
    dropped, so at-least-once delivery and repeated imports add nothing.
    """
    incoming = incoming.unique(subset=[*key, *content], keep="first", maintain_order=True)
    current = latest(frame=existing, key=key).select([*key, *content]).collect()
    if current.is_empty():
        return incoming
    same = incoming.join(current, on=[*key, *content], how="semi", nulls_equal=True)
    return incoming.join(same.select(list(key)), on=list(key), how="anti")


def readings_at(
    *, frame: pl.LazyFrame, at: datetime, as_of: datetime | None = None
) -> pl.LazyFrame:
    """
    Per meter and register, the latest read taken at or before ``at``, in its latest version
    recorded at or before ``as_of`` (all versions if None): the reading a bill starts or
    ends on.
    """
    current = latest(frame=frame.filter(pl.col("read_at") <= at), as_of=as_of, key=REGISTER_KEY)
    return (
        current.sort("read_at")
        .group_by("meter", "register", maintain_order=False)
        .last()
        .sort("meter", "register")
    )


def register_advances(
    *, previous: pl.DataFrame, current: pl.DataFrame, meters: pl.DataFrame
) -> pl.DataFrame:
    """
    Pair each register's opening and closing readings of a period and derive its usage.

    ``previous`` and ``current`` are readings (register schema) at the period's start and end;
    ``meters`` has ``meter``, ``multiplier`` and ``dials``. Returns one row per register with a
    closing reading: both readings and their read types, ``advance`` in dial units (a fall that
    needs less than half the dial range to wrap around is a rollover), ``consumption``
    (advance × multiplier), ``new_read`` (false when no read was taken in the period, so the
    advance is zero) and ``estimated`` (either reading is an estimate). A register without an
    opening reading has a null advance: it cannot be billed from registers alone.
    """
    opening = previous.select(
        "meter",
        "register",
        pl.col("read_at").alias("previous_read_at"),
        pl.col("value").alias("previous_value"),
        pl.col("read_type").alias("previous_read_type"),
    )
    paired = (
        current.select(
            "meter",
            "register",
            "unit",
            pl.col("read_at").alias("current_read_at"),
            pl.col("value").alias("current_value"),
            pl.col("read_type").alias("current_read_type"),
        )
        .join(opening, on=["meter", "register"], how="left")
        .join(meters.select("meter", "multiplier", "dials"), on="meter", how="left")
    )
    raw = pl.col("current_value") - pl.col("previous_value")
    capacity = pl.lit(10.0) ** pl.col("dials")
    rolled = (raw < 0) & (raw + capacity < capacity / 2)
    estimated = ReadType.ESTIMATED.value
    return (
        paired.with_columns(
            pl.when(rolled).then(raw + capacity).otherwise(raw).alias("advance"),
            (pl.col("current_read_at") > pl.col("previous_read_at")).alias("new_read"),
            (
                (pl.col("current_read_type") == estimated)
                | (pl.col("previous_read_type") == estimated)
            ).alias("estimated"),
        )
        .with_columns((pl.col("advance") * pl.col("multiplier")).alias("consumption"))
        .drop("multiplier", "dials")
        .sort("meter", "register")
    )


def conflicting_duplicates(
    *, frame: pl.DataFrame, key: tuple[str, ...] = KEY, value: str = "quantity"
) -> pl.DataFrame:
    """The keys that a single batch gives two different values for."""
    return (
        frame.unique(subset=[*key, value])
        .group_by(list(key))
        .len()
        .filter(pl.col("len") > 1)
        .sort(list(key))
    )
