"""
Composition of the customer portal: its repositories on the caller's connection, the payment
gateway, the hand-off of approved payments, the tenant's meter data, Green Button files.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import attrs
import polars as pl
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import engagement as db_engagement
from urbis.adapters.db import metering as db_metering
from urbis.adapters.db import notices as db_notices
from urbis.adapters.db import notifications as db_notifications
from urbis.adapters.db import portal as db_portal
from urbis.adapters.db import portal_billing, repositories
from urbis.adapters.formats import greenbutton
from urbis.adapters.payments import test_gateway
from urbis.application.engagement import operations as engagement_ops
from urbis.application.engagement import ports as engagement_ports
from urbis.application.identity import operations as identity_ops
from urbis.application.identity import queries as identity_queries
from urbis.application.payments import operations as payment_ops
from urbis.application.payments import ports as payment_ports
from urbis.application.portal import notices, operations, outages, ports
from urbis.bootstrap import engagement as engagement_wiring
from urbis.bootstrap import metering as metering_wiring
from urbis.domain import collections, engagement, identity, payments
from urbis.kernel import errors, ids
from urbis.kernel.money import Money

# one gateway per process, so a retried request meets the charge its key already made
_GATEWAYS: dict[str, ports.PaymentGateway] = {}


class UnknownGateway(errors.InvalidValue):
    code = "unknown_payment_gateway"


def payment_gateway() -> ports.PaymentGateway:
    """
    The gateway named by ``URBIS_PAYMENT_GATEWAY``; only ``test`` (the test double that answers
    by card number and moves no money) exists until a real gateway's adapter is written.

    :raises UnknownGateway: if the setting names another gateway.
    """
    name = os.environ.get("URBIS_PAYMENT_GATEWAY", "test").strip() or "test"
    if name != "test":
        raise UnknownGateway(f"No payment gateway called {name!r}; the one available is 'test'")
    if name not in _GATEWAYS:
        _GATEWAYS[name] = test_gateway.TestCardGateway()
    return _GATEWAYS[name]


def portal_env(
    *,
    container: bootstrap.App,
    actor: identity.Actor,
    connection: sa.Connection,
    gateway: ports.PaymentGateway | None = None,
    record_payment: ports.RecordPayment | None = None,
) -> ports.PortalEnv:
    """
    The portal's use cases over the database inside the caller's transaction: everything one
    use case writes (a charge, its hand-off and its audit entry) commits together or not at all.
    """
    env = container.env(actor)
    tenant = identity_queries.tenant(env=env)
    assert tenant is not None
    metering = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code=tenant.code
    )
    engaging = engagement_wiring.database_env(
        container=container, actor=actor, connection=connection
    )
    return ports.PortalEnv(
        env=env,
        audit=repositories.AuditLog(connection),
        charges=db_portal.ChargeRepository(connection),
        photos=db_portal.PhotoRepository(connection),
        preferences=db_portal.PreferenceRepository(connection),
        bills=portal_billing.BillingBills(connection),
        engagement=engaging,
        notifications=notify_env(container=container, engaging=engaging, connection=connection),
        gateway=gateway or payment_gateway(),
        record_payment=record_payment
        or payments_handoff(container=container, actor=actor, connection=connection),
        meters=metering.directory,
        # the reading and its photo commit together (SQLite allows one writer at a time)
        registers=metering.registers.bound(connection)
        if isinstance(metering.registers, db_metering.DbRegisterStore)
        else metering.registers,
        intervals=metering.intervals,
        currency=tenant.currency,
    )


def payments_handoff(
    *, container: bootstrap.App, actor: identity.Actor, connection: sa.Connection
) -> ports.RecordPayment:
    """
    An approved card charge posted by the payments context (channel ``CARD``, the charge's
    idempotency key passed through) in the portal's transaction: the charge, the payment, its
    ledger entry and its allocation to the bills commit together.
    """
    env = payment_ports.PaymentsEnv(
        actor=actor,
        clock=container.clock,
        ids=container.ids,
        unit=lambda: portal_billing.SharedPaymentsUnit(connection),
    )

    def record(
        account_id: ids.AccountId, amount: Money, reference: str, idempotency_key: str
    ) -> None:
        payment_ops.record_payment(
            env=env,
            amount=amount,
            received_at=container.clock.now(),
            channel=payments.Channel.CARD,
            reference=reference,
            account_id=account_id,
            idempotency_key=f"portal:{idempotency_key}",
        )

    return record


def photo_repository(connection: sa.Connection) -> ports.PhotoRepository:
    """The customers' reading photos over one connection."""
    return db_portal.PhotoRepository(connection)


def notify_env(
    *,
    container: bootstrap.App,
    engaging: engagement_ports.EngagementEnv,
    connection: sa.Connection,
) -> engagement_ops.NotifyEnv:
    """Notifying inside the caller's transaction: the outbox and suppressions on its connection."""
    return engagement_ops.NotifyEnv(
        tenant_id=engaging.tenant_id,
        clock=container.clock,
        ids=container.ids,
        directory=engaging.directory,
        outbox=db_notifications.OutboxRepository(connection, tenant_id=engaging.tenant_id),
        suppressions=db_notifications.SuppressionLog(connection, id_generator=container.ids),
        templates=_templates(),
    )


def notify_case_changed(
    *,
    container: bootstrap.App,
    engaging: engagement_ports.EngagementEnv,
    connection: sa.Connection,
    case: engagement.Case,
) -> None:
    """Queue the CASE_UPDATED notice of a case an agent filed or changed, in its transaction."""
    operations.notify_case_changed(
        notifications=notify_env(container=container, engaging=engaging, connection=connection),
        preferences=db_portal.PreferenceRepository(connection),
        calendar=engaging.calendar,
        case=case,
    )


def _queue(
    *,
    container: bootstrap.App,
    tenant_id: ids.TenantId,
    pick: Callable[[db_notices.DbNoticeSource], Sequence[notices.Notice]],
) -> notices.NoticeReport:
    actor = identity.Actor(
        user_id=identity_ops.SYSTEM_USER,
        tenant_id=tenant_id,
        roles=frozenset({identity.Role.ADMIN}),
    )
    with container.engine.begin() as connection:
        engaging = engagement_wiring.database_env(
            container=container, actor=actor, connection=connection
        )
        picked = pick(db_notices.DbNoticeSource(connection))
        party_ids = [n.party_id for n in picked]
        notifying = notify_env(container=container, engaging=engaging, connection=connection)
        # the customers and their preferences are read once for all the notices, not per notice
        return notices.queue_notices(
            notifications=attrs.evolve(
                notifying,
                directory=db_notices.PrefetchedDirectory(
                    notifying.directory, connection, tenant_id, party_ids
                ),
            ),
            preferences=db_notices.PrefetchedPreferences(
                db_portal.PreferenceRepository(connection), tenant_id, party_ids
            ),
            notices=picked,
        )


def queue_bill_notices(
    *, container: bootstrap.App, tenant_id: ids.TenantId, run_id: str
) -> notices.NoticeReport:
    """Queue "your bill is ready" for every bill a run issued, in one transaction (ADR 0071)."""
    return _queue(
        container=container,
        tenant_id=tenant_id,
        pick=lambda source: source.bills_issued(tenant_id, run_id),
    )


def queue_collection_notices(
    *,
    container: bootstrap.App,
    tenant_id: ids.TenantId,
    run_id: str,
    ladder: collections.Ladder | None = None,
) -> notices.NoticeReport:
    """Queue the reminders and suspension notices a collections run decided (ADR 0071)."""
    notice_days = (ladder or collections.Ladder()).notice_days
    return _queue(
        container=container,
        tenant_id=tenant_id,
        pick=lambda source: source.collection_notices(tenant_id, run_id, notice_days),
    )


@functools.cache
def _templates() -> engagement.TemplateSet:
    return engagement.default_templates()


def green_button(*, reads: pl.DataFrame, meter: str, as_at: datetime) -> bytes:
    """One meter's reads as a Green Button (ESPI) XML feed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{meter}.xml"
        greenbutton.write_greenbutton(reads, meter=meter, path=path, as_at=as_at)
        return path.read_bytes()


NOTICE_BATCH = 500


def _given(
    batch: Sequence[notices.Notice], _source: db_notices.DbNoticeSource
) -> Sequence[notices.Notice]:
    return batch


def queue_payment_notices(
    *,
    container: bootstrap.App,
    tenant_id: ids.TenantId,
    payment_ids: Sequence[str] = (),
    file_id: str | None = None,
) -> notices.NoticeReport:
    """
    Queue "payment received" for payments just recorded at the office, through the API or in a
    bank file (``file_id``), after they commit, in transactions of ``NOTICE_BATCH`` notices;
    each payment queues one message at most.
    """
    if file_id is None and not payment_ids:
        return notices.NoticeReport(queued=0, suppressed=0)
    with container.engine.connect() as connection:
        found = db_notices.DbNoticeSource(connection).payments_received(
            tenant_id, payment_ids=payment_ids, file_id=file_id
        )
    queued = suppressed = 0
    # a transaction per batch, so a large bank file's notices never hold the database's
    # writers back for long
    for start in range(0, len(found), NOTICE_BATCH):
        batch: Sequence[notices.Notice] = found[start : start + NOTICE_BATCH]
        report = _queue(
            container=container, tenant_id=tenant_id, pick=functools.partial(_given, batch)
        )
        queued, suppressed = queued + report.queued, suppressed + report.suppressed
    return notices.NoticeReport(queued=queued, suppressed=suppressed)


def announce_outage(
    *, container: bootstrap.App, tenant_id: ids.TenantId, outage: outages.Outage
) -> outages.OutageReport:
    """Queue the OUTAGE notice of a planned outage for every customer it affects (ADR 0076)."""
    outages.check_outage(outage=outage)
    actor = identity.Actor(
        user_id=identity_ops.SYSTEM_USER,
        tenant_id=tenant_id,
        roles=frozenset({identity.Role.ADMIN}),
    )
    with container.engine.begin() as connection:
        engaging = engagement_wiring.database_env(
            container=container, actor=actor, connection=connection
        )
        return outages.announce_outage(
            notifications=notify_env(container=container, engaging=engaging, connection=connection),
            preferences=db_portal.PreferenceRepository(connection),
            affected=db_notices.DbNoticeSource(connection),
            calendar=engaging.calendar,
            outage=outage,
        )


def notify_case_changed_in(
    *, container: bootstrap.App, engaging: engagement_ports.EngagementEnv, case: engagement.Case
) -> None:
    """Queue a case's CASE_UPDATED notice on the connection its engagement env writes through."""
    cases = engaging.cases
    assert isinstance(cases, db_engagement.CaseRepository)
    notify_case_changed(
        container=container, engaging=engaging, connection=cases.connection, case=case
    )
