"""Ports of the customer portal: the payment gateway, the payment hand-off and its records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import attrs

from urbis.application import ports
from urbis.application._support import Env
from urbis.application.engagement import operations as engagement_ops
from urbis.application.engagement import ports as engagement_ports
from urbis.application.metering import ports as metering_ports
from urbis.domain import engagement, portal
from urbis.kernel import ids
from urbis.kernel.money import Money


@attrs.frozen
class GatewayAnswer:
    """What a payment gateway answered: approved with its reference, or declined with a code."""

    approved: bool
    reference: str = ""
    decline_code: str = ""


class PaymentGateway(Protocol):
    """Charges a card. Asked twice with one idempotency key, it charges once."""

    def charge(
        self, *, card_number: str, amount: Money, description: str, idempotency_key: str
    ) -> GatewayAnswer: ...


class RecordPayment(Protocol):
    """Hands an approved charge to whoever posts payments (the payments context)."""

    def __call__(
        self, account_id: ids.AccountId, amount: Money, reference: str, idempotency_key: str
    ) -> None: ...


class ChargeRepository(Protocol):
    def add(self, charge: portal.Charge) -> None: ...
    def by_key(self, tenant_id: ids.TenantId, idempotency_key: str) -> portal.Charge | None: ...
    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[portal.Charge]: ...


@attrs.frozen
class ReadingPhoto:
    """A customer's photo of a meter's dial, kept as evidence of the reading it goes with."""

    id: str
    tenant_id: ids.TenantId
    party_id: ids.PartyId
    meter: str
    register: str
    read_at: datetime
    photo: portal.Photo
    received_at: datetime


class PhotoRepository(Protocol):
    def add(self, photo: ReadingPhoto) -> None: ...
    def get(self, tenant_id: ids.TenantId, photo_id: str) -> ReadingPhoto | None: ...
    def for_meter(self, tenant_id: ids.TenantId, meter: str) -> Sequence[ReadingPhoto]: ...


class PreferenceRepository(Protocol):
    def get(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> engagement.Preferences | None: ...
    def save(
        self,
        tenant_id: ids.TenantId,
        party_id: ids.PartyId,
        preferences: engagement.Preferences,
        at: datetime,
    ) -> None: ...


class BillDirectory(Protocol):
    """The account's bills, when the billing context has some to show."""

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[dict[str, object]]: ...


@attrs.frozen
class PortalEnv:
    """
    A customer's portal session inside one transaction: the foundation's environment (reads and
    the actor), the portal's repositories and the audit log bound to the same connection.
    """

    env: Env
    audit: ports.AuditLog
    charges: ChargeRepository
    photos: PhotoRepository
    preferences: PreferenceRepository
    bills: BillDirectory
    engagement: engagement_ports.EngagementEnv
    notifications: engagement_ops.NotifyEnv
    gateway: PaymentGateway
    record_payment: RecordPayment
    meters: metering_ports.MeterDirectory
    registers: metering_ports.RegisterReadStore
    intervals: metering_ports.IntervalStore
    currency: str = "COP"
