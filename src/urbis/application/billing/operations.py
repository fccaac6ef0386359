"""
Writes of the billing context: bill cycles, bill runs (start, resume), and corrections
(release a held bill, cancel, cancel and rebill). One keyword-only function per use case.

A run is planned as account batches before any is billed; each batch is loaded on a thread of
its own, billed by the partition function (``billing.bill_batch``) on the runner's workers,
then, in this process, validated, given its ids and ledger entries and staged for the database
on another thread, and finally stored with its lines and exceptions, posted to the ledger and
marked committed, all in one transaction (ADR 0079). A run killed at any point resumes from
the first uncommitted batch; the unique index on bills makes a second bill for an agreement and
period impossible.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import polars as pl

from urbis.application import pipeline
from urbis.application.billing import ports, solidarity
from urbis.application.ledger import operations as ledger_ops
from urbis.domain import billing, identity, ledger, tariffs
from urbis.kernel import errors, ids
from urbis.kernel.money import minor_unit

Progress = Callable[[int, int], None]
Timer = Callable[[str], contextlib.AbstractContextManager[object]]
"""Times a named stage of a run (benchmarks pass one; by default nothing is timed)."""


def _untimed(stage: str) -> contextlib.AbstractContextManager[object]:
    del stage
    return contextlib.nullcontext()


AMOUNTS = ("revenue", "subsidy", "contribution", "taxes", "total")


WRITERS = frozenset({identity.Role.BILLING_ANALYST})


def _may_write(env: ports.BillingEnv) -> None:
    identity.require_role(
        actor=identity.Actor(
            user_id=ids.UserId(env.actor_id), tenant_id=env.tenant_id, roles=env.roles
        ),
        allowed=WRITERS,
    )


class UnknownBillCycle(errors.NotFound):
    code = "unknown_bill_cycle"


class NothingToRate(errors.InvalidValue):
    code = "no_tariff_in_force"


class UnableToRebill(errors.InvalidValue):
    code = "unable_to_rebill"


def _audit(
    env: ports.BillingEnv,
    store: ports.BillingStore,
    *,
    entity: str,
    entity_id: str,
    action: str,
    before: Any = None,
    after: Any = None,
) -> None:
    from urbis.application import ports as shared

    store.audit.record(
        shared.AuditEntry(
            id=env.ids.new_id(),
            tenant_id=env.tenant_id,
            actor_id=env.actor_id,
            at=env.clock.now(),
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
        )
    )


def _cycle_data(cycle: billing.BillCycle) -> dict[str, Any]:
    return {
        "code": cycle.code,
        "name": cycle.name,
        "read_day": cycle.read_day,
        "bill_day": cycle.bill_day,
        "due_days": cycle.due_days,
        "suspension_days": cycle.suspension_days,
    }


def save_cycle(
    *,
    env: ports.BillingEnv,
    code: str,
    read_day: int,
    bill_day: int,
    due_days: int,
    suspension_days: int,
    name: str = "",
) -> dict[str, Any]:
    """
    Define a bill cycle, or change when it reads, bills and falls due.

    :raises InvalidBillCycle: if a day or a number of days is out of range.
    :raises RoleRequired: if the caller is not a billing analyst (or an admin).
    """
    _may_write(env)
    cycle = billing.BillCycle(
        code=code,
        read_day=read_day,
        bill_day=bill_day,
        due_days=due_days,
        suspension_days=suspension_days,
        name=name,
    )
    with env.store() as store:
        before = store.cycle(env.tenant_id, code)
        store.save_cycle(env.tenant_id, cycle)
        _audit(
            env,
            store,
            entity="bill_cycle",
            entity_id=code,
            action="saved",
            before=None if before is None else _cycle_data(before),
            after=_cycle_data(cycle),
        )
    return _cycle_data(cycle)


def run_summary(run: billing.BillRun) -> dict[str, Any]:
    """A run as plain data."""
    return {
        "id": run.id,
        "cycle": run.cycle,
        "period": run.period,
        "run_type": run.run_type.value,
        "status": run.status.value,
        "started_at": run.started_at.isoformat(),
        "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
        "batch_size": run.batch_size,
        "batches": run.batches,
        "batches_done": run.batches_done,
        "sample": run.sample,
        "agreements": run.agreements,
        "bills": run.bills,
        "held": run.held,
        "exceptions": run.exceptions,
        "validated_by": run.validated_by,
        "solidarity_by": run.solidarity_by,
    }


def create_run(
    *,
    env: ports.BillingEnv,
    cycle: str,
    period: str,
    trial: bool = False,
    sample: int | None = None,
) -> dict[str, Any]:
    """
    Plan a bill run: its account batches are recorded before any is billed.

    :raises InvalidBillingPeriod: if the period is not ``YYYY-MM``.
    :raises UnknownBillCycle: if the cycle is not defined.
    :raises NothingToRate: if no tariff of the cycle's agreements is in force in the period.
    :raises InvalidBillRun: if the sample or batch size is not positive.
    :raises RoleRequired: if the caller is not a billing analyst (or an admin).
    """
    _may_write(env)
    month = billing.billing_period(label=period)
    if sample is not None and sample < 1:
        raise billing.InvalidBillRun("A trial sample has at least one account")
    with env.store() as store:
        if store.cycle(env.tenant_id, cycle) is None:
            raise UnknownBillCycle(f"No bill cycle {cycle!r}", details={"cycle": cycle})
    codes = env.agreements.tariff_codes_due(tenant_id=env.tenant_id, cycle=cycle, period=month)
    if codes and not any(_in_force(env.tariffs.get(c), month) for c in codes):
        raise NothingToRate(
            f"No tariff of cycle {cycle} is in force in {month.label}",
            details={"cycle": cycle, "period": month.label, "tariffs": sorted(codes)},
        )
    accounts = list(env.agreements.accounts_due(tenant_id=env.tenant_id, cycle=cycle, period=month))
    if trial and sample is not None and sample < len(accounts):
        step = len(accounts) / sample
        accounts = [accounts[int(i * step)] for i in range(sample)]
    terms = _solidarity(env, month)
    run_id = billing.RunId(env.ids.new_id())
    batches = billing.plan_batches(run_id=run_id, accounts=accounts, batch_size=env.batch_size)
    run = billing.BillRun(
        id=run_id,
        tenant_id=env.tenant_id,
        cycle=cycle,
        period=month.label,
        run_type=billing.RunType.TRIAL if trial else billing.RunType.FINAL,
        status=billing.RunStatus.RUNNING,
        started_at=env.clock.now(),
        batch_size=env.batch_size,
        batches=len(batches),
        sample=sample if trial else None,
        # what the run asks, fixed when it starts: a resumed run keeps it (ADR 0038)
        validated_by=_validation(env, month).source,
        solidarity_by=TARIFF_CLASSES if terms is None else terms.source,
    )
    with env.store() as store:
        store.add_run(run, batches)
        _audit(
            env,
            store,
            entity="bill_run",
            entity_id=run.id,
            action="started",
            after=run_summary(run),
        )
    return run_summary(run)


def _in_force(tariff: tariffs.Tariff | None, month: billing.BillingPeriod) -> bool:
    if tariff is None:
        return False
    try:
        tariff.in_force(on=month.start)
    except tariffs.NoTariffInForce:
        return False
    return True


@attrs.frozen
class _Work:
    batch: billing.Batch
    inputs: dict[str, Any]


def compute_batch(inputs: Mapping[str, Any]) -> billing.BatchResult:
    """The partition function as the runner calls it (a module-level function: picklable)."""
    return billing.bill_batch(**inputs)


def _bounds(month: billing.BillingPeriod, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return (
        datetime(month.start.year, month.start.month, 1, tzinfo=tz),
        datetime(month.end.year, month.end.month, 1, tzinfo=tz),
    )


def _inputs(
    env: ports.BillingEnv,
    agreements: pl.DataFrame,
    month: billing.BillingPeriod,
    zone: str,
    catalogue: dict[str, tariffs.Tariff | None],
    terms: solidarity.RunTerms | None = None,
) -> dict[str, Any]:
    for code in agreements["tariff_code"].unique().to_list():
        if code not in catalogue:
            catalogue[code] = env.tariffs.get(code)
    kinds = agreements.filter(pl.col("meter").is_not_null())
    registers = kinds.filter(pl.col("meter_kind") == "REGISTER")["meter"].to_list()
    intervals = kinds.filter(pl.col("meter_kind") != "REGISTER")["meter"].to_list()
    start, end = _bounds(month, zone)
    return {
        "agreements": agreements,
        "reads": env.reads.register_reads(meters=registers)
        if registers
        else pl.DataFrame(schema=billing.READS_SCHEMA),
        "usage": env.reads.interval_usage(meters=intervals, period=month, timezone=zone)
        if intervals
        else pl.DataFrame(schema=billing.USAGE_SCHEMA),
        "tariffs_by_code": {c: catalogue[c] for c in agreements["tariff_code"].unique()},
        "period": month,
        "start": start,
        "end": end,
        "timezone": zone,
        "solidarity": None if terms is None else terms.of(agreements),
    }


# a run allocates millions of short-lived rows: the cycle collector runs less often (ADR 0080)
@pipeline.fewer_collections()
def resume_run(
    *,
    env: ports.BillingEnv,
    run_id: str,
    progress: Progress | None = None,
    timer: Timer = _untimed,
) -> dict[str, Any]:
    """
    Bill every batch of a run not yet committed, then mark the run completed.

    :raises BillRunNotFound: if the tenant has no such run.
    :raises BillRunCompleted: if the run has completed already.
    :raises RoleRequired: if the caller is not a billing analyst (or an admin).
    """
    _may_write(env)
    with env.store() as store:
        run = store.run(env.tenant_id, run_id)
        if run is None:
            raise billing.BillRunNotFound(f"No bill run {run_id}", details={"run_id": run_id})
        if run.status is billing.RunStatus.COMPLETED:
            raise billing.BillRunCompleted(
                f"Bill run {run_id} has completed", details={"run_id": run_id}
            )
        cycle = store.cycle(env.tenant_id, run.cycle)
        zone, _ = store.tenant(env.tenant_id)
        batches = list(store.batches(run.id))
    if cycle is None:
        raise UnknownBillCycle(f"No bill cycle {run.cycle!r}", details={"cycle": run.cycle})
    month = billing.billing_period(label=run.period)
    todo = [b for b in batches if b.committed_at is None]
    done = len(batches) - len(todo)
    if progress:
        progress(done, len(batches))
    catalogue: dict[str, tariffs.Tariff | None] = {}
    validation = _validation(env, month, run.validated_by)
    terms = _solidarity(env, month, run.solidarity_by)

    def work() -> Iterator[dict[str, Any]]:
        for batch in todo:
            with timer("load agreements"):
                agreements = env.agreements.agreements_due(
                    tenant_id=env.tenant_id,
                    cycle=run.cycle,
                    period=month,
                    first_account=batch.first_account,
                    last_account=batch.last_account,
                )
            with timer("load reads"):
                inputs = _inputs(env, agreements, month, zone, catalogue, terms)
            yield inputs

    # three threads besides the runner's: the next batches are loaded while earlier ones are
    # rated, staged and written (ADR 0079)
    results = env.runner.map(compute_batch, pipeline.ahead(work(), 1, name="urbis-billrun-load"))

    def ready() -> Iterator[tuple[billing.Batch, _Ready]]:
        # Each batch is validated, given its ids and ledger entries and staged for the database
        # on a thread of its own while the previous batch is being written (ADR 0079).
        with concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="urbis-billrun-stage"
        ) as stager:
            staged: collections.deque[tuple[billing.Batch, concurrent.futures.Future[_Ready]]] = (
                collections.deque()
            )
            for batch in todo:
                with timer("determinants and rating (with loads when in process)"):
                    result = next(results)
                staged.append(
                    (
                        batch,
                        stager.submit(
                            _prepare, env, run, batch, cycle, month, result, validation, timer
                        ),
                    )
                )
                while len(staged) > 1:
                    first, future = staged.popleft()
                    yield first, future.result()
            while staged:
                first, future = staged.popleft()
                yield first, future.result()

    if env.writers <= 1:
        for batch, prepared in ready():
            _store(env, run, batch, prepared, validation, timer)
            done += 1
            if progress:
                progress(done, len(batches))
    else:
        # Batches are independent and each commits alone with its batch record, so several
        # are written at once on their own connections (the database does most of a write's
        # work: constraints, indexes); at most ``writers`` wait, so memory stays bounded.
        # After a failure the batches in flight finish (committed or not) and the run can
        # be resumed like after any stop.
        with concurrent.futures.ThreadPoolExecutor(
            max_workers=env.writers, thread_name_prefix="urbis-billrun-writer"
        ) as writers:
            pending: collections.deque[concurrent.futures.Future[None]] = collections.deque()
            for batch, prepared in ready():
                pending.append(writers.submit(_store, env, run, batch, prepared, validation, timer))
                while pending and (len(pending) >= env.writers or pending[0].done()):
                    pending.popleft().result()
                    done += 1
                    if progress:
                        progress(done, len(batches))
            while pending:
                pending.popleft().result()
                done += 1
                if progress:
                    progress(done, len(batches))
    with env.store() as store:
        committed = store.batches(run.id)
        finished = attrs.evolve(
            run,
            status=billing.RunStatus.COMPLETED,
            finished_at=env.clock.now(),
            batches_done=sum(1 for b in committed if b.committed_at is not None),
            bills=sum(b.bills for b in committed),
            held=sum(b.held for b in committed),
            exceptions=sum(b.exceptions for b in committed),
            agreements=sum(b.bills + b.exceptions for b in committed),
            validated_by=validation.source,
            solidarity_by=TARIFF_CLASSES if terms is None else terms.source,
        )
        store.update_run(finished)
        _audit(
            env,
            store,
            entity="bill_run",
            entity_id=run.id,
            action="completed",
            after=run_summary(finished),
        )
    return run_summary(finished)


def start_run(
    *,
    env: ports.BillingEnv,
    cycle: str,
    period: str,
    trial: bool = False,
    sample: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """
    Plan a bill run and bill it to the end (``create_run`` then ``resume_run``).

    :raises InvalidBillingPeriod: if the period is not ``YYYY-MM``.
    :raises UnknownBillCycle: if the cycle is not defined.
    :raises NothingToRate: if no tariff of the cycle's agreements is in force in the period.
    """
    run = create_run(env=env, cycle=cycle, period=period, trial=trial, sample=sample)
    return resume_run(env=env, run_id=run["id"], progress=progress)


def _decimal_of(column: str, places: int) -> pl.Expr:
    return pl.col(column).cast(pl.Decimal(20, 0)) * pl.lit(
        Decimal(1).scaleb(-places), dtype=pl.Decimal(20, places)
    )


def validation_inputs(
    *, bills: pl.DataFrame, history: pl.DataFrame, month: billing.BillingPeriod, places: int
) -> pl.DataFrame:
    """
    The ``bill_validation`` inputs of a batch of bills: the amount, the use, the average use
    of the agreement's last six issued bills and how many periods in a row were estimated.
    """
    ordered = history.sort("agreement_id", "period", descending=[False, True])
    past = ordered.group_by("agreement_id").agg(
        pl.col("consumption_milli").mean().alias("average_milli"),
        # estimated periods in a row, counting back from the latest
        pl.col("estimated").cum_min().sum().cast(pl.Int64).alias("estimates_before"),
    )
    joined = bills.join(past, on="agreement_id", how="left")
    return joined.select(
        pl.col("service"),
        _decimal_of("total", places).cast(pl.Decimal(20, 2)).alias("bill_amount"),
        _decimal_of("consumption_milli", 3).alias("consumption"),
        (
            pl.col("average_milli").round(0).cast(pl.Int64).cast(pl.Decimal(20, 0))
            * pl.lit(Decimal("0.001"), dtype=pl.Decimal(20, 3))
        ).alias("average_consumption"),
        (pl.col("estimated").cast(pl.Int64) * (1 + pl.col("estimates_before").fill_null(0))).alias(
            "consecutive_estimates"
        ),
        pl.lit(month.days, dtype=pl.Int64).alias("days_in_period"),
    )


def _amount(minor: int, places: int) -> Decimal:
    return Decimal(minor).scaleb(-places)


def _bill_entry(
    env: ports.BillingEnv, row: Mapping[str, Any], places: int, at: datetime
) -> ledger.JournalEntry:
    service = str(row["service"])
    return ledger.bill_entry(
        id=ledger.EntryId(env.ids.new_id()),
        tenant_id=env.tenant_id,
        account_id=ids.AccountId(str(row["account_id"])),
        source=f"bill:{row['id']}",
        booked_at=at,
        accounting_date=row["issue_date"],
        due_date=row["due_date"],
        item=str(row["id"]),
        currency=str(row["currency"]),
        revenue={service: _amount(row["revenue"], places)},
        subsidy={service: _amount(row["subsidy"], places)},
        contribution={service: _amount(row["contribution"], places)},
        taxes=_amount(row["taxes"], places),
    )


def _new_ids(env: ports.BillingEnv, count: int) -> list[str]:
    # A generator that makes ids in bulk (the system's does) saves ~20 µs an id: a run of a
    # million accounts makes six million.
    many: Callable[[int], list[str]] | None = getattr(env.ids, "new_ids", None)
    if many is not None:
        return many(count)
    return [env.ids.new_id() for _ in range(count)]


@attrs.frozen
class _Ready:
    """A batch validated, with its ids and ledger entries, staged for the database."""

    staged: object
    bills: int
    held: int
    exceptions: int
    total: int
    places: int
    at: datetime


def _prepare(
    env: ports.BillingEnv,
    run: billing.BillRun,
    batch: billing.Batch,
    cycle: billing.BillCycle,
    month: billing.BillingPeriod,
    result: billing.BatchResult,
    validation: ports.Validation,
    timer: Timer = _untimed,
) -> _Ready:
    """Validate a batch's bills and make its writes ready, outside the writing transaction."""
    now = env.clock.now()
    final = run.run_type is billing.RunType.FINAL
    bills = result.bills
    with env.store() as store:
        # the issued bills of earlier periods: no batch of this run writes any of them
        _, currency = store.tenant(env.tenant_id)
        with timer("validation: history"):
            history = store.history(
                env.tenant_id,
                bills["agreement_id"].to_list(),
                month.label,
                accounts=(batch.first_account, batch.last_account),
            )
    places = minor_unit(currency)
    with timer("validation: rules"):
        inputs = validation_inputs(bills=bills, history=history, month=month, places=places)
        answers = _validate(validation, inputs)
    hold = answers["action"] == "HOLD"
    if final:
        status = pl.when(hold).then(pl.lit("HELD")).otherwise(pl.lit("ISSUED"))
    else:
        status = pl.lit("TRIAL")
    table = bills.with_columns(
        pl.Series("id", _new_ids(env, bills.height), dtype=pl.String),
        pl.lit(env.tenant_id).alias("tenant_id"),
        pl.lit(run.id).alias("run_id"),
        pl.lit("FINAL" if final else run.id).alias("run_key"),
        pl.lit(month.label).alias("period"),
        pl.when(hold).then(answers["reason"]).otherwise(None).alias("hold_reason"),
        pl.lit(cycle.bill_date(month)).alias("issue_date"),
        pl.lit(cycle.due_date(month)).alias("due_date"),
        pl.lit(now).alias("created_at"),
    ).with_columns(status.alias("status"))
    heads = postings = None
    if final:
        with timer("ledger entries"):
            # a bill of zero in every amount moves no money: issued, with no entry
            issued = table.filter(
                (pl.col("status") == "ISSUED")
                & pl.any_horizontal(
                    pl.col(c) != 0 for c in ("revenue", "subsidy", "contribution", "taxes")
                )
            )
            entry_ids = pl.Series("entry_id", _new_ids(env, issued.height), dtype=pl.String)
            issued = issued.with_columns(entry_ids)
            heads, postings = billing.bill_postings(bills=issued, booked_at=now)
            table = table.join(
                issued.select("id", "entry_id"), on="id", how="left", maintain_order="left"
            )
    else:
        table = table.with_columns(pl.lit(None, dtype=pl.String).alias("entry_id"))
    lines = result.lines.join(
        table.select("agreement_id", pl.col("id").alias("bill_id")), on="agreement_id"
    ).drop("agreement_id")
    exceptions = result.exceptions.with_columns(
        pl.lit(run.id).alias("run_id"), pl.lit(batch.number).alias("batch")
    )
    with timer("stage writes"):
        staged = env.stage(
            ports.BatchWrites(
                bills=table.drop("tariff_code"),
                lines=lines,
                exceptions=exceptions,
                heads=heads,
                postings=postings,
            )
        )
    return _Ready(
        staged=staged,
        bills=table.height,
        held=int(hold.sum()) if final else 0,
        exceptions=result.exceptions.height,
        total=int(table["total"].sum()),
        places=places,
        at=now,
    )


def _store(
    env: ports.BillingEnv,
    run: billing.BillRun,
    batch: billing.Batch,
    ready: _Ready,
    validation: ports.Validation,
    timer: Timer = _untimed,
) -> None:
    """Write a prepared batch, its batch record and its audit entry in one transaction."""
    with env.store() as store:
        with timer("store bills, lines, exceptions and ledger entries"):
            store.write_staged(ready.staged)
        store.commit_batch(
            attrs.evolve(
                batch,
                committed_at=ready.at,
                bills=ready.bills,
                held=ready.held,
                exceptions=ready.exceptions,
            )
        )
        _audit(
            env,
            store,
            entity="bill_run",
            entity_id=run.id,
            action="batch_committed",
            after={
                "batch": batch.number,
                "bills": ready.bills,
                "held": ready.held,
                "exceptions": ready.exceptions,
                "total": str(_amount(ready.total, ready.places)),
                "validated_by": validation.source,
            },
        )


POLICY = "configured policy (no bill_validation pack in force)"
TARIFF_CLASSES = "tariffs' solidarity classes (no subsidy_factor pack in force)"
GIVEN = "given validator"


def _validation(
    env: ports.BillingEnv, month: billing.BillingPeriod, pinned: str | None = None
) -> ports.Validation:
    """
    What validates a run's bills (ADR 0034): a validator given to the environment; else the
    tenant's published ``bill_validation`` pack in force on the period's first day; else, when
    none is in force, the configured policy, and the run says so (``validated_by``). A run
    being resumed keeps what it started with (``pinned``, its ``validated_by``; ADR 0038).
    """
    if env.validator is not None:
        return ports.Validation(validate=env.validator, source=GIVEN)
    if env.rules is not None and pinned not in (POLICY, GIVEN):
        published = env.rules(env.tenant_id, month.start, pinned)
        if published is not None:
            return published
    policy = env.policy
    return ports.Validation(
        validate=lambda frame: billing.validate_frame(frame=frame, policy=policy), source=POLICY
    )


def _solidarity(
    env: ports.BillingEnv, month: billing.BillingPeriod, pinned: str | None = None
) -> solidarity.RunTerms | None:
    """
    What prices a run's subsidies and contributions (ADR 0038): the tenant's published
    ``subsidy_factor`` pack in force on the period's first day, asked once per distinct question
    over the run; None when none is in force (the tariffs' solidarity classes, and the run says
    so in ``solidarity_by``). A run being resumed keeps what it started with (``pinned``).
    """
    if env.solidarity is None or pinned == TARIFF_CLASSES:
        return None
    published = env.solidarity(env.tenant_id, month.start, pinned)
    return None if published is None else solidarity.RunTerms(published)


def _validate(validation: ports.Validation, inputs: pl.DataFrame) -> pl.DataFrame:
    if inputs.is_empty():
        return pl.DataFrame(schema={"action": pl.String, "reason": pl.String})
    return validation.validate(inputs).select("action", "reason")


def _bill_or_fail(store: ports.BillingStore, env: ports.BillingEnv, bill_id: str) -> billing.Bill:
    bill = store.bill(env.tenant_id, bill_id)
    if bill is None:
        raise billing.BillNotFound(f"No bill {bill_id}", details={"bill_id": bill_id})
    return bill


def bill_summary(bill: billing.Bill) -> dict[str, Any]:
    """A bill and its lines as plain data."""
    return {
        "id": bill.id,
        "run_id": bill.run_id,
        "agreement_id": bill.agreement_id,
        "account_id": bill.account_id,
        "service": bill.service,
        "period": bill.period,
        "status": bill.status.value,
        "hold_reason": bill.hold_reason,
        "currency": bill.currency,
        "revenue": str(bill.revenue.amount),
        "subsidy": str(bill.subsidy.amount),
        "contribution": str(bill.contribution.amount),
        "taxes": str(bill.taxes.amount),
        "total": str(bill.total.amount),
        "consumption": bill.consumption,
        "previous_read": bill.previous_read,
        "current_read": bill.current_read,
        "estimated": bill.estimated,
        "issue_date": bill.issue_date.isoformat(),
        "due_date": bill.due_date.isoformat(),
        "rebills": bill.rebills,
        "entry_id": bill.entry_id,
        "cancelled_at": None if bill.cancelled_at is None else bill.cancelled_at.isoformat(),
        "cancel_reason": bill.cancel_reason,
        "lines": [
            {
                "kind": line.kind,
                "description": line.description,
                "amount": str(line.amount.amount),
                "tariff": line.tariff,
                "month": line.month,
                "period": line.period,
                "block": line.block,
                "part": line.part,
                "quantity": None if line.quantity is None else str(line.quantity),
                "unit_price": None if line.unit_price is None else str(line.unit_price),
            }
            for line in bill.lines
        ],
    }


def _entry_for(env: ports.BillingEnv, bill: billing.Bill) -> ledger.JournalEntry:
    places = minor_unit(bill.currency)
    row = {
        "id": bill.id,
        "service": bill.service,
        "account_id": bill.account_id,
        "issue_date": bill.issue_date,
        "due_date": bill.due_date,
        "currency": bill.currency,
        "revenue": int(bill.revenue.amount.scaleb(places)),
        "subsidy": int(bill.subsidy.amount.scaleb(places)),
        "contribution": int(bill.contribution.amount.scaleb(places)),
        "taxes": int(bill.taxes.amount.scaleb(places)),
    }
    return _bill_entry(env, row, places, env.clock.now())


def _postable(bill: billing.Bill) -> bool:
    """Whether a bill moves money: a bill of zero in every amount has no ledger entry."""
    return any(m.amount for m in (bill.revenue, bill.subsidy, bill.contribution, bill.taxes))


def release_bill(*, env: ports.BillingEnv, bill_id: str) -> dict[str, Any]:
    """
    Issue a bill held for review, posting it to the ledger (a bill of zero in every amount is
    issued with no ledger entry: there is nothing to post).

    :raises BillNotFound: if the tenant has no such bill.
    :raises BillNotHeld: if the bill is not held.
    :raises RoleRequired: if the caller is not a billing analyst (or an admin).
    """
    _may_write(env)
    with env.store() as store:
        bill = _bill_or_fail(store, env, bill_id)
        if bill.status is not billing.BillStatus.HELD:
            billing.release_bill(bill=bill, entry_id="")  # raises BillNotHeld
        entry = _entry_for(env, bill) if _postable(bill) else None
        released = billing.release_bill(bill=bill, entry_id=None if entry is None else entry.id)
        if entry is not None:
            store.ledger.add(entry)
        store.update_bill(released)
        _audit(
            env,
            store,
            entity="bill",
            entity_id=bill.id,
            action="released",
            before=bill_summary(bill) | {"lines": None},
            after=bill_summary(released) | {"lines": None},
        )
    return bill_summary(released)


def _cancel(
    env: ports.BillingEnv, store: ports.BillingStore, bill: billing.Bill, reason: str
) -> billing.Bill:
    reversal_id: str | None = None
    if bill.status is billing.BillStatus.ISSUED and bill.entry_id is not None:
        now = env.clock.now()
        reversal = ledger_ops.reverse(
            ledger_repository=store.ledger,
            tenant_id=env.tenant_id,
            entry_id=ledger.EntryId(bill.entry_id),
            new_id=ledger.EntryId(env.ids.new_id()),
            booked_at=now,
            accounting_date=now.date(),
            memo=f"Bill {bill.id} cancelled: {reason}",
        )
        reversal_id = reversal.id
    cancelled = billing.cancel_bill(
        bill=bill, at=env.clock.now(), reason=reason, reversal_entry_id=reversal_id
    )
    store.update_bill(cancelled)
    _audit(
        env,
        store,
        entity="bill",
        entity_id=bill.id,
        action="cancelled",
        before=bill_summary(bill) | {"lines": None},
        after=bill_summary(cancelled) | {"lines": None},
    )
    return cancelled


def cancel_bill(*, env: ports.BillingEnv, bill_id: str, reason: str) -> dict[str, Any]:
    """
    Cancel a bill: its ledger entry is reversed; the bill itself is kept as it was.

    :raises BillNotFound: if the tenant has no such bill.
    :raises BillAlreadyCancelled: if it is cancelled already (nothing is posted).
    :raises BillNotCancellable: if it is a trial bill.
    :raises RoleRequired: if the caller is not a billing analyst (or an admin).
    """
    _may_write(env)
    with env.store() as store:
        bill = _bill_or_fail(store, env, bill_id)
        if bill.status is billing.BillStatus.CANCELLED:
            billing.cancel_bill(
                bill=bill, at=env.clock.now(), reason=reason, reversal_entry_id=None
            )  # raises BillAlreadyCancelled
        cancelled = _cancel(env, store, bill, reason)
    return bill_summary(cancelled)


def rebill(*, env: ports.BillingEnv, bill_id: str, reason: str) -> dict[str, Any]:
    """
    Cancel a bill and bill its agreement and period again from today's reads and tariffs;
    the new bill links to the one it replaces. All of it commits together, or nothing does.

    :raises BillNotFound: if the tenant has no such bill.
    :raises RebillOfCancelledBill: if the bill is cancelled already (nothing is posted).
    :raises BillNotCancellable: if it is a trial bill.
    :raises UnableToRebill: if the agreement can no longer be rated (the reason is given).
    :raises RoleRequired: if the caller is not a billing analyst (or an admin).
    """
    _may_write(env)
    with env.store() as store:
        bill = _bill_or_fail(store, env, bill_id)
        if bill.status is billing.BillStatus.CANCELLED:
            raise billing.RebillOfCancelledBill(
                f"Bill {bill.id} is cancelled; rebill the bill that replaced it",
                details={"bill_id": bill.id},
            )
        if bill.status is billing.BillStatus.TRIAL:
            raise billing.BillNotCancellable(
                f"Bill {bill.id} is from a trial run", details={"bill_id": bill.id}
            )
        run = store.run(env.tenant_id, bill.run_id)
        assert run is not None
        cycle = store.cycle(env.tenant_id, run.cycle)
        assert cycle is not None
        zone, _ = store.tenant(env.tenant_id)
    month = billing.billing_period(label=bill.period)
    agreements = env.agreements.agreement(
        tenant_id=env.tenant_id, agreement_id=bill.agreement_id, period=month
    )
    result = compute_batch(_inputs(env, agreements, month, zone, {}, _solidarity(env, month)))
    if result.bills.is_empty():
        problem = result.exceptions.row(0, named=True) if result.exceptions.height else {}
        raise UnableToRebill(
            f"Agreement {bill.agreement_id} cannot be billed for {month.label}: "
            f"{problem.get('reason', 'NOT_ACTIVE')}",
            details={"bill_id": bill.id, **problem},
        )
    row = result.bills.row(0, named=True)
    places = minor_unit(str(row["currency"]))
    now = env.clock.now()
    with env.store() as store:
        current = _bill_or_fail(store, env, bill_id)
        if current.status is billing.BillStatus.CANCELLED:  # cancelled meanwhile
            raise billing.RebillOfCancelledBill(
                f"Bill {bill.id} is cancelled", details={"bill_id": bill.id}
            )
        _cancel(env, store, current, reason)
        new_id = env.ids.new_id()
        table = result.bills.with_columns(
            pl.lit(new_id).alias("id"),
            pl.lit(env.tenant_id).alias("tenant_id"),
            pl.lit(bill.run_id).alias("run_id"),
            pl.lit("FINAL").alias("run_key"),
            pl.lit(month.label).alias("period"),
            pl.lit("ISSUED").alias("status"),
            pl.lit(None, dtype=pl.String).alias("hold_reason"),
            pl.lit(cycle.bill_date(month)).alias("issue_date"),
            pl.lit(cycle.due_date(month)).alias("due_date"),
            pl.lit(now).alias("created_at"),
            pl.lit(bill.id).alias("rebills"),
        )
        head = table.row(0, named=True)
        entry = (
            _bill_entry(env, head, places, now)
            if any(head[c] for c in ("revenue", "subsidy", "contribution", "taxes"))
            else None
        )
        table = table.with_columns(
            pl.lit(None if entry is None else entry.id, dtype=pl.String).alias("entry_id")
        )
        lines = result.lines.with_columns(pl.lit(new_id).alias("bill_id")).drop("agreement_id")
        store.write_bills(table.drop("tariff_code"), lines)
        if entry is not None:
            store.ledger.add(entry)
        created = store.bill(env.tenant_id, new_id)
        assert created is not None
        _audit(
            env,
            store,
            entity="bill",
            entity_id=new_id,
            action="rebilled",
            after=bill_summary(created) | {"lines": None},
        )
    return bill_summary(created)
