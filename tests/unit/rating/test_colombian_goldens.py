"""
Colombian published tariff sheets reproduced through urbis's tariff format and engine.

CODENSA (Bogotá, July 2017, residential level 1, utility-owned assets): the full cost is
estrato 4's price; estratos 1–2 pay the published subsidised price up to the subsistence level
(130 kWh at Bogotá's altitude), estrato 3 is subsidised 15 %, estratos 5–6 contribute 20 %.

ESPA Marinilla (May 2016) water and sewer: the full cost is estrato 4's row; every other row is
published, subsidies cover the fixed charge and the basic block only, contributions everything.
The sheet does not print the block limits: this test takes a basic block of 20 m³ (Res. CRA 151
de 2001, before Res. CRA 750 de 2016) and a sumptuary threshold at 40 m³ (an assumption; the
sheet's complementary and sumptuary prices are equal, so it changes no amount).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from urbis.adapters.tariffs import files
from urbis.domain import rating, tariffs

COLOMBIA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "colombia"
BOGOTA_M = 2640
MARINILLA_M = 2120
CENT = Decimal("0.01")


def rows(name: str) -> list[dict[str, str]]:
    path = COLOMBIA / name
    if not path.exists():
        pytest.skip("../shared/data is absent")
    text = path.read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader(line for line in text if not line.startswith("#")))


def codensa_sheet() -> dict[tuple[str, str], Decimal]:
    return {
        (r["estrato"], r["rango_consumo"]): Decimal(r["cop_kwh_prop_codensa"])
        for r in rows("energia_codensa_2017-07_residencial_nt1.csv")
    }


def codensa_tariff() -> tariffs.Tariff:
    sheet = codensa_sheet()
    document: dict[str, Any] = {
        "format": "urbis-tariff/1",
        "code": "CODENSA-RES-NT1",
        "name": "CODENSA residencial nivel 1, propiedad del OR",
        "service": "electricity",
        "unit": "kWh",
        "versions": [
            {
                "version": "2017-07",
                "active_from": "2017-07-01",
                "active_to": "2017-08-01",
                "currency": "COP",
                "energy": {
                    "periods": [{"name": "CU", "tiers": [{"price": str(sheet["4", "todo"])}]}]
                },
                "solidarity": {
                    "basic": [
                        {"from_altitude_m": 0, "quantity": 173},
                        {"from_altitude_m": 1000, "quantity": 130},
                    ],
                    "classes": {
                        "1": {"subsidy": "0.60", "price": str(sheet["1", "0-CS"])},
                        "2": {"subsidy": "0.50", "price": str(sheet["2", "0-CS"])},
                        "3": {"subsidy": "0.15"},
                        "5": {"contribution": "0.20"},
                        "6": {"contribution": "0.20"},
                    },
                },
            }
        ],
    }
    return files.tariff_from_document(document=document)


class TestCodensaJuly2017:
    @pytest.mark.parametrize("stratum", [1, 2, 3, 4, 5, 6])
    @pytest.mark.parametrize("kwh", [90, 130, 250])
    def test_bills_each_stratum_at_the_sheets_prices(self, stratum: int, kwh: int) -> None:
        sheet = codensa_sheet()
        customer = rating.Customer(stratum=stratum, altitude_m=BOGOTA_M)

        lines = rating.rate_total(
            tariff=codensa_tariff(),
            month=date(2017, 7, 1),
            quantity=Decimal(kwh),
            customer=customer,
        )

        full = sheet["4", "todo"]
        low = sheet.get((str(stratum), "0-CS"), sheet.get((str(stratum), "todo"), full))
        high = sheet.get((str(stratum), ">CS"), low)
        inside = min(kwh, 130)
        expected = inside * low + (kwh - inside) * high
        total = sum(ln.amount.amount for ln in lines)
        # The sheet's prices carry four decimals (each off by up to 0.00005 $/kWh) and each of
        # urbis's lines rounds once to the centavo.
        assert abs(total - expected) <= kwh * Decimal("0.00005") + len(lines) * CENT / 2
        assert lines[0].kind == "ENERGY"
        assert lines[0].unit_price == full
        kinds = [ln.kind for ln in lines]
        if stratum <= 3:
            assert kinds == ["ENERGY", "SUBSIDY"]
            subsidy = lines[1]
            assert subsidy.quantity == inside
            assert (full + subsidy.unit_price).quantize(Decimal("0.0001")) == low
        elif stratum == 4:
            assert kinds == ["ENERGY"]
        else:
            assert kinds == ["ENERGY", "CONTRIBUTION"]
            assert (full + lines[1].unit_price).quantize(Decimal("0.0001")) == high

    def test_subsistence_is_173_kwh_below_1000_m(self) -> None:
        customer = rating.Customer(stratum=1, altitude_m=400)

        lines = rating.rate_total(
            tariff=codensa_tariff(),
            month=date(2017, 7, 1),
            quantity=Decimal(250),
            customer=customer,
        )

        assert [ln.quantity for ln in lines if ln.kind == "SUBSIDY"] == [Decimal(173)]


def espa_rows() -> dict[tuple[str, str], dict[str, str]]:
    return {
        (r["servicio"], r["uso"]): r for r in rows("acueducto_alcantarillado_marinilla_2016-05.csv")
    }


def espa_tariff(service: str) -> tariffs.Tariff:
    sheet = {use: r for (svc, use), r in espa_rows().items() if svc == service}
    reference = sheet["residencial_estrato_4"]
    classes: dict[str, dict[str, str]] = {}
    for use, r in sheet.items():
        factor = Decimal(r["fi"])
        key = use.removeprefix("residencial_estrato_")
        if factor < 0:
            classes[key] = {
                "subsidy": str(-factor),
                "price": r["basico"],
                "fixed_price": r["cargo_fijo"],
            }
        elif factor > 0:
            classes[key] = {
                "contribution": str(factor),
                "price": r["basico"],
                "fixed_price": r["cargo_fijo"],
            }
    document: dict[str, Any] = {
        "format": "urbis-tariff/1",
        "code": f"ESPA-{service}",
        "name": f"ESPA Marinilla {service}",
        "service": "water" if service == "acueducto" else "sewer",
        "unit": "m3",
        "versions": [
            {
                "version": "2016-05",
                "active_from": "2016-05-01",
                "currency": "COP",
                "fixed": [{"name": "Cargo fijo", "amount": reference["cargo_fijo"]}],
                "energy": {
                    "periods": [
                        {
                            "name": "consumo",
                            "tiers": [
                                {"name": "básico", "price": reference["basico"], "upto": 20},
                                {
                                    "name": "complementario",
                                    "price": reference["complementario"],
                                    "upto": 40,
                                },
                                {"name": "suntuario", "price": reference["suntuario"]},
                            ],
                        }
                    ]
                },
                "solidarity": {
                    "basic": [{"from_altitude_m": 0, "quantity": 20}],
                    "classes": classes,
                },
            }
        ],
    }
    return files.tariff_from_document(document=document)


class TestEspaMarinillaMay2016:
    def test_every_published_row_is_the_reference_times_one_plus_its_factor(self) -> None:
        for (service, _use), row in espa_rows().items():
            reference = espa_rows()[service, "residencial_estrato_4"]
            factor = 1 + Decimal(row["fi"])
            for column in ("cargo_fijo", "basico", "complementario", "suntuario"):
                if column != "cargo_fijo" and column != "basico" and Decimal(row["fi"]) < 0:
                    factor_here = Decimal(1)  # subsidies cover the basic block only
                else:
                    factor_here = factor
                # The sheet rounds each published price to the centavo, not always half-up.
                assert abs(Decimal(row[column]) - Decimal(reference[column]) * factor_here) <= CENT

    @pytest.mark.parametrize("service", ["acueducto", "alcantarillado"])
    @pytest.mark.parametrize("m3", [12, 30, 55])
    def test_bills_consumption_in_each_block_at_the_published_row(
        self, service: str, m3: int
    ) -> None:
        tariff = espa_tariff(service)
        for (svc, use), row in espa_rows().items():
            if svc != service or (not use.startswith("residencial") and use != "comercial"):
                continue
            stratum = int(use[-1]) if use.startswith("residencial") else None
            customer = rating.Customer(
                stratum=stratum, use="residential" if stratum else use, altitude_m=MARINILLA_M
            )

            lines = rating.rate_total(
                tariff=tariff, month=date(2016, 5, 1), quantity=Decimal(m3), customer=customer
            )

            basic = min(m3, 20)
            expected = (
                Decimal(row["cargo_fijo"])
                + basic * Decimal(row["basico"])
                + (m3 - basic) * Decimal(row["complementario"])
            )
            assert sum(ln.amount.amount for ln in lines) == expected, (use, m3)
