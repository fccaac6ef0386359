from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from urbis.domain import metering


def reads(serial: str, first: datetime, count: int, *, unit: str = "kWh") -> pl.DataFrame:
    return metering.conform(
        frame=pl.DataFrame(
            {
                "meter": [serial] * count,
                "channel": ["E1"] * count,
                "start": [first + timedelta(minutes=30 * i) for i in range(count)],
                "minutes": [30] * count,
                "quantity": [0.1234] * count,
                "unit": [unit] * count,
                "quality": ["ACTUAL"] * count,
            }
        ),
        schema=metering.INTERVAL_SCHEMA,
    )


class TestAgreementReads:
    def test_a_local_day_starts_at_local_midnight_across_a_clock_change(self) -> None:
        # London moves to summer time on 29 March 2026: 30 March starts at 23:00 UTC on the 29th
        frame = reads("M1", datetime(2026, 3, 29, 22, tzinfo=UTC), 4)
        spans = pl.DataFrame(
            {
                "agreement": ["A1"],
                "meter": ["M1"],
                "from_date": [date(2026, 3, 30)],
                "to_date": [None],
            }
        )

        found = metering.agreement_reads(reads=frame, spans=spans, timezone="Europe/London")

        assert found.get_column("start").to_list() == [
            datetime(2026, 3, 29, 23, tzinfo=UTC),
            datetime(2026, 3, 29, 23, 30, tzinfo=UTC),
        ]
        assert found.columns[0] == "agreement"

    def test_leaves_out_reads_of_days_the_meter_did_not_serve_the_agreement(self) -> None:
        frame = pl.concat(
            [
                reads("M1", datetime(2026, 3, 1, tzinfo=UTC), 96),
                reads("M2", datetime(2026, 3, 1, tzinfo=UTC), 96),
            ]
        )
        spans = pl.DataFrame(
            {
                "agreement": ["A1", "A1"],
                "meter": ["M1", "M2"],
                "from_date": [date(2026, 3, 1), date(2026, 3, 2)],
                "to_date": [date(2026, 3, 2), date(2026, 3, 3)],
            }
        )

        found = metering.agreement_reads(reads=frame, spans=spans, timezone="UTC")

        assert found.group_by("meter").len().sort("meter").rows() == [("M1", 48), ("M2", 48)]


class TestRatingUsage:
    def test_turns_energy_into_whole_watt_hours_per_agreement_and_interval(self) -> None:
        frame = pl.concat(
            [
                reads("M1", datetime(2026, 3, 1, tzinfo=UTC), 2),
                reads("M2", datetime(2026, 3, 1, tzinfo=UTC), 2, unit="Wh"),
            ]
        ).with_columns(pl.lit("A1").alias("agreement"))

        usage = metering.rating_usage(reads=frame)

        # 123.4 Wh + 0.1234 Wh, summed then rounded once
        assert usage.rows() == [
            ("A1", datetime(2026, 3, 1, tzinfo=UTC), 124, 30),
            ("A1", datetime(2026, 3, 1, 0, 30, tzinfo=UTC), 124, 30),
        ]

    def test_refuses_reads_that_are_not_energy(self) -> None:
        frame = reads("W1", datetime(2026, 3, 1, tzinfo=UTC), 1, unit="m3").with_columns(
            pl.lit("A1").alias("agreement")
        )

        with pytest.raises(metering.InvalidRead, match="m3"):
            metering.rating_usage(reads=frame)
