"""Composition of the collections context: its repositories on one connection, the policy pack."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import collections as db_collections
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import repositories as r
from urbis.adapters.db import rules as db_rules
from urbis.adapters.db import service_orders as db_orders
from urbis.adapters.rules import shipped
from urbis.application.collections import ports
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import collections, identity, rules
from urbis.kernel import ids

POLICY_PACK = "co_collections_policy"


class ShippedPolicy:
    """
    The collections policy shipped with urbis (the ``collection_action`` pack), in force from
    its effective date: for runs in memory (the benchmark); runs on the database ask the
    tenant's published pack (``PublishedPolicy``).
    """

    def __init__(self, pack_key: str = POLICY_PACK) -> None:
        data = next(p for p in shipped.shipped_packs() if p["pack_key"] == pack_key)
        self._version = rules.new_draft(
            version_id=rules.PackVersionId(f"shipped:{pack_key}"),
            tenant_id=ids.TenantId("shipped"),
            pack_key=pack_key,
            version=1,
            extension_point=str(data["extension_point"]),
            title=str(data["title"]),
            effective_from=date.fromisoformat(str(data["effective_from"])),
            content=rules.canonical_json(data["content"]),
            test_cases=rules.test_cases_from_data(data=data.get("test_cases", ())),
            author_id="urbis",
            at=datetime(2026, 11, 28, tzinfo=UTC),
        )

    def policy(self, tenant_id: ids.TenantId, as_of: date) -> rules.PackVersion:
        if as_of < self._version.effective_from:
            raise rules.NoPackInForce(
                f"No collections policy is in force on {as_of}",
                details={"extension_point": "collection_action", "as_of": as_of.isoformat()},
            )
        return self._version


class PublishedPolicy:
    """
    The tenant's published ``collection_action`` pack in force on the run's day: what analysts
    publish in the rules editor is what the next run asks (ADR 0065). No pack in force is an
    error, never a default.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self._packs = db_rules.PackRepository(connection)

    def policy(self, tenant_id: ids.TenantId, as_of: date) -> rules.PackVersion:
        return rules.in_force(
            versions=self._packs.for_extension_point(tenant_id, "collection_action"),
            extension_point="collection_action",
            as_of=as_of,
        )


_POLICY: list[ShippedPolicy] = []


def shipped_policy() -> ShippedPolicy:
    """The process's shipped collections policy (read once)."""
    if not _POLICY:
        _POLICY.append(ShippedPolicy())
    return _POLICY[0]


def database_env(
    *,
    container: bootstrap.App,
    actor: identity.Actor,
    connection: sa.Connection,
    ladder: collections.Ladder | None = None,
) -> ports.CollectionsEnv:
    """
    The collections use cases over the database, inside the caller's transaction
    (``connection``): a run's steps, service orders and audit entries commit together.
    """
    return ports.CollectionsEnv(
        actor=actor,
        clock=container.clock,
        ids=container.ids,
        arrears=db_collections.LedgerArrears(connection),
        facts=db_collections.DbAccountFacts(connection),
        steps=db_collections.DbStepRepository(connection),
        arrangements=db_collections.DbArrangementRepository(connection),
        protections=db_collections.DbProtectionRepository(connection),
        orders=db_orders.ServiceOrderRepository(connection),
        audit=r.AuditLog(connection),
        engine=rules_wiring.rule_engine(),
        policy=PublishedPolicy(connection),
        ledger=db_ledger.LedgerRepository(connection),
        ladder=ladder or collections.Ladder(),
        promises=db_collections.DbPromiseRepository(connection),
        receivables=db_collections.LedgerReceivables(connection),
        contacts=db_collections.TimelineContactLog(connection, container.ids),
    )
