"""VEE finds the same things whatever order the rows come in (sorted partitions skip the sort)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from urbis.domain import metering

T0 = datetime(2026, 3, 2, tzinfo=UTC)
AS_AT = T0 + timedelta(hours=20)
THRESHOLDS = {"RES": metering.Thresholds(zero_days=1)}
METERS = pl.DataFrame({"meter": ["M1", "M2"], "meter_class": ["RES", "RES"]})


def fleet() -> pl.DataFrame:
    """Two meters, two channels, a day of half hours with a hole, a repeat, a spike, a zero day."""
    rows = []
    for serial in ("M1", "M2"):
        for channel in ("B1", "E1"):
            for i in range(48):
                if serial == "M1" and 10 <= i < 13:
                    continue  # a gap
                value = 0.0 if (serial, channel) == ("M2", "B1") else 1.0 + (i % 5) / 10
                if (serial, channel, i) == ("M1", "E1", 30):
                    value = 40.0  # a spike
                rows.append((serial, channel, T0 + timedelta(minutes=30 * i), value))
    rows.append(("M2", "E1", T0 + timedelta(minutes=30 * 7), 3.0))  # delivered twice
    frame = pl.DataFrame(
        rows, schema=["meter", "channel", "start", "quantity"], orient="row"
    ).with_columns(pl.lit(30).alias("minutes"), pl.lit("kWh").alias("unit"))
    return metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA)


def findings(reads: pl.DataFrame) -> list[tuple[object, ...]]:
    found = metering.validate_intervals(
        reads=reads, meters=METERS, thresholds=THRESHOLDS, as_at=AS_AT
    )
    return found.rows()


class TestValidateIntervalsInAnyRowOrder:
    def test_finds_each_kind_of_problem_in_the_sorted_fleet(self) -> None:
        found = findings(fleet().sort("meter", "channel", "start"))

        assert {row[3] for row in found} == {
            "GAP",
            "DUPLICATE",
            "SPIKE",
            "ZERO_CONSUMPTION",
            "FUTURE",
        }

    def test_a_series_split_in_two_runs_is_sorted_first(self) -> None:
        ordered = fleet().sort("meter", "channel", "start")
        # M1 E1's second half after M2's rows: starts still rise within every run
        m1e1 = (pl.col("meter") == "M1") & (pl.col("channel") == "E1")
        late = m1e1 & (pl.col("start") >= T0 + timedelta(hours=12))
        split = pl.concat([ordered.filter(~late), ordered.filter(late)])

        assert findings(split) == findings(ordered)

    @settings(max_examples=25, deadline=None)
    @given(seed=st.integers(0, 2**32 - 1))
    def test_any_shuffle_finds_what_the_sorted_rows_find(self, seed: int) -> None:
        ordered = fleet().sort("meter", "channel", "start")

        shuffled = ordered.sample(fraction=1.0, shuffle=True, seed=seed)

        assert findings(shuffled) == findings(ordered)
