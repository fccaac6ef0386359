"""Composition of the metering context's embedded adapters (files under one folder)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import attrs
import polars as pl
import sqlalchemy as sa

from urbis.adapters.db import metering as db_metering
from urbis.adapters.db import rules as db_rules
from urbis.adapters.db.meter_directory import DbMeterDirectory, FirstFound, meter_classes
from urbis.adapters.intervals.files import JsonExceptionQueue, JsonMeterDirectory
from urbis.adapters.intervals.parquet import ParquetIntervalStore, ParquetRegisterStore
from urbis.application.metering import limits, ports
from urbis.application.rules import answering
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import metering
from urbis.kernel import errors, ids

INTERVAL_STORE_SETTING = "URBIS_INTERVAL_STORE"
INTERVAL_STORES = ("parquet", "postgres")


class InvalidIntervalStoreSetting(errors.InvalidValue):
    code = "invalid_interval_store_setting"


def interval_store_setting() -> str:
    """
    Which interval store serves reads: ``parquet`` (default) or ``postgres``.

    :raises InvalidIntervalStoreSetting: if ``URBIS_INTERVAL_STORE`` names another store.
    """
    chosen = os.environ.get(INTERVAL_STORE_SETTING, "").strip().lower() or "parquet"
    if chosen not in INTERVAL_STORES:
        raise InvalidIntervalStoreSetting(
            f"{INTERVAL_STORE_SETTING}={chosen!r}: the interval store is one of {INTERVAL_STORES}"
        )
    return chosen


@attrs.frozen
class MeteringAdapters:
    directory: ports.MeterDirectory
    intervals: ports.IntervalStore
    registers: ports.RegisterReadStore
    exceptions: JsonExceptionQueue
    thresholds: dict[str, metering.Thresholds]
    # which meter served which agreement (only when the tenant is in the database)
    supply: ports.SupplySpans | None = None
    # the tenant's published vee_thresholds pack in force on a day (only with a database)
    vee_rules: Callable[[date], limits.PublishedLimits | None] | None = None

    def limits(self, *, meters: tuple[metering.Meter, ...], as_of: date) -> limits.VeeLimits:
        """
        The VEE limits for these meters on a day: the published pack's, else the configured
        thresholds (ADR 0036).

        :raises RuleEvaluationFailed: if the pack fails for a class (naming pack, version, node).
        """
        published = self.vee_rules(as_of) if self.vee_rules is not None else None
        return limits.limits_in_force(
            meters=meters, published=published, configured=self.thresholds
        )


def published_vee_limits(
    *, engine: sa.Engine, tenant_id: ids.TenantId
) -> Callable[[date], limits.PublishedLimits | None]:
    """
    The tenant's published ``vee_thresholds`` pack in force on a day (None when none is),
    answered by the process's rule engine once per distinct meter class (ADR 0036).
    """

    def published(as_of: date) -> limits.PublishedLimits | None:
        with engine.connect() as connection:
            pack = answering.version_in_force(
                packs=db_rules.PackRepository(connection),
                tenant_id=tenant_id,
                extension_point="vee_thresholds",
                as_of=as_of,
            )
        if pack is None:
            return None
        rule_engine = rules_wiring.rule_engine()
        return limits.PublishedLimits(
            answer=lambda frame: answering.answer_with(engine=rule_engine, pack=pack, frame=frame),
            source=pack.label,
        )

    return published


def embedded(
    *,
    root: Path,
    engine: sa.Engine | None = None,
    tenant_code: str = "demo",
    interval_store: str | None = None,
) -> MeteringAdapters:
    """
    Adapters over ``root``: meters.json, Parquet partitions, exceptions.json and the VEE
    thresholds per meter class in thresholds.json (defaults when absent; with the tenant in the
    database its published ``vee_thresholds`` pack answers instead, ADR 0036). With a database
    engine, meters are looked up there first (the tenant's registered meters), then in
    meters.json (for meters known only by an NMI, say); when the tenant is in the database,
    its register reads are kept there (ADR 0025). Interval reads go to Parquet under ``root``
    or, with ``interval_store="postgres"`` (default: ``URBIS_INTERVAL_STORE``), to the
    tenant's rows of the partitioned PostgreSQL table (ADR 0024).

    :raises InvalidThresholds: if thresholds.json names unknown thresholds or bad values.
    :raises InvalidIntervalStoreSetting: if the interval store named is not known.
    :raises IntervalStoreNeedsPostgres: if the PostgreSQL store is asked for without one.
    :raises UnknownTenant: if the PostgreSQL store is asked for a tenant not in the database.
    """
    root.mkdir(parents=True, exist_ok=True)
    settings = root / "thresholds.json"
    thresholds = (
        metering.thresholds_from_data(data=json.loads(settings.read_text()))
        if settings.exists()
        else {}
    )
    kind = (interval_store or interval_store_setting()).strip().lower()
    if kind not in INTERVAL_STORES:
        raise InvalidIntervalStoreSetting(f"Unknown interval store {kind!r}")
    tenant_id = db_metering.tenant_id_for(engine, tenant_code) if engine is not None else None
    intervals: ports.IntervalStore = ParquetIntervalStore(root)
    if kind == "postgres":
        if engine is None:
            raise db_metering.IntervalStoreNeedsPostgres(
                "The PostgreSQL interval store needs a database (URBIS_DATABASE_URL)"
            )
        if tenant_id is None:
            raise db_metering.UnknownTenant(f"No tenant {tenant_code!r} in the database")
        intervals = db_metering.PostgresIntervalStore(engine, tenant_id=tenant_id)
    registers: ports.RegisterReadStore = (
        db_metering.DbRegisterStore(engine, tenant_id=tenant_id)
        if engine is not None and tenant_id is not None
        else ParquetRegisterStore(root)
    )
    return MeteringAdapters(
        directory=JsonMeterDirectory(root / "meters.json")
        if engine is None
        else FirstFound(
            DbMeterDirectory(engine, tenant_code=tenant_code),
            JsonMeterDirectory(root / "meters.json"),
        ),
        intervals=intervals,
        registers=registers,
        exceptions=JsonExceptionQueue(root / "exceptions.json"),
        thresholds=thresholds,
        supply=db_metering.DbSupplySpans(engine, tenant_id=tenant_id)
        if engine is not None and tenant_id is not None
        else None,
        vee_rules=published_vee_limits(engine=engine, tenant_id=ids.TenantId(tenant_id))
        if engine is not None and tenant_id is not None
        else None,
    )


def vee_history(*, engine: sa.Engine, tenant_code: str) -> pl.DataFrame:
    """A tenant's meters as the ``vee_thresholds`` question of each (for simulations)."""
    return limits.meters_history(meter_classes(engine, tenant_code=tenant_code))


def for_tenant(*, engine: sa.Engine, data_dir: Path, tenant_code: str) -> MeteringAdapters:
    """A tenant's metering adapters: its own Parquet folder, its meters from the database."""
    return embedded(
        root=data_dir / "metering" / tenant_code, engine=engine, tenant_code=tenant_code
    )
