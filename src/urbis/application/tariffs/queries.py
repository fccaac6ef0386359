"""Reads of the tariffs context: the tariffs a utility has, and one tariff with its document."""

from __future__ import annotations

from typing import Any

from urbis.application.tariffs import operations, ports
from urbis.domain import identity


def list_tariffs(*, env: ports.TariffsEnv) -> list[dict[str, Any]]:
    """
    Return every tariff of the actor's utility, by code, with its versions.

    :raises RoleRequired: if the actor is not staff.
    """
    identity.require_role(actor=env.actor, allowed=identity.STAFF_ROLES)
    return [operations.describe(t) for t in env.tariffs.list()]


def get_tariff(*, env: ports.TariffsEnv, code: str) -> dict[str, Any]:
    """
    Return one tariff with its versions and its document in urbis's tariff format.

    :raises RoleRequired: if the actor is not staff.
    :raises TariffNotFound: if no tariff has that code.
    """
    identity.require_role(actor=env.actor, allowed=identity.STAFF_ROLES)
    tariff = env.tariffs.get(code)
    if tariff is None:
        raise operations.TariffNotFound(f"No tariff {code}", details={"code": code})
    return {**operations.describe(tariff), "document": env.writer(tariff)}
