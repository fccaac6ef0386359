"""Append-only Parquet store: one folder per month and meter range, one file per delivery."""

from __future__ import annotations

import json
import shutil
import uuid
import zlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import polars as pl

from urbis.domain import metering

RANGES = 64


def meter_range(serial: str) -> int:
    """The meter-range partition of a meter (stable across runs and machines)."""
    return zlib.crc32(serial.encode()) % RANGES


def _months(start: datetime | None, end: datetime | None) -> set[str] | None:
    if start is None or end is None:
        return None
    months = set()
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.add(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class ParquetIntervalStore:
    """Interval versions under ``root/intervals/month=YYYY-MM/range=NN/*.parquet``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "intervals"
        self.data.mkdir(parents=True, exist_ok=True)
        self._counter = root / "intervals.sequence.json"

    def next_sequence(self) -> int:
        if not self._counter.exists():
            return 0
        return int(json.loads(self._counter.read_text())["next"])

    def append(self, frame: pl.DataFrame) -> int:
        """Write every partition of a delivery to staging, then move them all in place."""
        if frame.is_empty():
            return 0
        data = metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA)
        mapping = {s: meter_range(s) for s in data.get_column("meter").unique().to_list()}
        keyed = data.with_columns(
            pl.col("start").dt.strftime("%Y-%m").alias("_month"),
            pl.col("meter").replace_strict(mapping, return_dtype=pl.Int64).alias("_range"),
        )
        batch = uuid.uuid4().hex
        staging = self.root / ".staging" / batch
        moves: list[tuple[Path, Path]] = []
        try:
            for (month, bucket), part in keyed.group_by("_month", "_range"):
                folder = f"month={month}/range={int(bucket):02d}"
                target = staging / folder / f"{batch}.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                part.drop("_month", "_range").sort("meter", "channel", "start").write_parquet(
                    target, statistics=True
                )
                moves.append((target, self.data / folder / f"{batch}.parquet"))
            for source, target in moves:
                target.parent.mkdir(parents=True, exist_ok=True)
                source.rename(target)
        except BaseException:
            for _, target in moves:
                target.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        last = int(data.select(pl.col("sequence").max().fill_null(0)).item())
        self._counter.write_text(json.dumps({"next": max(self.next_sequence(), last + 1)}))
        return data.height

    def files(
        self,
        *,
        meters: Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Path]:
        """The partition files that may hold these meters and months."""
        months = _months(start, end)
        ranges = {meter_range(m) for m in meters} if meters is not None else None
        found = []
        for folder in sorted(self.data.glob("month=*/range=*")):
            month = folder.parent.name.removeprefix("month=")
            bucket = int(folder.name.removeprefix("range="))
            if months is not None and month not in months:
                continue
            if ranges is not None and bucket not in ranges:
                continue
            found.extend(sorted(folder.glob("*.parquet")))
        return found

    def scan(
        self,
        *,
        meters: Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> pl.LazyFrame:
        paths = self.files(meters=meters, start=start, end=end)
        if not paths:
            return metering.empty_intervals().lazy()
        frame = pl.scan_parquet(paths, schema=metering.INTERVAL_SCHEMA)
        if meters is not None:
            frame = frame.filter(pl.col("meter").is_in(list(meters)))
        if start is not None:
            frame = frame.filter(pl.col("start") >= start)
        if end is not None:
            frame = frame.filter(pl.col("start") < end)
        return frame


class ParquetRegisterStore:
    """Register read versions as Parquet files (until the database holds them)."""

    def __init__(self, root: Path) -> None:
        self.data = root / "registers"
        self.data.mkdir(parents=True, exist_ok=True)

    def append(self, frame: pl.DataFrame) -> int:
        if frame.is_empty():
            return 0
        data = metering.conform(frame=frame, schema=metering.REGISTER_SCHEMA)
        name = uuid.uuid4().hex
        staging = self.data / f".{name}.tmp"
        data.write_parquet(staging)
        staging.rename(self.data / f"{name}.parquet")
        return data.height

    def scan(self, *, meters: Sequence[str] | None = None) -> pl.LazyFrame:
        paths = sorted(self.data.glob("*.parquet"))
        if not paths:
            return metering.empty_registers().lazy()
        frame = pl.scan_parquet(paths, schema=metering.REGISTER_SCHEMA)
        if meters is not None:
            frame = frame.filter(pl.col("meter").is_in(list(meters)))
        return frame

    def readings_at(
        self, *, at: datetime, as_of: datetime | None = None, meters: Sequence[str] | None = None
    ) -> pl.DataFrame:
        return metering.readings_at(frame=self.scan(meters=meters), at=at, as_of=as_of).collect()
