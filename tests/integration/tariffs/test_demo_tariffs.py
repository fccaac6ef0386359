"""The demo utility's tariffs: every code its agreements name is stored and rates a bill."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from urbis import bootstrap
from urbis.adapters.demo import tariffs as demo_tariffs
from urbis.bootstrap import demo
from urbis.bootstrap import rating as wiring
from urbis.domain import rating, tariffs


def stored_codes(container: bootstrap.App) -> dict[str, tariffs.Tariff]:
    with container.uow() as uow:
        tenant = uow.tenants.by_code(demo.TENANT_CODE)
    assert tenant is not None
    with container.engine.connect() as connection:
        repository = wiring.tariff_repository(connection=connection, tenant_id=tenant.id)
        return {t.code: t for t in repository.list()}


class TestDemoTariffs:
    def test_every_tariff_the_demo_agreements_name_is_stored_once(
        self, container: bootstrap.App
    ) -> None:
        demo.ensure_demo_tenant(container)
        demo.create_demo_tariffs(container)

        again = demo.create_demo_tariffs(container)

        uses = demo_tariffs.USES
        wanted = {f"{p}-{u}" for p in ("MDE-E", "MDE-ACU", "MDE-ALC") for u in uses}
        assert again == 0
        assert set(stored_codes(container)) >= wanted

    def test_the_showcase_home_is_billed_under_the_version_in_force(
        self, container: bootstrap.App
    ) -> None:
        demo.ensure_demo_tenant(container)
        demo.create_demo_tariffs(container)
        tariff = stored_codes(container)["MDE-E-RES"]
        home = rating.Customer(stratum=3, use="residential", altitude_m=1520)

        november = rating.rate_total(
            tariff=tariff,
            month=date(2026, 11, 1),
            quantity=Decimal(200),
            customer=home,
        )
        september = rating.rate_total(
            tariff=tariff,
            month=date(2026, 9, 1),
            quantity=Decimal(200),
            customer=home,
        )

        # 200 kWh × 871.9024 = 174,380.48; 15 % off the first 130 kWh = −17,002.10
        assert [ln.amount.amount for ln in november] == [
            Decimal("174380.48"),
            Decimal("-17002.10"),
        ]
        assert {ln.tariff for ln in september} == {"MDE-E-RES 2005-01"}
