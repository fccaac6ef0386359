"""Composition of the metering context's embedded adapters (files under one folder)."""

from __future__ import annotations

import json
from pathlib import Path

import attrs

from urbis.adapters.intervals.files import JsonExceptionQueue, JsonMeterDirectory
from urbis.adapters.intervals.parquet import ParquetIntervalStore, ParquetRegisterStore
from urbis.domain import metering


@attrs.frozen
class MeteringAdapters:
    directory: JsonMeterDirectory
    intervals: ParquetIntervalStore
    registers: ParquetRegisterStore
    exceptions: JsonExceptionQueue
    thresholds: dict[str, metering.Thresholds]


def embedded(*, root: Path) -> MeteringAdapters:
    """
    Adapters over ``root``: meters.json, Parquet partitions, exceptions.json and the VEE
    thresholds per meter class in thresholds.json (defaults when absent).

    :raises InvalidThresholds: if thresholds.json names unknown thresholds or bad values.
    """
    root.mkdir(parents=True, exist_ok=True)
    settings = root / "thresholds.json"
    thresholds = (
        metering.thresholds_from_data(data=json.loads(settings.read_text()))
        if settings.exists()
        else {}
    )
    return MeteringAdapters(
        directory=JsonMeterDirectory(root / "meters.json"),
        intervals=ParquetIntervalStore(root),
        registers=ParquetRegisterStore(root),
        exceptions=JsonExceptionQueue(root / "exceptions.json"),
        thresholds=thresholds,
    )
