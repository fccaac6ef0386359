"""Append-only Parquet store: one folder per month and meter range, one file per delivery."""

from __future__ import annotations

import bisect
import json
import os
import shutil
import uuid
import zlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from urbis.application.metering import ports
from urbis.domain import metering

RANGES = 64
# A compaction in progress: which files it replaces and the one file that replaces them.
JOURNAL = "compaction.json"
VERSION_ORDER = ("meter", "channel", "start", "recorded_at", "sequence")


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


def _journal(folder: Path) -> dict[str, Any] | None:
    path = folder / JOURNAL
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _live_files(folder: Path) -> list[Path]:
    """
    The files that hold the partition now: while a compaction's new file is in place but
    the files it replaces are not yet removed, the new file alone.
    """
    files = sorted(folder.glob("*.parquet"))
    journal = _journal(folder)
    if journal is not None and (folder / journal["into"]).exists():
        replaced = set(journal["replaces"])
        return [f for f in files if f.name not in replaced]
    return files


def _write_journal(folder: Path, data: dict[str, Any]) -> None:
    temporary = folder / f"{JOURNAL}.tmp"
    temporary.write_text(json.dumps(data))
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    temporary.replace(folder / JOURNAL)


def _finish(folder: Path) -> None:
    """Remove the files a compaction replaced, then its journal."""
    journal = _journal(folder)
    if journal is None:
        return
    for name in journal["replaces"]:
        (folder / name).unlink(missing_ok=True)
    (folder / JOURNAL).unlink()


def _recover(folder: Path) -> None:
    """Finish a compaction whose new file is in place, or forget one that never got there."""
    journal = _journal(folder)
    if journal is not None and (folder / journal["into"]).exists():
        _finish(folder)
    elif journal is not None:
        (folder / JOURNAL).unlink()
    for leftover in folder.glob("*.tmp"):
        leftover.unlink()


def _rows(path: Path) -> int:
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def _meter_bounds(path: Path) -> tuple[str | None, str | None]:
    """The least and greatest meter serial of a file, from its statistics (None: unknown)."""
    metadata = pq.read_metadata(path)
    column = metadata.schema.names.index("meter")
    lows: list[str] = []
    highs: list[str] = []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max:
            return None, None
        lows.append(str(stats.min))
        highs.append(str(stats.max))
    if not lows:
        return None, None
    return min(lows), max(highs)


def _is_sorted(path: Path) -> bool:
    keys = pl.read_parquet(path, columns=list(VERSION_ORDER))
    return keys.equals(keys.sort(list(VERSION_ORDER), maintain_order=True))


class ParquetIntervalStore:
    """Interval versions under ``root/intervals/month=YYYY-MM/range=NN/*.parquet``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "intervals"
        self.data.mkdir(parents=True, exist_ok=True)
        self._counter = root / "intervals.sequence.json"
        # files never change once written (a compaction writes a new one): their meter
        # bounds are read once per store
        self._bounds: dict[str, tuple[str | None, str | None]] = {}

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
            found.extend(_live_files(folder))
        if meters is None:
            return found
        wanted = sorted(meters)
        return [path for path in found if self._may_hold(path, wanted)]

    def _may_hold(self, path: Path, wanted: list[str]) -> bool:
        """
        Whether a file's meter serials (their least and greatest, from its footer) span any
        of these sorted serials: a batch's meters are in few of a month's deliveries, and a
        scan that opens every file to skip it pays for each footer on every batch.
        """
        bounds = self._bounds.get(path.name)
        if bounds is None:
            bounds = _meter_bounds(path)
            self._bounds[path.name] = bounds
        low, high = bounds
        if low is None or high is None:
            return True
        first = bisect.bisect_left(wanted, low)
        return first < len(wanted) and wanted[first] <= high

    def compact(self, *, month: str | None = None) -> tuple[ports.Compaction, ...]:
        """
        Merge each partition's delivery files into one file sorted by meter, channel, start
        and version, keeping every version. The new file is written and synced first; a
        journal then names the files it replaces; it is renamed into place (from then on
        readers see it alone) and the old files are removed. A crash at any step leaves
        either the old files or the new one readable; the next compaction finishes or
        undoes what the journal records. One compaction at a time per store.
        """
        done = []
        for folder in sorted(self.data.glob("month=*/range=*")):
            if month is not None and folder.parent.name != f"month={month}":
                continue
            _recover(folder)
            files = _live_files(folder)
            if len(files) < 2 and (not files or _is_sorted(files[0])):
                continue
            merged = pl.read_parquet(files, schema=metering.INTERVAL_SCHEMA).sort(
                list(VERSION_ORDER), maintain_order=True
            )
            name = f"{uuid.uuid4().hex}.parquet"
            temporary = folder / f"{name}.tmp"
            merged.write_parquet(temporary, statistics=True)
            with temporary.open("rb") as handle:
                os.fsync(handle.fileno())
            if _rows(temporary) != merged.height:
                temporary.unlink()
                raise OSError(f"compaction of {folder} wrote a short file")
            _write_journal(folder, {"replaces": [f.name for f in files], "into": name})
            temporary.rename(folder / name)
            _finish(folder)
            done.append(
                ports.Compaction(
                    partition=f"{folder.parent.name}/{folder.name}",
                    files_before=len(files),
                    rows=merged.height,
                )
            )
        return tuple(done)

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
