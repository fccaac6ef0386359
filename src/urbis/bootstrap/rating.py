"""Which adapters serve the tariff and rating use cases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import repositories as db_repositories
from urbis.adapters.db import tariffs as db_tariffs
from urbis.adapters.tariffs import files, urdb
from urbis.application.tariffs import ports
from urbis.domain import identity, tariffs
from urbis.kernel import ids


def tariff_reader() -> ports.TariffReader:
    """Return the reader of urbis tariff documents (schema and model checks)."""
    return files.tariff_from_document


def _urdb_reader(*, document: Mapping[str, Any]) -> tariffs.Tariff:
    return urdb.tariff_from_urdb(record=urdb.record_of(document))


def readers() -> dict[str, ports.TariffReader]:
    """Return the tariff readers by format: ``urbis`` documents and ``urdb`` records."""
    return {"urbis": files.tariff_from_document, "urdb": _urdb_reader}


def tariff_repository(
    *, connection: sa.Connection, tenant_id: ids.TenantId
) -> ports.TariffRepository:
    """Return one utility's tariffs, read and written inside the caller's transaction."""
    return db_tariffs.TariffRepository(connection, tenant_id)


def tariffs_env(
    *, container: bootstrap.App, actor: identity.Actor, connection: sa.Connection
) -> ports.TariffsEnv:
    """
    The tariff use cases over the database, inside the caller's transaction (``connection``),
    so a tariff, its versions and the audit entry commit together or not at all.
    """
    return ports.TariffsEnv(
        actor=actor,
        clock=container.clock,
        ids=container.ids,
        tariffs=tariff_repository(connection=connection, tenant_id=actor.tenant_id),
        audit=db_repositories.AuditLog(connection),
        readers=readers(),
        writer=files.tariff_document,
    )
