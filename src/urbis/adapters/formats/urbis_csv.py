"""The urbis CSV layouts for interval reads and register reads (docs/meter-data-formats.md)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from urbis.adapters.formats import units
from urbis.adapters.formats._errors import RejectedFile
from urbis.domain import metering

INTERVAL_COLUMNS = (
    "meter",
    "channel",
    "interval_start",
    "interval_minutes",
    "quantity",
    "unit",
    "quality",
)
REGISTER_COLUMNS = ("meter", "register", "read_at", "value", "unit", "read_type")

QUALITY_CODES: dict[str, str] = {
    "A": "ACTUAL",
    "E": "ESTIMATED",
    "S": "SUBSTITUTED",
    "ACTUAL": "ACTUAL",
    "ESTIMATED": "ESTIMATED",
    "SUBSTITUTED": "SUBSTITUTED",
    "EDITED": "EDITED",
}
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%:z"


def _header(path: Path) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8", errors="replace").strip()
    return [name.strip() for name in first.split(",")] if first else []


def is_register_file(path: Path) -> bool:
    """Whether a CSV file has the register-read header."""
    return tuple(_header(path)) == REGISTER_COLUMNS


def _first_bad(frame: pl.DataFrame, mask: pl.Expr) -> int | None:
    bad = frame.filter(mask)
    return None if bad.is_empty() else int(bad.item(0, "line"))


def _timestamps(frame: pl.DataFrame, column: str, path: Path) -> pl.Expr:
    raw = pl.col(column)
    line = _first_bad(frame, ~raw.str.contains(r"(Z|[+-]\d\d:\d\d)$"))
    if line is not None:
        raise RejectedFile(
            path=str(path), line=line, reason=f"{column} has no UTC offset (e.g. +00:00)"
        )
    text = raw.str.replace(r"Z$", "+00:00")
    parsed = text.str.to_datetime(TIMESTAMP_FORMAT, time_zone="UTC", strict=False, time_unit="us")
    line = _first_bad(frame, parsed.is_null())
    if line is not None:
        raise RejectedFile(
            path=str(path), line=line, reason=f"{column} is not YYYY-MM-DDTHH:MM:SS±HH:MM"
        )
    return parsed


def _read(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    header = _header(path)
    if not header:
        raise RejectedFile(path=str(path), reason="the file is empty")
    if tuple(header) != columns:
        raise RejectedFile(path=str(path), line=1, reason=f"the header must be {','.join(columns)}")
    try:
        frame = pl.read_csv(
            path,
            schema=dict.fromkeys(columns, pl.String()),
            has_header=True,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as error:
        raise RejectedFile(path=str(path), reason=f"malformed CSV ({error})") from error
    if frame.is_empty():
        raise RejectedFile(path=str(path), reason="the file has no reads")
    frame = frame.with_row_index("line", offset=2)
    line = _first_bad(frame, pl.any_horizontal(pl.col(list(columns)).is_null()))
    if line is not None:
        raise RejectedFile(path=str(path), line=line, reason="a field is missing (truncated?)")
    return frame


_OFFSET = re.compile(r"^(Z|([+-])(\d\d):(\d\d))$")


def _offset_minutes(text: str) -> int | None:
    match = _OFFSET.match(text)
    if match is None:
        return None
    if match.group(1) == "Z":
        return 0
    sign = -1 if match.group(2) == "-" else 1
    return sign * (int(match.group(3)) * 60 + int(match.group(4)))


def _fast_intervals(path: Path) -> pl.DataFrame | None:
    """The common case at full speed: typed columns, few distinct offsets, units, flags."""
    if tuple(_header(path)) != INTERVAL_COLUMNS:
        return None
    try:
        frame = pl.read_csv(
            path,
            schema={
                "meter": pl.String(),
                "channel": pl.String(),
                # a file repeats each timestamp once per meter: read as a dictionary of its
                # own (codes from 0), each distinct text is parsed once and rows take its
                # instant by dictionary code
                "interval_start": pl.Categorical(pl.Categories.random()),
                "interval_minutes": pl.Int32(),
                "quantity": pl.Float64(),
                "unit": pl.String(),
                "quality": pl.String(),
            },
            has_header=True,
        )
    except pl.exceptions.PolarsError:
        return None
    if frame.is_empty() or frame.null_count().sum_horizontal().item() != 0:
        return None
    stamps = frame.select(pl.col("interval_start").unique()).select(
        pl.col("interval_start").to_physical().alias("code"),
        pl.col("interval_start").cast(pl.String),
    )
    offsets = {
        text: _offset_minutes(text)
        for text in stamps.get_column("interval_start").str.slice(19).unique().to_list()
    }
    unit_map = {u: units.canonical(u) for u in frame.get_column("unit").unique().to_list()}
    flags = {q: QUALITY_CODES.get(q.strip().upper()) for q in frame.get_column("quality").unique()}
    minutes = frame.get_column("interval_minutes").unique().to_list()
    if (
        any(v is None for v in offsets.values())
        or any(v not in units.ENERGY_OR_VOLUME for v in unit_map.values())
        or any(v is None for v in flags.values())
        or any(m <= 0 or 1440 % m for m in minutes)
        or not frame.get_column("quantity").is_finite().all()
    ):
        return None
    text = pl.col("interval_start")
    naive = text.str.slice(0, 19).str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us")
    shift = text.str.slice(19).replace_strict(offsets, return_dtype=pl.Int64)
    parsed = stamps.select(
        "code", (naive - pl.duration(minutes=shift)).dt.replace_time_zone("UTC").alias("start")
    )
    # instants indexed by dictionary code
    by_code = (
        pl.DataFrame({"code": pl.int_range(int(parsed.get_column("code").max()) + 1, eager=True)})  # type: ignore[arg-type]
        .cast(pl.UInt32)
        .join(parsed, on="code", how="left", maintain_order="left")
        .get_column("start")
    )
    data = frame.select(
        "meter",
        "channel",
        pl.lit(by_code).gather(pl.col("interval_start").to_physical()).alias("start"),
        pl.col("interval_minutes").alias("minutes"),
        "quantity",
        pl.col("unit").replace_strict(unit_map, return_dtype=pl.String),
        pl.col("quality").replace_strict(flags, return_dtype=pl.String),
    )
    if data.get_column("start").null_count():
        return None
    if len(minutes) > 1 or len(unit_map) > 1:
        mixed = data.group_by("meter", "channel").agg(
            (pl.col("minutes").n_unique() > 1) | (pl.col("unit").n_unique() > 1)
        )
        if mixed.get_column("minutes").any():
            return None
    return metering.conform(
        frame=data.with_columns(pl.lit(path.name).alias("source")),
        schema=metering.INTERVAL_SCHEMA,
    )


def read_intervals(path: Path) -> pl.DataFrame:
    """
    Read an urbis interval CSV into the interval schema (quantities in the file's units).

    :raises RejectedFile: naming the line of the first problem: missing offset, unknown
        unit, non-numeric quantity, mixed interval lengths in one channel, bad quality flag.
    """
    fast = _fast_intervals(path)
    if fast is not None:
        return fast
    # Something is wrong (or unusual): the strict path finds the first bad line.
    frame = _read(path, INTERVAL_COLUMNS)
    where = str(path)
    start = _timestamps(frame, "interval_start", path)
    minutes = pl.col("interval_minutes").str.strip_chars().cast(pl.Int32, strict=False)
    line = _first_bad(frame, minutes.is_null() | (minutes <= 0) | (1440 % minutes != 0))
    if line is not None:
        raise RejectedFile(path=where, line=line, reason="interval_minutes must divide a day")
    quantity = pl.col("quantity").str.strip_chars().cast(pl.Float64, strict=False)
    line = _first_bad(frame, quantity.is_null() | ~quantity.is_finite())
    if line is not None:
        raise RejectedFile(path=where, line=line, reason="quantity is not a number")
    unit = pl.col("unit").str.strip_chars().str.to_lowercase()
    allowed = {k: v for k, v in units.CANONICAL.items() if v in units.ENERGY_OR_VOLUME}
    line = _first_bad(frame, ~unit.is_in(list(allowed)))
    if line is not None:
        raise RejectedFile(
            path=where,
            line=line,
            reason=f"unit must be one of {sorted(set(allowed.values()))}",
        )
    quality = pl.col("quality").str.strip_chars().str.to_uppercase()
    line = _first_bad(frame, ~quality.is_in(list(QUALITY_CODES)))
    if line is not None:
        raise RejectedFile(path=where, line=line, reason="quality must be A, E or S")
    data = frame.select(
        "line",
        pl.col("meter").str.strip_chars(),
        pl.col("channel").str.strip_chars(),
        start.alias("start"),
        minutes.alias("minutes"),
        quantity.alias("quantity"),
        unit.replace_strict(allowed).alias("unit"),
        quality.replace_strict(QUALITY_CODES).alias("quality"),
    )
    mixed = data.group_by("meter", "channel").agg(
        pl.col("minutes").n_unique().alias("lengths"),
        pl.col("unit").n_unique().alias("units"),
        pl.col("line").min(),
    )
    line = _first_bad(mixed, pl.col("lengths") > 1)
    if line is not None:
        raise RejectedFile(path=where, line=line, reason="one channel has mixed interval lengths")
    line = _first_bad(mixed, pl.col("units") > 1)
    if line is not None:
        raise RejectedFile(path=where, line=line, reason="one channel has mixed units")
    return metering.conform(
        frame=data.with_columns(pl.lit(path.name).alias("source")),
        schema=metering.INTERVAL_SCHEMA,
    )


def read_registers(path: Path) -> pl.DataFrame:
    """
    Read an urbis register-read CSV into the register schema.

    :raises RejectedFile: naming the line of the first problem.
    """
    frame = _read(path, REGISTER_COLUMNS)
    where = str(path)
    read_at = _timestamps(frame, "read_at", path)
    value = pl.col("value").str.strip_chars().cast(pl.Float64, strict=False)
    line = _first_bad(frame, value.is_null() | (value < 0))
    if line is not None:
        raise RejectedFile(path=where, line=line, reason="value must be a number ≥ 0")
    unit = pl.col("unit").str.strip_chars().str.to_lowercase()
    allowed = {k: v for k, v in units.CANONICAL.items() if v in units.ENERGY_OR_VOLUME}
    line = _first_bad(frame, ~unit.is_in(list(allowed)))
    if line is not None:
        raise RejectedFile(path=where, line=line, reason="unknown unit")
    kinds = [t.value for t in metering.ReadType]
    read_type = pl.col("read_type").str.strip_chars().str.to_uppercase()
    line = _first_bad(frame, ~read_type.is_in(kinds))
    if line is not None:
        raise RejectedFile(path=where, line=line, reason=f"read_type must be one of {kinds}")
    data = frame.select(
        pl.col("meter").str.strip_chars(),
        pl.col("register").str.strip_chars(),
        read_at.alias("read_at"),
        value.alias("value"),
        unit.replace_strict(allowed).alias("unit"),
        read_type.alias("read_type"),
        pl.lit(path.name).alias("source"),
    )
    return metering.conform(frame=data, schema=metering.REGISTER_SCHEMA)


def write_intervals(frame: pl.DataFrame, path: Path) -> None:
    """Write interval reads in the urbis CSV layout."""
    frame.select(
        "meter",
        "channel",
        pl.col("start").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").alias("interval_start"),
        pl.col("minutes").alias("interval_minutes"),
        "quantity",
        "unit",
        pl.col("quality").str.slice(0, 1).alias("quality"),
    ).write_csv(path)
