"""Rule packs in tests: publish the shipped ones, read one, publish its next version."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from tests.conftest import publish_shipped_packs
from urbis import bootstrap
from urbis.adapters.db import rules as db_rules
from urbis.application.rules import operations as rules_ops
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import identity, rules
from urbis.kernel import ids


def actor(tenant: identity.Tenant, user: str, role: identity.Role) -> identity.Actor:
    return identity.Actor(user_id=ids.UserId(user), tenant_id=tenant.id, roles=frozenset({role}))


def install(container: bootstrap.App, tenant: identity.Tenant) -> None:
    """Publish the packs urbis ships for the tenant, as `urbis demo` does."""
    publish_shipped_packs(container, tenant.id)


def shipped(container: bootstrap.App, tenant: identity.Tenant, pack: str) -> rules.PackVersion:
    """Version 1 of a pack (the shipped one, once installed)."""
    with container.engine.connect() as connection:
        return db_rules.PackRepository(connection).versions(tenant.id, pack)[0]


def graph(container: bootstrap.App, tenant: identity.Tenant, pack: str) -> dict[str, Any]:
    """A copy of the shipped version's graph, to change."""
    return copy.deepcopy(rules.read_json(shipped(container, tenant, pack).content))


def table_rules(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a graph's (first) decision table."""
    table = next(n for n in content["nodes"] if n["type"] == "decisionTableNode")
    found: list[dict[str, Any]] = table["content"]["rules"]
    return found


def publish_next(
    container: bootstrap.App,
    tenant: identity.Tenant,
    pack: str,
    *,
    content: dict[str, Any],
    effective_from: date,
    cases: list[dict[str, Any]] | None = None,
) -> None:
    """The next version of a shipped pack, written by one analyst and approved by another."""
    first = shipped(container, tenant, pack)

    def step(user: str, use_case: Any) -> Any:
        return rules_wiring.in_transaction(
            container=container,
            actor=actor(tenant, user, identity.Role.RULES_AUTHOR),
            use_case=use_case,
        )

    draft = step(
        "ana",
        lambda env: rules_ops.create_draft_from(
            env=env, version_id=first.id, effective_from=effective_from
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


def rule(content: dict[str, Any], rule_id: str) -> dict[str, Any]:
    """One row of a graph's decision table, by its id."""
    return next(r for r in table_rules(content) if r["_id"] == rule_id)
