from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbis.kernel import money
from urbis.kernel.money import Money, Rounding, UnitPrice
from urbis.kernel.quantities import Quantity, Unit

cents = st.integers(min_value=-(10**12), max_value=10**12)


def cop(units: int) -> Money:
    return Money(Decimal(units).scaleb(-2), "COP")


class TestMoney:
    @given(cents, cents, cents)
    def test_addition_is_associative_and_commutative(self, a: int, b: int, c: int) -> None:
        x, y, z = cop(a), cop(b), cop(c)

        assert (x + y) + z == x + (y + z)
        assert x + y == y + x

    @given(cents, cents)
    def test_subtraction_undoes_addition(self, a: int, b: int) -> None:
        assert (cop(a) + cop(b)) - cop(b) == cop(a)

    @given(cents, st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12))
    def test_allocation_adds_up_exactly_and_stays_proportional(
        self, amount: int, ratios: list[int]
    ) -> None:
        if sum(ratios) == 0:
            ratios[0] = 1
        parts = cop(amount).allocate(ratios)

        assert money.total(parts, currency="COP") == cop(amount)
        for part, ratio in zip(parts, ratios, strict=True):
            exact = Decimal(amount) * ratio / sum(ratios)
            assert abs(part.amount.scaleb(2) - exact) < 1

    def test_refuses_more_decimals_than_the_currency_has(self) -> None:
        with pytest.raises(money.AmountNotInMinorUnits) as caught:
            Money.of("10.005", "COP")

        assert caught.value.code == "amount_not_in_minor_units"

    def test_refuses_floats(self) -> None:
        with pytest.raises(TypeError):
            Money.of(0.1, "COP")  # type: ignore[arg-type]

    def test_refuses_to_add_different_currencies(self) -> None:
        with pytest.raises(money.CurrencyMismatch):
            Money.of(1, "COP") + Money.of(1, "USD")

    def test_rounds_half_up_and_half_even_as_named(self) -> None:
        assert Money.rounded(Decimal("2.345"), currency="USD", rounding=Rounding.HALF_UP) == (
            Money.of("2.35", "USD")
        )
        assert Money.rounded(Decimal("2.345"), currency="USD", rounding=Rounding.HALF_EVEN) == (
            Money.of("2.34", "USD")
        )

    def test_rounds_pesos_to_the_nearest_ten(self) -> None:
        rounded = money.round_amount(
            Decimal("12345.67"), currency="COP", rounding=Rounding.HALF_UP, places=-1
        )

        assert rounded == Decimal("12350.00")

    def test_currency_without_minor_units_keeps_whole_amounts(self) -> None:
        assert Money.rounded(Decimal("100.5"), currency="CLP", rounding=Rounding.HALF_UP) == (
            Money.of(101, "CLP")
        )

    def test_unknown_currency_is_refused(self) -> None:
        with pytest.raises(money.UnknownCurrency):
            Money.of(1, "XXX")


class TestUnitPrice:
    def test_prices_a_quantity_rounding_once(self) -> None:
        price = UnitPrice(Decimal("523.4567"), "COP", Unit.KWH)

        charge = price.times(Quantity.of("173", Unit.KWH), rounding=Rounding.HALF_UP)

        assert charge == Money.of("90558.01", "COP")

    def test_refuses_a_quantity_in_another_unit(self) -> None:
        price = UnitPrice(Decimal("3000"), "COP", Unit.M3)

        with pytest.raises(money.UnitMismatch):
            price.times(Quantity.of(10, Unit.KWH), rounding=Rounding.HALF_UP)

    @given(
        st.decimals(min_value=0, max_value=10**6, places=4),
        st.decimals(min_value=0, max_value=10**5, places=3),
    )
    def test_charge_is_within_half_a_cent_of_the_exact_product(
        self, price: Decimal, quantity: Decimal
    ) -> None:
        charge = UnitPrice(price, "USD", Unit.KWH).times(
            Quantity(quantity, Unit.KWH), rounding=Rounding.HALF_EVEN
        )

        assert abs(charge.amount - price * quantity) <= Decimal("0.005")


class TestQuantity:
    def test_converts_watt_hours_to_kilowatt_hours(self) -> None:
        assert Quantity.of(1500, Unit.WH).to(Unit.KWH) == Quantity.of("1.5", Unit.KWH)

    def test_refuses_to_add_volume_to_energy(self) -> None:
        from urbis.kernel import quantities

        with pytest.raises(quantities.IncompatibleUnits):
            Quantity.of(1, Unit.M3) + Quantity.of(1, Unit.KWH)
