"""The city's Open311 catalogue comes from URBIS_OPEN311_CATALOGUE, checked when the app starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from urbis.bootstrap import city_services as wiring
from urbis.domain import city_services
from urbis.interfaces.cli.main import app

GOOD = """\
jurisdiction_id: bogota.gov.co
services:
  - {code: HUECO, name: Hueco en la vía, group: Vías, team: vias, utility_fault: true}
"""


def test_without_the_setting_the_demo_citys_catalogue_is_served() -> None:
    catalogue = wiring.catalogue_from_settings({})

    assert catalogue.jurisdiction_id == "medellin.gov.co"


def test_the_setting_names_the_citys_file(tmp_path: Path) -> None:
    path = tmp_path / "bogota.yaml"
    path.write_text(GOOD, encoding="utf-8")

    catalogue = wiring.catalogue_from_settings({"URBIS_OPEN311_CATALOGUE": str(path)})

    assert catalogue.jurisdiction_id == "bogota.gov.co"
    hole = catalogue.get("HUECO")
    assert hole is not None
    assert hole.utility_fault


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        ("services: [unclosed", "not YAML"),
        ("- just a list", "not a mapping"),
        ("jurisdiction_id: x\nservices:\n  - {code: A}\n", ""),
    ],
)
def test_a_bad_file_is_refused_naming_the_setting_the_file_and_the_problem(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "city.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(city_services.InvalidCatalogue) as caught:
        wiring.catalogue_from_settings({"URBIS_OPEN311_CATALOGUE": str(path)})

    assert caught.value.message.startswith(f"URBIS_OPEN311_CATALOGUE={path}: ")
    assert problem in caught.value.message
    assert caught.value.details["path"] == str(path)


def test_urbis_serve_stops_at_start_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URBIS_OPEN311_CATALOGUE", str(tmp_path / "missing.yaml"))

    result = CliRunner().invoke(app, ["serve", "--port", "1"])

    assert result.exit_code == 2
    assert "invalid_service_catalogue" in result.output
    assert "missing.yaml: no such file" in result.output.replace("\n", "")


def test_urbis_open311_services_lists_the_configured_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bogota.yaml"
    path.write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv("URBIS_OPEN311_CATALOGUE", str(path))

    result = CliRunner().invoke(app, ["open311", "services"])

    assert result.exit_code == 0, result.output
    assert "HUECO" in result.output
    assert "AGUA-FUGA" not in result.output
