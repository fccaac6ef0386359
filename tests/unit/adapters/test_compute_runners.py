"""The runners keep results in the order of their inputs, however many run at once."""

from __future__ import annotations

from urbis.adapters import compute


class TestRunners:
    def test_a_process_pool_answers_in_input_order(self) -> None:
        items = [-5, 3, -1, 8, -2, 7, 0]

        results = list(compute.ProcessPool(2).map(abs, iter(items)))

        assert results == [5, 3, 1, 8, 2, 7, 0]

    def test_in_process_answers_lazily_in_order(self) -> None:
        seen: list[int] = []

        def source() -> list[int]:
            return [1, 2, 3]

        def double(x: int) -> int:
            seen.append(x)
            return x * 2

        results = compute.InProcess().map(double, source())

        assert seen == []
        assert list(results) == [2, 4, 6]
