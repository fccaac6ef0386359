"""An in-memory tariff repository for use-case tests."""

from __future__ import annotations

from urbis.domain import tariffs


class InMemoryTariffs:
    def __init__(self) -> None:
        self.stored: dict[str, tariffs.Tariff] = {}

    def get(self, code: str) -> tariffs.Tariff | None:
        return self.stored.get(code)

    def add(self, tariff: tariffs.Tariff) -> None:
        self.stored[tariff.code] = tariff

    def add_version(self, code: str, version: tariffs.Version) -> None:
        self.stored[code] = self.stored[code].with_version(version=version)
