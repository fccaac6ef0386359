"""The demo utility's tariffs, as urbis tariff files (served until tariffs live in the database)."""

from __future__ import annotations

from importlib import resources

from urbis.adapters.tariffs import files
from urbis.domain import tariffs


class DemoTariffs:
    """A read-only tariff repository over the YAML files beside this module."""

    def __init__(self) -> None:
        self._tariffs: dict[str, tariffs.Tariff] = {}
        for entry in resources.files(__package__).iterdir():
            if entry.name.endswith(".yaml"):
                tariff = files.load_tariff(text=entry.read_text("utf-8"))
                self._tariffs[tariff.code] = tariff

    def get(self, code: str) -> tariffs.Tariff | None:
        return self._tariffs.get(code)

    def codes(self) -> list[str]:
        return sorted(self._tariffs)
