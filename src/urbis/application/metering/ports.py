"""What the metering use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol, runtime_checkable

import attrs
import polars as pl

from urbis.domain import metering


class MeterDirectory(Protocol):
    def find(self, *, serial: str | None = None, nmi: str | None = None) -> metering.Meter | None:
        """The meter with this serial, or the one meter at this NMI; None when unknown."""
        ...


class IntervalStore(Protocol):
    def append(self, frame: pl.DataFrame) -> int:
        """Add versions (rows in the interval schema) atomically; return the rows written."""
        ...

    def scan(
        self,
        *,
        meters: Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> pl.LazyFrame:
        """Every stored version of these meters with interval start in ``[start, end)``."""
        ...

    def next_sequence(self) -> int:
        """A sequence number greater than every stored one."""
        ...


@attrs.frozen
class Compaction:
    """One partition merged into a single file: which, from how many files, how many rows."""

    partition: str
    files_before: int
    rows: int


@runtime_checkable
class CompactsIntervals(Protocol):
    def compact(self, *, month: str | None = None) -> tuple[Compaction, ...]:
        """
        Merge each partition's delivery files (of one month, ``YYYY-MM``, or all) into one
        sorted file keeping every version; readers see the old files or the new one, never
        a mixture, and a crash loses nothing.
        """
        ...


class RegisterReadStore(Protocol):
    def append(self, frame: pl.DataFrame) -> int:
        """Add register read versions atomically; return the rows written."""
        ...

    def scan(self, *, meters: Sequence[str] | None = None) -> pl.LazyFrame:
        """Every stored register read version of these meters."""
        ...

    def readings_at(
        self, *, at: datetime, as_of: datetime | None = None, meters: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """
        Per meter and register, the latest read taken at or before ``at``, in its latest
        version recorded at or before ``as_of`` (register schema, sorted by meter, register).
        """
        ...


class SupplySpans(Protocol):
    def spans(
        self, *, start_date: date, end_date: date, agreements: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """
        Which meter served which agreement on which days of ``[start_date, end_date)``: the
        overlap of each agreement's span with its service point's meter installations, in
        ``metering.SUPPLY_SPAN_SCHEMA`` (``to_date`` exclusive).
        """
        ...


class ExceptionStatus:
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    EDITED = "EDITED"
    DISMISSED = "DISMISSED"


@attrs.frozen
class ReadException:
    """A VEE finding waiting for, or given, review."""

    id: str
    meter: str
    channel: str
    start: datetime
    check: str
    count: int
    detail: str
    raised_at: datetime
    status: str = ExceptionStatus.OPEN
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    note: str | None = None


class ExceptionQueue(Protocol):
    def add(self, items: Sequence[ReadException]) -> None:
        """Queue new findings."""
        ...

    def get(self, exception_id: str) -> ReadException | None: ...

    def list(self, *, status: str | None = None) -> tuple[ReadException, ...]:
        """Findings, oldest first, optionally only those with this status."""
        ...

    def save(self, item: ReadException) -> None:
        """Replace one finding (after review)."""
        ...
