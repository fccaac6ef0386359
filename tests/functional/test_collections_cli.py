"""`urbis collections` and `urbis orders` as an operator uses them, on a seeded SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.conftest import publish_shipped_packs
from urbis import bootstrap
from urbis.adapters.db import ledger as db_ledger
from urbis.domain import ledger
from urbis.interfaces.cli.main import app
from urbis.kernel import ids

runner = CliRunner()


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A seeded demo utility with one 200,000 peso bill overdue since 2026-01-01."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("URBIS_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["seed", "--accounts", "20", "--seed", "3"]).exit_code == 0
    container = bootstrap.build()
    with container.engine.begin() as connection:
        tenant, account = connection.execute(
            sa.text("SELECT tenant_id, id FROM accounts ORDER BY id LIMIT 1")
        ).one()
        db_ledger.LedgerRepository(connection).add(
            ledger.bill_entry(
                id=ledger.EntryId(container.ids.new_id()),
                tenant_id=ids.TenantId(tenant),
                account_id=ids.AccountId(account),
                source="bill:F-1",
                booked_at=datetime(2025, 12, 10, tzinfo=UTC),
                accounting_date=date(2025, 12, 10),
                due_date=date(2026, 1, 1),
                item="F-1",
                currency="COP",
                revenue={"ELECTRICITY": Decimal(200000)},
            )
        )
    publish_shipped_packs(container, tenant)
    container.engine.dispose()
    return tenant, account


class TestCollectionsCommands:
    def test_a_run_reports_its_steps_and_a_rerun_adds_none(self, seeded: tuple[str, str]) -> None:
        first = runner.invoke(app, ["collections", "run", "--as-of", "2026-03-05"])
        again = runner.invoke(app, ["collections", "run", "--as-of", "2026-03-05"])

        assert first.exit_code == 0, first.output
        assert "SUSPENSION_NOTICE" in first.output
        assert "1 accounts in arrears" in first.output
        assert "SUSPENSION_NOTICE" not in again.output

    def test_a_hold_is_listed_and_a_bad_date_is_refused(self, seeded: tuple[str, str]) -> None:
        held = runner.invoke(
            app,
            ["collections", "hold", "Antioquia", "--reason", "Decreto 417", "--from", "2026-03-01"],
        )
        listed = runner.invoke(app, ["collections", "holds"])
        bad = runner.invoke(app, ["collections", "run", "--as-of", "05/03/2026"])

        assert held.exit_code == 0, held.output
        assert "Antioquia" in listed.output
        assert bad.exit_code == 1
        assert "invalid_value" in bad.output

    def test_an_order_is_created_assigned_and_completed(self, seeded: tuple[str, str]) -> None:
        _, account = seeded
        created = runner.invoke(
            app, ["orders", "create", account, "--kind", "SUSPENSION", "--reason", "Mora"]
        )
        order_id = created.output.split('"id": "')[1].split('"')[0]

        assigned = runner.invoke(app, ["orders", "assign", order_id, "--to", "Cuadrilla 1"])
        done = runner.invoke(app, ["orders", "complete", order_id, "--outcome", "DONE"])
        listed = runner.invoke(
            app, ["orders", "list", "--status", "COMPLETED"], env={"COLUMNS": "200"}
        )

        assert created.exit_code == 0, created.output
        assert (assigned.exit_code, done.exit_code) == (0, 0)
        assert order_id in listed.output
