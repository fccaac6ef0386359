"""The postings' item index holds only postings with an item, and item lookups still use it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import tables as t


def _definition(container: bootstrap.App) -> str:
    with container.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            found = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_postings_item'"
            ).scalar_one()
        else:
            found = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_postings_item'"
                " AND schemaname = current_schema()"
            ).scalar_one()
    return " ".join(str(found).split()).lower()


def test_the_item_index_leaves_out_postings_without_an_item(container: bootstrap.App) -> None:
    definition = _definition(container)

    assert "(tenant_id, item)" in definition
    assert definition.endswith("where (item is not null)") or definition.endswith(
        "where item is not null"
    )


# PostgreSQL's planner picks an index by its statistics of the tables at hand; the definition
# checked above is what holds there
@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_looking_up_items_uses_the_partial_index_on_sqlite(container: bootstrap.App) -> None:
    p = t.postings.c
    # the queries of payments and collections: an item equal to, or among, given items
    queries = [
        sa.select(p.amount_minor).where(p.tenant_id == "T", p.item == "B1"),
        sa.select(p.amount_minor).where(p.tenant_id == "T", p.item.in_(["B1", "B2"])),
    ]
    with container.engine.connect() as connection:
        plans = [
            " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN "
                    + str(
                        query.compile(
                            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
                        )
                    )
                ).all()
            )
            for query in queries
        ]

    assert all("ix_postings_item" in plan for plan in plans), plans
