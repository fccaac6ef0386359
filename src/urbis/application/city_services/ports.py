"""Ports of the city services context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import attrs

from urbis.application import ports
from urbis.application.engagement import ports as engagement_ports
from urbis.domain import city_services


class ServiceRequestRepository(Protocol):
    def add(self, request: city_services.ServiceRequest) -> None: ...
    def update(self, request: city_services.ServiceRequest) -> None: ...
    def get(self, tenant_id: str, request_id: str) -> city_services.ServiceRequest | None: ...
    def by_token(self, tenant_id: str, token: str) -> city_services.ServiceRequest | None: ...
    def search(
        self,
        tenant_id: str,
        *,
        service_codes: Sequence[str],
        statuses: Sequence[city_services.RequestStatus],
        start: datetime,
        end: datetime,
        limit: int,
    ) -> Sequence[city_services.ServiceRequest]: ...


class ApiKeys(Protocol):
    def is_valid(self, key: str) -> bool:
        """Whether an Open311 client's api_key is known and not revoked."""
        ...


class FieldWork(Protocol):
    """Where utility faults reported by residents become field service orders."""

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
        """
        Create a service order for the fault, in the caller's transaction, and return its id;
        ``None`` when the report names no account (a service order always belongs to one).

        :raises InvalidRequestField: if the named account is not one of the utility's.
        """
        ...


@attrs.frozen
class Open311Env:
    tenant_id: str
    catalogue: city_services.Catalogue
    requests: ServiceRequestRepository
    api_keys: ApiKeys
    clock: ports.Clock
    ids: ports.IdGenerator
    engagement: engagement_ports.EngagementEnv
    field_work: FieldWork | None = None
