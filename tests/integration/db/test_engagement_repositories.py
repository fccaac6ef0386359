"""Cases and interactions kept in the database, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest

from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.engagement import operations, queries
from urbis.bootstrap import engagement as wiring
from urbis.domain import engagement
from urbis.kernel import ids


class TestEngagementInTheDatabase:
    def test_a_case_and_its_events_survive_a_round_trip(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container, actor=agent_env.actor, connection=connection
            )
            filed = operations.open_case(
                env=env,
                kind=engagement.CaseKind.PETITION,
                subject="Copia del contrato",
                description="Solicita copia del contrato de condiciones uniformes.",
                party_id=ids.PartyId(keys["party"]),
                account_id=ids.AccountId(keys["account"]),
            )
            operations.record_interaction(
                env=env,
                channel=engagement.InteractionChannel.WALK_IN,
                direction=engagement.Direction.INBOUND,
                summary="Visita la oficina de Laureles",
                party_id=ids.PartyId(keys["party"]),
            )

        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container, actor=agent_env.actor, connection=connection
            )
            stored = env.cases.get(agent_env.actor.tenant_id, filed.id)
            entries = queries.customer_timeline(env=env, party_id=ids.PartyId(keys["party"]))
            waiting = queries.open_cases(env=env)

        assert stored == filed
        assert stored is not None
        assert stored.deadline - stored.filed_at > timedelta(days=15)
        assert [e.kind for e in entries].count(engagement.TimelineKind.INTERACTION) == 1
        assert [r.case.number for r in waiting] == [filed.number]

    def test_a_failing_use_case_writes_nothing(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)

        with pytest.raises(engagement.InvalidInteraction):
            file_a_claim_then_log_an_empty_call(container, agent_env, keys["party"])

        with container.engine.begin() as connection:
            env = wiring.database_env(
                container=container, actor=agent_env.actor, connection=connection
            )
            assert env.cases.for_party(agent_env.actor.tenant_id, ids.PartyId(keys["party"])) == []


def file_a_claim_then_log_an_empty_call(
    container: bootstrap.App, agent_env: Env, party_id: str
) -> None:
    with container.engine.begin() as connection:
        env = wiring.database_env(container=container, actor=agent_env.actor, connection=connection)
        operations.open_case(
            env=env,
            kind=engagement.CaseKind.CLAIM,
            subject="Reclamo",
            description="Factura alta",
            party_id=ids.PartyId(party_id),
        )
        operations.record_interaction(
            env=env,
            channel=engagement.InteractionChannel.PHONE,
            direction=engagement.Direction.INBOUND,
            summary="   ",
            party_id=ids.PartyId(party_id),
        )
