"""
Query results straight into Polars frames for batch jobs, without a Python object per value.

SQLAlchemy's row processing turns every instant into an aware ``datetime`` (``UtcDateTime``)
one value at a time: for a bill run's millions of reads that costs more than the query. Here
the instants come back as the driver gives them (ISO text on SQLite, aware datetimes from
psycopg) and Polars converts whole columns at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa

from urbis.adapters.db.tables import UtcDateTime

_SQLITE_INSTANT = "%Y-%m-%d %H:%M:%S%.f"


def _raw(column: Any, dialect: str) -> Any:
    if isinstance(column.type, UtcDateTime):
        plain = sa.String() if dialect == "sqlite" else sa.DateTime(timezone=True)
        return sa.type_coerce(column, plain).label(column.key)
    if isinstance(column.type, sa.Date) and dialect == "sqlite":
        return sa.type_coerce(column, sa.String()).label(column.key)
    return column


def read_frame(
    connection: sa.Connection, query: sa.Select[Any], schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """
    Run ``query`` and return its rows as a frame of ``schema`` (its columns in order, named as
    the query's); instants (``UtcDateTime``) arrive as ``Datetime("us", "UTC")``, dates as
    ``Date``.
    """
    dialect = connection.dialect.name
    columns = list(query.selected_columns)
    raw_query = query.with_only_columns(*(_raw(c, dialect) for c in columns))
    rows = connection.execute(raw_query).all()
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
    frame = pl.DataFrame(
        [tuple(row) for row in rows], schema=loading, orient="row", infer_schema_length=None
    )
    if conversions:
        frame = frame.with_columns(conversions)
    return frame.select(pl.col(n).cast(schema[n]) for n in names)
