"""
Composition of the city services context: utility faults reported through Open311 become
field service orders through the service orders use cases, in the Open311 request's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import repositories as r
from urbis.adapters.open311 import catalogue as catalogue_file
from urbis.application.service_orders import operations as order_ops
from urbis.bootstrap import service_orders as order_wiring
from urbis.domain import city_services, identity, service_orders
from urbis.kernel import ids

SOURCE_PREFIX = "open311:"
CATALOGUE_SETTING = "URBIS_OPEN311_CATALOGUE"


def catalogue_from_settings(settings: Mapping[str, str]) -> city_services.Catalogue:
    """
    The city's Open311 service catalogue: the YAML file ``URBIS_OPEN311_CATALOGUE`` names, or
    the demo city's (Medellín) when it is not set.

    :raises InvalidCatalogue: naming the setting and the file, if the file is missing,
        unreadable or not a valid catalogue.
    """
    named = settings.get(CATALOGUE_SETTING, "").strip()
    if not named:
        return catalogue_file.load_catalogue_file()
    path = Path(named)
    where = f"{CATALOGUE_SETTING}={named}"
    if not path.is_file():
        raise city_services.InvalidCatalogue(
            f"{where}: no such file", details={"setting": CATALOGUE_SETTING, "path": named}
        )
    try:
        return catalogue_file.load_catalogue_file(path)
    except city_services.InvalidCatalogue as exc:
        raise city_services.InvalidCatalogue(
            f"{where}: {exc.message}", details={"setting": CATALOGUE_SETTING, "path": named}
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise city_services.InvalidCatalogue(
            f"{where}: the file cannot be read ({exc})",
            details={"setting": CATALOGUE_SETTING, "path": named},
        ) from None


class ServiceOrderFieldWork:
    """
    The ``FieldWork`` port over the service orders context: an inspection order for the
    account the resident names (by account number), its source ``open311:<case id>``.
    """

    def __init__(
        self, *, container: bootstrap.App, actor: identity.Actor, connection: sa.Connection
    ) -> None:
        self._container = container
        self._actor = actor
        self._connection = connection

    def request_service_order(
        self,
        *,
        tenant_id: str,
        team: str,
        case_id: str,
        description: str,
        location: city_services.Location,
        account_number: str | None,
    ) -> str | None:
        if account_number is None:
            return None
        tenant = ids.TenantId(tenant_id)
        accounts = r.AccountRepository(self._connection)
        account = accounts.by_number(tenant, account_number)
        if account is None:
            raise city_services.InvalidRequestField(
                f"account_id {account_number} is not an account of this utility",
                details={"field": "account_id", "account_id": account_number},
            )
        env = order_wiring.database_env(
            container=self._container, actor=self._actor, connection=self._connection
        )
        order = order_ops.create_order(
            env=env,
            account_id=account.id,
            kind=service_orders.OrderKind.INSPECTION,
            reason=f"[{team}] {description}",
            source=f"{SOURCE_PREFIX}{case_id}",
        )
        return str(order.id)


def field_work(
    *, container: bootstrap.App, actor: identity.Actor, connection: sa.Connection
) -> ServiceOrderFieldWork:
    """Field work for Open311 utility faults, inside the caller's transaction (``connection``)."""
    return ServiceOrderFieldWork(container=container, actor=actor, connection=connection)
