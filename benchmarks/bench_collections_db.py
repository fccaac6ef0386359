"""
A collections run on a real database: seeded accounts with one overdue bill each in the
ledger, the run as the API and CLI do it (arrears summed in SQL, facts joined in SQL, the
policy pack per distinct input, steps and orders written in one transaction), then a rerun.

    .venv/bin/python -m benchmarks.bench_collections_db --accounts 100000 [--url URL]

Prints JSON with the time of each stage.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.db import collections as db_collections
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.demo import seed as demo_seed
from urbis.application.collections import operations
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import collections as wiring
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import identity, ledger
from urbis.kernel import ids

AS_OF = date(2026, 11, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'collections.sqlite3'}"
    clock = system.FixedClock(datetime(2026, 11, 2, 6, tzinfo=UTC))
    container = bootstrap.build(url=url, clock=clock, secret="x" * 48)
    tenant = identity_ops.create_tenant(
        uow_factory=container.uow,
        clock=container.clock,
        id_generator=container.ids,
        code=f"bench-{int(time.time())}",
        name="Empresa de prueba",
        nit="890904996-1",
    )
    stages: dict[str, float] = {}
    started = time.perf_counter()
    demo_seed.seed(
        engine=container.engine,
        tenant_id=tenant.id,
        actor_id="bench",
        accounts=args.accounts,
        seed_value=5,
        as_at=clock.now(),
        id_generator=container.ids,
    )
    stages["seed_accounts"] = time.perf_counter() - started

    started = time.perf_counter()
    with container.engine.connect() as connection:
        accounts = [
            r.id
            for r in connection.execute(
                sa.text("SELECT id FROM accounts WHERE tenant_id = :t"), {"t": tenant.id}
            )
        ]
    rng = np.random.default_rng(3)
    overdue = rng.integers(1, 181, len(accounts))
    amounts = rng.gamma(2.0, 60000.0, len(accounts)).round(0) + 1000
    entries = [
        ledger.bill_entry(
            id=ledger.EntryId(container.ids.new_id()),
            tenant_id=tenant.id,
            account_id=ids.AccountId(account),
            source=f"bill:B{i}",
            booked_at=clock.now() - timedelta(days=200),
            accounting_date=AS_OF - timedelta(days=200),
            due_date=AS_OF - timedelta(days=int(days)),
            item=f"B{i}",
            currency="COP",
            revenue={"ELECTRICITY": Decimal(int(amount))},
        )
        for i, (account, days, amount) in enumerate(zip(accounts, overdue, amounts, strict=True))
    ]
    with container.engine.begin() as connection:
        db_ledger.LedgerRepository(connection).add_many(entries)
    stages["post_bills"] = time.perf_counter() - started

    actor = identity.Actor(
        user_id=ids.UserId("bench"),
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.COLLECTIONS}),
    )
    with container.engine.begin() as connection:
        started = time.perf_counter()
        arrears = db_collections.LedgerArrears(connection).overdue(tenant.id, AS_OF)
        stages["arrears_sql"] = time.perf_counter() - started
        started = time.perf_counter()
        db_collections.DbAccountFacts(connection).facts(
            tenant.id, arrears.get_column("account_id").to_list()
        )
        stages["facts_sql"] = time.perf_counter() - started
    rules_wiring.install_shipped_packs(  # runs ask the tenant's published policy
        container=container,
        actor=identity.Actor(
            user_id=ids.UserId("admin"), tenant_id=tenant.id, roles=frozenset({identity.Role.ADMIN})
        ),
    )
    runs = []
    for label, as_of in (
        ("first run", AS_OF),
        ("rerun the same day", AS_OF),
        ("ten days later", AS_OF + timedelta(days=10)),
    ):
        started = time.perf_counter()
        with container.engine.begin() as connection:
            env = wiring.database_env(container=container, actor=actor, connection=connection)
            result = operations.run_collections(env=env, as_of=as_of)
        seconds = time.perf_counter() - started
        runs.append({"run": label, "seconds": round(seconds, 2), "counts": result["counts"]})
    print(
        json.dumps(
            {
                "benchmark": "collections run on a database",
                "database": container.engine.dialect.name,
                "accounts": len(accounts),
                "accounts_in_arrears": arrears.height,
                "stages_seconds": {k: round(v, 2) for k, v in stages.items()},
                "runs": runs,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
