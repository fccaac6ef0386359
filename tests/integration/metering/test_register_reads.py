"""Register read versions in the database (SQLite and PostgreSQL), and the store's wiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.unit.metering.fakes import FakeMeterDirectory, meter
from urbis import bootstrap
from urbis.adapters.db import metering as db_metering
from urbis.adapters.intervals.parquet import ParquetIntervalStore, ParquetRegisterStore
from urbis.application.metering import operations, ports, queries
from urbis.bootstrap import metering as wiring
from urbis.domain import identity, metering

DAY1 = datetime(2026, 4, 1, tzinfo=UTC)


def register_reads(rows: list[tuple[str, float, str]], *, serial: str = "M1") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "meter": [serial] * len(rows),
            "register": ["1"] * len(rows),
            "read_at": [datetime.fromisoformat(r[0]) for r in rows],
            "value": [r[1] for r in rows],
            "unit": ["kWh"] * len(rows),
            "read_type": [r[2] for r in rows],
        }
    ).with_columns(pl.col("read_at").dt.cast_time_unit("us"))


@pytest.fixture
def store(container: bootstrap.App, tenant: identity.Tenant) -> db_metering.DbRegisterStore:
    return db_metering.DbRegisterStore(container.engine, tenant_id=tenant.id)


def ingest(
    store: ports.RegisterReadStore, rows: list[tuple[str, float, str]], *, as_at: datetime
) -> operations.IngestResult:
    return operations.ingest_register_reads(
        frame=register_reads(rows),
        source="reads.csv",
        directory=FakeMeterDirectory([meter("M1")]),
        store=store,
        as_at=as_at,
    )


class TestDbRegisterStore:
    def test_adds_a_late_customer_read_and_ignores_a_redelivered_one(
        self, store: db_metering.DbRegisterStore
    ) -> None:
        ingest(store, [("2026-03-01T08:00:00+00:00", 1200.0, "ACTUAL")], as_at=DAY1)

        again = ingest(
            store,
            [
                ("2026-03-01T08:00:00+00:00", 1200.0, "ACTUAL"),
                ("2026-02-01T08:00:00+00:00", 1100.0, "CUSTOMER"),
            ],
            as_at=DAY1 + timedelta(days=1),
        )

        assert (again.stored, again.duplicates) == (1, 1)
        stored = metering.latest(frame=store.scan(), key=metering.REGISTER_KEY).collect()
        assert stored.get_column("read_type").to_list() == ["CUSTOMER", "ACTUAL"]
        assert stored.get_column("read_at").to_list() == [
            datetime(2026, 2, 1, 8, tzinfo=UTC),
            datetime(2026, 3, 1, 8, tzinfo=UTC),
        ]

    def test_a_correction_is_a_new_version_seen_only_after_it_was_recorded(
        self, store: db_metering.DbRegisterStore
    ) -> None:
        ingest(store, [("2026-03-01T08:00:00+00:00", 1200.0, "ESTIMATED")], as_at=DAY1)
        ingest(
            store,
            [("2026-03-01T08:00:00+00:00", 1180.0, "ACTUAL")],
            as_at=DAY1 + timedelta(days=2),
        )
        at = datetime(2026, 3, 31, tzinfo=UTC)

        before = store.readings_at(at=at, as_of=DAY1 + timedelta(days=1))
        after = store.readings_at(at=at)

        assert (before.item(0, "value"), before.item(0, "read_type")) == (1200.0, "ESTIMATED")
        assert (after.item(0, "value"), after.item(0, "read_type")) == (1180.0, "ACTUAL")
        assert store.scan().collect().height == 2

    def test_the_reading_at_an_instant_is_the_latest_taken_at_or_before_it(
        self, store: db_metering.DbRegisterStore
    ) -> None:
        ingest(
            store,
            [
                ("2026-01-31T10:00:00+00:00", 1000.0, "ACTUAL"),
                ("2026-02-28T10:00:00+00:00", 1150.0, "ACTUAL"),
                ("2026-03-31T10:00:00+00:00", 1290.0, "CUSTOMER"),
            ],
            as_at=DAY1,
        )

        def value_at(instant: datetime) -> list[float]:
            return store.readings_at(at=instant, meters=["M1"]).get_column("value").to_list()

        assert value_at(datetime(2026, 2, 28, 10, tzinfo=UTC)) == [1150.0]
        assert value_at(datetime(2026, 2, 28, 9, 59, tzinfo=UTC)) == [1000.0]
        assert value_at(datetime(2026, 1, 1, tzinfo=UTC)) == []
        assert store.readings_at(at=DAY1, meters=["OTHER"]).is_empty()

    def test_answers_as_the_parquet_store_does(
        self, store: db_metering.DbRegisterStore, tmp_path: Path
    ) -> None:
        parquet = ParquetRegisterStore(tmp_path)
        deliveries = [
            ([("2026-01-31T10:00:00+00:00", 1000.0, "ACTUAL")], DAY1),
            ([("2026-02-28T10:00:00+00:00", 1150.0, "ESTIMATED")], DAY1 + timedelta(days=1)),
            ([("2026-02-28T10:00:00+00:00", 1140.0, "ACTUAL")], DAY1 + timedelta(days=3)),
            ([("2026-02-15T10:00:00+00:00", 1090.0, "CUSTOMER")], DAY1 + timedelta(days=4)),
        ]
        for rows, as_at in deliveries:
            ingest(store, rows, as_at=as_at)
            ingest(parquet, rows, as_at=as_at)

        for at in (datetime(2026, 2, 20, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)):
            for as_of in (None, DAY1 + timedelta(days=2), DAY1 + timedelta(days=3)):
                assert_frame_equal(
                    store.readings_at(at=at, as_of=as_of),
                    parquet.readings_at(at=at, as_of=as_of),
                )

    def test_rejects_a_read_type_it_does_not_know_and_stores_nothing(
        self, store: db_metering.DbRegisterStore
    ) -> None:
        bad = metering.stamp(
            frame=metering.conform(
                frame=register_reads(
                    [
                        ("2026-03-01T08:00:00+00:00", 1.0, "ACTUAL"),
                        ("2026-03-02T08:00:00+00:00", 2.0, "GUESSED"),
                    ]
                ),
                schema=metering.REGISTER_SCHEMA,
            ),
            recorded_at=DAY1,
            first_sequence=0,
        )

        with pytest.raises(metering.InvalidRead):
            store.append(bad)

        assert store.scan().collect().is_empty()


class TestRegisterUsage:
    def test_pairs_opening_and_closing_readings_across_a_rollover(
        self, store: db_metering.DbRegisterStore
    ) -> None:
        ingest(
            store,
            [
                ("2026-02-28T10:00:00+00:00", 99950.0, "ACTUAL"),
                ("2026-03-31T10:00:00+00:00", 30.0, "ESTIMATED"),
            ],
            as_at=DAY1,
        )
        five_dials = metering.Meter(
            serial="M1",
            meter_class="RES",
            kind=metering.MeterKind.REGISTER,
            multiplier=Decimal(2),
            dials=5,
        )

        usage = queries.register_usage(
            store=store,
            meters=(five_dials,),
            start=datetime(2026, 3, 1, tzinfo=UTC),
            end=datetime(2026, 4, 1, tzinfo=UTC),
        )

        row = usage.row(0, named=True)
        assert (row["previous_value"], row["current_value"]) == (99950.0, 30.0)
        assert (row["advance"], row["consumption"]) == (80.0, 160.0)
        assert (row["new_read"], row["estimated"]) == (True, True)


class TestWiring:
    def test_keeps_a_known_tenants_register_reads_in_the_database(
        self, container: bootstrap.App, tenant: identity.Tenant, tmp_path: Path
    ) -> None:
        adapters = wiring.embedded(
            root=tmp_path,
            engine=container.engine,
            tenant_code=tenant.code,
            interval_store="parquet",
        )

        assert isinstance(adapters.registers, db_metering.DbRegisterStore)
        assert isinstance(adapters.intervals, ParquetIntervalStore)

    def test_picks_the_postgres_interval_store_from_the_setting(
        self,
        container: bootstrap.App,
        tenant: identity.Tenant,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv(wiring.INTERVAL_STORE_SETTING, "postgres")

        if container.engine.dialect.name != "postgresql":
            with pytest.raises(db_metering.IntervalStoreNeedsPostgres):
                wiring.embedded(root=tmp_path, engine=container.engine, tenant_code=tenant.code)
            return
        adapters = wiring.embedded(root=tmp_path, engine=container.engine, tenant_code=tenant.code)
        assert isinstance(adapters.intervals, db_metering.PostgresIntervalStore)

    def test_refuses_an_unknown_setting(
        self, container: bootstrap.App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(wiring.INTERVAL_STORE_SETTING, "cassandra")

        with pytest.raises(wiring.InvalidIntervalStoreSetting, match="cassandra"):
            wiring.embedded(root=tmp_path, engine=container.engine)
