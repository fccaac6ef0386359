"""Writes of the metering context: ingest reads, run VEE, review exceptions, edit reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import attrs
import polars as pl

from urbis.application.metering import ports
from urbis.domain import metering
from urbis.kernel import errors

_ONE_MINUTE = timedelta(minutes=1)


class ConflictingReads(errors.InvalidValue):
    code = "conflicting_reads"


class ExceptionNotFound(errors.NotFound):
    code = "read_exception_not_found"


class ExceptionAlreadyReviewed(errors.Conflict):
    code = "read_exception_already_reviewed"


class EditWithoutReason(errors.InvalidValue):
    code = "edit_without_reason"


class CompactionNotNeeded(errors.InvalidValue):
    code = "interval_store_not_compacted"


class InvalidMonth(errors.InvalidValue):
    code = "invalid_month"


@attrs.frozen
class IngestResult:
    """What one delivery did: rows received, new versions stored, duplicates ignored."""

    source: str
    received: int
    stored: int
    duplicates: int


def _resolve(frame: pl.DataFrame, directory: ports.MeterDirectory, source: str) -> pl.DataFrame:
    """
    Name every row's meter by its serial: rows name it by serial, or by NMI (NEM files whose
    200 row has no serial), or carry both (an ``nmi`` column) when the file gives both.
    """
    has_nmi = "nmi" in frame.columns
    pairs = frame.select("meter", "nmi" if has_nmi else pl.lit(None, pl.String).alias("nmi"))
    mapping: dict[str, str] = {}
    for name, nmi in pairs.unique().iter_rows():
        meter = (
            directory.find(serial=name)
            or directory.find(nmi=name)
            or (directory.find(nmi=nmi) if nmi else None)
        )
        if meter is None:
            raise metering.UnknownMeter(
                f"{source}: unknown meter {name!r}; nothing was stored",
                details={"source": source, "meter": name},
            )
        mapping[name] = meter.serial
    return frame.with_columns(pl.col("meter").replace_strict(mapping, return_dtype=pl.String))


def ingest_intervals(
    *,
    frame: pl.DataFrame,
    source: str,
    directory: ports.MeterDirectory,
    store: ports.IntervalStore,
    as_at: datetime,
) -> IngestResult:
    """
    Store a delivery of interval reads as new versions, whole or not at all.

    Rows that repeat what the store already holds are ignored, so a re-delivery never
    double counts.

    :raises UnknownMeter: if a row names a meter the directory does not know.
    :raises ConflictingReads: if the delivery gives one interval two different values.
    :raises InvalidRead: if the rows do not fit the interval schema.
    """
    data = metering.conform(
        frame=_resolve(frame, directory, source), schema=metering.INTERVAL_SCHEMA
    )
    clashes = metering.conflicting_duplicates(frame=data)
    if not clashes.is_empty():
        first = clashes.row(0, named=True)
        raise ConflictingReads(
            f"{source}: {clashes.height} intervals have two different values, first "
            f"{first['meter']} {first['channel']} at {first['start']:%Y-%m-%dT%H:%M%z}",
            details={"source": source, "count": clashes.height},
        )
    data = data.with_columns(pl.col("source").fill_null(source))
    meters = data.get_column("meter").unique().to_list()
    existing = store.scan(
        meters=meters,
        start=data.get_column("start").min(),  # type: ignore[arg-type]
        end=data.select(pl.col("start").max() + pl.duration(minutes=1)).item(),
    )
    fresh = metering.new_versions(existing=existing, incoming=data)
    stamped = metering.stamp(frame=fresh, recorded_at=as_at, first_sequence=store.next_sequence())
    stored = store.append(stamped) if stamped.height else 0
    return IngestResult(
        source=source, received=frame.height, stored=stored, duplicates=frame.height - stored
    )


def ingest_register_reads(
    *,
    frame: pl.DataFrame,
    source: str,
    directory: ports.MeterDirectory,
    store: ports.RegisterReadStore,
    as_at: datetime,
) -> IngestResult:
    """
    Store register reads (actual, customer or estimated; also late portal reads) as versions.

    :raises UnknownMeter: if a row names a meter the directory does not know.
    :raises ConflictingReads: if the delivery gives one read two different values.
    :raises InvalidRead: if a read type is not ACTUAL, CUSTOMER or ESTIMATED.
    """
    data = metering.conform(
        frame=_resolve(frame, directory, source), schema=metering.REGISTER_SCHEMA
    )
    allowed = [t.value for t in metering.ReadType]
    bad = data.filter(~pl.col("read_type").is_in(allowed))
    if not bad.is_empty():
        raise metering.InvalidRead(
            f"{source}: read type {bad.item(0, 'read_type')!r} is not one of {allowed}"
        )
    clashes = metering.conflicting_duplicates(frame=data, key=metering.REGISTER_KEY, value="value")
    if not clashes.is_empty():
        raise ConflictingReads(f"{source}: {clashes.height} register reads have two values")
    data = data.with_columns(pl.col("source").fill_null(source))
    existing = store.scan(meters=data.get_column("meter").unique().to_list())
    fresh = metering.new_versions(
        existing=existing,
        incoming=data,
        key=metering.REGISTER_KEY,
        content=("value", "read_type"),
    )
    stamped = metering.stamp(frame=fresh, recorded_at=as_at, first_sequence=0)
    stored = store.append(stamped) if stamped.height else 0
    return IngestResult(
        source=source, received=frame.height, stored=stored, duplicates=frame.height - stored
    )


def run_vee(
    *,
    meters: tuple[metering.Meter, ...],
    start: datetime,
    end: datetime,
    store: ports.IntervalStore,
    queue: ports.ExceptionQueue,
    thresholds: Mapping[str, metering.Thresholds],
    as_at: datetime,
    new_id: Callable[[], str],
    timezone: str = "UTC",
) -> tuple[int, int]:
    """
    Validate the latest reads of these meters in ``[start, end)``, queue the findings and
    store estimates for the gaps.

    Returns (exceptions queued, intervals estimated).
    """
    serials = [m.serial for m in meters]
    reads = metering.latest(
        frame=store.scan(meters=serials, start=start, end=end), as_of=as_at
    ).collect()
    facts = meters_frame(meters=meters)
    found = metering.validate_intervals(
        reads=reads, meters=facts, thresholds=thresholds, as_at=as_at
    )
    queue.add(
        tuple(
            ports.ReadException(
                id=new_id(),
                meter=row["meter"],
                channel=row["channel"],
                start=row["start"],
                check=row["check"],
                count=row["count"],
                detail=row["detail"],
                raised_at=as_at,
            )
            for row in found.iter_rows(named=True)
        )
    )
    estimates = metering.estimate_gaps(
        reads=reads, meters=facts, thresholds=thresholds, timezone=timezone
    )
    if estimates.height:
        data = metering.conform(
            frame=estimates.with_columns(pl.lit("vee").alias("source")),
            schema=metering.INTERVAL_SCHEMA,
        )
        store.append(
            metering.stamp(frame=data, recorded_at=as_at, first_sequence=store.next_sequence())
        )
    return found.height, estimates.height


def meters_frame(*, meters: tuple[metering.Meter, ...]) -> pl.DataFrame:
    """Meter facts as a frame for the vectorised rules."""
    return pl.DataFrame(
        {
            "meter": [m.serial for m in meters],
            "meter_class": [m.meter_class for m in meters],
            "multiplier": [float(m.multiplier) for m in meters],
            "dials": [m.dials for m in meters],
        },
        schema={
            "meter": pl.String(),
            "meter_class": pl.String(),
            "multiplier": pl.Float64(),
            "dials": pl.Int64(),
        },
    )


def review_exception(
    *,
    queue: ports.ExceptionQueue,
    exception_id: str,
    decision: str,
    actor: str,
    note: str | None,
    as_at: datetime,
) -> ports.ReadException:
    """
    Close an open finding as ACCEPTED (the read stands) or DISMISSED (a false alarm).

    :raises ExceptionNotFound: if there is no such finding.
    :raises ExceptionAlreadyReviewed: if it is not open.
    :raises InvalidValue: if the decision is neither ACCEPTED nor DISMISSED.
    """
    if decision not in (ports.ExceptionStatus.ACCEPTED, ports.ExceptionStatus.DISMISSED):
        raise errors.InvalidValue(f"Decision must be ACCEPTED or DISMISSED, not {decision!r}")
    item = _open(queue, exception_id)
    reviewed = attrs.evolve(item, status=decision, reviewed_by=actor, reviewed_at=as_at, note=note)
    queue.save(reviewed)
    return reviewed


def _open(queue: ports.ExceptionQueue, exception_id: str) -> ports.ReadException:
    item = queue.get(exception_id)
    if item is None:
        raise ExceptionNotFound(f"No read exception {exception_id!r}")
    if item.status != ports.ExceptionStatus.OPEN:
        raise ExceptionAlreadyReviewed(f"Read exception {exception_id} is already {item.status}")
    return item


def edit_read(
    *,
    store: ports.IntervalStore,
    meter: str,
    channel: str,
    start: datetime,
    quantity: float,
    actor: str,
    reason: str,
    as_at: datetime,
    queue: ports.ExceptionQueue | None = None,
    exception_id: str | None = None,
) -> pl.DataFrame:
    """
    Correct one interval by adding an EDITED version that names who and why.

    When an exception is given, it is closed as EDITED in the same step.

    :raises EditWithoutReason: if the reason is blank.
    :raises NotFound: if the interval has never been read (nothing to edit).
    :raises ExceptionNotFound: if the exception does not exist.
    :raises ExceptionAlreadyReviewed: if the exception is not open.
    """
    if not reason.strip():
        raise EditWithoutReason("An edit needs a reason")
    item = _open(queue, exception_id) if queue is not None and exception_id else None
    current = (
        metering.latest(
            frame=store.scan(meters=[meter], start=start, end=start + _ONE_MINUTE), as_of=as_at
        )
        .filter((pl.col("channel") == channel) & (pl.col("start") == start))
        .collect()
    )
    if current.is_empty():
        raise errors.NotFound(f"No read of {meter} {channel} at {start.isoformat()} to edit")
    edited = current.with_columns(
        pl.lit(quantity, dtype=pl.Float64).alias("quantity"),
        pl.lit(metering.Quality.EDITED.value).alias("quality"),
        pl.lit("MANUAL").alias("method"),
        pl.lit("edit").alias("source"),
        pl.lit(actor).alias("actor"),
        pl.lit(reason).alias("reason"),
    )
    stamped = metering.stamp(frame=edited, recorded_at=as_at, first_sequence=store.next_sequence())
    store.append(stamped)
    if queue is not None and item is not None:
        queue.save(
            attrs.evolve(
                item,
                status=ports.ExceptionStatus.EDITED,
                reviewed_by=actor,
                reviewed_at=as_at,
                note=reason,
            )
        )
    return stamped


def run_register_vee(
    *,
    meters: tuple[metering.Meter, ...],
    registers: ports.RegisterReadStore,
    intervals: ports.IntervalStore,
    queue: ports.ExceptionQueue,
    thresholds: Mapping[str, metering.Thresholds],
    as_at: datetime,
    new_id: Callable[[], str],
) -> pl.DataFrame:
    """
    Check these meters' register reads (rollover, decrease, dials, future) and compare each
    advance × multiplier with the interval total between the two reads; queue the findings.

    Returns the reads with their derived ``advance`` and ``consumption``.
    """
    serials = [m.serial for m in meters]
    reads = metering.latest(
        frame=registers.scan(meters=serials), as_of=as_at, key=metering.REGISTER_KEY
    ).collect()
    facts = meters_frame(meters=meters)
    derived, found = metering.validate_registers(reads=reads, meters=facts, as_at=as_at)
    windows = (
        derived.filter(pl.col("consumption").is_not_null())
        .with_columns(
            pl.col("read_at").shift(1).over("meter", "register").alias("from_at"),
        )
        .filter(pl.col("from_at").is_not_null())
        .select("meter", "from_at", pl.col("read_at").alias("to_at"), "consumption")
    )
    if windows.height:
        start = windows.get_column("from_at").min()
        end = windows.get_column("to_at").max()
        interval_reads = metering.latest(
            frame=intervals.scan(meters=serials, start=start, end=end),  # type: ignore[arg-type]
            as_of=as_at,
        ).collect()
        with_intervals = windows.join(
            interval_reads.select("meter").unique(), on="meter", how="semi"
        )
        if with_intervals.height:
            found = pl.concat(
                [
                    found,
                    metering.check_interval_sum(
                        intervals=interval_reads,
                        register_consumption=with_intervals,
                        thresholds=thresholds,
                        meters=facts,
                    ),
                ]
            )
    queue.add(
        tuple(
            ports.ReadException(
                id=new_id(),
                meter=row["meter"],
                channel=row["channel"],
                start=row["start"],
                check=row["check"],
                count=row["count"],
                detail=row["detail"],
                raised_at=as_at,
            )
            for row in found.iter_rows(named=True)
        )
    )
    return derived


def compact_intervals(
    *, store: ports.IntervalStore, month: str | None = None
) -> tuple[ports.Compaction, ...]:
    """
    Merge the delivery files of each interval partition (of one month, or all) into one
    sorted file keeping every version (ADR 0027).

    :raises InvalidMonth: if ``month`` is not ``YYYY-MM``.
    :raises CompactionNotNeeded: if the store does not keep reads in files (PostgreSQL).
    """
    if month is not None:
        try:
            datetime.strptime(month, "%Y-%m")  # noqa: DTZ007 (a calendar month, no instant)
        except ValueError as error:
            raise InvalidMonth(f"month must be YYYY-MM, not {month!r}") from error
    if not isinstance(store, ports.CompactsIntervals):
        raise CompactionNotNeeded("this interval store keeps reads in a database table")
    return store.compact(month=month)
