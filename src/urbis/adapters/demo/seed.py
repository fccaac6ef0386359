"""Seed the demo utility in bulk: batches of accounts, each batch one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import attrs
import sqlalchemy as sa

from urbis.adapters.db import bulk
from urbis.adapters.db import repositories as repos
from urbis.adapters.demo import generator
from urbis.application import ports
from urbis.kernel import ids


def _prefetched(
    items: Iterator[generator.Batch], dialect: str
) -> Iterator[tuple[generator.Batch, list[bulk.Prepared]]]:
    def produce() -> tuple[generator.Batch, list[bulk.Prepared]] | None:
        batch = next(items, None)
        if batch is None:
            return None
        return batch, bulk.prepare(batch.frames, dialect=dialect)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(produce)
        while (item := pending.result()) is not None:
            pending = pool.submit(produce)
            yield item


@attrs.frozen
class SeedReport:
    accounts: int
    rows: int
    first_account_number: str | None


def seed(
    *,
    engine: sa.Engine,
    tenant_id: ids.TenantId,
    actor_id: str,
    accounts: int,
    seed_value: int,
    as_at: datetime,
    id_generator: ports.IdGenerator,
    batch_size: int = 100_000,
    on_batch: Callable[[int], None] = lambda _: None,
) -> SeedReport:
    """
    Add ``accounts`` generated accounts (with holders, premises, meters, agreements) to a tenant.

    Each batch commits on its own; one audit entry records the whole seeding run.
    """
    with engine.connect() as connection:
        first_sequence = repos.AccountRepository(connection).next_sequence(tenant_id)
    run = generator.run_prefix(at=as_at, salt=secrets.randbits(80))
    rows = 0
    first_number: str | None = None
    batches = generator.generate(
        tenant_id=tenant_id,
        run=run,
        accounts=accounts,
        seed=seed_value,
        first_sequence=first_sequence,
        batch_size=batch_size,
        as_at=as_at,
    )
    # The next batch is generated and converted on the other core while this one is written.
    with bulk.loading(engine) as load:
        for batch, prepared in _prefetched(batches, load.connection.dialect.name):
            with load.batch():
                rows += bulk.write_prepared(load.connection, prepared)
            if first_number is None:
                first_number = dict(batch.frames)["accounts"]["number"][0]
            on_batch(batch.accounts)
    with engine.begin() as connection:
        repos.AuditLog(connection).record(
            ports.AuditEntry(
                id=id_generator.new_id(),
                tenant_id=tenant_id,
                actor_id=actor_id,
                at=as_at,
                entity="tenant",
                entity_id=tenant_id,
                action="seed",
                before=None,
                after={"accounts": accounts, "rows": rows, "seed": seed_value, "run": run},
            )
        )
    return SeedReport(accounts=accounts, rows=rows, first_account_number=first_number)
