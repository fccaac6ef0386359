"""The packs shipped with urbis pass their own cases and agree with published Colombian figures."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.unit.rules.fakes import ENGINE
from urbis.adapters.rules import shipped
from urbis.application.rules import evaluation
from urbis.domain import rules
from urbis.kernel import ids

COLOMBIA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "colombia"
needs_data = pytest.mark.skipif(
    not COLOMBIA.is_dir(), reason="the shared Colombian data folder (../shared/data) is absent"
)
PACKS = {p["pack_key"]: p for p in shipped.shipped_packs()}


def _version(data: dict[str, Any]) -> rules.PackVersion:
    return rules.new_draft(
        version_id=rules.PackVersionId("v1"),
        tenant_id=ids.TenantId("t1"),
        pack_key=data["pack_key"],
        version=1,
        extension_point=data["extension_point"],
        title=data["title"],
        effective_from=date.fromisoformat(data["effective_from"]),
        content=rules.canonical_json(data["content"]),
        test_cases=rules.test_cases_from_data(data=data["test_cases"]),
        author_id="urbis",
        at=datetime(2026, 11, 2, tzinfo=UTC),
    )


def _ask(key: str, **values: Any) -> dict[str, rules.Value]:
    return evaluation.answer_one(engine=ENGINE, pack=_version(PACKS[key]), values=values)


def _factor(service: str, use: str, stratum: int | None = None, altitude: int = 2600) -> Decimal:
    values: dict[str, Any] = {"service": service, "use_class": use, "altitude_m": altitude}
    if stratum is not None:
        values["stratum"] = stratum
    factor = _ask("co_solidarity_factors", **values)["factor"]
    assert isinstance(factor, Decimal)
    return factor


class TestShippedPacks:
    @pytest.mark.parametrize("service", ["GAS", "WASTE"])
    def test_a_service_the_solidarity_pack_does_not_cover_fails_naming_its_switch(
        self, service: str
    ) -> None:
        with pytest.raises(rules.RuleEvaluationFailed) as caught:
            _ask(
                "co_solidarity_factors",
                service=service,
                use_class="RESIDENTIAL",
                stratum=1,
                altitude_m=100,
            )

        assert "switch 'Service' (service) took no branch" in caught.value.message
        assert caught.value.details["node"] == "Service"

    @pytest.mark.parametrize("key", sorted(PACKS))
    def test_passes_its_checks_and_saved_cases(self, key: str) -> None:
        report = evaluation.run_tests(engine=ENGINE, pack=_version(PACKS[key]))

        assert report.failures == ()
        assert len(report.cases) >= 2

    def test_answers_every_extension_point(self) -> None:
        assert {p["extension_point"] for p in PACKS.values()} == set(rules.CATALOGUE)

    def test_a_changed_expectation_makes_the_pack_fail(self) -> None:
        data = json.loads(json.dumps(PACKS["co_collections_policy"], default=str))
        medical = next(c for c in data["test_cases"] if "never suspended" in c["name"])
        medical["expected"]["action"] = "SUSPEND"

        report = evaluation.run_tests(engine=ENGINE, pack=_version(data))

        assert not report.passed

    def test_never_suspends_a_household_with_a_medical_dependency(self) -> None:
        for days in (30, 60, 90, 400):
            answer = _ask(
                "co_collections_policy",
                days_overdue=days,
                amount_overdue=Decimal("900000"),
                segment="RESIDENTIAL",
                medical_dependency=True,
                open_claim=False,
                payment_arrangement=False,
                risk_score=Decimal("0.99"),
            )

            assert answer["action"] not in ("SUSPEND", "SUSPENSION_NOTICE")
            assert answer["protected"] is True


@needs_data
class TestAgainstPublishedFigures:
    def _parameters(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(
            (COLOMBIA / "parametros_regulatorios_co.json").read_text(encoding="utf-8"),
            parse_float=Decimal,
        )
        return loaded

    def test_electricity_factors_and_subsistence_follow_the_law(self) -> None:
        energy = self._parameters()["energia_electrica"]
        subsidy = energy["subsidio_max_sobre_consumo_subsistencia"]
        contribution = energy["contribucion_solidaria"]
        limits = energy["consumo_subsistencia_kwh_mes"]

        for stratum in (1, 2, 3):
            assert _factor("ELECTRICITY", "RESIDENTIAL", stratum) == -subsidy[f"estrato_{stratum}"]
        for stratum in (5, 6):
            assert (
                _factor("ELECTRICITY", "RESIDENTIAL", stratum) == contribution[f"estrato_{stratum}"]
            )
        assert _factor("ELECTRICITY", "COMMERCIAL") == contribution["comercial"]
        assert _factor("ELECTRICITY", "INDUSTRIAL") == 0
        high = _ask(
            "co_solidarity_factors",
            service="ELECTRICITY",
            use_class="RESIDENTIAL",
            stratum=1,
            altitude_m=1000,
        )
        low = _ask(
            "co_solidarity_factors",
            service="ELECTRICITY",
            use_class="RESIDENTIAL",
            stratum=1,
            altitude_m=999,
        )
        assert high["limit"] == limits["altitud_igual_o_mayor_1000_msnm"]
        assert low["limit"] == limits["altitud_menor_1000_msnm"]

    def test_water_factors_and_basic_consumption_follow_the_regulation(self) -> None:
        water = self._parameters()["acueducto_alcantarillado_aseo"]
        basic = water["consumo_basico_m3_suscriptor_mes"]

        for stratum in (1, 2, 3):
            assert (
                _factor("WATER", "RESIDENTIAL", stratum)
                == -water["subsidio_max"][f"estrato_{stratum}"]
            )
        minimum = water["factor_aporte_solidario_minimo"]
        assert _factor("WATER", "RESIDENTIAL", 5) == minimum["estrato_5"]
        assert _factor("WATER", "RESIDENTIAL", 6) == minimum["estrato_6"]
        assert _factor("SEWER", "COMMERCIAL") == minimum["comercial"]
        assert _factor("SEWER", "INDUSTRIAL") == minimum["industrial"]
        limits = {
            altitude: _ask(
                "co_solidarity_factors",
                service="WATER",
                use_class="RESIDENTIAL",
                stratum=1,
                altitude_m=altitude,
            )["limit"]
            for altitude in (2600, 1500, 300)
        }
        assert limits == {
            2600: basic["altitud_promedio_mayor_2000_msnm"],
            1500: basic["entre_1000_y_2000_msnm"],
            300: basic["menor_1000_msnm"],
        }

    def test_codensa_july_2017_sheet_matches_the_electricity_factors(self) -> None:
        rows = list(
            csv.DictReader(
                line
                for line in (COLOMBIA / "energia_codensa_2017-07_residencial_nt1.csv")
                .read_text(encoding="utf-8")
                .splitlines()
                if not line.startswith("#")
            )
        )
        full = Decimal(next(r for r in rows if r["estrato"] == "4")["cop_kwh_prop_codensa"])
        price = {
            (r["estrato"], r["rango_consumo"]): Decimal(r["cop_kwh_prop_codensa"]) for r in rows
        }

        for stratum, band in (("3", "0-CS"), ("5", "todo"), ("6", "todo")):
            expected = (full * (1 + _factor("ELECTRICITY", "RESIDENTIAL", int(stratum)))).quantize(
                Decimal("0.0001")
            )
            assert price[(stratum, band)] == expected
        # estratos 1 and 2 are capped by CPI increases (Ley 1117 de 2006): within the legal maximum
        for stratum in ("1", "2"):
            assert price[(stratum, "0-CS")] >= full * (
                1 + _factor("ELECTRICITY", "RESIDENTIAL", int(stratum))
            )

    def test_marinilla_2016_contributions_match_and_its_subsidies_stay_within_the_maximum(
        self,
    ) -> None:
        text = (COLOMBIA / "acueducto_alcantarillado_marinilla_2016-05.csv").read_text(
            encoding="utf-8"
        )
        rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
        uses = {
            "comercial": ("COMMERCIAL", None),
            "industrial": ("INDUSTRIAL", None),
            **{f"residencial_estrato_{s}": ("RESIDENTIAL", s) for s in range(1, 7)},
        }

        checked = 0
        for row in rows:
            if row["uso"] not in uses:
                continue
            use, stratum = uses[row["uso"]]
            service = "WATER" if row["servicio"] == "acueducto" else "SEWER"
            ours, theirs = _factor(service, use, stratum), Decimal(row["fi"])
            if ours > 0:
                assert theirs == ours, row
            else:
                assert ours <= theirs <= 0, row
            checked += 1

        assert checked == 16
