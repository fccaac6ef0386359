"""What the billing use cases need from the outside world (ADR 0006)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Protocol, TypeVar

import attrs
import polars as pl

from urbis.application import ports as shared
from urbis.application.ledger import ports as ledger_ports
from urbis.domain import billing, identity, tariffs
from urbis.kernel import ids

T = TypeVar("T")
R = TypeVar("R")


class AgreementSource(Protocol):
    """The agreements a cycle bills, with what rating needs to know of each (columnar)."""

    def accounts_due(
        self, *, tenant_id: ids.TenantId, cycle: str, period: billing.BillingPeriod
    ) -> Sequence[str]:
        """Ids of the accounts in the cycle with an agreement active in the period, sorted."""
        ...

    def tariff_codes_due(
        self, *, tenant_id: ids.TenantId, cycle: str, period: billing.BillingPeriod
    ) -> Sequence[str]:
        """The distinct tariff codes of the agreements the cycle bills in the period."""
        ...

    def agreements_due(
        self,
        *,
        tenant_id: ids.TenantId,
        cycle: str,
        period: billing.BillingPeriod,
        first_account: str,
        last_account: str,
    ) -> pl.DataFrame:
        """Agreements (``billing.AGREEMENTS_SCHEMA``) of the accounts in ``[first, last]``."""
        ...

    def agreement(
        self, *, tenant_id: ids.TenantId, agreement_id: str, period: billing.BillingPeriod
    ) -> pl.DataFrame:
        """One agreement as a one-row frame (for a rebill); empty if it was not active."""
        ...


class TariffSource(Protocol):
    def get(self, code: str) -> tariffs.Tariff | None:
        """The tariff with this code and all its versions; None when unknown."""
        ...


class ReadSource(Protocol):
    """Latest versions of meter reads for some meters (metering's stores behind it)."""

    def register_reads(self, *, meters: Sequence[str]) -> pl.DataFrame:
        """Latest register reads (``billing.READS_SCHEMA``) of these meters."""
        ...

    def interval_usage(
        self, *, meters: Sequence[str], period: billing.BillingPeriod, timezone: str
    ) -> pl.DataFrame:
        """Latest interval versions (``billing.USAGE_SCHEMA``) of these meters in the period."""
        ...


class PartitionRunner(Protocol):
    """Runs the partition function over batches: in this process, a process pool or Dask."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Results in the order of ``items``, computed ahead by the runner's workers."""
        ...


BillValidator = Callable[[pl.DataFrame], pl.DataFrame]
"""Answers ``action`` and ``reason`` per row of a frame of ``billing.VALIDATION_INPUTS``."""


@attrs.frozen
class Validation:
    """What validates a run's bills, and how the run names it (``validated_by``)."""

    validate: BillValidator
    source: str


ValidationRules = Callable[[ids.TenantId, date, str | None], Validation | None]
"""
The tenant's published ``bill_validation`` pack in force on a date, ready to validate frames;
None when the tenant has none in force. Given a version's label (``<pack> v<n>``, what a run
recorded when it started), that version instead.
"""

SolidarityAnswerer = Callable[[pl.DataFrame], pl.DataFrame]
"""
Answers ``kind``, ``factor`` and ``limit`` (``subsidy_factor``'s output) per row of a frame of
``service``, ``use_class``, ``stratum`` and ``altitude_m``, in the frame's row order.
"""


@attrs.frozen
class Solidarity:
    """What prices a run's subsidies and contributions, and how the run names it."""

    answer: SolidarityAnswerer
    source: str


SolidarityRules = Callable[[ids.TenantId, date, str | None], Solidarity | None]
"""
The tenant's published ``subsidy_factor`` pack in force on a date, ready to answer frames; None
when the tenant has none in force (the tariffs' solidarity classes price the run). Given a
version's label (what a run recorded when it started), that version instead.
"""


@attrs.frozen
class BatchWrites:
    """
    What one batch of a bill run stores, in one transaction: its bills (the bills table's
    columns), their lines, the run's exceptions, and for a final run the journal entries and
    postings of its issued bills (None for a trial run).
    """

    bills: pl.DataFrame
    lines: pl.DataFrame
    exceptions: pl.DataFrame
    heads: pl.DataFrame | None = None
    postings: pl.DataFrame | None = None


Stager = Callable[[BatchWrites], object]
"""
Makes a batch's writes ready for ``BillingStore.write_staged`` without a transaction (a
database's adapter converts them for its driver ahead, off the writing thread); what it returns
is written once or dropped.
"""


def unstaged(writes: BatchWrites) -> object:
    """The stager for stores that take ``BatchWrites`` as they are."""
    return writes


class BillingStore(Protocol):
    """Billing's records inside one transaction, with the ledger and the audit log."""

    ledger: ledger_ports.LedgerRepository
    audit: shared.AuditLog

    def tenant(self, tenant_id: ids.TenantId) -> tuple[str, str]:
        """The tenant's time zone and currency."""
        ...

    def cycle(self, tenant_id: ids.TenantId, code: str) -> billing.BillCycle | None: ...
    def cycles(self, tenant_id: ids.TenantId) -> Sequence[billing.BillCycle]: ...
    def save_cycle(self, tenant_id: ids.TenantId, cycle: billing.BillCycle) -> None: ...
    def add_run(self, run: billing.BillRun, batches: Sequence[billing.Batch]) -> None: ...
    def run(self, tenant_id: ids.TenantId, run_id: str) -> billing.BillRun | None: ...
    def update_run(self, run: billing.BillRun) -> None: ...
    def batches(self, run_id: str) -> Sequence[billing.Batch]: ...
    def commit_batch(self, batch: billing.Batch) -> None: ...
    def solidarity_bases(self, tenant_id: ids.TenantId, run_id: str) -> pl.DataFrame:
        """
        What the bills a run made itself (not rebills) priced solidarity on: ``agreement_id``,
        ``account_id``, ``service``, ``consumption_milli``, ``energy`` (its energy lines, minor
        units) and ``subsidised_milli`` (the quantity its energy subsidy line covered; null
        when it has none).
        """
        ...

    def history(
        self,
        tenant_id: ids.TenantId,
        agreement_ids: Sequence[str],
        before: str,
        *,
        accounts: tuple[str, str] | None = None,
    ) -> pl.DataFrame:
        """
        Issued final bills of these agreements before a period: the last six of each
        (agreement_id, period, consumption_milli, estimated). ``accounts``, when given, is the
        first and last account id the agreements belong to (a bill run's batch): the bills are
        then found by account, whatever the agreements' ids.
        """
        ...

    def write_bills(self, bills: pl.DataFrame, lines: pl.DataFrame) -> None:
        """Bulk-insert bill rows and their lines (frames in the tables' columns)."""
        ...

    def write_staged(self, staged: object) -> None:
        """A batch's writes, as the environment's ``Stager`` made them (or ``BatchWrites``)."""
        ...

    def bill(self, tenant_id: ids.TenantId, bill_id: str) -> billing.Bill | None: ...
    def update_bill(self, bill: billing.Bill) -> None: ...
    def bills_of_account(
        self, tenant_id: ids.TenantId, account_id: str
    ) -> Sequence[billing.Bill]: ...
    def bills_of_run(
        self, tenant_id: ids.TenantId, run_id: str, status: billing.BillStatus | None
    ) -> Sequence[billing.Bill]: ...
    def exceptions_of_run(self, run_id: str) -> pl.DataFrame: ...
    def last_final_run(self, tenant_id: ids.TenantId) -> billing.BillRun | None:
        """The tenant's most recently started final run that completed."""
        ...


BillingUnit = Callable[[], contextlib.AbstractContextManager[BillingStore]]


@attrs.frozen
class BillingEnv:
    """The caller and the outside world the billing use cases run against."""

    tenant_id: ids.TenantId
    actor_id: str
    roles: frozenset[identity.Role]
    clock: shared.Clock
    ids: shared.IdGenerator
    store: BillingUnit
    agreements: AgreementSource
    tariffs: TariffSource
    reads: ReadSource
    runner: PartitionRunner
    validator: BillValidator | None = None  # given: it validates, whatever the rules say
    rules: ValidationRules | None = None  # the published pack; none in force: the policy
    solidarity: SolidarityRules | None = None  # the published pack; none: the tariffs' classes
    policy: billing.ValidationPolicy = attrs.field(factory=billing.ValidationPolicy)
    batch_size: int = 5000
    # batches written at once, each in its own unit (transaction and connection): more than one
    # only where the database takes concurrent writers (PostgreSQL; SQLite has one writer)
    writers: int = 1
    # makes each batch's writes ready while the previous batch is being written
    stage: Stager = unstaged
