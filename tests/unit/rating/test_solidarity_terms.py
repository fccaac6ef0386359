"""
The batch engine prices solidarity by terms given per agreement (a ``subsidy_factor`` pack's
answers) exactly as it prices the tariff's own classes when the terms say the same, and by the
terms, not the classes, when they differ.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings

from tests.unit.rating.test_engines_agree import Case, cases, usage_and_customers
from urbis.domain import rating, tariffs
from urbis.domain.rating import _batch as rating_batch
from urbis.kernel.periods import Period

ZONE = "America/Bogota"
FLAT = tuple(tuple(0 for _ in range(24)) for _ in range(12))


def _frames(case: Case) -> tuple[pl.DataFrame, pl.DataFrame]:
    return usage_and_customers(case[1])


def _terms_of_the_classes(tariff: tariffs.Tariff, customers: pl.DataFrame) -> pl.DataFrame:
    """What a pack agreeing with the tariff's (only) version would answer for each agreement."""
    solidarity = tariff.versions[0].solidarity
    rows = []
    for row in customers.iter_rows(named=True):
        key = str(row["stratum"]) if row["stratum"] else "residential"
        rules = None if solidarity is None else solidarity.rules_for(key)
        if solidarity is None or rules is None:
            rows.append(("NONE", 0, 0))
        elif rules.subsidy:
            basic = solidarity.basic_quantity(altitude_m=row["altitude_m"])
            rows.append(("SUBSIDY", int(-rules.subsidy * 10**6), int(basic * 1000)))
        else:
            rows.append(("CONTRIBUTION", int(rules.contribution * 10**6), 0))
    return customers.with_columns(
        pl.Series("solidarity_kind", [r[0] for r in rows], dtype=pl.String),
        pl.Series("solidarity_share", [r[1] for r in rows], dtype=pl.Int64),
        pl.Series("solidarity_basic", [r[2] for r in rows], dtype=pl.Int64),
    )


def _sorted(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return sorted(frame.rows(), key=repr)


class TestTermsThatSayWhatTheClassesSay:
    @settings(
        max_examples=int(os.environ.get("URBIS_RATING_EXAMPLES", "60")) // 2,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(cases())
    @pytest.mark.parametrize("in_128_bits", [True, False])
    def test_price_every_line_to_the_cent_as_the_classes_do(
        self, in_128_bits: bool, case: Case
    ) -> None:
        tariff, _, minutes, _ = case
        assume(len(tariff.versions) == 1)
        usage, customers = _frames(case)
        with_terms = _terms_of_the_classes(tariff, customers)

        with mock.patch.object(
            rating_batch, "_fits_in_128_bits", side_effect=lambda *_: in_128_bits
        ):
            by_classes = rating.rate_frame(
                tariff=tariff, usage=usage, minutes=minutes, customers=customers
            )
            by_terms = rating.rate_frame(
                tariff=tariff, usage=usage, minutes=minutes, customers=with_terms
            )

        assert _sorted(by_terms) == _sorted(by_classes)


def _tariff(*, price: str, classes: dict[str, tariffs.SolidarityClass]) -> tariffs.Tariff:
    version = tariffs.Version(
        version="2026-01",
        active=Period(date(2026, 1, 1), None),
        currency="COP",
        energy=tariffs.EnergyCharge(
            periods=(tariffs.RatePeriod(name="CU", tiers=(tariffs.Tier(price=Decimal(price)),)),),
            schedule=tariffs.Schedule(weekday=FLAT, weekend=FLAT),
        ),
        solidarity=tariffs.Solidarity(
            basic=(
                tariffs.BasicQuantity(0, Decimal(173)),
                tariffs.BasicQuantity(1000, Decimal(130)),
            ),
            classes=tuple(classes.items()),
        ),
    )
    return tariffs.Tariff(code="T", name="test", versions=(version,))


def _month(
    kwh: int, *, stratum: int | None, use: str, kind: str, share: str, basic: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    usage = pl.DataFrame(
        {
            "agreement": ["a"],
            "start": [datetime(2026, 10, 1, tzinfo=ZoneInfo(ZONE))],
            "wh": [kwh * 1000],
        },
        schema={"agreement": pl.String, "start": pl.Datetime("us", ZONE), "wh": pl.Int64},
    )
    customers = pl.DataFrame(
        {
            "agreement": ["a"],
            "stratum": [stratum],
            "use": [use],
            "altitude_m": [1500],
            "solidarity_kind": [kind],
            "solidarity_share": [int(Decimal(share) * 10**6)],
            "solidarity_basic": [basic * 1000],
        },
        schema_overrides={"stratum": pl.Int32, "altitude_m": pl.Int32},
    )
    return usage, customers


def _solidarity(frame: pl.DataFrame) -> list[tuple[str, int]]:
    return [
        (r["kind"], r["amount"])
        for r in frame.iter_rows(named=True)
        if r["kind"] in ("SUBSIDY", "CONTRIBUTION")
    ]


OCTOBER = 31 * 1440


class TestTermsThatDiffer:
    def test_no_solidarity_line_when_the_terms_say_none_for_a_class_the_tariff_subsidises(
        self,
    ) -> None:
        tariff = _tariff(
            price="800", classes={"1": tariffs.SolidarityClass(subsidy=Decimal("0.6"))}
        )
        usage, customers = _month(
            150, stratum=1, use="residential", kind="NONE", share="0", basic=0
        )

        lines = rating.rate_frame(tariff=tariff, usage=usage, minutes=OCTOBER, customers=customers)

        assert _solidarity(lines) == []
        assert lines["amount"].sum() == 150 * 800 * 100

    def test_the_terms_share_and_limit_replace_the_classes(self) -> None:
        tariff = _tariff(
            price="800", classes={"1": tariffs.SolidarityClass(subsidy=Decimal("0.6"))}
        )
        usage, customers = _month(
            150, stratum=1, use="residential", kind="SUBSIDY", share="-0.5", basic=100
        )

        lines = rating.rate_frame(tariff=tariff, usage=usage, minutes=OCTOBER, customers=customers)

        # 50 % of the cost of the first 100 kWh (not 60 % of 130 kWh, the tariff's figures)
        assert _solidarity(lines) == [("SUBSIDY", -(100 * 800 * 100) // 2)]

    def test_a_contribution_for_a_class_the_tariff_does_not_name(self) -> None:
        tariff = _tariff(
            price="800", classes={"1": tariffs.SolidarityClass(subsidy=Decimal("0.6"))}
        )
        usage, customers = _month(
            150, stratum=None, use="industrial", kind="CONTRIBUTION", share="0.3", basic=0
        )

        lines = rating.rate_frame(tariff=tariff, usage=usage, minutes=OCTOBER, customers=customers)

        assert _solidarity(lines) == [("CONTRIBUTION", 150 * 800 * 100 * 3 // 10)]

    def test_the_tariffs_published_price_stands_when_the_kinds_agree(self) -> None:
        tariff = _tariff(
            price="800",
            classes={"5": tariffs.SolidarityClass(contribution=Decimal("0.2"), price=Decimal(960))},
        )
        usage, customers = _month(
            150, stratum=5, use="residential", kind="CONTRIBUTION", share="0.3", basic=0
        )

        lines = rating.rate_frame(tariff=tariff, usage=usage, minutes=OCTOBER, customers=customers)

        # the regulator's price for the class: (960 - 800) per kWh, whatever the share
        assert _solidarity(lines) == [("CONTRIBUTION", 150 * (960 - 800) * 100)]

    def test_the_published_price_does_not_apply_when_the_terms_change_the_kind(self) -> None:
        tariff = _tariff(
            price="800",
            classes={"5": tariffs.SolidarityClass(contribution=Decimal("0.2"), price=Decimal(960))},
        )
        usage, customers = _month(
            150, stratum=5, use="residential", kind="SUBSIDY", share="-0.1", basic=100
        )

        lines = rating.rate_frame(tariff=tariff, usage=usage, minutes=OCTOBER, customers=customers)

        assert _solidarity(lines) == [("SUBSIDY", -(100 * 800 * 100) // 10)]


class TestSolidarityOfPricedMonths:
    @pytest.mark.parametrize(
        ("kwh", "stratum", "use", "kind", "share", "basic"),
        [
            (150, 1, "residential", "SUBSIDY", "-0.5", 100),
            (87, 2, "residential", "SUBSIDY", "-0.45", 130),
            (150, 5, "residential", "CONTRIBUTION", "0.2", 0),
            (150, None, "industrial", "CONTRIBUTION", "0.3", 0),
            (150, 4, "residential", "NONE", "0", 0),
        ],
    )
    def test_prices_a_month_again_as_the_engine_priced_it(
        self, kwh: int, stratum: int | None, use: str, kind: str, share: str, basic: int
    ) -> None:
        tariff = _tariff(
            price="812.45",
            classes={
                "1": tariffs.SolidarityClass(subsidy=Decimal("0.6")),
                "5": tariffs.SolidarityClass(contribution=Decimal("0.2"), price=Decimal(960)),
            },
        )
        usage, customers = _month(
            kwh, stratum=stratum, use=use, kind=kind, share=share, basic=basic
        )
        lines = rating.rate_frame(tariff=tariff, usage=usage, minutes=OCTOBER, customers=customers)
        energy = lines.filter(pl.col("kind") == "ENERGY")["amount"].sum()

        again = rating.solidarity_of_priced_months(
            tariff=tariff,
            month=date(2026, 10, 1),
            priced=pl.DataFrame({"agreement": ["a"], "wh": [kwh * 1000], "energy": [energy]}),
            customers=customers,
        )

        assert again.rows() == [("a", amount) for _, amount in _solidarity(lines)]
