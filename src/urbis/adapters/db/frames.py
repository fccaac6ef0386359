"""
Query results straight into Polars frames for batch jobs, without a Python object per value.

SQLAlchemy's row processing turns every instant into an aware ``datetime`` (``UtcDateTime``)
one value at a time and wraps every row in a ``Row``: for a bill run's millions of values that
costs more than the query. Here the rows come from the driver's cursor as it gives them (the
query casts the decorated types to what the driver returns plainly: instants as ISO text on
SQLite and aware datetimes from psycopg, exact decimals as text) and Polars builds and converts
whole columns at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa

from urbis.adapters.db.tables import ExactDecimal, UtcDateTime

_SQLITE_INSTANT = "%Y-%m-%d %H:%M:%S%.f"


def _raw(column: Any, dialect: str) -> Any:
    if isinstance(column.type, sa.types.TypeDecorator) and not isinstance(
        column.type, UtcDateTime | ExactDecimal
    ):
        # its result processing is skipped here: a value would come back unprocessed
        raise TypeError(f"read_frame cannot read {column.key!r} ({type(column.type).__name__})")
    if isinstance(column.type, UtcDateTime):
        plain = sa.String() if dialect == "sqlite" else sa.DateTime(timezone=True)
        return sa.type_coerce(column, plain).label(column.key)
    if isinstance(column.type, sa.Date) and dialect == "sqlite":
        return sa.type_coerce(column, sa.String()).label(column.key)
    if isinstance(column.type, ExactDecimal):
        # text on SQLite already; PostgreSQL's NUMERIC read as text keeps every digit
        text = sa.type_coerce(column, sa.String())
        return (text if dialect == "sqlite" else sa.cast(column, sa.String())).label(column.key)
    return column


def read_frame(
    connection: sa.Connection, query: sa.Select[Any], schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """
    Run ``query`` and return its rows as a frame of ``schema`` (its columns in order, named as
    the query's); instants (``UtcDateTime``) arrive as ``Datetime("us", "UTC")``, dates as
    ``Date``, exact decimals (``ExactDecimal``) as their text.

    :raises TypeError: if the query selects a column of another decorated type.
    """
    dialect = connection.dialect.name
    columns = list(query.selected_columns)
    raw_query = query.with_only_columns(*(_raw(c, dialect) for c in columns))
    result = connection.execute(raw_query)
    try:
        # the driver's own tuples, without a ``Row`` and result processing per value
        rows = result.cursor.fetchall()
    finally:
        result.close()
    names = list(schema)
    loading: dict[str, pl.DataType] = {}
    conversions: list[pl.Expr] = []
    for name, column in zip(names, columns, strict=True):
        dtype = schema[name]
        if isinstance(column.type, UtcDateTime):
            if dialect == "sqlite":
                loading[name] = pl.String()
                conversions.append(
                    pl.col(name).str.to_datetime(_SQLITE_INSTANT, time_unit="us", time_zone="UTC")
                )
            else:
                loading[name] = pl.Datetime("us", "UTC")
            continue
        if isinstance(column.type, sa.Date) and dialect == "sqlite":
            loading[name] = pl.String()
            conversions.append(pl.col(name).str.to_date("%Y-%m-%d"))
            continue
        loading[name] = dtype
    values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    frame = pl.DataFrame(
        [
            pl.Series(name, column, dtype=loading[name])
            for name, column in zip(names, values, strict=True)
        ]
    )
    if conversions:
        frame = frame.with_columns(conversions)
    return frame.select(pl.col(n).cast(schema[n]) for n in names)
