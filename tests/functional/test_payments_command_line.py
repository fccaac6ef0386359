"""`urbis payments import`: bank files from the command line, whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import actor_with
from urbis import bootstrap
from urbis.adapters.formats import payment_files
from urbis.application.accounts import operations as account_ops
from urbis.application.customers import operations as customer_ops
from urbis.application.identity import operations as identity_ops
from urbis.domain import customers, identity
from urbis.interfaces.cli.main import app

runner = CliRunner()


@pytest.fixture
def account_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("URBIS_DATABASE_URL", url)
    container = bootstrap.build(url=url)
    tenant = identity_ops.create_tenant(
        uow_factory=container.uow,
        clock=container.clock,
        id_generator=container.ids,
        code="epm",
        name="Empresa",
        nit="890904996-1",
    )
    env = container.env(actor_with(tenant, identity.Role.AGENT))
    party = customer_ops.register_party(
        env=env,
        kind=customers.PartyKind.PERSON,
        name="Marta Ospina",
        document_type=customers.DocumentType.CC,
        document_number="32456789",
        contacts=[],
    )
    return account_ops.open_account(env=env, holder_id=party.id, billing_cycle="C05").number


def bank_file(path: Path, number: str, *transactions: str) -> Path:
    path.write_bytes(
        payment_files.write(
            [
                {
                    "bank_code": "007",
                    "agreement": "15234",
                    "payment_reference": number,
                    "amount": "1000.00",
                    "paid_at": "2026-03-02T09:15:00-05:00",
                    "channel": "BANK",
                    "transaction_id": t,
                }
                for t in transactions
            ]
        )
    )
    return path


class TestPaymentsImport:
    def test_posts_files_reports_duplicates_and_refuses_a_file_seen_before(
        self, tmp_path: Path, account_number: str
    ) -> None:
        first = bank_file(tmp_path / "a.csv", account_number, "T1", "T2")
        second = bank_file(tmp_path / "b.csv", account_number, "T2", "T3")

        result = runner.invoke(
            app, ["payments", "import", str(first), str(second), str(first), "--tenant", "epm"]
        )

        assert result.exit_code == 1
        assert "a.csv: 2 of 2 payments posted (2000.00 COP), 0 duplicate row(s)" in result.output
        assert "b.csv: 1 of 2 payments posted (1000.00 COP), 1 duplicate row(s): rows 2" in (
            result.output
        )
        assert "duplicate_payment_file" in result.output

    def test_a_file_with_a_bad_row_lists_it_and_posts_nothing(
        self, tmp_path: Path, account_number: str
    ) -> None:
        bad = bank_file(tmp_path / "bad.csv", "1234567897", "T1")

        result = runner.invoke(app, ["payments", "import", str(bad), "--tenant", "epm"])

        assert result.exit_code == 1
        assert "invalid_payment_file" in result.output
        assert "row 2: unknown_account" in result.output
