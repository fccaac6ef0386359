from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.unit.metering.fakes import FakeExceptionQueue, FakeMeterDirectory, Ids, meter
from urbis.adapters.formats import nem
from urbis.adapters.intervals.parquet import ParquetIntervalStore, ParquetRegisterStore, meter_range
from urbis.application.metering import operations
from urbis.domain import metering

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "meter_interval"
AS_AT = datetime(2026, 4, 2, tzinfo=UTC)


def register_reads(rows: list[tuple[str, float, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "meter": ["M1"] * len(rows),
            "register": ["1"] * len(rows),
            "read_at": [datetime.fromisoformat(r[0]) for r in rows],
            "value": [r[1] for r in rows],
            "unit": ["kWh"] * len(rows),
            "read_type": [r[2] for r in rows],
        }
    ).with_columns(pl.col("read_at").dt.cast_time_unit("us"))


class TestIngestRegisterReads:
    def test_adds_a_late_customer_read_and_ignores_a_redelivered_one(self, tmp_path: Path) -> None:
        store = ParquetRegisterStore(tmp_path)
        directory = FakeMeterDirectory([meter("M1")])
        first = register_reads([("2026-03-01T08:00:00+00:00", 1200.0, "ACTUAL")])
        operations.ingest_register_reads(
            frame=first, source="a", directory=directory, store=store, as_at=AS_AT
        )

        late = register_reads(
            [
                ("2026-03-01T08:00:00+00:00", 1200.0, "ACTUAL"),
                ("2026-02-01T08:00:00+00:00", 1100.0, "CUSTOMER"),
            ]
        )
        result = operations.ingest_register_reads(
            frame=late,
            source="portal",
            directory=directory,
            store=store,
            as_at=AS_AT + timedelta(days=1),
        )

        assert (result.stored, result.duplicates) == (1, 1)
        stored = metering.latest(frame=store.scan(), key=metering.REGISTER_KEY).collect()
        assert stored.get_column("read_type").to_list() == ["CUSTOMER", "ACTUAL"]

    def test_rejects_an_unknown_read_type(self, tmp_path: Path) -> None:
        reads = register_reads([("2026-03-01T08:00:00+00:00", 1.0, "GUESSED")])

        with pytest.raises(metering.InvalidRead, match="GUESSED"):
            operations.ingest_register_reads(
                frame=reads,
                source="x",
                directory=FakeMeterDirectory([meter("M1")]),
                store=ParquetRegisterStore(tmp_path),
                as_at=AS_AT,
            )

    @pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")
    def test_stores_nem13_reads_under_the_meter_known_by_serial(self, tmp_path: Path) -> None:
        read = nem.read_nem(
            DATA / "nem12_examples" / "unzipped" / "Example_NEM13_forward_estimate.csv"
        )
        store = ParquetRegisterStore(tmp_path)
        directory = FakeMeterDirectory([meter("MET12345"), meter("MET5678")])

        result = operations.ingest_register_reads(
            frame=read.registers, source="nem13", directory=directory, store=store, as_at=AS_AT
        )

        assert result.stored == 2
        assert sorted(store.scan().collect().get_column("meter").to_list()) == [
            "MET12345",
            "MET5678",
        ]


class TestParquetIntervalStore:
    def test_partitions_by_month_and_meter_range_and_prunes_on_scan(self, tmp_path: Path) -> None:
        store = ParquetIntervalStore(tmp_path)
        starts = [datetime(2026, 1, 31, 23, 45, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)]
        frame = pl.DataFrame(
            {
                "meter": ["A1", "B2"],
                "channel": ["E1", "E1"],
                "start": starts,
                "minutes": [15, 15],
                "quantity": [1.0, 2.0],
                "unit": ["kWh", "kWh"],
                "quality": ["ACTUAL", "ACTUAL"],
            }
        )
        store.append(
            metering.stamp(
                frame=metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA),
                recorded_at=AS_AT,
                first_sequence=0,
            )
        )

        february = store.files(
            start=datetime(2026, 2, 1, tzinfo=UTC), end=datetime(2026, 2, 2, tzinfo=UTC)
        )
        only_a = store.scan(meters=["A1"]).collect()

        assert [p.parent.parent.name for p in february] == ["month=2026-02"]
        assert february[0].parent.name == f"range={meter_range('B2'):02d}"
        assert only_a.get_column("quantity").to_list() == [1.0]
        assert store.next_sequence() == 2


class TestNemIngest:
    @pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")
    def test_finds_a_meter_known_only_by_nmi_when_the_file_also_gives_a_serial(
        self, tmp_path: Path
    ) -> None:
        read = nem.read_nem(
            DATA / "nem12_examples" / "unzipped" / "Example_NEM12_actual_interval.csv"
        )
        store = ParquetIntervalStore(tmp_path)

        result = operations.ingest_intervals(
            frame=read.intervals,
            source="nem12",
            directory=FakeMeterDirectory([meter("OURSERIAL", nmi="VABD000163")]),
            store=store,
            as_at=AS_AT,
        )

        assert result.stored == read.intervals.height
        assert store.scan().collect().get_column("meter").unique().to_list() == ["OURSERIAL"]


class TestRunRegisterVee:
    def test_queues_a_register_advance_that_disagrees_with_the_intervals(
        self, tmp_path: Path
    ) -> None:
        day0 = datetime(2026, 3, 1, tzinfo=UTC)
        intervals = ParquetIntervalStore(tmp_path)
        registers = ParquetRegisterStore(tmp_path)
        directory = FakeMeterDirectory([meter("M1")])
        halfhours = [day0 + timedelta(minutes=30 * i) for i in range(96)]
        operations.ingest_intervals(
            frame=pl.DataFrame(
                {
                    "meter": ["M1"] * 96,
                    "channel": ["E1"] * 96,
                    "start": halfhours,
                    "minutes": [30] * 96,
                    "quantity": [1.0] * 96,
                    "unit": ["kWh"] * 96,
                    "quality": ["ACTUAL"] * 96,
                }
            ),
            source="i",
            directory=directory,
            store=intervals,
            as_at=AS_AT,
        )
        operations.ingest_register_reads(
            frame=register_reads(
                [
                    ("2026-03-01T00:00:00+00:00", 1000.0, "ACTUAL"),
                    ("2026-03-02T00:00:00+00:00", 1048.0, "ACTUAL"),
                    ("2026-03-03T00:00:00+00:00", 1100.0, "CUSTOMER"),
                ]
            ),
            source="r",
            directory=directory,
            store=registers,
            as_at=AS_AT,
        )
        queue = FakeExceptionQueue()

        derived = operations.run_register_vee(
            meters=(meter("M1"),),
            registers=registers,
            intervals=intervals,
            queue=queue,
            thresholds={},
            as_at=AS_AT,
            new_id=Ids(),
        )

        assert derived.get_column("consumption").to_list() == [None, 48.0, 52.0]
        [finding] = queue.list()
        assert finding.check == "SUM_CHECK"
        assert finding.start == datetime(2026, 3, 2, tzinfo=UTC)
