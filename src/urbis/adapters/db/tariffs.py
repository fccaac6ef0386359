"""
Tariffs over SQLAlchemy Core, for one utility: a header per code and its versions, each kept as
its document in urbis's tariff format, inserted once and never updated (ADR 0012).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.adapters.tariffs import files
from urbis.domain import tariffs
from urbis.kernel import errors, ids

_FORMAT = files.FORMAT


class TariffRepository:
    """The tariffs of one tenant, read and written on the caller's connection (its transaction)."""

    def __init__(self, connection: sa.Connection, tenant_id: ids.TenantId) -> None:
        self._c = connection
        self._tenant = tenant_id

    def _versions(self, codes: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        v = t.tariff_versions.c
        rows = self._c.execute(
            sa.select(v.code, v.document)
            .where(v.tenant_id == self._tenant, v.code.in_(codes))
            .order_by(v.code, v.active_from)
        )
        out: dict[str, list[dict[str, Any]]] = {code: [] for code in codes}
        for row in rows:
            out[row.code].append(row.document)
        return out

    @staticmethod
    def _tariff(header: Any, versions: list[dict[str, Any]]) -> tariffs.Tariff:
        document: dict[str, Any] = {
            "format": _FORMAT,
            "code": header.code,
            "name": header.name,
            "unit": header.unit,
            "versions": versions,
        }
        if header.service is not None:
            document["service"] = header.service
        return files.tariff_from_document(document=document)

    def get(self, code: str) -> tariffs.Tariff | None:
        h = t.tariffs.c
        header = self._c.execute(
            t.tariffs.select().where(h.tenant_id == self._tenant, h.code == code)
        ).first()
        if header is None:
            return None
        return self._tariff(header, self._versions([code])[code])

    def list(self) -> Sequence[tariffs.Tariff]:
        h = t.tariffs.c
        headers = self._c.execute(
            t.tariffs.select().where(h.tenant_id == self._tenant).order_by(h.code)
        ).all()
        versions = self._versions([r.code for r in headers]) if headers else {}
        return [self._tariff(r, versions[r.code]) for r in headers]

    def _insert_version(self, code: str, version: tariffs.Version) -> None:
        self._c.execute(
            t.tariff_versions.insert().values(
                tenant_id=self._tenant,
                code=code,
                version=version.version,
                active_from=version.active.start,
                active_to=version.active.end,
                document=files.version_document(version),
            )
        )

    def add(self, tariff: tariffs.Tariff) -> None:
        self._c.execute(
            t.tariffs.insert().values(
                tenant_id=self._tenant,
                code=tariff.code,
                name=tariff.name,
                service=tariff.service,
                unit=tariff.versions[0].unit if tariff.versions else "kWh",
            )
        )
        for version in tariff.versions:
            self._insert_version(tariff.code, version)

    def add_version(self, code: str, version: tariffs.Version) -> None:
        h = t.tariffs.c
        v = t.tariff_versions.c
        # The header row is locked (PostgreSQL; SQLite has one writer at a time), so two
        # versions added at once are checked one after the other, never both against the old set.
        locked = self._c.execute(
            sa.select(h.code).where(h.tenant_id == self._tenant, h.code == code).with_for_update()
        ).first()
        if locked is None:
            raise errors.NotFound(f"No tariff {code}", details={"what": "tariff", "key": code})
        stored = self._c.execute(
            sa.select(v.version, v.active_from, v.active_to).where(
                v.tenant_id == self._tenant, v.code == code
            )
        ).all()
        for row in stored:
            if row.version == version.version:
                raise tariffs.VersionNameTaken(
                    f"Tariff {code} already has a version {version.version}",
                    details={"code": code, "version": version.version},
                )
            if _overlaps(row.active_from, row.active_to, version):
                raise tariffs.OverlappingVersions(
                    f"Versions {row.version} and {version.version} of {code} overlap",
                    details={"versions": [row.version, version.version]},
                )
        self._insert_version(code, version)


def _overlaps(start: date, end: date | None, version: tariffs.Version) -> bool:
    other = version.active
    return (end is None or other.start < end) and (other.end is None or start < other.end)
