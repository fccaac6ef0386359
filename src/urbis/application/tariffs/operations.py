"""
Writes of the tariffs context: create a tariff, add a version, validate a document.

Every write needs a tariff role (``tariff_admin``, or ``admin``) and leaves an audit entry in
the same transaction; versions already stored are never edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from urbis.application import ports as shared_ports
from urbis.application.tariffs import ports
from urbis.domain import identity, tariffs
from urbis.kernel import errors

ENTITY = "tariff"
WRITERS = frozenset({identity.Role.TARIFF_ADMIN})
FORMATS = ("urbis", "urdb")


class TariffExists(errors.Conflict):
    code = "tariff_exists"


class TariffNotFound(errors.NotFound):
    code = "tariff_not_found"


class UnknownTariffFormat(errors.InvalidValue):
    code = "unknown_tariff_format"


def describe(tariff: tariffs.Tariff) -> dict[str, Any]:
    """Return a tariff's code, name, service, unit and versions as plain data."""
    return {
        "code": tariff.code,
        "name": tariff.name,
        "service": tariff.service,
        "unit": tariff.versions[0].unit if tariff.versions else None,
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


def read(*, env: ports.TariffsEnv, document: Mapping[str, Any], format: str) -> tariffs.Tariff:
    """
    Build a tariff from a document in one of the formats urbis reads.

    :raises UnknownTariffFormat: if the format is neither ``urbis`` nor ``urdb``.
    :raises InvalidTariffFile: (from the reader) if the document breaks the schema.
    :raises InvalidTariff: if it breaks a rule of the model.
    :raises MalformedUrdbRecord: if it is a URDB record that cannot be read.
    """
    reader = env.readers.get(format)
    if reader is None:
        raise UnknownTariffFormat(
            f"Unknown tariff format {format!r}; expected one of {', '.join(FORMATS)}",
            details={"format": format, "formats": list(FORMATS)},
        )
    return reader(document=document)


def validate_tariff(
    *,
    env: ports.TariffsEnv,
    document: Mapping[str, Any],
    format: str = "urbis",
) -> dict[str, Any]:
    """
    Check a tariff document without storing it.

    Returns ``{"valid": True, "tariff": ...}`` or ``{"valid": False, "error": {code, message,
    details}}``; it never raises for a bad document.

    :raises RoleRequired: if the actor is not staff.
    """
    identity.require_role(actor=env.actor, allowed=identity.STAFF_ROLES)
    try:
        tariff = read(env=env, document=document, format=format)
    except errors.DomainError as problem:
        return {
            "valid": False,
            "error": {"code": problem.code, "message": problem.message, "details": problem.details},
        }
    return {"valid": True, "tariff": describe(tariff)}


def _audit(
    env: ports.TariffsEnv, *, code: str, action: str, after: dict[str, Any], before: Any = None
) -> None:
    env.audit.record(
        shared_ports.AuditEntry(
            id=env.ids.new_id(),
            tenant_id=env.actor.tenant_id,
            actor_id=env.actor.user_id,
            at=env.clock.now(),
            entity=ENTITY,
            entity_id=code,
            action=action,
            before=before,
            after=after,
        )
    )


def create_tariff(
    *,
    env: ports.TariffsEnv,
    document: Mapping[str, Any],
    format: str = "urbis",
) -> dict[str, Any]:
    """
    Store a new tariff from a document in urbis's tariff format (or a URDB record).

    :raises RoleRequired: if the actor may not write tariffs.
    :raises UnknownTariffFormat: if the format is neither ``urbis`` nor ``urdb``.
    :raises InvalidTariff: if the document breaks a rule of the model.
    :raises InvalidTariffFile: (from the reader) if it breaks the schema.
    :raises MalformedUrdbRecord: if it is a URDB record that cannot be read.
    :raises TariffExists: if a tariff with that code is already stored.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tariff = read(env=env, document=document, format=format)
    if env.tariffs.get(tariff.code) is not None:
        raise TariffExists(f"Tariff {tariff.code} already exists", details={"code": tariff.code})
    env.tariffs.add(tariff)
    described = describe(tariff)
    _audit(env, code=tariff.code, action="create", after={**described, "format": format})
    return described


def add_version(*, env: ports.TariffsEnv, code: str, version: Mapping[str, Any]) -> dict[str, Any]:
    """
    Add one version (in urbis's tariff format) to a stored tariff; stored versions are untouched.

    :raises RoleRequired: if the actor may not write tariffs.
    :raises TariffNotFound: if no tariff has that code.
    :raises OverlappingVersions: if the version overlaps a stored one.
    :raises VersionNameTaken: if a stored version has its name.
    :raises InvalidTariff: if the version breaks a rule of the model.
    :raises InvalidTariffFile: (from the reader) if it breaks the schema.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    stored = env.tariffs.get(code)
    if stored is None:
        raise TariffNotFound(f"No tariff {code}", details={"code": code})
    unit = stored.versions[0].unit if stored.versions else "kWh"
    parsed = read(
        env=env,
        document={
            "format": "urbis-tariff/1",
            "code": code,
            "name": stored.name,
            "unit": unit,
            "versions": [dict(version)],
        },
        format="urbis",
    )
    new = parsed.versions[0]
    grown = stored.with_version(version=new)
    env.tariffs.add_version(code, new)
    before = describe(stored)
    after = describe(grown)
    _audit(env, code=code, action="add_version", before=before, after=after)
    return after
