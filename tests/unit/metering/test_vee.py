from __future__ import annotations

import csv
import gzip
import itertools
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.unit.metering.fakes import FakeExceptionQueue, FakeMeterDirectory, Ids, meter
from urbis.application.metering import operations, ports, queries
from urbis.domain import metering

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "meter_interval"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")
AS_AT = datetime(2030, 1, 1, tzinfo=UTC)
T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
THRESHOLDS = {"RES": metering.Thresholds(zero_days=2, short_gap_intervals=4)}
METERS = pl.DataFrame({"meter": ["M1"], "meter_class": ["RES"]})


def series(values: Sequence[float | None], *, minutes: int = 30) -> pl.DataFrame:
    rows = [(T0 + timedelta(minutes=minutes * i), v) for i, v in enumerate(values) if v is not None]
    return metering.conform(
        frame=pl.DataFrame(
            {
                "meter": ["M1"] * len(rows),
                "channel": ["E1"] * len(rows),
                "start": [r[0] for r in rows],
                "minutes": [minutes] * len(rows),
                "quantity": [r[1] for r in rows],
                "unit": ["kWh"] * len(rows),
                "quality": ["ACTUAL"] * len(rows),
            }
        ),
        schema=metering.INTERVAL_SCHEMA,
    )


def checks(found: pl.DataFrame) -> Counter[str]:
    return Counter(found.get_column("check").to_list())


class TestValidateIntervals:
    def test_finds_negative_spike_and_future_reads(self) -> None:
        values: list[float | None] = [*([1.0] * 10), -0.5, 50.0]
        reads = series(values)

        found = metering.validate_intervals(
            reads=reads, meters=METERS, thresholds=THRESHOLDS, as_at=T0 + timedelta(hours=5)
        )

        counts = checks(found)
        assert counts["NEGATIVE"] == 1
        assert counts["SPIKE"] == 1
        assert counts["FUTURE"] == 2  # intervals 10 and 11 end after 05:00

    def test_judges_spikes_against_the_meters_own_history(self) -> None:
        history = series([0.1] * 48)
        reads = series([2.0] * 4)

        alone = metering.validate_intervals(
            reads=reads, meters=METERS, thresholds=THRESHOLDS, as_at=AS_AT
        )
        against_history = metering.validate_intervals(
            reads=reads, meters=METERS, thresholds=THRESHOLDS, as_at=AS_AT, history=history
        )

        assert checks(alone)["SPIKE"] == 0
        assert checks(against_history)["SPIKE"] == 4

    def test_finds_days_without_consumption_and_high_usage(self) -> None:
        reads = series([0.0] * 96 + [5.0] * 48)

        found = metering.validate_intervals(
            reads=reads,
            meters=METERS,
            thresholds=THRESHOLDS,
            as_at=AS_AT,
            expected_daily=pl.DataFrame({"meter": ["M1"], "expected": [50.0]}),
        )

        counts = checks(found)
        assert counts["ZERO_CONSUMPTION"] == 1
        assert found.filter(pl.col("check") == "ZERO_CONSUMPTION").item(0, "count") == 2
        assert counts["HIGH_USAGE"] == 1  # 240 kWh on day three against 50 × 3
        assert counts["LOW_USAGE"] == 2


class TestEstimateGaps:
    def test_interpolates_a_short_gap_linearly(self) -> None:
        reads = series([1.0, None, None, 4.0])

        estimated = metering.estimate_gaps(reads=reads, meters=METERS, thresholds=THRESHOLDS)

        assert estimated.get_column("quantity").to_list() == pytest.approx([2.0, 3.0])
        assert set(estimated.get_column("method")) == {"LINEAR_INTERPOLATION"}

    def test_fills_a_long_gap_from_the_same_day_type_profile(self) -> None:
        day = [float(h % 48) for h in range(48)]
        values: list[float | None] = [*day, *([None] * 48), *day]  # Monday, (Tuesday), Wednesday
        reads = series(values)

        estimated = metering.estimate_gaps(reads=reads, meters=METERS, thresholds=THRESHOLDS)

        assert estimated.height == 48
        assert set(estimated.get_column("method")) == {"DAY_TYPE_PROFILE"}
        assert estimated.get_column("quantity").to_list() == pytest.approx(day)


class TestValidateRegisters:
    def test_derives_consumption_across_a_rollover_with_the_multiplier(self) -> None:
        reads = pl.DataFrame(
            {
                "meter": ["M1"] * 4,
                "register": ["1"] * 4,
                "read_at": [T0 + timedelta(days=30 * i) for i in range(4)],
                "value": [99_900.0, 99_990.0, 40.0, 10.0],
            }
        )
        facts = pl.DataFrame({"meter": ["M1"], "multiplier": [2.0], "dials": [5]})

        derived, found = metering.validate_registers(reads=reads, meters=facts, as_at=AS_AT)

        assert derived.get_column("consumption").to_list()[1:3] == [180.0, 100.0]
        assert checks(found) == Counter({"ROLLOVER": 1, "REGISTER_DECREASE": 1})

    def test_flags_a_value_too_big_for_the_dials(self) -> None:
        reads = pl.DataFrame(
            {"meter": ["M1"], "register": ["1"], "read_at": [T0], "value": [123_456.0]}
        )
        facts = pl.DataFrame({"meter": ["M1"], "multiplier": [1.0], "dials": [5]})

        _, found = metering.validate_registers(reads=reads, meters=facts, as_at=AS_AT)

        assert checks(found) == Counter({"DIAL_OVERFLOW": 1})

    def test_compares_interval_sums_with_register_advances(self) -> None:
        intervals = series([1.0] * 48)
        windows = pl.DataFrame(
            {
                "meter": ["M1", "M1"],
                "from_at": [T0, T0],
                "to_at": [T0 + timedelta(days=1), T0 + timedelta(days=1)],
                "consumption": [48.0, 60.0],
            }
        )

        found = metering.check_interval_sum(
            intervals=intervals, register_consumption=windows, thresholds=THRESHOLDS, meters=METERS
        )

        assert found.height == 1
        assert "60" in found.item(0, "detail")


def raw_eemeter(name: str) -> list[tuple[str, float]]:
    with gzip.open(DATA / name, "rt") as handle:
        return [(row["start"], float(row["value"])) for row in csv.DictReader(handle)]


def independent_counts(stamps: list[str], minutes: int) -> tuple[int, int]:
    """Duplicate rows and missing intervals, by plain Python over the raw timestamps."""
    duplicates = sum(n - 1 for n in Counter(stamps).values() if n > 1)
    ordered = sorted({datetime.fromisoformat(s) for s in stamps})
    step = timedelta(minutes=minutes)
    missing = sum(int((b - a) / step) - 1 for a, b in itertools.pairwise(ordered))
    return duplicates, missing


def as_reads(stamps: list[str], values: list[float], serial: str, minutes: int) -> pl.DataFrame:
    frame = pl.DataFrame({"start": stamps, "quantity": values}).select(
        pl.lit(serial).alias("meter"),
        pl.lit("E1").alias("channel"),
        pl.col("start").str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC", time_unit="us"),
        pl.lit(minutes).alias("minutes"),
        "quantity",
        pl.lit("kWh").alias("unit"),
        pl.lit("ACTUAL").alias("quality"),
    )
    return metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA)


@needs_data
class TestRealHouseholdData:
    @pytest.mark.parametrize(
        "name",
        [
            "uk-electricity-hdd-only-hourly-sample-1.csv.gz",
            "uk-electricity-hdd-only-hourly-sample-2.csv.gz",
        ],
    )
    def test_counts_eemeter_duplicates_and_gaps_and_fills_every_gap(self, name: str) -> None:
        rows = raw_eemeter(name)
        stamps = [s for s, _ in rows]
        duplicates, missing = independent_counts(stamps, 30)
        reads = as_reads(stamps, [v for _, v in rows], "M1", 30)

        found = metering.validate_intervals(
            reads=reads, meters=METERS, thresholds=THRESHOLDS, as_at=AS_AT
        )
        estimated = metering.estimate_gaps(reads=reads, meters=METERS, thresholds=THRESHOLDS)

        assert duplicates > 0
        assert missing > 0
        assert found.filter(pl.col("check") == "DUPLICATE").get_column("count").sum() == duplicates
        assert found.filter(pl.col("check") == "GAP").get_column("count").sum() == missing
        assert estimated.height == missing
        filled = pl.concat(
            [
                reads.unique(subset=["start"]),
                metering.conform(frame=estimated, schema=metering.INTERVAL_SCHEMA),
            ]
        )
        assert metering.find_gaps(reads=filled).is_empty()
        assert estimated.get_column("quantity").is_not_null().all()

    def test_counts_sgsc_gaps_per_household_and_fills_them(self) -> None:
        with gzip.open(DATA / "sgsc_smart_meter10_halfhourly_2012-2014.csv.gz", "rt") as handle:
            rows = list(csv.DictReader(handle))
        by_customer: dict[str, list[str]] = {}
        for row in rows:
            by_customer.setdefault(row["customer_id"], []).append(row["reading_datetime"])
        expected = {c: independent_counts(s, 30) for c, s in by_customer.items()}
        reads = pl.concat(
            [
                as_reads(
                    [r["reading_datetime"] for r in rows if r["customer_id"] == c],
                    [float(r["general_supply_kwh"]) for r in rows if r["customer_id"] == c],
                    c,
                    30,
                )
                for c in by_customer
            ]
        )
        meters = pl.DataFrame(
            {"meter": list(by_customer), "meter_class": ["RES"] * len(by_customer)}
        )

        found = metering.validate_intervals(
            reads=reads, meters=meters, thresholds=THRESHOLDS, as_at=AS_AT
        )
        estimated = metering.estimate_gaps(reads=reads, meters=meters, thresholds=THRESHOLDS)

        gaps = dict(
            found.filter(pl.col("check") == "GAP")
            .group_by("meter")
            .agg(pl.col("count").sum())
            .iter_rows()
        )
        dups = dict(
            found.filter(pl.col("check") == "DUPLICATE")
            .group_by("meter")
            .agg(pl.col("count").sum())
            .iter_rows()
        )
        for customer, (duplicates, missing) in expected.items():
            assert gaps.get(customer, 0) == missing, customer
            assert dups.get(customer, 0) == duplicates, customer
        assert estimated.height == sum(m for _, m in expected.values())


class TestExceptionsQueue:
    """Runs on every interval store (tests/integration/metering/test_interval_stores.py)."""

    def test_runs_vee_queues_findings_stores_estimates_and_records_an_edit(
        self, interval_store: ports.IntervalStore
    ) -> None:
        store = interval_store
        queue = FakeExceptionQueue()
        operations.ingest_intervals(
            frame=series([1.0, None, 3.0, -2.0]),
            source="a",
            directory=FakeMeterDirectory([meter("M1")]),
            store=store,
            as_at=AS_AT,
        )

        queued, estimated = operations.run_vee(
            meters=(meter("M1"),),
            start=T0,
            end=T0 + timedelta(days=1),
            store=store,
            queue=queue,
            thresholds=THRESHOLDS,
            as_at=AS_AT,
            new_id=Ids(),
        )
        negative = next(i for i in queue.list() if i.check == "NEGATIVE")
        operations.edit_read(
            store=store,
            meter="M1",
            channel="E1",
            start=negative.start,
            quantity=0.5,
            actor="ana",
            reason="meter swapped polarity",
            as_at=AS_AT + timedelta(hours=1),
            queue=queue,
            exception_id=negative.id,
        )

        assert (queued, estimated) == (2, 1)
        latest = queries.reads_as_of(
            store=store, meters=("M1",), start=T0, end=T0 + timedelta(days=1)
        )
        assert latest.get_column("quantity").to_list() == [1.0, 2.0, 3.0, 0.5]
        assert latest.get_column("quality").to_list() == ["ACTUAL", "ESTIMATED", "ACTUAL", "EDITED"]
        assert latest.item(3, "actor") == "ana"
        assert latest.item(1, "method") == "LINEAR_INTERPOLATION"
        assert queue.get(negative.id).status == ports.ExceptionStatus.EDITED  # type: ignore[union-attr]

    def test_review_closes_a_finding_once(self) -> None:
        queue = FakeExceptionQueue()
        queue.add(
            (
                ports.ReadException(
                    id="E1",
                    meter="M1",
                    channel="E1",
                    start=T0,
                    check="SPIKE",
                    count=1,
                    detail="",
                    raised_at=T0,
                ),
            )
        )

        operations.review_exception(
            queue=queue,
            exception_id="E1",
            decision="DISMISSED",
            actor="ana",
            note=None,
            as_at=AS_AT,
        )

        with pytest.raises(operations.ExceptionAlreadyReviewed):
            operations.review_exception(
                queue=queue,
                exception_id="E1",
                decision="ACCEPTED",
                actor="ana",
                note=None,
                as_at=AS_AT,
            )


class TestDeterminants:
    def test_splits_usage_into_time_of_use_buckets_with_demand_and_completeness(self) -> None:
        reads = series([1.0] * 46 + [3.0, 3.0]).with_columns(
            pl.when(pl.int_range(pl.len()) < 12)
            .then(pl.lit("ESTIMATED"))
            .otherwise(pl.col("quality"))
            .alias("quality")
        )
        table = pl.DataFrame(
            [
                {"month": m, "day_type": d, "hour": h, "period": "PEAK" if 17 <= h < 21 else "OFF"}
                for m in range(1, 13)
                for d in ("WEEKDAY", "SATURDAY", "SUNDAY")
                for h in range(24)
            ]
        )

        result = metering.billing_determinants(reads=reads, period_table=table, timezone="UTC")

        row = result.row(0, named=True)
        assert row["total"] == pytest.approx(52.0)
        assert row["tou_PEAK"] == pytest.approx(8.0)
        assert row["tou_OFF"] == pytest.approx(44.0)
        assert row["max_demand"] == pytest.approx(6.0)
        assert row["pct_estimated"] == pytest.approx(25.0)
        assert row["pct_actual"] == pytest.approx(75.0)


class TestLocalTimeAcrossDst:
    def test_time_of_use_follows_local_hours_on_the_day_clocks_go_forward(self) -> None:
        # 2026-03-08 in New York: 02:00 local does not exist. 18 hourly reads run from 00:00 EST
        # to 18:00 EDT, so the 17:00-21:00 peak holds two of them (four if read as UTC).
        local_midnight = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
        reads = metering.conform(
            frame=pl.DataFrame(
                {
                    "meter": ["M1"] * 18,
                    "channel": ["E1"] * 18,
                    "start": [local_midnight + timedelta(hours=i) for i in range(18)],
                    "minutes": [60] * 18,
                    "quantity": [1.0] * 18,
                    "unit": ["kWh"] * 18,
                    "quality": ["ACTUAL"] * 18,
                }
            ),
            schema=metering.INTERVAL_SCHEMA,
        )
        table = pl.DataFrame(
            [
                {"month": 3, "day_type": d, "hour": h, "period": "PEAK" if 17 <= h < 21 else "OFF"}
                for d in ("WEEKDAY", "SATURDAY", "SUNDAY")
                for h in range(24)
            ]
        )

        result = metering.billing_determinants(
            reads=reads, period_table=table, timezone="America/New_York"
        )

        assert result.item(0, "total") == pytest.approx(18.0)
        assert result.item(0, "tou_PEAK") == pytest.approx(2.0)


class TestThresholdsFromData:
    def test_builds_thresholds_per_class_keeping_defaults(self) -> None:
        loaded = metering.thresholds_from_data(data={"C&I": {"spike_factor": 4, "zero_days": 7}})

        assert loaded["C&I"].spike_factor == 4.0
        assert loaded["C&I"].zero_days == 7
        assert loaded["C&I"].short_gap_intervals == metering.Thresholds().short_gap_intervals

    @pytest.mark.parametrize("values", [{"spikiness": 3}, {"zero_days": -1}, {"high_factor": "x"}])
    def test_rejects_unknown_names_and_bad_values(self, values: dict[str, float]) -> None:
        with pytest.raises(metering.InvalidThresholds):
            metering.thresholds_from_data(data={"RES": values})
