"""Compaction merges a partition's delivery files into one sorted file and never loses a read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from tests.unit.metering import fakes
from urbis.adapters.intervals import parquet
from urbis.adapters.intervals.parquet import ParquetIntervalStore
from urbis.application.metering import operations, ports
from urbis.domain import metering
from urbis.interfaces.cli import metering as cli
from urbis.kernel import errors

T0 = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # deliveries cross into April
FIRST = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
SERIALS = ("M1", "M2", "M3")


def delivery(values: dict[int, float], meters: tuple[str, ...] = SERIALS) -> pl.DataFrame:
    rows = [
        (serial, "E1", T0 + timedelta(hours=hour), 60, value, "kWh", "ACTUAL")
        for serial in meters
        for hour, value in values.items()
    ]
    return pl.DataFrame(
        rows,
        schema=["meter", "channel", "start", "minutes", "quantity", "unit", "quality"],
        orient="row",
    )


def filled(tmp_path: Path) -> ParquetIntervalStore:
    """Three deliveries: the first hours, later hours, and a correction of hour 1."""
    store = ParquetIntervalStore(tmp_path)
    directory = fakes.FakeMeterDirectory(accept_all=True)
    batches = (
        delivery({0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0}),
        delivery({4: 5.0, 5: 6.0}, meters=("M1", "M2")),
        delivery({1: 2.5}),
    )
    for number, frame in enumerate(batches):
        operations.ingest_intervals(
            frame=frame,
            source=f"delivery-{number}.csv",
            directory=directory,
            store=store,
            as_at=FIRST + timedelta(hours=number),
        )
    return store


def versions(store: ParquetIntervalStore) -> pl.DataFrame:
    return store.scan().collect().sort("sequence")


def as_of(store: ParquetIntervalStore, hours: int) -> pl.DataFrame:
    return metering.latest(frame=store.scan(), as_of=FIRST + timedelta(hours=hours)).collect()


def app() -> typer.Typer:
    root = typer.Typer()
    cli.register(root)
    return root


def folders(store: ParquetIntervalStore) -> list[Path]:
    return sorted(store.data.glob("month=*/range=*"))


class TestCompactIntervals:
    def test_merges_every_delivery_into_one_sorted_file_keeping_every_version(
        self, tmp_path: Path
    ) -> None:
        store = filled(tmp_path)
        before = versions(store)
        snapshots = [as_of(store, hours) for hours in (0, 1, 2)]
        files_before = len(store.files())

        done = operations.compact_intervals(store=store)

        assert files_before > len(folders(store))
        assert all(len(list(folder.glob("*.parquet"))) == 1 for folder in folders(store))
        # a partition holding one sorted file already is left alone
        assert sum(item.files_before for item in done) + len(folders(store)) - len(done) == (
            files_before
        )
        assert versions(store).equals(before)
        assert all(
            as_of(store, hours).equals(snapshot)
            for hours, snapshot in zip((0, 1, 2), snapshots, strict=True)
        )
        for path in store.files():
            keys = pl.read_parquet(path, columns=list(parquet.VERSION_ORDER))
            assert keys.equals(keys.sort(list(parquet.VERSION_ORDER)))
        assert not list(store.data.rglob("*.tmp"))
        assert not list(store.data.rglob(parquet.JOURNAL))

    def test_compacts_only_the_month_asked_for_and_nothing_twice(self, tmp_path: Path) -> None:
        store = filled(tmp_path)
        march_files = len(store.files(start=T0, end=T0))

        march = operations.compact_intervals(store=store, month="2026-03")
        again = operations.compact_intervals(store=store, month="2026-03")

        assert march_files > len(march)
        assert {item.partition.split("/")[0] for item in march} == {"month=2026-03"}
        assert again == ()
        april = store.files(start=T0 + timedelta(days=1), end=T0 + timedelta(days=1))
        assert len(april) > len({path.parent for path in april})

    def test_a_crash_after_the_swap_shows_the_new_file_alone_and_the_next_run_finishes(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = filled(tmp_path)
        before = versions(store)

        def crash(folder: Path) -> None:
            raise KeyboardInterrupt

        with monkeypatch.context() as patch:
            patch.setattr(parquet, "_finish", crash)
            with pytest.raises(KeyboardInterrupt):
                store.compact()

        stale = [f for f in folders(store) if (f / parquet.JOURNAL).exists()]
        assert len(stale) == 1
        assert len(list(stale[0].glob("*.parquet"))) > 1  # old files still on disk
        assert versions(store).equals(before)  # but read once, from the new file
        store.compact()
        assert not list(store.data.rglob(parquet.JOURNAL))
        assert all(len(list(folder.glob("*.parquet"))) == 1 for folder in folders(store))
        assert versions(store).equals(before)

    def test_a_crash_before_the_swap_keeps_the_old_files_and_the_next_run_starts_again(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = filled(tmp_path)
        before = versions(store)
        files_before = store.files()
        write_journal = parquet._write_journal

        def crash(folder: Path, data: dict[str, object]) -> None:
            write_journal(folder, data)
            raise KeyboardInterrupt

        with monkeypatch.context() as patch:
            patch.setattr(parquet, "_write_journal", crash)
            with pytest.raises(KeyboardInterrupt):
                store.compact()

        journal = next(store.data.rglob(parquet.JOURNAL))
        assert (journal.parent / f"{json.loads(journal.read_text())['into']}.tmp").exists()
        assert store.files() == files_before
        assert versions(store).equals(before)
        store.compact()
        assert not list(store.data.rglob("*.tmp"))
        assert all(len(list(folder.glob("*.parquet"))) == 1 for folder in folders(store))
        assert versions(store).equals(before)

    def test_rejects_a_month_that_is_not_a_month(self, tmp_path: Path) -> None:
        store = filled(tmp_path)
        files_before = store.files()

        with pytest.raises(operations.InvalidMonth) as raised:
            operations.compact_intervals(store=store, month="2026-13")

        assert raised.value.code == "invalid_month"
        assert store.files() == files_before

    def test_says_a_store_without_files_is_not_compacted(self) -> None:
        class TableStore:
            def append(self, frame: pl.DataFrame) -> int:
                return 0

            def scan(self, **_: object) -> pl.LazyFrame:
                return metering.empty_intervals().lazy()

            def next_sequence(self) -> int:
                return 0

        store: ports.IntervalStore = TableStore()

        with pytest.raises(errors.DomainError) as raised:
            operations.compact_intervals(store=store)

        assert raised.value.code == "interval_store_not_compacted"


class TestCompactCommand:
    def test_compacts_the_data_folder_and_reports_each_partition(self, tmp_path: Path) -> None:
        store = filled(tmp_path)
        before = versions(store)
        crowded = [f for f in folders(store) if len(list(f.glob("*.parquet"))) > 1]

        result = CliRunner().invoke(app(), ["meter", "compact", "--data-dir", str(tmp_path)])

        assert result.exit_code == 0, result.output
        assert f"{len(crowded)} partitions compacted" in result.output
        assert all(len(list(folder.glob("*.parquet"))) == 1 for folder in crowded)
        assert versions(store).equals(before)

    def test_refuses_a_bad_month_with_its_code(self, tmp_path: Path) -> None:
        filled(tmp_path)

        result = CliRunner().invoke(
            app(), ["meter", "compact", "--month", "March", "--data-dir", str(tmp_path)]
        )

        assert result.exit_code == 1
        assert "invalid_month" in result.output
