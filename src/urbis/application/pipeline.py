"""Iterating ahead on a thread of its own: the stages of a batch job overlap on the cores."""

from __future__ import annotations

import contextlib
import gc
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

# While a batch job runs, the cycle collector's youngest generation is collected after this many
# new container objects instead of Python's default 700 (ADR 0080).
BATCH_GC_THRESHOLD = 100_000

_gc_lock = threading.Lock()
_gc_jobs = 0
_gc_saved: tuple[int, int, int] | None = None


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """
    Collect cyclic garbage less often while a batch job runs, and restore the process's
    thresholds when the last job running ends. A batch job allocates millions of short-lived
    tuples and frames' Python wrappers (the database drivers' rows): at Python's default
    threshold the collector runs every 700 of them and, as they survive into the older
    generations, walks the whole heap again and again for garbage that reference counting
    frees anyway. Reference counting still frees everything else at once.
    """
    global _gc_jobs, _gc_saved
    with _gc_lock:
        if _gc_jobs == 0:
            _gc_saved = gc.get_threshold()
            first, *rest = _gc_saved
            gc.set_threshold(max(first, BATCH_GC_THRESHOLD), *rest)
        _gc_jobs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_jobs -= 1
            if _gc_jobs == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
                _gc_saved = None


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
