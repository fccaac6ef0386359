"""The partition function runs the same in this process, a local process pool and on Dask."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import distributed
import pytest
import sqlalchemy as sa

from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.adapters import compute
from urbis.application import pipeline
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.domain import identity


def _totals(container: bootstrap.App, run_id: str) -> list[tuple[str, int]]:
    with container.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT agreement_id, total FROM bills WHERE run_id = :r ORDER BY 1"),
            {"r": run_id},
        )
        return [(str(a), int(t)) for a, t in rows]


@pytest.fixture(scope="module")
def dask_client() -> Iterator[distributed.Client]:
    cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)  # type: ignore[no-untyped-call]
    yield client
    client.close()  # type: ignore[no-untyped-call]
    cluster.close()


class TestRunners:
    def test_a_dask_cluster_bills_what_this_process_bills(
        self,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
        dask_client: distributed.Client,
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=5)
        helpers.add_register_reads(
            container,
            tenant,
            [
                (h.meter, at, value + 37.0 * n, "ACTUAL")
                for n, h in enumerate(homes)
                for at, value in (
                    (datetime(2026, 9, 30, 15, tzinfo=UTC), 10.0),
                    (datetime(2026, 10, 30, 15, tzinfo=UTC), 150.0),
                )
            ],
        )
        local = helpers.billing_env(container, tenant, runner=compute.InProcess())
        on_dask = helpers.billing_env(container, tenant, runner=compute.DaskCluster(dask_client))

        trial = billing_ops.start_run(env=local, cycle="C01", period="2026-10", trial=True)
        final = billing_ops.start_run(env=on_dask, cycle="C01", period="2026-10")

        assert final["bills"] == 5
        assert _totals(container, final["id"]) == _totals(container, trial["id"])


class _Recording(compute.InProcess):
    """Runs each batch in this process and notes the collector's thresholds as it does."""

    def __init__(self) -> None:
        self.thresholds: list[tuple[int, int, int]] = []

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            self.thresholds.append(gc.get_threshold())
            yield fn(item)


class TestCollectorDuringARun:
    def test_a_run_collects_less_often_while_it_bills_and_restores_the_thresholds(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=3)
        helpers.read_every_meter(
            container,
            tenant,
            homes,
            [
                (datetime(2026, 9, 30, 15, tzinfo=UTC), 10.0),
                (datetime(2026, 10, 30, 15, tzinfo=UTC), 150.0),
            ],
        )
        runner = _Recording()
        saved = gc.get_threshold()
        gc.set_threshold(700, 10, 10)  # Python's defaults
        try:
            run = billing_ops.start_run(
                env=helpers.billing_env(container, tenant, runner=runner),
                cycle="C01",
                period="2026-10",
            )
            after = gc.get_threshold()
        finally:
            gc.set_threshold(*saved)

        assert run["bills"] == 3
        assert runner.thresholds
        assert all(t == (pipeline.BATCH_GC_THRESHOLD, 10, 10) for t in runner.thresholds)
        assert after == (700, 10, 10)
