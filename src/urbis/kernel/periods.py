"""
Half-open periods ``[start, end)`` over dates or aware instants.

``end=None`` means open-ended (still in force). Two periods that touch
(``a.end == b.start``) do not overlap. See docs/adr/0002-periods.md.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

import attrs

from urbis.kernel import errors

T = TypeVar("T", date, datetime)


class InvalidPeriod(errors.InvalidValue):
    code = "invalid_period"


def _check_bound(value: date | datetime | None, name: str) -> None:
    if isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidPeriod(f"Period {name} must be timezone-aware", details={name: str(value)})


@attrs.frozen
class Period(Generic[T]):
    """A half-open span ``[start, end)``; ``end`` of ``None`` is open-ended."""

    start: T
    end: T | None = None

    def __attrs_post_init__(self) -> None:
        _check_bound(self.start, "start")
        _check_bound(self.end, "end")
        if type(self.start) is not type(self.end) and self.end is not None:
            raise InvalidPeriod("Period start and end must both be dates or both instants")
        if self.end is not None and self.end <= self.start:
            raise InvalidPeriod(
                f"Period end {self.end} must be after its start {self.start}",
                details={"start": str(self.start), "end": str(self.end)},
            )

    @property
    def is_open(self) -> bool:
        return self.end is None

    def contains(self, point: T) -> bool:
        """Whether an instant or date falls inside ``[start, end)``."""
        return self.start <= point and (self.end is None or point < self.end)

    def overlaps(self, other: Period[T]) -> bool:
        """Whether the two periods share any point (touching periods do not)."""
        starts_before_other_ends = other.end is None or self.start < other.end
        other_starts_before_self_ends = self.end is None or other.start < self.end
        return starts_before_other_ends and other_starts_before_self_ends

    def intersection(self, other: Period[T]) -> Period[T] | None:
        """The shared part of two periods, or ``None`` if they do not overlap."""
        if not self.overlaps(other):
            return None
        start = max(self.start, other.start)
        ends = [e for e in (self.end, other.end) if e is not None]
        return Period(start, min(ends) if ends else None)

    def duration(self) -> timedelta:
        """
        The length of a closed period.

        :raises InvalidPeriod: if the period is open-ended.
        """
        if self.end is None:
            raise InvalidPeriod("An open-ended period has no duration")
        return self.end - self.start

    def days(self) -> int:
        """Whole days in a closed period of dates (the number of billing days)."""
        return self.duration().days

    def split_at(self, point: T) -> tuple[Period[T], Period[T]]:
        """
        Cut the period in two at a point strictly inside it.

        :raises InvalidPeriod: if the point is not strictly inside.
        """
        if not (self.start < point and (self.end is None or point < self.end)):
            raise InvalidPeriod(
                f"{point} is not strictly inside the period", details={"point": str(point)}
            )
        return Period(self.start, point), Period(point, self.end)

    def __str__(self) -> str:
        end = "…" if self.end is None else self.end.isoformat()
        return f"[{self.start.isoformat()}, {end})"


def any_overlap(periods: list[Period[T]]) -> tuple[Period[T], Period[T]] | None:
    """Return the first pair of overlapping periods, or ``None`` if all are disjoint."""
    ordered = sorted(periods, key=lambda p: p.start)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.overlaps(later):
            return earlier, later
    return None
