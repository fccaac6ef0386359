"""The demo utility: its tenant, its users, and a showcase customer made through the use cases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import polars as pl
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters import compute
from urbis.adapters.demo import reads as demo_reads
from urbis.adapters.demo import tariffs as demo_tariffs
from urbis.application.accounts import operations as account_ops
from urbis.application.billing import operations as billing_ops
from urbis.application.customers import operations as customer_ops
from urbis.application.identity import operations as identity_ops
from urbis.application.payments import operations as payments_ops
from urbis.application.premises import operations as premise_ops
from urbis.application.tariffs import operations as tariff_ops
from urbis.bootstrap import billing as billing_wiring
from urbis.bootstrap import metering as metering_wiring
from urbis.bootstrap import payments as payments_wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.bootstrap import rating as rating_wiring
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import accounts, customers, identity, payments, premises
from urbis.kernel import ids, money

TENANT_CODE = "demo"
TENANT_NAME = "Empresa de Servicios Públicos del Valle (demo)"
TENANT_NIT = "900123456-8"
SHOWCASE_DOCUMENT = "43987654"


@attrs.frozen
class DemoUser:
    username: str
    password: str
    display_name: str
    roles: tuple[identity.Role, ...]


DEMO_USERS = (
    DemoUser("admin", "demo-admin-2026", "Administración", (identity.Role.ADMIN,)),
    DemoUser("agente", "demo-agente-2026", "Paula Agudelo (agente)", (identity.Role.AGENT,)),
    DemoUser(
        "facturacion",
        "demo-factura-2026",
        "Jorge Cardona (facturación)",
        (identity.Role.BILLING_ANALYST,),
    ),
    DemoUser("cartera", "demo-cartera-2026", "Marta Ríos (cartera)", (identity.Role.COLLECTIONS,)),
    DemoUser("campo", "demo-campo-2026", "Andrés Henao (campo)", (identity.Role.FIELD,)),
    DemoUser("reglas", "demo-reglas-2026", "Sofía Mejía (reglas)", (identity.Role.RULES_AUTHOR,)),
    DemoUser(
        "tarifas", "demo-tarifas-2026", "Camilo Zapata (tarifas)", (identity.Role.TARIFF_ADMIN,)
    ),
    # a second rules author: a pack is approved by someone other than whoever wrote it
    DemoUser(
        "aprobador", "demo-aprueba-2026", "Camilo Ortiz (reglas)", (identity.Role.RULES_AUTHOR,)
    ),
)


def ensure_demo_tenant(container: bootstrap.App) -> bool:
    """Create the demo tenant if it does not exist; returns whether it was created now."""
    with container.uow() as uow:
        if uow.tenants.by_code(TENANT_CODE) is not None:
            return False
    identity_ops.create_tenant(
        uow_factory=container.uow,
        clock=container.clock,
        id_generator=container.ids,
        code=TENANT_CODE,
        name=TENANT_NAME,
        nit=TENANT_NIT,
    )
    return True


def _admin_env(container: bootstrap.App, tenant_code: str = TENANT_CODE) -> bootstrap.Env:
    with container.uow() as uow:
        tenant = uow.tenants.by_code(tenant_code)
    assert tenant is not None
    return container.env(
        identity.Actor(
            user_id=identity_ops.SYSTEM_USER,
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.ADMIN}),
        )
    )


def create_demo_users(container: bootstrap.App) -> None:
    """Create one staff user per role, with the passwords the demo prints."""
    env = _admin_env(container)
    for user in DEMO_USERS:
        identity_ops.create_user(
            env=env,
            hasher=container.hasher,
            username=user.username,
            display_name=user.display_name,
            password=user.password,
            roles=user.roles,
        )


def create_demo_tariffs(container: bootstrap.App, tenant_code: str = TENANT_CODE) -> int:
    """
    Store the tariffs the demo utility's agreements name (electricity, water and sewer for each
    use) for a tenant (the demo utility's by default), through the tariff use cases; tariffs
    already stored are left alone. Returns how many were created.
    """
    actor = _admin_env(container, tenant_code).actor
    created = 0
    with container.engine.begin() as connection:
        env = rating_wiring.tariffs_env(container=container, actor=actor, connection=connection)
        for document in demo_tariffs.documents():
            if env.tariffs.get(document["code"]) is None:
                tariff_ops.create_tariff(env=env, document=document)
                created += 1
    return created


CUSTOMER_USER = DemoUser(
    "luz.gomez", "demo-cliente-2026", "Luz Dary Gómez", (identity.Role.CUSTOMER,)
)


def create_showcase_customer(container: bootstrap.App) -> str:
    """
    Create a customer with electricity, water and sewer at one home, through the use cases
    (so the audit trail and every screen show a realistic history), and her portal user.
    Returns the account number.
    """
    env = _admin_env(container)
    party = customer_ops.register_party(
        env=env,
        kind=customers.PartyKind.PERSON,
        name="Luz Dary Gómez Restrepo",
        document_type=customers.DocumentType.CC,
        document_number=SHOWCASE_DOCUMENT,
        contacts=[
            customer_ops.ContactInput(
                kind=customers.ContactKind.MOBILE, value="+57 310 555 0142", preferred=True
            ),
            customer_ops.ContactInput(
                kind=customers.ContactKind.EMAIL, value="luz.gomez@example.co"
            ),
        ],
    )
    for channel in (customers.Channel.EMAIL, customers.Channel.WHATSAPP):
        customer_ops.record_consent(
            env=env,
            party_id=party.id,
            channel=channel,
            purpose=customers.ConsentPurpose.SERVICE,
            granted=True,
            source="contrato de condiciones uniformes",
        )
    home = premise_ops.register_premise(
        env=env,
        address="Carrera 65 # 48-32 Apto 502, Suramericana",
        city="Medellín",
        department="Antioquia",
        country="CO",
        use_class=premises.UseClass.RESIDENTIAL,
        stratum=3,
        latitude=Decimal("6.257210"),
        longitude=Decimal("-75.585340"),
        altitude_m=1520,
    )
    account = account_ops.open_account(
        env=env,
        holder_id=party.id,
        billing_cycle="C07",
        bill_delivery=accounts.BillDelivery.EMAIL,
    )
    tariffs = {
        premises.Service.ELECTRICITY: "MDE-E-RES",
        premises.Service.WATER: "MDE-ACU-RES",
        premises.Service.SEWER: "MDE-ALC-RES",
    }
    since = date(2019, 3, 1)
    for service, tariff in tariffs.items():
        point = premise_ops.add_service_point(env=env, premise_id=home.id, service=service)
        if service is not premises.Service.SEWER:
            meter = premise_ops.register_meter(
                env=env,
                serial=("EDM-" if service is premises.Service.ELECTRICITY else "ADM-")
                + "2019-0142",
                service=service,
                kind=premises.MeterKind.INTERVAL
                if service is premises.Service.ELECTRICITY
                else premises.MeterKind.REGISTER,
                dials=6 if service is premises.Service.ELECTRICITY else 4,
            )
            premise_ops.install_meter(
                env=env, meter_id=meter.id, service_point_id=point.id, on=since
            )
        account_ops.start_agreement(
            env=env,
            account_id=account.id,
            service_point_id=point.id,
            tariff_code=tariff,
            active_from=since,
        )
    identity_ops.create_user(
        env=env,
        hasher=container.hasher,
        username=CUSTOMER_USER.username,
        display_name=CUSTOMER_USER.display_name,
        password=CUSTOMER_USER.password,
        roles=CUSTOMER_USER.roles,
        party_id=party.id,
    )
    return account.number


def install_rule_packs(container: bootstrap.App) -> int:
    """Publish the rule packs shipped with urbis for the demo utility (once); returns how many."""
    return rules_wiring.install_shipped_packs(
        container=container, actor=_admin_env(container).actor
    )


def bill_demo_cycle(container: bootstrap.App, *, cycle: str = "C07") -> dict[str, Any]:
    """
    Give the demo utility bills: define its 20 bill cycles, write last month's reads for the
    meters of one cycle (the showcase customer's), run that cycle's final bill run and queue
    its "bill ready" notices.
    """
    env = _admin_env(container)
    with container.uow() as uow:
        tenant = uow.tenants.by_code(TENANT_CODE)
    assert tenant is not None
    billing_env = billing_wiring.billing_env(
        container=container, actor=env.actor, runner=compute.InProcess()
    )
    for number in range(1, 21):
        billing_ops.save_cycle(
            env=billing_env,
            code=f"C{number:02d}",
            name=f"Ciclo {number}",
            read_day=min(number, 20),
            bill_day=min(number + 3, 25),
            due_days=15,
            suspension_days=30,
        )
    today = container.clock.now().date()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    with container.engine.connect() as connection:
        meters = pl.DataFrame(
            connection.execute(
                sa.text(
                    "SELECT m.serial, m.kind, m.service FROM meters m "
                    "JOIN meter_installations i ON i.meter_id = m.id "
                    "JOIN service_points p ON p.id = i.service_point_id "
                    "JOIN agreements g ON g.service_point_id = p.id "
                    "JOIN accounts a ON a.id = g.account_id "
                    "WHERE a.tenant_id = :t AND a.billing_cycle = :c"
                ),
                {"t": tenant.id, "c": cycle},
            ).all(),
            schema=["serial", "kind", "service"],
            orient="row",
        ).unique()
    stores = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code=TENANT_CODE
    )
    now = container.clock.now()
    registers = meters.filter(pl.col("kind") == "REGISTER")
    stores.registers.append(
        pl.concat(
            [
                demo_reads.register_reads(
                    meters=registers.filter(pl.col("service") == "ELECTRICITY")["serial"],
                    month=month,
                    recorded_at=now,
                ),
                demo_reads.register_reads(
                    meters=registers.filter(pl.col("service") != "ELECTRICITY")["serial"],
                    month=month,
                    recorded_at=now,
                    mean_use=16.0,
                ),
            ]
        )
    )
    smart = meters.filter(pl.col("kind") == "INTERVAL")["serial"]
    if smart.len():
        frame = demo_reads.hourly_month(
            meters=smart, month=month, zone_offset_hours=-5, recorded_at=now
        )
        stores.intervals.append(
            frame.with_columns(pl.col("sequence") + stores.intervals.next_sequence())
        )
    run = billing_ops.start_run(env=billing_env, cycle=cycle, period=month.strftime("%Y-%m"))
    notices = portal_wiring.queue_bill_notices(
        container=container, tenant_id=tenant.id, run_id=str(run["id"])
    )
    return {**run, "notices": notices.picture()}


def pay_demo_bills(container: bootstrap.App, *, accounts: int = 40) -> int:
    """
    Pay some of the demo's issued bills at the office, as customers would after a bill run:
    every other account in full, the rest in part, so the agent sees payments, balances and
    unpaid bills side by side. Returns how many payments were recorded (none twice).
    """
    with container.uow() as uow:
        tenant = uow.tenants.by_code(TENANT_CODE)
    assert tenant is not None
    with container.engine.connect() as connection:
        owed = connection.execute(
            sa.text(
                "SELECT account_id, sum(total) FROM bills "
                "WHERE tenant_id = :t AND status = 'ISSUED' "
                "GROUP BY account_id ORDER BY account_id LIMIT :n"
            ),
            {"t": tenant.id, "n": accounts},
        ).all()
    cashier = identity.Actor(
        user_id=ids.UserId("demo-office"),
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.ADMIN}),
    )
    env = payments_wiring.env(container=container, actor=cashier)
    scale = Decimal(10) ** -money.minor_unit(tenant.currency)
    recorded = 0
    for number, (account_id, total) in enumerate(owed):
        amount = Decimal(int(total)) * scale
        if number % 2:
            amount = (amount / 2).quantize(scale)
        if amount <= 0:
            continue
        payments_ops.record_payment(
            env=env,
            account_id=ids.AccountId(account_id),
            amount=money.Money.of(amount, tenant.currency),
            received_at=container.clock.now(),
            channel=payments.Channel.OFFICE,
            reference=f"demo-{number:03d}",
            idempotency_key=f"demo-payment-{account_id}",
        )
        recorded += 1
    return recorded
