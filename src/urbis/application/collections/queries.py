"""Reads of the collections context: an account's collections, runs, arrangements."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from urbis.application._support import found
from urbis.application.collections import operations, ports
from urbis.domain import collections, identity
from urbis.kernel import ids
from urbis.kernel.money import Money

READERS = identity.STAFF_ROLES


def account_collections(
    *, env: ports.CollectionsEnv, account_id: ids.AccountId, as_of: date
) -> dict[str, Any]:
    """
    An account's collections: its steps, its arrangements (how the active one stands), its
    payment promises (what was paid toward the open one) and its protections.

    :raises RoleRequired: unless the actor is staff.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    tenant = env.actor.tenant_id
    arrangements = []
    for arrangement in env.arrangements.for_account(tenant, account_id):
        picture = operations.arrangement_picture(arrangement)
        if arrangement.status is collections.ArrangementStatus.ACTIVE:
            paid = operations.paid_toward(env, arrangement)
            result = collections.standing(
                arrangement=arrangement, paid=paid, as_of=as_of, grace_days=env.ladder.grace_days
            )
            picture["standing"] = {
                "status": result.status.value,
                "due": str(result.due.amount),
                "paid": str(result.paid.amount),
                "missed": str(result.missed.amount),
                "next_instalment": None
                if result.next_instalment is None
                else result.next_instalment.number,
            }
        arrangements.append(picture)
    protections = [
        {
            "id": p.id,
            "kind": p.kind.value,
            "from": p.active.start.isoformat(),
            "to": None if p.active.end is None else p.active.end.isoformat(),
            "note": p.note,
        }
        for p in env.protections.protections(tenant)
        if p.account_id == account_id
    ]
    promises = []
    if env.promises is not None:
        for promise in env.promises.for_account(tenant, account_id):
            received: Money | None = None
            if promise.status is collections.PromiseStatus.OPEN and env.receivables is not None:
                received = env.receivables.paid_since(
                    tenant, account_id, promise.made_at, promise.amount.currency
                )
            promises.append(operations.promise_picture(promise, received))
    return {
        "account_id": account_id,
        "steps": env.steps.for_account(tenant, account_id),
        "arrangements": arrangements,
        "promises": promises,
        "protections": protections,
    }


def get_run(*, env: ports.CollectionsEnv, run_id: str) -> dict[str, Any]:
    """
    One collections run.

    :raises RoleRequired: unless the actor is staff.
    :raises NotFound: if it does not exist for this tenant.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    run = found(env.steps.get_run(env.actor.tenant_id, run_id), what="collection run", key=run_id)
    return operations.run_picture(run)


def list_runs(*, env: ports.CollectionsEnv, limit: int = 20) -> list[dict[str, Any]]:
    """
    The latest runs, newest first.

    :raises RoleRequired: unless the actor is staff.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    return [operations.run_picture(r) for r in env.steps.runs(env.actor.tenant_id, limit)]


def regulatory_holds(*, env: ports.CollectionsEnv) -> list[dict[str, Any]]:
    """
    Every regulatory hold of the tenant.

    :raises RoleRequired: unless the actor is staff.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    return [
        {
            "id": h.id,
            "region": h.region,
            "from": h.active.start.isoformat(),
            "to": None if h.active.end is None else h.active.end.isoformat(),
            "reason": h.reason,
        }
        for h in env.protections.holds(env.actor.tenant_id)
    ]


def arrears_history(*, env: ports.CollectionsEnv, as_of: date) -> pl.DataFrame:
    """
    The ``collection_action`` inputs of every account in arrears on a day, as a run would ask
    them, with an ``account`` column, for simulating a policy draft. Nothing is written: an
    active arrangement counts as kept (a run would first judge its instalments).

    :raises RoleRequired: unless the actor is staff.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    tenant = env.actor.tenant_id
    kept = frozenset(a.account_id for a in env.arrangements.active(tenant))
    arrears = env.arrears.overdue(tenant, as_of)
    accounts = arrears.get_column("account_id").to_list()
    facts = env.facts.facts(tenant, accounts)
    candidates = arrears.join(
        facts.select("account_id", "status"), on="account_id", how="left", maintain_order="left"
    ).with_columns(suspended=pl.col("status").fill_null("") == "SUSPENDED")
    inputs = collections.policy_inputs(
        candidates=candidates,
        facts=facts,
        medical=collections.protected_accounts(
            protections=env.protections.protections(tenant), as_of=as_of
        ),
        arranged=kept,
        held_regions=collections.regions_on_hold(holds=env.protections.holds(tenant), as_of=as_of),
    )
    return pl.concat(
        [candidates.select(pl.col("account_id").alias("account")), inputs], how="horizontal"
    )
