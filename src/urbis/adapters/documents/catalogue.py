"""The words of the bill document, in Spanish (first) and English."""

from __future__ import annotations

ES = {
    "title": "Factura de servicios públicos",
    "supervised": "Vigilada Superintendencia de Servicios Públicos Domiciliarios",
    "nit": "NIT",
    "customer": "Suscriptor",
    "document": "Documento",
    "account": "Cuenta (contrato)",
    "address": "Dirección del predio",
    "stratum": "Estrato",
    "no_stratum": "no aplica",
    "use_class": "Uso",
    "service": "Servicio",
    "meter": "Medidor",
    "unmetered": "sin medidor",
    "period": "Periodo facturado",
    "issue_date": "Fecha de expedición",
    "due_date": "Pague hasta",
    "suspension_date": "Fecha de suspensión",
    "no_suspension": "sin suspensión programada",
    "reading": "Lectura y consumo",
    "previous_reading": "Lectura anterior",
    "current_reading": "Lectura actual",
    "consumption": "Consumo facturado",
    "estimated": "Consumo estimado",
    "history": "Consumo de los últimos periodos",
    "average": "Promedio de los periodos anteriores",
    "this_period": "este periodo",
    "charges": "Detalle de cargos",
    "description": "Concepto",
    "quantity": "Cantidad",
    "unit": "Unidad",
    "unit_price": "Valor unitario",
    "amount": "Valor",
    "fixed_charge": "Cargo fijo",
    "subsidy": "Subsidio recibido",
    "contribution": "Contribución de solidaridad",
    "period_charges": "Total cargos del periodo",
    "arrears": "Saldo vencido",
    "total": "Total a pagar",
    "how_to_pay": "Cómo pagar",
    "pay_text": (
        "Pague en bancos y puntos de recaudo con el código de barras, o escanee el código QR "
        "para pagar en línea. Referencia de pago:"
    ),
    "coupon": "Cupón de pago",
    "reference": "Referencia de pago",
    "scan": "Escanee para pagar",
    "suspension_warning": (
        "Si no paga antes de la fecha de suspensión, el servicio podrá ser suspendido "
        "(Ley 142 de 1994, art. 140) y se cobrarán los costos de reconexión."
    ),
    "rights": (
        "Usted puede presentar peticiones, quejas y recursos (PQR) sobre esta factura en "
        "nuestras oficinas, por teléfono o en línea; la empresa responde en 15 días hábiles "
        "(Ley 142 de 1994, arts. 152 a 159)."
    ),
    "cut_here": "Desprenda y presente este cupón al pagar",
    "use.RESIDENTIAL": "Residencial",
    "use.COMMERCIAL": "Comercial",
    "use.INDUSTRIAL": "Industrial",
    "use.OFFICIAL": "Oficial",
    "use.SPECIAL": "Especial",
    "service.ELECTRICITY": "Energía eléctrica",
    "service.WATER": "Acueducto",
    "service.SEWER": "Alcantarillado",
    "service.GAS": "Gas natural",
    "service.WASTE": "Aseo",
}

EN = {
    "title": "Utility bill",
    "supervised": "Supervised by the Superintendency of Residential Public Utilities",
    "nit": "Tax ID (NIT)",
    "customer": "Customer",
    "document": "ID document",
    "account": "Account",
    "address": "Service address",
    "stratum": "Stratum",
    "no_stratum": "not applicable",
    "use_class": "Use",
    "service": "Service",
    "meter": "Meter",
    "unmetered": "unmetered",
    "period": "Billing period",
    "issue_date": "Issue date",
    "due_date": "Pay by",
    "suspension_date": "Suspension date",
    "no_suspension": "no suspension scheduled",
    "reading": "Reading and consumption",
    "previous_reading": "Previous reading",
    "current_reading": "Current reading",
    "consumption": "Billed consumption",
    "estimated": "Estimated consumption",
    "history": "Consumption in recent periods",
    "average": "Average of the previous periods",
    "this_period": "this period",
    "charges": "Charges",
    "description": "Item",
    "quantity": "Quantity",
    "unit": "Unit",
    "unit_price": "Unit price",
    "amount": "Amount",
    "fixed_charge": "Fixed charge",
    "subsidy": "Subsidy received",
    "contribution": "Solidarity contribution",
    "period_charges": "Charges for the period",
    "arrears": "Overdue balance",
    "total": "Total due",
    "how_to_pay": "How to pay",
    "pay_text": (
        "Pay at banks and collection points with the barcode, or scan the QR code to pay "
        "online. Payment reference:"
    ),
    "coupon": "Payment slip",
    "reference": "Payment reference",
    "scan": "Scan to pay",
    "suspension_warning": (
        "If the bill is not paid before the suspension date, the service may be suspended "
        "(Ley 142 of 1994, art. 140) and reconnection costs will be charged."
    ),
    "rights": (
        "You may file requests, complaints and appeals (PQR) about this bill at our offices, "
        "by phone or online; the utility answers within 15 business days "
        "(Ley 142 of 1994, arts. 152 to 159)."
    ),
    "cut_here": "Detach and present this slip when paying",
    "use.RESIDENTIAL": "Residential",
    "use.COMMERCIAL": "Commercial",
    "use.INDUSTRIAL": "Industrial",
    "use.OFFICIAL": "Official",
    "use.SPECIAL": "Special",
    "service.ELECTRICITY": "Electricity",
    "service.WATER": "Water",
    "service.SEWER": "Sewer",
    "service.GAS": "Natural gas",
    "service.WASTE": "Waste collection",
}

WORDS = {"es": ES, "en": EN}
