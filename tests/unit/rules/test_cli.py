from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import typer
from typer.testing import CliRunner

from urbis.adapters.rules import shipped
from urbis.interfaces.cli import rules as rules_cli

RUNNER = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    rules_cli.register(app)
    return app


def _copy(tmp_path: Path, key: str) -> Path:
    folder = tmp_path / key
    shutil.copytree(shipped.PACKS / key, folder)
    return folder


class TestRulesCommands:
    def test_lists_the_extension_points(self) -> None:
        result = RUNNER.invoke(_app(), ["rules", "points"])

        assert result.exit_code == 0
        assert "collection_action" in result.output
        assert "medical_dependency" in result.output

    def test_passes_a_shipped_pack_folder(self, tmp_path: Path) -> None:
        result = RUNNER.invoke(
            _app(), ["rules", "test", str(_copy(tmp_path, "case_routing_default"))]
        )

        assert result.exit_code == 0
        assert "case_routing_default v1: 10/10 cases passed" in result.output

    def test_fails_a_folder_whose_cases_no_longer_pass(self, tmp_path: Path) -> None:
        folder = _copy(tmp_path, "case_routing_default")
        graph = json.loads((folder / "graph.json").read_text())
        graph["nodes"][1]["content"]["rules"][0]["out-priority"] = "2"
        (folder / "graph.json").write_text(json.dumps(graph))

        result = RUNNER.invoke(_app(), ["rules", "test", str(folder)])

        assert result.exit_code == 1
        assert "priority: expected 1, got 2" in result.output

    def test_answers_one_input(self, tmp_path: Path) -> None:
        given = {"case_type": "RECLAMO", "text_category": "BILLING", "channel": "EMAIL"}

        result = RUNNER.invoke(
            _app(),
            [
                "rules",
                "evaluate",
                str(_copy(tmp_path, "case_routing_default")),
                "--input",
                json.dumps(given),
            ],
        )

        assert result.exit_code == 0
        assert json.loads(result.output) == {"priority": 2, "queue": "BILLING_CLAIMS"}

    def test_reports_an_input_that_does_not_fit(self, tmp_path: Path) -> None:
        result = RUNNER.invoke(
            _app(),
            [
                "rules",
                "evaluate",
                str(_copy(tmp_path, "case_routing_default")),
                "--input",
                '{"case_type": "X"}',
            ],
        )

        assert result.exit_code == 1
        assert "invalid_rule_input" in result.output

    def test_simulates_a_candidate_against_a_baseline(self, tmp_path: Path) -> None:
        baseline = _copy(tmp_path, "bill_validation_default")
        candidate = tmp_path / "candidate"
        shutil.copytree(baseline, candidate)
        text = (candidate / "graph.json").read_text().replace("> 1.65", "> 2.5")
        (candidate / "graph.json").write_text(text)
        history = tmp_path / "history.csv"
        pl.DataFrame(
            {
                "account": ["A1", "A2", "A3"],
                "service": ["ELECTRICITY"] * 3,
                "bill_amount": [190000, 95000, 300000],
                "consumption": [320, 160, 500],
                "average_consumption": [150, 150, 150],
                "consecutive_estimates": [0, 0, 0],
                "days_in_period": [30, 30, 30],
            }
        ).write_csv(history)

        result = RUNNER.invoke(
            _app(),
            [
                "rules",
                "simulate",
                str(candidate),
                "--baseline",
                str(baseline),
                "--history",
                str(history),
            ],
        )

        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert (report["rows"], report["changed"], report["money_delta"]) == (3, 1, "190000.00")
        assert report["samples"][0]["account"] == "A1"
        assert report["samples"][0]["after"] == {"action": "ISSUE", "reason": "OK"}
