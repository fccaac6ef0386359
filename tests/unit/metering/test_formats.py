from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from greenbutton_objects import parse as gb_parse  # type: ignore[import-untyped]
from nemreader import NEMFile

from urbis.adapters.formats import greenbutton, nem, urbis_csv
from urbis.adapters.formats._errors import RejectedFile

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
NEM_DIR = DATA / "meter_interval" / "nem12_examples"
GB_DIR = DATA / "greenbutton"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")

# The one AEMO example whose 300 row is broken over three lines: nemreader logs and drops
# that day; urbis rejects the whole file rather than load part of it.
BROKEN = "NEM12#Scenario10#ETSAMDP#NEMMCO.zip"


def valid_nem_files() -> list[Path]:
    if not NEM_DIR.is_dir():
        return []
    found = [*NEM_DIR.glob("unzipped/*"), *NEM_DIR.glob("nem12/*"), *NEM_DIR.glob("nem13/*")]
    found += list(NEM_DIR.glob("*.zip"))
    return sorted(p for p in found if p.name != BROKEN)


def reference_totals(path: Path) -> dict[tuple[str, str], float]:
    logging.disable(logging.CRITICAL)
    try:
        data = NEMFile(str(path), strict=True).nem_data()
    finally:
        logging.disable(logging.NOTSET)
    return {
        (nmi, channel): sum(r.read_value for r in rows)
        for nmi, channels in data.readings.items()
        for channel, rows in channels.items()
    }


@needs_data
class TestNemFiles:
    # nemreader leaves plain files open; that is the reference's leak, not urbis's.
    @pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
    @pytest.mark.filterwarnings("ignore::ResourceWarning")
    @pytest.mark.parametrize("path", valid_nem_files(), ids=lambda p: p.name)
    def test_totals_per_meter_and_channel_equal_nemreaders(self, path: Path) -> None:
        expected = reference_totals(path)

        read = nem.read_nem(path)

        if read.version == "NEM12":
            frame = read.intervals.rename({"quantity": "total"})
        else:
            frame = read.registers.rename({"register": "channel", "consumption": "total"})
        got = {
            (row["nmi"], row["channel"]): row["total"]
            for row in frame.group_by("nmi", "channel")
            .agg(pl.col("total").sum())
            .iter_rows(named=True)
        }
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, abs=1e-6), key

    @pytest.mark.parametrize(
        "path",
        sorted((NEM_DIR / "invalid").glob("*")) if NEM_DIR.is_dir() else [],
        ids=lambda p: p.name,
    )
    def test_rejects_every_invalid_file_naming_it(self, path: Path) -> None:
        with pytest.raises(RejectedFile) as caught:
            nem.read_nem(path)

        assert str(path) in caught.value.message

    def test_rejects_a_300_row_broken_over_lines(self) -> None:
        with pytest.raises(RejectedFile, match="line 27"):
            nem.read_nem(NEM_DIR / "nem12" / BROKEN)

    def test_reads_interval_starts_in_market_time(self) -> None:
        read = nem.read_nem(NEM_DIR / "unzipped" / "Example_NEM12_actual_interval.csv")

        first = read.intervals.get_column("start").min()

        assert first == datetime(2004, 1, 31, 14, 0, tzinfo=UTC)  # 2004-02-01 00:00 +10:00

    def test_rejects_a_truncated_file(self, tmp_path: Path) -> None:
        text = (NEM_DIR / "unzipped" / "Example_NEM12_actual_interval.csv").read_text()
        cut = tmp_path / "cut.csv"
        cut.write_text(text[: len(text) // 2])

        with pytest.raises(RejectedFile, match=r"cut\.csv"):
            nem.read_nem(cut)


def greenbutton_files() -> list[Path]:
    if not GB_DIR.is_dir():
        return []
    return sorted(p for p in GB_DIR.rglob("*.xml") if "Subscription" not in p.name)


@needs_data
class TestGreenButton:
    @pytest.mark.parametrize("path", greenbutton_files(), ids=lambda p: p.name)
    def test_imports_every_usage_feed(self, path: Path) -> None:
        frame = greenbutton.read_greenbutton(path, meter="M1")

        assert frame.height > 0
        assert frame.get_column("unit").is_in(["kWh", "therm"]).all()

    def test_applies_the_power_of_ten_multiplier(self) -> None:
        parsed = pl.read_csv(GB_DIR / "greenbutton_opower_gas_billing_parsed.csv")

        frame = greenbutton.read_greenbutton(
            GB_DIR / "greenbutton_opower_gas_billing_2021-05_to_2024-04.xml", meter="M1"
        )

        assert frame.get_column("quantity").sum() == pytest.approx(parsed["usage_therm"].sum())
        assert frame.height == parsed.height

    def test_imports_a_gas_feed_with_an_empty_service_category(self) -> None:
        frame = greenbutton.read_greenbutton(
            GB_DIR / "abridged" / "gas_containerized.xml", meter="G1"
        )

        assert frame.get_column("unit").unique().to_list() == ["therm"]

    def test_export_parses_with_greenbutton_objects_to_the_same_values(
        self, tmp_path: Path
    ) -> None:
        source = greenbutton.read_greenbutton(
            GB_DIR / "electricity" / "TestGBDataHourlyNineDaysBinnedDaily.xml", meter="M1"
        )
        reads = source.filter(pl.col("channel") == source.item(0, "channel"))
        out = tmp_path / "export.xml"

        greenbutton.write_greenbutton(
            reads, meter="M1", path=out, as_at=datetime(2026, 1, 1, tzinfo=UTC)
        )

        [usage_point] = gb_parse.parse_feed(str(out))
        [meter_reading] = usage_point.meterReadings
        values = [(r.timePeriod.start, r.value) for r in meter_reading.intervalReadings]
        expected = [
            (row["start"], row["quantity"] * 1000)
            for row in reads.sort("start").iter_rows(named=True)
        ]
        assert [s for s, _ in values] == [s for s, _ in expected]
        assert [v for _, v in values] == pytest.approx([v for _, v in expected])

    def test_rejects_a_file_that_is_not_xml(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.xml"
        bad.write_text("<feed><entry>")

        with pytest.raises(RejectedFile, match=r"bad\.xml"):
            greenbutton.read_greenbutton(bad, meter="M1")


HEADER = "meter,channel,interval_start,interval_minutes,quantity,unit,quality\n"


class TestUrbisCsv:
    def test_reads_instants_with_offsets_as_utc(self, tmp_path: Path) -> None:
        path = tmp_path / "a.csv"
        path.write_text(HEADER + "M1,E1,2026-03-01T00:00:00-05:00,15,1.5,kWh,A\n")

        frame = urbis_csv.read_intervals(path)

        assert frame.item(0, "start") == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
        assert frame.item(0, "quality") == "ACTUAL"

    def test_gives_each_row_the_instant_of_its_own_text_when_texts_repeat(
        self, tmp_path: Path
    ) -> None:
        offsets = ("+00:00", "-05:00", "Z", "+05:30")
        rows = [
            (f"M{meter}", f"2026-03-01T{hour:02d}:00:00{offsets[(meter + hour) % 4]}")
            for hour in range(6)
            for meter in range(7)
        ]
        path = tmp_path / "many.csv"
        path.write_text(HEADER + "".join(f"{m},E1,{t},60,1.0,kWh,A\n" for m, t in rows))

        frame = urbis_csv.read_intervals(path)

        expected = [
            datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) for _, text in rows
        ]
        assert frame.get_column("meter").to_list() == [m for m, _ in rows]
        assert frame.get_column("start").to_list() == expected

    @pytest.mark.parametrize(
        ("row", "reason"),
        [
            ("M1,E1,2026-03-01T00:00:00,15,1.5,kWh,A", "no UTC offset"),
            ("M1,E1,2026-03-01T00:00:00+00:00,15,1.5,furlong,A", "unit must be"),
            ("M1,E1,2026-03-01T00:00:00+00:00,15,abc,kWh,A", "not a number"),
            ("M1,E1,2026-03-01T00:00:00+00:00,15,1.5,kWh,Z", "quality"),
            ("M1,E1,2026-03-01T00:00:00+00:00,15", "missing"),
        ],
    )
    def test_rejects_bad_rows_naming_file_and_line(
        self, tmp_path: Path, row: str, reason: str
    ) -> None:
        path = tmp_path / "bad.csv"
        path.write_text(HEADER + "M1,E1,2026-03-01T00:15:00+00:00,15,1.0,kWh,A\n" + row + "\n")

        with pytest.raises(RejectedFile, match=reason) as caught:
            urbis_csv.read_intervals(path)

        assert caught.value.line == 3
        assert caught.value.path == str(path)

    def test_rejects_mixed_interval_lengths_in_a_channel(self, tmp_path: Path) -> None:
        path = tmp_path / "mixed.csv"
        path.write_text(
            HEADER
            + "M1,E1,2026-03-01T00:00:00+00:00,15,1,kWh,A\n"
            + "M1,E1,2026-03-01T00:30:00+00:00,30,1,kWh,A\n"
        )

        with pytest.raises(RejectedFile, match="mixed interval lengths"):
            urbis_csv.read_intervals(path)

    def test_reads_register_reads_of_every_read_type(self, tmp_path: Path) -> None:
        path = tmp_path / "reg.csv"
        path.write_text(
            "meter,register,read_at,value,unit,read_type\n"
            "M1,1,2026-03-01T08:00:00+00:00,1200,kWh,actual\n"
            "M1,1,2026-04-01T08:00:00+00:00,1350,kWh,customer\n"
        )

        frame = urbis_csv.read_registers(path)

        assert frame.get_column("read_type").to_list() == ["ACTUAL", "CUSTOMER"]
