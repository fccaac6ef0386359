"""Business days in the utility's local calendar: weekends and public holidays skipped."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import holidays
import numpy as np

from urbis.kernel import errors

BOGOTA = ZoneInfo("America/Bogota")


class InvalidBusinessDays(errors.InvalidValue):
    code = "invalid_business_days"


@attrs.frozen
class BusinessCalendar:
    """Working days of one place: Monday to Friday except the listed public holidays."""

    zone: ZoneInfo
    holidays: frozenset[date]
    first_year: int
    last_year: int

    @functools.cached_property
    def holiday_array(self) -> np.ndarray[Any, np.dtype[np.datetime64]]:
        """The holidays as numpy dates, for counting business days in bulk."""
        return np.array(sorted(self.holidays), dtype="datetime64[D]")

    def _check_year(self, day: date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise InvalidBusinessDays(
                f"The calendar covers {self.first_year}–{self.last_year}, not {day.isoformat()}",
                details={"date": day.isoformat()},
            )

    def is_business_day(self, day: date) -> bool:
        """
        Whether a date is a working day (not a weekend, not a public holiday).

        :raises InvalidBusinessDays: if the date is outside the years the calendar covers.
        """
        self._check_year(day)
        return day.weekday() < 5 and day not in self.holidays

    def local_date(self, at: datetime) -> date:
        """The calendar date of an aware instant in this calendar's zone."""
        return at.astimezone(self.zone).date()

    def start_of(self, day: date) -> datetime:
        """The first instant of a local date, as an aware instant in the calendar's zone."""
        return datetime.combine(day, time(0), tzinfo=self.zone)


def colombia_calendar(*, years: Iterable[int]) -> BusinessCalendar:
    """
    Build Colombia's business calendar (Ley 51 de 1983 holidays) from the first to the last
    of the given years.

    :raises InvalidBusinessDays: if no year is given.
    """
    given = sorted(set(years))
    if not given:
        raise InvalidBusinessDays("A business calendar needs at least one year")
    wanted = list(range(given[0], given[-1] + 1))  # no gap may pass for a year without holidays
    known = holidays.country_holidays("CO", years=wanted)
    return BusinessCalendar(
        zone=BOGOTA,
        holidays=frozenset(known.keys()),
        first_year=wanted[0],
        last_year=wanted[-1],
    )


def add_business_days(*, calendar: BusinessCalendar, start: date, days: int) -> date:
    """
    Return the date that is ``days`` business days after ``start``, counting from the next day.

    ``start`` itself never counts, whether or not it is a business day (the legal terms
    run from the day after filing).

    :raises InvalidBusinessDays: if ``days`` is not positive or the calendar runs out.
    """
    if days < 1:
        raise InvalidBusinessDays(
            "A term in business days has at least one day", details={"days": days}
        )
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_business_day(day):
            counted += 1
    return day


def business_days_between(*, calendar: BusinessCalendar, start: date, end: date) -> int:
    """
    Count business days in ``(start, end]``: after ``start``, up to and including ``end``.

    Negative when ``end`` is before ``start``.

    :raises InvalidBusinessDays: if a date is outside the years the calendar covers.
    """
    if end < start:
        return -business_days_between(calendar=calendar, start=end, end=start)
    calendar._check_year(start)
    calendar._check_year(end)
    one = timedelta(days=1)
    return int(np.busday_count(start + one, end + one, holidays=calendar.holiday_array))
