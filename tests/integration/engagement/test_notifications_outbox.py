"""
Notifications the portal's events queue, kept in the database's outbox (SQLite and PostgreSQL)
and sent by the worker through a loopback SMTP relay, with retries and backoff.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import sqlalchemy as sa

from tests.conftest import NOW
from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from tests.integration.engagement.test_smtp import Mailbox, relay  # noqa: F401 - fixture
from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.channels import smtp
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.customers import operations as customer_ops
from urbis.application.portal import operations
from urbis.bootstrap import engagement as engagement_wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import customers, engagement, identity
from urbis.kernel import ids


def _customer(agent_env: Env, party_id: str) -> identity.Actor:
    return identity.Actor(
        user_id=ids.UserId("cliente"),
        tenant_id=agent_env.actor.tenant_id,
        roles=frozenset({identity.Role.CUSTOMER}),
        party_id=ids.PartyId(party_id),
    )


def pay_by_card(
    container: bootstrap.App, agent_env: Env, keys: dict[str, str], idempotency_key: str
) -> identity.Actor:
    """The customer pays 42,500 in the portal; returns her actor."""
    actor = _customer(agent_env, keys["party"])
    with container.engine.begin() as connection:
        operations.pay(
            penv=portal_wiring.portal_env(container=container, actor=actor, connection=connection),
            account_id=ids.AccountId(keys["account"]),
            amount="42500",
            card_number="4242424242424242",
            idempotency_key=idempotency_key,
        )
    return actor


def _outbox(container: bootstrap.App, tenant_id: str) -> list[sa.Row[tuple[object, ...]]]:
    with container.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(tables.outbox_messages).where(
                    tables.outbox_messages.c.tenant_id == tenant_id
                )
            )
        )


class TestPaymentReceivedIsSent:
    def test_queued_with_the_payment_retried_when_the_relay_is_down_then_sent(
        self,
        container: bootstrap.App,
        agent_env: Env,
        relay: tuple[Mailbox, int],  # noqa: F811 - fixture
    ) -> None:
        box, port = relay
        keys = supplied_customer(agent_env)
        customer_ops.record_consent(
            env=agent_env,
            party_id=ids.PartyId(keys["party"]),
            channel=customers.Channel.EMAIL,
            purpose=customers.ConsentPurpose.SERVICE,
            granted=True,
            source="paper form",
        )
        actor = pay_by_card(container, agent_env, keys, "notify-key-0001")
        (queued,) = _outbox(container, actor.tenant_id)

        down = engagement_wiring.notifiers_from_settings(smtp_port=smtp.free_port())
        engagement_wiring.send_due_notifications(container=container, notifiers=down)
        (retrying,) = _outbox(container, actor.tenant_id)
        later = attrs.evolve(container, clock=system.FixedClock(NOW + timedelta(minutes=2)))
        up = engagement_wiring.notifiers_from_settings(smtp_port=port, sender="EPM <avisos@epm.co>")
        engagement_wiring.send_due_notifications(container=later, notifiers=up)
        (sent,) = _outbox(container, actor.tenant_id)
        with container.engine.connect() as connection:
            logged = connection.execute(
                sa.select(tables.interactions.c.direction).where(
                    tables.interactions.c.id == queued.id
                )
            ).scalar_one()

        assert (queued.kind, queued.channel, queued.to_address) == (
            "PAYMENT_RECEIVED",
            "EMAIL",
            "luz@example.co",
        )
        assert "42.500" in queued.body
        assert (retrying.status, retrying.attempts) == ("PENDING", 1)
        assert retrying.next_attempt_at == NOW + timedelta(minutes=1)
        assert (sent.status, sent.attempts) == ("SENT", 2)
        mine = [
            e
            for e in box.received
            if f"<{queued.id}@epm.co>".encode() in (e.original_content or b"")
        ]
        assert len(mine) == 1
        assert logged == "OUTBOUND"


class TestWithoutConsentNothingIsQueued:
    def test_a_case_update_without_consent_is_recorded_as_not_sent(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        actor = _customer(agent_env, keys["party"])

        with container.engine.begin() as connection:
            case = operations.report_problem(
                penv=portal_wiring.portal_env(
                    container=container, actor=actor, connection=connection
                ),
                account_id=ids.AccountId(keys["account"]),
                kind=engagement.CaseKind.COMPLAINT,
                subject="Atención",
                description="Me atendieron mal en la oficina",
            )
        with container.engine.connect() as connection:
            (suppressed,) = connection.execute(
                sa.select(tables.notification_suppressions).where(
                    tables.notification_suppressions.c.tenant_id == actor.tenant_id
                )
            ).all()

        assert case.number.startswith("PQR-")
        assert _outbox(container, actor.tenant_id) == []
        assert suppressed.kind == "CASE_UPDATED"
        assert suppressed.reasons == [
            "EMAIL: no consent for service messages",
            "SMS: no consent for service messages",
        ]
