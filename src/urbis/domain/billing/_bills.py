"""Bills, their lines and their lifecycle: issued, held for review, cancelled (never edited)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import NewType

import attrs

from urbis.kernel import errors, ids
from urbis.kernel.money import Money

BillId = NewType("BillId", str)
RunId = NewType("RunId", str)

# Bill line kinds that are the utility's revenue (the rest are solidarity lines and taxes).
REVENUE_KINDS = ("ENERGY", "DEMAND", "FIXED", "MINIMUM", "EXPORT")


class BillStatus(enum.Enum):
    ISSUED = "ISSUED"
    HELD = "HELD"
    CANCELLED = "CANCELLED"
    TRIAL = "TRIAL"  # computed by a trial run: never issued, never posted


class BillNotFound(errors.NotFound):
    code = "bill_not_found"


class BillAlreadyCancelled(errors.Conflict):
    code = "bill_already_cancelled"


class BillNotHeld(errors.Conflict):
    code = "bill_not_held"


class BillNotCancellable(errors.Conflict):
    code = "bill_not_cancellable"


class RebillOfCancelledBill(errors.Conflict):
    code = "rebill_of_cancelled_bill"


@attrs.frozen
class BillLine:
    """One priced line of a bill, with the rating engine's explanation."""

    kind: str  # ENERGY, FIXED, MINIMUM, SUBSIDY, CONTRIBUTION, TAX, ...
    description: str
    amount: Money
    tariff: str  # code and version
    month: str = ""
    period: str = ""  # time-of-use period
    block: str = ""  # tier
    part: str = ""
    # what the line prices and at what, as the rating engine explained it (None: no single
    # quantity, e.g. a subsidy computed on another line)
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


@attrs.frozen
class Bill:
    """
    One agreement's bill for one period. Totals are per kind: the customer owes
    ``revenue - subsidy + contribution + taxes`` (= ``total``).
    """

    id: BillId
    tenant_id: ids.TenantId
    run_id: RunId
    agreement_id: ids.AgreementId
    account_id: ids.AccountId
    service: str
    period: str
    status: BillStatus
    currency: str
    revenue: Money
    subsidy: Money
    contribution: Money
    taxes: Money
    total: Money
    consumption: str  # exact decimal text, in the tariff's unit
    issue_date: date
    due_date: date
    created_at: datetime
    lines: tuple[BillLine, ...] = ()
    hold_reason: str | None = None
    estimated: bool = False
    previous_read: str | None = None
    current_read: str | None = None
    rebills: BillId | None = None  # the cancelled bill this one replaces
    entry_id: str | None = None  # the ledger entry that posted it
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    cancel_entry_id: str | None = None


def cancel_bill(*, bill: Bill, at: datetime, reason: str, reversal_entry_id: str | None) -> Bill:
    """
    Return the bill cancelled (its figures untouched; a correction is a new bill).

    :raises BillAlreadyCancelled: if it is cancelled already.
    :raises BillNotCancellable: if it is a trial bill, which was never issued.
    """
    if bill.status is BillStatus.CANCELLED:
        raise BillAlreadyCancelled(
            f"Bill {bill.id} is already cancelled", details={"bill_id": bill.id}
        )
    if bill.status is BillStatus.TRIAL:
        raise BillNotCancellable(
            f"Bill {bill.id} is from a trial run and was never issued",
            details={"bill_id": bill.id},
        )
    return attrs.evolve(
        bill,
        status=BillStatus.CANCELLED,
        cancelled_at=at,
        cancel_reason=reason,
        cancel_entry_id=reversal_entry_id,
    )


def release_bill(*, bill: Bill, entry_id: str | None) -> Bill:
    """
    Return a held bill issued, posted by the ledger entry ``entry_id`` (``None`` for a bill
    with nothing to post: every amount zero).

    :raises BillNotHeld: if the bill is not held for review.
    """
    if bill.status is not BillStatus.HELD:
        raise BillNotHeld(
            f"Bill {bill.id} is {bill.status.value}, not held",
            details={"bill_id": bill.id, "status": bill.status.value},
        )
    return attrs.evolve(bill, status=BillStatus.ISSUED, hold_reason=None, entry_id=entry_id)
