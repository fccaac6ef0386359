from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from urbis.application.metering import ports
from urbis.domain import metering


class FakeMeterDirectory:
    """Knows the given meters; with ``accept_all`` invents an interval meter for any name."""

    def __init__(self, meters: Sequence[metering.Meter] = (), *, accept_all: bool = False) -> None:
        self.meters = list(meters)
        self.accept_all = accept_all

    def find(self, *, serial: str | None = None, nmi: str | None = None) -> metering.Meter | None:
        for meter in self.meters:
            if (serial is not None and meter.serial == serial) or (
                nmi is not None and meter.nmi == nmi
            ):
                return meter
        if self.accept_all and serial is not None:
            return metering.Meter(
                serial=serial, meter_class="RES", kind=metering.MeterKind.INTERVAL
            )
        return None


class FakeExceptionQueue:
    def __init__(self) -> None:
        self.items: dict[str, ports.ReadException] = {}

    def add(self, items: Sequence[ports.ReadException]) -> None:
        for item in items:
            self.items[item.id] = item

    def get(self, exception_id: str) -> ports.ReadException | None:
        return self.items.get(exception_id)

    def list(self, *, status: str | None = None) -> tuple[ports.ReadException, ...]:
        return tuple(i for i in self.items.values() if status is None or i.status == status)

    def save(self, item: ports.ReadException) -> None:
        self.items[item.id] = attrs.evolve(item)


def meter(serial: str, *, nmi: str | None = None, dials: int = 5) -> metering.Meter:
    return metering.Meter(
        serial=serial,
        meter_class="RES",
        kind=metering.MeterKind.INTERVAL,
        multiplier=Decimal(1),
        dials=dials,
        nmi=nmi,
    )


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"X{self.n:04d}"
