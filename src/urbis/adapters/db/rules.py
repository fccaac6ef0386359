"""The rules context's pack repository over SQLAlchemy Core, bound to the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from urbis.adapters.db import repositories
from urbis.adapters.db import tables as t
from urbis.application import ports
from urbis.domain import rules
from urbis.kernel import ids

_V = t.rule_pack_versions


def _values(pack: rules.PackVersion) -> dict[str, Any]:
    return {
        "id": pack.id,
        "tenant_id": pack.tenant_id,
        "pack_key": pack.pack_key,
        "version": pack.version,
        "extension_point": pack.extension_point,
        "title": pack.title,
        "effective_from": pack.effective_from,
        "content": pack.content,
        "test_cases": rules.canonical_json([c.picture() for c in pack.test_cases]),
        "status": pack.status.value,
        "author_id": pack.author_id,
        "editors": sorted(pack.editors),
        "created_at": pack.created_at,
        "updated_at": pack.updated_at,
        "tested_at": pack.tested_at,
        "approved_by": pack.approved_by,
        "approved_at": pack.approved_at,
        "published_by": pack.published_by,
        "published_at": pack.published_at,
        "based_on": pack.based_on,
    }


def _pack(row: Any) -> rules.PackVersion:
    return rules.PackVersion(
        id=rules.PackVersionId(row.id),
        tenant_id=ids.TenantId(row.tenant_id),
        pack_key=row.pack_key,
        version=row.version,
        extension_point=row.extension_point,
        title=row.title,
        effective_from=row.effective_from,
        content=row.content,
        test_cases=rules.test_cases_from_data(data=rules.read_json(row.test_cases)),
        status=rules.PackStatus(row.status),
        author_id=row.author_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        tested_at=row.tested_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        published_by=row.published_by,
        published_at=row.published_at,
        based_on=None if row.based_on is None else rules.PackVersionId(row.based_on),
        editors=frozenset(row.editors),
    )


class PackRepository:
    """
    Pack versions of every tenant in one table. A published version is never updated: this
    repository refuses, and the database refuses too (a trigger, migration 0007).
    """

    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, pack: rules.PackVersion) -> None:
        """
        Insert a new version.

        :raises VersionTaken: if the tenant's pack already has a version with that number.
        """
        exists = self._c.execute(
            sa.select(_V.c.id).where(
                _V.c.tenant_id == pack.tenant_id,
                _V.c.pack_key == pack.pack_key,
                _V.c.version == pack.version,
            )
        ).first()
        if exists is not None:
            raise VersionTaken(
                f"{pack.label} already exists; start the draft again",
                details={"pack_key": pack.pack_key, "version": pack.version},
            )
        try:
            with self._c.begin_nested():
                self._c.execute(_V.insert().values(**_values(pack)))
        except sa.exc.IntegrityError:  # another draft took the number since the check above
            raise VersionTaken(
                f"{pack.label} already exists; start the draft again",
                details={"pack_key": pack.pack_key, "version": pack.version},
            ) from None

    def update(self, pack: rules.PackVersion) -> None:
        """
        Replace a version that is not published.

        :raises PackNotEditable: if the stored version is published (or is gone).
        """
        changed = self._c.execute(
            _V.update()
            .where(
                _V.c.id == pack.id,
                _V.c.tenant_id == pack.tenant_id,
                _V.c.status != rules.PackStatus.PUBLISHED.value,
            )
            .values(**_values(pack))
        ).rowcount
        if changed != 1:
            raise rules.PackNotEditable(
                f"{pack.label} is published (or gone) and cannot change; start a new draft from it",
                details={"pack_key": pack.pack_key, "version": pack.version},
            )

    def get(
        self, tenant_id: ids.TenantId, version_id: rules.PackVersionId
    ) -> rules.PackVersion | None:
        row = self._c.execute(
            _V.select().where(_V.c.tenant_id == tenant_id, _V.c.id == version_id)
        ).first()
        return None if row is None else _pack(row)

    def versions(self, tenant_id: ids.TenantId, pack_key: str) -> Sequence[rules.PackVersion]:
        rows = self._c.execute(
            _V.select()
            .where(_V.c.tenant_id == tenant_id, _V.c.pack_key == pack_key)
            .order_by(_V.c.version)
        )
        return [_pack(r) for r in rows]

    def for_extension_point(
        self, tenant_id: ids.TenantId, extension_point: str
    ) -> Sequence[rules.PackVersion]:
        rows = self._c.execute(
            _V.select()
            .where(_V.c.tenant_id == tenant_id, _V.c.extension_point == extension_point)
            .order_by(_V.c.pack_key, _V.c.version)
        )
        return [_pack(r) for r in rows]

    def all(self, tenant_id: ids.TenantId) -> Sequence[rules.PackVersion]:
        rows = self._c.execute(
            _V.select().where(_V.c.tenant_id == tenant_id).order_by(_V.c.pack_key, _V.c.version)
        )
        return [_pack(r) for r in rows]


class VersionTaken(rules.PackNotEditable):
    """Two drafts of the same pack raced for the same version number."""

    code = "rule_pack_version_taken"


def _json_safe(value: Any) -> Any:
    # a version's picture holds exact decimals, which a JSON column cannot take; the audit keeps
    # them as JSON numbers written from their exact text
    return None if value is None else json.loads(rules.canonical_json(value))


class RulesAuditLog:
    """The shared audit log, taking pictures of rule pack versions (with exact decimals)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._log = repositories.AuditLog(connection)

    def record(self, entry: ports.AuditEntry) -> None:
        self._log.record(
            attrs.evolve(entry, before=_json_safe(entry.before), after=_json_safe(entry.after))
        )

    def for_entity(
        self, tenant_id: ids.TenantId, entity: str, entity_id: str
    ) -> Sequence[ports.AuditEntry]:
        return self._log.for_entity(tenant_id, entity, entity_id)
