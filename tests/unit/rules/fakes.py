"""In-memory fakes of the rules ports, and a ready environment."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

from urbis.adapters.rules import engine
from urbis.application import ports as shared_ports
from urbis.application.rules import ports
from urbis.domain import identity, rules
from urbis.kernel import ids

TENANT = ids.TenantId("tenant-1")
OTHER_TENANT = ids.TenantId("tenant-2")
NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


class FakeIds:
    def __init__(self) -> None:
        self._n = itertools.count(1)

    def new_id(self) -> str:
        return f"id-{next(self._n):04d}"


class InMemoryPackRepository:
    """Keeps versions by tenant; refuses to change a published version, like the real one must."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], rules.PackVersion] = {}

    def add(self, pack: rules.PackVersion) -> None:
        assert (pack.tenant_id, pack.id) not in self.rows
        self.rows[(pack.tenant_id, pack.id)] = pack

    def update(self, pack: rules.PackVersion) -> None:
        current = self.rows[(pack.tenant_id, pack.id)]
        assert current.status is not rules.PackStatus.PUBLISHED, "published versions are immutable"
        self.rows[(pack.tenant_id, pack.id)] = pack

    def get(
        self, tenant_id: ids.TenantId, version_id: rules.PackVersionId
    ) -> rules.PackVersion | None:
        return self.rows.get((tenant_id, version_id))

    def versions(self, tenant_id: ids.TenantId, pack_key: str) -> Sequence[rules.PackVersion]:
        return sorted(
            (p for p in self.all(tenant_id) if p.pack_key == pack_key), key=lambda p: p.version
        )

    def for_extension_point(
        self, tenant_id: ids.TenantId, extension_point: str
    ) -> Sequence[rules.PackVersion]:
        return [p for p in self.all(tenant_id) if p.extension_point == extension_point]

    def all(self, tenant_id: ids.TenantId) -> Sequence[rules.PackVersion]:
        return [p for (t, _), p in self.rows.items() if t == tenant_id]


class InMemoryAuditLog:
    def __init__(self) -> None:
        self.entries: list[shared_ports.AuditEntry] = []

    def record(self, entry: shared_ports.AuditEntry) -> None:
        self.entries.append(entry)

    def for_entity(
        self, tenant_id: ids.TenantId, entity: str, entity_id: str
    ) -> Sequence[shared_ports.AuditEntry]:
        return [
            e
            for e in self.entries
            if e.tenant_id == tenant_id and e.entity == entity and e.entity_id == entity_id
        ]


ENGINE = engine.ZenRuleEngine()


class World:
    """Shared repositories and clock; ``env_for`` gives each user their own environment."""

    def __init__(self) -> None:
        self.packs = InMemoryPackRepository()
        self.audit = InMemoryAuditLog()
        self.clock = FakeClock()
        self.ids = FakeIds()

    def env_for(
        self,
        user: str,
        *roles: identity.Role,
        tenant: ids.TenantId = TENANT,
    ) -> ports.RulesEnv:
        return ports.RulesEnv(
            actor=identity.Actor(
                user_id=ids.UserId(user),
                tenant_id=tenant,
                roles=frozenset(roles or (identity.Role.RULES_AUTHOR,)),
            ),
            clock=self.clock,
            ids=self.ids,
            packs=self.packs,
            audit=self.audit,
            engine=ENGINE,
        )
