"""
The bill document: everything a printed or PDF bill shows, as plain frozen values.

It is independent of how bills are stored: a bill run (or a demo, or a test) builds a
``BillDocument`` and a ``BillRenderer`` turns it into PDF bytes. Construction checks what
Ley 142 de 1994 art. 148 needs on every bill (a reading or the note explaining the estimate,
dates in order, lines that add up to the total), so a renderer never has to guess.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

import attrs

from urbis.domain import customers, premises, rating
from urbis.kernel import errors, money
from urbis.kernel.money import Money
from urbis.kernel.periods import Period
from urbis.kernel.quantities import Unit

LANGUAGES = ("es", "en")
# Colombian bills show the last six periods' consumption (Ley 142 art. 148 asks for the
# customer's history so that they can compare).
HISTORY_PERIODS = 6
# GS1 AI (8020) takes up to 25 characters; urbis payment references are digits only so that
# the whole barcode stays in Code 128's compact numeric code set.
MAX_REFERENCE_DIGITS = 24
_NIT = re.compile(r"^\d{6,10}-\d$")
_GLN = re.compile(r"^\d{13}$")


class InvalidBillDocument(errors.InvalidValue):
    code = "invalid_bill_document"


class BillTotalMismatch(errors.InvalidValue):
    code = "bill_total_mismatch"


class UnableToRenderBill(errors.InvalidValue):
    """A renderer could not lay the document out (for example its payment barcode)."""

    code = "unable_to_render_bill"


class LineKind(enum.Enum):
    """What a bill line is; subsidy and contribution are lines of their own (Ley 142 art. 89)."""

    CONSUMPTION = "CONSUMPTION"
    FIXED = "FIXED"
    SUBSIDY = "SUBSIDY"
    CONTRIBUTION = "CONTRIBUTION"
    TAX = "TAX"
    OTHER = "OTHER"


def _fail(message: str, **details: object) -> InvalidBillDocument:
    return InvalidBillDocument(message, details=details)


def gs1_check_digit(*, body: str) -> int:
    """
    Return the GS1 mod-10 check digit of a GLN/GTIN body (weights 3, 1, 3, ... from the right).

    :raises InvalidBillDocument: if the body is empty or not all digits.
    """
    if not body.isdigit():
        raise _fail("A GS1 key body must be digits", body=body)
    weighted = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - weighted % 10) % 10


@attrs.frozen(kw_only=True)
class Company:
    """The utility that issues the bill."""

    name: str
    nit: str  # with its check digit: 890904996-1
    address: str
    phone: str
    gln: str  # the GS1 Global Location Number the collecting banks know the utility by
    payment_url: str  # where the QR code takes a customer to pay
    website: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.name.strip():
            raise _fail("The company needs a name")
        if not _NIT.match(self.nit):
            raise _fail("The company NIT must look like 890904996-1", nit=self.nit)
        base, check = self.nit.split("-")
        if customers.nit_check_digit(base) != int(check):
            raise _fail("The company NIT's check digit is wrong", nit=self.nit)
        if not _GLN.match(self.gln) or gs1_check_digit(body=self.gln[:-1]) != int(self.gln[-1]):
            raise _fail("The company GLN must be 13 digits with a valid check digit", gln=self.gln)


@attrs.frozen(kw_only=True)
class BillLine:
    """One charge on the bill: a block of consumption, the fixed charge, a subsidy, a tax."""

    kind: LineKind
    description: str
    amount: Money
    quantity: Decimal | None = None
    unit: Unit | None = None
    unit_price: Decimal | None = None  # at tariff precision, not rounded to minor units

    def __attrs_post_init__(self) -> None:
        if not self.description.strip():
            raise _fail("A bill line needs a description")
        if (self.quantity is None) != (self.unit_price is None):
            raise _fail(
                "A bill line has both a quantity and a unit price, or neither",
                description=self.description,
            )
        if self.quantity is not None and self.unit is None and self.kind is LineKind.CONSUMPTION:
            raise _fail("A consumption line needs its unit", description=self.description)


@attrs.frozen(kw_only=True)
class MeterReading:
    """
    The readings that measured the period, or the note explaining why it was estimated.

    Ley 142 art. 146: when a reading could not be taken, the bill says so and how the
    consumption was estimated.
    """

    consumption: Decimal
    unit: Unit
    previous: Decimal | None = None
    current: Decimal | None = None
    previous_date: date | None = None
    current_date: date | None = None
    estimation_note: str | None = None

    @property
    def is_estimated(self) -> bool:
        return self.estimation_note is not None

    def __attrs_post_init__(self) -> None:
        if self.consumption < 0:
            raise _fail("Billed consumption cannot be negative", consumption=str(self.consumption))
        if self.estimation_note is not None:
            if not self.estimation_note.strip():
                raise _fail("An estimated consumption needs the note that explains it")
            return
        if self.previous is None or self.current is None:
            raise _fail("A measured consumption needs the previous and current readings")
        if self.previous_date is None or self.current_date is None:
            raise _fail("A measured consumption needs the dates of both readings")
        if self.current_date <= self.previous_date:
            raise _fail(
                "The current reading must be after the previous one",
                previous_date=self.previous_date.isoformat(),
                current_date=self.current_date.isoformat(),
            )


@attrs.frozen(kw_only=True)
class PeriodConsumption:
    """One past period's consumption, for the history chart."""

    period_start: date
    quantity: Decimal
    estimated: bool = False


@attrs.frozen(kw_only=True)
class BillDocument:
    """Everything one bill shows; amounts exact, dates plain, words in ``language``."""

    language: str
    currency: str
    company: Company
    customer_name: str
    customer_document: str  # type and number: "CC 43.512.877"
    account_number: str
    meter_serial: str | None
    address: str
    stratum: int | None
    use_class: premises.UseClass
    service: premises.Service
    period: Period[date]
    issue_date: date
    due_date: date
    suspension_date: date | None
    lines: tuple[BillLine, ...]
    reading: MeterReading
    history: tuple[PeriodConsumption, ...]
    arrears: Money
    total: Money
    payment_reference: str

    def __attrs_post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise _fail("Bills are written in Spanish or English", language=self.language)
        money.minor_unit(self.currency)
        if self.period.end is None:
            raise _fail("A bill's period must end")
        if not self.customer_name.strip() or not self.account_number.strip():
            raise _fail("A bill names its customer and account")
        premises.check_stratum(self.stratum)
        if self.use_class is premises.UseClass.RESIDENTIAL and self.stratum is None:
            raise _fail("A home's bill shows its stratum", account=self.account_number)
        if self.issue_date < self.period.end:
            raise _fail(
                "A bill is issued after its period ends",
                issue_date=self.issue_date.isoformat(),
                period_end=self.period.end.isoformat(),
            )
        if self.due_date <= self.issue_date:
            raise _fail("The due date must come after the issue date")
        if self.suspension_date is not None and self.suspension_date <= self.due_date:
            raise _fail("The suspension date must come after the due date")
        if not self.lines:
            raise _fail("A bill has at least one line")
        if len(self.history) > HISTORY_PERIODS:
            raise _fail(
                f"A bill shows at most {HISTORY_PERIODS} past periods", given=len(self.history)
            )
        starts = [p.period_start for p in self.history]
        if starts != sorted(set(starts)):
            raise _fail("The consumption history runs oldest first, one entry per period")
        if starts and starts[-1] >= self.period.start:
            raise _fail("The consumption history holds the periods before this one")
        if not self.payment_reference.isdigit() or not (
            1 <= len(self.payment_reference) <= MAX_REFERENCE_DIGITS
        ):
            raise _fail(
                f"A payment reference is 1 to {MAX_REFERENCE_DIGITS} digits",
                payment_reference=self.payment_reference,
            )
        amounts = [line.amount for line in self.lines]
        for amount in (*amounts, self.arrears, self.total):
            if amount.currency != self.currency:
                raise _fail(
                    "Every amount on a bill is in the bill's currency",
                    currency=self.currency,
                    found=amount.currency,
                )
        if self.arrears.amount < 0:
            raise _fail("Arrears cannot be negative; a credit is a line of its own")
        expected = money.total(amounts, currency=self.currency) + self.arrears
        if expected != self.total:
            raise BillTotalMismatch(
                "The bill's total is not its lines plus arrears",
                details={"total": str(self.total.amount), "expected": str(expected.amount)},
            )
        if self.total.amount < 0:
            raise _fail("A bill's total cannot be negative", total=str(self.total.amount))

    @property
    def period_charges(self) -> Money:
        """What this period costs: the lines without the arrears."""
        return money.total((line.amount for line in self.lines), currency=self.currency)

    @property
    def fixed_charge(self) -> Money:
        return money.total(
            (line.amount for line in self.lines if line.kind is LineKind.FIXED),
            currency=self.currency,
        )

    @property
    def subsidy(self) -> Money:
        return money.total(
            (line.amount for line in self.lines if line.kind is LineKind.SUBSIDY),
            currency=self.currency,
        )

    @property
    def contribution(self) -> Money:
        return money.total(
            (line.amount for line in self.lines if line.kind is LineKind.CONTRIBUTION),
            currency=self.currency,
        )

    @property
    def history_average(self) -> Decimal | None:
        """The mean consumption of the previous periods, or ``None`` without history."""
        if not self.history:
            return None
        return sum((p.quantity for p in self.history), Decimal(0)) / len(self.history)

    @property
    def last_day(self) -> date:
        """The period's last day (periods are half-open; bills print closed ranges)."""
        assert self.period.end is not None  # checked on construction
        return date.fromordinal(self.period.end.toordinal() - 1)


_KINDS = {
    "ENERGY": LineKind.CONSUMPTION,
    "FIXED": LineKind.FIXED,
    "MINIMUM": LineKind.FIXED,
    "SUBSIDY": LineKind.SUBSIDY,
    "CONTRIBUTION": LineKind.CONTRIBUTION,
    "TAX": LineKind.TAX,
}


def lines_from_charges(*, charges: Sequence[rating.ChargeLine], unit: Unit) -> tuple[BillLine, ...]:
    """
    Turn rating's charge lines into bill lines, keeping blocks, subsidy and contribution apart.

    A fixed charge has no quantity on the bill; every other line keeps its quantity and unit
    price in the consumption's unit.
    """
    lines = []
    for charge in charges:
        kind = _KINDS.get(charge.kind, LineKind.OTHER)
        description = (
            f"{charge.description} ({charge.block})" if charge.block else charge.description
        )
        if kind is LineKind.FIXED:
            lines.append(BillLine(kind=kind, description=description, amount=charge.amount))
            continue
        lines.append(
            BillLine(
                kind=kind,
                description=description,
                amount=charge.amount,
                quantity=charge.quantity,
                unit=unit,
                unit_price=charge.unit_price,
            )
        )
    return tuple(lines)


class BillRenderer(Protocol):
    """Turns a bill document into a printable file."""

    def render(self, *, document: BillDocument) -> bytes:
        """
        Render one bill as PDF bytes.

        :raises UnableToRenderBill: if the document cannot be laid out (for example an
            amount too long for the payment barcode).
        """
        ...
