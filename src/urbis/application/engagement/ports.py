"""Ports of the engagement context: the customer directory, repositories and notifiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

import attrs

from urbis.application import ports
from urbis.domain import customers, engagement
from urbis.kernel import ids


class CustomerDirectory(Protocol):
    """Who a phone, an email, an account number or a document belongs to."""

    def by_phone(self, tenant_id: ids.TenantId, phone: str) -> Sequence[engagement.Match]: ...
    def by_email(self, tenant_id: ids.TenantId, email: str) -> Sequence[engagement.Match]: ...
    def by_account_number(
        self, tenant_id: ids.TenantId, number: str
    ) -> Sequence[engagement.Match]: ...
    def by_document(self, tenant_id: ids.TenantId, number: str) -> Sequence[engagement.Match]: ...
    def party(self, tenant_id: ids.TenantId, party_id: ids.PartyId) -> customers.Party | None: ...


class InteractionRepository(Protocol):
    def add(self, interaction: engagement.Interaction) -> None: ...
    def update(self, interaction: engagement.Interaction) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, interaction_id: engagement.InteractionId
    ) -> engagement.Interaction | None: ...
    def by_provider_id(
        self, tenant_id: ids.TenantId, channel: engagement.InteractionChannel, provider_id: str
    ) -> engagement.Interaction | None: ...
    def for_party(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[engagement.Interaction]: ...
    def unmatched(self, tenant_id: ids.TenantId) -> Sequence[engagement.Interaction]: ...
    def inbound_after(
        self, tenant_id: ids.TenantId, after: str, limit: int
    ) -> Sequence[engagement.Interaction]:
        """Inbound interactions logged after the one with id ``after`` (ids rise), oldest first."""
        ...

    def last_id(self, tenant_id: ids.TenantId) -> str:
        """The id of the latest interaction logged ("" when there is none)."""
        ...


class CaseRepository(Protocol):
    def add(self, case: engagement.Case) -> None: ...
    def update(self, case: engagement.Case) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, case_id: engagement.CaseId
    ) -> engagement.Case | None: ...
    def for_party(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[engagement.Case]: ...
    def awaiting_answer(self, tenant_id: ids.TenantId) -> Sequence[engagement.Case]: ...
    def next_sequence(self, tenant_id: ids.TenantId, year: int) -> int: ...


@attrs.frozen
class RejectedPayload:
    """A payload that could not be read, kept as it came for someone to review."""

    id: str
    tenant_id: ids.TenantId
    channel: engagement.InteractionChannel
    received_at: datetime
    raw: engagement.RawPayload
    error_code: str
    error: str
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None


class RejectedPayloadRepository(Protocol):
    def add(self, rejected: RejectedPayload) -> None: ...
    def list(self, tenant_id: ids.TenantId) -> Sequence[RejectedPayload]:
        """Every kept payload of the tenant, oldest first."""
        ...

    def get(self, tenant_id: ids.TenantId, payload_id: str) -> RejectedPayload | None: ...
    def mark_reviewed(self, rejected: RejectedPayload) -> None:
        """Store ``reviewed_at`` and ``reviewed_by`` (the rest of a kept payload never changes)."""
        ...


class OutboxRepository(Protocol):
    def add(self, message: engagement.OutboxMessage) -> None: ...
    def update(self, message: engagement.OutboxMessage) -> None: ...
    def due(self, as_at: datetime, limit: int) -> Sequence[engagement.OutboxMessage]: ...
    def by_dedupe_key(self, key: str) -> engagement.OutboxMessage | None: ...


class SuppressionLog(Protocol):
    def record(self, suppression: engagement.Suppressed) -> None: ...


class Notifier(Protocol):
    """Sends one rendered message on one channel; raises ``DeliveryFailed`` when it cannot."""

    channel: customers.Channel

    def send(self, message: engagement.OutboxMessage) -> str:
        """Send and return the provider's message id."""
        ...


@attrs.frozen
class Routing:
    queue: str
    priority: int
    by: str
    """The pack version that answered (``pack_key vN``)."""


class CaseRouting(Protocol):
    """The tenant's published ``case_routing`` pack in force (ADR 0036)."""

    def route(
        self, *, tenant_id: ids.TenantId, as_of: date, facts: Mapping[str, Any]
    ) -> Routing | None:
        """
        The queue and priority for a new case's facts; None when no pack is in force.

        :raises InvalidRuleInput: if the facts do not fit the question (naming the pack).
        :raises RuleEvaluationFailed: if the pack fails (naming the pack, version and node).
        """
        ...


@attrs.frozen
class EngagementEnv:
    """The caller and the outside world the engagement use cases run against."""

    tenant_id: ids.TenantId
    actor_id: str
    clock: ports.Clock
    ids: ports.IdGenerator
    directory: CustomerDirectory
    interactions: InteractionRepository
    cases: CaseRepository
    rejected: RejectedPayloadRepository
    calendar: engagement.BusinessCalendar
    policy: engagement.DeadlinePolicy = engagement.LEY_142
    # the tenant's case_routing pack; None where cases are not routed (tests in memory)
    routing: CaseRouting | None = None
