"""The runners keep results in the order of their inputs, however many run at once."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator

import pytest

from urbis.adapters import compute
from urbis.bootstrap import billing as billing_wiring


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


class TestPipelined:
    def test_answers_in_input_order(self) -> None:
        items = [-5, 3, -1, 8, -2, 7, 0]

        results = list(compute.Pipelined(ahead=2).map(abs, iter(items)))

        assert results == [5, 3, 1, 8, 2, 7, 0]

    def test_takes_at_most_its_window_ahead_of_the_caller(self) -> None:
        taken: list[int] = []

        def source() -> Iterator[int]:
            for i in range(10):
                taken.append(i)
                yield i

        results = compute.Pipelined(ahead=2).map(lambda x: x, source())
        first = next(results)
        deadline = time.monotonic() + 5
        while len(taken) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)

        assert first == 0
        # one handed over, two waiting in the window, one computed and blocked on the window
        assert len(taken) == 4
        assert list(results) == list(range(1, 10))

    def test_raises_the_partition_functions_error_in_the_caller(self) -> None:
        def fail_on_three(x: int) -> int:
            if x == 3:
                raise ValueError("three")
            return x

        results = compute.Pipelined().map(fail_on_three, iter(range(6)))

        assert [next(results) for _ in range(3)] == [0, 1, 2]
        with pytest.raises(ValueError, match="three"):
            next(results)

    def test_stops_taking_items_when_the_caller_stops(self) -> None:
        taken: list[int] = []

        def source() -> Iterator[int]:
            for i in range(1000):
                taken.append(i)
                yield i

        results = compute.Pipelined(ahead=1).map(lambda x: x, source())
        assert next(results) == 0
        assert isinstance(results, Generator)
        results.close()

        assert len(taken) < 10


class TestPartitionRunnerSetting:
    @pytest.mark.parametrize(
        ("setting", "expected"),
        [
            ("", compute.Pipelined),
            ("0", compute.InProcess),
            ("1", compute.Pipelined),
            ("2", compute.ProcessPool),
        ],
    )
    def test_urbis_billrun_workers_picks_the_runner(
        self, monkeypatch: pytest.MonkeyPatch, setting: str, expected: type
    ) -> None:
        monkeypatch.delenv("URBIS_DASK_SCHEDULER", raising=False)
        monkeypatch.setenv("URBIS_BILLRUN_WORKERS", setting)

        runner = billing_wiring.partition_runner()

        assert isinstance(runner, expected)
