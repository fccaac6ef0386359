"""
Notices that follow runs, queued in the outbox as each customer's consents allow: "your bill is
ready" after a final bill run, and payment reminders and suspension notices after a collections
run; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tests.integration.billing.test_bill_runs import billed
from tests.integration.collections import test_collections_run as collecting
from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.customers import operations as customer_ops
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import customers, identity
from urbis.kernel import ids


def _holder(container: bootstrap.App, account_id: str) -> ids.PartyId:
    with container.engine.connect() as connection:
        holder = connection.execute(
            sa.select(tables.accounts.c.holder_id).where(tables.accounts.c.id == account_id)
        ).scalar_one()
    return ids.PartyId(holder)


def _reachable(env: Env, party_id: ids.PartyId, channel: customers.Channel, value: str) -> None:
    kind = (
        customers.ContactKind.EMAIL
        if channel is customers.Channel.EMAIL
        else customers.ContactKind.MOBILE
    )
    customer_ops.update_party(
        env=env, party_id=party_id, contacts=[customer_ops.ContactInput(kind=kind, value=value)]
    )
    customer_ops.record_consent(
        env=env,
        party_id=party_id,
        channel=channel,
        purpose=customers.ConsentPurpose.SERVICE,
        granted=True,
        source="contrato",
    )


def _outbox(container: bootstrap.App, tenant_id: str) -> list[sa.Row[tuple[object, ...]]]:
    o = tables.outbox_messages
    with container.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(o).where(o.c.tenant_id == tenant_id).order_by(o.c.to_address)
            )
        )


class TestBillReady:
    def test_each_issued_bill_is_announced_once_on_the_channel_its_customer_allowed(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        # the last is a zero bill: held, not announced
        _, homes, run = billed(container, tenant, agent_env, [180.0, 95.0, 120.0, 0.0])
        by_email, by_sms, silent, held = (_holder(container, h.account_id) for h in homes)
        _reachable(agent_env, by_email, customers.Channel.EMAIL, "ana@example.co")
        _reachable(agent_env, by_sms, customers.Channel.SMS, "+57 300 111 2233")
        _reachable(agent_env, held, customers.Channel.EMAIL, "held@example.co")

        first = portal_wiring.queue_bill_notices(
            container=container, tenant_id=tenant.id, run_id=str(run["id"])
        )
        again = portal_wiring.queue_bill_notices(
            container=container, tenant_id=tenant.id, run_id=str(run["id"])
        )
        messages = _outbox(container, tenant.id)

        assert run["held"] == 1
        assert (first.queued, first.suppressed) == (2, 1)  # the silent customer consented to none
        assert again.queued == 2  # the same two messages, not new ones
        assert [(m.kind, m.channel, m.to_address) for m in messages] == [
            ("BILL_READY", "SMS", "+573001112233"),
            ("BILL_READY", "EMAIL", "ana@example.co"),
        ]
        assert len({m.dedupe_key for m in messages}) == 2
        assert "Factura" in messages[0].body
        assert str(silent) not in {m.party_id for m in messages}


class TestCollectionNotices:
    def test_a_reminder_then_a_suspension_notice_with_its_date(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        account = supplied_customer(agent_env)["account"]
        party = _holder(container, account)
        _reachable(agent_env, party, customers.Channel.EMAIL, "luz@example.co")
        collecting.post(container, collecting.bill(agent_env, account, "F-1", "200000"))

        reports = []
        for as_of in (date(2026, 1, 11), date(2026, 2, 15), date(2026, 3, 5)):
            result = collecting.run(container, agent_env, as_of)
            reports.append(
                portal_wiring.queue_collection_notices(
                    container=container, tenant_id=agent_env.actor.tenant_id, run_id=result["id"]
                )
            )
        messages = sorted(_outbox(container, agent_env.actor.tenant_id), key=lambda m: m.created_at)
        notice = next(m for m in messages if m.kind == "SUSPENSION_NOTICE")

        assert sum(r.queued for r in reports) == len(messages) >= 2
        assert {m.kind for m in messages} == {"PAYMENT_REMINDER", "SUSPENSION_NOTICE"}
        assert all(m.to_address == "luz@example.co" for m in messages)
        assert "200.000" in notice.body
        # the suspension order waits the ladder's five notice days after the notice
        assert "a partir del 10 de marzo de 2026" in notice.body
