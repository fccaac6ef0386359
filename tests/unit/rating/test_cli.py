"""`urbis rate` on files: a URDB record and urbis's own format, JSON out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from urbis.interfaces.cli import rating as rating_cli

BOGOTA = timezone(timedelta(hours=-5))
URDB = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "tariffs" / "urdb"


def app() -> typer.Typer:
    cli = typer.Typer()
    rating_cli.register(cli)

    @cli.command("noop", hidden=True)
    def noop() -> None:
        """Keep the app a group so that ``rate`` is a sub-command."""

    return cli


def usage_file(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / "usage.csv"
    path.write_text("start,kwh\n" + "".join(f"{s},{k}\n" for s, k in rows), encoding="utf-8")
    return path


def codensa(tmp_path: Path) -> Path:
    path = tmp_path / "codensa.yaml"
    document = {
        "format": "urbis-tariff/1",
        "code": "CODENSA",
        "name": "CODENSA residencial",
        "versions": [
            {
                "version": "2017-07",
                "active_from": "2017-07-01",
                "currency": "COP",
                "energy": {"periods": [{"name": "CU", "tiers": [{"price": "437.9027"}]}]},
                "solidarity": {
                    "basic": [
                        {"from_altitude_m": 0, "quantity": 173},
                        {"from_altitude_m": 1000, "quantity": 130},
                    ],
                    "classes": {"1": {"subsidy": "0.60", "price": "198.8133"}},
                },
            }
        ],
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


class TestRateCommand:
    def test_prints_months_and_total_as_decimal_strings(self, tmp_path: Path) -> None:
        # July 2017 in Bogotá, hourly: 250 kWh in the first hour, nothing after; estrato 1.
        rows = [
            ((datetime(2017, 7, 1, tzinfo=BOGOTA) + timedelta(hours=h)).isoformat(), "0")
            for h in range(31 * 24)
        ]
        rows[0] = (rows[0][0], "250")
        usage = usage_file(tmp_path, rows)
        args = ["rate", "--tariff", str(codensa(tmp_path)), "--usage", str(usage)]

        result = CliRunner().invoke(
            app(), [*args, "--stratum", "1", "--altitude", "2640", "--json"]
        )

        assert result.exit_code == 0, result.output
        # 250 kWh at 437.9027 = 109,475.68; 130 kWh subsidised down to 198.8133:
        # 130 × (198.8133 − 437.9027) = −31,081.62.
        assert json.loads(result.output) == {
            "currency": "COP",
            "months": [
                {
                    "month": "2017-07",
                    "energy": "78394.06",
                    "demand": "0.00",
                    "fixed": "0.00",
                    "minimum": "0.00",
                    "taxes": "0.00",
                    "total": "78394.06",
                }
            ],
            "total": "78394.06",
        }

    def test_bills_a_urdb_record(self, tmp_path: Path) -> None:
        record = URDB / "REopt_API__5a679442682bea21e990a0d4.json"
        if not record.exists():
            pytest.skip("../shared/data is absent")
        rows = [(f"2019-03-04T{h:02d}:00:00+00:00", "2") for h in range(24)]

        result = CliRunner().invoke(
            app(),
            ["rate", "--tariff", str(record), "--usage", str(usage_file(tmp_path, rows)), "--json"],
        )

        assert result.exit_code == 0, result.output
        printed = json.loads(result.output)
        assert printed["currency"] == "USD"
        assert [m["month"] for m in printed["months"]] == ["2019-03"]

    def test_names_a_broken_urdb_record_and_fails(self, tmp_path: Path) -> None:
        record = URDB / "REopt_API__539fc25dec4f024c27d8b0a5.json"
        if not record.exists():
            pytest.skip("../shared/data is absent")
        usage = usage_file(tmp_path, [("2019-03-04T00:00:00+00:00", "1")])

        result = CliRunner().invoke(app(), ["rate", "--tariff", str(record), "--usage", str(usage)])

        assert result.exit_code == 1
        assert "malformed_urdb_record" in result.output
        assert "has no rate" in result.output
