"""The reference engine on hand-worked examples: tiers, time of use, holidays, demand, fixed
charges, minimum, taxes, and usage it must refuse."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from urbis.domain import rating, tariffs
from urbis.kernel.periods import Period

BOGOTA = timezone(timedelta(hours=-5))
D = Decimal


def grid(rows: Sequence[int]) -> tariffs.Grid:
    return tuple(tuple(rows) for _ in range(tariffs.MONTHS))


PEAK_18_21 = grid([0] * 18 + [1] * 3 + [0] * 3)


def version(**overrides: object) -> tariffs.Version:
    terms: dict[str, object] = {
        "version": "v1",
        "active": Period(date(2024, 1, 1), None),
        "currency": "COP",
        "energy": tariffs.EnergyCharge(
            periods=(
                tariffs.RatePeriod("valle", (tariffs.Tier(D(100), D(100)), tariffs.Tier(D(200)))),
                tariffs.RatePeriod("punta", (tariffs.Tier(D(300), D(100)), tariffs.Tier(D(400)))),
            ),
            schedule=tariffs.Schedule(weekday=PEAK_18_21, weekend=grid([0] * 24)),
        ),
    }
    terms.update(overrides)
    return tariffs.Version(**terms)  # type: ignore[arg-type]


def tariff(*versions: tariffs.Version) -> tariffs.Tariff:
    return tariffs.Tariff(code="T", name="Test", versions=versions or (version(),))


def hourly(start: datetime, kwh: Sequence[Decimal | int]) -> list[rating.Interval]:
    return [
        rating.Interval(start=start + timedelta(hours=h), minutes=60, kwh=D(k))
        for h, k in enumerate(kwh)
    ]


def amounts(lines: Sequence[rating.ChargeLine], kind: str) -> list[Decimal]:
    return [ln.amount.amount for ln in lines if ln.kind == kind]


class TestEnergy:
    def test_splits_each_tier_across_periods_in_proportion_to_their_use(self) -> None:
        # Tuesday 2 January 2024: 150 kWh at 17:00 (valle), 50 kWh at 18:00 (punta).
        usage = hourly(datetime(2024, 1, 2, 17, tzinfo=BOGOTA), [150, 50])

        lines = rating.rate_intervals(tariff=tariff(), intervals=usage)

        # 200 kWh in the month: 100 in tier 1, 100 in tier 2; valle uses 3/4 of each.
        energy = {(ln.period, ln.block): (ln.quantity, ln.amount.amount) for ln in lines}
        assert energy == {
            ("valle", "1"): (D(75), D("7500.00")),
            ("valle", "2"): (D(75), D("15000.00")),
            ("punta", "1"): (D(25), D("7500.00")),
            ("punta", "2"): (D(25), D("10000.00")),
        }

    def test_a_colombian_holiday_follows_the_weekend_schedule(self) -> None:
        # Monday 8 January 2024 is a holiday in Colombia (Reyes Magos); 18:00 is peak on weekdays.
        usage = hourly(datetime(2024, 1, 8, 18, tzinfo=BOGOTA), [10])
        with_holidays = tariff(version(holidays="CO"))

        on_holiday = rating.rate_intervals(tariff=with_holidays, intervals=usage)
        without = rating.rate_intervals(tariff=tariff(), intervals=usage)

        assert [ln.period for ln in on_holiday] == ["valle"]
        assert [ln.period for ln in without] == ["punta"]

    def test_reads_the_hour_in_the_tariffs_time_zone_when_it_names_one(self) -> None:
        # 23:00 UTC on a Tuesday is 18:00 in Bogotá: peak.
        usage = hourly(datetime(2024, 1, 2, 23, tzinfo=UTC), [10])

        lines = rating.rate_intervals(
            tariff=tariff(version(timezone="America/Bogota")), intervals=usage
        )

        assert [ln.period for ln in lines] == ["punta"]


class TestOtherCharges:
    def test_prices_monthly_peak_demand_per_period_in_tiers(self) -> None:
        demand = tariffs.DemandCharge(
            periods=(
                tariffs.RatePeriod("base", (tariffs.Tier(D(10), D(2)), tariffs.Tier(D(20)))),
                tariffs.RatePeriod("punta", (tariffs.Tier(D(50)),)),
            ),
            schedule=tariffs.Schedule(weekday=PEAK_18_21, weekend=grid([0] * 24)),
        )
        # 15-minute data: 1 kWh in 15 minutes is 4 kW.
        start = datetime(2024, 1, 2, 17, 30, tzinfo=BOGOTA)
        usage = [
            rating.Interval(start=start + timedelta(minutes=15 * i), minutes=15, kwh=D(k))
            for i, k in enumerate(["0.75", "0.25", "0.5", "0.25"])
        ]

        lines = rating.rate_intervals(tariff=tariff(version(demand=demand)), intervals=usage)

        # base peak 3 kW (17:30): 2 kW × 10 + 1 kW × 20; punta peak 2 kW (18:00) × 50.
        assert amounts(lines, "DEMAND") == [D("20.00"), D("20.00"), D("100.00")]

    def test_prorates_monthly_fixed_charges_by_days_and_counts_daily_ones(self) -> None:
        fixed = (
            tariffs.FixedCharge("Mensual", D(3100), tariffs.FixedBasis.MONTH),
            tariffs.FixedCharge("Diario", D(10), tariffs.FixedBasis.DAY),
        )
        usage = hourly(datetime(2024, 1, 1, tzinfo=BOGOTA), [0] * 24 * 10)

        lines = rating.rate_intervals(tariff=tariff(version(fixed=fixed)), intervals=usage)

        assert amounts(lines, "FIXED") == [D("1000.00"), D("100.00")]

    def test_splits_a_month_across_a_version_change(self) -> None:
        first = version(
            active=Period(date(2024, 1, 1), date(2024, 1, 11)),
            fixed=(tariffs.FixedCharge("Cargo fijo", D(3100)),),
        )
        second = version(
            version="v2",
            active=Period(date(2024, 1, 11), None),
            fixed=(tariffs.FixedCharge("Cargo fijo", D(6200)),),
        )
        usage = hourly(datetime(2024, 1, 1, tzinfo=BOGOTA), [0] * 24 * 31)

        lines = rating.rate_intervals(tariff=tariff(first, second), intervals=usage)

        assert [(ln.tariff, ln.amount.amount) for ln in lines] == [
            ("T v1", D("1000.00")),
            ("T v2", D("4200.00")),
        ]

    def test_taxes_come_last_on_the_charges_before_them(self) -> None:
        terms = version(minimum=D(10000), taxes=(tariffs.Tax("IVA", percent=D(19)),))
        # One hour of 10 kWh: the minimum counts for 1/744 of the month, so it does not bind.
        usage = hourly(datetime(2024, 1, 2, 10, tzinfo=BOGOTA), [10])

        lines = rating.rate_intervals(tariff=tariff(terms), intervals=usage)

        assert [ln.kind for ln in lines] == ["ENERGY", "TAX"]
        assert amounts(lines, "TAX") == [D("190.00")]

    def test_the_minimum_binds_on_a_quiet_month(self) -> None:
        terms = version(minimum=D(10000))
        usage = hourly(datetime(2024, 1, 1, tzinfo=BOGOTA), [0] * (24 * 31 - 1) + [10])

        lines = rating.rate_intervals(tariff=tariff(terms), intervals=usage)

        assert amounts(lines, "MINIMUM") == [D("9000.00")]
        assert sum(ln.amount.amount for ln in lines) == D(10000)


class TestBadUsage:
    def test_refuses_a_gap(self) -> None:
        usage = hourly(datetime(2024, 1, 2, tzinfo=BOGOTA), [1, 1, 1])
        del usage[1]

        with pytest.raises(rating.InvalidUsage, match="gap at 2024-01-02T01:00:00-05:00"):
            rating.rate_intervals(tariff=tariff(), intervals=usage)

    def test_refuses_mixed_interval_lengths(self) -> None:
        usage = [
            rating.Interval(start=datetime(2024, 1, 2, tzinfo=BOGOTA), minutes=60, kwh=D(1)),
            rating.Interval(start=datetime(2024, 1, 2, 1, tzinfo=BOGOTA), minutes=30, kwh=D(1)),
        ]

        with pytest.raises(rating.InvalidUsage, match="Mixed interval lengths"):
            rating.rate_intervals(tariff=tariff(), intervals=usage)

    def test_refuses_usage_outside_every_version(self) -> None:
        usage = hourly(datetime(2023, 12, 31, 23, tzinfo=BOGOTA), [1])

        with pytest.raises(tariffs.NoTariffInForce):
            rating.rate_intervals(tariff=tariff(), intervals=usage)


class TestAnnualMinimum:
    def test_tops_up_a_part_year_by_its_covered_share_in_its_last_month(self) -> None:
        # 2024 is a leap year: 366 days. Ten days of January at 1 kWh an hour (240 kWh, all in
        # valle's tiers: 100 × 100 + 140 × 200 = 38,000) against 3,660,000 a year: the floor is
        # 3,660,000 × 10 / 366 = 100,000, so 62,000 is topped up on 2024-01.
        flat = tariffs.EnergyCharge(
            periods=(
                tariffs.RatePeriod("valle", (tariffs.Tier(D(100), D(100)), tariffs.Tier(D(200)))),
            ),
            schedule=tariffs.flat_schedule(),
        )
        usage = hourly(datetime(2024, 1, 1, tzinfo=BOGOTA), [1] * 240)

        lines = rating.rate_intervals(
            tariff=tariff(version(energy=flat, annual_minimum=D(3_660_000))), intervals=usage
        )

        assert amounts(lines, "ENERGY") == [D("10000.00"), D("28000.00")]
        assert amounts(lines, "MINIMUM") == [D("62000.00")]
        assert [ln.month for ln in lines if ln.kind == "MINIMUM"] == ["2024-01"]

    def test_adds_nothing_when_the_year_pays_more_than_the_minimum(self) -> None:
        usage = hourly(datetime(2024, 1, 2, 17, tzinfo=BOGOTA), [150, 50])

        lines = rating.rate_intervals(tariff=tariff(version(annual_minimum=D(1))), intervals=usage)

        assert amounts(lines, "MINIMUM") == []

    def test_refuses_an_annual_minimum_with_percentage_taxes(self) -> None:
        with pytest.raises(tariffs.InvalidTariff, match="annual minimum"):
            version(annual_minimum=D(1000), taxes=(tariffs.Tax("IVA", percent=D(19)),))
