"""The agents' live events read from the database: what came in after a cursor (both databases)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.engagement import operations, ports, queries
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import engagement
from urbis.kernel import ids

T = TypeVar("T")


def _sms(sender: str, sid: str) -> engagement.InboundMessage:
    return engagement.InboundMessage(
        channel=engagement.InteractionChannel.SMS,
        sender=sender,
        recipient="+576045551234",
        at=datetime(2026, 11, 22, 14, tzinfo=UTC),
        text="¿Cuándo llega la factura?",
        provider_id=sid,
        raw=engagement.RawPayload(content_type="text/plain", body="x"),
    )


class TestInboundSince:
    def test_only_inbound_interactions_after_the_cursor_with_the_customers_name(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)

        def within(use: Callable[[ports.EngagementEnv], T]) -> T:
            with container.engine.begin() as connection:
                return use(
                    engagement_wiring.database_env(
                        container=container, actor=agent_env.actor, connection=connection
                    )
                )

        cursor, none_yet = within(lambda env: queries.inbound_since(env=env, after=None))
        known = within(
            lambda env: operations.receive_message(env=env, message=_sms("+573115550101", "S1"))
        )
        within(
            lambda env: operations.record_interaction(
                env=env,
                party_id=ids.PartyId(keys["party"]),
                channel=engagement.InteractionChannel.PHONE,
                direction=engagement.Direction.OUTBOUND,
                summary="Le devolvimos la llamada",
            )
        )
        stranger = within(
            lambda env: operations.receive_message(env=env, message=_sms("+573000000000", "S2"))
        )
        after, events = within(lambda env: queries.inbound_since(env=env, after=cursor))

        assert none_yet == ()
        assert [(e.interaction.id, e.customer) for e in events] == [
            (known.id, "Luz Dary Gómez Ramírez"),
            (stranger.id, ""),
        ]
        assert after == stranger.id
