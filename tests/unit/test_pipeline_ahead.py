"""Iterating ahead on a thread of its own (the bill run's loading stage; ADR 0079)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from urbis.application import pipeline


def test_items_are_produced_on_a_named_thread_of_their_own_in_order() -> None:
    producers: list[str] = []

    def source() -> Iterator[int]:
        for i in range(5):
            producers.append(threading.current_thread().name)
            yield i

    assert list(pipeline.ahead(source(), 1, name="urbis-test-load")) == [0, 1, 2, 3, 4]
    assert set(producers) == {"urbis-test-load"}
    assert threading.current_thread().name not in producers


def test_an_error_of_the_producer_reaches_the_caller_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise LookupError("no reads for batch 2")

    items = pipeline.ahead(source(), 2, name="urbis-test-load")

    assert next(items) == 1
    with pytest.raises(LookupError, match="batch 2"):
        next(items)


class TestFewerCollections:
    """A batch job raises the cycle collector's first threshold while it runs (ADR 0080)."""

    @pytest.fixture(autouse=True)
    def _default_thresholds(self) -> Iterator[None]:
        saved = gc.get_threshold()
        gc.set_threshold(700, 10, 10)
        yield
        gc.set_threshold(*saved)

    def test_the_threshold_is_raised_while_a_job_runs_and_restored_after(self) -> None:
        with pipeline.fewer_collections():
            assert gc.get_threshold() == (pipeline.BATCH_GC_THRESHOLD, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)

    def test_it_is_restored_when_the_job_fails(self) -> None:
        with pytest.raises(LookupError), pipeline.fewer_collections():
            raise LookupError("batch 3")
        assert gc.get_threshold() == (700, 10, 10)

    def test_it_is_restored_only_when_the_last_of_overlapping_jobs_ends(self) -> None:
        first = pipeline.fewer_collections()
        second = pipeline.fewer_collections()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert gc.get_threshold()[0] == pipeline.BATCH_GC_THRESHOLD
        second.__exit__(None, None, None)
        assert gc.get_threshold() == (700, 10, 10)

    def test_an_operator_s_higher_threshold_is_kept(self) -> None:
        gc.set_threshold(500_000, 10, 10)
        with pipeline.fewer_collections():
            assert gc.get_threshold()[0] == 500_000
        assert gc.get_threshold() == (500_000, 10, 10)
