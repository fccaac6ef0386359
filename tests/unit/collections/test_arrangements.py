"""Payment arrangements: schedules with exact interest, and how they stand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urbis.domain import collections
from urbis.kernel import ids
from urbis.kernel.money import Money, Rounding, total


def _cop(amount: str | int) -> Money:
    return Money.of(amount, "COP")


def _arrangement(
    debt: str = "1000000",
    down: str = "200000",
    count: int = 6,
    rate: str = "0.015",
    rounding: Rounding = Rounding.HALF_UP,
) -> collections.PaymentArrangement:
    return collections.arrange(
        id=collections.ArrangementId("A1"),
        tenant_id=ids.TenantId("T"),
        account_id=ids.AccountId("ACC"),
        debt=_cop(debt),
        down_payment=_cop(down),
        instalments=count,
        monthly_rate=Decimal(rate),
        agreed_on=date(2026, 1, 31),
        first_due_date=date(2026, 2, 28),
        rounding=rounding,
    )


class TestArrange:
    def test_levels_the_instalments_and_rounds_the_interest_half_up(self) -> None:
        arrangement = _arrangement()

        amounts = [i.amount for i in arrangement.instalments]

        assert amounts[0] == _cop(200000)
        assert set(amounts[1:-1]) == {_cop("140420.17")}
        assert arrangement.instalments[1].interest == _cop("12000.00")  # 800,000 x 1.5 %
        assert amounts[-1] == _cop("140420.19")  # the last clears the balance exactly
        assert arrangement.total == _cop("1042521.04")

    def test_falls_due_monthly_on_the_same_day_or_the_month_end(self) -> None:
        arrangement = collections.arrange(
            id=collections.ArrangementId("A1"),
            tenant_id=ids.TenantId("T"),
            account_id=ids.AccountId("ACC"),
            debt=_cop(300000),
            down_payment=_cop(0),
            instalments=3,
            monthly_rate=Decimal(0),
            agreed_on=date(2026, 1, 15),
            first_due_date=date(2026, 1, 31),
        )

        assert [i.due_date for i in arrangement.instalments[1:]] == [
            date(2026, 1, 31),
            date(2026, 2, 28),
            date(2026, 3, 31),
        ]
        assert [i.amount for i in arrangement.instalments[1:]] == [_cop(100000)] * 3

    @pytest.mark.parametrize(
        ("debt", "down", "count", "rate"),
        [
            ("0", "0", 3, "0.01"),
            ("1000", "1000", 3, "0.01"),
            ("1000", "-1", 3, "0.01"),
            ("1000", "0", 0, "0.01"),
            ("1000", "0", 61, "0.01"),
            ("1000", "0", 3, "0.051"),
            ("1000", "0", 3, "-0.01"),
        ],
    )
    def test_refuses_what_cannot_be_arranged(
        self, debt: str, down: str, count: int, rate: str
    ) -> None:
        with pytest.raises(collections.InvalidArrangement):
            _arrangement(debt=debt, down=down, count=count, rate=rate)

    @settings(max_examples=200, deadline=None)
    @given(
        debt=st.decimals(min_value=1, max_value=50_000_000, places=2),
        down_share=st.decimals(min_value=0, max_value="0.9", places=2),
        count=st.integers(min_value=1, max_value=60),
        rate=st.decimals(min_value=0, max_value="0.05", places=4),
        rounding=st.sampled_from(list(Rounding)),
    )
    def test_repays_exactly_the_debt_and_charges_interest_only_on_a_balance(
        self, debt: Decimal, down_share: Decimal, count: int, rate: Decimal, rounding: Rounding
    ) -> None:
        down = Money.rounded(debt * down_share, currency="COP", rounding=Rounding.DOWN)
        if down.amount >= debt:
            return
        arrangement = _arrangement(str(debt), str(down.amount), count, str(rate), rounding)

        principal = total((i.principal for i in arrangement.instalments), currency="COP")

        assert principal == _cop(str(debt))
        assert all(i.interest.amount >= 0 for i in arrangement.instalments)
        balance = _cop(str(debt)) - down
        for instalment in arrangement.instalments[1:]:
            assert instalment.interest == balance.times(rate, rounding=rounding)
            balance = balance - instalment.principal
        assert balance.is_zero()
        assert rate != 0 or arrangement.interest.is_zero()
        assert len(arrangement.instalments) == count + 1


class TestStanding:
    def test_keeps_an_arrangement_paid_up_to_date(self) -> None:
        arrangement = _arrangement()

        result = collections.standing(
            arrangement=arrangement, paid=_cop("340420.17"), as_of=date(2026, 3, 5), grace_days=3
        )

        assert result.status is collections.ArrangementStatus.ACTIVE
        assert result.next_instalment is not None
        assert result.next_instalment.number == 2

    def test_defaults_when_an_instalment_is_missed_beyond_the_grace_days(self) -> None:
        arrangement = _arrangement()

        within = collections.standing(
            arrangement=arrangement, paid=_cop(200000), as_of=date(2026, 3, 3), grace_days=3
        )
        beyond = collections.standing(
            arrangement=arrangement, paid=_cop(200000), as_of=date(2026, 3, 4), grace_days=3
        )

        assert within.status is collections.ArrangementStatus.ACTIVE
        assert beyond.status is collections.ArrangementStatus.DEFAULTED
        assert beyond.missed == _cop("140420.17")

    def test_completes_once_everything_is_paid(self) -> None:
        arrangement = _arrangement()

        result = collections.standing(
            arrangement=arrangement, paid=arrangement.total, as_of=date(2026, 12, 1)
        )

        assert result.status is collections.ArrangementStatus.COMPLETED
        assert result.next_instalment is None

    def test_a_closed_arrangement_cannot_be_closed_again(self) -> None:
        closed = collections.close(
            arrangement=_arrangement(),
            status=collections.ArrangementStatus.DEFAULTED,
            on=date(2026, 3, 4),
        )

        with pytest.raises(collections.InvalidArrangement):
            collections.close(
                arrangement=closed,
                status=collections.ArrangementStatus.CANCELLED,
                on=date(2026, 3, 5),
            )
