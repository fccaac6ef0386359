"""urbis's tariff format: what it accepts, and bad input rejected with the problem named."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from urbis.adapters.tariffs import files
from urbis.domain import rating, tariffs
from urbis.kernel.money import Rounding


def document() -> dict[str, Any]:
    return {
        "format": "urbis-tariff/1",
        "code": "TOU-2",
        "name": "Two periods, two blocks",
        "unit": "kWh",
        "versions": [
            {
                "version": "2024-01",
                "active_from": "2024-01-01",
                "active_to": "2024-07-01",
                "currency": "COP",
                "rounding": {"mode": "HALF_EVEN", "scope": "LINE"},
                "holidays": "CO",
                "fixed": [{"name": "Cargo fijo", "amount": "5000", "per": "MONTH"}],
                "energy": {
                    "periods": [
                        {"name": "valle", "tiers": [{"price": "500", "upto": 130}, {"price": 600}]},
                        {"name": "punta", "tiers": [{"price": "700", "upto": 130}, {"price": 800}]},
                    ],
                    "schedule": {"weekday": [[0] * 18 + [1] * 3 + [0] * 3] * 12, "weekend": 0},
                },
                "taxes": [{"name": "Alumbrado público", "percent": "3"}],
            }
        ],
    }


class TestTariffFile:
    def test_reads_periods_tiers_schedules_and_rounding(self) -> None:
        tariff = files.load_tariff(text=json.dumps(document()), suffix=".json")

        version = tariff.in_force(on=date(2024, 3, 1))
        assert version.rounding is Rounding.HALF_EVEN
        assert version.energy is not None
        assert version.energy.periods[1].tiers[0] == tariffs.Tier(Decimal(700), Decimal(130))
        assert version.energy.schedule.weekday[5][18] == 1
        assert version.energy.schedule.weekend[5][18] == 0
        assert version.taxes == (tariffs.Tax("Alumbrado público", percent=Decimal(3)),)

    def test_reads_the_same_tariff_from_yaml(self, tmp_path: Path) -> None:
        import yaml

        path = tmp_path / "tou.yaml"
        path.write_text(yaml.safe_dump(document()), encoding="utf-8")

        assert files.read_tariff(path=path) == files.load_tariff(
            text=json.dumps(document()), suffix=".json"
        )

    def test_rejects_an_unknown_field_naming_it(self) -> None:
        bad = document()
        bad["versions"][0]["discount"] = "5"

        with pytest.raises(files.InvalidTariffFile, match="discount"):
            files.tariff_from_document(document=bad)

    def test_rejects_a_negative_price(self) -> None:
        bad = document()
        bad["versions"][0]["fixed"][0]["amount"] = "-1"

        with pytest.raises(files.InvalidTariffFile, match="versions/0/fixed/0/amount"):
            files.tariff_from_document(document=bad)

    def test_rejects_overlapping_versions(self) -> None:
        bad = document()
        later = copy.deepcopy(bad["versions"][0])
        later.update(version="2024-06", active_from="2024-06-01", active_to=None)
        bad["versions"].append(later)

        with pytest.raises(tariffs.InvalidTariff, match=r"2024-01 and 2024-06 .* overlap"):
            files.tariff_from_document(document=bad)

    def test_rejects_a_schedule_naming_an_undefined_period(self) -> None:
        bad = document()
        bad["versions"][0]["energy"]["schedule"]["weekend"] = 2

        with pytest.raises(tariffs.InvalidTariff, match="names period 2"):
            files.tariff_from_document(document=bad)

    def test_rejects_tier_limits_out_of_order(self) -> None:
        bad = document()
        bad["versions"][0]["energy"]["periods"][0]["tiers"] = [
            {"price": 1, "upto": 200},
            {"price": 2, "upto": 100},
            {"price": 3},
        ]

        with pytest.raises(tariffs.InvalidTariff, match="must increase"):
            files.tariff_from_document(document=bad)

    def test_rejects_text_that_is_no_tariff(self) -> None:
        with pytest.raises(files.InvalidTariffFile, match="Not a tariff file"):
            files.load_tariff(text="hello: world\n")


class TestVersions:
    def test_adding_a_version_leaves_the_old_one_as_it_was(self) -> None:
        tariff = files.tariff_from_document(document=document())
        old = tariff.versions[0]
        later = copy.deepcopy(document()["versions"][0])
        later.update(version="2024-07", active_from="2024-07-01", active_to=None)
        new = files.tariff_from_document(document={**document(), "versions": [later]})

        grown = tariff.with_version(version=new.versions[0])

        assert grown.versions[0] is old
        assert grown.in_force(on=date(2024, 8, 1)).version == "2024-07"

    def test_names_the_day_no_version_covers(self) -> None:
        tariff = files.tariff_from_document(document=document())

        with pytest.raises(tariffs.NoTariffInForce, match="2023-12-31"):
            tariff.in_force(on=date(2023, 12, 31))


class TestDocumentedExample:
    def test_the_example_in_the_format_guide_loads_and_rates_as_it_says(self) -> None:
        guide = Path(__file__).resolve().parents[3] / "docs" / "tariff-format.md"
        text = guide.read_text(encoding="utf-8")
        example = text.split("```yaml\n", 1)[1].split("```", 1)[0]

        tariff = files.load_tariff(text=example)

        july = rating.rate_total(
            tariff=tariff,
            month=date(2017, 7, 1),
            quantity=Decimal(250),
            customer=rating.Customer(stratum=1, altitude_m=2640),
        )
        assert [ln.amount.amount for ln in july] == [Decimal("109475.68"), Decimal("-31081.62")]
        tou = tariff.in_force(on=date(2017, 8, 1))
        assert tou.energy is not None
        assert tou.energy.schedule.weekday[11][19] == 1
