"""An in-memory tariff repository and environment for use-case tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

import attrs

from urbis.application import ports as shared_ports
from urbis.application.tariffs import ports
from urbis.bootstrap import rating as wiring
from urbis.domain import identity, tariffs
from urbis.kernel import ids

AT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class InMemoryTariffs:
    def __init__(self) -> None:
        self.stored: dict[str, tariffs.Tariff] = {}

    def get(self, code: str) -> tariffs.Tariff | None:
        return self.stored.get(code)

    def list(self) -> Sequence[tariffs.Tariff]:
        return [self.stored[code] for code in sorted(self.stored)]

    def add(self, tariff: tariffs.Tariff) -> None:
        self.stored[tariff.code] = tariff

    def add_version(self, code: str, version: tariffs.Version) -> None:
        self.stored[code] = self.stored[code].with_version(version=version)


class FixedClock:
    def now(self) -> datetime:
        return AT


@attrs.define
class CountingIds:
    counter: itertools.count[int] = attrs.field(factory=itertools.count)

    def new_id(self) -> str:
        return f"ID{next(self.counter):024d}"


@attrs.define
class AuditTrail:
    entries: list[shared_ports.AuditEntry] = attrs.field(factory=list)

    def record(self, entry: shared_ports.AuditEntry) -> None:
        self.entries.append(entry)

    def for_entity(
        self, tenant_id: ids.TenantId, entity: str, entity_id: str
    ) -> Sequence[shared_ports.AuditEntry]:
        return [
            e
            for e in self.entries
            if (e.tenant_id, e.entity, e.entity_id) == (tenant_id, entity, entity_id)
        ]


def env_for(
    *roles: identity.Role,
    repository: InMemoryTariffs | None = None,
    audit: AuditTrail | None = None,
) -> ports.TariffsEnv:
    from urbis.adapters.tariffs import files

    return ports.TariffsEnv(
        actor=identity.Actor(
            user_id=ids.UserId("U1"), tenant_id=ids.TenantId("T1"), roles=frozenset(roles)
        ),
        clock=FixedClock(),
        ids=CountingIds(),
        tariffs=repository if repository is not None else InMemoryTariffs(),
        audit=audit if audit is not None else AuditTrail(),
        readers=wiring.readers(),
        writer=files.tariff_document,
    )
