"""
Golden tests against CODENSA's published July 2017 residential tariff sheet (Bogotá, level 1,
utility-owned assets): the sheet's price for each stratum and consumption range must come out
of urbis's lines, and bills for 90, 130 and 250 kWh carry the subsidy or contribution lines.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from urbis.domain import rating, tariffs
from urbis.kernel.money import Money, Rounding
from urbis.kernel.periods import Period

SHEET = (
    Path(__file__).resolve().parents[3]
    / ".."
    / "shared"
    / "data"
    / "colombia"
    / "energia_codensa_2017-07_residencial_nt1.csv"
)
BOGOTA_ALTITUDE_M = 2640


def published() -> dict[tuple[int, str], Decimal]:
    if not SHEET.exists():
        pytest.skip("../shared/data is absent")
    rows = [line for line in SHEET.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    return {
        (int(r["estrato"]), r["rango_consumo"]): Decimal(r["cop_kwh_prop_codensa"])
        for r in csv.DictReader(rows)
    }


def july_2017(sheet: dict[tuple[int, str], Decimal]) -> tariffs.TariffVersion:
    """The tariff as urbis holds it: the CU, and the published subsidised prices of 1 and 2."""
    return tariffs.TariffVersion(
        code="CODENSA-RES-NT1",
        version="2017-07",
        active=Period(date(2017, 7, 1), date(2017, 8, 1)),
        currency="COP",
        rounding=Rounding.HALF_UP,
        energy=tariffs.ResidentialEnergyTariff(
            unit_cost=sheet[(4, "todo")],
            subsidised_price=((1, sheet[(1, "0-CS")]), (2, sheet[(2, "0-CS")])),
        ),
    )


def total(lines: tuple[rating.ChargeLine, ...]) -> Money:
    result = Money.zero("COP")
    for line in lines:
        result = result + line.amount
    return result


class TestCodensaJuly2017:
    @pytest.mark.parametrize("stratum", [1, 2, 3, 4, 5, 6])
    def test_the_price_of_a_subsistence_kwh_is_the_sheets(self, stratum: int) -> None:
        sheet = published()
        rng = "todo" if stratum >= 4 else "0-CS"

        lines = rating.rate_residential_month(
            version=july_2017(sheet),
            kwh=Decimal(130),
            stratum=stratum,
            altitude_m=BOGOTA_ALTITUDE_M,
        )

        per_kwh = total(lines).amount / 130
        assert abs(per_kwh - sheet[(stratum, rng)]) < Decimal("0.0005"), (stratum, per_kwh)

    @pytest.mark.parametrize("stratum", [1, 2, 3])
    def test_consumption_above_subsistence_pays_full_cost(self, stratum: int) -> None:
        sheet = published()
        version = july_2017(sheet)

        at_130 = total(
            rating.rate_residential_month(
                version=version, kwh=Decimal(130), stratum=stratum, altitude_m=BOGOTA_ALTITUDE_M
            )
        )
        at_250 = total(
            rating.rate_residential_month(
                version=version, kwh=Decimal(250), stratum=stratum, altitude_m=BOGOTA_ALTITUDE_M
            )
        )

        marginal = (at_250 - at_130).amount / 120
        assert abs(marginal - sheet[(stratum, ">CS")]) < Decimal("0.0005")

    def test_the_sheet_holds_its_own_rules(self) -> None:
        sheet = published()
        cost = sheet[(4, "todo")]

        assert (cost * Decimal("0.85")).quantize(Decimal("0.0001")) == sheet[(3, "0-CS")]
        assert (cost * Decimal("1.2")).quantize(Decimal("0.0001")) == sheet[(5, "todo")]
        assert sheet[(6, "todo")] == sheet[(5, "todo")]

    @pytest.mark.parametrize(
        ("stratum", "kwh", "kinds"),
        [
            (1, 90, ["ENERGY", "SUBSIDY"]),
            (2, 130, ["ENERGY", "SUBSIDY"]),
            (3, 250, ["ENERGY", "SUBSIDY"]),
            (4, 250, ["ENERGY"]),
            (5, 90, ["ENERGY", "CONTRIBUTION"]),
            (6, 250, ["ENERGY", "CONTRIBUTION"]),
        ],
    )
    def test_subsidy_and_contribution_are_their_own_lines(
        self, stratum: int, kwh: int, kinds: list[str]
    ) -> None:
        sheet = published()

        lines = rating.rate_residential_month(
            version=july_2017(sheet),
            kwh=Decimal(kwh),
            stratum=stratum,
            altitude_m=BOGOTA_ALTITUDE_M,
        )

        assert [line.kind for line in lines] == kinds
        assert lines[0].amount == Money.rounded(
            Decimal(kwh) * sheet[(4, "todo")], currency="COP", rounding=Rounding.HALF_UP
        )
        assert all(line.tariff == "CODENSA-RES-NT1 2017-07" for line in lines)

    def test_a_subsidy_reaches_only_the_subsistence_consumption_at_low_altitude_too(self) -> None:
        sheet = published()

        lines = rating.rate_residential_month(
            version=july_2017(sheet), kwh=Decimal(250), stratum=1, altitude_m=200
        )

        assert lines[1].quantity == 173


class TestTariffVersions:
    def test_finds_the_version_in_force_and_refuses_overlaps(self) -> None:
        def version(name: str, start: date, end: date | None) -> tariffs.TariffVersion:
            return tariffs.TariffVersion(
                code="T",
                version=name,
                active=Period(start, end),
                currency="COP",
                rounding=Rounding.HALF_UP,
                energy=tariffs.ResidentialEnergyTariff(unit_cost=Decimal("500")),
            )

        june = version("06", date(2017, 6, 1), date(2017, 7, 1))
        july = version("07", date(2017, 7, 1), None)

        assert tariffs.version_in_force(versions=[july, june], on=date(2017, 7, 31)) is july
        with pytest.raises(tariffs.NoTariffInForce):
            tariffs.version_in_force(versions=[june, july], on=date(2017, 5, 31))
        with pytest.raises(tariffs.InvalidTariff):
            tariffs.version_in_force(
                versions=[june, version("x", date(2017, 6, 15), None)], on=date(2017, 6, 1)
            )

    def test_a_subsidised_price_above_the_cost_is_refused(self) -> None:
        with pytest.raises(tariffs.InvalidTariff) as caught:
            tariffs.ResidentialEnergyTariff(
                unit_cost=Decimal("400"), subsidised_price=((1, Decimal("401")),)
            )

        assert caught.value.code == "invalid_tariff"

    def test_negative_consumption_is_refused(self) -> None:
        version = tariffs.TariffVersion(
            code="T",
            version="1",
            active=Period(date(2017, 1, 1)),
            currency="COP",
            rounding=Rounding.HALF_UP,
            energy=tariffs.ResidentialEnergyTariff(unit_cost=Decimal("500")),
        )

        with pytest.raises(rating.InvalidUsage):
            rating.rate_residential_month(
                version=version, kwh=Decimal(-1), stratum=3, altitude_m=2640
            )
