"""New cases ask the tenant's published ``case_routing`` pack (SQLite and PostgreSQL), ADR 0036."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests import rule_packs
from tests.conftest import NOW, actor_with
from tests.integration.engagement.test_faults_and_review_on_databases import LEAK
from tests.integration.engagement.test_faults_and_review_on_databases import _env as open311_env
from urbis import bootstrap
from urbis.adapters.db import engagement as db_engagement
from urbis.adapters.db import tables
from urbis.application.city_services import open311
from urbis.application.engagement import operations
from urbis.bootstrap import engagement as wiring
from urbis.domain import engagement, identity, rules
from urbis.kernel import ids

PACK = "case_routing_default"


def _next_version(
    container: bootstrap.App,
    tenant: identity.Tenant,
    *,
    content: dict[str, Any],
    cases: list[dict[str, Any]] | None = None,
) -> None:
    rule_packs.publish_next(
        container, tenant, PACK, content=content, cases=cases, effective_from=NOW.date()
    )


def _table(graph: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
    return node


def _file(
    container: bootstrap.App,
    tenant: identity.Tenant,
    *,
    kind: engagement.CaseKind,
    subject: str,
    channel: engagement.InteractionChannel = engagement.InteractionChannel.PHONE,
    routed_as: str | None = None,
) -> engagement.Case:
    """File a case in one transaction, then read it back as stored."""
    with container.engine.begin() as connection:
        env = wiring.database_env(
            container=container,
            actor=actor_with(tenant, identity.Role.AGENT),
            connection=connection,
        )
        case = operations.open_case(
            env=env,
            kind=kind,
            subject=subject,
            description=subject,
            channel=channel,
            routed_as=routed_as,
        )
    with container.engine.connect() as connection:
        stored = db_engagement.CaseRepository(connection).get(tenant.id, case.id)
    assert stored is not None
    return stored


def _cases(container: bootstrap.App, tenant: identity.Tenant) -> int:
    with container.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(tables.cases)
                .where(tables.cases.c.tenant_id == tenant.id)
            ).scalar_one()
        )


class TestCasesAskThePublishedPack:
    def test_without_a_pack_a_case_is_filed_unrouted_and_says_so(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        case = _file(
            container,
            tenant,
            kind=engagement.CaseKind.CLAIM,
            subject="Cobro excesivo en la factura",
        )

        assert (case.queue, case.priority, case.routed_by) == (None, None, engagement.NOT_ROUTED)

    def test_the_shipped_pack_routes_by_type_text_and_channel_and_the_case_names_it(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        rule_packs.install(container, tenant)

        billing = _file(
            container,
            tenant,
            kind=engagement.CaseKind.CLAIM,
            subject="Cobro excesivo en la factura",
        )
        danger = _file(
            container,
            tenant,
            kind=engagement.CaseKind.PETITION,
            subject="Hay un cable caído echando chispas",
            channel=engagement.InteractionChannel.WHATSAPP,
        )
        city = _file(
            container,
            tenant,
            kind=engagement.CaseKind.PETITION,
            subject="Open311 graffiti: pintura en el muro",
            channel=engagement.InteractionChannel.PORTAL,
            routed_as="OPEN311",
        )

        assert (billing.queue, billing.priority) == ("BILLING_CLAIMS", 2)
        assert (danger.queue, danger.priority) == ("EMERGENCIES", 1)
        assert (city.queue, city.priority) == ("CITY_SERVICES", 3)
        assert billing.routed_by == f"{PACK} v1"

    def test_publishing_a_new_version_changes_where_new_cases_go(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        rule_packs.install(container, tenant)
        before = _file(
            container,
            tenant,
            kind=engagement.CaseKind.CLAIM,
            subject="Cobro excesivo en la factura",
        )
        graph = rule_packs.graph(container, tenant, PACK)
        claims = next(r for r in _table(graph)["content"]["rules"] if r["_id"] == "rule-5")
        claims["out-queue"] = "'BILLING_PRIORITY'"
        claims["out-priority"] = "1"
        _next_version(
            container,
            tenant,
            content=graph,
            cases=[
                {
                    "name": "Billing claims go first",
                    "given": {
                        "case_type": "RECLAMO",
                        "channel": "PHONE",
                        "text_category": "BILLING",
                    },
                    "expected": {"queue": "BILLING_PRIORITY", "priority": 1},
                }
            ],
        )

        after = _file(
            container,
            tenant,
            kind=engagement.CaseKind.CLAIM,
            subject="Cobro excesivo en la factura",
        )

        assert (before.queue, before.priority, before.routed_by) == (
            "BILLING_CLAIMS",
            2,
            f"{PACK} v1",
        )
        assert (after.queue, after.priority, after.routed_by) == (
            "BILLING_PRIORITY",
            1,
            f"{PACK} v2",
        )

    def test_a_case_the_pack_does_not_answer_fails_naming_the_node_and_nothing_is_filed(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        rule_packs.install(container, tenant)
        graph = rule_packs.graph(container, tenant, PACK)
        table = _table(graph)
        table["content"]["rules"] = [r for r in table["content"]["rules"] if r["_id"] != "rule-10"]
        _next_version(
            container,
            tenant,
            content=graph,
            cases=[
                {
                    "name": "Billing claims still go to billing",
                    "given": {
                        "case_type": "RECLAMO",
                        "channel": "PHONE",
                        "text_category": "BILLING",
                    },
                    "expected": {"queue": "BILLING_CLAIMS", "priority": 2},
                }
            ],
        )

        with pytest.raises(rules.RuleEvaluationFailed) as failed:
            _file(container, tenant, kind=engagement.CaseKind.PETITION, subject="Una consulta")

        assert failed.value.details["pack_key"] == PACK
        assert failed.value.details["version"] == 2
        assert failed.value.details["node"] == "Routing"
        assert _cases(container, tenant) == 0


class TestTextCategory:
    @pytest.mark.parametrize(
        ("text", "category"),
        [
            ("Huele a gas: OLOR A GAS en la cocina", "SAFETY"),
            ("Estamos sin energía desde ayer", "OUTAGE"),
            ("Fuga de agua en la calle", "LEAK"),
            ("El medidor gira muy rápido", "METER"),
            ("Solicito conexión del servicio", "CONNECTION"),
            ("La factura llegó muy alta", "BILLING"),
            ("Una consulta", "OTHER"),
        ],
    )
    def test_finds_the_category_in_spanish_text(self, text: str, category: str) -> None:
        assert engagement.text_category(text) == category


def test_an_open311_request_is_routed_as_open311() -> None:
    case = engagement.Case(
        id=engagement.CaseId("c1"),
        tenant_id=ids.TenantId("t1"),
        number="PQR-2026-000001",
        kind=engagement.CaseKind.PETITION,
        subject="Bache",
        description="Bache en la vía",
        filed_at=NOW,
        deadline=NOW,
        status=engagement.CaseStatus.OPEN,
        channel="PORTAL",
    )

    assert engagement.routing_facts(case=case)["channel"] == "WEB"
    assert engagement.routing_facts(case=case, channel="OPEN311")["channel"] == "OPEN311"


def test_an_open311_leak_is_routed_to_the_water_network(
    container: bootstrap.App, tenant: identity.Tenant
) -> None:
    rule_packs.install(container, tenant)

    with container.engine.begin() as connection:
        (answer,) = open311.submit_request(
            env=open311_env(container, tenant, connection), form=LEAK, api_key="k"
        )

    with container.engine.connect() as connection:
        case_id = connection.execute(
            sa.select(tables.service_requests.c.case_id).where(
                tables.service_requests.c.id == answer["service_request_id"]
            )
        ).scalar_one()
        case = db_engagement.CaseRepository(connection).get(tenant.id, case_id)
    assert case is not None
    assert (case.channel, case.queue, case.priority) == ("PORTAL", "WATER_NETWORK", 2)
    assert case.routed_by == f"{PACK} v1"
