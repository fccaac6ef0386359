"""Composition of the metering context's embedded adapters (files under one folder)."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import sqlalchemy as sa

from urbis.adapters.db.meter_directory import DbMeterDirectory, FirstFound
from urbis.adapters.intervals.files import JsonExceptionQueue, JsonMeterDirectory
from urbis.adapters.intervals.parquet import ParquetIntervalStore, ParquetRegisterStore
from urbis.application.metering import ports
from urbis.domain import metering


@attrs.frozen
class MeteringAdapters:
    directory: ports.MeterDirectory
    intervals: ParquetIntervalStore
    registers: ParquetRegisterStore
    exceptions: JsonExceptionQueue
    thresholds: dict[str, metering.Thresholds]


def embedded(
    *, root: Path, engine: sa.Engine | None = None, tenant_code: str = "demo"
) -> MeteringAdapters:
    """
    Adapters over ``root``: meters.json, Parquet partitions, exceptions.json and the VEE
    thresholds per meter class in thresholds.json (defaults when absent). With a database
    engine, meters are looked up there first (the tenant's registered meters), then in
    meters.json (for meters known only by an NMI, say).

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
        directory=JsonMeterDirectory(root / "meters.json")
        if engine is None
        else FirstFound(
            DbMeterDirectory(engine, tenant_code=tenant_code),
            JsonMeterDirectory(root / "meters.json"),
        ),
        intervals=ParquetIntervalStore(root),
        registers=ParquetRegisterStore(root),
        exceptions=JsonExceptionQueue(root / "exceptions.json"),
        thresholds=thresholds,
    )


def for_tenant(*, engine: sa.Engine, data_dir: Path, tenant_code: str) -> MeteringAdapters:
    """A tenant's metering adapters: its own Parquet folder, its meters from the database."""
    return embedded(
        root=data_dir / "metering" / tenant_code, engine=engine, tenant_code=tenant_code
    )
