"""`urbis tariff` as an analyst uses it: load a tariff file, add a version, list, on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.unit.rating.test_use_cases import document, february
from urbis import bootstrap
from urbis.bootstrap import demo
from urbis.interfaces.cli.main import app

runner = CliRunner()
URDB = Path(__file__).resolve().parents[3] / "shared" / "data" / "tariffs" / "urdb"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("URBIS_DATABASE_URL", raising=False)
    demo.ensure_demo_tenant(bootstrap.build())
    return tmp_path


class TestTariffCommands:
    def test_loads_a_tariff_file_adds_a_version_and_lists_it(self, workdir: Path) -> None:
        (workdir / "flat.yaml").write_text(yaml.safe_dump(document()), encoding="utf-8")
        (workdir / "feb.yaml").write_text(yaml.safe_dump(february()), encoding="utf-8")

        loaded = runner.invoke(app, ["tariff", "load", "flat.yaml"])
        added = runner.invoke(app, ["tariff", "add-version", "FLAT", "feb.yaml"])
        listed = runner.invoke(app, ["tariff", "list", "--json"])

        assert loaded.exit_code == 0, loaded.output
        assert "Stored FLAT with 1 version(s)." in loaded.output
        assert added.exit_code == 0, added.output
        assert [v["version"] for v in json.loads(listed.output)[0]["versions"]] == [
            "2024-01",
            "2024-02",
        ]

    def test_loads_a_urdb_record(self, workdir: Path) -> None:
        path = URDB / "REopt.jl__tiered_tou_demand.json"
        if not path.exists():
            pytest.skip("../shared/data is absent")

        result = runner.invoke(app, ["tariff", "load", str(path)])

        assert result.exit_code == 0, result.output
        assert "with 1 version(s)" in result.output

    def test_an_overlapping_version_fails_with_its_code_and_nothing_is_added(
        self, workdir: Path
    ) -> None:
        (workdir / "flat.yaml").write_text(yaml.safe_dump(document()), encoding="utf-8")
        late = {**february(), "active_from": "2024-01-15"}
        (workdir / "late.yaml").write_text(yaml.safe_dump(late), encoding="utf-8")
        runner.invoke(app, ["tariff", "load", "flat.yaml"])

        result = runner.invoke(app, ["tariff", "add-version", "FLAT", "late.yaml"])
        listed = runner.invoke(app, ["tariff", "list", "--json"])

        assert result.exit_code == 1
        assert "tariff_versions_overlap" in result.output
        assert len(json.loads(listed.output)[0]["versions"]) == 1
