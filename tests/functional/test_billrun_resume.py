"""A bill run killed with SIGKILL half-way resumes to exactly one bill per agreement and period."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.domain import identity

URBIS = str(Path(sys.executable).parent / "urbis")
HOMES = 12


def _scalar(container: bootstrap.App, sql: str, **params: object) -> int:
    with container.engine.connect() as connection:
        return int(connection.execute(sa.text(sql), params).scalar_one() or 0)


class TestResumeAKilledRun:
    # 0: batches billed in the writing process; 1 (the default): loaded and rated in a thread
    # ahead of the writer, so the kill may land with batches computed but not committed
    @pytest.mark.parametrize("workers", ["0", "1"])
    def test_resume_bills_every_agreement_exactly_once(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env, workers: str
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=HOMES)
        helpers.add_register_reads(
            container,
            tenant,
            [
                (h.meter, at, value, "ACTUAL")
                for n, h in enumerate(homes)
                for at, value in (
                    (datetime(2026, 9, 30, 15, tzinfo=UTC), 100.0 * n),
                    (datetime(2026, 10, 30, 15, tzinfo=UTC), 100.0 * n + 120),
                )
            ],
        )
        env = helpers.billing_env(container, tenant)  # defines cycle C01
        environment = {
            **os.environ,
            "URBIS_DATABASE_URL": container.database_url,
            "URBIS_DATA_DIR": str(container.data_dir),
            "URBIS_BILLRUN_WORKERS": workers,
            "COLUMNS": "120",
        }
        command = [URBIS, "billrun", "start", "--cycle", "C01", "--period", "2026-10"]
        command += ["--batch-size", "1", "--tenant", tenant.code]
        child = subprocess.Popen(
            command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        committed_sql = (
            "SELECT count(*) FROM bill_run_batches b JOIN bill_runs r ON r.id = b.run_id "
            "WHERE r.tenant_id = :t AND b.committed_at IS NOT NULL"
        )
        deadline = time.monotonic() + 120
        while _scalar(container, committed_sql, t=tenant.id) < 3:
            assert child.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run did not commit three batches in time"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        at_kill = _scalar(container, committed_sql, t=tenant.id)
        with container.engine.connect() as connection:
            run_id = connection.execute(
                sa.text("SELECT id FROM bill_runs WHERE tenant_id = :t"), {"t": tenant.id}
            ).scalar_one()

        resumed = billing_ops.resume_run(env=env, run_id=run_id)

        assert child.returncode == -signal.SIGKILL
        assert 3 <= at_kill < HOMES
        assert resumed["status"] == "COMPLETED"
        assert resumed["bills"] == HOMES
        per_agreement = (
            "SELECT count(*) FROM (SELECT agreement_id FROM bills WHERE tenant_id = :t "
            "AND period = '2026-10' AND status <> 'CANCELLED' GROUP BY agreement_id "
            "HAVING count(*) = 1) AS once"
        )
        assert _scalar(container, per_agreement, t=tenant.id) == HOMES
        assert (
            _scalar(container, "SELECT count(*) FROM bills WHERE tenant_id = :t", t=tenant.id)
            == HOMES
        )
        assert _scalar(container, committed_sql, t=tenant.id) == HOMES
