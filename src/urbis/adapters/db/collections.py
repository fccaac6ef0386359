"""
Collections over SQLAlchemy Core: arrears read from the ledger's postings with SQL aggregates,
account facts, steps, runs, arrangements, protections and holds, bound to the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import polars as pl
import sqlalchemy as sa

from urbis.adapters.db import engagement as db_engagement
from urbis.adapters.db import tables as t
from urbis.application import ports as shared_ports
from urbis.application.collections import ports
from urbis.domain import collections, engagement, service_orders
from urbis.kernel import ids
from urbis.kernel.money import Money, Rounding, minor_unit
from urbis.kernel.periods import Period

T = TypeVar("T")

# Above this many accounts a query reads the tenant's whole table and filters in Polars rather
# than sending a long IN list.
_IN_LIST_LIMIT = 500
_CLAIM_KINDS = ("CLAIM", "RECONSIDERATION", "APPEAL")
_OPEN_CASE = ("OPEN", "IN_PROGRESS")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _signed() -> sa.ColumnElement[int]:
    p = t.postings.c
    return sa.case((p.side == "DEBIT", p.amount_minor), else_=-p.amount_minor)


_ARREARS = {
    "account_id": pl.String(),
    "episode": pl.String(),
    "days_overdue": pl.Int64(),
    "amount_overdue": pl.Decimal(38, 2),
    "currency": pl.String(),
}


class LedgerArrears:
    """Who owes what, overdue since when: the ledger's receivable items, summed in SQL."""

    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def overdue(
        self, tenant_id: ids.TenantId, as_of: date, account_ids: Sequence[str] | None = None
    ) -> pl.DataFrame:
        p, e = t.postings.c, t.journal_entries.c
        query = (
            sa.select(
                p.account_id,
                p.item,
                sa.func.min(p.due_date).label("due_date"),
                sa.func.sum(_signed()).label("open_minor"),
                sa.func.max(e.currency).label("currency"),
            )
            .select_from(t.postings.join(t.journal_entries, p.entry_id == e.id))
            .where(
                p.tenant_id == tenant_id,
                p.ledger_account == "CUSTOMER_RECEIVABLE",
                p.item.is_not(None),
                e.accounting_date <= as_of,
            )
            .group_by(p.account_id, p.item)
            .having(sa.func.sum(_signed()) > 0)
            .having(sa.func.min(p.due_date) < as_of)
        )
        if account_ids is not None and len(account_ids) <= _IN_LIST_LIMIT:
            query = query.where(p.account_id.in_(list(account_ids)))
        rows = self._c.execute(query).all()
        if not rows:
            return pl.DataFrame(schema=_ARREARS)
        items = pl.DataFrame(
            {
                "account_id": [r.account_id for r in rows],
                "item": [r.item for r in rows],
                "due_date": [_date(r.due_date) for r in rows],
                "open_minor": [int(r.open_minor) for r in rows],
                "currency": [r.currency for r in rows],
            },
            schema={
                "account_id": pl.String(),
                "item": pl.String(),
                "due_date": pl.Date(),
                "open_minor": pl.Int64(),
                "currency": pl.String(),
            },
        )
        if account_ids is not None and len(account_ids) > _IN_LIST_LIMIT:
            items = items.filter(pl.col("account_id").is_in(list(account_ids)))
        scale = {c: 10 ** minor_unit(c) for c in items.get_column("currency").unique()}
        return (
            items.sort("account_id", "due_date", "item")
            .group_by("account_id", maintain_order=True)
            .agg(
                pl.col("item").first().alias("episode"),
                pl.col("due_date").min().alias("due_date"),
                pl.col("open_minor").sum().alias("open_minor"),
                pl.col("currency").first().alias("currency"),
            )
            .with_columns(
                days_overdue=(pl.lit(as_of) - pl.col("due_date")).dt.total_days(),
                amount_overdue=(
                    pl.col("open_minor").cast(pl.Decimal(38, 0))
                    / pl.col("currency").replace_strict(scale, return_dtype=pl.Decimal(38, 0))
                ).cast(pl.Decimal(38, 2)),
            )
            .select(list(_ARREARS))
        )

    def still_open(
        self,
        tenant_id: ids.TenantId,
        account_id: ids.AccountId,
        items: Sequence[str],
        currency: str,
    ) -> Money:
        p = t.postings.c
        total = self._c.execute(
            sa.select(sa.func.coalesce(sa.func.sum(_signed()), 0)).where(
                p.tenant_id == tenant_id,
                p.account_id == account_id,
                p.ledger_account == "CUSTOMER_RECEIVABLE",
                p.item.in_(list(items)),
            )
        ).scalar_one()
        return Money(Decimal(max(int(total), 0)).scaleb(-minor_unit(currency)), currency)

    def overdue_items(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId, as_of: date
    ) -> tuple[str, ...]:
        p, e = t.postings.c, t.journal_entries.c
        rows = self._c.execute(
            sa.select(p.item)
            .select_from(t.postings.join(t.journal_entries, p.entry_id == e.id))
            .where(
                p.tenant_id == tenant_id,
                p.account_id == account_id,
                p.ledger_account == "CUSTOMER_RECEIVABLE",
                p.item.is_not(None),
                e.accounting_date <= as_of,
            )
            .group_by(p.item)
            .having(sa.func.sum(_signed()) > 0)
            .having(sa.func.min(p.due_date) < as_of)
            .order_by(sa.func.min(p.due_date), p.item)
        ).all()
        return tuple(str(r.item) for r in rows)


_FACTS = {**collections.FACTS, "status": pl.String()}


class DbAccountFacts:
    """Segment, stratum, region and open claims of accounts, from the supplied premise."""

    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def facts(self, tenant_id: ids.TenantId, account_ids: Sequence[str]) -> pl.DataFrame:
        a, ag, sp, pr, cs = (
            t.accounts.c,
            t.agreements.c,
            t.service_points.c,
            t.premises.c,
            t.cases.c,
        )
        premise = (
            sa.select(ag.account_id, sa.func.min(sp.premise_id).label("premise_id"))
            .select_from(t.agreements.join(t.service_points, ag.service_point_id == sp.id))
            .where(ag.tenant_id == tenant_id)
            .group_by(ag.account_id)
            .subquery()
        )
        claims = (
            sa.select(cs.account_id)
            .where(
                cs.tenant_id == tenant_id,
                cs.kind.in_(_CLAIM_KINDS),
                cs.status.in_(_OPEN_CASE),
                cs.account_id.is_not(None),
            )
            .distinct()
            .subquery()
        )
        query = (
            sa.select(
                a.id,
                a.status,
                pr.use_class,
                pr.stratum,
                pr.department,
                pr.city,
                claims.c.account_id.label("claimed"),
            )
            .select_from(
                t.accounts.outerjoin(premise, premise.c.account_id == a.id)
                .outerjoin(t.premises, pr.id == premise.c.premise_id)
                .outerjoin(claims, claims.c.account_id == a.id)
            )
            .where(a.tenant_id == tenant_id)
        )
        small = len(account_ids) <= _IN_LIST_LIMIT
        if small:
            query = query.where(a.id.in_(list(account_ids)))
        rows = self._c.execute(query).all()
        frame = pl.DataFrame(
            {
                "account_id": [r.id for r in rows],
                "segment": [r.use_class for r in rows],
                "stratum": [r.stratum for r in rows],
                "department": [r.department for r in rows],
                "city": [r.city for r in rows],
                "open_claim": [r.claimed is not None for r in rows],
                "status": [r.status for r in rows],
            },
            schema=_FACTS,
        )
        if not small:
            frame = frame.filter(pl.col("account_id").is_in(list(account_ids)))
        return frame


class DbStepRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def history(self, tenant_id: ids.TenantId) -> pl.DataFrame:
        s = t.collection_steps.c
        rows = self._c.execute(
            sa.select(s.account_id, s.episode, s.kind, s.as_of).where(s.tenant_id == tenant_id)
        ).all()
        return pl.DataFrame(
            {
                "account_id": [r.account_id for r in rows],
                "episode": [r.episode for r in rows],
                "kind": [r.kind for r in rows],
                "as_of": [_date(r.as_of) for r in rows],
            },
            schema=collections.HISTORY,
        )

    def add_steps(
        self, tenant_id: ids.TenantId, run_id: str, as_of: date, steps: pl.DataFrame
    ) -> None:
        if steps.is_empty():
            return
        rows = steps.select(
            pl.col("id"),
            pl.lit(tenant_id).alias("tenant_id"),
            pl.lit(run_id).alias("run_id"),
            "account_id",
            "key",
            "kind",
            "episode",
            pl.lit(as_of).alias("as_of"),
            "reason",
            "protected",
            "days_overdue",
            "amount_overdue",
            "service_order_id",
        ).to_dicts()
        self._c.execute(t.collection_steps.insert(), rows)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> list[dict[str, Any]]:
        s = t.collection_steps.c
        rows = self._c.execute(
            t.collection_steps.select()
            .where(s.tenant_id == tenant_id, s.account_id == account_id)
            .order_by(s.as_of, s.id)
        ).all()
        return [
            {
                "kind": r.kind,
                "as_of": _date(r.as_of).isoformat(),
                "episode": r.episode,
                "reason": r.reason,
                "protected": bool(r.protected),
                "days_overdue": r.days_overdue,
                "amount_overdue": str(r.amount_overdue),
                "service_order_id": r.service_order_id,
                "run_id": r.run_id,
            }
            for r in rows
        ]

    def suspensions(self, tenant_id: ids.TenantId) -> pl.DataFrame:
        o, a = t.service_orders.c, t.accounts.c
        pending = (service_orders.OrderStatus.OPEN.value, service_orders.OrderStatus.ASSIGNED.value)
        rows = self._c.execute(
            sa.select(o.account_id, o.id, o.status)
            .select_from(t.service_orders.join(t.accounts, a.id == o.account_id))
            .where(
                o.tenant_id == tenant_id,
                o.kind == service_orders.OrderKind.SUSPENSION.value,
                o.source.like("collections:%"),
                sa.or_(
                    o.status.in_(pending),
                    sa.and_(
                        o.status == service_orders.OrderStatus.COMPLETED.value,
                        o.outcome == service_orders.Outcome.DONE.value,
                        a.status == "SUSPENDED",
                    ),
                ),
            )
        ).all()
        return pl.DataFrame(
            {
                "account_id": [r.account_id for r in rows],
                "order_id": [r.id for r in rows],
                "pending": [r.status in pending for r in rows],
            },
            schema=collections.SUSPENSIONS,
        )

    def add_run(self, run: ports.CollectionRun) -> None:
        self._c.execute(
            t.collection_runs.insert().values(
                id=run.id,
                tenant_id=run.tenant_id,
                as_of=run.as_of,
                started_at=run.started_at,
                finished_at=run.finished_at,
                actor_id=run.actor_id,
                policy=run.policy,
                candidates=run.candidates,
                evaluations=run.evaluations,
                counts=dict(run.counts),
            )
        )

    @staticmethod
    def _run(r: Any) -> ports.CollectionRun:
        return ports.CollectionRun(
            id=r.id,
            tenant_id=ids.TenantId(r.tenant_id),
            as_of=_date(r.as_of),
            started_at=_utc(r.started_at),
            finished_at=_utc(r.finished_at),
            actor_id=r.actor_id,
            policy=r.policy,
            candidates=r.candidates,
            evaluations=r.evaluations,
            counts={str(k): int(v) for k, v in r.counts.items()},
        )

    def get_run(self, tenant_id: ids.TenantId, run_id: str) -> ports.CollectionRun | None:
        c = t.collection_runs.c
        row = self._c.execute(
            t.collection_runs.select().where(c.tenant_id == tenant_id, c.id == run_id)
        ).first()
        return None if row is None else self._run(row)

    def runs(self, tenant_id: ids.TenantId, limit: int) -> Sequence[ports.CollectionRun]:
        c = t.collection_runs.c
        rows = self._c.execute(
            t.collection_runs.select()
            .where(c.tenant_id == tenant_id)
            .order_by(c.started_at.desc(), c.id.desc())
            .limit(limit)
        )
        return [self._run(r) for r in rows]


def _money(amount: Decimal | str, currency: str) -> Money:
    return Money(Decimal(amount), currency)


class _TenantRows(Generic[T]):
    """
    One tenant-scoped table read and written as domain objects: add, update by id, one by id,
    and lists in the table's order. Subclasses say how an object becomes a row and back.
    """

    table: sa.Table
    order: tuple[str, ...]

    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def _values(self, item: T) -> dict[str, Any]:
        raise NotImplementedError

    def _row(self, row: Any) -> T:
        raise NotImplementedError

    def add(self, item: T) -> None:
        self._c.execute(self.table.insert().values(**self._values(item)))

    def update(self, item: T) -> None:
        values = self._values(item)
        c = self.table.c
        self._c.execute(
            self.table.update()
            .where(c.id == values["id"], c.tenant_id == values["tenant_id"])
            .values(**values)
        )

    def _one(self, tenant_id: ids.TenantId, item_id: str) -> T | None:
        c = self.table.c
        row = self._c.execute(
            self.table.select().where(c.tenant_id == tenant_id, c.id == item_id)
        ).first()
        return None if row is None else self._row(row)

    def _many(self, tenant_id: ids.TenantId, *where: sa.ColumnElement[bool]) -> list[T]:
        c = self.table.c
        rows = self._c.execute(
            self.table.select()
            .where(c.tenant_id == tenant_id, *where)
            .order_by(*(c[name] for name in self.order))
        )
        return [self._row(r) for r in rows]


class DbArrangementRepository(_TenantRows[collections.PaymentArrangement]):
    table = t.payment_arrangements
    order = ("agreed_on", "id")

    def _values(self, a: collections.PaymentArrangement) -> dict[str, Any]:
        return {
            "id": a.id,
            "tenant_id": a.tenant_id,
            "account_id": a.account_id,
            "agreed_on": a.agreed_on,
            "currency": a.debt.currency,
            "debt": a.debt.amount,
            "down_payment": a.down_payment.amount,
            "monthly_rate": a.monthly_rate,
            "rounding": a.rounding.name,
            "instalments": [
                {
                    "number": i.number,
                    "due_date": i.due_date.isoformat(),
                    "principal": str(i.principal.amount),
                    "interest": str(i.interest.amount),
                }
                for i in a.instalments
            ],
            "items": list(a.items),
            "status": a.status.value,
            "closed_on": a.closed_on,
        }

    def _row(self, r: Any) -> collections.PaymentArrangement:
        currency = r.currency
        return collections.PaymentArrangement(
            id=collections.ArrangementId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            account_id=ids.AccountId(r.account_id),
            agreed_on=_date(r.agreed_on),
            debt=_money(r.debt, currency),
            down_payment=_money(r.down_payment, currency),
            monthly_rate=Decimal(r.monthly_rate),
            rounding=Rounding[r.rounding],
            instalments=tuple(
                collections.Instalment(
                    number=int(i["number"]),
                    due_date=date.fromisoformat(i["due_date"]),
                    principal=_money(i["principal"], currency),
                    interest=_money(i["interest"], currency),
                )
                for i in r.instalments
            ),
            items=tuple(str(i) for i in r.items),
            status=collections.ArrangementStatus(r.status),
            closed_on=None if r.closed_on is None else _date(r.closed_on),
        )

    def get(
        self, tenant_id: ids.TenantId, arrangement_id: collections.ArrangementId
    ) -> collections.PaymentArrangement | None:
        return self._one(tenant_id, arrangement_id)

    def active(self, tenant_id: ids.TenantId) -> Sequence[collections.PaymentArrangement]:
        status = collections.ArrangementStatus.ACTIVE.value
        return self._many(tenant_id, self.table.c.status == status)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[collections.PaymentArrangement]:
        return self._many(tenant_id, self.table.c.account_id == account_id)


class DbProtectionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add_protection(self, protection: collections.Protection) -> None:
        self._c.execute(
            t.collection_protections.insert().values(
                id=protection.id,
                tenant_id=protection.tenant_id,
                account_id=protection.account_id,
                kind=protection.kind.value,
                active_from=protection.active.start,
                active_to=protection.active.end,
                note=protection.note,
            )
        )

    def protections(self, tenant_id: ids.TenantId) -> Sequence[collections.Protection]:
        c = t.collection_protections.c
        rows = self._c.execute(
            t.collection_protections.select()
            .where(c.tenant_id == tenant_id)
            .order_by(c.active_from, c.id)
        )
        return [
            collections.Protection(
                id=collections.ProtectionId(r.id),
                tenant_id=ids.TenantId(r.tenant_id),
                account_id=ids.AccountId(r.account_id),
                kind=collections.ProtectionKind(r.kind),
                active=Period(
                    _date(r.active_from), None if r.active_to is None else _date(r.active_to)
                ),
                note=r.note,
            )
            for r in rows
        ]

    def add_hold(self, hold: collections.RegulatoryHold) -> None:
        self._c.execute(
            t.regulatory_holds.insert().values(
                id=hold.id,
                tenant_id=hold.tenant_id,
                region=hold.region,
                active_from=hold.active.start,
                active_to=hold.active.end,
                reason=hold.reason,
            )
        )

    def holds(self, tenant_id: ids.TenantId) -> Sequence[collections.RegulatoryHold]:
        c = t.regulatory_holds.c
        rows = self._c.execute(
            t.regulatory_holds.select()
            .where(c.tenant_id == tenant_id)
            .order_by(c.active_from, c.id)
        )
        return [
            collections.RegulatoryHold(
                id=collections.HoldId(r.id),
                tenant_id=ids.TenantId(r.tenant_id),
                region=r.region,
                active=Period(
                    _date(r.active_from), None if r.active_to is None else _date(r.active_to)
                ),
                reason=r.reason,
            )
            for r in rows
        ]


class DbPromiseRepository(_TenantRows[collections.PaymentPromise]):
    table = t.payment_promises
    order = ("made_at", "id")

    def _values(self, p: collections.PaymentPromise) -> dict[str, Any]:
        return {
            "id": p.id,
            "tenant_id": p.tenant_id,
            "account_id": p.account_id,
            "currency": p.amount.currency,
            "amount": p.amount.amount,
            "promised_date": p.promised_date,
            "made_at": p.made_at,
            "made_on": p.made_on,
            "taken_by": p.taken_by,
            "channel": p.channel,
            "note": p.note,
            "status": p.status.value,
            "closed_on": p.closed_on,
        }

    def _row(self, r: Any) -> collections.PaymentPromise:
        return collections.PaymentPromise(
            id=collections.PromiseId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            account_id=ids.AccountId(r.account_id),
            amount=_money(r.amount, r.currency),
            promised_date=_date(r.promised_date),
            made_at=_utc(r.made_at),
            made_on=_date(r.made_on),
            taken_by=r.taken_by,
            channel=r.channel,
            note=r.note,
            status=collections.PromiseStatus(r.status),
            closed_on=None if r.closed_on is None else _date(r.closed_on),
        )

    def get(
        self, tenant_id: ids.TenantId, promise_id: collections.PromiseId
    ) -> collections.PaymentPromise | None:
        return self._one(tenant_id, promise_id)

    def open(self, tenant_id: ids.TenantId) -> Sequence[collections.PaymentPromise]:
        status = collections.PromiseStatus.OPEN.value
        return self._many(tenant_id, self.table.c.status == status)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[collections.PaymentPromise]:
        return self._many(tenant_id, self.table.c.account_id == account_id)


class LedgerReceivables:
    """What an account owes and what it paid since an instant, from the ledger's postings."""

    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def owed(self, tenant_id: ids.TenantId, account_id: ids.AccountId, currency: str) -> Money:
        p = t.postings.c
        total = self._c.execute(
            sa.select(sa.func.coalesce(sa.func.sum(_signed()), 0)).where(
                p.tenant_id == tenant_id,
                p.account_id == account_id,
                p.ledger_account == "CUSTOMER_RECEIVABLE",
            )
        ).scalar_one()
        return Money(Decimal(max(int(total), 0)).scaleb(-minor_unit(currency)), currency)

    def paid_since(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId, since: datetime, currency: str
    ) -> Money:
        p, e = t.postings.c, t.journal_entries.c
        reversal = t.journal_entries.alias("reversal")
        total = self._c.execute(
            sa.select(sa.func.coalesce(sa.func.sum(p.amount_minor), 0))
            .select_from(t.postings.join(t.journal_entries, p.entry_id == e.id))
            .where(
                p.tenant_id == tenant_id,
                p.account_id == account_id,
                p.ledger_account == "CASH",
                p.side == "DEBIT",
                e.kind == "PAYMENT",
                e.booked_at >= since,
                ~sa.exists().where(reversal.c.tenant_id == tenant_id, reversal.c.reverses == e.id),
            )
        ).scalar_one()
        return Money(Decimal(int(total)).scaleb(-minor_unit(currency)), currency)


class TimelineContactLog:
    """Collections' notes as inbound interactions on the account holder's timeline."""

    def __init__(self, connection: sa.Connection, id_generator: shared_ports.IdGenerator) -> None:
        self._c = connection
        self._ids = id_generator

    def log(
        self,
        *,
        tenant_id: ids.TenantId,
        account_id: ids.AccountId,
        channel: str,
        summary: str,
        at: datetime,
    ) -> None:
        a = t.accounts.c
        holder = self._c.execute(
            sa.select(a.holder_id).where(a.tenant_id == tenant_id, a.id == account_id)
        ).scalar_one()
        db_engagement.InteractionRepository(self._c).add(
            engagement.Interaction(
                id=engagement.InteractionId(self._ids.new_id()),
                tenant_id=tenant_id,
                channel=engagement.InteractionChannel(channel),
                direction=engagement.Direction.INBOUND,
                at=at,
                summary=engagement.summarise(summary, limit=2000),
                party_id=ids.PartyId(holder),
                account_id=account_id,
                matched_by=engagement.MatchKey.AGENT,
            )
        )
