"""Bulk writes through Arrow (a scratch file copied with INSERT ... SELECT) on SQLite."""

import gc
import secrets
import sqlite3
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import billing as db_billing
from urbis.adapters.db import bulk
from urbis.adapters.db import tables as t
from urbis.application.billing import ports
from urbis.domain import identity


def _bills(tenant_id: str, n: int) -> pl.DataFrame:
    """Bills rows with every kind of value the bill run writes: text, nulls, integers, reals,
    booleans, dates and instants."""
    return pl.DataFrame(
        {
            "id": [f"B{secrets.token_hex(12)}"[:26] for _ in range(n)],
            "tenant_id": [tenant_id] * n,
            "run_id": ["R1"] * n,
            "run_key": ["FINAL"] * n,
            "agreement_id": [f"AG{i:06d}{secrets.token_hex(4)}" for i in range(n)],
            "account_id": [f"AC{i:06d}" for i in range(n)],
            "service": ["WATER", "ELECTRICITY", "SEWER"] * (n // 3) + ["WATER"] * (n % 3),
            "period": ["2026-10"] * n,
            "status": ["ISSUED"] * (n - 1) + ["HELD"],
            "hold_reason": [None] * (n - 1) + ["más de tres estimadas"],
            "currency": ["COP"] * n,
            "revenue": list(range(n)),
            "subsidy": [0] * n,
            "contribution": [7] * n,
            "taxes": [2**40] * n,
            "total": [i + 7 + 2**40 for i in range(n)],
            "consumption_milli": [-(10**15)] + [1_000] * (n - 1),
            "previous_read": [None] + [1234.5] * (n - 1),
            "current_read": [0.1] * n,
            "estimated": [True, False] * (n // 2) + [True] * (n % 2),
            "issue_date": [date(2026, 11, 5)] * n,
            "due_date": [date(2026, 11, 20)] * n,
            "created_at": [datetime(2026, 11, 1, 12, 30, 1, 123456, tzinfo=UTC)] * n,
            "rebills": [None] * n,
            "entry_id": ["E1"] * (n - 1) + [None],
            "cancelled_at": [None] * n,
            "cancel_reason": [""] * n,
            "cancel_entry_id": [None] * n,
        },
        schema_overrides={
            "rebills": pl.String,
            "cancelled_at": pl.Datetime("us", "UTC"),
            "cancel_entry_id": pl.String,
        },
    )


def _stored(connection: sa.Connection, ids: list[str]) -> list[tuple[object, ...]]:
    columns = [c.name for c in t.bills.columns if c.name != "id"]
    typed = ", ".join(f"{c}, typeof({c})" for c in columns)
    marks = ", ".join("?" for _ in ids)
    raw = connection.connection.dbapi_connection
    assert raw is not None
    return [
        tuple(row)
        for row in raw.execute(
            f"SELECT {typed} FROM bills WHERE id IN ({marks}) ORDER BY agreement_id", ids
        ).fetchall()
    ]


def _scratch_files() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("urbis-bulk-*"))


@pytest.fixture
def sqlite_app(container: bootstrap.App) -> bootstrap.App:
    assert container.engine.dialect.name == "sqlite"
    return container


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)  # Arrow bulk writes are SQLite's
class TestArrowBulkWrites:
    def test_rows_are_stored_as_executemany_stores_them(
        self, sqlite_app: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        by_rows = _bills(tenant.id, 7)
        by_arrow = by_rows.with_columns(
            pl.Series("id", [f"C{secrets.token_hex(12)}"[:26] for _ in range(7)]),
            pl.col("run_key").str.replace("FINAL", "OTHER"),
        )
        before = _scratch_files()

        with sqlite_app.engine.connect() as connection:
            with connection.begin():
                bulk.write_frames(connection, [("bills", by_rows)])
                written = bulk.write_frames(connection, [("bills", by_arrow)], arrow=True)
            bulk.detach_scratch(connection)
            rows = _stored(connection, by_rows["id"].to_list())
            arrow_rows = _stored(connection, by_arrow["id"].to_list())
            attached = connection.exec_driver_sql("PRAGMA database_list").all()

        assert written == 7
        assert len(rows) == 7
        key = [c.name for c in t.bills.columns if c.name != "id"].index("run_key") * 2
        assert [r[:key] + r[key + 1 :] for r in arrow_rows] == [
            r[:key] + r[key + 1 :] for r in rows
        ]
        assert {r[key] for r in arrow_rows} == {"OTHER"}
        assert not [name for _, name, _ in attached if name.startswith("urbis_scratch")]
        assert _scratch_files() == before

    def test_a_broken_rule_rolls_the_whole_write_back(
        self, sqlite_app: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        bills = _bills(tenant.id, 5)
        twice = pl.concat([bills, bills.with_columns(pl.col("id") + "x")])
        before = _scratch_files()

        with sqlite_app.engine.connect() as connection:
            transaction = connection.begin()
            bulk.write_frames(connection, [("bills", bills.head(2))], arrow=True)
            # a second bill for the same agreement and period: the unique index refuses it
            with pytest.raises(sqlite3.IntegrityError):
                bulk.write_frames(connection, [("bills", twice)], arrow=True)
            transaction.rollback()
            bulk.detach_scratch(connection)
            left = _stored(connection, twice["id"].to_list())

        assert left == []
        assert _scratch_files() == before


def _batch_writes(tenant_id: str, n: int, run_id: str) -> ports.BatchWrites:
    bills = (
        _bills(tenant_id, n)
        .drop("rebills", "cancelled_at", "cancel_reason", "cancel_entry_id")
        .with_columns(pl.lit(run_id).alias("run_id"))
    )
    lines = pl.DataFrame(
        {
            "bill_id": bills["id"],
            "position": [1] * n,
            "kind": ["ENERGY"] * n,
            "description": ["Consumo"] * n,
            "tariff": ["T1"] * n,
            "month": ["2026-10"] * n,
            "period": ["all"] * n,
            "block": ["0-130"] * n,
            "part": ["energy"] * n,
            "amount": list(range(n)),
            "quantity_milli": [None] * n,
            "unit_price_micro": [250_000_000] * n,
        },
        schema_overrides={"quantity_milli": pl.Int64},
    )
    exceptions = pl.DataFrame(
        {
            "run_id": [run_id],
            "agreement_id": ["AGX"],
            "account_id": ["ACX"],
            "batch": [1],
            "reason": ["NO_READ"],
            "detail": ["no read in the period"],
        }
    )
    return ports.BatchWrites(bills=bills, lines=lines, exceptions=exceptions)


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
class TestStagedBatchWrites:
    """A bill run stages a batch (scratch file) on one thread and writes it on another."""

    def test_a_staged_batch_is_written_whole_and_leaves_no_scratch_file(
        self, sqlite_app: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        before = _scratch_files()
        run = f"R{secrets.token_hex(8)}"
        writes = _batch_writes(tenant.id, 6, run)
        staged = db_billing.billing_stager(sqlite_app.engine)(writes)
        assert len(_scratch_files() - before) == 1  # every table of the batch in one file

        with db_billing.billing_unit(sqlite_app.engine)() as store:
            store.write_staged(staged)
        with sqlite_app.engine.connect() as connection:
            bills = connection.exec_driver_sql(
                "SELECT count(*) FROM bills WHERE run_id = ?", (run,)
            ).scalar()
            lines = connection.exec_driver_sql(
                "SELECT sum(amount) FROM bill_lines WHERE bill_id IN "
                "(SELECT id FROM bills WHERE run_id = ?)",
                (run,),
            ).scalar()
            exceptions = connection.exec_driver_sql(
                "SELECT reason FROM bill_run_exceptions WHERE run_id = ?", (run,)
            ).all()

        assert (bills, lines) == (6, sum(range(6)))
        assert exceptions == [("NO_READ",)]
        assert _scratch_files() == before

    def test_a_batch_staged_and_never_written_leaves_no_scratch_file(
        self, sqlite_app: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        before = _scratch_files()
        staged = db_billing.billing_stager(sqlite_app.engine)(_batch_writes(tenant.id, 4, "R"))
        assert _scratch_files() != before

        del staged  # a run stopped between staging a batch and writing it
        gc.collect()

        assert _scratch_files() == before

    def test_a_refused_batch_writes_nothing(
        self, sqlite_app: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        run = f"R{secrets.token_hex(8)}"
        writes = _batch_writes(tenant.id, 3, run)
        # the same agreement twice in one period: the bills' unique index refuses the batch
        twice = pl.concat([writes.bills, writes.bills.with_columns(pl.col("id") + "x")])
        staged = db_billing.billing_stager(sqlite_app.engine)(
            ports.BatchWrites(bills=twice, lines=writes.lines, exceptions=writes.exceptions)
        )
        before = _scratch_files()

        with (
            pytest.raises(sqlite3.IntegrityError),
            db_billing.billing_unit(sqlite_app.engine)() as store,
        ):
            store.write_staged(staged)
        with sqlite_app.engine.connect() as connection:
            left = connection.exec_driver_sql(
                "SELECT (SELECT count(*) FROM bills WHERE run_id = ?) + "
                "(SELECT count(*) FROM bill_run_exceptions WHERE run_id = ?)",
                (run, run),
            ).scalar()

        assert left == 0
        assert _scratch_files() <= before


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
class TestColumnsHeldOutOfTheScratchFile:
    """Columns with one value throughout are bound once, not written into the scratch file."""

    def test_constant_columns_stay_out_of_the_file_and_are_stored_all_the_same(
        self, sqlite_app: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        bills = _bills(tenant.id, 5)
        prepared = bulk.prepare([("bills", bills)], dialect="sqlite", arrow=True)
        (item,) = prepared
        assert item.scratch is not None
        with sqlite3.connect(item.scratch) as scratch:
            in_file = {row[1] for row in scratch.execute("PRAGMA table_info(bills)").fetchall()}

        with sqlite_app.engine.connect() as connection:
            with connection.begin():
                bulk.write_prepared(connection, prepared)
            bulk.detach_scratch(connection)
            stored = connection.exec_driver_sql(
                "SELECT DISTINCT tenant_id, run_key, issue_date, created_at, cancelled_at, taxes "
                "FROM bills WHERE id IN (" + ", ".join("?" for _ in range(5)) + ")",
                tuple(bills["id"].to_list()),
            ).all()

        held = set(item.held)
        assert {"tenant_id", "run_key", "issue_date", "created_at", "cancelled_at"} <= held
        assert {"id", "agreement_id", "revenue"}.isdisjoint(held)
        assert in_file == set(bills.columns) - held
        assert stored == [
            (tenant.id, "FINAL", "2026-11-05", "2026-11-01 12:30:01.123456", None, 2**40)
        ]


def test_a_frame_of_constant_columns_keeps_one_in_the_file() -> None:
    same = pl.DataFrame({"run_id": ["R1", "R1"], "batch": [3, 3]})

    assert list(bulk._constants(same)) == ["batch"]
    assert bulk._constants(same.head(1)) == {}
