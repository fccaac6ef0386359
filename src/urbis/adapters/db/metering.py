"""
The metering context's stores in the database.

``PostgresIntervalStore`` keeps interval read versions in a table partitioned by month
(ADR 0024), loaded with COPY and read back with COPY, behind the same ``IntervalStore`` port as
the Parquet store. ``DbRegisterStore`` keeps register read versions on either database
(ADR 0025). Both are bound to one tenant.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
import psycopg
import sqlalchemy as sa
from psycopg import sql

from urbis.adapters.db import bulk, frames
from urbis.adapters.db import tables as t
from urbis.domain import metering
from urbis.kernel import errors


class UnknownTenant(errors.NotFound):
    code = "unknown_tenant"


class IntervalStoreNeedsPostgres(errors.InvalidValue):
    code = "interval_store_needs_postgres"


class IntervalVersionExists(errors.Conflict):
    code = "interval_version_exists"


def tenant_id_for(engine: sa.Engine, tenant_code: str) -> str | None:
    """The id of the tenant with this code, or None when there is none."""
    with engine.connect() as connection:
        found: str | None = connection.execute(
            sa.select(t.tenants.c.id).where(t.tenants.c.code == tenant_code)
        ).scalar_one_or_none()
    return found


# Instants travel as text in COPY ... FROM (PostgreSQL parses the offset) and as integer
# microseconds since the epoch in COPY ... TO (exact, and Polars casts them without parsing).
_COPY_INSTANT = "%Y-%m-%d %H:%M:%S%.6f+00"
_INSTANTS = ("start", "recorded_at")
_COLUMNS = tuple(metering.INTERVAL_SCHEMA)
_CHUNK_ROWS = 500_000
_ANSWER_SCHEMA: dict[str, pl.DataType] = {
    name: (pl.Int64() if name in _INSTANTS else dtype)
    for name, dtype in metering.INTERVAL_SCHEMA.items()
}


def _as_copy_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    """
    An instant column as COPY text. A delivery repeats few instants (one recording instant,
    a month of interval starts for thousands of meters), so each distinct one is formatted once.
    """
    distinct = frame.get_column(name).unique()
    return pl.col(name).replace_strict(
        distinct, distinct.dt.strftime(_COPY_INSTANT), return_dtype=pl.String
    )


def partition_name(month: datetime) -> str:
    """The partition of ``interval_reads`` holding the reads that start in this UTC month."""
    return f"interval_reads_{month.year:04d}_{month.month:02d}"


def _next_month(month: datetime) -> datetime:
    if month.month == 12:
        return month.replace(year=month.year + 1, month=1)
    return month.replace(month=month.month + 1)


class PostgresIntervalStore:
    """Interval read versions of one tenant in ``interval_reads``, one partition per month."""

    def __init__(self, engine: sa.Engine, *, tenant_id: str) -> None:
        if engine.dialect.name != "postgresql":
            raise IntervalStoreNeedsPostgres(
                "The PostgreSQL interval store needs a PostgreSQL database "
                f"(this one is {engine.dialect.name}); use the Parquet store instead"
            )
        self._engine = engine
        self._tenant_id = tenant_id

    def next_sequence(self) -> int:
        with self._engine.connect() as connection:
            found = connection.execute(
                sa.select(t.interval_sequences.c.next).where(
                    t.interval_sequences.c.tenant_id == self._tenant_id
                )
            ).scalar_one_or_none()
        return int(found or 0)

    def partitions(self) -> tuple[str, ...]:
        """The monthly partitions that exist (for every tenant), oldest first."""
        with self._engine.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'interval_reads'::regclass ORDER BY c.relname"
            ).scalars()
            return tuple(names)

    def _ensure_partitions(self, months: Sequence[datetime]) -> None:
        """
        Create the missing monthly partitions, each in a short transaction of its own, so the
        lock a new partition takes on the parent is not held for the whole load. An empty
        partition left by a load that then fails is harmless.
        """
        existing = set(self.partitions())
        for month in months:
            name = partition_name(month)
            if name in existing:
                continue
            with self._engine.begin() as connection:
                # two loads creating the same month wait for each other instead of failing
                connection.exec_driver_sql(
                    "SELECT pg_advisory_xact_lock(hashtext('interval_reads partitions'))"
                )
                connection.exec_driver_sql(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF interval_reads "
                    f"FOR VALUES FROM ('{month:%Y-%m-%d} 00:00:00+00') "
                    f"TO ('{_next_month(month):%Y-%m-%d} 00:00:00+00')"
                )

    def append(self, frame: pl.DataFrame) -> int:
        """
        COPY a delivery into its monthly partitions in one transaction (whole or not at all).

        :raises InvalidRead: if a row has no meter, channel, start, recorded_at or sequence.
        :raises IntervalVersionExists: if a version (key and sequence) is already stored.
        """
        if frame.is_empty():
            return 0
        data = metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA)
        required = ("meter", "channel", "start", "recorded_at", "sequence")
        missing = [name for name in required if data.get_column(name).null_count()]
        if missing:
            raise metering.InvalidRead(f"Interval versions without {', '.join(missing)}")
        keyed = data.with_columns(pl.col("start").dt.truncate("1mo").alias("_month"))
        months = sorted(keyed.get_column("_month").unique().to_list())
        self._ensure_partitions(months)
        text = keyed.select(
            pl.lit(self._tenant_id).alias("tenant_id"),
            *[
                _as_copy_text(keyed, name) if name in _INSTANTS else pl.col(name)
                for name in _COLUMNS
            ],
            "_month",
        )
        last = int(data.get_column("sequence").max())  # type: ignore[arg-type]
        try:
            self._copy(text, last)
        except psycopg.errors.UniqueViolation as error:
            raise IntervalVersionExists(
                f"An interval version with the same key and sequence is stored: {error}"
            ) from error
        return data.height

    def _copy(self, text: pl.DataFrame, last: int) -> None:
        columns = ", ".join(("tenant_id", *_COLUMNS))
        with self._engine.begin() as connection:
            raw: Any = connection.connection.dbapi_connection
            with raw.cursor() as cursor:
                for (month,), part in text.partition_by("_month", as_dict=True).items():
                    statement = f"COPY {partition_name(month)} ({columns}) FROM STDIN (FORMAT csv)"
                    with cursor.copy(statement) as copy:
                        rows = part.drop("_month")
                        for offset in range(0, rows.height, _CHUNK_ROWS):
                            chunk = rows.slice(offset, _CHUNK_ROWS)
                            copy.write(chunk.write_csv(include_header=False).encode())
                cursor.execute(
                    "INSERT INTO interval_sequences (tenant_id, next) VALUES (%s, %s) "
                    "ON CONFLICT (tenant_id) DO UPDATE "
                    "SET next = greatest(interval_sequences.next, excluded.next)",
                    (self._tenant_id, last + 1),
                )

    def scan(
        self,
        *,
        meters: Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> pl.LazyFrame:
        """
        Every stored version of these meters with start in ``[start, end)``, read with one
        COPY (the month bounds prune partitions). The rows are read when called, not when the
        lazy frame is collected.
        """
        where = [sql.SQL("tenant_id = {}").format(sql.Literal(self._tenant_id))]
        if meters is not None:
            where.append(sql.SQL("meter = ANY({})").format(sql.Literal(list(meters))))
        if start is not None:
            where.append(sql.SQL("start >= {}").format(sql.Literal(start)))
        if end is not None:
            where.append(sql.SQL("start < {}").format(sql.Literal(end)))
        selected = sql.SQL(", ").join(
            sql.SQL("(extract(epoch FROM {0}) * 1000000)::bigint").format(sql.Identifier(name))
            if name in _INSTANTS
            else sql.Identifier(name)
            for name in _COLUMNS
        )
        query = sql.SQL(
            "COPY (SELECT {} FROM interval_reads WHERE {}) TO STDOUT (FORMAT csv)"
        ).format(selected, sql.SQL(" AND ").join(where))
        buffer = io.BytesIO()
        with self._engine.connect() as connection:
            raw: Any = connection.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(query) as copy:
                for block in copy:
                    buffer.write(block)
            connection.rollback()
        if buffer.tell() == 0:
            return metering.empty_intervals().lazy()
        buffer.seek(0)
        answer = pl.read_csv(
            buffer, has_header=False, new_columns=list(_COLUMNS), schema=_ANSWER_SCHEMA
        )
        return answer.lazy().with_columns(
            pl.col(name).cast(pl.Datetime("us")).dt.replace_time_zone("UTC") for name in _INSTANTS
        )


_REGISTER_COLUMNS = tuple(metering.REGISTER_SCHEMA)


class DbRegisterStore:
    """Register read versions of one tenant in ``register_reads`` (SQLite or PostgreSQL)."""

    def __init__(
        self, engine: sa.Engine, *, tenant_id: str, connection: sa.Connection | None = None
    ) -> None:
        self._engine = engine
        self._tenant_id = tenant_id
        self._connection = connection

    def bound(self, connection: sa.Connection) -> DbRegisterStore:
        """The same store inside a caller's transaction: its writes commit with the caller's."""
        return DbRegisterStore(self._engine, tenant_id=self._tenant_id, connection=connection)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        if self._connection is not None:
            yield self._connection
        else:
            with self._engine.begin() as connection:
                yield connection

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        if self._connection is not None:
            yield self._connection
        else:
            with self._engine.connect() as connection:
                yield connection

    def append(self, frame: pl.DataFrame) -> int:
        """
        Add register read versions in one transaction.

        :raises InvalidRead: if a read lacks its meter, register, instant, value or read type,
            or its read type is not ACTUAL, CUSTOMER or ESTIMATED.
        """
        if frame.is_empty():
            return 0
        data = metering.conform(frame=frame, schema=metering.REGISTER_SCHEMA)
        required = ("meter", "register", "read_at", "value", "read_type", "recorded_at")
        missing = [name for name in required if data.get_column(name).null_count()]
        if missing:
            raise metering.InvalidRead(f"Register reads without {', '.join(missing)}")
        known = [kind.value for kind in metering.ReadType]
        unknown = data.filter(~pl.col("read_type").is_in(known)).get_column("read_type")
        if unknown.len():
            raise metering.InvalidRead(f"Read type {unknown[0]!r} is not one of {known}")
        rows = data.with_columns(
            pl.lit(self._tenant_id).alias("tenant_id"), pl.col("sequence").fill_null(0)
        )
        with self._writing() as connection:
            return bulk.write_frames(connection, [("register_reads", rows)])

    def _frame(self, query: sa.Select[Any]) -> pl.DataFrame:
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return pl.DataFrame(
            [tuple(row) for row in rows], schema=metering.REGISTER_SCHEMA, orient="row"
        )

    def _mine(self, meters: Sequence[str] | None) -> list[sa.ColumnElement[bool]]:
        table = t.register_reads
        where = [table.c.tenant_id == self._tenant_id]
        if meters is not None:
            where.append(table.c.meter.in_(list(meters)))
        return where

    def scan(self, *, meters: Sequence[str] | None = None) -> pl.LazyFrame:
        table = t.register_reads
        query = (
            sa.select(*[table.c[name] for name in _REGISTER_COLUMNS])
            .where(*self._mine(meters))
            .order_by(table.c.id)
        )
        # a bill run scans a batch's meters: whole columns converted by Polars, not each value
        with self._reading() as connection:
            return frames.read_frame(connection, query, metering.REGISTER_SCHEMA).lazy()

    def readings_at(
        self, *, at: datetime, as_of: datetime | None = None, meters: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """
        Per meter and register, the latest read taken at or before ``at``, in its latest
        version recorded at or before ``as_of`` (window functions, on either database).
        """
        table = t.register_reads
        where = [*self._mine(meters), table.c.read_at <= at]
        if as_of is not None:
            where.append(table.c.recorded_at <= as_of)
        versions = (
            sa.select(
                *[table.c[name] for name in _REGISTER_COLUMNS],
                sa.func.row_number()
                .over(
                    partition_by=(table.c.meter, table.c.register, table.c.read_at),
                    order_by=(
                        table.c.recorded_at.desc(),
                        table.c.sequence.desc(),
                        table.c.id.desc(),
                    ),
                )
                .label("version_rank"),
            )
            .where(*where)
            .subquery("versions")
        )
        current = (
            sa.select(
                *[versions.c[name] for name in _REGISTER_COLUMNS],
                sa.func.row_number()
                .over(
                    partition_by=(versions.c.meter, versions.c.register),
                    order_by=versions.c.read_at.desc(),
                )
                .label("read_rank"),
            )
            .where(versions.c.version_rank == 1)
            .subquery("current")
        )
        query = (
            sa.select(*[current.c[name] for name in _REGISTER_COLUMNS])
            .where(current.c.read_rank == 1)
            .order_by(current.c.meter, current.c.register)
        )
        return self._frame(query)


class DbSupplySpans:
    """Agreements of one tenant and the meters installed at their service points, by day."""

    def __init__(self, engine: sa.Engine, *, tenant_id: str) -> None:
        self._engine = engine
        self._tenant_id = tenant_id

    def spans(
        self, *, start_date: date, end_date: date, agreements: Sequence[str] | None = None
    ) -> pl.DataFrame:
        a, i, m = t.agreements, t.meter_installations, t.meters
        far = date(9999, 12, 31)

        def latest_of(*columns: sa.ColumnElement[date]) -> sa.ColumnElement[date]:
            # greatest() / max() of two values, spelled alike on SQLite and PostgreSQL
            first, second = columns
            return sa.case((first >= second, first), else_=second)

        def earliest_of(*columns: sa.ColumnElement[date]) -> sa.ColumnElement[date]:
            first, second = columns
            return sa.case((first <= second, first), else_=second)

        agreement_end = sa.func.coalesce(a.c.active_to, far)
        installed_end = sa.func.coalesce(i.c.installed_to, far)
        opened = latest_of(
            latest_of(a.c.active_from, i.c.installed_from), sa.literal(start_date, sa.Date)
        )
        closed = earliest_of(
            earliest_of(agreement_end, installed_end), sa.literal(end_date, sa.Date)
        )
        query = (
            sa.select(
                a.c.id.label("agreement"),
                m.c.serial.label("meter"),
                opened.label("from_date"),
                closed.label("to_date"),
            )
            .join(i, i.c.service_point_id == a.c.service_point_id)
            .join(m, m.c.id == i.c.meter_id)
            .where(
                a.c.tenant_id == self._tenant_id,
                a.c.active_from < end_date,
                agreement_end > start_date,
                i.c.installed_from < end_date,
                installed_end > start_date,
                i.c.installed_from < agreement_end,
                installed_end > a.c.active_from,
            )
            .order_by(a.c.id, opened)
        )
        if agreements is not None:
            query = query.where(a.c.id.in_(list(agreements)))
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return pl.DataFrame(
            [(r.agreement, r.meter, _as_date(r.from_date), _as_date(r.to_date)) for r in rows],
            schema=metering.SUPPLY_SPAN_SCHEMA,
            orient="row",
        )


def _as_date(value: date | str) -> date:
    # SQLite returns a CASE over dates as the text it stores them as
    return date.fromisoformat(value) if isinstance(value, str) else value
