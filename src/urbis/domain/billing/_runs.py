"""Bill runs: a cycle and period billed in account batches, each committed and recorded."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

import attrs

from urbis.domain.billing._bills import RunId
from urbis.kernel import errors, ids


class RunType(enum.Enum):
    TRIAL = "TRIAL"  # a sample: nothing posted, no bill issued
    FINAL = "FINAL"


class RunStatus(enum.Enum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"


class BillRunNotFound(errors.NotFound):
    code = "bill_run_not_found"


class BillRunCompleted(errors.Conflict):
    code = "bill_run_completed"


class InvalidBillRun(errors.InvalidValue):
    code = "invalid_bill_run"


@attrs.frozen
class BillRun:
    """A bill run and its counts so far."""

    id: RunId
    tenant_id: ids.TenantId
    cycle: str
    period: str
    run_type: RunType
    status: RunStatus
    started_at: datetime
    batch_size: int
    batches: int
    sample: int | None = None
    finished_at: datetime | None = None
    batches_done: int = 0
    agreements: int = 0
    bills: int = 0
    held: int = 0
    exceptions: int = 0
    validated_by: str | None = None
    """What decided which bills to hold: ``<pack> v<n>`` or the configured policy."""
    solidarity_by: str | None = None
    """What priced subsidies and contributions: ``<pack> v<n>`` or the tariffs' classes."""


@attrs.frozen
class Batch:
    """One account batch of a run: the accounts ``[first_account, last_account]``, in id order."""

    run_id: RunId
    number: int
    first_account: str
    last_account: str
    committed_at: datetime | None = None
    bills: int = 0
    held: int = 0
    exceptions: int = 0


def plan_batches(*, run_id: RunId, accounts: Sequence[str], batch_size: int) -> tuple[Batch, ...]:
    """
    Split the run's accounts (sorted, distinct) into batches of at most ``batch_size`` accounts.

    :raises InvalidBillRun: if the batch size is not positive.
    """
    if batch_size < 1:
        raise InvalidBillRun(
            "A batch holds at least one account", details={"batch_size": batch_size}
        )
    ordered = sorted(set(accounts))
    return tuple(
        Batch(
            run_id=run_id,
            number=number,
            first_account=ordered[start],
            last_account=ordered[min(start + batch_size, len(ordered)) - 1],
        )
        for number, start in enumerate(range(0, len(ordered), batch_size))
    )
