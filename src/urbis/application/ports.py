"""
Ports: what the application needs from the outside world, as Protocols.

Adapters implement them; bootstrap picks which; tests use fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

import attrs

from urbis.domain import accounts, customers, identity, premises
from urbis.kernel import ids


class Clock(Protocol):
    def now(self) -> datetime:
        """The current aware UTC instant."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new unique, time-ordered id."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


@attrs.frozen
class AuditEntry:
    """One write: who did what to which record, when, and the record before and after."""

    id: str
    tenant_id: ids.TenantId
    actor_id: str
    at: datetime
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@attrs.frozen
class Page:
    """A page of results: the rows, and the total matching count."""

    items: tuple[Any, ...]
    total: int
    limit: int
    offset: int


@attrs.frozen
class AccountHit:
    """One search result: enough to recognise the account and open it."""

    account_id: ids.AccountId
    account_number: str
    holder_name: str
    document: str
    address: str | None
    city: str | None
    status: str


class TenantRepository(Protocol):
    def add(self, tenant: identity.Tenant) -> None: ...
    def get(self, tenant_id: ids.TenantId) -> identity.Tenant | None: ...
    def by_code(self, code: str) -> identity.Tenant | None: ...
    def list(self) -> Sequence[identity.Tenant]: ...


class UserRepository(Protocol):
    def add(self, user: identity.User) -> None: ...
    def update(self, user: identity.User) -> None: ...
    def get(self, user_id: ids.UserId) -> identity.User | None: ...
    def by_username(self, tenant_id: ids.TenantId, username: str) -> identity.User | None: ...


class PartyRepository(Protocol):
    def add(self, party: customers.Party) -> None: ...
    def update(self, party: customers.Party) -> None: ...
    def get(self, tenant_id: ids.TenantId, party_id: ids.PartyId) -> customers.Party | None: ...
    def by_document(
        self, tenant_id: ids.TenantId, document: customers.IdentityDocument
    ) -> customers.Party | None: ...
    def search(self, tenant_id: ids.TenantId, text: str, limit: int, offset: int) -> Page: ...


class PremiseRepository(Protocol):
    def add(self, premise: premises.Premise) -> None: ...
    def update(self, premise: premises.Premise) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, premise_id: ids.PremiseId
    ) -> premises.Premise | None: ...
    def search(self, tenant_id: ids.TenantId, text: str, limit: int, offset: int) -> Page: ...


class ServicePointRepository(Protocol):
    def add(self, point: premises.ServicePoint) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, point_id: ids.ServicePointId
    ) -> premises.ServicePoint | None: ...
    def for_premise(
        self, tenant_id: ids.TenantId, premise_id: ids.PremiseId
    ) -> Sequence[premises.ServicePoint]: ...


class MeterRepository(Protocol):
    def add(self, meter: premises.Meter) -> None: ...
    def update(self, meter: premises.Meter) -> None: ...
    def get(self, tenant_id: ids.TenantId, meter_id: ids.MeterId) -> premises.Meter | None: ...
    def by_serial(self, tenant_id: ids.TenantId, serial: str) -> premises.Meter | None: ...
    def add_installation(
        self, tenant_id: ids.TenantId, installation: premises.MeterInstallation
    ) -> None: ...
    def close_installation(
        self, tenant_id: ids.TenantId, installation: premises.MeterInstallation
    ) -> None: ...
    def installations_of_meter(
        self, tenant_id: ids.TenantId, meter_id: ids.MeterId
    ) -> Sequence[premises.MeterInstallation]: ...
    def installations_at_point(
        self, tenant_id: ids.TenantId, point_id: ids.ServicePointId
    ) -> Sequence[premises.MeterInstallation]: ...


class AccountRepository(Protocol):
    def add(self, account: accounts.Account) -> None: ...
    def update(self, account: accounts.Account) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> accounts.Account | None: ...
    def by_number(self, tenant_id: ids.TenantId, number: str) -> accounts.Account | None: ...
    def for_holder(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[accounts.Account]: ...
    def next_sequence(self, tenant_id: ids.TenantId) -> int: ...
    def search(self, tenant_id: ids.TenantId, text: str, limit: int, offset: int) -> Page: ...


class AgreementRepository(Protocol):
    def add(self, agreement: accounts.ServiceAgreement) -> None: ...
    def update(self, agreement: accounts.ServiceAgreement) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, agreement_id: ids.AgreementId
    ) -> accounts.ServiceAgreement | None: ...
    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[accounts.ServiceAgreement]: ...
    def for_point(
        self, tenant_id: ids.TenantId, point_id: ids.ServicePointId
    ) -> Sequence[accounts.ServiceAgreement]: ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    def for_entity(
        self, tenant_id: ids.TenantId, entity: str, entity_id: str
    ) -> Sequence[AuditEntry]: ...


class UnitOfWork(Protocol):
    """One atomic transaction over every repository: all writes commit together or none do."""

    tenants: TenantRepository
    users: UserRepository
    parties: PartyRepository
    premises: PremiseRepository
    service_points: ServicePointRepository
    meters: MeterRepository
    accounts: AccountRepository
    agreements: AgreementRepository
    audit: AuditLog

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
