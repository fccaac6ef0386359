"""The partition function of a bill run: determinants, batch rating, totals and exceptions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urbis.adapters.tariffs import files
from urbis.domain import billing, rating, tariffs

DEMO = Path(__file__).parents[3] / "src/urbis/adapters/tariffs/demo"
BOGOTA = ZoneInfo("America/Bogota")
PERIOD = billing.billing_period(label="2026-10")
START = datetime(2026, 10, 1, tzinfo=BOGOTA)
END = datetime(2026, 11, 1, tzinfo=BOGOTA)


def tariff(code: str) -> tariffs.Tariff:
    return files.load_tariff(text=(DEMO / f"{code}.yaml").read_text())


def agreements(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    base = {
        "service": "ELECTRICITY",
        "tariff_code": "MDE-E-RES",
        "meter_kind": "REGISTER",
        "multiplier": 1.0,
        "dials": 5,
        "stratum": 3,
        "use": "residential",
        "altitude_m": 1500,
    }
    return pl.DataFrame([{**base, **r} for r in rows], schema=billing.AGREEMENTS_SCHEMA)


def reads(rows: list[tuple[str, datetime, float, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"meter": m, "read_at": at, "value": v, "read_type": t} for m, at, v, t in rows],
        schema=billing.READS_SCHEMA,
    )


def run(
    agreement_rows: Sequence[Mapping[str, object]],
    read_rows: list[tuple[str, datetime, float, str]] = (),  # type: ignore[assignment]
    usage: pl.DataFrame | None = None,
    catalogue: dict[str, tariffs.Tariff | None] | None = None,
) -> billing.BatchResult:
    return billing.bill_batch(
        agreements=agreements(agreement_rows),
        reads=reads(list(read_rows)),
        usage=usage if usage is not None else pl.DataFrame(schema=billing.USAGE_SCHEMA),
        tariffs_by_code=catalogue if catalogue is not None else {"MDE-E-RES": tariff("MDE-E-RES")},
        period=PERIOD,
        start=START,
        end=END,
        timezone="America/Bogota",
    )


SEPT = datetime(2026, 9, 28, 15, tzinfo=UTC)
OCT = datetime(2026, 10, 28, 15, tzinfo=UTC)


class TestBillBatch:
    def test_bills_a_register_read_agreement_as_the_reference_engine_would(self) -> None:
        rows = [{"agreement_id": "A1", "account_id": "C1", "meter": "M1"}]
        read_rows = [("M1", SEPT, 1000.0, "ACTUAL"), ("M1", OCT, 1180.0, "ACTUAL")]

        result = run(rows, read_rows)

        bill = result.bills.row(0, named=True)
        expected = rating.rate_total(
            tariff=tariff("MDE-E-RES"),
            month=PERIOD.start,
            quantity=Decimal(180),
            customer=rating.Customer(stratum=3, altitude_m=1500),
        )
        total = sum((line.amount.amount for line in expected), Decimal(0))
        assert bill["consumption_milli"] == 180_000
        assert Decimal(bill["total"]) / 100 == total
        assert bill["subsidy"] > 0
        assert (
            bill["revenue"] - bill["subsidy"] + bill["contribution"] + bill["taxes"]
            == bill["total"]
        )
        assert result.exceptions.is_empty()
        assert set(result.lines["kind"]) == {"ENERGY", "SUBSIDY"}

    def test_counts_a_register_across_its_rollover_and_multiplier(self) -> None:
        rows = [{"agreement_id": "A1", "account_id": "C1", "meter": "M1", "multiplier": 2.0}]
        read_rows = [("M1", SEPT, 99_990.0, "ACTUAL"), ("M1", OCT, 10.0, "ESTIMATED")]

        result = run(rows, read_rows)

        assert result.bills["consumption_milli"].to_list() == [40_000]
        assert result.bills["estimated"].to_list() == [True]

    def test_lists_agreements_it_cannot_rate_as_exceptions_with_reasons(self) -> None:
        rows: list[dict[str, object]] = [
            {"agreement_id": "A1", "account_id": "C1", "meter": None},
            {"agreement_id": "A2", "account_id": "C2", "meter": "M2"},
            {"agreement_id": "A3", "account_id": "C3", "meter": "M3"},
            {"agreement_id": "A4", "account_id": "C4", "meter": "M4", "tariff_code": "NOPE"},
        ]
        read_rows = [("M3", SEPT, 5.0, "ACTUAL")]

        result = run(rows, read_rows, catalogue={"MDE-E-RES": tariff("MDE-E-RES"), "NOPE": None})

        reasons = dict(
            zip(result.exceptions["agreement_id"], result.exceptions["reason"], strict=True)
        )
        assert reasons == {
            "A1": "NO_METER",
            "A2": "NO_PREVIOUS_READ",
            "A3": "NO_CURRENT_READ",
            "A4": "NO_TARIFF",
        }
        assert result.bills.is_empty()

    def test_a_period_before_every_tariff_version_is_an_exception_not_a_bill(self) -> None:
        rows = [{"agreement_id": "A1", "account_id": "C1", "meter": "M1"}]
        result = billing.bill_batch(
            agreements=agreements(rows),
            reads=reads([("M1", SEPT, 1.0, "ACTUAL"), ("M1", OCT, 2.0, "ACTUAL")]),
            usage=pl.DataFrame(schema=billing.USAGE_SCHEMA),
            tariffs_by_code={"MDE-E-RES": tariff("MDE-E-RES")},  # from 2024
            period=billing.billing_period(label="2023-05"),
            start=datetime(2023, 5, 1, tzinfo=BOGOTA),
            end=datetime(2023, 6, 1, tzinfo=BOGOTA),
            timezone="America/Bogota",
        )

        assert result.exceptions["reason"].to_list() == ["NO_TARIFF_IN_FORCE"]
        assert result.bills.is_empty()

    def test_bills_interval_agreements_from_the_latest_intervals_in_the_period(self) -> None:
        starts = [START.astimezone(UTC) + timedelta(hours=h) for h in range(31 * 24)]
        usage = pl.DataFrame(
            {
                "meter": ["S1"] * len(starts),
                "start": starts,
                "minutes": [60] * len(starts),
                "quantity": [0.25] * len(starts),
                "quality": ["ACTUAL"] * len(starts),
            },
            schema=billing.USAGE_SCHEMA,
        )
        rows = [{"agreement_id": "A1", "account_id": "C1", "meter": "S1", "meter_kind": "INTERVAL"}]

        result = run(rows, usage=usage)

        assert result.bills["consumption_milli"].to_list() == [186_000]
        expected = rating.rate_total(
            tariff=tariff("MDE-E-RES"),
            month=PERIOD.start,
            quantity=Decimal(186),
            customer=rating.Customer(stratum=3, altitude_m=1500),
        )
        assert Decimal(result.bills["total"][0]) / 100 == sum(
            (line.amount.amount for line in expected), Decimal(0)
        )


class TestValidateFrame:
    def test_holds_bills_for_the_same_reasons_as_the_shipped_pack(self) -> None:
        frame = pl.DataFrame(
            {
                "service": ["ELECTRICITY"] * 6,
                "bill_amount": [
                    Decimal("0"),
                    Decimal("95400"),
                    Decimal("1"),
                    Decimal("10"),
                    Decimal("10"),
                    Decimal("10"),
                ],
                "consumption": [
                    Decimal(160),
                    Decimal(160),
                    Decimal(0),
                    Decimal(300),
                    Decimal(40),
                    Decimal(150),
                ],
                "average_consumption": [
                    None,
                    Decimal(150),
                    Decimal(150),
                    Decimal(150),
                    Decimal(150),
                    None,
                ],
                "consecutive_estimates": [0, 3, 0, 0, 0, 0],
                "days_in_period": [30] * 6,
            },
            schema=billing.VALIDATION_INPUTS,
        )

        answers = billing.validate_frame(frame=frame, policy=billing.ValidationPolicy())

        assert answers["reason"].to_list() == [
            "NON_POSITIVE_AMOUNT",
            "TOO_MANY_ESTIMATES",
            "ZERO_CONSUMPTION",
            "HIGH_AGAINST_HISTORY",
            "LOW_AGAINST_HISTORY",
            "OK",
        ]
        assert answers["action"].to_list() == ["HOLD"] * 5 + ["ISSUE"]


WATER_AND_SEWER: list[dict[str, object]] = [
    {
        "agreement_id": "W1",
        "account_id": "C1",
        "meter": "A1",
        "service": "WATER",
        "tariff_code": "MDE-ACU-RES",
    },
    {
        "agreement_id": "S1",
        "account_id": "C1",
        "meter": None,
        "service": "SEWER",
        "tariff_code": "MDE-ALC-RES",
    },
]
"""An account's metered water and its unmetered sewer, billed on the water's volume."""
WATER_READS = [("A1", SEPT, 100.0, "ACTUAL"), ("A1", OCT, 118.0, "ACTUAL")]


class TestSewerOnWater:
    def test_unmetered_sewer_bills_the_accounts_water_volume(self) -> None:
        rows: list[dict[str, object]] = [
            *WATER_AND_SEWER,
            {
                "agreement_id": "S2",
                "account_id": "C2",
                "meter": None,
                "service": "SEWER",
                "tariff_code": "MDE-ALC-RES",
            },
        ]
        read_rows = WATER_READS
        catalogue: dict[str, tariffs.Tariff | None] = {
            c: tariff(c) for c in ("MDE-ACU-RES", "MDE-ALC-RES")
        }

        result = run(rows, read_rows, catalogue=catalogue)

        billed = dict(
            zip(result.bills["agreement_id"], result.bills["consumption_milli"], strict=True)
        )
        assert billed == {"W1": 18_000, "S1": 18_000}
        assert result.exceptions.select("agreement_id", "reason").rows() == [("S2", "NO_METER")]

    def test_sewer_whose_water_the_solidarity_pack_cannot_answer_for_says_so(self) -> None:
        rows = WATER_AND_SEWER
        terms = pl.DataFrame(
            [
                ("W1", None, None, None, "rule_evaluation_failed: p v2: no rule"),
                ("S1", "NONE", 0, 0, None),
            ],
            schema=billing.TERMS_SCHEMA,
            orient="row",
        )

        result = billing.bill_batch(
            agreements=agreements(rows),
            reads=reads(WATER_READS),
            usage=pl.DataFrame(schema=billing.USAGE_SCHEMA),
            tariffs_by_code={c: tariff(c) for c in ("MDE-ACU-RES", "MDE-ALC-RES")},
            period=PERIOD,
            start=START,
            end=END,
            timezone="America/Bogota",
            solidarity=terms,
        )

        assert result.bills.is_empty()
        assert sorted(result.exceptions.select("agreement_id", "reason", "detail").rows()) == [
            (
                "S1",
                "SOLIDARITY_NOT_ANSWERED",
                "billed on the water volume of agreement W1: rule_evaluation_failed: p v2: no rule",
            ),
            ("W1", "SOLIDARITY_NOT_ANSWERED", "rule_evaluation_failed: p v2: no rule"),
        ]


DAILY = """
format: urbis-tariff/1
code: T-DAILY
name: Daily fixed charge, minimum, two taxes
service: electricity
unit: kWh
versions:
  - version: "2024-01"
    active_from: "2024-01-01"
    currency: COP
    rounding: {mode: HALF_EVEN, scope: LINE}
    timezone: America/Bogota
    fixed:
      - {name: Daily charge, amount: "137.77", per: DAY}
      - {name: Monthly charge, amount: "4100.00", per: MONTH}
    energy:
      periods:
        - name: flat
          tiers:
            - {price: "401.3333", upto: 50, name: first}
            - {price: "655.1250", name: rest}
    minimum: "12000.00"
    taxes:
      - {name: Levy, per_unit: "3.1750"}
      - {name: VAT, percent: "19"}
"""
PEAK = "[" + ", ".join(["0"] * 18 + ["1"] * 4 + ["0"] * 2) + "]"
TIME_OF_USE = """
format: urbis-tariff/1
code: T-TOU
name: Two periods
service: electricity
unit: kWh
versions:
  - version: "2024-01"
    active_from: "2024-01-01"
    currency: COP
    rounding: {mode: HALF_UP, scope: LINE}
    timezone: America/Bogota
    energy:
      periods:
        - name: off-peak
          tiers: [{price: "500.00"}]
        - name: peak
          tiers: [{price: "900.00"}]
      schedule:
        weekday: [WEEKDAYS]
        weekend: 0
    taxes: []
""".replace("[WEEKDAYS]", "[" + ", ".join([PEAK] * 12) + "]")
CODES = ("MDE-E-RES", "MDE-ACU-RES", "T-DAILY", "T-TOU")
SLOTS = 31 * 96  # 15-minute intervals in October


def catalogue() -> dict[str, tariffs.Tariff | None]:
    found: dict[str, tariffs.Tariff | None] = {c: tariff(c) for c in CODES[:2]}
    found["T-DAILY"] = files.load_tariff(text=DAILY)
    found["T-TOU"] = files.load_tariff(text=TIME_OF_USE)
    return found


@st.composite
def interval_batches(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    count = draw(st.integers(1, 6))
    rows: list[dict[str, object]] = []
    usage: list[pl.DataFrame] = []
    terms: list[dict[str, object]] = []
    for i in range(count):
        kind = draw(st.sampled_from(["SUBSIDY", "CONTRIBUTION", "NONE", None]))
        terms.append(
            {
                "agreement_id": f"A{i}",
                "solidarity_kind": kind,
                "solidarity_share": {"SUBSIDY": -1, "CONTRIBUTION": 1, "NONE": 0}.get(kind or "", 0)
                * draw(st.integers(0, 700_000)),
                "solidarity_basic": draw(st.integers(0, 200_000)),
                "solidarity_problem": None,
            }
        )
        rows.append(
            {
                "agreement_id": f"A{i}",
                "account_id": f"C{i}",
                "meter": f"S{i}",
                "meter_kind": "INTERVAL",
                "tariff_code": draw(st.sampled_from(CODES)),
                "stratum": draw(st.sampled_from([1, 2, 3, 4, 5, 6, None])),
                "use": draw(st.sampled_from(["residential", "commercial"])),
            }
        )
        minutes = draw(st.sampled_from([15, 60]))
        step = minutes // 15
        first = draw(st.integers(0, SLOTS // step - 1))
        n = draw(st.integers(0, min(60, SLOTS // step - first)))
        spread = draw(st.integers(1, 8))
        slots = sorted({first + k * spread for k in range(n) if first + k * spread < SLOTS // step})
        if not slots:
            continue
        quantities = draw(
            st.lists(st.integers(-400, 90_000), min_size=len(slots), max_size=len(slots))
        )
        qualities = draw(
            st.lists(
                st.sampled_from(["ACTUAL", "ESTIMATED", "SUBSTITUTED", "EDITED"]),
                min_size=len(slots),
                max_size=len(slots),
            )
        )
        usage.append(
            pl.DataFrame(
                {
                    "meter": f"S{i}",
                    "start": [
                        START.astimezone(UTC) + timedelta(minutes=minutes * s) for s in slots
                    ],
                    "minutes": minutes,
                    "quantity": [q / 1000 for q in quantities],
                    "quality": qualities,
                },
                schema=billing.USAGE_SCHEMA,
            )
        )
    # a meter no agreement reads, and an interval after the period: neither is billed
    usage.append(
        pl.DataFrame(
            {
                "meter": ["STRAY", "S0"],
                "start": [START.astimezone(UTC), END.astimezone(UTC)],
                "minutes": [15, 15],
                "quantity": [5.0, 7.0],
                "quality": ["ACTUAL", "ACTUAL"],
            },
            schema=billing.USAGE_SCHEMA,
        )
    )
    solidarity = pl.DataFrame(terms, schema=billing.TERMS_SCHEMA) if draw(st.booleans()) else None
    return agreements(rows), pl.concat(usage), solidarity


def bill_intervals(
    agreement_frame: pl.DataFrame,
    usage: pl.DataFrame,
    *,
    sum_first: bool,
    solidarity: pl.DataFrame | None = None,
) -> billing.BatchResult:
    return billing.bill_batch(
        agreements=agreement_frame,
        reads=pl.DataFrame(schema=billing.READS_SCHEMA),
        usage=usage,
        tariffs_by_code=catalogue(),
        period=PERIOD,
        start=START,
        end=END,
        timezone="America/Bogota",
        solidarity=solidarity,
        sum_first=sum_first,
    )


class TestSumFirst:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(interval_batches())
    def test_rating_the_months_sum_gives_the_bills_and_lines_of_rating_every_interval(
        self, batch: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]
    ) -> None:
        agreement_frame, usage, solidarity = batch

        summed = bill_intervals(agreement_frame, usage, sum_first=True, solidarity=solidarity)
        each = bill_intervals(agreement_frame, usage, sum_first=False, solidarity=solidarity)

        assert summed.bills.sort("agreement_id").equals(each.bills.sort("agreement_id"))
        assert summed.lines.sort("agreement_id", "position").equals(
            each.lines.sort("agreement_id", "position")
        )
        assert summed.exceptions.sort("agreement_id").equals(each.exceptions.sort("agreement_id"))

    def test_a_month_of_intervals_bills_as_their_total_with_the_estimated_flag(self) -> None:
        starts = [START.astimezone(UTC) + timedelta(minutes=15 * s) for s in range(SLOTS)]
        quality = ["ESTIMATED"] * (SLOTS // 2 + 1) + ["ACTUAL"] * (SLOTS - SLOTS // 2 - 1)
        usage = pl.DataFrame(
            {
                "meter": "S1",
                "start": starts,
                "minutes": 15,
                "quantity": [0.125] * SLOTS,
                "quality": quality,
            },
            schema=billing.USAGE_SCHEMA,
        )
        rows = [{"agreement_id": "A1", "account_id": "C1", "meter": "S1", "meter_kind": "INTERVAL"}]

        result = bill_intervals(agreements(rows), usage, sum_first=True)

        assert result.bills["consumption_milli"].to_list() == [372_000]
        assert result.bills["estimated"].to_list() == [True]
        energy = result.lines.filter(pl.col("kind") == "ENERGY")
        assert energy["quantity_milli"].sum() == 372_000
        assert result.exceptions.is_empty()
