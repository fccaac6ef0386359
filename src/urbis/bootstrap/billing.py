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
from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl

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
from urbis.domain import identity, rules
from urbis.kernel import ids


def tariff_source(*, container: bootstrap.App, tenant_id: ids.TenantId) -> ports.TariffSource:
    """The tariffs bill runs rate with: the tenant's tariffs in the database (ADR 0012)."""
    return DbTariffSource(container.engine, tenant_id)


def _version_in_force(
    container: bootstrap.App,
    tenant_id: ids.TenantId,
    extension_point: str,
    as_of: date,
    pinned: str | None,
) -> rules.PackVersion | None:
    """The version in force on a day; the version a label names when one is given."""
    with container.engine.connect() as connection:
        packs = db_rules.PackRepository(connection)
        if pinned is None:
            return answering.version_in_force(
                packs=packs, tenant_id=tenant_id, extension_point=extension_point, as_of=as_of
            )
        named = [
            v
            for v in packs.for_extension_point(tenant_id, extension_point)
            if v.label == pinned and v.published_at is not None
        ]
    if not named:
        raise rules.NoPackInForce(
            f"The run started with {pinned}, which answers no {extension_point} for this tenant",
            details={"extension_point": extension_point, "version": pinned},
        )
    return named[0]


def _published_answers(
    container: bootstrap.App,
    tenant_id: ids.TenantId,
    extension_point: str,
    as_of: date,
    pinned: str | None,
) -> tuple[Callable[[pl.DataFrame], pl.DataFrame], str] | None:
    """A published version's answers for frames (by the process's rule engine), and its label."""
    pack = _version_in_force(container, tenant_id, extension_point, as_of, pinned)
    if pack is None:
        return None
    engine = rules_wiring.rule_engine()
    return (
        lambda frame: answering.answer_with(engine=engine, pack=pack, frame=frame),
        pack.label,
    )


def validation_rules(container: bootstrap.App) -> ports.ValidationRules:
    """
    The tenant's published ``bill_validation`` pack in force on a run's period (ADR 0034),
    read once per run, evaluated per decision key by the process's rule engine.
    """

    def published(
        tenant_id: ids.TenantId, as_of: date, pinned: str | None
    ) -> ports.Validation | None:
        found = _published_answers(container, tenant_id, "bill_validation", as_of, pinned)
        return None if found is None else ports.Validation(validate=found[0], source=found[1])

    return published


def solidarity_rules(container: bootstrap.App) -> ports.SolidarityRules:
    """
    The tenant's published ``subsidy_factor`` pack in force on a run's period (ADR 0038), read
    once per run and asked once per distinct question by the process's rule engine.
    """

    def published(
        tenant_id: ids.TenantId, as_of: date, pinned: str | None
    ) -> ports.Solidarity | None:
        found = _published_answers(container, tenant_id, "subsidy_factor", as_of, pinned)
        return None if found is None else ports.Solidarity(answer=found[0], source=found[1])

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
        solidarity=solidarity_rules(container),
        writers=billrun_writers(container),
        stage=db_billing.billing_stager(container.engine),
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
