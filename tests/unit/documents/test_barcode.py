"""GS1-128: element strings, Code 128 symbol values and bars, checked against a decoder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st

from urbis.adapters.documents import barcode

GLN = "7709998000018"


def decode(data: str) -> list[tuple[str, str, str]]:
    """Rasterise the symbol (3 px per module, quiet zones) and read it back with zxing-cpp."""
    bars = barcode.modules(barcode.symbol_values(data))
    row = np.array([255] * 30 + [0 if m == "1" else 255 for m in bars] + [255] * 30, dtype=np.uint8)
    image = np.ascontiguousarray(np.repeat(np.repeat(row[None, :], 40, axis=0), 3, axis=1))
    return [(r.format.name, r.text, r.symbology_identifier) for r in zxingcpp.read_barcodes(image)]


class TestSymbolValues:
    def test_encodes_the_gs1_general_specifications_example(self) -> None:
        # (01)12345678901231: Start C, FNC1, then the 16 digits in pairs. Check character:
        # 105 + 102·1 + 1·2 + 12·3 + 34·4 + 56·5 + 78·6 + 90·7 + 12·8 + 31·9 = 2134 ≡ 74 (mod 103)
        values = barcode.symbol_values("0112345678901231")

        assert values == (105, 102, 1, 12, 34, 56, 78, 90, 12, 31, 74, 106)

    def test_check_character_is_the_weighted_sum_modulo_103(self) -> None:
        assert barcode.check_value([105, 102, 1, 12, 34, 56, 78, 90, 12, 31]) == 74

    def test_a_lone_digit_before_fnc1_goes_in_code_set_b(self) -> None:
        values = barcode.symbol_values("8020123" + barcode.FNC1 + "3900150000")

        assert values[:8] == (105, 102, 80, 20, 12, barcode.CODE_B, ord("3") - 32, 102)
        assert values[8:13] == (barcode.CODE_C, 39, 0, 15, 0)

    def test_every_pattern_is_eleven_modules_and_the_stop_thirteen(self) -> None:
        assert len(set(barcode.PATTERNS)) == 107
        assert {sum(map(int, p)) for p in barcode.PATTERNS[:106]} == {11}
        assert sum(map(int, barcode.PATTERNS[barcode.STOP])) == 13

    def test_every_code_set_c_pair_decodes(self) -> None:
        digits = "".join(f"{i:02d}" for i in range(100))

        assert decode(digits) == [("Code128", digits, "]C1")]

    def test_every_printable_character_decodes(self) -> None:
        text = "8020" + "".join(chr(c) for c in range(32, 127))

        assert decode(text) == [("Code128", text, "]C1")]

    @pytest.mark.parametrize("data", ["", "8020é", "8020\n"])
    def test_refuses_what_code_128_cannot_carry(self, data: str) -> None:
        with pytest.raises(barcode.InvalidBarcodeData) as raised:
            barcode.symbol_values(data)

        assert raised.value.code == "invalid_barcode_data"


class TestPaymentCode:
    def test_builds_the_element_string_with_fnc1_after_variable_fields(self) -> None:
        code = barcode.PaymentCode(
            gln=GLN, reference="0000001420", amount=Decimal("117909.00"),
            due_date=date(2026, 11, 19),
        )  # fmt: skip

        assert code.element_string() == (
            "415" "7709998000018" "8020" "0000001420" "\x1d" "3900" "117909" "\x1d"
            "96" "20261119"
        )  # fmt: skip
        assert code.human_readable() == (
            "(415)7709998000018(8020)0000001420(3900)117909(96)20261119"
        )

    def test_an_amount_with_cents_names_its_decimals_in_the_ai(self) -> None:
        code = barcode.PaymentCode(
            gln=GLN, reference="42", amount=Decimal("1500.50"), due_date=date(2026, 1, 2)
        )

        assert code.amount_field == ("3901", "15005")
        assert decode(code.element_string())[0][1] == (
            "(415)7709998000018(8020)42(3901)15005(96)20260102"
        )

    @pytest.mark.parametrize(
        ("gln", "reference", "amount"),
        [
            ("770999800001", "42", Decimal(1)),
            (GLN, "", Decimal(1)),
            (GLN, "12A", Decimal(1)),
            (GLN, "1" * 25, Decimal(1)),
            (GLN, "42", Decimal(-1)),
            (GLN, "42", Decimal(10) ** 16),
        ],
    )
    def test_refuses_fields_that_do_not_fit_their_identifier(
        self, gln: str, reference: str, amount: Decimal
    ) -> None:
        code = barcode.PaymentCode(
            gln=gln, reference=reference, amount=amount, due_date=date(2026, 1, 2)
        )

        with pytest.raises(barcode.InvalidBarcodeData):
            code.element_string()

    @settings(max_examples=60, deadline=None)
    @given(
        reference=st.text(alphabet="0123456789", min_size=1, max_size=24),
        pesos=st.integers(0, 10**12),
        cents=st.integers(0, 99),
        due=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    )
    def test_any_bill_decodes_to_its_fields(
        self, reference: str, pesos: int, cents: int, due: date
    ) -> None:
        amount = Decimal(pesos) + Decimal(cents).scaleb(-2)
        code = barcode.PaymentCode(gln=GLN, reference=reference, amount=amount, due_date=due)

        decoded = decode(code.element_string())

        assert decoded == [("Code128", code.human_readable(), "]C1")]
        ai, digits = code.amount_field
        assert Decimal(digits).scaleb(-int(ai[-1])) == amount


class TestSvg:
    def test_draws_one_subpath_per_bar_with_quiet_zones(self) -> None:
        values = barcode.symbol_values("0112345678901231")
        bars = barcode.modules(values)
        runs = sum(1 for i, m in enumerate(bars) if m == "1" and (i == 0 or bars[i - 1] == "0"))

        svg = barcode.svg(values)

        assert svg.count("M") == runs
        assert svg.count("<rect") == 1  # the white background
        assert f'viewBox="0 0 {len(bars) + 20} 1"' in svg
