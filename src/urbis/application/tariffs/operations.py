"""Writes of the tariffs context: one keyword-only function per use case, plain data in and out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from urbis.application.tariffs import ports
from urbis.domain import tariffs
from urbis.kernel import errors


class TariffExists(errors.Conflict):
    code = "tariff_exists"


class TariffNotFound(errors.NotFound):
    code = "tariff_not_found"


def describe(tariff: tariffs.Tariff) -> dict[str, Any]:
    """Return a tariff's code, name and versions as plain data."""
    return {
        "code": tariff.code,
        "name": tariff.name,
        "versions": [
            {
                "version": v.version,
                "active_from": v.active.start.isoformat(),
                "active_to": None if v.active.end is None else v.active.end.isoformat(),
                "currency": v.currency,
            }
            for v in tariff.versions
        ],
    }


def validate_tariff(*, reader: ports.TariffReader, document: Mapping[str, Any]) -> dict[str, Any]:
    """
    Check a tariff document without storing it.

    Returns ``{"valid": True, "tariff": ...}`` or ``{"valid": False, "error": {code, message,
    details}}``; it never raises for a bad document.
    """
    try:
        tariff = reader(document=document)
    except errors.DomainError as problem:
        return {
            "valid": False,
            "error": {"code": problem.code, "message": problem.message, "details": problem.details},
        }
    return {"valid": True, "tariff": describe(tariff)}


def create_tariff(
    *, repository: ports.TariffRepository, reader: ports.TariffReader, document: Mapping[str, Any]
) -> dict[str, Any]:
    """
    Store a new tariff from a document in urbis's tariff format.

    :raises InvalidTariff: if the document breaks a rule of the model.
    :raises InvalidTariffFile: (from the reader) if it breaks the schema.
    :raises TariffExists: if a tariff with that code is already stored.
    """
    tariff = reader(document=document)
    if repository.get(tariff.code) is not None:
        raise TariffExists(f"Tariff {tariff.code} already exists", details={"code": tariff.code})
    repository.add(tariff)
    return describe(tariff)


def add_version(
    *,
    repository: ports.TariffRepository,
    reader: ports.TariffReader,
    code: str,
    version: Mapping[str, Any],
) -> dict[str, Any]:
    """
    Add one version to a stored tariff; the versions already stored are not touched.

    :raises TariffNotFound: if no tariff has that code.
    :raises InvalidTariff: if the version overlaps another, repeats a name or breaks a rule.
    :raises InvalidTariffFile: (from the reader) if it breaks the schema.
    """
    stored = repository.get(code)
    if stored is None:
        raise TariffNotFound(f"No tariff {code}", details={"code": code})
    unit = stored.versions[0].unit if stored.versions else "kWh"
    parsed = reader(
        document={
            "format": "urbis-tariff/1",
            "code": code,
            "name": stored.name,
            "unit": unit,
            "versions": [dict(version)],
        }
    )
    new = parsed.versions[0]
    grown = stored.with_version(version=new)
    repository.add_version(code, new)
    return describe(grown)
