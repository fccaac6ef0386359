from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from greenbutton_objects import parse as gb_parse  # type: ignore[import-untyped]
from typer.testing import CliRunner, Result

from urbis.interfaces.cli import metering as cli

HEADER = "meter,channel,interval_start,interval_minutes,quantity,unit,quality\n"


def app() -> typer.Typer:
    root = typer.Typer()
    cli.register(root)
    return root


def setup(tmp_path: Path) -> Path:
    data = tmp_path / "metering"
    data.mkdir()
    (data / "meters.json").write_text(
        json.dumps([{"serial": "SER1", "nmi": "NMI1", "meter_class": "RES"}])
    )
    return data


class TestMeterCommands:
    def test_imports_csv_then_exports_green_button_by_nmi(self, tmp_path: Path) -> None:
        data = setup(tmp_path)
        source = tmp_path / "reads.csv"
        source.write_text(
            HEADER
            + "SER1,E1,2026-03-01T00:00:00+00:00,60,1.25,kWh,A\n"
            + "SER1,E1,2026-03-01T01:00:00+00:00,60,2.5,kWh,A\n"
        )
        out = tmp_path / "gb.xml"
        runner = CliRunner()

        imported = runner.invoke(
            app(), ["meter", "import", "--format", "csv", "--data-dir", str(data), str(source)]
        )
        again = runner.invoke(
            app(), ["meter", "import", "--format", "csv", "--data-dir", str(data), str(source)]
        )
        exported = runner.invoke(
            app(),
            [
                "meter",
                "export",
                "--format",
                "greenbutton",
                "--meter",
                "NMI1",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-02",
                "--data-dir",
                str(data),
                str(out),
            ],
        )

        assert imported.exit_code == 0, imported.output
        assert "2 intervals stored" in imported.output
        assert "0 intervals stored, 2 already held" in again.output
        assert exported.exit_code == 0, exported.output
        [usage_point] = gb_parse.parse_feed(str(out))
        [reading] = usage_point.meterReadings
        values = [r.value for r in reading.intervalReadings]
        assert values == [1250.0, 2500.0]

    def test_exports_one_channel_per_feed_and_names_the_others(self, tmp_path: Path) -> None:
        data = setup(tmp_path)
        source = tmp_path / "reads.csv"
        source.write_text(
            HEADER
            + "SER1,B1,2026-03-01T00:00:00+00:00,60,0.5,kWh,A\n"
            + "SER1,E1,2026-03-01T00:00:00+00:00,60,1.25,kWh,A\n"
        )
        runner = CliRunner()
        runner.invoke(app(), ["meter", "import", "--data-dir", str(data), str(source)])

        def export(out: Path, *more: str) -> Result:
            return runner.invoke(
                app(),
                [
                    "meter",
                    "export",
                    "--meter",
                    "SER1",
                    "--from",
                    "2026-03-01",
                    "--to",
                    "2026-03-02",
                    "--data-dir",
                    str(data),
                    *more,
                    str(out),
                ],
            )

        first = export(tmp_path / "b1.xml")
        chosen = export(tmp_path / "e1.xml", "--channel", "E1")
        missing = export(tmp_path / "x.xml", "--channel", "X9")

        assert first.exit_code == 0, first.output
        assert "(B1)" in first.output
        assert "other channels, each its own feed with --channel: E1" in first.output
        assert chosen.exit_code == 0, chosen.output
        [usage_point] = gb_parse.parse_feed(str(tmp_path / "e1.xml"))
        [reading] = usage_point.meterReadings
        assert [r.value for r in reading.intervalReadings] == [1250.0]
        assert missing.exit_code == 1
        assert "no reads on channel 'X9'" in missing.output
        assert not (tmp_path / "x.xml").exists()

    def test_reports_a_rejected_file_and_exits_non_zero(self, tmp_path: Path) -> None:
        data = setup(tmp_path)
        source = tmp_path / "bad.csv"
        source.write_text(HEADER + "SER1,E1,2026-03-01T00:00:00,60,1,kWh,A\n")

        result = CliRunner().invoke(
            app(), ["meter", "import", "--data-dir", str(data), str(source)]
        )

        assert result.exit_code == 1
        assert "rejected_meter_file" in result.output
        assert "line 2" in result.output

    def test_lists_and_reviews_exceptions(self, tmp_path: Path) -> None:
        data = setup(tmp_path)
        source = tmp_path / "reads.csv"
        source.write_text(
            HEADER
            + "SER1,E1,2026-03-01T00:00:00+00:00,60,1,kWh,A\n"
            + "SER1,E1,2026-03-01T03:00:00+00:00,60,-1,kWh,A\n"
        )
        runner = CliRunner()
        runner.invoke(app(), ["meter", "import", "--data-dir", str(data), str(source)])

        vee = runner.invoke(
            app(),
            [
                "meter",
                "vee",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-02",
                "--meter",
                "SER1",
                "--data-dir",
                str(data),
            ],
        )
        queue = json.loads((data / "exceptions.json").read_text())
        negative = next(item["id"] for item in queue if item["check"] == "NEGATIVE")
        reviewed = runner.invoke(
            app(),
            [
                "meter",
                "exceptions",
                "--review",
                negative,
                "--decision",
                "DISMISSED",
                "--data-dir",
                str(data),
            ],
        )
        listed = runner.invoke(app(), ["meter", "exceptions", "--data-dir", str(data)])
        blank = runner.invoke(
            app(),
            [
                "meter",
                "edit",
                "--meter",
                "SER1",
                "--start",
                "2026-03-01T03:00:00+00:00",
                "--quantity",
                "1",
                "--reason",
                " ",
                "--data-dir",
                str(data),
            ],
        )
        other = next(item["id"] for item in queue if item["check"] != "NEGATIVE")
        edited = runner.invoke(
            app(),
            [
                "meter",
                "edit",
                "--meter",
                "SER1",
                "--start",
                "2026-03-01T03:00:00+00:00",
                "--quantity",
                "1",
                "--reason",
                "sign inverted at the head-end",
                "--exception",
                other,
                "--data-dir",
                str(data),
            ],
        )
        after = {
            item["id"]: item["status"]
            for item in json.loads((data / "exceptions.json").read_text())
        }

        assert "2 exceptions queued, 2 intervals estimated" in vee.output
        assert "validated by: configured thresholds (no vee_thresholds pack in force)" in (
            vee.output
        )
        assert f"{negative} DISMISSED" in reviewed.output
        assert "GAP" in listed.output
        assert blank.exit_code == 1
        assert "edit_without_reason" in blank.output
        assert edited.exit_code == 0, edited.output
        assert after == {negative: "DISMISSED", other: "EDITED"}
        assert "NEGATIVE" not in listed.output


DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


class TestImportFormats:
    @pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")
    def test_imports_nem12_and_green_button_and_rejects_an_unknown_meter(
        self, tmp_path: Path
    ) -> None:
        data = tmp_path / "metering"
        data.mkdir()
        (data / "meters.json").write_text(
            json.dumps([{"serial": "METSER123", "nmi": "VABD000163"}, {"serial": "GB1"}])
        )
        nem12 = (
            DATA
            / "meter_interval"
            / "nem12_examples"
            / "unzipped"
            / "Example_NEM12_actual_interval.csv"
        )
        other = (
            DATA
            / "meter_interval"
            / "nem12_examples"
            / "unzipped"
            / "Example_NEM12_multiple_meters.csv"
        )
        feed = DATA / "greenbutton" / "electricity" / "TestGBDataHourlyNineDaysBinnedDaily.xml"
        runner = CliRunner()

        nem_result = runner.invoke(
            app(),
            [
                "meter",
                "import",
                "--format",
                "nem12",
                "--data-dir",
                str(data),
                str(nem12),
                str(other),
            ],
        )
        gb_result = runner.invoke(
            app(),
            [
                "meter",
                "import",
                "--format",
                "greenbutton",
                "--meter",
                "GB1",
                "--data-dir",
                str(data),
                str(feed),
            ],
        )

        assert nem_result.exit_code == 1  # the second file names meters nobody registered
        assert "96 intervals stored" in nem_result.output
        assert "unknown_meter" in nem_result.output
        assert gb_result.exit_code == 0, gb_result.output
        assert "216 intervals stored" in gb_result.output
