"""
Composition of the billing context: the database, metering's read stores, the tariffs, and
where the partition function runs (``URBIS_DASK_SCHEDULER`` = a Dask scheduler's address;
else ``URBIS_BILLRUN_WORKERS``: 2 or more = a pool of local processes, 1 = a thread that loads
and rates the next batch while this process writes, 0 = this process alone; default: the
thread, the fastest measured on two cores, ADR 0056). On PostgreSQL a run writes
``URBIS_BILLRUN_WRITERS`` batches at once (default 2), each on its own connection (ADR 0063);
on SQLite one.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from urbis import bootstrap
from urbis.adapters import compute
from urbis.adapters.db import billing as db_billing
from urbis.adapters.db import rules as db_rules
from urbis.adapters.db.bill_particulars import DbBillParticulars
from urbis.adapters.db.billing_tariffs import DbTariffSource
from urbis.adapters.demo import bills as demo_bills
from urbis.application.billing import document, ports, printing
from urbis.application.billing.reads import MeteringReadSource
from urbis.application.rules import answering
from urbis.bootstrap import documents as documents_wiring
from urbis.bootstrap import metering as metering_wiring
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import identity
from urbis.kernel import ids


def tariff_source(*, container: bootstrap.App, tenant_id: ids.TenantId) -> ports.TariffSource:
    """The tariffs bill runs rate with: the tenant's tariffs in the database (ADR 0012)."""
    return DbTariffSource(container.engine, tenant_id)


def validation_rules(container: bootstrap.App) -> ports.ValidationRules:
    """
    The tenant's published ``bill_validation`` pack in force on a run's period (ADR 0034),
    read once per run, evaluated per decision key by the process's rule engine.
    """

    def published(tenant_id: ids.TenantId, as_of: date) -> ports.Validation | None:
        with container.engine.connect() as connection:
            pack = answering.version_in_force(
                packs=db_rules.PackRepository(connection),
                tenant_id=tenant_id,
                extension_point="bill_validation",
                as_of=as_of,
            )
        if pack is None:
            return None
        engine = rules_wiring.rule_engine()
        return ports.Validation(
            validate=lambda frame: answering.answer_with(engine=engine, pack=pack, frame=frame),
            source=pack.label,
        )

    return published


def partition_runner(*, workers: int | None = None, scheduler: Any = None) -> ports.PartitionRunner:
    """
    A Dask cluster when one is named, else a local process pool (2 or more workers), a thread
    beside the writer (1, the default) or this process alone (0).
    """
    address = scheduler or os.environ.get("URBIS_DASK_SCHEDULER", "").strip()
    if address:
        return compute.DaskCluster(address)
    if workers is None:
        workers = int(os.environ.get("URBIS_BILLRUN_WORKERS", "") or 1)
    if workers <= 0:
        return compute.InProcess()
    if workers == 1:
        return compute.Pipelined()
    return compute.ProcessPool(workers)


def billing_env(
    *,
    container: bootstrap.App,
    actor: identity.Actor,
    runner: ports.PartitionRunner | None = None,
    batch_size: int | None = None,
) -> ports.BillingEnv:
    """The billing use cases for one caller, over the container's database and data folder."""
    with container.uow() as uow:
        tenant = uow.tenants.get(actor.tenant_id)
    assert tenant is not None
    stores = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code=tenant.code
    )
    size = batch_size or int(os.environ.get("URBIS_BILLRUN_BATCH", "") or 5000)
    return ports.BillingEnv(
        tenant_id=actor.tenant_id,
        actor_id=actor.user_id,
        roles=actor.roles,
        clock=container.clock,
        ids=container.ids,
        store=db_billing.billing_unit(container.engine),
        agreements=db_billing.DbAgreementSource(container.engine),
        tariffs=tariff_source(container=container, tenant_id=actor.tenant_id),
        reads=MeteringReadSource(registers=stores.registers, intervals=stores.intervals),
        runner=runner or partition_runner(),
        batch_size=size,
        rules=validation_rules(container),
        writers=billrun_writers(container),
    )


def billrun_writers(container: bootstrap.App) -> int:
    """How many batches a bill run writes at once: one on SQLite (one writer at a time)."""
    if container.engine.dialect.name != "postgresql":
        return 1
    return max(1, int(os.environ.get("URBIS_BILLRUN_WRITERS", "") or 2))


# --- printed bills: a stored bill as its PDF ------------------------------------------------------


def tenant_company(container: bootstrap.App) -> printing.TenantCompany:
    """
    The utility on a tenant's bills: its name and NIT from the tenant, the rest (address,
    phone, GS1 location number, payment page) from ``URBIS_COMPANY_*`` settings, the demo
    utility's when unset.
    """

    def company(*, tenant_id: ids.TenantId) -> document.Company:
        with container.uow() as uow:
            tenant = uow.tenants.get(tenant_id)
        assert tenant is not None
        demo = demo_bills.COMPANY
        return document.Company(
            name=tenant.name,
            nit=tenant.nit,
            address=os.environ.get("URBIS_COMPANY_ADDRESS", demo.address),
            phone=os.environ.get("URBIS_COMPANY_PHONE", demo.phone),
            gln=os.environ.get("URBIS_COMPANY_GLN", demo.gln),
            payment_url=os.environ.get("URBIS_PAYMENT_URL", demo.payment_url),
            website=os.environ.get("URBIS_COMPANY_WEBSITE", demo.website),
        )

    return company


def printing_env(*, container: bootstrap.App, actor: identity.Actor) -> printing.PrintingEnv:
    """Stored bills as documents and PDFs, for one caller."""
    return printing.PrintingEnv(
        billing=billing_env(container=container, actor=actor, runner=compute.InProcess()),
        particulars=DbBillParticulars(container.engine),
        company=tenant_company(container),
        renderer=documents_wiring.bill_renderer,
    )
