"""
Seed the demo utility into a fresh SQLite database and time it.

    .venv/bin/python -m benchmarks.bench_seed --accounts 1000000
    .venv/bin/python -m benchmarks.bench_seed --accounts 200000 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

With ``--postgres`` it seeds a fresh database created on that server (PostgreSQL COPY path).
Prints JSON: accounts, rows, seconds, accounts/s, rows/s, database size and peak memory.
Target (issue 2): 1,000,000 accounts in at most 120 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.demo import seed
from urbis.application.identity import operations as identity_ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", help="a PostgreSQL server database URL to create one on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="urbis-bench-") as folder:
        path = Path(folder) / "seed.sqlite3"
        url = f"sqlite:///{path}" if not args.postgres else _fresh_postgres(args.postgres)
        clock = system.FixedClock(datetime(2026, 11, 1, tzinfo=UTC))
        container = bootstrap.build(
            url=url, clock=clock, secret="a-benchmark-signing-secret-of-enough-length-01234"
        )
        tenant = identity_ops.create_tenant(
            uow_factory=container.uow,
            clock=container.clock,
            id_generator=container.ids,
            code="bench",
            name="Benchmark",
            nit="890904996-1",
        )
        started = time.perf_counter()
        report = seed.seed(
            engine=container.engine,
            tenant_id=tenant.id,
            actor_id="bench",
            accounts=args.accounts,
            seed_value=args.seed,
            as_at=clock.now(),
            id_generator=container.ids,
        )
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        if args.postgres:
            with container.engine.connect() as connection:
                size = connection.exec_driver_sql(
                    "SELECT pg_database_size(current_database())"
                ).scalar_one()
            container.engine.dispose()
            _drop_postgres(args.postgres, url)
    print(
        json.dumps(
            {
                "benchmark": "seed_demo_utility_" + ("postgresql" if args.postgres else "sqlite"),
                "accounts": report.accounts,
                "rows": report.rows,
                "seconds": round(seconds, 1),
                "accounts_per_second": round(report.accounts / seconds),
                "rows_per_second": round(report.rows / seconds),
                "database_bytes": size,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "target_seconds": 120,
                "python": platform.python_version(),
                "cpus": __import__("os").cpu_count(),
            },
            indent=2,
        )
    )


def _fresh_postgres(server_url: str) -> str:
    name = f"urbis_bench_{int(time.time())}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(server_url: str, url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


if __name__ == "__main__":
    main()
