"""
Bill documents rendered for real: WeasyPrint → PDF → PNG (pdfium), text (pypdf) and codes
(zxing-cpp). The layout was checked by eye once; the reference PNGs keep it stable.

To accept a deliberate layout change, run with ``URBIS_UPDATE_BILL_REFERENCES=1``, look at the
new PNGs, and commit them.
"""

from __future__ import annotations

import io
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pypdf
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from urbis.adapters.demo import bills
from urbis.adapters.documents import renderer
from urbis.adapters.tariffs import files
from urbis.application.billing import document
from urbis.domain import premises, rating
from urbis.kernel import money
from urbis.kernel.money import Money
from urbis.kernel.quantities import Unit

REFERENCES = Path(__file__).parent / "references"
REFERENCE_DPI = 100
# Antialiasing may move a few edge pixels between library builds; layout changes move thousands.
MAX_DIFFERING_PIXELS = 0.001
PIXEL_THRESHOLD = 48


@pytest.fixture(scope="module")
def bill_renderer() -> renderer.WeasyPrintBillRenderer:
    return renderer.WeasyPrintBillRenderer()


@pytest.fixture(scope="module")
def pdfs(bill_renderer: renderer.WeasyPrintBillRenderer) -> dict[str, bytes]:
    return {
        f"{language}{'_estimated' if estimated else ''}": bill_renderer.render(
            document=bills.sample_bill(language=language, estimated=estimated)
        )
        for language in document.LANGUAGES
        for estimated in (False, True)
    }


def page_image(pdf: bytes, *, dpi: int) -> Image.Image:
    pages = pypdfium2.PdfDocument(pdf)
    try:
        assert len(pages) == 1, "a bill fits on one page"
        image: Image.Image = pages[0].render(scale=dpi / 72).to_pil().convert("RGB")
        return image
    finally:
        pages.close()


def text_of(pdf: bytes) -> str:
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


class TestBillLayout:
    @pytest.mark.parametrize("name", ["es", "en_estimated"])
    def test_renders_like_the_reference_png(
        self, pdfs: dict[str, bytes], name: str, tmp_path: Path
    ) -> None:
        actual = page_image(pdfs[name], dpi=REFERENCE_DPI)
        reference_path = REFERENCES / f"bill_{name}.png"
        if os.environ.get("URBIS_UPDATE_BILL_REFERENCES") == "1":
            REFERENCES.mkdir(exist_ok=True)
            actual.save(reference_path, optimize=True)

        reference = Image.open(reference_path).convert("RGB")

        assert actual.size == reference.size
        difference = np.abs(
            np.asarray(actual, dtype=np.int16) - np.asarray(reference, dtype=np.int16)
        ).max(axis=2)
        differing = float((difference > PIXEL_THRESHOLD).mean())
        if differing > MAX_DIFFERING_PIXELS:
            actual.save(tmp_path / f"bill_{name}_actual.png")
        assert differing <= MAX_DIFFERING_PIXELS, f"{differing:.4%} of pixels moved; see {tmp_path}"


class TestBillContents:
    """What Ley 142 de 1994 art. 148 asks every bill to show, in both languages."""

    COMMON = (
        "Empresa de Servicios Públicos del Valle S.A. E.S.P. (demo)",
        "900123456-8",
        "Luz Dary Gómez Restrepo",
        "CC 43.987.654",
        "0000001420",
        "ADM-2019-0142",
        "Carrera 65 # 48-32 Apto 502",
        "0000001420",
        "(415)7709998000018(8020)0000001420(3900)117909(96)20261119",
    )
    SPANISH = (
        "Factura de servicios públicos",
        "Estrato · Uso 3 · Residencial",
        "Acueducto",
        "Periodo facturado 1 oct 2026 – 31 oct 2026",
        "Fecha de expedición 4 nov 2026",
        "Pague hasta 19 nov 2026",
        "Fecha de suspensión 26 nov 2026",
        "Lectura anterior 1.254",
        "Lectura actual 1.272",
        "Consumo facturado 18 m³",
        "Consumo básico 13 m³ 3.155,0812 $ 41.016",
        "Consumo complementario 5 m³ 3.155,0812 $ 15.775",
        "Cargo fijo $ 10.412",
        "Subsidio estrato 3 (15 %) sobre el consumo básico 13 m³ -473,2622 -$ 6.152",
        "Contribución de solidaridad",
        "Saldo vencido $ 58.420",
        "Total a pagar $ 117.909",
        "CONSUMO DE LOS ÚLTIMOS PERIODOS (m³)",
        "abr 26",
        "sept 26",
    )
    ENGLISH = (
        "Utility bill",
        "Stratum · Use 3 · Residential",
        "Water",
        "Billing period 1 Oct 2026 – 31 Oct 2026",
        "Issue date 4 Nov 2026",
        "Pay by 19 Nov 2026",
        "Suspension date 26 Nov 2026",
        "Previous reading 1,254",
        "Current reading 1,272",
        "Billed consumption 18 m³",
        "Basic consumption 13 m³ 3,155.0812 COP 41,016",
        "Fixed charge COP 10,412",
        "Stratum 3 subsidy (15%) on basic consumption 13 m³ -473.2622 -COP 6,152",
        "Solidarity contribution",
        "Overdue balance COP 58,420",
        "Total due COP 117,909",
        "CONSUMPTION IN RECENT PERIODS (m³)",
        "Apr 26",
    )

    @pytest.mark.parametrize(("language", "expected"), [("es", SPANISH), ("en", ENGLISH)])
    def test_shows_every_required_field(
        self, pdfs: dict[str, bytes], language: str, expected: tuple[str, ...]
    ) -> None:
        text = text_of(pdfs[language])

        missing = [item for item in (*self.COMMON, *expected) if item not in text]

        assert missing == []

    def test_an_estimated_bill_shows_the_note_instead_of_readings(
        self, pdfs: dict[str, bytes]
    ) -> None:
        text = text_of(pdfs["es_estimated"])

        assert "Consumo estimado 17 m³" in text
        assert "Se factura el promedio de los últimos seis periodos" in text
        assert "Lectura anterior" not in text

    def test_the_pdf_names_the_bill_in_its_metadata(self, pdfs: dict[str, bytes]) -> None:
        metadata = pypdf.PdfReader(io.BytesIO(pdfs["es"])).metadata

        assert metadata is not None
        assert metadata.title == "Factura de servicios públicos 0000001420 2026-10-01"


class TestPaymentCodes:
    def test_the_printed_barcode_and_qr_code_carry_the_payment_data(
        self, pdfs: dict[str, bytes]
    ) -> None:
        page = page_image(pdfs["es"], dpi=200)

        found = {r.format.name: (r.text, r.content_type.name) for r in zxingcpp.read_barcodes(page)}

        assert found == {
            "Code128": (
                "(415)7709998000018(8020)0000001420(3900)117909(96)20261119",
                "GS1",
            ),
            "QRCode": ("https://pagos.example.com/factura?ref=0000001420", "Text"),
        }

    def test_the_qr_code_keeps_the_payment_page_query(self) -> None:
        bill = bills.sample_bill()
        company = attrs.evolve(bill.company, payment_url="https://pay.example.com/p?u=demo")

        url = renderer.payment_url(document=attrs.evolve(bill, company=company))

        assert url == "https://pay.example.com/p?u=demo&ref=0000001420"


ELECTRICITY = """
format: urbis-tariff/1
code: DEMO-E-RES
name: Energía residencial (prueba)
service: electricity
unit: kWh
versions:
  - version: "2026-10"
    active_from: "2026-10-01"
    active_to: "2026-11-01"
    currency: COP
    rounding: {mode: HALF_UP, scope: LINE}
    energy:
      periods:
        - name: CU
          tiers: [{price: "894.3127"}]
    fixed:
      - {name: Cargo fijo, amount: "4210.00", per: MONTH}
    solidarity:
      basic:
        - {from_altitude_m: 0, quantity: 173}
        - {from_altitude_m: 1000, quantity: 130}
      classes:
        "1": {subsidy: "0.60"}
        "2": {subsidy: "0.50"}
        "3": {subsidy: "0.15"}
        "5": {contribution: "0.20"}
        "6": {contribution: "0.20"}
"""


def electricity_bill(*, stratum: int, kwh: Decimal) -> document.BillDocument:
    """A home's electricity bill priced by the rating reference engine."""
    charges = rating.rate_total(
        tariff=files.load_tariff(text=ELECTRICITY),
        month=date(2026, 10, 1),
        quantity=kwh,
        customer=rating.Customer(stratum=stratum, altitude_m=1495),
    )
    lines = document.lines_from_charges(charges=charges, unit=Unit.KWH)
    sample = bills.sample_bill()
    return attrs.evolve(
        sample,
        service=premises.Service.ELECTRICITY,
        stratum=stratum,
        meter_serial="EDM-2019-0142",
        lines=lines,
        reading=attrs.evolve(sample.reading, unit=Unit.KWH, consumption=kwh),
        arrears=Money.zero("COP"),
        total=money.total((x.amount for x in lines), currency="COP"),
        suspension_date=None,
    )


class TestBillsFromRating:
    def test_a_stratum_5_bill_shows_its_contribution_line_and_sum(
        self, bill_renderer: renderer.WeasyPrintBillRenderer
    ) -> None:
        bill = electricity_bill(stratum=5, kwh=Decimal(18))

        text = text_of(bill_renderer.render(document=bill))

        assert bill.contribution == Money.of("3219.53", "COP")  # 18 kWh × 894.3127 × 20 %
        assert "$ 3.219,53" in text
        assert "Contribución de solidaridad: $ 3.219,53" in text
        assert "Energía eléctrica" in text
        assert "sin suspensión programada" in text
        assert "(3902)" in text  # the total has cents, so the barcode says two decimals


class TestLongBills:
    def test_a_bill_too_long_for_one_page_keeps_the_payment_slip_whole(
        self, bill_renderer: renderer.WeasyPrintBillRenderer
    ) -> None:
        sample = bills.sample_bill()
        extra = tuple(
            document.BillLine(
                kind=document.LineKind.OTHER,
                description=f"Cuota {n} de 24 del acuerdo de pago 2026-0142",
                amount=Money.of(1000, "COP"),
            )
            for n in range(1, 25)
        )
        bill = attrs.evolve(
            sample,
            lines=sample.lines + extra,
            total=sample.total + Money.of(24000, "COP"),
        )

        pdf = bill_renderer.render(document=bill)

        pages = pypdfium2.PdfDocument(pdf)
        try:
            assert len(pages) == 2
            last = pages[1].render(scale=200 / 72).to_pil()
        finally:
            pages.close()
        codes = {r.format.name: r.text for r in zxingcpp.read_barcodes(last)}
        assert codes["Code128"] == "(415)7709998000018(8020)0000001420(3900)141909(96)20261119"
        assert codes["QRCode"].endswith("ref=0000001420")

    def test_a_total_too_long_for_the_barcode_is_refused_with_a_code(
        self, bill_renderer: renderer.WeasyPrintBillRenderer
    ) -> None:
        sample = bills.sample_bill()
        huge = Money.of(10**16, "COP")
        bill = attrs.evolve(sample, arrears=huge, total=sample.period_charges + huge)

        with pytest.raises(document.UnableToRenderBill) as raised:
            bill_renderer.render(document=bill)

        assert raised.value.code == "unable_to_render_bill"
        assert raised.value.details["account"] == "0000001420"

    def test_customer_text_is_escaped_not_interpreted(
        self, bill_renderer: renderer.WeasyPrintBillRenderer
    ) -> None:
        bill = attrs.evolve(bills.sample_bill(), customer_name="<b>Ana</b> & Cía")

        html = bill_renderer.render_html(document=bill)

        assert "&lt;b&gt;Ana&lt;/b&gt; &amp; Cía" in html
        assert "<b>Ana</b>" not in html
