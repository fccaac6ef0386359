"""File-backed meter directory and exceptions queue, for the embedded set-up and the CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from urbis.application.metering import ports
from urbis.domain import metering


class JsonMeterDirectory:
    """Meters listed in a JSON file: ``[{"serial", "meter_class", "kind", ...}]``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _meters(self) -> list[metering.Meter]:
        if not self.path.exists():
            return []
        return [
            metering.Meter(
                serial=item["serial"],
                meter_class=item.get("meter_class", metering.DEFAULT_CLASS),
                kind=metering.MeterKind(item.get("kind", "INTERVAL")),
                multiplier=Decimal(str(item.get("multiplier", "1"))),
                dials=int(item.get("dials", 6)),
                nmi=item.get("nmi"),
            )
            for item in json.loads(self.path.read_text())
        ]

    def find(self, *, serial: str | None = None, nmi: str | None = None) -> metering.Meter | None:
        for meter in self._meters():
            if serial is not None and meter.serial == serial:
                return meter
            if nmi is not None and meter.nmi == nmi:
                return meter
        return None


def _encode(item: ports.ReadException) -> dict[str, Any]:
    data = attrs.asdict(item)
    for key in ("start", "raised_at", "reviewed_at"):
        if data[key] is not None:
            data[key] = data[key].isoformat()
    return data


def _decode(data: dict[str, Any]) -> ports.ReadException:
    for key in ("start", "raised_at", "reviewed_at"):
        if data[key] is not None:
            data[key] = datetime.fromisoformat(data[key])
    return ports.ReadException(**data)


class JsonExceptionQueue:
    """The exceptions queue as one JSON file (rewritten whole through a temporary file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, ports.ReadException]:
        if not self.path.exists():
            return {}
        return {d["id"]: _decode(d) for d in json.loads(self.path.read_text())}

    def _dump(self, items: dict[str, ports.ReadException]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps([_encode(i) for i in items.values()], indent=1))
        temporary.replace(self.path)

    def add(self, items: Sequence[ports.ReadException]) -> None:
        current = self._load()
        current.update({i.id: i for i in items})
        self._dump(current)

    def get(self, exception_id: str) -> ports.ReadException | None:
        return self._load().get(exception_id)

    def list(self, *, status: str | None = None) -> tuple[ports.ReadException, ...]:
        return tuple(i for i in self._load().values() if status is None or i.status == status)

    def save(self, item: ports.ReadException) -> None:
        current = self._load()
        current[item.id] = item
        self._dump(current)
