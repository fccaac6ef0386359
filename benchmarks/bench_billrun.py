"""
End-to-end bill run on the synthetic utility: bills, lines and ledger entries persisted.

    .venv/bin/python -m benchmarks.bench_billrun --accounts 20000 --reads register
    .venv/bin/python -m benchmarks.bench_billrun --accounts 20000 --reads interval
    .venv/bin/python -m benchmarks.bench_billrun --accounts 20000 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeds a fresh database (not timed), puts every account in one cycle, writes a month of reads for
every meter into the Parquet stores (not timed: that is metering's ingest): with ``--reads
register`` two register reads per meter; with ``--reads interval`` electricity meters become
smart meters with 15-minute data for the month (water stays on register reads). Then times one
final bill run of October 2026 stage by stage (in this process, so the stages add up; with
``--pipeline``, the bill runs' default runner, a thread loads and rates the next batch while
this one is written; with ``--workers 2`` the rating runs in a local pool). Prints JSON with
wall and CPU seconds, per stage too.

``--validation`` picks what validates the bills (the "validation" stage, ADR 0034): ``pack``
(default) installs the shipped rule packs and the run asks the published ``bill_validation``
pack per decision key; ``distinct`` asks the same pack once per distinct combination of the
inputs it reads (the way before decision keys, close to once per bill); ``policy`` installs no
pack, so the configured policy validates. ``--history`` first bills September (not timed), so
October's bills are compared with a history (ratios vary per bill).
On PostgreSQL the run writes two batches at once, each on its own connection
(``URBIS_BILLRUN_WRITERS=1`` for one at a time, ADR 0063); on SQLite one.
Targets (issue 5, 1,000,000 accounts on 2 cores): register reads <= 60 s, interval <= 300 s.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import numpy as np
import polars as pl
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters import compute, system
from urbis.adapters.db import rules as db_rules
from urbis.adapters.demo import seed
from urbis.application.billing import operations
from urbis.application.identity import operations as identity_ops
from urbis.application.rules import answering, evaluation
from urbis.bootstrap import billing as wiring
from urbis.bootstrap import demo
from urbis.bootstrap import metering as metering_wiring
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import identity, metering

AS_AT = datetime(2026, 11, 1, tzinfo=UTC)


def _reads(
    container: bootstrap.App, tenant: identity.Tenant, mode: str, history: bool = False
) -> int:
    with container.engine.begin() as connection:
        if mode == "interval":
            connection.execute(
                sa.text("UPDATE meters SET kind = 'INTERVAL' WHERE service = 'ELECTRICITY'")
            )
        else:
            connection.execute(sa.text("UPDATE meters SET kind = 'REGISTER'"))
        connection.execute(sa.text("UPDATE accounts SET billing_cycle = 'C01'"))
        meters = pl.DataFrame(
            connection.execute(sa.text("SELECT serial, kind FROM meters")).all(),
            schema=["serial", "kind"],
            orient="row",
        )
    stores = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code=tenant.code
    )
    rng = np.random.default_rng(5)
    registers = meters.filter(pl.col("kind") == "REGISTER")["serial"]
    n = registers.len()
    before = rng.integers(0, 9_000, n).astype(np.float64)
    advance = rng.integers(5, 400, n).astype(np.float64)
    earlier = before - rng.integers(5, 400, n).astype(np.float64)
    months = [(datetime(2026, 9, 30, 15, tzinfo=UTC), before)]
    if history:
        months.insert(0, (datetime(2026, 8, 30, 15, tzinfo=UTC), earlier))
    months.append((datetime(2026, 10, 30, 15, tzinfo=UTC), before + advance))
    frame = pl.DataFrame(
        {
            "meter": pl.concat([registers] * len(months)),
            "register": "E1",
            "read_at": [at for at, _ in months for _ in range(n)],
            "value": np.concatenate([values for _, values in months]),
            "unit": "kWh",
            "read_type": "ACTUAL",
            "source": "bench",
        }
    )
    rows = frame.height
    stores.registers.append(
        metering.stamp(
            frame=metering.conform(frame=frame, schema=metering.REGISTER_SCHEMA),
            recorded_at=AS_AT,
            first_sequence=0,
        )
    )
    smart = meters.filter(pl.col("kind") == "INTERVAL")["serial"]
    start = datetime(2026, 10, 1, 5, tzinfo=UTC)
    slots = 31 * 96
    starts = pl.Series([start + timedelta(minutes=15 * i) for i in range(slots)])
    sequence = stores.intervals.next_sequence()
    # deliveries of 2,000 meters (6M values): the peak memory printed is the run's, not this
    for chunk in range(0, smart.len(), 2_000):
        part = smart.slice(chunk, 2_000)
        m = part.len()
        usage = pl.DataFrame(
            {
                "meter": np.repeat(part.to_numpy(), slots),
                "channel": "E1",
                "start": pl.concat([starts] * m),
                "minutes": 15,
                "quantity": rng.integers(0, 600, m * slots) / 1000.0,
                "unit": "kWh",
                "quality": "ACTUAL",
                "source": "bench",
            }
        )
        stores.intervals.append(
            metering.stamp(
                frame=metering.conform(frame=usage, schema=metering.INTERVAL_SCHEMA),
                recorded_at=AS_AT,
                first_sequence=sequence,
            )
        )
        sequence += usage.height
        rows += usage.height
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--reads", choices=("register", "interval"), default="register")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument(
        "--pipeline",
        action="store_true",
        help="load and rate the next batch in a thread while this one is written",
    )
    parser.add_argument("--postgres", help="a PostgreSQL server database URL to create one on")
    parser.add_argument("--validation", choices=("pack", "distinct", "policy"), default="pack")
    parser.add_argument("--history", action="store_true", help="bill September first (untimed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="urbis-bench-") as folder:
        os.environ["URBIS_DATA_DIR"] = folder
        url = f"sqlite:///{Path(folder) / 'bill.sqlite3'}"
        if args.postgres:
            url = _fresh_postgres(args.postgres)
        container = bootstrap.build(
            url=url,
            clock=system.FixedClock(AS_AT),
            secret="a-benchmark-signing-secret-of-enough-length-01234",
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
        seed.seed(
            engine=container.engine,
            tenant_id=tenant.id,
            actor_id="bench",
            accounts=args.accounts,
            seed_value=1,
            as_at=AS_AT,
            id_generator=container.ids,
        )
        demo.create_demo_tariffs(container, tenant.code)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        read_rows = _reads(container, tenant, args.reads, args.history)
        # fresh statistics after the bulk seed, as an operator runs ANALYZE after a migration
        # (PostgreSQL's autovacuum would get there later; SQLite keeps none until asked)
        with container.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        reads_seconds = time.perf_counter() - started
        actor = identity.Actor(
            user_id=identity_ops.SYSTEM_USER,
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.BILLING_ANALYST}),
        )
        env = wiring.billing_env(
            container=container,
            actor=actor,
            runner=compute.Pipelined()
            if args.pipeline
            else wiring.partition_runner(workers=args.workers),
            batch_size=args.batch_size,
        )
        operations.save_cycle(
            env=env, code="C01", read_day=2, bill_day=5, due_days=15, suspension_days=30
        )
        if args.validation != "policy":
            admin = identity.Actor(
                user_id=identity_ops.SYSTEM_USER,
                tenant_id=tenant.id,
                roles=frozenset({identity.Role.ADMIN}),
            )
            rules_wiring.install_shipped_packs(container=container, actor=admin)
        if args.validation == "distinct":
            env = attrs.evolve(env, validator=_per_distinct_combination(container, tenant))
        if args.history:
            operations.start_run(env=env, cycle="C01", period="2026-09")
        stages: dict[str, float] = collections.defaultdict(float)
        cpu: dict[str, float] = collections.defaultdict(float)

        @contextlib.contextmanager
        def timer(stage: str) -> Iterator[None]:
            began, began_cpu = time.perf_counter(), time.process_time()
            try:
                yield
            finally:
                stages[stage] += time.perf_counter() - began
                cpu[stage] += time.process_time() - began_cpu

        started = time.perf_counter()
        cpu_started = time.process_time()
        with timer("plan (accounts due, batches recorded)"):
            run = operations.create_run(env=env, cycle="C01", period="2026-10")
        summary = operations.resume_run(env=env, run_id=run["id"], timer=timer)
        seconds = time.perf_counter() - started
        # this process's CPU time (all its threads; not a pool's workers): less sensitive than
        # the wall clock to other work on a shared machine
        cpu_seconds = time.process_time() - cpu_started
        loads = stages["load agreements"] + stages["load reads"]
        if args.workers <= 1 and not args.pipeline:
            key = "determinants and rating (with loads when in process)"
            stages["determinants and rating"] = stages.pop(key) - loads
            cpu["determinants and rating"] = cpu.pop(key) - (
                cpu["load agreements"] + cpu["load reads"]
            )
        with container.engine.connect() as connection:
            lines = connection.execute(sa.text("SELECT count(*) FROM bill_lines")).scalar_one()
            entries = connection.execute(
                sa.text("SELECT count(*) FROM journal_entries")
            ).scalar_one()
        if args.postgres:
            container.engine.dispose()
            _drop_postgres(args.postgres, url)
    agreements = summary["agreements"]
    print(
        json.dumps(
            {
                "benchmark": f"bill_run_{args.reads}_"
                + ("postgresql" if args.postgres else "sqlite"),
                "accounts": args.accounts,
                "agreements": agreements,
                "bills": summary["bills"],
                "held": summary["held"],
                "exceptions": summary["exceptions"],
                "bill_lines": lines,
                "ledger_entries": entries,
                "read_rows": read_rows,
                "batch_size": args.batch_size,
                "workers": args.workers,
                "validation": args.validation,
                "validated_by": summary["validated_by"],
                "history": args.history,
                "pipeline": args.pipeline,
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu_seconds, 1),
                "agreements_per_second": round(agreements / seconds),
                "stages": {
                    k: round(v, 2) for k, v in sorted(stages.items(), key=lambda kv: -kv[1])
                },
                "stages_cpu": {
                    k: round(v, 1) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])
                },
                "seed_seconds_not_timed": round(seeded, 1),
                "reads_seconds_not_timed": round(reads_seconds, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
    )


def _per_distinct_combination(
    container: bootstrap.App, tenant: identity.Tenant
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """The published pack asked once per distinct combination of its inputs (no decision keys)."""
    with container.engine.connect() as connection:
        pack = answering.version_in_force(
            packs=db_rules.PackRepository(connection),
            tenant_id=tenant.id,
            extension_point="bill_validation",
            as_of=datetime(2026, 10, 1, tzinfo=UTC).date(),
        )
    assert pack is not None
    engine = rules_wiring.rule_engine()
    return lambda frame: evaluation.answer_frame(
        engine=engine, pack=pack, frame=frame, by_decision_key=False
    )


def _fresh_postgres(server_url: str) -> str:
    name = f"urbis_bench_bill_{int(time.time())}"
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
