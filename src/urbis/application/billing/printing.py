"""
A stored bill as the document its customer receives: the bill, its account's particulars,
the history of earlier bills and the arrears the ledger holds, put together as a
``BillDocument`` that a ``BillRenderer`` turns into a PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

import attrs

from urbis.application.billing import ports
from urbis.application.billing.document import (
    HISTORY_PERIODS,
    LANGUAGES,
    BillDocument,
    BillLine,
    BillRenderer,
    Company,
    LineKind,
    MeterReading,
    PeriodConsumption,
)
from urbis.domain import billing, identity, ledger, premises
from urbis.kernel import ids, money
from urbis.kernel.periods import Period
from urbis.kernel.quantities import Unit

_UNITS = {"ELECTRICITY": Unit.KWH, "WATER": Unit.M3, "SEWER": Unit.M3, "GAS": Unit.M3}
_KINDS = {
    "ENERGY": LineKind.CONSUMPTION,
    "DEMAND": LineKind.CONSUMPTION,
    "FIXED": LineKind.FIXED,
    "MINIMUM": LineKind.FIXED,
    "SUBSIDY": LineKind.SUBSIDY,
    "CONTRIBUTION": LineKind.CONTRIBUTION,
    "TAX": LineKind.TAX,
}
_NOTES = {
    "es": {
        "estimated": (
            "No fue posible leer el medidor; se factura un consumo estimado (Ley 142 de 1994, "
            "art. 146) que se ajustará con la próxima lectura real."
        ),
        "intervals": "Consumo medido por las lecturas horarias del medidor inteligente.",
    },
    "en": {
        "estimated": (
            "The meter could not be read; an estimated consumption is billed (Ley 142 of "
            "1994, art. 146) and will be adjusted with the next actual reading."
        ),
        "intervals": "Consumption measured by the smart meter's hourly reads.",
    },
}


@attrs.frozen(kw_only=True)
class BillParticulars:
    """What the bill says of its account: holder, premises, meter, cycle and language."""

    account_number: str
    holder_party_id: str
    holder_name: str
    holder_document: str  # type and number: "CC 43512877"
    address: str
    stratum: int | None
    use_class: str
    meter_serial: str | None
    billing_cycle: str
    language: str


class BillParticularsSource(Protocol):
    def particulars(
        self, *, tenant_id: ids.TenantId, agreement_id: str, period_start: date
    ) -> BillParticulars | None:
        """The account, holder, premises and installed meter of an agreement in a period."""
        ...


class TenantCompany(Protocol):
    def __call__(self, *, tenant_id: ids.TenantId) -> Company:
        """The utility that issues the tenant's bills."""
        ...


@attrs.frozen(kw_only=True)
class PrintingEnv:
    """Billing's records plus what a printed bill adds to them."""

    billing: ports.BillingEnv
    particulars: BillParticularsSource
    company: TenantCompany
    renderer: Callable[[], BillRenderer]


def _period(text: str) -> Period[date]:
    year, month = (int(p) for p in text.split("-"))
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return Period(start, end)


def _lines(bill: billing.Bill, unit: Unit) -> tuple[BillLine, ...]:
    """
    The bill's lines with their quantity and unit price when rating gave them (bills stored
    before lines kept them print without); the consumption's unit on lines priced per unit of
    consumption (energy blocks, and the subsidy or contribution on them).
    """
    lines = []
    for line in bill.lines:
        kind = _KINDS.get(line.kind, LineKind.OTHER)
        label = f"{line.description} ({line.block})" if line.block else line.description
        if line.quantity is None or line.unit_price is None:
            lines.append(BillLine(kind=kind, description=label, amount=line.amount))
            continue
        lines.append(
            BillLine(
                kind=kind,
                description=label,
                amount=line.amount,
                quantity=line.quantity,
                unit=unit if line.part == "energy" else None,
                unit_price=line.unit_price,
            )
        )
    return tuple(lines)


def _reading(
    *, bill: billing.Bill, period: Period[date], unit: Unit, language: str
) -> MeterReading:
    consumption = Decimal(bill.consumption)
    notes = _NOTES.get(language, _NOTES["es"])
    if bill.estimated:
        return MeterReading(consumption=consumption, unit=unit, estimation_note=notes["estimated"])
    if bill.previous_read is None or bill.current_read is None:
        return MeterReading(consumption=consumption, unit=unit, estimation_note=notes["intervals"])
    assert period.end is not None
    return MeterReading(
        consumption=consumption,
        unit=unit,
        previous=Decimal(bill.previous_read),
        current=Decimal(bill.current_read),
        previous_date=period.start - timedelta(days=1),
        current_date=period.end - timedelta(days=1),
    )


def _can_see(env: ports.BillingEnv, party_id: str | None, holder: str) -> bool:
    if env.roles & identity.STAFF_ROLES:
        return True
    return identity.Role.CUSTOMER in env.roles and party_id is not None and party_id == holder


def bill_document(
    *, env: PrintingEnv, bill_id: str, language: str | None = None, party_id: str | None = None
) -> BillDocument:
    """
    Build the document of a stored bill, in ``language`` or else the account's language.

    Staff see every bill of their tenant; a customer (``party_id``) only the bills of the
    accounts they hold; any other bill is "not found", so that ids cannot be probed.

    :raises BillNotFound: if the tenant has no such bill, it is a trial or held bill, or the
        caller may not see it.
    :raises InvalidBillDocument: if ``language`` is neither ``es`` nor ``en``.
    """
    benv = env.billing
    missing = billing.BillNotFound(f"No bill {bill_id}", details={"bill_id": bill_id})
    with benv.store() as store:
        bill = store.bill(benv.tenant_id, bill_id)
        if bill is None or bill.status not in (
            billing.BillStatus.ISSUED,
            billing.BillStatus.CANCELLED,
        ):
            raise missing
        period = _period(bill.period)
        facts = env.particulars.particulars(
            tenant_id=benv.tenant_id, agreement_id=bill.agreement_id, period_start=period.start
        )
        if facts is None or not _can_see(benv, party_id, facts.holder_party_id):
            raise missing
        cycle = store.cycle(benv.tenant_id, facts.billing_cycle)
        earlier = store.history(benv.tenant_id, [bill.agreement_id], bill.period)
        entries = list(store.ledger.for_account(benv.tenant_id, ids.AccountId(bill.account_id)))
    words = language or (facts.language if facts.language in LANGUAGES else "es")
    unit = _UNITS.get(bill.service, Unit.KWH)
    history = tuple(
        PeriodConsumption(
            period_start=_period(str(row["period"])).start,
            quantity=Decimal(int(row["consumption_milli"])) / 1000,
            estimated=bool(row["estimated"]),
        )
        for row in earlier.sort("period").tail(HISTORY_PERIODS).iter_rows(named=True)
    )
    overdue = [
        item.open
        for item in ledger.open_items(entries=entries, currency=bill.currency)
        if item.item != bill.id and item.due_date < bill.issue_date
    ]
    arrears = money.total(overdue, currency=bill.currency)
    lines = _lines(bill, unit)
    suspension = (
        bill.due_date + timedelta(days=cycle.suspension_days) if cycle is not None else None
    )
    if suspension is not None and suspension <= bill.due_date:
        suspension = None
    return BillDocument(
        language=words,
        currency=bill.currency,
        company=env.company(tenant_id=benv.tenant_id),
        customer_name=facts.holder_name,
        customer_document=facts.holder_document,
        account_number=facts.account_number,
        meter_serial=facts.meter_serial,
        address=facts.address,
        stratum=facts.stratum,
        use_class=premises.UseClass(facts.use_class),
        service=premises.Service(bill.service),
        period=period,
        issue_date=bill.issue_date,
        due_date=bill.due_date,
        suspension_date=suspension,
        lines=lines,
        reading=_reading(bill=bill, period=period, unit=unit, language=words),
        history=history,
        arrears=arrears,
        total=money.total((line.amount for line in lines), currency=bill.currency) + arrears,
        payment_reference=facts.account_number,  # payments match bank files by account number
    )


def bill_pdf(
    *, env: PrintingEnv, bill_id: str, language: str | None = None, party_id: str | None = None
) -> bytes:
    """
    Render a stored bill as PDF bytes.

    :raises BillNotFound: if the caller has no such bill to see (see ``bill_document``).
    :raises InvalidBillDocument: if ``language`` is neither ``es`` nor ``en``.
    :raises UnableToRenderBill: if the renderer cannot lay the bill out.
    """
    document = bill_document(env=env, bill_id=bill_id, language=language, party_id=party_id)
    return env.renderer().render(document=document)
