"""A small utility to bill: homes with register or interval meters and their reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import polars as pl

from urbis import bootstrap
from urbis.adapters.demo import tariffs as demo_tariffs
from urbis.application._support import Env
from urbis.application.accounts import operations as account_ops
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import ports
from urbis.application.customers import operations as customer_ops
from urbis.application.premises import operations as premise_ops
from urbis.application.tariffs import operations as tariff_ops
from urbis.bootstrap import billing as billing_wiring
from urbis.bootstrap import metering as metering_wiring
from urbis.bootstrap import rating as rating_wiring
from urbis.domain import accounts, customers, identity, metering, premises
from urbis.kernel import ids

SINCE = date(2023, 1, 1)


@attrs.frozen
class Home:
    account_id: str
    agreement_id: str
    meter: str
    stratum: int


def seed_tariffs(container: bootstrap.App, tenant: identity.Tenant) -> None:
    """The demo utility's tariffs (every code its agreements name), stored for this tenant."""
    admin = identity.Actor(
        user_id=ids.UserId("tariff-admin"),
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.TARIFF_ADMIN}),
    )
    with container.engine.begin() as connection:
        env = rating_wiring.tariffs_env(container=container, actor=admin, connection=connection)
        for document in demo_tariffs.documents():
            if env.tariffs.get(document["code"]) is None:
                tariff_ops.create_tariff(env=env, document=document)


def seed_homes(
    container: bootstrap.App,
    env: Env,
    tenant: identity.Tenant,
    *,
    count: int,
    cycle: str = "C01",
    interval_every: int = 0,
    tariff: str = "MDE-E-RES",
    tariffs: bool = True,
) -> list[Home]:
    """
    ``count`` homes in ``cycle`` with electricity; every ``interval_every``-th is smart. The
    tenant's tariffs are stored first unless ``tariffs`` is false (bill runs rate with the
    tariffs in the database).
    """
    if tariffs:
        seed_tariffs(container, tenant)
    homes = []
    for n in range(count):
        party = customer_ops.register_party(
            env=env,
            kind=customers.PartyKind.PERSON,
            name=f"Cliente {n}",
            document_type=customers.DocumentType.CC,
            document_number=str(10_000_000 + n),
        )
        stratum = n % 6 + 1
        home = premise_ops.register_premise(
            env=env,
            address=f"Calle {n} # 1-{n}",
            city="Medellín",
            department="Antioquia",
            country="CO",
            use_class=premises.UseClass.RESIDENTIAL,
            stratum=stratum,
            altitude_m=1500,
        )
        account = account_ops.open_account(
            env=env,
            holder_id=party.id,
            billing_cycle=cycle,
            bill_delivery=accounts.BillDelivery.EMAIL,
        )
        point = premise_ops.add_service_point(
            env=env, premise_id=home.id, service=premises.Service.ELECTRICITY
        )
        smart = interval_every and n % interval_every == 0
        serial = f"{tenant.code}-M{n:05d}"
        meter = premise_ops.register_meter(
            env=env,
            serial=serial,
            service=premises.Service.ELECTRICITY,
            kind=premises.MeterKind.INTERVAL if smart else premises.MeterKind.REGISTER,
            dials=6,
        )
        premise_ops.install_meter(env=env, meter_id=meter.id, service_point_id=point.id, on=SINCE)
        agreement = account_ops.start_agreement(
            env=env,
            account_id=account.id,
            service_point_id=point.id,
            tariff_code=tariff,
            active_from=SINCE,
        )
        homes.append(Home(account.id, agreement.id, meter.serial, stratum))
    return homes


def add_register_reads(
    container: bootstrap.App,
    tenant: identity.Tenant,
    reads: list[tuple[str, datetime, float, str]],
    *,
    later: bool = False,
) -> None:
    """Register reads ``(meter, read_at, value, read_type)`` into the tenant's store."""
    stores = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code=tenant.code
    )
    frame = pl.DataFrame(
        {
            "meter": [r[0] for r in reads],
            "register": ["E1"] * len(reads),
            "read_at": [r[1] for r in reads],
            "value": [r[2] for r in reads],
            "unit": ["kWh"] * len(reads),
            "read_type": [r[3] for r in reads],
            "source": ["test"] * len(reads),
        }
    )
    stamped = metering.stamp(
        frame=metering.conform(frame=frame, schema=metering.REGISTER_SCHEMA),
        recorded_at=datetime(2026, 11, 2 if later else 1, tzinfo=UTC),
        first_sequence=1000 if later else 0,
    )
    stores.registers.append(stamped)


def read_every_meter(
    container: bootstrap.App,
    tenant: identity.Tenant,
    homes: list[Home],
    readings: list[tuple[datetime, float]],
) -> None:
    """The same actual register reads ``(read_at, value)`` on every home's meter."""
    add_register_reads(
        container,
        tenant,
        [(h.meter, at, value, "ACTUAL") for h in homes for at, value in readings],
    )


def add_interval_month(
    container: bootstrap.App, tenant: identity.Tenant, meter: str, month: date, kwh: float
) -> None:
    """A month of hourly intervals of ``kwh`` each (Bogotá's month, in UTC)."""
    stores = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code=tenant.code
    )
    start = datetime(month.year, month.month, 1, 5, tzinfo=UTC)
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    hours = int((datetime(nxt.year, nxt.month, 1, 5, tzinfo=UTC) - start).total_seconds() // 3600)
    frame = pl.DataFrame(
        {
            "meter": [meter] * hours,
            "channel": ["E1"] * hours,
            "start": [start + timedelta(hours=h) for h in range(hours)],
            "minutes": [60] * hours,
            "quantity": [kwh] * hours,
            "unit": ["kWh"] * hours,
            "quality": ["ACTUAL"] * hours,
            "source": ["test"] * hours,
        }
    )
    stamped = metering.stamp(
        frame=metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA),
        recorded_at=datetime(2026, 11, 1, tzinfo=UTC),
        first_sequence=stores.intervals.next_sequence(),
    )
    stores.intervals.append(stamped)


def billing_env(
    container: bootstrap.App,
    tenant: identity.Tenant,
    *,
    batch_size: int = 2,
    runner: ports.PartitionRunner | None = None,
) -> ports.BillingEnv:
    actor = identity.Actor(
        user_id=ids.UserId("analyst"),
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.BILLING_ANALYST}),
    )
    env = billing_wiring.billing_env(
        container=container,
        actor=actor,
        runner=runner or billing_wiring.partition_runner(workers=0),
        batch_size=batch_size,
    )
    billing_ops.save_cycle(
        env=env, code="C01", read_day=2, bill_day=5, due_days=15, suspension_days=30
    )
    return env


def meter_id(container: bootstrap.App, serial: str) -> ids.MeterId:
    """The id of the meter with this serial (serials are unique within a tenant)."""
    with container.engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT id FROM meters WHERE serial = ?"
            if connection.dialect.name == "sqlite"
            else "SELECT id FROM meters WHERE serial = %s",
            (serial,),
        ).scalar_one()
    return ids.MeterId(str(found))
