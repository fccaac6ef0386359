"""
A sample bill of the demo utility: the showcase customer's water bill for October 2026.

Used by ``urbis bill pdf --demo``, the rendering benchmark and the layout tests. The tariff
figures are realistic for an Antioquia water utility in 2026 (cargo fijo, basic and
complementary consumption, the estrato 3 subsidy of 15 % on the fixed charge and on basic
consumption up to 13 m³ between 1,000 and 2,000 m of altitude), not a published sheet.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from urbis.application.billing import document as bill_document
from urbis.domain import accounts, premises
from urbis.kernel import money
from urbis.kernel.money import Money
from urbis.kernel.periods import Period
from urbis.kernel.quantities import Unit

COMPANY = bill_document.Company(
    name="Empresa de Servicios Públicos del Valle S.A. E.S.P. (demo)",
    nit="900123456-8",
    address="Carrera 58 # 42-125, Medellín",
    phone="604 444 0142",
    gln="7709998000018",
    payment_url="https://pagos.example.com/factura",
    website="www.example.com",
)

FIXED_CHARGE = Decimal("10412.37")
UNIT_COST = Decimal("3155.0812")  # $/m³
SUBSIDY = Decimal("0.15")  # estrato 3
BASIC_M3 = Decimal(13)

_WORDS = {
    "es": {
        "basic": "Consumo básico",
        "complementary": "Consumo complementario",
        "fixed": "Cargo fijo",
        "subsidy_fixed": "Subsidio estrato 3 (15 %) sobre el cargo fijo",
        "subsidy_basic": "Subsidio estrato 3 (15 %) sobre el consumo básico",
        "estimated": (
            "No fue posible leer el medidor (predio cerrado el 31 oct 2026). Se factura el "
            "promedio de los últimos seis periodos (Ley 142 de 1994, art. 146); se ajustará "
            "con la próxima lectura real."
        ),
    },
    "en": {
        "basic": "Basic consumption",
        "complementary": "Complementary consumption",
        "fixed": "Fixed charge",
        "subsidy_fixed": "Stratum 3 subsidy (15%) on the fixed charge",
        "subsidy_basic": "Stratum 3 subsidy (15%) on basic consumption",
        "estimated": (
            "The meter could not be read (premises closed on 31 Oct 2026). The average of the "
            "last six periods is billed (Ley 142 of 1994, art. 146) and will be adjusted with "
            "the next actual reading."
        ),
    },
}

_HISTORY = (
    (date(2026, 4, 1), Decimal(16)),
    (date(2026, 5, 1), Decimal(17)),
    (date(2026, 6, 1), Decimal(15)),
    (date(2026, 7, 1), Decimal(19)),
    (date(2026, 8, 1), Decimal(17)),
    (date(2026, 9, 1), Decimal(16)),
)


def _pesos(amount: Decimal) -> Money:
    rounded = money.round_amount(amount, currency="COP", rounding=money.Rounding.HALF_UP, places=0)
    return Money(rounded, "COP")


def sample_bill(*, language: str = "es", estimated: bool = False) -> bill_document.BillDocument:
    """
    Build the showcase customer's October 2026 water bill, read or estimated.

    :raises InvalidBillDocument: if ``language`` is not ``es`` or ``en``.
    """
    words = _WORDS.get(language, _WORDS["es"])
    history = tuple(
        bill_document.PeriodConsumption(period_start=s, quantity=q) for s, q in _HISTORY
    )
    if estimated:
        consumption = Decimal(17)  # the rounded average of the six previous periods
        reading = bill_document.MeterReading(
            consumption=consumption, unit=Unit.M3, estimation_note=words["estimated"]
        )
    else:
        consumption = Decimal(18)
        reading = bill_document.MeterReading(
            consumption=consumption,
            unit=Unit.M3,
            previous=Decimal(1254),
            current=Decimal(1254) + consumption,
            previous_date=date(2026, 9, 30),
            current_date=date(2026, 10, 31),
        )
    basic = min(consumption, BASIC_M3)
    complementary = consumption - basic
    discount = -(UNIT_COST * SUBSIDY)
    lines = (
        bill_document.BillLine(
            kind=bill_document.LineKind.CONSUMPTION,
            description=words["basic"],
            quantity=basic,
            unit=Unit.M3,
            unit_price=UNIT_COST,
            amount=_pesos(basic * UNIT_COST),
        ),
        bill_document.BillLine(
            kind=bill_document.LineKind.CONSUMPTION,
            description=words["complementary"],
            quantity=complementary,
            unit=Unit.M3,
            unit_price=UNIT_COST,
            amount=_pesos(complementary * UNIT_COST),
        ),
        bill_document.BillLine(
            kind=bill_document.LineKind.FIXED,
            description=words["fixed"],
            amount=_pesos(FIXED_CHARGE),
        ),
        bill_document.BillLine(
            kind=bill_document.LineKind.SUBSIDY,
            description=words["subsidy_fixed"],
            amount=_pesos(-(FIXED_CHARGE * SUBSIDY)),
        ),
        bill_document.BillLine(
            kind=bill_document.LineKind.SUBSIDY,
            description=words["subsidy_basic"],
            quantity=basic,
            unit=Unit.M3,
            unit_price=discount,
            amount=_pesos(basic * discount),
        ),
    )
    arrears = Money.of(58420, "COP")
    account = accounts.account_number(sequence=142)
    return bill_document.BillDocument(
        language=language,
        currency="COP",
        company=COMPANY,
        customer_name="Luz Dary Gómez Restrepo",
        customer_document="CC 43.987.654",
        account_number=account,
        meter_serial="ADM-2019-0142",
        address="Carrera 65 # 48-32 Apto 502, Suramericana, Medellín, Antioquia",
        stratum=3,
        use_class=premises.UseClass.RESIDENTIAL,
        service=premises.Service.WATER,
        period=Period(date(2026, 10, 1), date(2026, 11, 1)),
        issue_date=date(2026, 11, 4),
        due_date=date(2026, 11, 19),
        suspension_date=date(2026, 11, 26),
        lines=lines,
        reading=reading,
        history=history,
        arrears=arrears,
        total=money.total((line.amount for line in lines), currency="COP") + arrears,
        payment_reference=account,  # payments match bank files by account number
    )
