"""Where a bill run's partition function runs: this process, a local process pool, or Dask."""

from __future__ import annotations

import collections
import concurrent.futures
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from urbis.application import pipeline

T = TypeVar("T")
R = TypeVar("R")


class InProcess:
    """One batch after another in this process (tests, small runs, one core)."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)


class Pipelined:
    """
    One background thread that takes each batch (its loads happen as it is taken) and runs the
    partition function on it, ``ahead`` batches before the caller, while the caller writes the
    previous one. Polars and the database drivers release the GIL while they work, so loading
    and rating overlap with writing on two cores without a second process (nothing pickled).
    """

    def __init__(self, ahead: int = 2) -> None:
        self.ahead = ahead

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return pipeline.ahead(
            (fn(item) for item in items), self.ahead, name="urbis-billrun-pipeline"
        )


def _windowed(
    submit: Callable[[T], Any], result: Callable[[Any], R], items: Iterable[T], ahead: int
) -> Iterator[R]:
    """Keep ``ahead`` batches in flight; yield results in order (memory stays bounded)."""
    pending: collections.deque[Any] = collections.deque()
    for item in items:
        pending.append(submit(item))
        if len(pending) >= ahead:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


class ProcessPool:
    """A local pool of worker processes (spawned: no inherited threads or connections)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(self.workers, mp_context=context) as pool:
            yield from _windowed(
                lambda item: pool.submit(fn, item),
                lambda future: future.result(),
                items,
                ahead=self.workers + 1,
            )


class DaskCluster:
    """A Dask distributed scheduler (an address, or a ``distributed.Client`` given by a test)."""

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        import distributed

        if isinstance(self.scheduler, distributed.Client):
            client, own = self.scheduler, False
        else:
            client, own = distributed.Client(self.scheduler), True  # type: ignore[no-untyped-call]
        try:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            yield from _windowed(
                lambda item: client.submit(fn, item, pure=False),
                lambda future: future.result(),
                items,
                ahead=workers + 1,
            )
        finally:
            if own:
                client.close()  # type: ignore[no-untyped-call]
