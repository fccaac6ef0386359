"""A stored tariff is its document in urbis's format: writing then reading gives the same tariff."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.rating.test_engines_agree import versions
from tests.unit.rating.test_tariff_files import document
from urbis.adapters.tariffs import files, urdb
from urbis.domain import tariffs
from urbis.kernel.money import Rounding

URDB = Path(__file__).resolve().parents[4] / "shared" / "data" / "tariffs" / "urdb"
GUIDE = Path(__file__).resolve().parents[3] / "docs" / "tariff-format.md"


def round_trip(tariff: tariffs.Tariff) -> tariffs.Tariff:
    text = json.dumps(files.tariff_document(tariff))  # through JSON text, as it is stored
    return files.tariff_from_document(document=json.loads(text))


class TestTariffDocument:
    @settings(max_examples=60, deadline=None)
    @given(
        version=versions(
            date(2024, 1, 1),
            None,
            "COP",
            Rounding.HALF_EVEN,
            None,
        ),
        service=st.sampled_from([None, "electricity", "water"]),
    )
    def test_reads_back_every_generated_tariff_unchanged(
        self, version: tariffs.Version, service: str | None
    ) -> None:
        tariff = tariffs.Tariff(code="GEN", name="generated", versions=(version,), service=service)

        again = round_trip(tariff)

        assert again == tariff

    def test_reads_back_the_format_guides_example_unchanged(self) -> None:
        example = GUIDE.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
        tariff = files.load_tariff(text=example)

        again = round_trip(tariff)

        assert again == tariff
        assert len(again.versions) == 2

    def test_reads_back_every_readable_urdb_record_unchanged(self) -> None:
        readable = 0
        for path in sorted(URDB.glob("*.json")) if URDB.exists() else []:
            try:
                tariff = urdb.load_urdb(text=path.read_text(encoding="utf-8"))
            except urdb.MalformedUrdbRecord:
                continue
            readable += 1

            again = round_trip(tariff)

            assert again == tariff, path.name
            assert again.service == "electricity"
        assert readable > 0 or not URDB.exists()

    def test_writes_numbers_as_plain_decimal_strings(self) -> None:
        tariff = files.tariff_from_document(document=document())
        tariff = tariffs.Tariff(
            code=tariff.code,
            name=tariff.name,
            versions=(
                attrs.evolve(
                    tariff.versions[0],
                    energy=tariffs.EnergyCharge(
                        periods=(
                            tariffs.RatePeriod(
                                name="all", tiers=(tariffs.Tier(price=Decimal("1E-7")),)
                            ),
                        ),
                        schedule=tariffs.flat_schedule(),
                    ),
                ),
            ),
        )

        written = files.tariff_document(tariff)

        prices = [
            t["price"] for p in written["versions"][0]["energy"]["periods"] for t in p["tiers"]
        ]
        assert prices == ["0.0000001"]
        assert all(re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", p) for p in prices)
