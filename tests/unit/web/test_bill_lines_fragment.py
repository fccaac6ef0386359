"""A bill's lines on the account page: quantity and unit price only when lines have them."""

from __future__ import annotations

from typing import Any

from urbis.interfaces import web
from urbis.interfaces.web import catalogue


def _render(lines: list[dict[str, Any]], lang: str) -> str:
    return web.templates.get_template("_bill_lines.html").render(
        t=catalogue.LANGUAGES[lang],
        v=catalogue.VALUES[lang],
        f=catalogue.FACTS[lang],
        bill={
            "id": "b1",
            "period": "2026-10",
            "service": "WATER",
            "currency": "COP",
            "total": "27100.00",
            "lines": lines,
        },
        has_quantities=any(line.get("quantity") is not None for line in lines),
    )


class TestBillLinesFragment:
    def test_shows_quantity_and_unit_price_when_the_lines_carry_them(self) -> None:
        lines: list[dict[str, Any]] = [
            {
                "kind": "ENERGY",
                "description": "Consumo básico",
                "amount": "25000.00",
                "quantity": "10",
                "unit_price": "2500.00",
                "block": "",
                "period": "",
            },
            {
                "kind": "FIXED",
                "description": "Cargo fijo",
                "amount": "2100.00",
                "quantity": None,
                "unit_price": None,
                "block": "",
                "period": "",
            },
        ]

        spanish = _render(lines, "es")
        english = _render(lines, "en")

        assert "Cantidad" in spanish
        assert "Valor unitario" in spanish
        assert '<td class="money">2500.00</td>' in spanish
        assert "Cargo fijo" in spanish
        assert "Acueducto" in spanish
        assert "Unit price" in english
        assert "Fixed charge" in english
        assert "27100.00 COP" in english

    def test_leaves_them_out_when_no_line_has_them(self) -> None:
        lines: list[dict[str, Any]] = [
            {"kind": "TAX", "description": "IVA", "amount": "100.00", "block": "", "period": ""}
        ]

        spanish = _render(lines, "es")
        empty = _render([], "en")

        assert "Cantidad" not in spanish
        assert "Impuestos" in spanish
        assert "The bill has no lines." in empty
