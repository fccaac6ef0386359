"""
Billing's database adapters: the agreements a cycle bills (one SQL query per batch, read into
Polars), and billing's records inside one transaction (bills and lines written in bulk).
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs
import polars as pl
import sqlalchemy as sa

from urbis.adapters.db import bulk, frames
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import repositories as r
from urbis.adapters.db import tables as t
from urbis.application import ports as shared_ports
from urbis.application.billing import ports
from urbis.application.ledger import ports as ledger_ports
from urbis.domain import billing
from urbis.kernel import ids
from urbis.kernel.money import Money, minor_unit


def _due_query(tenant_id: str, cycle: str, period: billing.BillingPeriod) -> sa.Select[Any]:
    a, g, sp, p, mi, m = (
        t.accounts.c,
        t.agreements.c,
        t.service_points.c,
        t.premises.c,
        t.meter_installations.c,
        t.meters.c,
    )
    joined = (
        t.accounts.join(t.agreements, g.account_id == a.id)
        .join(t.service_points, sp.id == g.service_point_id)
        .join(t.premises, p.id == sp.premise_id)
        .outerjoin(
            t.meter_installations,
            sa.and_(
                mi.service_point_id == sp.id,
                mi.installed_from < period.end,
                sa.or_(mi.installed_to.is_(None), mi.installed_to > period.start),
            ),
        )
        .outerjoin(t.meters, m.id == mi.meter_id)
    )
    return (
        sa.select(
            g.id.label("agreement_id"),
            a.id.label("account_id"),
            sp.service,
            g.tariff_code,
            m.serial.label("meter"),
            m.kind.label("meter_kind"),
            m.multiplier,
            m.dials,
            p.stratum,
            p.use_class.label("use"),
            p.altitude_m,
            mi.installed_from,
        )
        .select_from(joined)
        .where(*_due_terms(tenant_id, cycle, period))
    )


def _accounts_terms(tenant_id: str, cycle: str) -> list[sa.ColumnElement[bool]]:
    """The tenant's open accounts of a cycle."""
    a = t.accounts.c
    return [a.tenant_id == tenant_id, a.billing_cycle == cycle, a.status != "CLOSED"]


def _agreements_terms(period: billing.BillingPeriod) -> list[sa.ColumnElement[bool]]:
    """Agreements in force at some time in the period."""
    g = t.agreements.c
    return [g.active_from < period.end, sa.or_(g.active_to.is_(None), g.active_to > period.start)]


def _due_terms(
    tenant_id: str, cycle: str, period: billing.BillingPeriod
) -> list[sa.ColumnElement[bool]]:
    return [*_accounts_terms(tenant_id, cycle), *_agreements_terms(period)]


def _due_agreements(
    column: sa.ColumnElement[Any], tenant_id: str, cycle: str, period: billing.BillingPeriod
) -> sa.Select[Any]:
    """
    The distinct values of a column of the accounts and agreements due, without the joins of
    ``_due_query``: an agreement has exactly one service point and premise (both required), and
    its meters only repeat its rows, so the distinct values are the same at half the cost.
    """
    return (
        sa.select(column)
        .distinct()
        .select_from(t.accounts.join(t.agreements, t.agreements.c.account_id == t.accounts.c.id))
        .where(*_due_terms(tenant_id, cycle, period))
    )


_RAW_AGREEMENTS: dict[str, pl.DataType] = {
    **billing.AGREEMENTS_SCHEMA,
    "multiplier": pl.String(),  # an exact decimal in the database
    "installed_from": pl.Date(),
}


def _frame(connection: sa.Connection, query: sa.Select[Any]) -> pl.DataFrame:
    raw = frames.read_frame(connection, query, _RAW_AGREEMENTS)
    return (
        raw.with_columns(
            pl.col("multiplier").cast(pl.String).cast(pl.Float64).fill_null(1.0),
            pl.col("use").cast(pl.String).str.to_lowercase(),
        )
        # after a meter exchange inside the period, the meter installed last reads it
        .sort("agreement_id", "installed_from", nulls_last=False)
        .unique(subset=["agreement_id"], keep="last", maintain_order=True)
        .sort("account_id", "agreement_id")
        .select([pl.col(c).cast(d) for c, d in billing.AGREEMENTS_SCHEMA.items()])
    )


class DbAgreementSource:
    """The agreements due in a cycle and period, straight from the accounts tables."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def accounts_due(
        self, *, tenant_id: ids.TenantId, cycle: str, period: billing.BillingPeriod
    ) -> Sequence[str]:
        # the accounts with an agreement due, asked with EXISTS: each account is read once
        # (SQLite reads them from the cycle's index already in id order), where the distinct
        # ids of the join sorted every agreement's row to drop the repeats
        a, g = t.accounts.c, t.agreements.c
        due = sa.select(g.account_id).where(g.account_id == a.id, *_agreements_terms(period))
        query = (
            sa.select(a.id).where(*_accounts_terms(tenant_id, cycle), due.exists()).order_by(a.id)
        )
        with self._engine.connect() as connection:
            return [row[0] for row in connection.execute(query)]

    def tariff_codes_due(
        self, *, tenant_id: ids.TenantId, cycle: str, period: billing.BillingPeriod
    ) -> Sequence[str]:
        query = _due_agreements(t.agreements.c.tariff_code, tenant_id, cycle, period)
        with self._engine.connect() as connection:
            return sorted(row[0] for row in connection.execute(query))

    def agreements_due(
        self,
        *,
        tenant_id: ids.TenantId,
        cycle: str,
        period: billing.BillingPeriod,
        first_account: str,
        last_account: str,
    ) -> pl.DataFrame:
        query = _due_query(tenant_id, cycle, period).where(
            t.accounts.c.id >= first_account, t.accounts.c.id <= last_account
        )
        with self._engine.connect() as connection:
            return _frame(connection, query)

    def agreement(
        self, *, tenant_id: ids.TenantId, agreement_id: str, period: billing.BillingPeriod
    ) -> pl.DataFrame:
        cycle = sa.select(t.accounts.c.billing_cycle).where(
            t.accounts.c.id
            == sa.select(t.agreements.c.account_id)
            .where(t.agreements.c.id == agreement_id)
            .scalar_subquery()
        )
        with self._engine.connect() as connection:
            code = connection.execute(cycle).scalar()
            if code is None:
                return pl.DataFrame(schema=billing.AGREEMENTS_SCHEMA)
            query = _due_query(tenant_id, code, period).where(t.agreements.c.id == agreement_id)
            return _frame(connection, query)


def _money(minor: int, currency: str) -> Money:
    return Money(Decimal(int(minor)).scaleb(-minor_unit(currency)), currency)


def _scaled(value: int | None, places: int) -> Decimal | None:
    return None if value is None else Decimal(int(value)).scaleb(-places)


def _bill(row: Any, lines: Sequence[Any]) -> billing.Bill:
    currency = row.currency
    return billing.Bill(
        id=billing.BillId(row.id),
        tenant_id=ids.TenantId(row.tenant_id),
        run_id=billing.RunId(row.run_id),
        agreement_id=ids.AgreementId(row.agreement_id),
        account_id=ids.AccountId(row.account_id),
        service=row.service,
        period=row.period,
        status=billing.BillStatus(row.status),
        currency=currency,
        revenue=_money(row.revenue, currency),
        subsidy=_money(row.subsidy, currency),
        contribution=_money(row.contribution, currency),
        taxes=_money(row.taxes, currency),
        total=_money(row.total, currency),
        consumption=str(Decimal(int(row.consumption_milli)).scaleb(-3)),
        issue_date=row.issue_date,
        due_date=row.due_date,
        created_at=row.created_at,
        lines=tuple(
            billing.BillLine(
                kind=line.kind,
                description=line.description,
                amount=_money(line.amount, currency),
                tariff=line.tariff,
                month=line.month,
                period=line.period,
                block=line.block,
                part=line.part,
                quantity=_scaled(line.quantity_milli, 3),
                unit_price=_scaled(line.unit_price_micro, 6),
            )
            for line in lines
        ),
        hold_reason=row.hold_reason,
        estimated=bool(row.estimated),
        previous_read=None if row.previous_read is None else repr(row.previous_read),
        current_read=None if row.current_read is None else repr(row.current_read),
        rebills=None if row.rebills is None else billing.BillId(row.rebills),
        entry_id=row.entry_id,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
        cancel_entry_id=row.cancel_entry_id,
    )


def _run(row: Any) -> billing.BillRun:
    return billing.BillRun(
        id=billing.RunId(row.id),
        tenant_id=ids.TenantId(row.tenant_id),
        cycle=row.cycle,
        period=row.period,
        run_type=billing.RunType(row.run_type),
        status=billing.RunStatus(row.status),
        started_at=row.started_at,
        finished_at=row.finished_at,
        batch_size=row.batch_size,
        batches=row.batches,
        sample=row.sample,
        validated_by=row.validated_by,
        solidarity_by=row.solidarity_by,
    )


class SqlBillingStore:
    """Billing's records, the ledger and the audit log over one connection in a transaction."""

    ledger: ledger_ports.LedgerRepository
    audit: shared_ports.AuditLog

    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection
        self.ledger = db_ledger.LedgerRepository(connection)
        self.audit = r.AuditLog(connection)

    def tenant(self, tenant_id: ids.TenantId) -> tuple[str, str]:
        row = self._c.execute(
            sa.select(t.tenants.c.timezone, t.tenants.c.currency).where(t.tenants.c.id == tenant_id)
        ).one()
        return str(row.timezone), str(row.currency)

    def cycle(self, tenant_id: ids.TenantId, code: str) -> billing.BillCycle | None:
        c = t.bill_cycles.c
        row = self._c.execute(
            t.bill_cycles.select().where(c.tenant_id == tenant_id, c.code == code)
        ).first()
        return None if row is None else _cycle(row)

    def cycles(self, tenant_id: ids.TenantId) -> Sequence[billing.BillCycle]:
        c = t.bill_cycles.c
        rows = self._c.execute(
            t.bill_cycles.select().where(c.tenant_id == tenant_id).order_by(c.code)
        )
        return [_cycle(row) for row in rows]

    def save_cycle(self, tenant_id: ids.TenantId, cycle: billing.BillCycle) -> None:
        c = t.bill_cycles.c
        values = {
            "name": cycle.name,
            "read_day": cycle.read_day,
            "bill_day": cycle.bill_day,
            "due_days": cycle.due_days,
            "suspension_days": cycle.suspension_days,
        }
        updated = self._c.execute(
            t.bill_cycles.update()
            .where(c.tenant_id == tenant_id, c.code == cycle.code)
            .values(**values)
        )
        if not updated.rowcount:
            self._c.execute(
                t.bill_cycles.insert().values(tenant_id=tenant_id, code=cycle.code, **values)
            )

    def add_run(self, run: billing.BillRun, batches: Sequence[billing.Batch]) -> None:
        self._c.execute(
            t.bill_runs.insert().values(
                id=run.id,
                tenant_id=run.tenant_id,
                cycle=run.cycle,
                period=run.period,
                run_type=run.run_type.value,
                status=run.status.value,
                started_at=run.started_at,
                finished_at=run.finished_at,
                batch_size=run.batch_size,
                batches=run.batches,
                sample=run.sample,
                validated_by=run.validated_by,
                solidarity_by=run.solidarity_by,
            )
        )
        if batches:
            self._c.execute(
                t.bill_run_batches.insert(),
                [
                    {
                        "run_id": b.run_id,
                        "number": b.number,
                        "first_account": b.first_account,
                        "last_account": b.last_account,
                        "committed_at": None,
                        "bills": 0,
                        "held": 0,
                        "exceptions": 0,
                    }
                    for b in batches
                ],
            )

    def run(self, tenant_id: ids.TenantId, run_id: str) -> billing.BillRun | None:
        c = t.bill_runs.c
        row = self._c.execute(
            t.bill_runs.select().where(c.tenant_id == tenant_id, c.id == run_id)
        ).first()
        return None if row is None else _run(row)

    def update_run(self, run: billing.BillRun) -> None:
        self._c.execute(
            t.bill_runs.update()
            .where(t.bill_runs.c.id == run.id)
            .values(
                status=run.status.value,
                finished_at=run.finished_at,
                validated_by=run.validated_by,
                solidarity_by=run.solidarity_by,
            )
        )

    def batches(self, run_id: str) -> Sequence[billing.Batch]:
        c = t.bill_run_batches.c
        rows = self._c.execute(
            t.bill_run_batches.select().where(c.run_id == run_id).order_by(c.number)
        )
        return [
            billing.Batch(
                run_id=billing.RunId(row.run_id),
                number=row.number,
                first_account=row.first_account,
                last_account=row.last_account,
                committed_at=row.committed_at,
                bills=row.bills,
                held=row.held,
                exceptions=row.exceptions,
            )
            for row in rows
        ]

    def commit_batch(self, batch: billing.Batch) -> None:
        c = t.bill_run_batches.c
        done = self._c.execute(
            t.bill_run_batches.update()
            .where(c.run_id == batch.run_id, c.number == batch.number, c.committed_at.is_(None))
            .values(
                committed_at=batch.committed_at,
                bills=batch.bills,
                held=batch.held,
                exceptions=batch.exceptions,
            )
        )
        if done.rowcount != 1:
            raise billing.BillRunCompleted(
                f"Batch {batch.number} of run {batch.run_id} was committed already",
                details={"run_id": batch.run_id, "batch": batch.number},
            )

    def solidarity_bases(self, tenant_id: ids.TenantId, run_id: str) -> pl.DataFrame:
        b, line = t.bills.c, t.bill_lines.c
        energy = sa.func.sum(sa.case((line.kind == "ENERGY", line.amount), else_=0))
        subsidised = sa.func.max(
            sa.case(
                (sa.and_(line.kind == "SUBSIDY", line.part == "energy"), line.quantity_milli),
                else_=None,
            )
        )
        query = (
            sa.select(
                b.agreement_id,
                b.account_id,
                b.service,
                b.consumption_milli,
                energy.label("energy"),
                subsidised.label("subsidised_milli"),
            )
            .select_from(t.bills.join(t.bill_lines, line.bill_id == b.id))
            .where(b.tenant_id == tenant_id, b.run_id == run_id, b.rebills.is_(None))
            .group_by(b.id, b.agreement_id, b.account_id, b.service, b.consumption_milli)
            .order_by(b.agreement_id)
        )
        rows = self._c.execute(query).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            schema={
                "agreement_id": pl.String,
                "account_id": pl.String,
                "service": pl.String,
                "consumption_milli": pl.Int64,
                "energy": pl.Int64,
                "subsidised_milli": pl.Int64,
            },
            orient="row",
        )

    def history(
        self,
        tenant_id: ids.TenantId,
        agreement_ids: Sequence[str],
        before: str,
        *,
        accounts: tuple[str, str] | None = None,
    ) -> pl.DataFrame:
        schema = {
            "agreement_id": pl.String,
            "period": pl.String,
            "consumption_milli": pl.Int64,
            "estimated": pl.Boolean,
        }
        if not agreement_ids:
            return pl.DataFrame(schema=schema)
        b = t.bills.c
        earliest = _months_before(before, 6)
        wanted = sorted(agreement_ids)
        ranged = len(wanted) > _LISTED
        if ranged and accounts is not None:
            # a bill run's batch (a range of accounts): one range scan of the accounts' bills
            # (ix_bills_account); the agreements of a range of accounts are spread over the
            # whole range of agreement ids, so a range of those would read most bills
            chosen = sa.and_(b.account_id >= accounts[0], b.account_id <= accounts[1])
        elif ranged:
            # one range scan of the unique index instead of thousands of bound values, then
            # only these agreements are kept
            chosen = sa.and_(b.agreement_id >= wanted[0], b.agreement_id <= wanted[-1])
        else:
            chosen = b.agreement_id.in_(wanted)
        rows = self._c.execute(
            sa.select(b.agreement_id, b.period, b.consumption_milli, b.estimated).where(
                b.tenant_id == tenant_id,
                chosen,
                # the unique index is partial (not cancelled): this term lets SQLite use it
                b.status != billing.BillStatus.CANCELLED.value,
                b.status == billing.BillStatus.ISSUED.value,
                b.run_key == "FINAL",
                b.period < before,
                b.period >= earliest,
            )
        ).all()
        found = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
        if ranged:
            found = found.filter(pl.col("agreement_id").is_in(pl.Series(wanted, dtype=pl.String)))
        return found

    def write_bills(self, bills: pl.DataFrame, lines: pl.DataFrame) -> None:
        bulk.write_frames(
            self._c,
            [("bills", _bills_frame(bills)), ("bill_lines", _columns_of(lines, t.bill_lines))],
            arrow=True,
        )

    def write_staged(self, staged: object) -> None:
        if isinstance(staged, ports.BatchWrites):
            staged = _stage(staged, self._c.dialect.name)
        assert isinstance(staged, Staged)
        try:
            bulk.write_prepared(self._c, staged.prepared)
        finally:
            staged.discard()

    def _lines(self, bill_ids: Sequence[str]) -> dict[str, list[Any]]:
        c = t.bill_lines.c
        found: dict[str, list[Any]] = {}
        rows = self._c.execute(
            t.bill_lines.select()
            .where(c.bill_id.in_(list(bill_ids)))
            .order_by(c.bill_id, c.position)
        )
        for row in rows:
            found.setdefault(row.bill_id, []).append(row)
        return found

    def bill(self, tenant_id: ids.TenantId, bill_id: str) -> billing.Bill | None:
        b = t.bills.c
        row = self._c.execute(
            t.bills.select().where(b.tenant_id == tenant_id, b.id == bill_id)
        ).first()
        if row is None:
            return None
        return _bill(row, self._lines([bill_id]).get(bill_id, []))

    def update_bill(self, bill: billing.Bill) -> None:
        self._c.execute(
            t.bills.update()
            .where(t.bills.c.id == bill.id)
            .values(
                status=bill.status.value,
                hold_reason=bill.hold_reason,
                entry_id=bill.entry_id,
                cancelled_at=bill.cancelled_at,
                cancel_reason=bill.cancel_reason,
                cancel_entry_id=bill.cancel_entry_id,
            )
        )

    def bills_of_account(self, tenant_id: ids.TenantId, account_id: str) -> Sequence[billing.Bill]:
        b = t.bills.c
        rows = self._c.execute(
            t.bills.select()
            .where(b.tenant_id == tenant_id, b.account_id == account_id, b.status != "TRIAL")
            .order_by(b.period.desc(), b.created_at.desc())
        ).all()
        return [_bill(row, ()) for row in rows]

    def bills_of_run(
        self, tenant_id: ids.TenantId, run_id: str, status: billing.BillStatus | None
    ) -> Sequence[billing.Bill]:
        b = t.bills.c
        query = t.bills.select().where(b.tenant_id == tenant_id, b.run_id == run_id)
        if status is not None:
            query = query.where(b.status == status.value)
        rows = self._c.execute(query.order_by(b.account_id, b.agreement_id)).all()
        return [_bill(row, ()) for row in rows]

    def last_final_run(self, tenant_id: ids.TenantId) -> billing.BillRun | None:
        c = t.bill_runs.c
        row = self._c.execute(
            t.bill_runs.select()
            .where(
                c.tenant_id == tenant_id,
                c.run_type == billing.RunType.FINAL.value,
                c.status == billing.RunStatus.COMPLETED.value,
            )
            .order_by(c.started_at.desc(), c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _run(row)

    def exceptions_of_run(self, run_id: str) -> pl.DataFrame:
        e = t.bill_run_exceptions.c
        rows = self._c.execute(
            t.bill_run_exceptions.select()
            .where(e.run_id == run_id)
            .order_by(e.account_id, e.agreement_id)
        ).all()
        schema = {c.name: pl.String for c in t.bill_run_exceptions.columns} | {"batch": pl.Int64}
        return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _cycle(row: Any) -> billing.BillCycle:
    return billing.BillCycle(
        code=row.code,
        name=row.name,
        read_day=row.read_day,
        bill_day=row.bill_day,
        due_days=row.due_days,
        suspension_days=row.suspension_days,
    )


def _columns_of(frame: pl.DataFrame, table: sa.Table) -> pl.DataFrame:
    return frame.select([c.name for c in table.columns])


def _bills_frame(bills: pl.DataFrame) -> pl.DataFrame:
    """A run's bill rows in the bills table's columns (what a new bill has not: null)."""
    return (
        bills.with_columns(
            pl.lit(None, dtype=pl.String).alias(c)
            for c in ("rebills", "cancel_reason", "cancel_entry_id")
            if c not in bills.columns
        )
        .with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("cancelled_at"))
        .pipe(_columns_of, t.bills)
    )


@attrs.define(eq=False)
class Staged:
    """A batch's writes converted for the driver (on SQLite: in a scratch file), written once."""

    prepared: list[bulk.Prepared]

    def discard(self) -> None:
        """Remove the scratch files not attached yet (attached ones are unlinked already)."""
        _remove(_scratch_files(self.prepared))


def _scratch_files(prepared: Sequence[bulk.Prepared]) -> list[str]:
    return sorted({item.scratch for item in prepared if item.scratch is not None})


def _remove(paths: Sequence[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.remove(path)


def _stage(writes: ports.BatchWrites, dialect: str) -> Staged:
    frames = [
        ("bills", _bills_frame(writes.bills)),
        ("bill_lines", _columns_of(writes.lines, t.bill_lines)),
        ("bill_run_exceptions", _columns_of(writes.exceptions, t.bill_run_exceptions)),
    ]
    if writes.heads is not None and writes.postings is not None and writes.heads.height:
        frames += [("journal_entries", writes.heads), ("postings", writes.postings)]
    staged = Staged(bulk.prepare(frames, dialect=dialect, arrow=True))
    # a batch staged but never written (the run stopped first) leaves no scratch file behind
    weakref.finalize(staged, _remove, _scratch_files(staged.prepared))
    return staged


def billing_stager(engine: sa.Engine) -> ports.Stager:
    """Converts a batch's writes for the engine's driver ahead of its transaction."""
    dialect = engine.dialect.name

    def stage(writes: ports.BatchWrites) -> object:
        return _stage(writes, dialect)

    return stage


def _months_before(label: str, count: int) -> str:
    year, month = int(label[:4]), int(label[5:7])
    index = year * 12 + month - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


_SQLITE_CACHE_KIB = 256 * 1024
_LISTED = 500  # agreements asked for by name; more are read as a range of ids


def billing_unit(engine: sa.Engine) -> ports.BillingUnit:
    """Billing's records in one transaction per use: committed on exit, rolled back on error."""

    @contextlib.contextmanager
    def unit() -> Iterator[ports.BillingStore]:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            try:
                with connection.begin():
                    if sqlite:
                        # a bill run's batch writes into the bills, lines and ledger indexes at
                        # once: a 256 MB page cache (SQLite's default is 2 MB) keeps their pages
                        # in memory instead of reading them back from the file for every row
                        connection.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
                    yield SqlBillingStore(connection)
            finally:
                if sqlite:
                    # the bulk writes' scratch files (bulk.write_frames with arrow)
                    bulk.detach_scratch(connection)

    return unit
