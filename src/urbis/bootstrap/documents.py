"""Which adapter renders bill documents."""

from __future__ import annotations

from urbis.adapters.documents import renderer
from urbis.application.billing import document


def bill_renderer() -> document.BillRenderer:
    """Return the PDF renderer of bill documents (WeasyPrint, Spanish and English)."""
    return renderer.WeasyPrintBillRenderer()
