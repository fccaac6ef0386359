"""The batch engine and the reference engine agree to the cent, whatever the tariff and usage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urbis.domain import rating, tariffs
from urbis.kernel.money import Rounding
from urbis.kernel.periods import Period

prices = st.decimals(min_value=Decimal("50"), max_value=Decimal("1500"), places=4)
shares = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.7"), places=4)
kwh = st.decimals(min_value=Decimal("0"), max_value=Decimal("3000"), places=3)


@st.composite
def versions(draw: st.DrawFn) -> tariffs.TariffVersion:
    cost = draw(prices)
    published = draw(
        st.lists(
            st.tuples(
                st.sampled_from([1, 2]),
                st.decimals(min_value=Decimal("1"), max_value=cost, places=4),
            ),
            max_size=2,
            unique_by=lambda pair: pair[0],
        )
    )
    return tariffs.TariffVersion(
        code="GEN",
        version="1",
        active=Period(date(2026, 1, 1)),
        currency=draw(st.sampled_from(["COP", "USD", "CLP"])),
        rounding=draw(st.sampled_from(list(Rounding))),
        energy=tariffs.ResidentialEnergyTariff(
            unit_cost=cost,
            subsidy=tuple((s, draw(shares)) for s in (1, 2, 3)),
            subsidised_price=tuple(published),
            contribution=tuple((s, draw(shares)) for s in (5, 6)),
            fixed_charge=draw(
                st.decimals(min_value=Decimal("0"), max_value=Decimal("9000"), places=2)
            ),
        ),
    )


homes = st.lists(
    st.tuples(kwh, st.integers(min_value=1, max_value=6), st.integers(min_value=0, max_value=3500)),
    min_size=1,
    max_size=25,
)


class TestBatchEqualsReference:
    @given(versions(), homes)
    @settings(max_examples=150, deadline=None)
    def test_every_line_agrees_to_the_minor_unit(
        self, version: tariffs.TariffVersion, usage: list[tuple[Decimal, int, int]]
    ) -> None:
        frame = pl.DataFrame(
            {
                "account": [f"A{i}" for i in range(len(usage))],
                "kwh_milli": [int(k * 1000) for k, _, _ in usage],
                "stratum": [s for _, s, _ in usage],
                "altitude_m": [a for _, _, a in usage],
            }
        )

        batch = rating.rate_residential_batch(version=version, usage=frame)

        expected = {
            (f"A{i}", line.kind): int(
                line.amount.amount.scaleb(2 if version.currency != "CLP" else 0)
            )
            for i, (k, s, a) in enumerate(usage)
            for line in rating.rate_residential_month(
                version=version, kwh=k, stratum=s, altitude_m=a
            )
        }
        got = {(r["account"], r["kind"]): r["amount_minor"] for r in batch.iter_rows(named=True)}
        assert got == expected

    def test_refuses_negative_consumption(self) -> None:
        version = tariffs.TariffVersion(
            code="T",
            version="1",
            active=Period(date(2026, 1, 1)),
            currency="COP",
            rounding=Rounding.HALF_UP,
            energy=tariffs.ResidentialEnergyTariff(unit_cost=Decimal("500")),
        )
        frame = pl.DataFrame(
            {"account": ["A"], "kwh_milli": [-1], "stratum": [3], "altitude_m": [2600]}
        )

        with pytest.raises(rating.InvalidUsage):
            rating.rate_residential_batch(version=version, usage=frame)
