"""
The vectorised interval checks find exactly what a plain, row-by-row reading of the rules finds.

The partitions are made to be awkward: shuffled rows, repeated deliveries (same and different
values), holes, two channels, spikes, negative and missing values, zero days, days and months
rolling over, meters of an unknown class or missing from the meter list. Values are multiples
of 1/8 so that every total is exact whatever order it is added in.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urbis.domain import metering

# Three hours before a month ends: series cross midnight and the month boundary.
T0 = datetime(2026, 3, 30, 21, 0, tzinfo=UTC)
CLASSES = {"M1": "RES", "M2": "C&I", "M3": "OTHER"}  # M3's class has no thresholds: default
THRESHOLDS = {
    "RES": metering.Thresholds(spike_factor=4.0, spike_floor=1.0, zero_days=1),
    "C&I": metering.Thresholds(spike_factor=3.0, spike_floor=0.5, zero_days=2),
}
Row = tuple[str, str, datetime, int, float | None]


def _limits(meter: str, listed: set[str]) -> metering.Thresholds | None:
    if meter not in listed:
        return None
    return THRESHOLDS.get(CLASSES[meter], metering.Thresholds())


def _number(text: str) -> float:
    return float(text)


def reference(
    rows: list[Row],
    *,
    listed: set[str],
    as_at: datetime,
    expected: Mapping[str, float] | None = None,
) -> Counter[tuple[object, ...]]:
    """The interval checks read plainly, one series and one row at a time."""
    found: Counter[tuple[object, ...]] = Counter()
    series: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        series[(row[0], row[1])].append(row)
    for (meter, channel), reads in series.items():
        reads.sort(key=lambda r: r[2])
        limits = _limits(meter, listed)
        for here, after in itertools.pairwise(reads):
            step = timedelta(minutes=here[3])
            if after[2] > here[2] + step:
                missing = int((after[2] - here[2]) / step - 1)
                detail = f"{missing} missing intervals"
                found[(meter, channel, here[2] + step, "GAP", missing, detail)] += 1
        by_start: dict[datetime, list[float | None]] = defaultdict(list)
        for read in reads:
            by_start[read[2]].append(read[4])
        for start, values in by_start.items():
            if len(values) > 1:
                detail = f"{len(values)} deliveries, {len(set(values))} distinct values"
                found[(meter, channel, start, "DUPLICATE", len(values) - 1, detail)] += 1
        for read in reads:
            if read[4] is not None and read[4] < 0:
                found[(meter, channel, read[2], "NEGATIVE", 1, read[4])] += 1
            if read[2] + timedelta(minutes=read[3]) > as_at:
                found[(meter, channel, read[2], "FUTURE", 1, "interval ends after as_at")] += 1
        positive = [r[4] for r in reads if r[4] is not None and r[4] > 0]
        if limits is not None and positive:
            typical = statistics.median(positive)
            threshold = max(typical * limits.spike_factor, limits.spike_floor)
            for read in reads:
                if read[4] is not None and read[4] > threshold:
                    found[(meter, channel, read[2], "SPIKE", 1, (read[4], typical))] += 1
        totals: dict[int, float] = defaultdict(float)
        for read in reads:
            totals[int(read[2].timestamp()) // 86_400] += read[4] or 0.0
        if limits is None:
            continue
        if expected is not None and meter in expected:
            for day, total in totals.items():
                at = datetime.fromtimestamp(day * 86_400, tz=UTC)
                usage = (total, expected[meter])
                if total > expected[meter] * limits.high_factor:
                    found[(meter, channel, at, "HIGH_USAGE", 1, usage)] += 1
                if total < expected[meter] * limits.low_factor:
                    found[(meter, channel, at, "LOW_USAGE", 1, usage)] += 1
        zero_days = sorted(day for day, total in totals.items() if total == 0)
        runs: list[list[int]] = []
        for day in zero_days:
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        for run in runs:
            if len(run) >= limits.zero_days:
                at = datetime.fromtimestamp(run[0] * 86_400, tz=UTC)
                detail = f"{len(run)} days without consumption"
                found[(meter, channel, at, "ZERO_CONSUMPTION", len(run), detail)] += 1
    return found


def vectorised(
    rows: list[Row],
    *,
    listed: set[str],
    as_at: datetime,
    expected: Mapping[str, float] | None = None,
) -> Counter[tuple[object, ...]]:
    frame = metering.conform(
        frame=pl.DataFrame(
            rows,
            schema={
                "meter": pl.String(),
                "channel": pl.String(),
                "start": pl.Datetime("us", "UTC"),
                "minutes": pl.Int32(),
                "quantity": pl.Float64(),
            },
            orient="row",
        ),
        schema=metering.INTERVAL_SCHEMA,
    )
    meters = pl.DataFrame(
        {"meter": sorted(listed), "meter_class": [CLASSES[m] for m in sorted(listed)]},
        schema={"meter": pl.String(), "meter_class": pl.String()},
    )
    expected_daily = (
        None
        if expected is None
        else pl.DataFrame(
            {"meter": list(expected), "expected": list(expected.values())},
            schema={"meter": pl.String(), "expected": pl.Float64()},
        )
    )
    found = metering.validate_intervals(
        reads=frame,
        meters=meters,
        thresholds=THRESHOLDS,
        as_at=as_at,
        expected_daily=expected_daily,
    )
    result: Counter[tuple[object, ...]] = Counter()
    for meter, channel, start, check, count, detail in found.iter_rows():
        value: object = detail
        if check == "NEGATIVE":
            value = _number(detail)
        elif check in ("SPIKE", "HIGH_USAGE", "LOW_USAGE"):
            first, _, second = detail.partition(" against a")
            value = (_number(first), _number(second.split()[-1]))
        result[(meter, channel, start, check, count, value)] += 1
    return result


VALUES = st.one_of(
    st.sampled_from([0.125, 0.25, 0.5, 0.75, 1.0, 1.25]),  # ordinary use
    st.sampled_from([0.0, 0.0, 6.0, 40.0, -0.5]),  # zero, spikes, a negative
    st.none(),  # a missing value
)


@st.composite
def partitions(draw: st.DrawFn) -> list[Row]:
    rows: list[Row] = []
    for meter in draw(st.lists(st.sampled_from(sorted(CLASSES)), min_size=1, unique=True)):
        channels = draw(st.lists(st.sampled_from(["B1", "E1"]), min_size=1, unique=True))
        for channel in channels:
            minutes = draw(st.sampled_from([15, 30, 60, 240]))
            count = draw(st.integers(0, 3 * 1440 // minutes))
            idle = draw(st.sampled_from([None, 0.0]))  # a whole series of zeros, or not
            holes = draw(st.sets(st.integers(0, max(count - 1, 0)), max_size=6))
            for i in range(count):
                if i in holes:
                    continue
                value = idle if idle is not None else draw(VALUES)
                rows.append((meter, channel, T0 + timedelta(minutes=minutes * i), minutes, value))
    repeats = draw(st.lists(st.integers(0, max(len(rows) - 1, 0)), max_size=5)) if rows else []
    for index in repeats:
        meter, channel, start, minutes, value = rows[index]
        again = draw(st.sampled_from([value, 2.0]))  # the same value, or a different one
        rows.append((meter, channel, start, minutes, again))
    if draw(st.booleans()):
        rows = draw(st.permutations(rows))
    else:
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestValidateIntervalsAgainstAPlainReading:
    @SETTINGS
    @given(
        rows=partitions(),
        listed=st.sets(st.sampled_from(sorted(CLASSES)), min_size=1),
        hours=st.integers(0, 80),
    )
    def test_finds_what_the_reference_finds(
        self, rows: list[Row], listed: set[str], hours: int
    ) -> None:
        as_at = T0 + timedelta(hours=hours)

        found = vectorised(rows, listed=listed, as_at=as_at)

        assert found == reference(rows, listed=listed, as_at=as_at)

    @SETTINGS
    @given(
        rows=partitions(),
        expected=st.dictionaries(
            st.sampled_from(sorted(CLASSES)), st.sampled_from([0.5, 4.0, 20.0])
        ),
    )
    def test_judges_daily_usage_as_the_reference_does(
        self, rows: list[Row], expected: dict[str, float]
    ) -> None:
        as_at = T0 + timedelta(days=5)

        found = vectorised(rows, listed=set(CLASSES), as_at=as_at, expected=expected)

        assert found == reference(rows, listed=set(CLASSES), as_at=as_at, expected=expected)

    def test_a_fleet_with_every_kind_of_problem_is_judged_alike(self) -> None:
        rows: list[Row] = []
        for i in range(3 * 96):
            start = T0 + timedelta(minutes=15 * i)
            if not 20 <= i < 25:  # a hole of five intervals
                rows.append(("M1", "E1", start, 15, 40.0 if i == 50 else 0.5))
            rows.append(("M1", "B1", start, 15, 0.0 if i < 200 else -0.5))
            rows.append(("M2", "E1", start, 15, 1.0))
        rows.append(("M2", "E1", T0, 15, 3.0))  # delivered again with another value
        as_at = T0 + timedelta(days=2)

        found = vectorised(rows[::-1], listed={"M1", "M2"}, as_at=as_at)

        assert {key[3] for key in found} == {
            "GAP",
            "DUPLICATE",
            "NEGATIVE",
            "SPIKE",
            "ZERO_CONSUMPTION",
            "FUTURE",
        }
        assert found == reference(rows, listed={"M1", "M2"}, as_at=as_at)
