"""The metering context's meter directory, answered from the meters the foundation stores."""

from __future__ import annotations

import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.application.metering import ports
from urbis.domain import metering


class DbMeterDirectory:
    """Meters of one tenant by serial; the meter class is ``<service>-<kind>`` in lowercase."""

    def __init__(self, engine: sa.Engine, *, tenant_code: str) -> None:
        self._engine = engine
        self._tenant_code = tenant_code

    def find(self, *, serial: str | None = None, nmi: str | None = None) -> metering.Meter | None:
        if serial is None:
            return None
        query = (
            sa.select(t.meters.c.serial, t.meters.c.service, t.meters.c.kind)
            .add_columns(t.meters.c.multiplier, t.meters.c.dials)
            .join(t.tenants, t.tenants.c.id == t.meters.c.tenant_id)
            .where(t.tenants.c.code == self._tenant_code, t.meters.c.serial == serial.upper())
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        return metering.Meter(
            serial=row.serial,
            meter_class=f"{row.service}-{row.kind}".lower(),
            kind=metering.MeterKind(row.kind),
            multiplier=row.multiplier,
            dials=row.dials,
        )


def meter_classes(engine: sa.Engine, *, tenant_code: str) -> list[tuple[str, str]]:
    """Every meter of a tenant with its class (``<service>-<kind>``), by serial."""
    query = (
        sa.select(t.meters.c.serial, t.meters.c.service, t.meters.c.kind)
        .join(t.tenants, t.tenants.c.id == t.meters.c.tenant_id)
        .where(t.tenants.c.code == tenant_code)
        .order_by(t.meters.c.serial)
    )
    with engine.connect() as connection:
        return [(r.serial, f"{r.service}-{r.kind}".lower()) for r in connection.execute(query)]


class FirstFound:
    """Ask several directories in turn (the database, then meters listed in a file)."""

    def __init__(self, *directories: ports.MeterDirectory) -> None:
        self._directories = directories

    def find(self, *, serial: str | None = None, nmi: str | None = None) -> metering.Meter | None:
        for directory in self._directories:
            meter = directory.find(serial=serial, nmi=nmi)
            if meter is not None:
                return meter
        return None
