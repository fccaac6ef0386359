"""The consumption history chart: past periods and this one as bars, in inline SVG."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

import attrs

WIDTH = 300
HEIGHT = 96
_TOP = 16  # room for the value labels
_BOTTOM = 18  # room for the period labels
_PAST = "#9db4c8"
_CURRENT = "#1f4e79"
_ESTIMATED = "#e0a526"


@attrs.frozen
class Bar:
    label: str
    value: Decimal
    current: bool = False
    estimated: bool = False


def svg(bars: Sequence[Bar], *, average: Decimal | None, number: Callable[[Decimal], str]) -> str:
    """
    Draw one bar per period, oldest first, this period darker and estimates amber.

    A dashed line marks the average of the previous periods when there is one. ``number``
    formats the values in the bill's language.
    """
    plot_height = HEIGHT - _TOP - _BOTTOM
    peak = max([b.value for b in bars] + [average or Decimal(0), Decimal(1)])
    slot = Decimal(WIDTH) / max(len(bars), 1)
    bar_width = slot * Decimal("0.6")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans" font-size="8">',
        f'<line x1="0" y1="{HEIGHT - _BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - _BOTTOM}" '
        'stroke="#666" stroke-width="0.8"/>',
    ]
    for index, bar in enumerate(bars):
        height = (bar.value / peak * plot_height).quantize(Decimal("0.1"))
        x = (slot * index + (slot - bar_width) / 2).quantize(Decimal("0.1"))
        y = HEIGHT - _BOTTOM - height
        colour = _ESTIMATED if bar.estimated else _CURRENT if bar.current else _PAST
        centre = (x + bar_width / 2).quantize(Decimal("0.1"))
        weight = ' font-weight="bold"' if bar.current else ""
        parts.append(
            f'<rect x="{x}" y="{y}" width="{bar_width.quantize(Decimal("0.1"))}" '
            f'height="{height}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{centre}" y="{y - 3}" text-anchor="middle"{weight}>'
            f"{escape(number(bar.value))}</text>"
        )
        parts.append(
            f'<text x="{centre}" y="{HEIGHT - 5}" text-anchor="middle"{weight}>'
            f"{escape(bar.label)}</text>"
        )
    if average is not None:
        y = (HEIGHT - _BOTTOM - average / peak * plot_height).quantize(Decimal("0.1"))
        parts.append(
            f'<line x1="0" y1="{y}" x2="{WIDTH}" y2="{y}" stroke="#c0392b" '
            'stroke-width="0.8" stroke-dasharray="3 2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
