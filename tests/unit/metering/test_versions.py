from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.metering.fakes import FakeMeterDirectory, meter
from urbis.application.metering import operations, ports, queries
from urbis.domain import metering

T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY1 = datetime(2026, 3, 2, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, tzinfo=UTC)


def reads(values: list[float], *, serial: str = "M1", quality: str = "ACTUAL") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "meter": [serial] * len(values),
            "channel": ["E1"] * len(values),
            "start": [T0 + timedelta(minutes=30 * i) for i in range(len(values))],
            "minutes": [30] * len(values),
            "quantity": values,
            "unit": ["kWh"] * len(values),
            "quality": [quality] * len(values),
        }
    )


class TestIngestIntervals:
    """Runs on every interval store (tests/integration/metering/test_interval_stores.py)."""

    def test_stores_a_delivery_and_ignores_its_redelivery(
        self, interval_store: ports.IntervalStore
    ) -> None:
        store = interval_store
        directory = FakeMeterDirectory([meter("M1")])

        first = operations.ingest_intervals(
            frame=reads([1.0, 2.0, 3.0]),
            source="a.csv",
            directory=directory,
            store=store,
            as_at=DAY1,
        )
        again = operations.ingest_intervals(
            frame=reads([1.0, 2.0, 3.0]),
            source="a.csv",
            directory=directory,
            store=store,
            as_at=DAY2,
        )

        assert (first.stored, again.stored, again.duplicates) == (3, 0, 3)
        latest = queries.reads_as_of(store=store, meters=("M1",), start=T0, end=DAY1)
        assert latest.get_column("quantity").sum() == pytest.approx(6.0)

    def test_a_correction_adds_a_version_and_as_of_queries_see_either(
        self, interval_store: ports.IntervalStore
    ) -> None:
        store = interval_store
        directory = FakeMeterDirectory([meter("M1")])
        operations.ingest_intervals(
            frame=reads([1.0, 2.0]), source="a", directory=directory, store=store, as_at=DAY1
        )

        operations.ingest_intervals(
            frame=reads([1.0, 5.0], quality="SUBSTITUTED"),
            source="b",
            directory=directory,
            store=store,
            as_at=DAY2,
        )

        before = queries.reads_as_of(store=store, meters=("M1",), start=T0, end=DAY1, as_of=DAY1)
        after = queries.reads_as_of(store=store, meters=("M1",), start=T0, end=DAY1, as_of=DAY2)
        assert before.get_column("quantity").to_list() == [1.0, 2.0]
        assert after.get_column("quantity").to_list() == [1.0, 5.0]
        assert store.scan().collect().height == 4  # nothing overwritten

    def test_rejects_an_unknown_meter_and_stores_nothing(
        self, interval_store: ports.IntervalStore
    ) -> None:
        store = interval_store

        with pytest.raises(metering.UnknownMeter, match="'M9'"):
            operations.ingest_intervals(
                frame=reads([1.0], serial="M9"),
                source="x.csv",
                directory=FakeMeterDirectory([meter("M1")]),
                store=store,
                as_at=DAY1,
            )

        assert store.scan().collect().is_empty()

    def test_rejects_two_values_for_one_interval_in_one_delivery(
        self, interval_store: ports.IntervalStore
    ) -> None:
        store = interval_store
        clash = pl.concat([reads([1.0]), reads([2.0])])

        with pytest.raises(operations.ConflictingReads):
            operations.ingest_intervals(
                frame=clash,
                source="x",
                directory=FakeMeterDirectory([meter("M1")]),
                store=store,
                as_at=DAY1,
            )

        assert store.scan().collect().is_empty()

    def test_names_a_meter_by_its_nmi(self, interval_store: ports.IntervalStore) -> None:
        store = interval_store

        operations.ingest_intervals(
            frame=reads([1.0], serial="NMI123"),
            source="x",
            directory=FakeMeterDirectory([meter("SER1", nmi="NMI123")]),
            store=store,
            as_at=DAY1,
        )

        assert store.scan().collect().get_column("meter").to_list() == ["SER1"]


class TestVersionInvariant:
    @settings(max_examples=30, deadline=None)
    @given(
        order=st.permutations(list(range(6))),
        repeats=st.lists(st.integers(0, 5), max_size=6),
    )
    def test_out_of_order_and_repeated_deliveries_never_double_count(
        self, order: list[int], repeats: list[int]
    ) -> None:
        values = [float(i + 1) for i in range(6)]
        full = reads(values)
        batches = [full[i : i + 1] for i in order] + [full[i : i + 1] for i in repeats]
        existing = metering.empty_intervals()

        for n, batch in enumerate(batches):
            fresh = metering.new_versions(
                existing=existing.lazy(),
                incoming=metering.conform(frame=batch, schema=metering.INTERVAL_SCHEMA),
            )
            stamped = metering.stamp(frame=fresh, recorded_at=DAY1, first_sequence=n * 10)
            existing = pl.concat([existing, stamped])

        total = metering.latest(frame=existing.lazy()).collect().get_column("quantity").sum()
        assert total == pytest.approx(sum(values))
        assert existing.height == 6
