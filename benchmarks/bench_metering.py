"""
Metering ingest + validation throughput on a synthetic fleet (Parquet in, CSV in), and what
compaction does to reading a partition that arrived in many deliveries.

Generates N meters of 15-minute reads for one month, partitioned by meter range (sorted by
meter and start, as the store writes them); then reads and validates every partition, one
partition per task (memory stays bounded by the partition size): first in this process
(Polars using every core), then in a pool of worker processes, one per core, each with one
Polars thread. Workers are started and warmed up (one partition each, untimed) before the
clock starts. Prints JSON.

    .venv/bin/python benchmarks/bench_metering.py --meters 2000 --days 30
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from urbis.adapters.formats import urbis_csv
from urbis.adapters.intervals.parquet import ParquetIntervalStore
from urbis.domain import metering

START = datetime(2026, 3, 1, tzinfo=UTC)
AS_AT = datetime(2026, 4, 1, tzinfo=UTC)
THRESHOLDS = {"RES": metering.Thresholds()}
# the columns validation reads (a Parquet scan reads no others)
VALIDATED = ["meter", "channel", "start", "minutes", "quantity"]
# (kind, path, the partition's meters, where a CSV partition is written as Parquet)
Job = tuple[str, str, list[str], str | None]


def serials(first: int, count: int) -> list[str]:
    return [f"M{first + i:07d}" for i in range(count)]


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
            "meter": np.repeat(np.array(serials(first, count)), per_meter),
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


def validate(reads: pl.DataFrame, meters: list[str]) -> Counter[str]:
    """Findings of a partition by check (the meter list comes from the directory)."""
    facts = pl.DataFrame({"meter": meters, "meter_class": "RES"})
    found = metering.validate_intervals(
        reads=reads, meters=facts, thresholds=THRESHOLDS, as_at=AS_AT
    )
    return Counter(dict(found.get_column("check").value_counts().iter_rows()))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: a spawned worker's own, not its parent's)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_partition(job: Job) -> dict[str, Any]:
    """Ingest and validate one partition; report findings, CPU seconds and peak memory."""
    kind, path, meters, converted = job
    cpu = time.process_time()
    if kind == "parquet":
        reads = pl.read_parquet(path, columns=VALIDATED)
    else:
        reads = urbis_csv.read_intervals(Path(path))
        assert converted is not None
        reads.write_parquet(converted)  # converted to Parquet on arrival
    findings = validate(reads, meters)
    return {
        "findings": dict(findings),
        "reads": reads.height,
        "cpu_s": time.process_time() - cpu,
        "peak_rss_mb": peak_rss_mb(),
    }


def warm_up(job: Job) -> float:
    """
    Load the libraries and validate a partition once, untimed, so that a worker has grown its
    memory as a long-running one would have before the clock starts.
    """
    run_partition(job)
    return peak_rss_mb()


def timed(
    mapper: Callable[[Callable[[Any], dict[str, Any]], Iterable[Any]], Iterable[dict[str, Any]]],
    jobs: list[Job],
) -> dict[str, Any]:
    began, cpu_here = time.perf_counter(), time.process_time()
    results = list(mapper(run_partition, jobs))
    wall = time.perf_counter() - began
    findings: Counter[str] = Counter()
    for result in results:
        findings.update(result["findings"])
    reads = sum(r["reads"] for r in results)
    cpu = sum(r["cpu_s"] for r in results)
    return {
        "reads": reads,
        "wall_s": round(wall, 3),
        "reads_per_s": round(reads / wall),
        # CPU seconds of the partition work count what it costs whatever else shares the machine
        "reads_per_cpu_s": round(reads / cpu),
        "caller_cpu_s": round(time.process_time() - cpu_here, 3),
        "findings": dict(sorted(findings.items())),
        "peak_rss_mb_per_process": round(max(r["peak_rss_mb"] for r in results)),
    }


def compaction(root: Path, meters: int, days: int) -> dict[str, Any]:
    """A month delivered day by day (one file per day and range), read before and after."""
    store = ParquetIntervalStore(root / "store")
    fleet = metering.conform(
        frame=fleet_partition(0, meters, days, 99), schema=metering.INTERVAL_SCHEMA
    )
    sequence = 0
    for day in range(days):
        begin = START + timedelta(days=day)
        delivery = fleet.filter(
            pl.col("start").is_between(begin, begin + timedelta(days=1), "left")
        )
        stamped = metering.stamp(
            frame=delivery, recorded_at=begin + timedelta(days=1), first_sequence=sequence
        )
        sequence += store.append(stamped)

    def all_versions() -> tuple[float, int]:
        began = time.perf_counter()
        frame = store.scan().collect()
        return time.perf_counter() - began, frame.height

    def latest_reads() -> tuple[float, int]:
        began = time.perf_counter()
        frame = metering.latest(frame=store.scan(), as_of=AS_AT).collect()
        return time.perf_counter() - began, frame.height

    files_before = len(store.files())
    scan_before = min(all_versions() for _ in range(3))
    before = min(latest_reads() for _ in range(3))
    began = time.perf_counter()
    done = store.compact()
    compact_s = time.perf_counter() - began
    scan_after = min(all_versions() for _ in range(3))
    after = min(latest_reads() for _ in range(3))
    assert before[1] == after[1] == fleet.height
    return {
        "reads": fleet.height,
        "deliveries": days,
        "files_before": files_before,
        "files_after": len(store.files()),
        "partitions_compacted": len(done),
        "compact_s": round(compact_s, 3),
        "scan_all_versions_before_s": round(scan_before[0], 3),
        "scan_all_versions_after_s": round(scan_after[0], 3),
        "latest_reads_before_s": round(before[0], 3),
        "latest_reads_after_s": round(after[0], 3),
        "latest_reads_per_s_before": round(before[1] / before[0]),
        "latest_reads_per_s_after": round(after[1] / after[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--partition", type=int, default=500, help="meters per partition")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--compaction-meters", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        parquet_jobs: list[Job] = []
        csv_jobs: list[Job] = []
        rows = 0
        for number, first in enumerate(range(0, args.meters, args.partition)):
            count = min(args.partition, args.meters - first)
            part = fleet_partition(first, count, args.days, number)
            rows += part.height
            target = root / f"month=2026-03/range={number:03d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            part.write_parquet(target)
            csv_path = root / f"part-{number:03d}.csv"
            urbis_csv.write_intervals(part, csv_path)
            meters = serials(first, count)
            parquet_jobs.append(("parquet", str(target), meters, None))
            csv_jobs.append(("csv", str(csv_path), meters, str(root / f"arrived-{number:03d}")))
            del part
        rss_after_generation = peak_rss_mb()

        began = time.perf_counter()
        read_only = sum(pl.read_parquet(job[1]).height for job in parquet_jobs)
        parquet_read_s = time.perf_counter() - began

        warm_up(parquet_jobs[0])  # as the workers are, below
        in_process = {
            "parquet": timed(map, parquet_jobs),
            "csv": timed(map, [(k, p, m, f"{c}-a.parquet") for k, p, m, c in csv_jobs]),
        }

        # one Polars thread per worker: workers, not threads, share the cores
        os.environ["POLARS_MAX_THREADS"] = "1"
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(args.workers, mp_context=context) as pool:
            warm = [parquet_jobs[0], (*csv_jobs[0][:3], f"{csv_jobs[0][3]}-w.parquet")]
            worker_rss = max(pool.map(warm_up, warm * args.workers))
            pooled = {
                "parquet": timed(pool.map, parquet_jobs),
                "csv": timed(pool.map, [(k, p, m, f"{c}-b.parquet") for k, p, m, c in csv_jobs]),
            }
        compacted = compaction(root, args.compaction_meters, args.days)

    same = {r["findings"].__repr__() for r in (*in_process.values(), *pooled.values())}
    print(
        json.dumps(
            {
                "reads": rows,
                "meters": args.meters,
                "days": args.days,
                "meters_per_partition": args.partition,
                "workers": args.workers,
                "parquet_read_only_reads_per_s": round(read_only / parquet_read_s),
                "in_process": in_process,
                "process_per_core": pooled,
                "same_findings_everywhere": len(same) == 1,
                "compaction": compacted,
                "load_average_1min": round(os.getloadavg()[0], 1),
                "peak_rss_mb_after_generation": round(rss_after_generation),
                "peak_rss_mb_main": round(peak_rss_mb()),
                "peak_rss_mb_worker_warm": round(worker_rss),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
