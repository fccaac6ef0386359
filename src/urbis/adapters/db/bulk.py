"""
Bulk writes for seeding and batch jobs: SQLite executemany in one transaction per batch,
PostgreSQL COPY. Rows go straight to tables; callers record one audit entry per batch.

On SQLite, row-by-row overlap triggers would cost more than the inserts themselves, so a bulk
write drops them inside its own transaction, checks the new rows set-wise (within the batch in
Polars; against stored rows with one query per rule, unless every key belongs to a row created
in the same write), and recreates the triggers before the transaction ends. SQLite's DDL is
transactional: other connections never see the database without its rules, and a write that
dies half-way leaves them in place.

A batch job's writes on SQLite can go through Arrow instead of Python rows (``arrow=True``):
the frames are first written, by the ADBC SQLite driver binding Arrow columns in C, into a
scratch database file of their own (no journal, no indexes, nothing durable), which the
caller's connection attaches and copies from with ``INSERT ... SELECT`` inside its own
transaction. Every row still reaches its table through the caller's connection and
transaction, under the same constraints and column affinities as ``executemany`` (the values
stored are the same); the scratch file, in the temporary folder, is unlinked as soon as it is
attached (a process killed after that leaves nothing; one killed while it fills the file leaves
that file) and detached after the transaction (``detach_scratch``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import adbc_driver_sqlite.dbapi as adbc_sqlite
import attrs
import polars as pl
import psycopg
import sqlalchemy as sa

from urbis.adapters.db import tables
from urbis.adapters.db.uow import domain_error_for

# The spans that must not overlap, per table: (rule name, key column, start column, end column).
# They mirror the triggers and exclusion constraints the migrations create.
NO_OVERLAP: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "agreements": (("agreements_no_overlap", "service_point_id", "active_from", "active_to"),),
    "meter_installations": (
        ("installations_meter_no_overlap", "meter_id", "installed_from", "installed_to"),
        ("installations_point_no_overlap", "service_point_id", "installed_from", "installed_to"),
    ),
}


class OverlapInBulk(sa.exc.IntegrityError):
    """Raised (and mapped to the rule's domain error) when new rows break an overlap rule."""


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """SQLite keeps dates and instants as ISO text, the way SQLAlchemy reads them back."""
    conversions = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            conversions.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            conversions.append(
                pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
            )
    return frame.with_columns(conversions) if conversions else frame


def _clash_within(frame: pl.DataFrame, key: str, start: str, end: str) -> bool:
    """Whether two rows of the frame with the same key have overlapping spans."""
    far = pl.lit(date(9999, 12, 31))
    repeated = frame.select(key, start, end).filter(pl.col(key).is_duplicated())
    if repeated.height == 0:
        return False
    ordered = repeated.sort(key, start)
    return (
        ordered.with_columns(
            same_key=pl.col(key) == pl.col(key).shift(1),
            latest_end=pl.col(end).fill_null(far).cum_max().shift(1).over(key),
        )
        .filter(pl.col("same_key") & (pl.col("latest_end") > pl.col(start)))
        .height
        > 0
    )


_SCRATCH = "urbis_scratch"
# dtypes whose SQLite form (after ``_for_sqlite``) the ADBC driver binds as executemany binds
# the same values from Python: text, integers, reals, and booleans as integers
_ARROW_SAFE = (pl.String, pl.Boolean, pl.Date, pl.Null)


def _arrow_safe(dtype: pl.DataType) -> bool:
    return (
        dtype in _ARROW_SAFE
        or dtype.is_integer()
        or dtype.is_float()
        or isinstance(dtype, pl.Datetime)
    )


def _constants(data: pl.DataFrame) -> dict[str, Any]:
    """
    The columns holding one value in every row (a batch's tenant, run, period, dates), with
    that value as the driver binds it: they are given once to ``INSERT ... SELECT`` instead of
    being written into the scratch file row by row. At least one column stays in the file.
    """
    if data.height < 2 or data.width < 2:
        return {}
    same = data.select(pl.col(c).eq_missing(pl.col(c).first()).all() for c in data.columns).row(0)
    held = [c for c, one in zip(data.columns, same, strict=True) if one]
    if len(held) == data.width:
        held = held[1:]
    return {c: data.get_column(c)[0] for c in held}


def _scratch(
    frames: Sequence[tuple[str, pl.DataFrame]],
) -> tuple[str, dict[str, dict[str, Any]]]:
    """
    Write frames into tables of the same names in a new scratch SQLite file, less the columns
    that hold one value throughout; its path and, per table, those columns' values.
    """
    handle, path = tempfile.mkstemp(prefix="urbis-bulk-", suffix=".sqlite3")
    os.close(handle)
    held: dict[str, dict[str, Any]] = {}
    try:
        with (
            adbc_sqlite.connect(path, autocommit=True) as scratch,
            scratch.cursor() as cursor,
        ):
            # a scratch file read once: nothing to journal, nothing to make durable
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("BEGIN")
            for table_name, frame in frames:
                data = _for_sqlite(frame).with_columns(
                    pl.col(name).cast(pl.Int64)
                    for name, dtype in frame.schema.items()
                    if dtype == pl.Boolean
                )
                held[table_name] = _constants(data)
                data = data.drop(list(held[table_name]))
                cursor.adbc_ingest(table_name, data.to_arrow(), mode="create")
            cursor.execute("COMMIT")
    except BaseException:
        os.remove(path)
        raise
    return path, held


def detach_scratch(connection: sa.Connection) -> None:
    """
    Detach the scratch files a connection attached (call it after its transaction ends). A
    connection that is closed or broken has none left to detach: it raises nothing then.
    """
    with contextlib.suppress(sa.exc.SQLAlchemyError, sqlite3.Error):
        raw: Any = connection.connection.dbapi_connection
        if raw is None:
            return
        for _, name, _ in raw.execute("PRAGMA database_list").fetchall():
            if name.startswith(_SCRATCH):
                with contextlib.suppress(sqlite3.OperationalError):
                    raw.execute(f"DETACH {name}")


def _attach_scratch(raw: Any, path: str) -> str:
    """Attach a scratch file under a name free in this transaction and unlink it; the name."""
    attached = {row[1] for row in raw.execute("PRAGMA database_list").fetchall()}
    for name in sorted(n for n in attached if n.startswith(_SCRATCH)):
        # left by an earlier transaction on this connection: detach it (one read in this
        # transaction is locked until the transaction ends and stays attached)
        with contextlib.suppress(sqlite3.OperationalError):
            raw.execute(f"DETACH {name}")
            attached.discard(name)
    number = 0
    while f"{_SCRATCH}{number}" in attached:
        number += 1
    name = f"{_SCRATCH}{number}"
    try:
        raw.execute(f"ATTACH ? AS {name}", (path,))
    finally:
        # the attached file stays readable through its open handle until it is detached
        with contextlib.suppress(OSError):
            os.remove(path)
    return name


@attrs.frozen
class Prepared:
    """A frame ready to write: for SQLite its rows are converted ahead (off the writing thread)."""

    table: str
    frame: pl.DataFrame
    rows: list[tuple[Any, ...]] | None
    # on SQLite through Arrow: the scratch file holding the frame in a table of the same name,
    # less the columns holding one value throughout (``held``: their values)
    scratch: str | None = None
    held: dict[str, Any] = attrs.field(factory=dict)


def prepare(
    frames: Sequence[tuple[str, pl.DataFrame]], *, dialect: str, arrow: bool = False
) -> list[Prepared]:
    """
    Check frames against their tables and convert them for the database's driver: on SQLite
    into Python rows, or with ``arrow`` (when every column's type allows) into a scratch file.

    :raises ValueError: if a frame has a column its table does not.
    """
    for table_name, frame in frames:
        unknown = set(frame.columns) - set(tables.metadata.tables[table_name].c.keys())
        if unknown:
            raise ValueError(f"{table_name} has no columns {sorted(unknown)}")
    if dialect != "sqlite":
        return [Prepared(table=name, frame=frame, rows=None) for name, frame in frames]
    through_arrow = [
        (name, frame)
        for name, frame in frames
        if arrow and frame.height and all(_arrow_safe(dtype) for dtype in frame.dtypes)
    ]
    scratch, held = _scratch(through_arrow) if through_arrow else (None, {})
    return [
        Prepared(table=name, frame=frame, rows=None, scratch=scratch, held=held[name])
        if name in held
        else Prepared(table=name, frame=frame, rows=_for_sqlite(frame).rows())
        for name, frame in frames
    ]


def _clash_with_stored(cursor: Any, item: Prepared, created: pl.Series, after: int) -> str | None:
    for rule, key, start, end in NO_OVERLAP.get(item.table, ()):
        if _clash_within(item.frame, key, start, end):
            return rule
        # Keys whose rows were created in this same write (their primary key insert succeeded)
        # cannot meet a stored span.
        if item.frame[key].is_in(created.implode()).all():
            continue
        stored_clash = cursor.execute(
            f"SELECT 1 FROM {item.table} n JOIN {item.table} o ON o.{key} = n.{key} "
            f"AND o.rowid <= ? "
            f"AND (o.{end} IS NULL OR o.{end} > n.{start}) "
            f"AND (n.{end} IS NULL OR n.{end} > o.{start}) "
            f"WHERE n.rowid > ? LIMIT 1",
            (after, after),
        ).fetchone()
        if stored_clash is not None:
            return rule
    return None


def _write_sqlite(
    connection: sa.Connection, item: Prepared, created: pl.Series, attached: dict[str, str]
) -> None:
    raw: Any = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    rules = NO_OVERLAP.get(item.table, ())
    triggers = cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
        (item.table,),
    ).fetchall()
    after = 0
    if rules:
        after = cursor.execute(f"SELECT coalesce(max(rowid), 0) FROM {item.table}").fetchone()[0]
    for name, _ in triggers:
        cursor.execute(f"DROP TRIGGER {name}")
    columns = ", ".join(item.frame.columns)
    if item.scratch is not None:
        if item.scratch not in attached:
            attached[item.scratch] = _attach_scratch(raw, item.scratch)
        source = attached[item.scratch]
        chosen = ", ".join("?" if c in item.held else c for c in item.frame.columns)
        cursor.execute(
            f"INSERT INTO main.{item.table} ({columns}) SELECT {chosen} FROM {source}.{item.table}",
            [item.held[c] for c in item.frame.columns if c in item.held],
        )
    else:
        assert item.rows is not None
        marks = ", ".join("?" for _ in item.frame.columns)
        cursor.executemany(f"INSERT INTO {item.table} ({columns}) VALUES ({marks})", item.rows)
    broken = _clash_with_stored(cursor, item, created, after)
    if broken is not None:
        raise domain_error_for(OverlapInBulk(broken, None, Exception(broken)))
    for _, sql in triggers:
        cursor.execute(sql)
    cursor.close()


_COPY_SLICE = 200_000
_CSV_INSTANT = "%Y-%m-%d %H:%M:%S.%6f%z"


def _csv_safe(dtype: pl.DataType) -> bool:
    """Whether Polars's CSV text of a column reads back as the same value in PostgreSQL."""
    return (
        dtype in (pl.String, pl.Boolean, pl.Date)
        or dtype.is_integer()
        or dtype.is_float()
        or (isinstance(dtype, pl.Datetime) and dtype.time_zone is not None)
    )


def _write_postgres(connection: sa.Connection, table_name: str, frame: pl.DataFrame) -> None:
    raw: Any = connection.connection.dbapi_connection
    columns = ", ".join(frame.columns)
    as_csv = all(_csv_safe(dtype) for dtype in frame.dtypes)
    statement = f"COPY {table_name} ({columns}) FROM STDIN"
    if as_csv:
        statement += " (FORMAT csv)"
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            if as_csv:
                # Polars writes the CSV (nulls unquoted and empty, empty text quoted), in slices
                # that keep the buffers small: 10-20x faster than a Python row at a time.
                for start in range(0, frame.height, _COPY_SLICE):
                    copy.write(
                        frame.slice(start, _COPY_SLICE).write_csv(
                            include_header=False, datetime_format=_CSV_INSTANT
                        )
                    )
            else:
                for row in frame.iter_rows():
                    copy.write_row(row)
    except psycopg.errors.IntegrityError as exc:
        raise domain_error_for(sa.exc.IntegrityError(f"COPY {table_name}", None, exc)) from exc


@attrs.define
class Loader:
    """A bulk load in progress: its connection, and one unit of commit per batch."""

    connection: sa.Connection

    def batch(self) -> contextlib.AbstractContextManager[Any]:
        """A transaction per batch on SQLite; a savepoint inside the whole load on PostgreSQL."""
        if self.connection.dialect.name == "postgresql":
            return self.connection.begin_nested()
        return self.connection.begin()


@contextlib.contextmanager
def loading(engine: sa.Engine) -> Iterator[Loader]:
    """
    A long bulk load of rows urbis generated itself.

    On SQLite: a 1 GB page cache, no WAL checkpoint between batches (one at the end), and no
    row-by-row foreign key checks (the generator's rows reference only rows of the same batch
    or the tenant; the integration suite proves it with ``PRAGMA foreign_key_check``); each
    batch commits on its own and overlap rules are checked per batch.

    On PostgreSQL: the whole load is one transaction in which the foreign keys and exclusion
    constraints are dropped and, at the end, added again, so PostgreSQL checks every row at once
    and builds the indexes in bulk instead of row by row; a load that breaks a rule, or dies,
    leaves nothing.

    :raises OverlappingAgreement: (or the meter rules' errors) if the load breaks a rule.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            with _postgres_load(connection):
                yield Loader(connection)
            return
        raw: Any = connection.connection.dbapi_connection
        # pragmas outside any transaction, where SQLite honours them
        for pragma in ("foreign_keys=OFF", "cache_size=-1000000", "wal_autocheckpoint=0"):
            raw.execute(f"PRAGMA {pragma}")
        try:
            yield Loader(connection)
        finally:
            connection.rollback()
            for pragma in ("foreign_keys=ON", "wal_autocheckpoint=1000"):
                raw.execute(f"PRAGMA {pragma}")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextlib.contextmanager
def _postgres_load(connection: sa.Connection) -> Iterator[None]:
    with connection.begin():
        # Foreign keys and exclusion constraints are checked row by row by PostgreSQL; during
        # the load they are dropped and added back at the end, which checks every row at once.
        rules = connection.exec_driver_sql(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype IN ('f', 'x') "
            "AND connamespace = 'public'::regnamespace ORDER BY contype, conname"
        ).all()
        for table, name, _ in rules:
            connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        yield
        try:
            for table, name, definition in rules:
                connection.exec_driver_sql(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                )
        except sa.exc.IntegrityError as exc:
            raise domain_error_for(exc) from exc


def write_frames(
    connection: sa.Connection, frames: Sequence[tuple[str, pl.DataFrame]], *, arrow: bool = False
) -> int:
    """
    Append data frames to tables (column names = table columns), inside the caller's transaction.

    With ``arrow`` on SQLite the rows go through a scratch file (see the module's text): the
    caller calls ``detach_scratch`` once its transaction has ended. Returns the number of rows.

    :raises ValueError: if a frame has a column its table does not.
    :raises OverlappingAgreement: (or the meter rules' errors) if new rows overlap others.
    """
    prepared = prepare(frames, dialect=connection.dialect.name, arrow=arrow)
    try:
        return write_prepared(connection, prepared)
    finally:
        for path in {item.scratch for item in prepared if item.scratch is not None}:
            with contextlib.suppress(OSError):
                os.remove(path)  # not attached (a write failed before it): not left behind


def write_prepared(connection: sa.Connection, prepared: Sequence[Prepared]) -> int:
    """Write prepared frames inside the caller's transaction; returns the number of rows."""
    written = 0
    created = pl.Series("id", [], dtype=pl.String)
    attached: dict[str, str] = {}
    for item in prepared:
        if item.frame.height == 0:
            continue
        if connection.dialect.name == "postgresql":
            _write_postgres(connection, item.table, item.frame)
        else:
            _write_sqlite(connection, item, created, attached)
        if "id" in item.frame.columns:
            created = pl.concat([created, item.frame["id"].cast(pl.String)])
        written += item.frame.height
    return written
