"""What the tariff use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from urbis.domain import tariffs


class TariffRepository(Protocol):
    def get(self, code: str) -> tariffs.Tariff | None:
        """The tariff with this code and all its versions; None when unknown."""
        ...

    def add(self, tariff: tariffs.Tariff) -> None:
        """Store a new tariff with its versions."""
        ...

    def add_version(self, code: str, version: tariffs.Version) -> None:
        """Store one more version of a stored tariff; stored versions are never changed."""
        ...


class TariffReader(Protocol):
    def __call__(self, *, document: Mapping[str, Any]) -> tariffs.Tariff:
        """
        Build a tariff from a document in urbis's tariff format, checking schema and rules.

        Raises a ``DomainError`` naming the problem when the document is not a valid tariff.
        """
        ...
