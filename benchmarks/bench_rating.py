"""
Rating throughput: the batch engine on many meters × 30 days of 15-minute data under a
time-of-use tariff with 2 blocks, a fixed charge and stratum subsidies, streamed in partitions
of meters so memory stays bounded; and the reference engine's rate on the same tariff.

    .venv/bin/python benchmarks/bench_rating.py [--meters 100000] [--partition 10000]

Prints JSON. Data are generated per partition (not timed); only rating is timed.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from urbis.domain import rating, tariffs
from urbis.kernel.periods import Period

ZONE = "America/Bogota"
DAYS = 30
PER_DAY = 96
MINUTES = 15


def tariff() -> tariffs.Tariff:
    peak = tuple(tuple([0] * 18 + [1] * 3 + [0] * 3) for _ in range(12))
    off = tuple(tuple([0] * 24) for _ in range(12))
    blocks = (Decimal(130), None)
    energy = tariffs.EnergyCharge(
        periods=(
            tariffs.RatePeriod(
                "valle",
                tuple(
                    tariffs.Tier(price=Decimal(p), upto=u)
                    for p, u in zip(("420.5", "480.25"), blocks, strict=True)
                ),
            ),
            tariffs.RatePeriod(
                "punta",
                tuple(
                    tariffs.Tier(price=Decimal(p), upto=u)
                    for p, u in zip(("610.75", "690.5"), blocks, strict=True)
                ),
            ),
        ),
        schedule=tariffs.Schedule(weekday=peak, weekend=off),
    )
    solidarity = tariffs.Solidarity(
        basic=(tariffs.BasicQuantity(0, Decimal(173)), tariffs.BasicQuantity(1000, Decimal(130))),
        classes=(
            ("1", tariffs.SolidarityClass(subsidy=Decimal("0.6"), price=Decimal("198.8133"))),
            ("2", tariffs.SolidarityClass(subsidy=Decimal("0.5"), price=Decimal("248.5168"))),
            ("3", tariffs.SolidarityClass(subsidy=Decimal("0.15"))),
            ("5", tariffs.SolidarityClass(contribution=Decimal("0.2"))),
            ("6", tariffs.SolidarityClass(contribution=Decimal("0.2"))),
        ),
    )
    version = tariffs.Version(
        version="2024-06",
        active=Period(date(2024, 1, 1), None),
        currency="COP",
        holidays="CO",
        fixed=(tariffs.FixedCharge("Cargo fijo", Decimal("5250.5")),),
        energy=energy,
        solidarity=solidarity,
    )
    return tariffs.Tariff(code="BENCH", name="TOU, 2 blocks, fixed, strata", versions=(version,))


def partition(
    first: int, count: int, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    per_meter = DAYS * PER_DAY
    starts = pl.datetime_range(
        datetime(2024, 6, 1, tzinfo=ZoneInfo(ZONE)),
        datetime(2024, 6, 1, tzinfo=ZoneInfo(ZONE)) + timedelta(minutes=MINUTES * (per_meter - 1)),
        interval=f"{MINUTES}m",
        time_zone=ZONE,
        eager=True,
    )
    usage = pl.DataFrame(
        {
            "agreement": np.repeat(np.arange(first, first + count, dtype=np.int32), per_meter),
            "start": pl.concat([starts] * count),
            "wh": rng.integers(0, 400, size=count * per_meter, dtype=np.int64),
        }
    ).rechunk()  # as read from Parquet: a few large chunks
    customers = pl.DataFrame(
        {
            "agreement": np.arange(first, first + count, dtype=np.int32),
            "stratum": rng.integers(1, 7, size=count, dtype=np.int8),
            "use": ["residential"] * count,
            "altitude_m": rng.choice(np.array([0, 2600], dtype=np.int32), size=count),
        }
    )
    return usage, customers


def batch(meters: int, size: int) -> dict[str, object]:
    rng = np.random.default_rng(7)
    plan = tariff()
    seconds = 0.0
    lines = 0
    values = 0
    for first in range(0, meters, size):
        usage, customers = partition(first, min(size, meters - first), rng)
        began = time.perf_counter()
        out = rating.rate_frame(tariff=plan, usage=usage, minutes=MINUTES, customers=customers)
        seconds += time.perf_counter() - began
        lines += out.height
        values += usage.height
        del usage, customers, out
    return {
        "meters": meters,
        "partition_meters": size,
        "interval_values": values,
        "charge_lines": lines,
        "seconds": round(seconds, 3),
        "values_per_second": round(values / seconds),
    }


def reference(meters: int) -> dict[str, object]:
    plan = tariff()
    rng = np.random.default_rng(11)
    start = datetime(2024, 6, 1, tzinfo=ZoneInfo(ZONE))
    seconds = 0.0
    values = 0
    for meter in range(meters):
        intervals = [
            rating.Interval(
                start=start + timedelta(minutes=MINUTES * i),
                minutes=MINUTES,
                kwh=Decimal(int(wh)).scaleb(-3),
            )
            for i, wh in enumerate(rng.integers(0, 400, size=DAYS * PER_DAY))
        ]
        customer = rating.Customer(stratum=meter % 6 + 1, altitude_m=2600)
        began = time.perf_counter()
        rating.rate_intervals(tariff=plan, intervals=intervals, customer=customer)
        seconds += time.perf_counter() - began
        values += len(intervals)
    return {
        "meters": meters,
        "interval_values": values,
        "seconds": round(seconds, 3),
        "values_per_second": round(values / seconds),
        "meter_months_per_second": round(meters / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--partition", type=int, default=10_000)
    parser.add_argument("--reference-meters", type=int, default=50)
    args = parser.parse_args()
    result = {
        "benchmark": "rating",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "batch": batch(args.meters, args.partition),
        "reference": reference(args.reference_meters),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
