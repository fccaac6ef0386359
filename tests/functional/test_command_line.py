"""The `urbis` command as an operator uses it, on a SQLite file in a scratch folder."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from urbis.interfaces.cli.main import app

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("URBIS_DATABASE_URL", raising=False)
    return tmp_path


def scalar(path: Path, sql: str) -> object:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        value = connection.execute(sa.text(sql)).scalar_one()
    engine.dispose()
    return value


class TestDemoCommand:
    def test_creates_seeds_and_lists_the_demo_users_once(self, workdir: Path) -> None:
        first = runner.invoke(app, ["demo", "--no-serve", "--accounts", "300"])
        second = runner.invoke(app, ["demo", "--no-serve", "--accounts", "300"])

        database = workdir / "var" / "urbis.sqlite3"
        assert first.exit_code == 0, first.output
        assert second.exit_code == 0, second.output
        assert "agente" in first.output
        assert "demo-agente-2026" in first.output
        # the showcase customer plus 300 generated accounts, not seeded twice
        assert scalar(database, "SELECT count(*) FROM accounts") == 301
        # one user per demo login (one rules author writes, another approves; a tariff
        # administrator) and the showcase customer
        assert scalar(database, "SELECT count(*) FROM users") == 9
        # the twelve tariffs the demo agreements name, each with two versions, stored once
        assert scalar(database, "SELECT count(*) FROM tariffs") == 12
        assert scalar(database, "SELECT count(*) FROM tariff_versions") == 24
        assert (
            scalar(database, "SELECT count(*) FROM rule_pack_versions WHERE status = 'PUBLISHED'")
            == 6
        )
        # the demo cycle's bill run, once, and payments at the office for some of its bills
        bills = int(str(scalar(database, "SELECT count(*) FROM bills WHERE status = 'ISSUED'")))
        paid = int(str(scalar(database, "SELECT count(*) FROM payments")))
        assert bills > 0
        assert 0 < paid <= bills
        assert "Payments at the office" in first.output
        # "your bill is ready" for the customers who consented to a channel, and a recorded
        # suppression for each of the others
        ready = int(
            str(scalar(database, "SELECT count(*) FROM outbox_messages WHERE kind = 'BILL_READY'"))
        )
        unsent = int(
            str(
                scalar(
                    database,
                    "SELECT count(*) FROM notification_suppressions WHERE kind = 'BILL_READY'",
                )
            )
        )
        assert ready > 0
        assert ready + unsent == bills


class TestSeedCommand:
    def test_adds_accounts_to_a_database_chosen_by_url(
        self, workdir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        database = workdir / "elsewhere.sqlite3"
        monkeypatch.setenv("URBIS_DATABASE_URL", f"sqlite:///{database}")

        result = runner.invoke(app, ["seed", "--accounts", "250", "--seed", "5"])

        assert result.exit_code == 0, result.output
        assert "Seeded 250 accounts" in result.output
        assert scalar(database, "SELECT count(*) FROM premises") == 250


class TestUserCommand:
    def test_creates_a_user_and_refuses_a_duplicate_with_its_code(self, workdir: Path) -> None:
        runner.invoke(app, ["db", "upgrade"])
        runner.invoke(app, ["demo", "--no-serve", "--accounts", "1"])

        created = runner.invoke(
            app, ["user", "create", "ana", "--role", "agent", "--password", "clave-segura-1"]
        )
        again = runner.invoke(
            app, ["user", "create", "ana", "--role", "agent", "--password", "clave-segura-1"]
        )

        assert created.exit_code == 0, created.output
        assert again.exit_code == 2
        assert "duplicate_user" in again.output

    def test_unknown_tenant_is_reported(self, workdir: Path) -> None:
        runner.invoke(app, ["db", "upgrade"])

        result = runner.invoke(
            app,
            [
                "user",
                "create",
                "ana",
                "--role",
                "agent",
                "--password",
                "x" * 10,
                "--tenant",
                "nope",
            ],
        )

        assert result.exit_code == 2
        assert "unknown_tenant" in result.output


class TestMeterDataForTheDemoUtility:
    def test_reads_for_a_registered_meter_are_stored_and_unknown_meters_refused(
        self, workdir: Path
    ) -> None:
        runner.invoke(app, ["demo", "--no-serve", "--accounts", "5"])
        reads = workdir / "reads.csv"
        reads.write_text(
            "meter,channel,interval_start,interval_minutes,quantity,unit,quality\n"
            "EDM-2019-0142,E1,2026-03-01T00:00:00-05:00,15,0.412,kWh,A\n"
            "EDM-2019-0142,E1,2026-03-01T00:15:00-05:00,15,0.398,kWh,A\n"
        )
        stranger = workdir / "stranger.csv"
        stranger.write_text(reads.read_text().replace("EDM-2019-0142", "NOT-A-METER"))

        stored = runner.invoke(app, ["meter", "import", "--format", "csv", str(reads)])
        refused = runner.invoke(app, ["meter", "import", "--format", "csv", str(stranger)])

        assert stored.exit_code == 0, stored.output
        assert "2" in stored.output
        assert refused.exit_code != 0
        assert "unknown_meter" in refused.output
