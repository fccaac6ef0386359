"""A bill run's interval reads from the Parquet store: the latest version of each interval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from urbis.adapters.intervals.parquet import ParquetIntervalStore
from urbis.application.billing.reads import MeteringReadSource
from urbis.domain import billing, metering

PERIOD = billing.billing_period(label="2026-10")
# October in Bogotá, in UTC: its last five hours fall in November's partitions
FIRST = datetime(2026, 10, 1, 5, tzinfo=UTC)
SLOTS = 31 * 24


def delivery(
    store: ParquetIntervalStore, meters: list[str], quantity: float, hours: range, at: datetime
) -> None:
    starts = [FIRST + timedelta(hours=h) for h in hours]
    frame = pl.DataFrame(
        {
            "meter": [m for m in meters for _ in starts],
            "channel": "E1",
            "start": starts * len(meters),
            "minutes": 60,
            "quantity": quantity,
            "unit": "kWh",
            "quality": "ACTUAL",
            "source": "test",
        }
    )
    store.append(
        metering.stamp(
            frame=metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA),
            recorded_at=at,
            first_sequence=store.next_sequence(),
        )
    )


def source(store: ParquetIntervalStore) -> MeteringReadSource:
    return MeteringReadSource(registers=None, intervals=store)  # type: ignore[arg-type]


class TestIntervalUsage:
    def test_reads_every_interval_of_the_month_once_across_deliveries_and_partitions(
        self, tmp_path: Path
    ) -> None:
        store = ParquetIntervalStore(tmp_path)
        at = datetime(2026, 11, 1, tzinfo=UTC)
        delivery(store, ["M1", "M2", "M3"], 0.5, range(SLOTS // 2), at)
        delivery(store, ["M1", "M2", "M3"], 0.25, range(SLOTS // 2, SLOTS), at)
        delivery(store, ["M4"], 9.0, range(SLOTS), at)

        usage = source(store).interval_usage(
            meters=["M1", "M3"], period=PERIOD, timezone="America/Bogota"
        )

        assert usage.height == 2 * SLOTS
        assert usage.group_by("meter").agg(pl.col("quantity").sum()).sort("meter").rows() == [
            ("M1", 0.5 * (SLOTS // 2) + 0.25 * (SLOTS - SLOTS // 2)),
            ("M3", 0.5 * (SLOTS // 2) + 0.25 * (SLOTS - SLOTS // 2)),
        ]

    def test_a_corrected_interval_is_read_as_its_latest_version_only(self, tmp_path: Path) -> None:
        store = ParquetIntervalStore(tmp_path)
        delivery(store, ["M1", "M2"], 0.5, range(SLOTS), datetime(2026, 11, 1, tzinfo=UTC))
        delivery(store, ["M2"], 4.0, range(10, 12), datetime(2026, 11, 2, tzinfo=UTC))

        usage = source(store).interval_usage(
            meters=["M1", "M2"], period=PERIOD, timezone="America/Bogota"
        )

        assert usage.height == 2 * SLOTS
        by_meter = dict(usage.group_by("meter").agg(pl.col("quantity").sum()).rows())
        assert by_meter == {"M1": 0.5 * SLOTS, "M2": 0.5 * (SLOTS - 2) + 8.0}

    def test_one_meters_month_is_read_once_and_its_correction_as_the_latest(
        self, tmp_path: Path
    ) -> None:
        store = ParquetIntervalStore(tmp_path)
        delivery(store, ["M1"], 0.5, range(SLOTS), datetime(2026, 11, 1, tzinfo=UTC))
        before = source(store).interval_usage(
            meters=["M1"], period=PERIOD, timezone="America/Bogota"
        )
        delivery(store, ["M1"], 2.0, range(3), datetime(2026, 11, 2, tzinfo=UTC))

        after = source(store).interval_usage(
            meters=["M1"], period=PERIOD, timezone="America/Bogota"
        )

        assert (before.height, before["quantity"].sum()) == (SLOTS, 0.5 * SLOTS)
        assert (after.height, after["quantity"].sum()) == (SLOTS, 0.5 * (SLOTS - 3) + 6.0)
