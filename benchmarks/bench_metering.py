"""
Metering ingest + validation throughput on a synthetic fleet (Parquet in, CSV in).

Generates N meters of 15-minute reads for one month, partitioned by meter range; then, one
partition at a time (memory stays bounded), reads and validates every partition. Prints JSON.

    .venv/bin/python benchmarks/bench_metering.py --meters 4000 --days 30
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from urbis.adapters.formats import urbis_csv
from urbis.domain import metering

START = datetime(2026, 3, 1, tzinfo=UTC)
THRESHOLDS = {"RES": metering.Thresholds()}


def fleet_partition(first: int, count: int, days: int, seed: int) -> pl.DataFrame:
    """Reads of meters [first, first + count): a daily shape with noise, a few holes."""
    rng = np.random.default_rng(seed)
    per_meter = days * 96
    slots = np.tile(np.arange(per_meter), count)
    hour = (slots % 96) / 4.0
    shape = (
        0.15 + 0.35 * np.exp(-((hour - 19.0) ** 2) / 6.0) + 0.2 * np.exp(-((hour - 8.0) ** 2) / 3.0)
    )
    values = np.round(shape * rng.gamma(4.0, 0.25, size=slots.size), 3)
    frame = pl.DataFrame(
        {
            "meter": np.repeat(np.array([f"M{first + i:07d}" for i in range(count)]), per_meter),
            "channel": "E1",
            "start": (np.datetime64("2026-03-01T00:00", "us") + slots * np.timedelta64(15, "m")),
            "minutes": np.int32(15),
            "quantity": values,
            "unit": "kWh",
            "quality": "ACTUAL",
        }
    ).with_columns(pl.col("start").dt.replace_time_zone("UTC"))
    keep = rng.random(frame.height) > 0.0005  # a few gaps for VEE to find
    return frame.filter(pl.Series(keep))


def validate(reads: pl.DataFrame) -> int:
    meters = reads.select("meter").unique().with_columns(pl.lit("RES").alias("meter_class"))
    found = metering.validate_intervals(
        reads=reads, meters=meters, thresholds=THRESHOLDS, as_at=datetime(2026, 4, 1, tzinfo=UTC)
    )
    return found.height


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=4000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--partition", type=int, default=500, help="meters per partition")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        parquet_files, csv_files, rows = [], [], 0
        for number, first in enumerate(range(0, args.meters, args.partition)):
            part = fleet_partition(
                first, min(args.partition, args.meters - first), args.days, number
            )
            rows += part.height
            target = root / f"month=2026-03/range={number:03d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            part.write_parquet(target)
            parquet_files.append(target)
            csv_path = root / f"part-{number:03d}.csv"
            urbis_csv.write_intervals(part, csv_path)
            csv_files.append(csv_path)
            del part
        rss_after_generation = peak_rss_mb()

        began = time.perf_counter()
        read_only = 0
        for path in parquet_files:
            read_only += pl.read_parquet(path).height
        parquet_read_s = time.perf_counter() - began

        began, cpu = time.perf_counter(), time.process_time()
        findings = 0
        for path in parquet_files:
            findings += validate(pl.read_parquet(path))
        parquet_s = time.perf_counter() - began
        parquet_cpu_s = time.process_time() - cpu

        began, cpu = time.perf_counter(), time.process_time()
        csv_findings = 0
        for number, path in enumerate(csv_files):
            arrived = urbis_csv.read_intervals(path)
            csv_findings += validate(arrived)
            # converted to Parquet on arrival
            arrived.write_parquet(root / f"arrived-{number:03d}.parquet")
        csv_s = time.perf_counter() - began
        csv_cpu_s = time.process_time() - cpu

    print(
        json.dumps(
            {
                "reads": rows,
                "meters": args.meters,
                "days": args.days,
                "meters_per_partition": args.partition,
                "parquet_read_only_reads_per_s": round(read_only / parquet_read_s),
                "parquet_ingest_validate_reads_per_s": round(rows / parquet_s),
                "csv_ingest_validate_reads_per_s": round(rows / csv_s),
                # CPU seconds count the work done whatever else shares the machine
                "parquet_ingest_validate_reads_per_cpu_s": round(rows / parquet_cpu_s),
                "csv_ingest_validate_reads_per_cpu_s": round(rows / csv_cpu_s),
                "load_average_1min": round(os.getloadavg()[0], 1),
                "findings": findings,
                "csv_findings": csv_findings,
                "peak_rss_mb_after_generation": round(rss_after_generation),
                "peak_rss_mb": round(peak_rss_mb()),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
