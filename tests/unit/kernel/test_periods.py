from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from urbis.kernel import ids
from urbis.kernel.periods import InvalidPeriod, Period, any_overlap

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@st.composite
def periods(draw: st.DrawFn) -> Period[date]:
    start = draw(days)
    length = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=800)))
    return Period(start, None if length is None else start + timedelta(days=length))


class TestPeriod:
    @given(periods(), periods())
    def test_overlap_is_symmetric(self, a: Period[date], b: Period[date]) -> None:
        assert a.overlaps(b) == b.overlaps(a)

    @given(periods(), periods(), days)
    def test_intersection_contains_exactly_the_shared_days(
        self, a: Period[date], b: Period[date], day: date
    ) -> None:
        shared = a.intersection(b)

        in_both = a.contains(day) and b.contains(day)
        assert (shared is not None and shared.contains(day)) == in_both

    @given(periods(), st.data())
    def test_split_parts_touch_and_cover_the_original(
        self, p: Period[date], data: st.DataObject
    ) -> None:
        last = p.end - timedelta(days=1) if p.end is not None else p.start + timedelta(days=900)
        assume(last > p.start)
        day = data.draw(st.dates(min_value=p.start + timedelta(days=1), max_value=last))

        left, right = p.split_at(day)

        assert left.end == right.start == day
        assert not left.overlaps(right)
        assert left.start == p.start
        assert right.end == p.end

    def test_touching_periods_do_not_overlap(self) -> None:
        january = Period(date(2026, 1, 1), date(2026, 2, 1))
        february = Period(date(2026, 2, 1), date(2026, 3, 1))

        assert not january.overlaps(february)
        assert january.days() == 31

    def test_open_ended_period_overlaps_everything_after_its_start(self) -> None:
        assert Period(date(2026, 1, 1)).overlaps(Period(date(2040, 1, 1), date(2040, 1, 2)))

    def test_february_of_a_leap_year_has_29_days(self) -> None:
        assert Period(date(2028, 2, 1), date(2028, 3, 1)).days() == 29

    def test_end_before_start_is_refused(self) -> None:
        with pytest.raises(InvalidPeriod) as caught:
            Period(date(2026, 2, 1), date(2026, 1, 1))

        assert caught.value.code == "invalid_period"

    def test_naive_instants_are_refused(self) -> None:
        with pytest.raises(InvalidPeriod):
            Period(datetime(2026, 1, 1), datetime(2026, 1, 2))  # noqa: DTZ001

    def test_instant_periods_measure_real_time_across_offsets(self) -> None:
        p = Period(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC))

        assert p.duration() == timedelta(hours=1)

    def test_finds_the_overlapping_pair(self) -> None:
        a = Period(date(2026, 1, 1), date(2026, 2, 1))
        b = Period(date(2026, 3, 1))
        c = Period(date(2026, 1, 15), date(2026, 1, 20))

        assert any_overlap([b, a, c]) == (a, c)
        assert any_overlap([a, b]) is None


class TestIds:
    def test_ulids_sort_by_time(self) -> None:
        early = ids.make_ulid(at=datetime(2026, 1, 1, tzinfo=UTC), entropy=2**79)
        late = ids.make_ulid(at=datetime(2026, 1, 2, tzinfo=UTC), entropy=0)

        assert early < late
        assert len(early) == len(late) == 26
