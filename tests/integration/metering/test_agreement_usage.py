"""Usage and determinants per agreement from the meters that served it, day by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from tests.unit.metering.fakes import FakeMeterDirectory, meter
from urbis import bootstrap
from urbis.adapters.db import metering as db_metering
from urbis.adapters.intervals.parquet import ParquetIntervalStore
from urbis.application._support import Env
from urbis.application.metering import operations, queries
from urbis.application.premises import operations as premise_ops
from urbis.domain import identity, premises

BOGOTA = "America/Bogota"
MARCH = (date(2026, 3, 1), date(2026, 4, 1))
EXCHANGE = date(2026, 3, 16)


def hourly(serial: str, kwh: float) -> pl.DataFrame:
    """A meter's hourly reads from 28 February to 2 April (UTC), each of ``kwh``."""
    first = datetime(2026, 2, 28, tzinfo=UTC)
    starts = [first + timedelta(hours=h) for h in range(34 * 24)]
    return pl.DataFrame(
        {
            "meter": serial,
            "channel": "E1",
            "start": starts,
            "minutes": 60,
            "quantity": kwh,
            "unit": "kWh",
            "quality": "ACTUAL",
        }
    )


@pytest.fixture
def exchanged(agent_env: Env, tenant: identity.Tenant, tmp_path: Path) -> dict[str, object]:
    """A supplied customer whose meter was exchanged on 16 March; both meters' reads stored."""
    supplied = supplied_customer(agent_env)
    premise_ops.remove_meter(env=agent_env, meter_id=supplied["meter"], on=EXCHANGE)  # type: ignore[arg-type]
    new = premise_ops.register_meter(
        env=agent_env,
        serial="ELS-000124",
        service=premises.Service.ELECTRICITY,
        kind=premises.MeterKind.INTERVAL,
        multiplier=Decimal(1),
    )
    premise_ops.install_meter(
        env=agent_env,
        meter_id=new.id,
        service_point_id=supplied["point"],  # type: ignore[arg-type]
        on=EXCHANGE,
    )
    store = ParquetIntervalStore(tmp_path)
    directory = FakeMeterDirectory([meter("ELS-000123"), meter("ELS-000124")])
    for frame in (hourly("ELS-000123", 0.5), hourly("ELS-000124", 0.25)):
        operations.ingest_intervals(
            frame=frame,
            source="hourly.csv",
            directory=directory,
            store=store,
            as_at=datetime(2026, 4, 3, tzinfo=UTC),
        )
    return {"agreement": supplied["agreement"], "store": store}


class TestDbSupplySpans:
    def test_cuts_installations_to_the_agreement_and_the_period(
        self, exchanged: dict[str, object], container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        engine = container.engine
        spans = db_metering.DbSupplySpans(engine, tenant_id=tenant.id)

        found = spans.spans(start_date=MARCH[0], end_date=MARCH[1])

        assert found.rows() == [
            (exchanged["agreement"], "ELS-000123", date(2026, 3, 1), EXCHANGE),
            (exchanged["agreement"], "ELS-000124", EXCHANGE, date(2026, 4, 1)),
        ]
        assert spans.spans(start_date=MARCH[0], end_date=MARCH[1], agreements=["none"]).is_empty()


class TestAgreementUsage:
    def test_takes_each_days_reads_from_the_meter_that_served_it(
        self, exchanged: dict[str, object], container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        engine = container.engine

        usage = queries.agreement_usage(
            store=exchanged["store"],  # type: ignore[arg-type]
            spans=db_metering.DbSupplySpans(engine, tenant_id=tenant.id),
            start_date=MARCH[0],
            end_date=MARCH[1],
            timezone=BOGOTA,
        )

        assert usage.columns == ["agreement", "start", "wh", "minutes"]
        assert usage.height == 31 * 24
        # local days: 1 March 00:00 in Bogotá is 05:00 UTC
        assert usage.get_column("start").min() == datetime(2026, 3, 1, 5, tzinfo=UTC)
        assert usage.get_column("wh").sum() == 15 * 24 * 500 + 16 * 24 * 250

    def test_sums_determinants_per_agreement(
        self, exchanged: dict[str, object], container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        engine = container.engine
        period_table = pl.DataFrame(
            {
                "month": [3] * 48,
                "day_type": ["WEEKDAY"] * 24 + ["SATURDAY"] * 24,
                "hour": list(range(24)) * 2,
                "period": ["PEAK" if 18 <= h < 22 else "OFF" for h in range(24)] * 2,
            }
        )

        found = queries.agreement_determinants(
            store=exchanged["store"],  # type: ignore[arg-type]
            spans=db_metering.DbSupplySpans(engine, tenant_id=tenant.id),
            start_date=MARCH[0],
            end_date=MARCH[1],
            period_table=period_table,
            timezone=BOGOTA,
        )

        row = found.row(0, named=True)
        assert row["agreement"] == exchanged["agreement"]
        assert row["total"] == pytest.approx(276.0)
        assert (row["intervals"], row["pct_actual"], row["max_demand"]) == (744, 100.0, 0.5)
        assert row["tou_PEAK"] > 0
