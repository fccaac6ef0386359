"""The consumption history chart."""

from __future__ import annotations

import re
from decimal import Decimal

from urbis.adapters.documents import chart


def bars_of(svg: str) -> list[tuple[float, str]]:
    return [
        (float(height), colour)
        for height, colour in re.findall(r'<rect [^>]*height="([\d.]+)" fill="(#\w+)"', svg)
    ]


class TestHistoryChart:
    def test_draws_a_bar_per_period_scaled_to_the_largest(self) -> None:
        bars = [
            chart.Bar(label="sep 26", value=Decimal(10)),
            chart.Bar(label="oct 26", value=Decimal(20), current=True),
        ]

        svg = chart.svg(bars, average=None, number=str)

        drawn = bars_of(svg)
        assert [colour for _, colour in drawn] == ["#9db4c8", "#1f4e79"]
        assert drawn[1][0] == 2 * drawn[0][0]
        assert "stroke-dasharray" not in svg

    def test_marks_estimates_and_the_average(self) -> None:
        bars = [chart.Bar(label="oct 26", value=Decimal(17), current=True, estimated=True)]

        svg = chart.svg(bars, average=Decimal(16), number=lambda v: f"{v} m³")

        assert bars_of(svg)[0][1] == "#e0a526"
        assert "stroke-dasharray" in svg
        assert ">17 m³<" in svg

    def test_zero_consumption_draws_flat_bars_without_dividing_by_zero(self) -> None:
        svg = chart.svg([chart.Bar(label="oct 26", value=Decimal(0))], average=None, number=str)

        assert bars_of(svg) == [(0.0, "#9db4c8")]
