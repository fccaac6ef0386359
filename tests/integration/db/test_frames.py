"""Query results read straight into frames agree with SQLAlchemy's own reading (ADR 0080)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import frames
from urbis.adapters.db.tables import ExactDecimal, UtcDateTime

_ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "contador Ñandú",
        "at": datetime(2026, 10, 1, 5, 0, tzinfo=UTC),
        "day": date(2026, 10, 31),
        "multiplier": Decimal("1.000"),
        "value": 1234.5,
    },
    {
        "id": 2,
        "name": "M-2",
        "at": datetime(2026, 10, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        "day": date(2024, 2, 29),
        "multiplier": Decimal("0.0125"),
        "value": -0.25,
    },
    {"id": 3, "name": None, "at": None, "day": None, "multiplier": None, "value": None},
]
_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "name": pl.String(),
    "at": pl.Datetime("us", "UTC"),
    "day": pl.Date(),
    "multiplier": pl.String(),
    "value": pl.Float64(),
}


@pytest.fixture
def probe(container: bootstrap.App) -> Iterator[sa.Table]:
    metadata = sa.MetaData()
    table = sa.Table(
        "frame_probe",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40)),
        sa.Column("at", UtcDateTime),
        sa.Column("day", sa.Date),
        sa.Column("multiplier", ExactDecimal),
        sa.Column("value", sa.Float),
    )
    metadata.create_all(container.engine)
    with container.engine.begin() as connection:
        connection.execute(table.insert(), _ROWS)
    yield table
    metadata.drop_all(container.engine)


def test_a_frame_holds_what_sqlalchemy_reads_value_for_value(
    container: bootstrap.App, probe: sa.Table
) -> None:
    query = sa.select(*probe.c).order_by(probe.c.id)
    with container.engine.connect() as connection:
        frame = frames.read_frame(connection, query, _SCHEMA)
        expected = [row._asdict() for row in connection.execute(query)]

    assert frame.schema == pl.Schema(_SCHEMA)

    def plain(row: dict[str, Any]) -> dict[str, Any]:
        multiplier = row["multiplier"]
        return {**row, "multiplier": None if multiplier is None else Decimal(multiplier)}

    assert [plain(row) for row in frame.to_dicts()] == expected
    # the exact decimals come back exactly, as text Polars does not round
    assert frame["multiplier"].to_list() == ["1.000", "0.0125", None]


def test_an_empty_answer_is_an_empty_frame_of_the_schema(
    container: bootstrap.App, probe: sa.Table
) -> None:
    query = sa.select(*probe.c).where(probe.c.id > 99)
    with container.engine.connect() as connection:
        frame = frames.read_frame(connection, query, _SCHEMA)
    assert frame.height == 0
    assert frame.schema == pl.Schema(_SCHEMA)


class _Shouting(sa.types.TypeDecorator[str]):
    impl = sa.String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else str(value).upper()


def test_a_column_whose_type_processes_its_values_is_refused(
    container: bootstrap.App, probe: sa.Table
) -> None:
    query = sa.select(sa.type_coerce(probe.c.name, _Shouting()).label("name"))
    with container.engine.connect() as connection, pytest.raises(TypeError, match="name"):
        frames.read_frame(connection, query, {"name": pl.String()})
