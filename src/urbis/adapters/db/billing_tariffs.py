"""The tariffs a bill run rates with: the tenant's tariffs in the database (ADR 0012)."""

from __future__ import annotations

import sqlalchemy as sa

from urbis.adapters.db import tariffs as db_tariffs
from urbis.domain import tariffs
from urbis.kernel import ids


class DbTariffSource:
    """Reads one tenant's tariffs, each with all its versions, in a short read transaction."""

    def __init__(self, engine: sa.Engine, tenant_id: ids.TenantId) -> None:
        self._engine = engine
        self._tenant = tenant_id

    def get(self, code: str) -> tariffs.Tariff | None:
        with self._engine.connect() as connection:
            return db_tariffs.TariffRepository(connection, self._tenant).get(code)
