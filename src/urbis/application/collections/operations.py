"""
Writes of the collections context: a collections run, payment arrangements, protections and
regulatory holds.

A run asks the ``collection_action`` rule pack once per distinct combination of the inputs it
reads (``rules.evaluation.answer_frame``), never once per account, and records each step once per
debt episode, so a rerun the same day creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from urbis.application._support import found
from urbis.application.collections import ports
from urbis.application.ledger import operations as ledger_operations
from urbis.application.ledger import ports as ledger_ports
from urbis.application.rules import evaluation
from urbis.application.rules import ports as rules_ports
from urbis.domain import collections, engagement, identity, ledger, rules, service_orders
from urbis.kernel import errors, ids
from urbis.kernel.money import Money, Rounding
from urbis.kernel.periods import Period

RUNNERS = frozenset({identity.Role.COLLECTIONS, identity.Role.ADMIN})
WRITERS = frozenset({identity.Role.COLLECTIONS, identity.Role.AGENT, identity.Role.ADMIN})

# the revenue line an arrangement's interest is booked to
FINANCING = "FINANCING"

_ORDER_KINDS = {
    collections.StepKind.SUSPENSION_ORDER.value: service_orders.OrderKind.SUSPENSION,
    collections.StepKind.RECONNECTION_ORDER.value: service_orders.OrderKind.RECONNECTION,
}
_ORDER_REASONS = {
    collections.StepKind.SUSPENSION_ORDER.value: "Suspensión por falta de pago",
    collections.StepKind.RECONNECTION_ORDER.value: "Reconexión: deuda pagada o acordada",
}


class NothingToArrange(errors.Conflict):
    code = "nothing_to_arrange"


class ArrangementAlreadyActive(errors.Conflict):
    code = "arrangement_already_active"


def paid_toward(env: ports.CollectionsEnv, arrangement: collections.PaymentArrangement) -> Money:
    """What has been paid toward an arrangement: its total less what its items still owe."""
    still_open = env.arrears.still_open(
        arrangement.tenant_id,
        arrangement.account_id,
        (*arrangement.items, arrangement.interest_item),
        arrangement.debt.currency,
    )
    return collections.paid_from(arrangement=arrangement, still_open=still_open)


def _judge_arrangements(env: ports.CollectionsEnv, as_of: date) -> tuple[frozenset[str], int]:
    """Close arrangements completed or defaulted on ``as_of``; the accounts still keeping one."""
    kept: set[str] = set()
    closed = 0
    for arrangement in env.arrangements.active(env.actor.tenant_id):
        if arrangement.agreed_on > as_of:
            kept.add(arrangement.account_id)
            continue
        paid = paid_toward(env, arrangement)
        result = collections.standing(
            arrangement=arrangement, paid=paid, as_of=as_of, grace_days=env.ladder.grace_days
        )
        if result.status is collections.ArrangementStatus.ACTIVE:
            kept.add(arrangement.account_id)
            continue
        after = collections.close(arrangement=arrangement, status=result.status, on=as_of)
        env.arrangements.update(after)
        env.record(
            entity="payment_arrangement",
            entity_id=after.id,
            action=result.status.value.lower(),
            before=arrangement,
            after=after,
        )
        closed += 1
    return frozenset(kept), closed


def _judge_promises(env: ports.CollectionsEnv, as_of: date) -> tuple[frozenset[str], int]:
    """Close promises kept or broken by ``as_of``; the accounts with a promise still open."""
    if env.promises is None or env.receivables is None:
        return frozenset(), 0
    waiting: set[str] = set()
    closed = 0
    for promise in env.promises.open(env.actor.tenant_id):
        if promise.made_on > as_of:
            waiting.add(promise.account_id)
            continue
        status = collections.judge(
            promise=promise, paid=_paid_toward_promise(env, promise), as_of=as_of
        )
        if status is collections.PromiseStatus.OPEN:
            waiting.add(promise.account_id)
            continue
        after = collections.close_promise(promise=promise, status=status, on=as_of)
        env.promises.update(after)
        env.record(
            entity="payment_promise",
            entity_id=after.id,
            action=status.value.lower(),
            before=promise,
            after=after,
        )
        closed += 1
    return frozenset(waiting), closed


def _paid_toward_promise(env: ports.CollectionsEnv, promise: collections.PaymentPromise) -> Money:
    assert env.receivables is not None  # checked by the callers
    return env.receivables.paid_since(
        promise.tenant_id, promise.account_id, promise.made_at, promise.amount.currency
    )


def run_collections(*, env: ports.CollectionsEnv, as_of: date) -> dict[str, Any]:
    """
    Run collections for every account in arrears on a day: judge payment arrangements (a
    missed instalment defaults one and collections resume) and payment promises (an account
    with an open promise gets no new step; a broken one resumes collections), ask the policy
    pack for the next step of each account once per distinct input, record each new step once,
    open suspension and reconnection service orders, and cancel suspension orders no longer due.

    :raises RoleRequired: unless the actor is collections staff or an administrator.
    :raises NoPackInForce: if no collections policy is in force on that day.
    :raises InvalidRuleInput: if an account's facts do not fit the policy's question.
    :raises RuleEvaluationFailed: if the policy fails or answers incompletely.
    """
    identity.require_role(actor=env.actor, allowed=RUNNERS)
    tenant = env.actor.tenant_id
    started_at = env.clock.now()
    run_id = env.ids.new_id()
    kept, closed = _judge_arrangements(env, as_of)
    promised, promises_closed = _judge_promises(env, as_of)
    arrears = env.arrears.overdue(tenant, as_of)
    accounts = arrears.get_column("account_id").to_list()
    facts = env.facts.facts(tenant, accounts)
    candidates = arrears.join(
        facts.select("account_id", "status"), on="account_id", how="left", maintain_order="left"
    ).with_columns(suspended=pl.col("status").fill_null("") == "SUSPENDED")
    holds = collections.regions_on_hold(holds=env.protections.holds(tenant), as_of=as_of)
    medical = collections.protected_accounts(
        protections=env.protections.protections(tenant), as_of=as_of
    )
    inputs = collections.policy_inputs(
        candidates=candidates, facts=facts, medical=medical, arranged=kept, held_regions=holds
    )
    pack = env.policy.policy(tenant, as_of)
    engine = _Counted(env.engine)
    answers = evaluation.answer_frame(engine=engine, pack=pack, frame=inputs)
    history = env.steps.history(tenant)
    steps = collections.plan_steps(
        candidates=candidates, answers=answers, history=history, as_of=as_of, ladder=env.ladder
    )
    # an open promise holds back every new step for the account until its date (ADR 0049)
    steps = steps.filter(~pl.col("account_id").is_in(list(promised)))
    still_owing = arrears.filter(
        (pl.col("amount_overdue") > 0) & ~pl.col("account_id").is_in(list(kept))
    )
    release = collections.plan_release(
        suspensions=env.steps.suspensions(tenant), still_owing=still_owing, history=history
    )
    new_steps = pl.concat([steps, release])
    counts = {kind: int(n) for kind, n in new_steps.group_by("kind").len().sort("kind").iter_rows()}
    counts["ARRANGEMENTS_CLOSED"] = closed
    if promises_closed:
        counts["PROMISES_CLOSED"] = promises_closed
    run = ports.CollectionRun(
        id=run_id,
        tenant_id=tenant,
        as_of=as_of,
        started_at=started_at,
        finished_at=env.clock.now(),
        actor_id=env.actor.user_id,
        policy=pack.label,
        candidates=arrears.height,
        evaluations=engine.asked,
        counts=counts,
    )
    env.steps.add_run(run)
    env.steps.add_steps(tenant, run_id, as_of, _act(env, new_steps, run_id))
    env.record(entity="collection_run", entity_id=run.id, action="run", after=run)
    return run_picture(run)


class _Counted:
    """The rule engine, counting the inputs it is asked about (what a run reports)."""

    def __init__(self, inner: rules_ports.RuleEngine) -> None:
        self.inner, self.asked = inner, 0

    def syntax_problems(self, *, content: str) -> tuple[rules.Problem, ...]:
        return self.inner.syntax_problems(content=content)

    def evaluate(
        self, *, pack: rules.PackVersion, contexts: Sequence[Mapping[str, rules.Value]]
    ) -> list[dict[str, Any]]:
        self.asked += len(contexts)
        return self.inner.evaluate(pack=pack, contexts=contexts)

    def trace(
        self, *, pack: rules.PackVersion, context: Mapping[str, rules.Value]
    ) -> tuple[rules_ports.NodeTrace, ...]:
        return self.inner.trace(pack=pack, context=context)


def _act(env: ports.CollectionsEnv, steps: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """
    Open the service orders the steps ask for (in bulk) and cancel the suspension orders no
    longer due; the steps with their ``id`` and ``service_order_id``.
    """
    tenant = env.actor.tenant_id
    now = env.clock.now()
    numbered = steps.with_row_index("row").with_columns(
        id=pl.format("{}-{}", pl.lit(run_id), pl.col("row"))
    )
    asked = numbered.filter(pl.col("kind").is_in(list(_ORDER_KINDS)))
    orders = asked.select(
        pl.col("row"),
        pl.Series("order_id", [env.ids.new_id() for _ in range(asked.height)], pl.String),
        pl.lit(tenant).alias("tenant_id"),
        pl.col("account_id"),
        pl.col("kind")
        .replace_strict({k: v.value for k, v in _ORDER_KINDS.items()})
        .alias("order_kind"),
        pl.col("kind").replace_strict(_ORDER_REASONS).alias("reason"),
        pl.lit(now).alias("created_at"),
        pl.format("collections:{}", pl.col("key")).alias("source"),
    )
    env.orders.add_frame(orders.drop("row").rename({"order_id": "id", "order_kind": "kind"}))
    cancel = collections.StepKind.CANCEL_SUSPENSION.value
    for episode in numbered.filter(pl.col("kind") == cancel).get_column("episode").to_list():
        pending = env.orders.get(tenant, service_orders.ServiceOrderId(episode))
        if pending is None or pending.status not in (
            service_orders.OrderStatus.OPEN,
            service_orders.OrderStatus.ASSIGNED,
        ):
            continue
        cancelled = service_orders.cancel(
            order=pending, at=now, notes="La deuda se pagó o se acordó"
        )
        env.orders.update(cancelled)
        env.record(
            entity="service_order",
            entity_id=cancelled.id,
            action="cancel",
            before=pending,
            after=cancelled,
        )
    # a run's orders are audited by the run's own entry and by their steps (run, key, order id),
    # not one entry each: a run may open hundreds of thousands
    return (
        numbered.join(orders.select("row", "order_id"), on="row", how="left")
        .with_columns(
            service_order_id=pl.when(pl.col("kind") == cancel)
            .then(pl.col("episode"))
            .otherwise(pl.col("order_id"))
        )
        .drop("row", "order_id")
    )


def run_picture(run: ports.CollectionRun) -> dict[str, Any]:
    """A run as plain data."""
    return {
        "id": run.id,
        "as_of": run.as_of.isoformat(),
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat(),
        "actor_id": run.actor_id,
        "policy": run.policy,
        "candidates": run.candidates,
        "evaluations": run.evaluations,
        "counts": dict(run.counts),
    }


def create_arrangement(
    *,
    env: ports.CollectionsEnv,
    account_id: ids.AccountId,
    down_payment: Decimal,
    instalments: int,
    monthly_rate: Decimal,
    first_due_date: date,
    as_of: date,
    rounding: Rounding = Rounding.HALF_UP,
) -> collections.PaymentArrangement:
    """
    Agree a payment arrangement for what an account has overdue on ``as_of``; its interest is
    booked in the ledger as a receivable item of its own.

    :raises RoleRequired: unless the actor is collections staff, an agent or an administrator.
    :raises NothingToArrange: if the account has nothing overdue.
    :raises ArrangementAlreadyActive: if the account already keeps an arrangement.
    :raises InvalidArrangement: if the terms are not acceptable.
    :raises AmountNotInMinorUnits: if the down payment has more decimals than the currency.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tenant = env.actor.tenant_id
    if any(
        a.status is collections.ArrangementStatus.ACTIVE
        for a in env.arrangements.for_account(tenant, account_id)
    ):
        raise ArrangementAlreadyActive(
            "The account already keeps a payment arrangement", details={"account_id": account_id}
        )
    arrears = env.arrears.overdue(tenant, as_of, [account_id])
    if arrears.is_empty():
        raise NothingToArrange(
            "The account has nothing overdue to arrange", details={"account_id": account_id}
        )
    row = arrears.row(0, named=True)
    currency = str(row["currency"])
    arrangement = collections.arrange(
        id=collections.ArrangementId(env.ids.new_id()),
        tenant_id=tenant,
        account_id=account_id,
        debt=Money(Decimal(row["amount_overdue"]), currency),
        down_payment=Money.of(down_payment, currency),
        instalments=instalments,
        monthly_rate=monthly_rate,
        agreed_on=as_of,
        first_due_date=first_due_date,
        items=env.arrears.overdue_items(tenant, account_id, as_of),
        rounding=rounding,
    )
    env.arrangements.add(arrangement)
    env.record(
        entity="payment_arrangement", entity_id=arrangement.id, action="agree", after=arrangement
    )
    if env.ledger is not None and not arrangement.interest.is_zero():
        _post_interest(env, env.ledger, arrangement)
    return arrangement


def _post_interest(
    env: ports.CollectionsEnv,
    ledger_repository: ledger_ports.LedgerRepository,
    arrangement: collections.PaymentArrangement,
) -> None:
    """
    Book the arrangement's interest as a receivable item of its own, due with the last
    instalment, against financing revenue.
    """
    interest = arrangement.interest
    entry = ledger.JournalEntry(
        id=ledger.EntryId(env.ids.new_id()),
        tenant_id=arrangement.tenant_id,
        account_id=arrangement.account_id,
        kind=ledger.EntryKind.ADJUSTMENT,
        source=f"arrangement:{arrangement.id}:interest",
        booked_at=env.clock.now(),
        accounting_date=arrangement.agreed_on,
        postings=(
            ledger.Posting(
                ledger.LedgerAccount.CUSTOMER_RECEIVABLE,
                ledger.Side.DEBIT,
                interest,
                item=arrangement.interest_item,
                due_date=arrangement.last_due_date,
            ),
            ledger.Posting(
                ledger.LedgerAccount.REVENUE, ledger.Side.CREDIT, interest, service=FINANCING
            ),
        ),
        memo=f"Interest of payment arrangement {arrangement.id}",
    )
    ledger_operations.post_entry(ledger_repository=ledger_repository, entry=entry)
    env.record(entity="journal_entry", entity_id=entry.id, action="post", after=entry)


def cancel_arrangement(
    *, env: ports.CollectionsEnv, arrangement_id: str, as_of: date
) -> collections.PaymentArrangement:
    """
    Cancel an active arrangement (collections resume at the next run).

    :raises RoleRequired: unless the actor is collections staff, an agent or an administrator.
    :raises NotFound: if it does not exist for this tenant.
    :raises InvalidArrangement: if it is not active.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    before = found(
        env.arrangements.get(env.actor.tenant_id, collections.ArrangementId(arrangement_id)),
        what="payment arrangement",
        key=arrangement_id,
    )
    after = collections.close(
        arrangement=before, status=collections.ArrangementStatus.CANCELLED, on=as_of
    )
    env.arrangements.update(after)
    env.record(
        entity="payment_arrangement",
        entity_id=after.id,
        action="cancel",
        before=before,
        after=after,
    )
    return after


def register_protection(
    *,
    env: ports.CollectionsEnv,
    account_id: ids.AccountId,
    active_from: date,
    active_to: date | None = None,
    note: str = "",
    kind: collections.ProtectionKind = collections.ProtectionKind.MEDICAL_DEPENDENCY,
) -> collections.Protection:
    """
    Register a protection of an account (a household member on powered medical equipment).

    :raises RoleRequired: unless the actor is collections staff, an agent or an administrator.
    :raises NotFound: if the account is unknown.
    :raises InvalidPeriod: if the span ends before it starts.
    :raises InvalidProtection: if the note is too long.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tenant = env.actor.tenant_id
    if env.facts.facts(tenant, [account_id]).is_empty():
        raise errors.NotFound(
            f"No account {account_id}", details={"what": "account", "key": account_id}
        )
    protection = collections.Protection(
        id=collections.ProtectionId(env.ids.new_id()),
        tenant_id=tenant,
        account_id=account_id,
        kind=kind,
        active=Period(active_from, active_to),
        note=note.strip(),
    )
    env.protections.add_protection(protection)
    env.record(
        entity="collection_protection", entity_id=protection.id, action="register", after=protection
    )
    return protection


def register_hold(
    *,
    env: ports.CollectionsEnv,
    region: str,
    active_from: date,
    active_to: date | None,
    reason: str,
) -> collections.RegulatoryHold:
    """
    Register an authority's hold on suspensions in a region (a department or a city).

    :raises RoleRequired: unless the actor is collections staff, an agent or an administrator.
    :raises InvalidPeriod: if the span ends before it starts.
    :raises InvalidProtection: if the region or the reason is empty or too long.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    hold = collections.RegulatoryHold(
        id=collections.HoldId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        region=" ".join(region.split()),
        active=Period(active_from, active_to),
        reason=reason.strip(),
    )
    env.protections.add_hold(hold)
    env.record(entity="regulatory_hold", entity_id=hold.id, action="register", after=hold)
    return hold


def arrangement_picture(arrangement: collections.PaymentArrangement) -> dict[str, Any]:
    """An arrangement as plain data, with its schedule."""
    return {
        "id": arrangement.id,
        "account_id": arrangement.account_id,
        "agreed_on": arrangement.agreed_on.isoformat(),
        "status": arrangement.status.value,
        "closed_on": None if arrangement.closed_on is None else arrangement.closed_on.isoformat(),
        "currency": arrangement.debt.currency,
        "debt": str(arrangement.debt.amount),
        "down_payment": str(arrangement.down_payment.amount),
        "monthly_rate": str(arrangement.monthly_rate),
        "rounding": arrangement.rounding.name,
        "interest": str(arrangement.interest.amount),
        "total": str(arrangement.total.amount),
        "instalments": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "principal": str(i.principal.amount),
                "interest": str(i.interest.amount),
                "amount": str(i.amount.amount),
            }
            for i in arrangement.instalments
        ],
    }


class PromiseAlreadyOpen(errors.Conflict):
    code = "promise_already_open"


def _promise_ports(
    env: ports.CollectionsEnv,
) -> tuple[ports.PromiseRepository, ports.Receivables]:
    if env.promises is None or env.receivables is None:
        raise errors.InvalidValue("Payment promises are not available here")
    return env.promises, env.receivables


def register_promise(
    *,
    env: ports.CollectionsEnv,
    account_id: ids.AccountId,
    amount: Decimal,
    promised_date: date,
    channel: str,
    as_of: date,
    note: str = "",
) -> collections.PaymentPromise:
    """
    Record a customer's promise to pay an amount by a date, taken by the actor on a channel,
    and note it on the customer's timeline. Collections take no new step for the account
    until the date; if it passes unpaid the next run marks the promise broken.

    :raises RoleRequired: unless the actor is collections staff, an agent or an administrator.
    :raises NotFound: if the account is unknown.
    :raises InvalidPaymentPromise: if the channel is unknown or the note too long.
    :raises PromiseAmountNotPositive: if the amount is zero or less.
    :raises PromiseAboveBalance: if the amount is more than the account owes.
    :raises PromiseDateInPast: if the date has passed.
    :raises PromiseDateTooFar: if the date is too far away (an arrangement fits better).
    :raises PromiseAlreadyOpen: if the account already has an open promise.
    :raises AmountNotInMinorUnits: if the amount has more decimals than the currency.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    promises, receivables = _promise_ports(env)
    tenant = env.actor.tenant_id
    try:
        channel_value = engagement.InteractionChannel(channel).value
    except ValueError:
        raise collections.InvalidPaymentPromise(
            f"Unknown channel {channel!r}",
            details={"channel": channel, "known": [c.value for c in engagement.InteractionChannel]},
        ) from None
    if env.facts.facts(tenant, [account_id]).is_empty():
        raise errors.NotFound(
            f"No account {account_id}", details={"what": "account", "key": account_id}
        )
    if any(
        p.status is collections.PromiseStatus.OPEN for p in promises.for_account(tenant, account_id)
    ):
        raise PromiseAlreadyOpen(
            "The account already has an open payment promise", details={"account_id": account_id}
        )
    made_at = env.clock.now()
    promise = collections.promise(
        id=collections.PromiseId(env.ids.new_id()),
        tenant_id=tenant,
        account_id=account_id,
        amount=Money.of(amount, env.currency),
        promised_date=promised_date,
        owed=receivables.owed(tenant, account_id, env.currency),
        made_at=made_at,
        as_of=as_of,
        taken_by=env.actor.user_id,
        channel=channel_value,
        note=note,
    )
    promises.add(promise)
    env.record(entity="payment_promise", entity_id=promise.id, action="promise", after=promise)
    if env.contacts is not None:
        summary = (
            f"Promesa de pago: {promise.amount.amount} {promise.amount.currency} "
            f"a más tardar el {promise.promised_date.isoformat()}"
        )
        env.contacts.log(
            tenant_id=tenant,
            account_id=account_id,
            channel=channel_value,
            summary=summary + (f" ({promise.note})" if promise.note else ""),
            at=made_at,
        )
    return promise


def cancel_promise(
    *, env: ports.CollectionsEnv, promise_id: str, as_of: date
) -> collections.PaymentPromise:
    """
    Withdraw an open promise (collections resume at the next run).

    :raises RoleRequired: unless the actor is collections staff, an agent or an administrator.
    :raises NotFound: if it does not exist for this tenant.
    :raises InvalidPaymentPromise: if it is not open.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    promises, _ = _promise_ports(env)
    before = found(
        promises.get(env.actor.tenant_id, collections.PromiseId(promise_id)),
        what="payment promise",
        key=promise_id,
    )
    after = collections.close_promise(
        promise=before, status=collections.PromiseStatus.CANCELLED, on=as_of
    )
    promises.update(after)
    env.record(
        entity="payment_promise", entity_id=after.id, action="cancel", before=before, after=after
    )
    return after


def promise_picture(
    promise: collections.PaymentPromise, paid: Money | None = None
) -> dict[str, Any]:
    """A promise as plain data (with what was paid toward it, when known)."""
    return {
        "id": promise.id,
        "account_id": promise.account_id,
        "amount": str(promise.amount.amount),
        "currency": promise.amount.currency,
        "promised_date": promise.promised_date.isoformat(),
        "made_at": promise.made_at.isoformat(),
        "made_on": promise.made_on.isoformat(),
        "taken_by": promise.taken_by,
        "channel": promise.channel,
        "note": promise.note,
        "status": promise.status.value,
        "closed_on": None if promise.closed_on is None else promise.closed_on.isoformat(),
        "paid": None if paid is None else str(paid.amount),
    }
