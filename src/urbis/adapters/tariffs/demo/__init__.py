"""The demo utility's tariffs, as urbis tariff files (served until tariffs live in the database)."""

from __future__ import annotations

from importlib import resources

import attrs

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
                # the demo's other uses share the residential prices; their solidarity class
                # (commercial, industrial, official) decides the contribution
                for use in ("COM", "IND", "OFI"):
                    code = tariff.code.removesuffix("RES") + use
                    self._tariffs[code] = attrs.evolve(tariff, code=code)

    def get(self, code: str) -> tariffs.Tariff | None:
        return self._tariffs.get(code)

    def codes(self) -> list[str]:
        return sorted(self._tariffs)
