"""Ids made in bulk are the ids one call at a time would have made: unique, sorted, valid."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from urbis.adapters import system
from urbis.kernel import ids

AT = datetime(2026, 11, 1, 5, tzinfo=UTC)


class TestNewIds:
    def test_continues_the_sequence_of_single_ids_under_one_clock_reading(self) -> None:
        generator = system.UlidGenerator(system.FixedClock(AT))
        before = generator.new_id()

        many = generator.new_ids(1000)
        after = generator.new_id()

        ordered = [before, *many, after]
        assert ordered == sorted(ordered)
        assert len(set(ordered)) == 1002
        assert all(len(i) == 26 and i[:10] == before[:10] for i in ordered)

    def test_makes_nothing_for_no_ids(self) -> None:
        generator = system.UlidGenerator(system.FixedClock(AT))

        assert generator.new_ids(0) == []

    @given(
        first=st.one_of(
            st.integers(min_value=0, max_value=2**79),
            st.integers(min_value=2**40 - 20, max_value=2**40 + 20),  # a carry between halves
        ),
        count=st.integers(min_value=1, max_value=40),
    )
    def test_encodes_each_id_as_the_kernel_does(self, first: int, count: int) -> None:
        prefix = ids.make_ulid(at=AT, entropy=0)[:10]

        encoded = system._encode_many(prefix, first, count)

        assert encoded == [ids.make_ulid(at=AT, entropy=first + i) for i in range(count)]
