"""Bill runs ask the tenant's published ``bill_validation`` pack (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.adapters.db import rules as db_rules
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import ports
from urbis.application.billing import queries as billing_queries
from urbis.application.rules import operations as rules_ops
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import identity, rules
from urbis.kernel import ids

AUG = datetime(2026, 8, 30, 15, tzinfo=UTC)
SEPT = datetime(2026, 9, 30, 15, tzinfo=UTC)
OCT = datetime(2026, 10, 30, 15, tzinfo=UTC)
PACK = "bill_validation_default"


def _actor(tenant: identity.Tenant, user: str, role: identity.Role) -> identity.Actor:
    return identity.Actor(user_id=ids.UserId(user), tenant_id=tenant.id, roles=frozenset({role}))


def _install(container: bootstrap.App, tenant: identity.Tenant) -> None:
    rules_wiring.install_shipped_packs(
        container=container, actor=_actor(tenant, "admin", identity.Role.ADMIN)
    )


def _shipped(container: bootstrap.App, tenant: identity.Tenant) -> rules.PackVersion:
    with container.engine.connect() as connection:
        return db_rules.PackRepository(connection).versions(tenant.id, PACK)[0]


def _publish_next(
    container: bootstrap.App,
    tenant: identity.Tenant,
    *,
    content: dict[str, Any],
    cases: list[dict[str, Any]] | None = None,
) -> None:
    """The next version of the shipped pack, written by one analyst, approved by another."""
    first = _shipped(container, tenant)

    def step(user: str, use_case: Any) -> Any:
        return rules_wiring.in_transaction(
            container=container,
            actor=_actor(tenant, user, identity.Role.RULES_AUTHOR),
            use_case=use_case,
        )

    draft = step(
        "ana",
        lambda env: rules_ops.create_draft_from(
            env=env, version_id=first.id, effective_from=date(2026, 10, 1)
        ),
    )
    step(
        "ana",
        lambda env: rules_ops.edit_draft(
            env=env, version_id=draft["id"], content=content, test_cases=cases
        ),
    )
    step("ana", lambda env: rules_ops.submit(env=env, version_id=draft["id"]))
    step("beto", lambda env: rules_ops.approve(env=env, version_id=draft["id"]))
    step("beto", lambda env: rules_ops.publish(env=env, version_id=draft["id"]))


def _graph(container: bootstrap.App, tenant: identity.Tenant) -> dict[str, Any]:
    return copy.deepcopy(rules.read_json(_shipped(container, tenant).content))


def _rule(graph: dict[str, Any], rule_id: str) -> dict[str, Any]:
    table = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
    return next(r for r in table["content"]["rules"] if r["_id"] == rule_id)


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
        _install(container, tenant)
        env, homes = _two_homes_with_a_september(container, tenant, agent_env)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert _held(env, run) == [(homes[0].agreement_id, "HIGH_AGAINST_HISTORY")]
        assert run["validated_by"] == f"{PACK} v1"
        stored = billing_queries.run_status(env=env, run_id=str(run["id"]))
        assert stored["validated_by"] == f"{PACK} v1"

    def test_publishing_a_higher_threshold_changes_which_bills_the_next_run_holds(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        _install(container, tenant)
        graph = _graph(container, tenant)
        _rule(graph, "rule-5")["in-ratio"] = "> 3.0"
        cases = [dict(c.picture()) for c in _shipped(container, tenant).test_cases]
        for case in cases:
            if case["name"] == "Double the usual consumption is held as high":
                case["name"] = "Double the usual consumption is issued"
                case["expected"] = {"action": "ISSUE", "reason": "OK"}
        _publish_next(container, tenant, content=graph, cases=cases)
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
        _install(container, tenant)
        graph = _graph(container, tenant)
        _rule(graph, "rule-7")["in-consumption"] = "< 50"  # the catch-all no longer catches all
        _publish_next(
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
