"""
A bill run's batch reads its agreements' bill history by the batch's accounts: the agreements of
a range of accounts can be spread over the whole range of agreement ids.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import billing as db_billing
from urbis.adapters.db import bulk
from urbis.domain import identity

_PERIODS = ["2026-03", "2026-04", "2026-06", "2026-08", "2026-09", "2026-10"]


def _bills(tenant_id: str, accounts: int) -> pl.DataFrame:
    """Three agreements per account whose ids run against the accounts' order, each with a bill
    of every period in several statuses and runs."""
    rows = []
    for a in range(accounts):
        for s, service in enumerate(("ELECTRICITY", "WATER", "SEWER")):
            agreement = f"AG{(accounts - a) * 3 + s:07d}"  # descending as accounts ascend
            for p, period in enumerate(_PERIODS):
                status, run_key = "ISSUED", "FINAL"
                if (a + p) % 7 == 0:
                    status = "CANCELLED"
                elif (a + p) % 11 == 0:
                    status = "HELD"
                elif (a + p) % 13 == 0:
                    status, run_key = "TRIAL", f"TRIAL{p}"
                rows.append(
                    {
                        "id": f"BL{secrets.token_hex(12)}",
                        "tenant_id": tenant_id,
                        "run_id": f"RUN{p}",
                        "run_key": run_key,
                        "agreement_id": agreement,
                        "account_id": f"AC{a:07d}",
                        "service": service,
                        "period": period,
                        "status": status,
                        "currency": "COP",
                        "revenue": 100,
                        "subsidy": 0,
                        "contribution": 0,
                        "taxes": 0,
                        "total": 100,
                        "consumption_milli": a * 1000 + p,
                        "estimated": p % 2 == 0,
                        "issue_date": date(2026, 11, 5),
                        "due_date": date(2026, 11, 20),
                        "created_at": datetime(2026, 11, 1, tzinfo=UTC),
                    }
                )
    return pl.DataFrame(rows)


@pytest.fixture
def stored(container: bootstrap.App, tenant: identity.Tenant) -> pl.DataFrame:
    bills = _bills(tenant.id, 400)
    with container.engine.begin() as connection:
        bulk.write_frames(connection, [("bills", bills)])
    return bills


def test_a_batch_s_history_found_by_its_accounts_is_its_agreements_history(
    container: bootstrap.App, tenant: identity.Tenant, stored: pl.DataFrame
) -> None:
    # accounts 100-299: 600 agreements, more than are asked for by name
    batch = stored.filter(pl.col("account_id").is_between(pl.lit("AC0000100"), pl.lit("AC0000299")))
    agreements = batch["agreement_id"].unique().sort().to_list()
    assert len(agreements) == 600

    with container.engine.connect() as connection:
        store = db_billing.SqlBillingStore(connection)
        by_accounts = store.history(
            tenant.id, agreements, "2026-10", accounts=("AC0000100", "AC0000299")
        )
        by_name = pl.concat(
            [
                store.history(tenant.id, agreements[i : i + 100], "2026-10")
                for i in range(0, 600, 100)
            ]
        )

    expected = batch.filter(
        pl.col("status") == "ISSUED",
        pl.col("run_key") == "FINAL",
        pl.col("period") < "2026-10",
        pl.col("period") >= "2026-04",
    ).select("agreement_id", "period", "consumption_milli", "estimated")
    order = ["agreement_id", "period"]
    assert by_accounts.sort(order).equals(expected.sort(order))
    assert by_name.sort(order).equals(expected.sort(order))
    assert expected.height > 1000


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_the_batch_s_history_is_read_through_the_accounts_index_on_sqlite(
    container: bootstrap.App, tenant: identity.Tenant, stored: pl.DataFrame
) -> None:
    agreements = sorted(stored["agreement_id"].unique().to_list())[:600]
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM bills" in statement:
            seen.append((statement, parameters))

    sa.event.listen(container.engine, "before_cursor_execute", note)
    try:
        with container.engine.connect() as connection:
            db_billing.SqlBillingStore(connection).history(
                tenant.id, agreements, "2026-10", accounts=("AC0000100", "AC0000299")
            )
    finally:
        sa.event.remove(container.engine, "before_cursor_execute", note)
    [(statement, parameters)] = seen
    with container.engine.connect() as connection:
        raw: Any = connection.connection.dbapi_connection
        plan = " ".join(
            str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )

    assert "ix_bills_account" in plan
    assert "account_id>" in plan
