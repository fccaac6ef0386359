"""
PostgreSQL interval store: COPY load and COPY read-back throughput, in rows per second.

Creates a scratch database on the server named by ``--url`` (default: the local test server),
migrates it, loads a synthetic fleet of 15-minute reads one delivery per meter block through
``PostgresIntervalStore.append`` (monthly partitions created on demand, COPY straight into each
partition, one transaction per delivery), reads it back, then drops the database. Prints JSON.

    .venv/bin/python benchmarks/bench_interval_copy.py --meters 1000 --days 30
"""

from __future__ import annotations

import argparse
import json
import secrets
import time
from datetime import UTC, datetime

import numpy as np
import polars as pl
import sqlalchemy as sa

from urbis.adapters.db import engine as db_engine
from urbis.adapters.db import metering as db_metering
from urbis.domain import metering

RECORDED_AT = datetime(2026, 4, 1, tzinfo=UTC)


def delivery(first: int, count: int, days: int, sequence: int, seed: int) -> pl.DataFrame:
    """Reads of meters [first, first + count) from 28 February (so two months are touched)."""
    rng = np.random.default_rng(seed)
    per_meter = days * 96
    slots = np.tile(np.arange(per_meter), count)
    frame = pl.DataFrame(
        {
            "meter": np.repeat(np.array([f"M{first + i:07d}" for i in range(count)]), per_meter),
            "channel": "E1",
            "start": np.datetime64("2026-02-28T00:00", "us") + slots * np.timedelta64(15, "m"),
            "minutes": np.int32(15),
            "quantity": np.round(rng.gamma(4.0, 0.05, size=slots.size), 3),
            "unit": "kWh",
            "quality": "ACTUAL",
            "source": "bench.csv",
        }
    ).with_columns(pl.col("start").dt.replace_time_zone("UTC"))
    return metering.stamp(
        frame=metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA),
        recorded_at=RECORDED_AT,
        first_sequence=sequence,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--block", type=int, default=250, help="meters per delivery")
    args = parser.parse_args()

    admin = sa.create_engine(args.url, isolation_level="AUTOCOMMIT")
    name = f"urbis_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(args.url).set(database=name).render_as_string(hide_password=False)
    engine = db_engine.create_engine(url)
    try:
        db_engine.upgrade(engine)
        store = db_metering.PostgresIntervalStore(engine, tenant_id="BENCH")
        rows, load_s, sequence = 0, 0.0, 0
        for number, first in enumerate(range(0, args.meters, args.block)):
            frame = delivery(
                first, min(args.block, args.meters - first), args.days, sequence, number
            )
            sequence += frame.height
            began = time.perf_counter()
            rows += store.append(frame)
            load_s += time.perf_counter() - began
        with engine.connect() as connection:
            size = connection.exec_driver_sql(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                "WHERE inhparent = 'interval_reads'::regclass"
            ).scalar_one()
        began = time.perf_counter()
        read_back = store.scan().collect().height
        scan_s = time.perf_counter() - began
        began = time.perf_counter()
        one_month = (
            store.scan(start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 4, 1, tzinfo=UTC))
            .collect()
            .height
        )
        month_s = time.perf_counter() - began
        print(
            json.dumps(
                {
                    "rows": rows,
                    "meters": args.meters,
                    "days": args.days,
                    "meters_per_delivery": args.block,
                    "partitions": list(store.partitions()),
                    "copy_in_rows_per_s": round(rows / load_s),
                    "copy_in_seconds": round(load_s, 2),
                    "copy_out_rows_per_s": round(read_back / scan_s),
                    "copy_out_one_month_rows_per_s": round(one_month / month_s),
                    "bytes_per_row_with_index": round(int(size) / rows),
                },
                indent=1,
            )
        )
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
