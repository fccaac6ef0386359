"""Iterating ahead on a thread of its own (the bill run's loading stage; ADR 0079)."""

from __future__ import annotations

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
