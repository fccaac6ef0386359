"""
The batch engine and the reference engine, given the same generated tariffs and usage, produce
the same charge lines to the cent.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urbis.domain import rating, tariffs
from urbis.domain.rating import _batch as rating_batch
from urbis.kernel.money import Rounding, minor_unit
from urbis.kernel.periods import Period

ZONE = "America/Bogota"
Key = tuple[str, str, str, str, str, int]
Agreements = list[tuple[str, int | None, int, list[rating.Interval]]]
Case = tuple[tariffs.Tariff, Agreements, int, type[pl.DataType]]


def decimals(top: int, places: int) -> st.SearchStrategy[Decimal]:
    return st.integers(0, top * 10**places).map(lambda n: Decimal(n).scaleb(-places))


@st.composite
def rate_periods(draw: st.DrawFn, count: int) -> tuple[tariffs.RatePeriod, ...]:
    periods = []
    for p in range(count):
        limits = sorted(set(draw(st.lists(decimals(400, 3).filter(bool), max_size=2))))
        uptos: list[Decimal | None] = [*limits, None]
        tiers = tuple(tariffs.Tier(price=draw(decimals(900, 6)), upto=u) for u in uptos)
        periods.append(tariffs.RatePeriod(name=f"p{p}", tiers=tiers))
    return tuple(periods)


def grid(rng: random.Random, periods: int) -> tariffs.Grid:
    return tuple(tuple(rng.randrange(periods) for _ in range(24)) for _ in range(12))


@st.composite
def versions(
    draw: st.DrawFn,
    start: date,
    end: date | None,
    currency: str,
    rounding: Rounding,
    holidays: str | None,
) -> tariffs.Version:
    count = draw(st.integers(1, 3))
    rng = random.Random(draw(st.integers(0, 2**32)))
    schedule = tariffs.Schedule(
        weekday=grid(rng, count),
        weekend=grid(rng, count),
        holiday=draw(st.sampled_from([None, grid(rng, count)])),
    )
    fixed = tuple(
        tariffs.FixedCharge(
            f"f{i}", draw(decimals(20000, 4)), draw(st.sampled_from(list(tariffs.FixedBasis)))
        )
        for i in range(draw(st.integers(0, 2)))
    )
    taxes = tuple(
        tariffs.Tax(f"t{i}", percent=draw(decimals(30, 4)))
        if draw(st.booleans())
        else tariffs.Tax(f"t{i}", per_unit=draw(decimals(10, 4)))
        for i in range(draw(st.integers(0, 2)))
    )
    solidarity = None
    if draw(st.integers(0, 3)) > 0:
        classes = []
        for key in ("1", "2", "3", "5", "6", "commercial"):
            if draw(st.integers(0, 3)) == 0:
                continue
            subsidised = key in {"1", "2", "3"}
            share = draw(decimals(1, 2).filter(lambda d: Decimal(0) < d < 1))
            classes.append(
                (
                    key,
                    tariffs.SolidarityClass(
                        subsidy=share if subsidised else Decimal(0),
                        contribution=Decimal(0) if subsidised else share,
                        price=draw(st.none() | decimals(900, 4)),
                        fixed_price=draw(st.none() | decimals(20000, 2)),
                    ),
                )
            )
        solidarity = tariffs.Solidarity(
            basic=(
                tariffs.BasicQuantity(0, draw(decimals(200, 1))),
                tariffs.BasicQuantity(1000, draw(decimals(200, 1))),
            ),
            classes=tuple(classes),
            on_fixed=draw(st.booleans()),
        )
    return tariffs.Version(
        version=start.isoformat(),
        active=Period(start, end),
        currency=currency,
        rounding=rounding,
        holidays=holidays,
        fixed=fixed,
        energy=tariffs.EnergyCharge(periods=draw(rate_periods(count)), schedule=schedule),
        minimum=draw(st.sampled_from([Decimal(0), Decimal(0), draw(decimals(50000, 2))])),
        taxes=taxes,
        solidarity=solidarity,
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    currency = draw(st.sampled_from(["COP", "USD", "CLP"]))
    change = date(2024, draw(st.integers(2, 4)), 1)
    shared = (
        currency,
        draw(st.sampled_from(list(Rounding))),
        draw(st.sampled_from([None, "CO"])),
    )
    parts: tuple[tariffs.Version, ...]
    if draw(st.booleans()):
        parts = (
            draw(versions(date(2024, 1, 1), change, *shared)),
            draw(versions(change, None, *shared)),
        )
    else:
        parts = (draw(versions(date(2024, 1, 1), None, *shared)),)
    tariff = tariffs.Tariff(code="GEN", name="generated", versions=parts)
    minutes = draw(st.sampled_from([15, 30, 60]))
    agreements = []
    aligned = draw(st.booleans())  # every agreement with the same start times: a regular frame
    shared_start = draw(st.integers(0, 24 * 4 * 70))
    shared_count = draw(st.integers(1, 1500))
    for a in range(draw(st.integers(1, 3))):
        start = datetime(2024, 1, 1, tzinfo=ZoneInfo(ZONE)) + timedelta(
            minutes=minutes * (shared_start if aligned else draw(st.integers(0, 24 * 4 * 70)))
        )
        count = shared_count if aligned else draw(st.integers(1, 1500))
        rng = random.Random(draw(st.integers(0, 2**32)))
        scale = draw(st.sampled_from([10, 1000, 100_000]))
        intervals = [
            rating.Interval(
                start=start + timedelta(minutes=minutes * i),
                minutes=minutes,
                kwh=Decimal(rng.randrange(-scale // 10, scale)).scaleb(-3),
            )
            for i in range(count)
        ]
        stratum = draw(st.integers(0, 6))
        altitude = draw(st.sampled_from([0, 999, 1000, 2600]))
        agreements.append((str(a + 1), stratum or None, altitude, intervals))
    return tariff, agreements, minutes, draw(st.sampled_from([pl.String, pl.Int32]))


def reference_lines(
    tariff: tariffs.Tariff, agreements: list[tuple[str, int | None, int, list[rating.Interval]]]
) -> Counter[Key]:
    lines: Counter[Key] = Counter()
    for name, stratum, altitude, intervals in agreements:
        customer = rating.Customer(stratum=stratum, altitude_m=altitude)
        for line in rating.rate_intervals(tariff=tariff, intervals=intervals, customer=customer):
            units = int(line.amount.amount.scaleb(minor_unit(line.amount.currency)))
            lines[(name, line.month, line.kind, line.period, line.block, units)] += 1
    return lines


def usage_and_customers(
    agreements: list[tuple[str, int | None, int, list[rating.Interval]]],
    ids: type[pl.DataType] = pl.String,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The batch engine's ``usage`` and ``customers`` frames of generated agreements (homes)."""
    usage = pl.DataFrame(
        {
            "agreement": [name for name, _, _, intervals in agreements for _ in intervals],
            "start": [i.start for _, _, _, intervals in agreements for i in intervals],
            "wh": [int(i.kwh * 1000) for _, _, _, intervals in agreements for i in intervals],
        },
        schema={"agreement": pl.String, "start": pl.Datetime("us", ZONE), "wh": pl.Int64},
    ).with_columns(pl.col("agreement").cast(ids))
    customers = pl.DataFrame(
        {
            "agreement": [a[0] for a in agreements],
            "stratum": [a[1] for a in agreements],
            "use": ["residential"] * len(agreements),
            "altitude_m": [a[2] for a in agreements],
        },
        schema={
            "agreement": pl.String,
            "stratum": pl.Int8,
            "use": pl.String,
            "altitude_m": pl.Int32,
        },
    )
    return usage, customers.with_columns(pl.col("agreement").cast(ids))


def batch_frame(
    tariff: tariffs.Tariff,
    agreements: list[tuple[str, int | None, int, list[rating.Interval]]],
    minutes: int,
    ids: type[pl.DataType],
) -> pl.DataFrame:
    usage, customers = usage_and_customers(agreements, ids)
    return rating.rate_frame(tariff=tariff, usage=usage, minutes=minutes, customers=customers)


def batch_lines(
    tariff: tariffs.Tariff,
    agreements: list[tuple[str, int | None, int, list[rating.Interval]]],
    minutes: int,
    ids: type[pl.DataType],
) -> Counter[Key]:
    frame = batch_frame(tariff, agreements, minutes, ids)
    return Counter(
        (r["agreement"], r["month"], r["kind"], r["period"], r["block"], r["amount"])
        for r in frame.iter_rows(named=True)
    )


class TestEnginesAgree:
    @settings(
        max_examples=int(os.environ.get("URBIS_RATING_EXAMPLES", "60")),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(cases())
    def test_batch_and_reference_lines_are_identical_to_the_cent(
        self,
        case: Case,
    ) -> None:
        tariff, agreements, minutes, ids = case

        expected = reference_lines(tariff, agreements)
        actual = batch_lines(tariff, agreements, minutes, ids)

        assert actual == expected

    @settings(
        max_examples=int(os.environ.get("URBIS_RATING_EXAMPLES", "60")) // 2,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(cases())
    def test_subsidies_in_python_integers_agree_as_the_128_bit_columns_do(
        self,
        case: Case,
    ) -> None:
        # the batch engine prices subsidies and contributions in 128-bit columns when every
        # product fits, else row by row in Python integers: both must match the reference
        tariff, agreements, minutes, ids = case

        expected = reference_lines(tariff, agreements)
        with mock.patch.object(rating_batch, "_fits_in_128_bits", return_value=False):
            actual = batch_lines(tariff, agreements, minutes, ids)

        assert actual == expected


def _thousandths(value: Decimal, places: int) -> int:
    return int(value.scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


class TestEnginesExplainAlike:
    @settings(
        max_examples=int(os.environ.get("URBIS_RATING_EXAMPLES", "60")),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(cases())
    def test_batch_lines_carry_the_reference_quantity_and_unit_price(self, case: Case) -> None:
        tariff, agreements, minutes, ids = case

        expected: Counter[tuple[object, ...]] = Counter()
        for name, stratum, altitude, intervals in agreements:
            customer = rating.Customer(stratum=stratum, altitude_m=altitude)
            for line in rating.rate_intervals(
                tariff=tariff, intervals=intervals, customer=customer
            ):
                expected[
                    (
                        name,
                        line.month,
                        line.kind,
                        line.period,
                        line.block,
                        line.part,
                        _thousandths(line.quantity, 3),
                        _thousandths(line.unit_price, 6),
                    )
                ] += 1
        actual = Counter(
            (
                str(r["agreement"]),
                r["month"],
                r["kind"],
                r["period"],
                r["block"],
                r["part"],
                r["quantity_milli"],
                r["unit_price_micro"],
            )
            for r in batch_frame(tariff, agreements, minutes, ids).iter_rows(named=True)
        )

        assert actual == expected


class TestBatchLimits:
    def test_sends_demand_charges_to_the_reference_engine(self) -> None:
        demand = tariffs.DemandCharge(
            periods=(tariffs.RatePeriod("all", (tariffs.Tier(Decimal(1)),)),),
            schedule=tariffs.flat_schedule(),
        )
        version = tariffs.Version(
            version="v", active=Period(date(2024, 1, 1), None), currency="USD", demand=demand
        )
        usage = pl.DataFrame(
            {"agreement": ["a"], "start": [datetime(2024, 1, 1, tzinfo=ZoneInfo(ZONE))], "wh": [1]},
            schema={"agreement": pl.String, "start": pl.Datetime("us", ZONE), "wh": pl.Int64},
        )

        with pytest.raises(rating.BatchNotSupported, match="Demand charges"):
            rating.rate_frame(
                tariff=tariffs.Tariff(code="D", name="d", versions=(version,)),
                usage=usage,
                minutes=60,
            )

    def test_sends_export_credits_and_monthly_subtotals_to_the_reference_engine(self) -> None:
        sells = tariffs.EnergyCharge(
            periods=(tariffs.RatePeriod("all", (tariffs.Tier(Decimal(1), sell=Decimal("0.5")),)),),
            schedule=tariffs.flat_schedule(),
        )
        exporting = tariffs.Version(
            version="v", active=Period(date(2024, 1, 1), None), currency="USD", energy=sells
        )
        subtotal = tariffs.Version(
            version="v",
            active=Period(date(2024, 1, 1), None),
            currency="USD",
            rounding_scope=tariffs.RoundingScope.MONTHLY_SUBTOTAL,
        )

        annual = tariffs.Version(
            version="v",
            active=Period(date(2024, 1, 1), None),
            currency="USD",
            annual_minimum=Decimal(100),
        )

        for version, problem in (
            (exporting, "Export credits"),
            (subtotal, "monthly subtotal"),
            (annual, "annual minimum"),
        ):
            with pytest.raises(rating.BatchNotSupported, match=problem) as caught:
                rating.rate_frame(
                    tariff=tariffs.Tariff(code="X", name="x", versions=(version,)),
                    usage=one_hour(),
                    minutes=60,
                )
            assert caught.value.code == "batch_not_supported"

    def test_sends_a_version_starting_mid_month_to_the_reference_engine(self) -> None:
        def version(name: str, start: date, end: date | None) -> tariffs.Version:
            return tariffs.Version(version=name, active=Period(start, end), currency="USD")

        tariff = tariffs.Tariff(
            code="M",
            name="m",
            versions=(
                version("a", date(2024, 1, 1), date(2024, 1, 15)),
                version("b", date(2024, 1, 15), None),
            ),
        )

        with pytest.raises(rating.BatchNotSupported, match="starts inside 2024-01"):
            rating.rate_frame(tariff=tariff, usage=one_hour(), minutes=60)


def one_hour() -> pl.DataFrame:
    return pl.DataFrame(
        {"agreement": ["a"], "start": [datetime(2024, 1, 1, tzinfo=ZoneInfo(ZONE))], "wh": [1]},
        schema={"agreement": pl.String, "start": pl.Datetime("us", ZONE), "wh": pl.Int64},
    )


class TestTiersPerKw:
    def test_the_batch_engine_sends_limits_per_kw_to_the_reference_engine(self) -> None:
        per_kw = tariffs.EnergyCharge(
            periods=(
                tariffs.RatePeriod(
                    "all",
                    (
                        tariffs.Tier(Decimal(1), upto=Decimal(300), upto_per_kw=True),
                        tariffs.Tier(Decimal("0.5"), upto_per_kw=True),
                    ),
                ),
            ),
            schedule=tariffs.flat_schedule(),
        )
        version = tariffs.Version(
            version="v", active=Period(date(2024, 1, 1), None), currency="USD", energy=per_kw
        )

        with pytest.raises(rating.BatchNotSupported, match="per kW"):
            rating.rate_frame(
                tariff=tariffs.Tariff(code="K", name="k", versions=(version,)),
                usage=one_hour(),
                minutes=60,
            )

    def test_a_period_cannot_mix_limits_per_kwh_and_per_kw(self) -> None:
        with pytest.raises(tariffs.InvalidTariff, match="all per kWh or all per kW"):
            tariffs.RatePeriod(
                "all",
                (
                    tariffs.Tier(Decimal(1), upto=Decimal(300), upto_per_kw=True),
                    tariffs.Tier(Decimal("0.5")),
                ),
            )
