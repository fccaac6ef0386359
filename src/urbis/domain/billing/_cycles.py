"""Bill cycles and billing periods: when a group of accounts is read, billed and falls due."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

import attrs

from urbis.kernel import errors

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class InvalidBillCycle(errors.InvalidValue):
    code = "invalid_bill_cycle"


class InvalidBillingPeriod(errors.InvalidValue):
    code = "invalid_billing_period"


@attrs.frozen
class BillingPeriod:
    """A calendar month billed as one period, ``[start, end)`` in the utility's local days."""

    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        days = calendar.monthrange(self.year, self.month)[1]
        return self.start + timedelta(days=days)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> BillingPeriod:
        """The month before this one."""
        return billing_period(label=(self.start - timedelta(days=1)).strftime("%Y-%m"))


def billing_period(*, label: str) -> BillingPeriod:
    """
    Read a billing period written ``YYYY-MM``.

    :raises InvalidBillingPeriod: if the text is not a month of a year from 2000 to 2999.
    """
    found = _PERIOD.match(label.strip()) if isinstance(label, str) else None
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise InvalidBillingPeriod(
            f"A billing period is written YYYY-MM, not {label!r}", details={"period": label}
        )
    return BillingPeriod(int(found.group(1)), int(found.group(2)))


@attrs.frozen
class BillCycle:
    """
    A group of accounts read and billed on the same days (a reading route).

    ``read_day`` and ``bill_day`` are days of the month after the period (clamped to its last
    day); the bill falls due ``due_days`` after it is issued and, unpaid, the service may be
    suspended ``suspension_days`` after the due date.
    """

    code: str
    read_day: int
    bill_day: int
    due_days: int
    suspension_days: int
    name: str = ""

    def __attrs_post_init__(self) -> None:
        problems = []
        if not _CODE.match(self.code):
            problems.append("code must be 1-16 capital letters, digits, '-' or '_'")
        if not 1 <= self.read_day <= 28:
            problems.append("read day must be 1 to 28")
        if not 1 <= self.bill_day <= 28 or self.bill_day < self.read_day:
            problems.append("bill day must be 1 to 28 and not before the read day")
        if not 1 <= self.due_days <= 90:
            problems.append("due days must be 1 to 90")
        if not 0 <= self.suspension_days <= 180:
            problems.append("suspension days must be 0 to 180")
        if problems:
            raise InvalidBillCycle(
                f"Bill cycle {self.code!r}: " + "; ".join(problems),
                details={"code": self.code, "problems": problems},
            )

    def read_date(self, period: BillingPeriod) -> date:
        """The day the period's closing reads are due."""
        return period.end.replace(day=self.read_day)

    def bill_date(self, period: BillingPeriod) -> date:
        """The day the period's bills are issued."""
        return period.end.replace(day=self.bill_day)

    def due_date(self, period: BillingPeriod) -> date:
        """The day the period's bills fall due."""
        return self.bill_date(period) + timedelta(days=self.due_days)

    def suspension_date(self, period: BillingPeriod) -> date:
        """The first day an unpaid bill of the period may lead to suspension."""
        return self.due_date(period) + timedelta(days=self.suspension_days)
