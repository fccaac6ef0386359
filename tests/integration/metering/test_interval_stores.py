"""
The interval store contract, on the Parquet store and on the PostgreSQL partitioned table.

The unit suite's ingest, VEE and editing tests (``TestIngestIntervals``, ``TestExceptionsQueue``)
are collected here again, so they run against both stores through the ``interval_store``
fixture below.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.unit.metering.fakes import FakeMeterDirectory, meter
from tests.unit.metering.test_vee import TestExceptionsQueue
from tests.unit.metering.test_versions import TestIngestIntervals, reads
from urbis import bootstrap
from urbis.adapters.db import metering as db_metering
from urbis.adapters.intervals.parquet import ParquetIntervalStore
from urbis.application.metering import operations, ports, queries
from urbis.domain import metering

__all__ = ["TestExceptionsQueue", "TestIngestIntervals"]

AS_AT = datetime(2026, 4, 2, tzinfo=UTC)
_ENGINES: dict[str, sa.Engine] = {}

StoreFactory = Callable[[], ports.IntervalStore]


def _postgres_engine(url: str) -> sa.Engine:
    if url not in _ENGINES:
        _ENGINES[url] = bootstrap.build(url=url, secret="s" * 40).engine
    return _ENGINES[url]


@pytest.fixture(params=["parquet", "postgres"])
def new_store(request: pytest.FixtureRequest) -> Iterator[StoreFactory]:
    """Makes empty stores: Parquet folders, or PostgreSQL stores of fresh tenants."""
    if request.param == "parquet":
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            yield lambda: ParquetIntervalStore(root / secrets.token_hex(4))
        return
    engine = _postgres_engine(request.getfixturevalue("postgres_url"))
    yield lambda: db_metering.PostgresIntervalStore(engine, tenant_id=secrets.token_hex(8))


@pytest.fixture
def interval_store(new_store: StoreFactory) -> ports.IntervalStore:
    return new_store()


def versions(
    rows: list[tuple[str, datetime, float | None]], *, sequence: int = 0, quality: str = "ACTUAL"
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "meter": [r[0] for r in rows],
            "channel": ["E1"] * len(rows),
            "start": [r[1] for r in rows],
            "minutes": [15] * len(rows),
            "quantity": [r[2] for r in rows],
            "unit": ["kWh"] * len(rows),
            "quality": [quality] * len(rows),
        },
        schema_overrides={"quantity": pl.Float64},
    )
    return metering.stamp(
        frame=metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA),
        recorded_at=AS_AT,
        first_sequence=sequence,
    )


class TestIntervalStoreContract:
    def test_gives_back_exactly_what_it_was_given(
        self, interval_store: ports.IntervalStore
    ) -> None:
        written = versions(
            [
                ("A1", datetime(2026, 1, 31, 23, 45, tzinfo=UTC), 0.1),
                ("A1", datetime(2026, 2, 1, 0, 0, 0, 123456, tzinfo=UTC), 1 / 3),
                ("B2", datetime(2026, 2, 14, 7, 30, tzinfo=UTC), None),
            ]
        ).with_columns(
            pl.Series("method", [None, "LINEAR", ""]),
            pl.Series("reason", ['meter "swapped", then read', None, "x\ny"]),
        )

        interval_store.append(written)

        back = interval_store.scan().collect().sort("meter", "start")
        assert_frame_equal(back, written.sort("meter", "start"))

    def test_scans_half_open_spans_of_the_meters_asked_for(
        self, interval_store: ports.IntervalStore
    ) -> None:
        march = datetime(2026, 3, 1, tzinfo=UTC)
        interval_store.append(
            versions(
                [
                    ("A1", march - timedelta(minutes=15), 1.0),
                    ("A1", march, 2.0),
                    ("B2", march, 3.0),
                    ("A1", march + timedelta(days=31), 4.0),
                ]
            )
        )

        found = interval_store.scan(
            meters=["A1"], start=march, end=datetime(2026, 4, 1, tzinfo=UTC)
        )

        assert found.collect().get_column("quantity").to_list() == [2.0]
        assert interval_store.scan(meters=["Z9"]).collect().is_empty()
        assert interval_store.scan(end=march).collect().get_column("quantity").to_list() == [1.0]

    def test_numbers_versions_after_every_stored_one(
        self, interval_store: ports.IntervalStore
    ) -> None:
        assert interval_store.next_sequence() == 0

        interval_store.append(
            versions([("A1", AS_AT, 1.0), ("A1", AS_AT + timedelta(hours=1), 2.0)], sequence=7)
        )

        assert interval_store.next_sequence() == 9

    def test_latest_version_as_of_an_instant(self, interval_store: ports.IntervalStore) -> None:
        start = datetime(2026, 3, 1, tzinfo=UTC)
        interval_store.append(versions([("A1", start, 1.0)]))
        corrected = versions([("A1", start, 5.0)], sequence=1, quality="EDITED").with_columns(
            pl.lit(AS_AT + timedelta(days=1)).cast(pl.Datetime("us", "UTC")).alias("recorded_at")
        )
        interval_store.append(corrected)

        def as_of(instant: datetime) -> list[float]:
            frame = queries.reads_as_of(
                store=interval_store,
                meters=("A1",),
                start=start,
                end=start + timedelta(days=1),
                as_of=instant,
            )
            return frame.get_column("quantity").to_list()

        assert (as_of(AS_AT), as_of(AS_AT + timedelta(days=1))) == ([1.0], [5.0])
        assert interval_store.scan().collect().height == 2


class TestVersionsThroughEveryStore:
    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        order=st.permutations(list(range(6))),
        repeats=st.lists(st.integers(0, 5), max_size=4),
    )
    def test_out_of_order_and_repeated_deliveries_never_double_count(
        self, new_store: StoreFactory, order: list[int], repeats: list[int]
    ) -> None:
        store = new_store()  # a fresh, empty store for every example
        values = [float(i + 1) for i in range(6)]
        full = reads(values)
        directory = FakeMeterDirectory([meter("M1")])

        for n, i in enumerate([*order, *repeats]):
            operations.ingest_intervals(
                frame=full[i : i + 1],
                source=f"delivery-{n}",
                directory=directory,
                store=store,
                as_at=AS_AT + timedelta(minutes=n),
            )

        latest = metering.latest(frame=store.scan()).collect()
        assert latest.get_column("quantity").sum() == pytest.approx(sum(values))
        assert store.scan().collect().height == 6


class TestPostgresIntervalStore:
    @pytest.fixture
    def store(self, postgres_url: str) -> db_metering.PostgresIntervalStore:
        engine = _postgres_engine(postgres_url)
        return db_metering.PostgresIntervalStore(engine, tenant_id=secrets.token_hex(8))

    def test_creates_a_partition_per_month_on_demand(
        self, store: db_metering.PostgresIntervalStore
    ) -> None:
        store.append(
            versions(
                [
                    ("A1", datetime(2031, 12, 31, 23, 45, tzinfo=UTC), 1.0),
                    ("A1", datetime(2032, 1, 1, tzinfo=UTC), 2.0),
                ]
            )
        )

        assert {"interval_reads_2031_12", "interval_reads_2032_01"} <= set(store.partitions())
        assert "interval_reads_2032_02" not in store.partitions()

    def test_a_load_that_fails_stores_nothing_in_any_month(
        self, store: db_metering.PostgresIntervalStore
    ) -> None:
        february = datetime(2033, 2, 1, tzinfo=UTC)
        store.append(versions([("A1", february, 1.0)], sequence=0))
        # the same key and sequence again breaks the primary key in February, after March's
        # rows were copied in the same transaction
        clash = versions(
            [("A1", february + timedelta(days=28), 9.0), ("A1", february, 1.0)], sequence=0
        ).with_columns(pl.Series("sequence", [5, 0]))

        with pytest.raises(db_metering.IntervalVersionExists):
            store.append(clash)

        assert store.scan().collect().get_column("quantity").to_list() == [1.0]
        assert store.next_sequence() == 1

    def test_keeps_tenants_apart(self, postgres_url: str) -> None:
        engine = _postgres_engine(postgres_url)
        mine = db_metering.PostgresIntervalStore(engine, tenant_id="T-MINE-" + secrets.token_hex(4))
        theirs = db_metering.PostgresIntervalStore(
            engine, tenant_id="T-THEIRS-" + secrets.token_hex(4)
        )

        mine.append(versions([("A1", AS_AT, 1.0)]))

        assert theirs.scan().collect().is_empty()
        assert theirs.next_sequence() == 0

    def test_refuses_a_database_that_is_not_postgres(self, tmp_path: Path) -> None:
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")

        with pytest.raises(db_metering.IntervalStoreNeedsPostgres):
            db_metering.PostgresIntervalStore(engine, tenant_id="T1")
