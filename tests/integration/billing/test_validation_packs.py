"""Bill runs ask the tenant's published ``bill_validation`` pack (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tests import rule_packs
from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import ports
from urbis.application.billing import queries as billing_queries
from urbis.domain import identity, rules

AUG = datetime(2026, 8, 30, 15, tzinfo=UTC)
SEPT = datetime(2026, 9, 30, 15, tzinfo=UTC)
OCT = datetime(2026, 10, 30, 15, tzinfo=UTC)
PACK = "bill_validation_default"


def _next_version(
    container: bootstrap.App,
    tenant: identity.Tenant,
    *,
    content: dict[str, Any],
    cases: list[dict[str, Any]] | None = None,
) -> None:
    rule_packs.publish_next(
        container, tenant, PACK, content=content, cases=cases, effective_from=date(2026, 10, 1)
    )


def _two_homes_with_a_september(
    container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
) -> tuple[ports.BillingEnv, list[helpers.Home]]:
    """Two homes billed 100 in September; in October one uses 200 (x1.94 per 30 days), one 100."""
    homes = helpers.seed_homes(container, agent_env, tenant, count=2)
    helpers.add_register_reads(
        container,
        tenant,
        [
            (home.meter, at, value, "ACTUAL")
            for home, october in zip(homes, (800.0, 700.0), strict=True)
            for at, value in ((AUG, 500.0), (SEPT, 600.0), (OCT, october))
        ],
    )
    env = helpers.billing_env(container, tenant)
    september = billing_ops.start_run(env=env, cycle="C01", period="2026-09")
    assert september["bills"] == 2
    return env, homes


def _held(env: ports.BillingEnv, run: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (b["agreement_id"], b["hold_reason"])
        for b in billing_queries.held_bills(env=env, run_id=str(run["id"]))
    ]


class TestRunsAskThePublishedPack:
    def test_the_shipped_pack_holds_a_bill_far_above_its_history_and_the_run_names_it(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        env, homes = _two_homes_with_a_september(container, tenant, agent_env)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert _held(env, run) == [(homes[0].agreement_id, "HIGH_AGAINST_HISTORY")]
        assert run["validated_by"] == f"{PACK} v1"
        stored = billing_queries.run_status(env=env, run_id=str(run["id"]))
        assert stored["validated_by"] == f"{PACK} v1"

    def test_publishing_a_higher_threshold_changes_which_bills_the_next_run_holds(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        graph = rule_packs.graph(container, tenant, PACK)
        rule_packs.rule(graph, "rule-5")["in-ratio"] = "> 3.0"
        cases = [dict(c.picture()) for c in rule_packs.shipped(container, tenant, PACK).test_cases]
        for case in cases:
            if case["name"] == "Double the usual consumption is held as high":
                case["name"] = "Double the usual consumption is issued"
                case["expected"] = {"action": "ISSUE", "reason": "OK"}
        _next_version(container, tenant, content=graph, cases=cases)
        env, _ = _two_homes_with_a_september(container, tenant, agent_env)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert _held(env, run) == []
        assert run["held"] == 0
        assert run["validated_by"] == f"{PACK} v2"

    def test_without_a_published_pack_the_configured_policy_validates_and_the_run_says_so(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes = _two_homes_with_a_september(container, tenant, agent_env)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert _held(env, run) == [(homes[0].agreement_id, "HIGH_AGAINST_HISTORY")]
        assert run["validated_by"] == billing_ops.POLICY

    def test_a_pack_that_answers_nothing_stops_the_run_naming_pack_version_and_node(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        graph = rule_packs.graph(container, tenant, PACK)
        rule_packs.rule(graph, "rule-7")["in-consumption"] = (
            "< 50"  # the catch-all no longer catches all
        )
        _next_version(
            container,
            tenant,
            content=graph,
            cases=[
                {
                    "name": "A small new account is issued",
                    "given": {
                        "service": "ELECTRICITY",
                        "bill_amount": 9000,
                        "consumption": 40,
                        "consecutive_estimates": 0,
                        "days_in_period": 30,
                    },
                    "expected": {"action": "ISSUE", "reason": "OK"},
                }
            ],
        )
        env, _ = _two_homes_with_a_september(container, tenant, agent_env)

        with pytest.raises(rules.RuleEvaluationFailed) as raised:
            billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert raised.value.code == "rule_evaluation_failed"
        assert raised.value.details["pack_key"] == PACK
        assert raised.value.details["version"] == 2
        assert raised.value.details["node"] == "Validation"
        assert f"{PACK} v2" in raised.value.message
        with container.engine.connect() as connection:
            october = connection.execute(
                sa.text("SELECT count(*) FROM bills WHERE tenant_id = :t AND period = '2026-10'"),
                {"t": tenant.id},
            ).scalar_one()
        assert october == 0
