"""
On SQLite and PostgreSQL: an Open311 utility fault opens a service order in the request's
transaction (or nothing at all), and kept payloads are marked reviewed.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import actor_with
from tests.integration.payments.support import open_account
from urbis import bootstrap
from urbis.adapters.db import tables
from urbis.adapters.db.city_services import ServiceRequestRepository
from urbis.adapters.open311 import catalogue as catalogue_file
from urbis.application.city_services import open311
from urbis.application.city_services.ports import Open311Env
from urbis.application.engagement import operations, queries
from urbis.bootstrap import city_services as city_wiring
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import city_services, engagement, identity

CATALOGUE = catalogue_file.load_catalogue_file()
LEAK = {
    "service_code": ["AGUA-FUGA"],
    "lat": ["6.2442"],
    "long": ["-75.5812"],
    "attribute[SEVERIDAD]": ["GOTEO"],
}


class _Keys:
    def is_valid(self, key: str) -> bool:
        return key == "k"


def _env(
    container: bootstrap.App, tenant: identity.Tenant, connection: sa.Connection
) -> Open311Env:
    actor = actor_with(tenant, identity.Role.AGENT)
    return Open311Env(
        tenant_id=tenant.id,
        catalogue=CATALOGUE,
        requests=ServiceRequestRepository(connection, CATALOGUE),
        api_keys=_Keys(),
        clock=container.clock,
        ids=container.ids,
        engagement=engagement_wiring.database_env(
            container=container, actor=actor, connection=connection
        ),
        field_work=city_wiring.field_work(container=container, actor=actor, connection=connection),
    )


def _count(container: bootstrap.App, table: sa.Table, tenant: identity.Tenant) -> int:
    with container.engine.connect() as connection:
        value: int = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant.id)
        ).scalar_one()
        return value


def test_a_fault_opens_an_order_for_the_named_account_in_one_transaction(
    container: bootstrap.App, tenant: identity.Tenant
) -> None:
    account = open_account(container, tenant, "Residente Fuga")

    with container.engine.begin() as connection:
        (answer,) = open311.submit_request(
            env=_env(container, tenant, connection),
            form={**LEAK, "account_id": [account.number]},
            api_key="k",
        )

    with container.engine.connect() as connection:
        request = connection.execute(
            sa.select(tables.service_requests).where(
                tables.service_requests.c.id == answer["service_request_id"]
            )
        ).one()
        order = connection.execute(
            sa.select(tables.service_orders).where(
                tables.service_orders.c.id == request.service_order_id
            )
        ).one()
    assert (order.account_id, order.kind, order.source) == (
        account.id,
        "INSPECTION",
        f"open311:{request.case_id}",
    )


def test_an_unknown_account_leaves_no_request_case_or_order(
    container: bootstrap.App, tenant: identity.Tenant
) -> None:
    open_account(container, tenant, "Residente Sin Fuga")

    with pytest.raises(city_services.InvalidRequestField), container.engine.begin() as connection:
        open311.submit_request(
            env=_env(container, tenant, connection),
            form={**LEAK, "account_id": ["0000000"]},
            api_key="k",
        )

    assert [
        _count(container, t, tenant)
        for t in (tables.service_requests, tables.cases, tables.service_orders)
    ] == [0, 0, 0]


def test_kept_payloads_are_marked_reviewed(
    container: bootstrap.App, tenant: identity.Tenant
) -> None:
    actor = actor_with(tenant, identity.Role.AGENT)
    with container.engine.begin() as connection:
        env = engagement_wiring.database_env(
            container=container, actor=actor, connection=connection
        )
        kept = operations.keep_for_review(
            env=env,
            channel=engagement.InteractionChannel.WHATSAPP,
            content_type="application/json",
            body='{"object": "page"}',
            error=engagement.MalformedPayload("not a WhatsApp notification"),
        )
    with container.engine.begin() as connection:
        env = engagement_wiring.database_env(
            container=container, actor=actor, connection=connection
        )
        reviewed = operations.mark_payload_reviewed(env=env, payload_id=kept.id)
    with container.engine.connect() as connection:
        env = engagement_wiring.database_env(
            container=container, actor=actor, connection=connection
        )
        pending = queries.rejected_payloads(env=env)
        (stored,) = queries.rejected_payloads(env=env, include_reviewed=True)

    assert pending == ()
    assert stored.reviewed_by == actor.user_id
    assert stored.reviewed_at is not None
    assert stored.reviewed_at == reviewed.reviewed_at
    assert stored.raw.body == '{"object": "page"}'
