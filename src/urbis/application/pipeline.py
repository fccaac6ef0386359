"""Iterating ahead on a thread of its own: the stages of a batch job overlap on the cores."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def ahead(items: Iterable[T], depth: int, *, name: str) -> Iterator[T]:
    """
    The items of ``items``, in order, produced by a background thread up to ``depth`` ahead of
    the caller (Polars and the database drivers release the GIL while they work, so the
    producer's work overlaps the caller's). An error of the producer is raised to the caller
    where the item would have come; a caller that stops early stops the producer.
    """
    done: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                done.put((True, item))
        except BaseException as exc:  # handed to the caller, raised there
            done.put((False, exc))
            return
        done.put((False, None))

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            ok, value = done.get()
            if not ok:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full queue see the stop
            with contextlib.suppress(queue.Empty):
                done.get(timeout=0.05)
        worker.join()
