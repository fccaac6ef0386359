"""What the collections use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

import attrs
import polars as pl

from urbis.application import ports
from urbis.application._support import snapshot
from urbis.application.ledger import ports as ledger_ports
from urbis.application.rules import ports as rules_ports
from urbis.application.service_orders import ports as order_ports
from urbis.domain import collections, identity, rules
from urbis.kernel import ids
from urbis.kernel.money import Money


class ArrearsSource(Protocol):
    """The receivables ledger seen from collections: who owes what, overdue since when."""

    def overdue(
        self, tenant_id: ids.TenantId, as_of: date, account_ids: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """
        One row per account with receivable items past due on ``as_of``: ``account_id``,
        ``episode`` (the oldest overdue item), ``days_overdue`` (of that item),
        ``amount_overdue`` (Decimal, every overdue item's open amount) and ``currency``.
        """
        ...

    def still_open(
        self,
        tenant_id: ids.TenantId,
        account_id: ids.AccountId,
        items: Sequence[str],
        currency: str,
    ) -> Money:
        """What the account's receivable items still have unpaid (zero for unknown items)."""
        ...

    def overdue_items(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId, as_of: date
    ) -> tuple[str, ...]:
        """The account's receivable items past due and unpaid on ``as_of``."""
        ...


class AccountFacts(Protocol):
    def facts(self, tenant_id: ids.TenantId, account_ids: Sequence[str]) -> pl.DataFrame:
        """
        ``collections.FACTS`` for these accounts plus ``status`` (the account's status):
        segment and stratum of the premise supplied, its department and city, and whether a
        claim about the account is open.
        """
        ...


@attrs.frozen
class CollectionRun:
    """One run: when, for which day, under which policy version, and what it did."""

    id: str
    tenant_id: ids.TenantId
    as_of: date
    started_at: datetime
    finished_at: datetime
    actor_id: str
    policy: str
    candidates: int
    evaluations: int  # how many inputs the policy was asked about (distinct, not accounts)
    counts: dict[str, int]


class StepRepository(Protocol):
    def history(self, tenant_id: ids.TenantId) -> pl.DataFrame:
        """Every recorded step: ``collections.HISTORY``."""
        ...

    def add_steps(
        self, tenant_id: ids.TenantId, run_id: str, as_of: date, steps: pl.DataFrame
    ) -> None:
        """Record new steps (``collections.STEPS`` plus ``id`` and ``service_order_id``)."""
        ...

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> list[dict[str, Any]]:
        """An account's steps, oldest first, as plain data."""
        ...

    def suspensions(self, tenant_id: ids.TenantId) -> pl.DataFrame:
        """
        ``collections.SUSPENSIONS``: collections' suspension orders still pending, and those
        carried out on accounts that are still suspended.
        """
        ...

    def add_run(self, run: CollectionRun) -> None: ...
    def get_run(self, tenant_id: ids.TenantId, run_id: str) -> CollectionRun | None: ...
    def runs(self, tenant_id: ids.TenantId, limit: int) -> Sequence[CollectionRun]: ...


class ArrangementRepository(Protocol):
    def add(self, arrangement: collections.PaymentArrangement) -> None: ...
    def update(self, arrangement: collections.PaymentArrangement) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, arrangement_id: collections.ArrangementId
    ) -> collections.PaymentArrangement | None: ...
    def active(self, tenant_id: ids.TenantId) -> Sequence[collections.PaymentArrangement]: ...
    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[collections.PaymentArrangement]: ...


class ProtectionRepository(Protocol):
    def add_protection(self, protection: collections.Protection) -> None: ...
    def protections(self, tenant_id: ids.TenantId) -> Sequence[collections.Protection]: ...
    def add_hold(self, hold: collections.RegulatoryHold) -> None: ...
    def holds(self, tenant_id: ids.TenantId) -> Sequence[collections.RegulatoryHold]: ...


class PromiseRepository(Protocol):
    def add(self, promise: collections.PaymentPromise) -> None: ...
    def update(self, promise: collections.PaymentPromise) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, promise_id: collections.PromiseId
    ) -> collections.PaymentPromise | None: ...
    def open(self, tenant_id: ids.TenantId) -> Sequence[collections.PaymentPromise]: ...
    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[collections.PaymentPromise]: ...


class Receivables(Protocol):
    """The account's receivables as a promise sees them: what is owed, what was paid since."""

    def owed(self, tenant_id: ids.TenantId, account_id: ids.AccountId, currency: str) -> Money:
        """Everything the account owes today, due or not (zero when it owes nothing)."""
        ...

    def paid_since(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId, since: datetime, currency: str
    ) -> Money:
        """What the account paid from an instant on (payments reversed since do not count)."""
        ...


class ContactLog(Protocol):
    """The customer's timeline, seen from collections: a note of what the customer said."""

    def log(
        self,
        *,
        tenant_id: ids.TenantId,
        account_id: ids.AccountId,
        channel: str,
        summary: str,
        at: datetime,
    ) -> None:
        """Put an inbound interaction on the account holder's timeline."""
        ...


class PolicySource(Protocol):
    def policy(self, tenant_id: ids.TenantId, as_of: date) -> rules.PackVersion:
        """
        The ``collection_action`` pack version in force on a day.

        :raises NoPackInForce: if none answers then.
        """
        ...


@attrs.frozen
class CollectionsEnv:
    """
    The caller and the outside world of the collections use cases; repositories are bound to
    one transaction, so a run's steps, orders and audit entries commit together.
    """

    actor: identity.Actor
    clock: ports.Clock
    ids: ports.IdGenerator
    arrears: ArrearsSource
    facts: AccountFacts
    steps: StepRepository
    arrangements: ArrangementRepository
    protections: ProtectionRepository
    orders: order_ports.ServiceOrderRepository
    audit: ports.AuditLog
    engine: rules_ports.RuleEngine
    policy: PolicySource
    ledger: ledger_ports.LedgerRepository | None = None
    # payment promises (ADR 0049); a run without them judges none and holds no account back
    promises: PromiseRepository | None = None
    receivables: Receivables | None = None
    contacts: ContactLog | None = None
    ladder: collections.Ladder = attrs.field(factory=collections.Ladder)
    currency: str = "COP"

    def record(
        self,
        *,
        entity: str,
        entity_id: str,
        action: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Leave an audit entry for a write, in the same transaction as the write."""
        self.audit.record(
            ports.AuditEntry(
                id=self.ids.new_id(),
                tenant_id=self.actor.tenant_id,
                actor_id=self.actor.user_id,
                at=self.clock.now(),
                entity=entity,
                entity_id=entity_id,
                action=action,
                before=None if before is None else snapshot(before),
                after=None if after is None else snapshot(after),
            )
        )
