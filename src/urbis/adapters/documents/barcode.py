"""
GS1-128 barcodes for bill payment: the element string, its Code 128 symbol and an SVG.

Colombian banks and collection agents read utility bills with GS1-128 carrying four
application identifiers (docs/adr/0050-bill-document-layout-and-payment-codes.md):
(415) the utility's GLN, (8020) the payment reference, (390n) the amount payable with n
decimals, and (96) the due date as YYYYMMDD. (8020) and (390n) have variable length, so
each is ended by FNC1 unless it is last.

Code 128 (ISO/IEC 15417) is implemented here rather than taken from a package because the
numeric code set C, FNC1 in first position and between fields, and the symbol check
character are all a bill needs, and each is checked by the tests against a decoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from urbis.kernel import errors


class InvalidBarcodeData(errors.InvalidValue):
    code = "invalid_barcode_data"


FNC1 = "\x1d"  # stands for the FNC1 function character inside element strings (GS)

# Bar and space widths (in modules) of each Code 128 symbol value 0–106; 106 is the stop.
PATTERNS: tuple[str, ...] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip

CODE_B = 100  # switch from code set C to B
CODE_C = 99  # switch from code set B to C
FNC1_VALUE = 102
START_B = 104
START_C = 105
STOP = 106
QUIET_ZONE_MODULES = 10


@attrs.frozen
class PaymentCode:
    """The GS1 content of a bill's payment barcode."""

    gln: str
    reference: str
    amount: Decimal
    due_date: date

    @property
    def amount_field(self) -> tuple[str, str]:
        """The (390n) AI and its digits: n is how many decimals the amount needs (0 for pesos)."""
        normalised = self.amount.normalize()
        exponent = normalised.as_tuple().exponent
        assert isinstance(exponent, int)
        decimals = max(0, -exponent)
        if decimals > 9:
            raise InvalidBarcodeData("An amount for (390n) has at most 9 decimals")
        digits = str(int(self.amount.scaleb(decimals)))
        return f"390{decimals}", digits

    def element_string(self) -> str:
        """
        Return the GS1 element string with FNC1 after each variable-length field but the last.

        :raises InvalidBarcodeData: if a field does not fit its application identifier.
        """
        self._check()
        ai, amount = self.amount_field
        return f"415{self.gln}8020{self.reference}{FNC1}{ai}{amount}{FNC1}96{self.due_date:%Y%m%d}"

    def human_readable(self) -> str:
        """The text printed under the bars: each AI in parentheses, no FNC1."""
        ai, amount = self.amount_field
        return f"(415){self.gln}(8020){self.reference}({ai}){amount}(96){self.due_date:%Y%m%d}"

    def _check(self) -> None:
        if len(self.gln) != 13 or not self.gln.isdigit():
            raise InvalidBarcodeData("(415) carries a 13-digit GLN", details={"gln": self.gln})
        if not self.reference.isdigit() or not 1 <= len(self.reference) <= 24:
            raise InvalidBarcodeData(
                "(8020) carries a reference of 1 to 24 digits",
                details={"reference": self.reference},
            )
        if self.amount < 0:
            raise InvalidBarcodeData("(390n) carries an amount that is not negative")
        if len(self.amount_field[1]) > 15:
            raise InvalidBarcodeData("(390n) carries at most 15 digits")


def symbol_values(data: str) -> tuple[int, ...]:
    r"""
    Encode a GS1 element string as Code 128 symbol values, start to stop, with the check.

    Digits go two at a time in code set C; a lone digit before an FNC1 or at the end, and
    any other printable ASCII character, goes in code set B. FNC1 (``\\x1d``) is a symbol of
    its own in either set. The symbol starts with FNC1, which makes it GS1-128.

    :raises InvalidBarcodeData: if the data is empty or has characters Code 128 B cannot carry.
    """
    if not data:
        raise InvalidBarcodeData("A barcode needs data")
    for char in data:
        if char != FNC1 and not 32 <= ord(char) <= 126:
            raise InvalidBarcodeData(
                "GS1-128 data is printable ASCII", details={"character": repr(char)}
            )

    def digit_run(at: int) -> int:
        end = at
        while end < len(data) and data[end].isdigit():
            end += 1
        return end - at

    code_set = "C" if digit_run(0) >= 2 else "B"
    values = [START_C if code_set == "C" else START_B, FNC1_VALUE]
    i = 0
    while i < len(data):
        char = data[i]
        if char == FNC1:
            values.append(FNC1_VALUE)
            i += 1
            continue
        run = digit_run(i)
        if code_set == "C":
            if run >= 2:
                values.append(int(data[i : i + 2]))
                i += 2
                continue
            values.append(CODE_B)
            code_set = "B"
        # In set B: go (back) to C when at least four digits follow, or an even run ends the data
        # or meets an FNC1 (two symbols saved per pair outweigh the one switch).
        if run >= 4 or (run >= 2 and run % 2 == 0 and _ends_field(data, i + run)):
            if run % 2 == 1:
                values.append(ord(char) - 32)
                i += 1
            values.append(CODE_C)
            code_set = "C"
            continue
        values.append(ord(char) - 32)
        i += 1
    values.append(check_value(values))
    values.append(STOP)
    return tuple(values)


def _ends_field(data: str, at: int) -> bool:
    return at == len(data) or data[at] == FNC1


def check_value(values: Sequence[int]) -> int:
    """The Code 128 symbol check character: start + Σ position × value, modulo 103."""
    return (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103


def modules(values: Sequence[int]) -> str:
    """Return the symbol as a string of modules, ``1`` for bar and ``0`` for space."""
    out = []
    for value in values:
        for index, width in enumerate(PATTERNS[value]):
            out.append(("1" if index % 2 == 0 else "0") * int(width))
    return "".join(out)


def svg(
    values: Sequence[int], *, module_mm: Decimal = Decimal("0.33"), height_mm: Decimal = Decimal(13)
) -> str:
    """
    Draw the symbol as SVG, the bars as one path, with quiet zones; sizes in millimetres.

    The default X-dimension (0.33 mm) and height are in GS1's range for GS1-128 on paper.
    One path (not a rectangle per bar) keeps the PDF small and quick to lay out.
    """
    bars = modules(values)
    total = len(bars) + 2 * QUIET_ZONE_MODULES
    steps = []
    x = 0
    while x < len(bars):
        if bars[x] == "1":
            width = 1
            while x + width < len(bars) and bars[x + width] == "1":
                width += 1
            steps.append(f"M{x + QUIET_ZONE_MODULES} 0h{width}v1h-{width}z")
            x += width
        else:
            x += 1
    width_mm = module_mm * total
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {total} 1" preserveAspectRatio="none" shape-rendering="crispEdges" '
        f'role="img" aria-label="GS1-128">'
        f'<rect x="0" y="0" width="{total}" height="1" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(steps)}"/></svg>'
    )
