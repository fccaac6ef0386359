"""The bill document's view model: what every bill must carry, checked on construction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbis.adapters.demo import bills
from urbis.application.billing import document
from urbis.domain import premises, rating
from urbis.kernel import money
from urbis.kernel.money import Money
from urbis.kernel.periods import Period
from urbis.kernel.quantities import Unit


def cop(amount: int | str) -> Money:
    return Money.of(amount, "COP")


def line(amount: int, kind: document.LineKind = document.LineKind.FIXED) -> document.BillLine:
    return document.BillLine(kind=kind, description="Cargo", amount=cop(amount))


def with_changes(**changes: Any) -> document.BillDocument:
    return attrs.evolve(bills.sample_bill(), **changes)


class TestBillDocument:
    def test_the_sample_bill_adds_up_its_lines_and_arrears(self) -> None:
        bill = bills.sample_bill()

        assert bill.period_charges == cop(59489)
        assert bill.arrears == cop(58420)
        assert bill.total == cop(117909)

    def test_sums_fixed_charge_subsidy_and_contribution_by_kind(self) -> None:
        bill = bills.sample_bill()

        assert bill.fixed_charge == cop(10412)
        assert bill.subsidy == cop(-1562 - 6152)
        assert bill.contribution == cop(0)

    def test_prints_the_last_day_of_a_half_open_period(self) -> None:
        bill = bills.sample_bill()

        assert bill.last_day == date(2026, 10, 31)

    def test_averages_the_previous_periods(self) -> None:
        bill = bills.sample_bill()

        assert bill.history_average == Decimal(100) / 6

    def test_a_total_that_is_not_lines_plus_arrears_is_refused(self) -> None:
        with pytest.raises(document.BillTotalMismatch) as raised:
            with_changes(total=cop(117910))

        assert raised.value.code == "bill_total_mismatch"
        assert raised.value.details == {"total": "117910.00", "expected": "117909.00"}

    def test_a_measured_consumption_needs_both_readings(self) -> None:
        with pytest.raises(document.InvalidBillDocument, match="previous and current"):
            document.MeterReading(consumption=Decimal(18), unit=Unit.M3, previous=Decimal(1))

    def test_an_estimate_needs_its_note_and_no_readings(self) -> None:
        estimated = document.MeterReading(
            consumption=Decimal(17), unit=Unit.M3, estimation_note="Predio cerrado"
        )

        assert estimated.is_estimated
        with pytest.raises(document.InvalidBillDocument, match="note"):
            document.MeterReading(consumption=Decimal(17), unit=Unit.M3, estimation_note=" ")

    def test_readings_must_be_in_order(self) -> None:
        with pytest.raises(document.InvalidBillDocument, match="after the previous"):
            document.MeterReading(
                consumption=Decimal(1),
                unit=Unit.KWH,
                previous=Decimal(10),
                current=Decimal(11),
                previous_date=date(2026, 10, 31),
                current_date=date(2026, 10, 31),
            )

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"language": "fr"}, "Spanish or English"),
            ({"issue_date": date(2026, 10, 31)}, "issued after its period"),
            ({"due_date": date(2026, 11, 4)}, "due date"),
            ({"suspension_date": date(2026, 11, 19)}, "suspension date"),
            ({"stratum": None}, "stratum"),
            ({"payment_reference": "12-34"}, "payment reference"),
            ({"payment_reference": "1" * 25}, "payment reference"),
            ({"period": Period(date(2026, 10, 1))}, "must end"),
            ({"customer_name": " "}, "customer"),
        ],
    )
    def test_refuses_what_a_bill_cannot_print(self, changes: dict[str, Any], message: str) -> None:
        with pytest.raises(document.InvalidBillDocument, match=message) as raised:
            with_changes(**changes)

        assert raised.value.code == "invalid_bill_document"

    def test_refuses_more_than_six_past_periods(self) -> None:
        history = tuple(
            document.PeriodConsumption(period_start=date(2026, m, 1), quantity=Decimal(1))
            for m in range(3, 10)
        )

        with pytest.raises(document.InvalidBillDocument, match="at most 6"):
            with_changes(history=history)

    def test_refuses_history_out_of_order_or_overlapping_this_period(self) -> None:
        backwards = tuple(reversed(bills.sample_bill().history))
        current = (document.PeriodConsumption(period_start=date(2026, 10, 1), quantity=Decimal(1)),)

        with pytest.raises(document.InvalidBillDocument, match="oldest first"):
            with_changes(history=backwards)
        with pytest.raises(document.InvalidBillDocument, match="before this one"):
            with_changes(history=current)

    def test_refuses_an_amount_in_another_currency(self) -> None:
        with pytest.raises(document.InvalidBillDocument, match="bill's currency"):
            with_changes(arrears=Money.of(0, "USD"))

    def test_a_non_residential_bill_may_have_no_stratum(self) -> None:
        shop = with_changes(use_class=premises.UseClass.COMMERCIAL, stratum=None)

        assert shop.stratum is None

    @given(
        amounts=st.lists(st.integers(-(10**7), 10**8), min_size=1, max_size=12),
        arrears=st.integers(0, 10**8),
    )
    def test_any_lines_and_arrears_make_a_consistent_total(
        self, amounts: list[int], arrears: int
    ) -> None:
        lines = tuple(line(a) for a in amounts)
        total = money.total((x.amount for x in lines), currency="COP") + cop(arrears)
        if total.amount < 0:
            with pytest.raises(document.InvalidBillDocument, match="negative"):
                with_changes(lines=lines, arrears=cop(arrears), total=total)
            return

        bill = with_changes(lines=lines, arrears=cop(arrears), total=total)

        assert bill.period_charges + bill.arrears == bill.total
        assert bill.fixed_charge == bill.period_charges


class TestCompany:
    def test_refuses_a_nit_with_a_wrong_check_digit(self) -> None:
        with pytest.raises(document.InvalidBillDocument, match="check digit"):
            attrs.evolve(bills.COMPANY, nit="900123456-7")

    def test_refuses_a_gln_with_a_wrong_check_digit(self) -> None:
        with pytest.raises(document.InvalidBillDocument, match="GLN"):
            attrs.evolve(bills.COMPANY, gln="7709998000011")


class TestCheckDigits:
    def test_gs1_check_digit_of_the_general_specifications_example(self) -> None:
        # GTIN 1234567890123-1, used throughout the GS1 General Specifications.
        assert document.gs1_check_digit(body="1234567890123") == 1
        assert document.gs1_check_digit(body="629104150021") == 3  # GTIN-13 6291041500213


class TestLinesFromCharges:
    def test_keeps_blocks_subsidy_and_fixed_charge_as_their_own_lines(self) -> None:
        def charge(kind: str, amount: int, block: str = "") -> rating.ChargeLine:
            return rating.ChargeLine(
                kind=kind,
                description=kind.title(),
                quantity=Decimal(130),
                unit_price=Decimal("812.5"),
                amount=cop(amount),
                tariff="T 1",
                rule="r",
                block=block,
            )

        lines = document.lines_from_charges(
            charges=[
                charge("ENERGY", 105625, "0–130 kWh"),
                charge("SUBSIDY", -15844),
                charge("FIXED", 5000),
                charge("EXPORT", -10),
            ],
            unit=Unit.KWH,
        )

        assert [x.kind for x in lines] == [
            document.LineKind.CONSUMPTION,
            document.LineKind.SUBSIDY,
            document.LineKind.FIXED,
            document.LineKind.OTHER,
        ]
        assert lines[0].description == "Energy (0–130 kWh)"
        assert lines[0].unit is Unit.KWH
        assert lines[2].quantity is None
        assert lines[2].unit_price is None
