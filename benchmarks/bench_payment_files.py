"""
Import a bank payment file into a seeded utility and time it.

    .venv/bin/python -m benchmarks.bench_payment_files --rows 100000
    .venv/bin/python -m benchmarks.bench_payment_files --rows 100000 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeds as many accounts as rows (the demo generator), posts one open bill per account to the
ledger, writes one payment file (one payment per account, half of them partial payments, a
tenth overpaying), then times reading the file and importing it (allocation, ledger entries,
payments, audit, one transaction), and then queuing "payment received" for every payment the
file posted, after it commits (ADR 0076; the demo's customers consent as the seed decides).
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from benchmarks.bench_seed import _drop_postgres, _fresh_postgres
from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import tables
from urbis.adapters.demo import seed
from urbis.adapters.formats import payment_files
from urbis.application.identity import operations as identity_ops
from urbis.application.payments import operations
from urbis.bootstrap import payments as wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import identity, ledger
from urbis.kernel import ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL server database URL to create one on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="urbis-bench-") as folder:
        url = (
            f"sqlite:///{Path(folder) / 'payments.sqlite3'}"
            if not args.postgres
            else _fresh_postgres(args.postgres)
        )
        try:
            result = run(url, args.rows)
        finally:
            if args.postgres:
                _drop_postgres(args.postgres, url)
    result["database"] = "postgresql" if args.postgres else "sqlite"
    print(json.dumps(result, indent=2))


def run(url: str, rows: int) -> dict[str, object]:
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
    seed.seed(
        engine=container.engine,
        tenant_id=tenant.id,
        actor_id="bench",
        accounts=rows,
        seed_value=1,
        as_at=clock.now(),
        id_generator=container.ids,
    )
    with container.engine.connect() as connection:
        accounts = connection.execute(
            sa.select(tables.accounts.c.id, tables.accounts.c.number)
            .where(tables.accounts.c.tenant_id == tenant.id)
            .order_by(tables.accounts.c.number)
            .limit(rows)
        ).all()
    bills = [
        ledger.bill_entry(
            id=ledger.EntryId(container.ids.new_id()),
            tenant_id=tenant.id,
            account_id=ids.AccountId(a.id),
            source=f"bill:BENCH-{n}",
            booked_at=clock.now(),
            accounting_date=date(2026, 10, 5),
            due_date=date(2026, 10, 25),
            item=f"BENCH-{n}",
            currency="COP",
            revenue={"ELECTRICITY": Decimal(80_000 + n % 50_000)},
        )
        for n, a in enumerate(accounts)
    ]
    with container.engine.begin() as connection:
        repository = db_ledger.LedgerRepository(connection)
        for start in range(0, len(bills), 10_000):
            repository.add_many(bills[start : start + 10_000])
    content = payment_files.write(
        [
            {
                "bank_code": "007",
                "agreement": "15234",
                "payment_reference": a.number,
                "amount": str(
                    Decimal(80_000 + n % 50_000)
                    * (Decimal("0.5") if n % 2 else Decimal("1.1") if n % 10 == 0 else 1)
                ),
                "paid_at": "2026-10-24T10:00:00-05:00",
                "channel": "BANK",
                "transaction_id": f"T{n:09d}",
            }
            for n, a in enumerate(accounts)
        ]
    )
    env = wiring.env(
        container=container,
        actor=identity.Actor(
            user_id=ids.UserId("bench"),
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.ADMIN}),
        ),
    )
    started = time.perf_counter()
    parsed = wiring.read_payment_file(name="bench.csv", content=content, currency="COP")
    read_seconds = time.perf_counter() - started
    outcome = operations.import_payment_file(env=env, file=parsed)
    total_seconds = time.perf_counter() - started
    notices = portal_wiring.queue_payment_notices(
        container=container, tenant_id=tenant.id, file_id=outcome.file_id
    )
    notice_seconds = time.perf_counter() - started - total_seconds
    container.engine.dispose()
    return {
        "benchmark": "payment_file_import",
        "rows": len(parsed.rows),
        "file_bytes": len(content),
        "posted": outcome.posted,
        "read_seconds": round(read_seconds, 2),
        "import_seconds": round(total_seconds - read_seconds, 2),
        "total_seconds": round(total_seconds, 2),
        "rows_per_second": round(len(parsed.rows) / total_seconds),
        "notices_queued": notices.queued,
        "notices_suppressed": notices.suppressed,
        "notice_seconds": round(notice_seconds, 2),
        "notices_per_second": round(outcome.posted / notice_seconds) if notice_seconds else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    main()
