from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from urbis.interfaces.cli import engagement as engagement_cli


def app() -> typer.Typer:
    root = typer.Typer()
    engagement_cli.register(root)
    return root


class TestPqrDeadlineCommand:
    def test_prints_the_deadline_across_semana_santa(self) -> None:
        result = CliRunner().invoke(app(), ["pqr", "deadline", "2026-03-25T10:00:00-05:00"])

        assert result.exit_code == 0, result.output
        answer = json.loads(result.output)
        assert answer["last_day"] == "2026-04-17"
        assert answer["late_from"] == "2026-04-18T00:00:00-05:00"

    def test_refuses_an_instant_without_offset(self) -> None:
        result = CliRunner().invoke(app(), ["pqr", "deadline", "2026-03-25T10:00:00"])

        assert result.exit_code != 0


class TestOpen311ServicesCommand:
    def test_prints_the_demo_catalogue_in_xml(self) -> None:
        result = CliRunner().invoke(app(), ["open311", "services", "--format", "xml"])

        assert result.exit_code == 0, result.output
        assert "<service_code>AGUA-FUGA</service_code>" in result.output

    def test_a_broken_catalogue_fails_with_its_code(self, tmp_path: Path) -> None:
        broken = tmp_path / "c.yaml"
        broken.write_text("jurisdiction_id: x\nservices: [{code: A}]\n", encoding="utf-8")

        result = CliRunner().invoke(app(), ["open311", "services", "--catalogue", str(broken)])

        assert result.exit_code == 1
        assert "invalid_service_catalogue" in result.output
