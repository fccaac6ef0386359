"""What the tariff use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from urbis.application import ports
from urbis.domain import identity, tariffs


class TariffRepository(Protocol):
    """One utility's tariffs (the repository is bound to the tenant it serves)."""

    def get(self, code: str) -> tariffs.Tariff | None:
        """The tariff with this code and all its versions; None when unknown."""
        ...

    def list(self) -> Sequence[tariffs.Tariff]:
        """Every tariff, by code."""
        ...

    def add(self, tariff: tariffs.Tariff) -> None:
        """Store a new tariff with its versions."""
        ...

    def add_version(self, code: str, version: tariffs.Version) -> None:
        """
        Store one more version of a stored tariff; stored versions are never changed.

        :raises OverlappingVersions: if it overlaps a stored version (checked under a lock).
        :raises VersionNameTaken: if a stored version has its name.
        """
        ...


class TariffReader(Protocol):
    def __call__(self, *, document: Mapping[str, Any]) -> tariffs.Tariff:
        """
        Build a tariff from a document, checking schema and rules.

        Raises a ``DomainError`` naming the problem when the document is not a valid tariff.
        """
        ...


class TariffWriter(Protocol):
    def __call__(self, tariff: tariffs.Tariff) -> dict[str, Any]:
        """Write a tariff as a document in urbis's tariff format (reading it back gives it)."""
        ...


@attrs.frozen
class TariffsEnv:
    """The caller and the outside world the tariff use cases run against."""

    actor: identity.Actor
    clock: ports.Clock
    ids: ports.IdGenerator
    tariffs: TariffRepository
    audit: ports.AuditLog
    readers: Mapping[str, TariffReader]  # by document format: "urbis" and "urdb"
    writer: TariffWriter
