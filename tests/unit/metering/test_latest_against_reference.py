"""The latest version of each read, as of any instant, is the one a plain reading picks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from urbis.domain import metering

T0 = datetime(2026, 3, 1, tzinfo=UTC)
Version = tuple[str, str, datetime, float, datetime, int]


def reference(versions: list[Version], as_of: datetime | None) -> list[tuple[object, ...]]:
    """Per (meter, channel, start), the version with the greatest (recorded_at, sequence)."""
    best: dict[tuple[str, str, datetime], Version] = {}
    for version in versions:
        if as_of is not None and version[4] > as_of:
            continue
        key = version[:3]
        if key not in best or version[4:] > best[key][4:]:
            best[key] = version
    return [best[key] for key in sorted(best)]


@st.composite
def histories(draw: st.DrawFn) -> list[Version]:
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["M1", "M2", "M10"]),
                st.sampled_from(["B1", "E1"]),
                st.integers(0, 5).map(lambda i: T0 + timedelta(minutes=15 * i)),
            ),
            min_size=1,
            max_size=12,
        )
    )
    versions = []
    for sequence, key in enumerate(draw(st.permutations(keys))):
        recorded = T0 + timedelta(days=draw(st.integers(1, 4)))
        versions.append((*key, float(draw(st.integers(0, 9))), recorded, sequence))
    return versions


class TestLatestAgainstAPlainReading:
    @settings(max_examples=150, deadline=None)
    @given(versions=histories(), days=st.one_of(st.none(), st.integers(0, 5)))
    def test_picks_what_the_reference_picks_in_key_order(
        self, versions: list[Version], days: int | None
    ) -> None:
        as_of = None if days is None else T0 + timedelta(days=days)
        frame = pl.DataFrame(
            versions,
            schema={
                "meter": pl.String(),
                "channel": pl.String(),
                "start": pl.Datetime("us", "UTC"),
                "quantity": pl.Float64(),
                "recorded_at": pl.Datetime("us", "UTC"),
                "sequence": pl.Int64(),
            },
            orient="row",
        )

        found = metering.latest(frame=frame.lazy(), as_of=as_of).collect()

        assert found.rows() == reference(versions, as_of)
