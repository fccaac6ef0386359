"""
Bill documents as PDF: a Jinja HTML template and its stylesheet, laid out by WeasyPrint.

Numbers, money and dates are formatted by Babel in the bill's language (Spanish as es-CO,
English as en); the words come from this package's catalogue. The payment barcode (GS1-128)
and the QR code are drawn as SVG, so they stay sharp at any print resolution.
"""

from __future__ import annotations

import base64
import importlib.resources
import urllib.parse
from decimal import Decimal
from typing import Any

import jinja2
import segno
import weasyprint
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from weasyprint.text.fonts import FontConfiguration

from urbis.adapters.documents import barcode, catalogue, chart
from urbis.application.billing import document as bill_document
from urbis.kernel.money import Money
from urbis.kernel.quantities import Unit

LOCALES = {"es": "es_CO", "en": "en"}
# How units are printed; kernel units keep ASCII names for data files.
UNIT_LABELS = {Unit.M3: "m³"}


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def payment_url(*, document: bill_document.BillDocument) -> str:
    """The address the QR code carries: the utility's payment page with the reference."""
    parts = urllib.parse.urlsplit(document.company.payment_url)
    query = [*urllib.parse.parse_qsl(parts.query), ("ref", document.payment_reference)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def payment_code(*, document: bill_document.BillDocument) -> barcode.PaymentCode:
    """The GS1 content of a bill's barcode: GLN, reference, total and due date."""
    return barcode.PaymentCode(
        gln=document.company.gln,
        reference=document.payment_reference,
        amount=document.total.amount,
        due_date=document.due_date,
    )


class _Formats:
    """Babel formatting in one bill's locale."""

    def __init__(self, language: str) -> None:
        self.locale = LOCALES[language]

    def money(self, value: Money) -> str:
        whole = value.amount == value.amount.to_integral_value()
        pattern = "¤\xa0#,##0" if whole else "¤\xa0#,##0.00"
        return babel_numbers.format_currency(
            value.amount, value.currency, format=pattern, locale=self.locale, currency_digits=False
        )

    def number(self, value: Decimal) -> str:
        return babel_numbers.format_decimal(value, format="#,##0.##", locale=self.locale)

    def price(self, value: Decimal) -> str:
        return babel_numbers.format_decimal(value, format="#,##0.00##", locale=self.locale)

    def date(self, value: Any) -> str:
        return babel_dates.format_date(value, format="d MMM yyyy", locale=self.locale)

    def month(self, value: Any) -> str:
        return babel_dates.format_date(value, format="MMM yy", locale=self.locale)


class WeasyPrintBillRenderer:
    """Renders ``BillDocument`` values to PDF with WeasyPrint (a ``BillRenderer``)."""

    def __init__(self) -> None:
        self._environment = jinja2.Environment(
            loader=jinja2.PackageLoader("urbis.adapters.documents", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self._template = self._environment.get_template("bill.html")
        self._fonts = FontConfiguration()
        css = (
            importlib.resources.files("urbis.adapters.documents")
            .joinpath("templates/bill.css")
            .read_text(encoding="utf-8")
        )
        self._stylesheet = weasyprint.CSS(string=css, font_config=self._fonts)

    def render_html(self, *, document: bill_document.BillDocument) -> str:
        """
        Return the bill as the HTML that is laid out into the PDF.

        :raises UnableToRenderBill: if the payment data does not fit GS1-128.
        """
        formats = _Formats(document.language)
        code = payment_code(document=document)
        try:
            symbol = barcode.symbol_values(code.element_string())
        except barcode.InvalidBarcodeData as error:
            raise bill_document.UnableToRenderBill(
                f"The payment barcode cannot carry this bill: {error.message}",
                details={"account": document.account_number, **error.details},
            ) from error
        bars = [
            chart.Bar(label=formats.month(p.period_start), value=p.quantity, estimated=p.estimated)
            for p in document.history
        ]
        bars.append(
            chart.Bar(
                label=formats.month(document.period.start),
                value=document.reading.consumption,
                current=True,
                estimated=document.reading.is_estimated,
            )
        )
        qr = segno.make(payment_url(document=document), error="m", micro=False)
        return self._template.render(
            bill=document,
            t=catalogue.WORDS[document.language],
            f=formats,
            lang=document.language,
            barcode_uri=_data_uri(barcode.svg(symbol)),
            barcode_text=code.human_readable(),
            qr_uri=qr.svg_data_uri(border=2, dark="#000", light="#fff"),
            chart_uri=_data_uri(
                chart.svg(bars, average=document.history_average, number=formats.number)
            ),
            unit=lambda unit: UNIT_LABELS.get(unit, unit.value),
        )

    def render(self, *, document: bill_document.BillDocument) -> bytes:
        """
        Render one bill as PDF bytes.

        :raises UnableToRenderBill: if the payment data does not fit GS1-128.
        """
        html = weasyprint.HTML(string=self.render_html(document=document))
        pdf: bytes = html.write_pdf(stylesheets=[self._stylesheet], font_config=self._fonts)
        return pdf
