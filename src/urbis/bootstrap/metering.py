"""Composition of the metering context's embedded adapters (files under one folder)."""

from __future__ import annotations

from pathlib import Path

import attrs

from urbis.adapters.intervals.files import JsonExceptionQueue, JsonMeterDirectory
from urbis.adapters.intervals.parquet import ParquetIntervalStore, ParquetRegisterStore


@attrs.frozen
class MeteringAdapters:
    directory: JsonMeterDirectory
    intervals: ParquetIntervalStore
    registers: ParquetRegisterStore
    exceptions: JsonExceptionQueue


def embedded(*, root: Path) -> MeteringAdapters:
    """Adapters over ``root``: meters.json, Parquet partitions, exceptions.json."""
    root.mkdir(parents=True, exist_ok=True)
    return MeteringAdapters(
        directory=JsonMeterDirectory(root / "meters.json"),
        intervals=ParquetIntervalStore(root),
        registers=ParquetRegisterStore(root),
        exceptions=JsonExceptionQueue(root / "exceptions.json"),
    )
