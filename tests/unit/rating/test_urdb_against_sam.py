"""
URDB records billed by urbis and by NREL's System Advisor Model (PySAM ``Utilityrate5``), an
independent implementation: one year of real hourly load (UK sample 0, its first 8,760 hours
placed on 2018, which starts on a Monday as SAM assumes; no holidays). Monthly energy, demand,
fixed and minimum charges must be equal to the cent.

Inputs PySAM's URDB converter drops are set on the PySAM side by hand: the older
``fixedmonthlycharge`` and ``minmonthlycharge``. Fixed charges in $/day differ by design: urbis
charges the days of each month, SAM spreads 365/12 days over every month; for those records the
fixed line is checked against rate × days and SAM's against rate × 365/12.
"""

from __future__ import annotations

import calendar
import gzip
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from urbis.adapters.tariffs import urdb
from urbis.domain import rating
from urbis.kernel.periods import Period

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
URDB = DATA / "tariffs" / "urdb"
LOAD = DATA / "meter_interval" / "uk-electricity-hdd-only-hourly-sample-0.csv.gz"
BROKEN = {
    "REopt_API__539fb6c7ec4f024bc1dc0445.json": "names period 1",
    "REopt_API__539fc25dec4f024c27d8b0a5.json": "has no rate",
    "REopt_API__customRatePOST.json": "tier limit must be positive",
}
# SAM rejects this one itself: demand tiers differ across periods of one month.
SAM_REJECTS = {"REopt.jl__multi_tier_urdb_response.json"}
# Records urbis cannot read yet, rejected with that reason (none among the shared files today).
UNSUPPORTED: dict[str, str] = {}
CENT = Decimal("0.01")


def shared() -> Path:
    if not URDB.exists() or not LOAD.exists():
        pytest.skip("../shared/data is absent")
    return URDB


def records() -> list[str]:
    if not URDB.exists():
        return []
    return sorted(
        p.name
        for p in URDB.glob("*.json")
        if p.name != "INDEX.json" and p.name not in BROKEN | UNSUPPORTED.keys() | SAM_REJECTS
    )


@pytest.fixture(scope="module")
def load() -> list[Decimal]:
    shared()
    with gzip.open(LOAD, "rt", encoding="utf-8") as handle:
        rows = handle.read().splitlines()[1:]
    return [Decimal(row.split(",")[1]) for row in rows[:8760]]


def sam_bill(record: dict[str, Any], load: list[Decimal]) -> dict[str, list[float]]:
    utility_rate = pytest.importorskip("PySAM.Utilityrate5")
    tools = pytest.importorskip("PySAM.UtilityRateTools")
    rates = tools.URDBv8_to_ElectricityRates(json.loads(json.dumps(record, default=float)))
    if "fixedmonthlycharge" in record and "fixedchargefirstmeter" not in record:
        rates["ur_monthly_fixed_charge"] = float(record["fixedmonthlycharge"])
    if "minmonthlycharge" in record and "mincharge" not in record:
        rates["ur_monthly_min_charge"] = float(record["minmonthlycharge"])
    if "annualmincharge" in record:  # the converter drops it too
        rates["ur_annual_min_charge"] = float(record["annualmincharge"])
    model = utility_rate.new()
    model.ElectricityRates.assign(rates)
    model.Lifetime.analysis_period = 1
    model.Lifetime.system_use_lifetime_output = 0
    model.Lifetime.inflation_rate = 0
    model.ElectricityRates.rate_escalation = [0]
    model.SystemOutput.gen = [0.0] * 8760
    model.SystemOutput.degradation = [0]
    model.Load.load = [float(kwh) for kwh in load]
    model.execute(0)
    out = model.Outputs
    return {
        "ENERGY": list(out.charge_w_sys_ec_ym[1]),
        "DEMAND": [
            a + b
            for a, b in zip(
                out.charge_w_sys_dc_fixed_ym[1], out.charge_w_sys_dc_tou_ym[1], strict=True
            )
        ],
        "FIXED": list(out.charge_w_sys_fixed_ym[1]),
        "MINIMUM": list(out.charge_w_sys_minimum_ym[1]),
    }


def cents(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT)


class TestUrdbAgainstSam:
    @pytest.mark.parametrize("name", records())
    def test_bills_every_month_to_the_cent_like_sam(self, name: str, load: list[Decimal]) -> None:
        text = (shared() / name).read_text(encoding="utf-8")
        record = dict(urdb.record_of(json.loads(text)))
        tariff = urdb.load_urdb(text=text)
        version = attrs.evolve(tariff.versions[0], active=Period(date(2018, 1, 1), None))
        tariff = attrs.evolve(tariff, versions=(version,))
        start = datetime(2018, 1, 1, tzinfo=UTC)
        intervals = [
            rating.Interval(start=start + timedelta(hours=h), minutes=60, kwh=kwh)
            for h, kwh in enumerate(load)
        ]

        lines = rating.rate_intervals(tariff=tariff, intervals=intervals)
        sam = sam_bill(record, load)

        per_day = record.get("fixedchargeunits") == "$/day"
        for month in range(12):
            label = f"2018-{month + 1:02d}"
            for kind, theirs in sam.items():
                ours = sum(
                    (ln.amount.amount for ln in lines if ln.month == label and ln.kind == kind),
                    Decimal(0),
                )
                if kind == "FIXED" and per_day:
                    rate = Decimal(str(record["fixedchargefirstmeter"]))
                    days = calendar.monthrange(2018, month + 1)[1]
                    assert ours == (rate * days).quantize(CENT), (label, kind)
                    assert cents(theirs[month]) == (rate * 365 / 12).quantize(CENT)
                else:
                    assert ours == cents(theirs[month]), (label, kind, ours, theirs[month])


class TestUrdbRejection:
    @pytest.mark.parametrize(("name", "problem"), sorted((BROKEN | UNSUPPORTED).items()))
    def test_rejects_a_malformed_record_naming_the_problem(self, name: str, problem: str) -> None:
        text = (shared() / name).read_text(encoding="utf-8")

        with pytest.raises(urdb.MalformedUrdbRecord) as caught:
            urdb.load_urdb(text=text)

        assert problem in str(caught.value)


class TestTiersPerKwOfDemand:
    def test_a_steady_load_crosses_the_kwh_per_kw_limit_like_sam(self) -> None:
        # A steady 2 kW uses 1,344–1,488 kWh a month against a limit of 300 kWh per kW of peak
        # (600 kWh, not 300), so the second tier is reached every month at the right quantity
        # (the sample household never reaches it).
        path = shared() / "pysam__539f6a23ec4f024411ec8beb.json"
        text = path.read_text(encoding="utf-8")
        record = dict(urdb.record_of(json.loads(text)))
        tariff = urdb.load_urdb(text=text)
        version = attrs.evolve(tariff.versions[0], active=Period(date(2018, 1, 1), None))
        tariff = attrs.evolve(tariff, versions=(version,))
        load = [Decimal(2)] * 8760
        start = datetime(2018, 1, 1, tzinfo=UTC)
        intervals = [
            rating.Interval(start=start + timedelta(hours=h), minutes=60, kwh=kwh)
            for h, kwh in enumerate(load)
        ]

        lines = rating.rate_intervals(tariff=tariff, intervals=intervals)
        sam = sam_bill(record, load)

        first = [ln for ln in lines if ln.kind == "ENERGY" and ln.block == "1"]
        assert sum((ln.quantity for ln in first if ln.month == "2018-01"), Decimal(0)) == 600
        for month in range(12):
            label = f"2018-{month + 1:02d}"
            ours = sum(
                (ln.amount.amount for ln in lines if ln.month == label and ln.kind == "ENERGY"),
                Decimal(0),
            )
            assert ours == cents(sam["ENERGY"][month]), (label, ours, sam["ENERGY"][month])


class TestAnnualMinimum:
    @pytest.mark.parametrize("annual", ["1200", "5000"])
    def test_tops_up_the_year_in_december_like_sam(self, annual: str, load: list[Decimal]) -> None:
        # The shared record's own annual minimum (12 USD) is below any year's bill; raised here
        # above the sample household's 1,050.74 USD so that the top-up happens.
        path = shared() / "pysam__urdbv7.json"
        text = path.read_text(encoding="utf-8")
        record = dict(urdb.record_of(json.loads(text, parse_float=Decimal)))
        record["annualmincharge"] = Decimal(annual)
        tariff = urdb.tariff_from_urdb(record=record)
        version = attrs.evolve(tariff.versions[0], active=Period(date(2018, 1, 1), None))
        tariff = attrs.evolve(tariff, versions=(version,))
        start = datetime(2018, 1, 1, tzinfo=UTC)
        intervals = [
            rating.Interval(start=start + timedelta(hours=h), minutes=60, kwh=kwh)
            for h, kwh in enumerate(load)
        ]

        lines = rating.rate_intervals(tariff=tariff, intervals=intervals)
        sam = sam_bill(record, load)

        minimum = [ln for ln in lines if ln.kind == "MINIMUM"]
        assert [ln.month for ln in minimum] == ["2018-12"]
        assert minimum[0].amount.amount == cents(sam["MINIMUM"][11])
        assert all(value == 0 for value in sam["MINIMUM"][:11])


class TestRatchets:
    def test_refuses_a_demand_ratchet_by_name_and_reads_a_zero_one(self) -> None:
        text = (shared() / "REopt.jl__leap_year.json").read_text(encoding="utf-8")
        record = dict(urdb.record_of(json.loads(text, parse_float=Decimal)))
        ratchet = {**record, "lookbackpercent": Decimal("0.8"), "lookbackmonths": [1] * 12}

        urdb.tariff_from_urdb(record=record)  # its lookbackpercent is 0: no ratchet
        with pytest.raises(urdb.MalformedUrdbRecord, match="Demand ratchets"):
            urdb.tariff_from_urdb(record=ratchet)
