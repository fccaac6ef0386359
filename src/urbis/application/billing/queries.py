"""Reads of the billing context: runs, bills, exceptions, held bills (plain data)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from urbis.application.billing import ports
from urbis.application.billing.operations import bill_summary, run_summary, validation_inputs
from urbis.domain import billing, identity, rating
from urbis.kernel import ids
from urbis.kernel.money import minor_unit


def _staff(env: ports.BillingEnv) -> None:
    identity.require_role(
        actor=identity.Actor(
            user_id=ids.UserId(env.actor_id), tenant_id=env.tenant_id, roles=env.roles
        ),
        allowed=identity.STAFF_ROLES,
    )


def run_status(*, env: ports.BillingEnv, run_id: str) -> dict[str, Any]:
    """
    A run with its counts, committed batch by batch (so far, while it runs).

    :raises BillRunNotFound: if the tenant has no such run.
    """
    _staff(env)
    with env.store() as store:
        run = store.run(env.tenant_id, run_id)
        if run is None:
            raise billing.BillRunNotFound(f"No bill run {run_id}", details={"run_id": run_id})
        batches = store.batches(run.id)
    committed = [b for b in batches if b.committed_at is not None]
    summary = run_summary(run)
    summary.update(
        batches_done=len(committed),
        bills=sum(b.bills for b in committed),
        held=sum(b.held for b in committed),
        exceptions=sum(b.exceptions for b in committed),
        agreements=sum(b.bills + b.exceptions for b in committed),
    )
    return summary


def run_exceptions(*, env: ports.BillingEnv, run_id: str) -> list[dict[str, Any]]:
    """
    The agreements a run could not bill, with the reason.

    :raises BillRunNotFound: if the tenant has no such run.
    """
    _staff(env)
    with env.store() as store:
        if store.run(env.tenant_id, run_id) is None:
            raise billing.BillRunNotFound(f"No bill run {run_id}", details={"run_id": run_id})
        frame = store.exceptions_of_run(run_id)
    return frame.select("agreement_id", "account_id", "reason", "detail").to_dicts()


def held_bills(*, env: ports.BillingEnv, run_id: str) -> list[dict[str, Any]]:
    """
    A run's bills held for review, with their reasons.

    :raises BillRunNotFound: if the tenant has no such run.
    """
    _staff(env)
    with env.store() as store:
        if store.run(env.tenant_id, run_id) is None:
            raise billing.BillRunNotFound(f"No bill run {run_id}", details={"run_id": run_id})
        found = store.bills_of_run(env.tenant_id, run_id, billing.BillStatus.HELD)
    return [bill_summary(b) | {"lines": None} for b in found]


def bills_of_account(*, env: ports.BillingEnv, account_id: str) -> list[dict[str, Any]]:
    """An account's bills, newest period first, cancelled ones and their rebills included."""
    _staff(env)
    with env.store() as store:
        found = store.bills_of_account(env.tenant_id, account_id)
    return [bill_summary(b) | {"lines": None} for b in found]


def get_bill(*, env: ports.BillingEnv, bill_id: str) -> dict[str, Any]:
    """
    One bill with its lines.

    :raises BillNotFound: if the tenant has no such bill.
    """
    _staff(env)
    with env.store() as store:
        bill = store.bill(env.tenant_id, bill_id)
    if bill is None:
        raise billing.BillNotFound(f"No bill {bill_id}", details={"bill_id": bill_id})
    return bill_summary(bill)


def last_run_validation_history(
    *, env: ports.BillingEnv
) -> tuple[dict[str, Any] | None, pl.DataFrame]:
    """
    The last completed final run, and the ``bill_validation`` inputs of its bills as the run
    asked them (amount, consumption, the history before its period, estimates in a row), with
    an ``account`` column (the agreement) for simulations; (None, empty) when there is none.

    :raises RoleRequired: unless the actor is staff.
    """
    _staff(env)
    with env.store() as store:
        run = store.last_final_run(env.tenant_id)
        if run is None:
            return None, pl.DataFrame()
        _, currency = store.tenant(env.tenant_id)
        bills = [
            b
            for b in store.bills_of_run(env.tenant_id, run.id, None)
            if b.rebills is None  # the bills the run itself made
        ]
        places = minor_unit(currency)
        frame = pl.DataFrame(
            {
                "agreement_id": [b.agreement_id for b in bills],
                "service": [b.service for b in bills],
                "total": [int(b.total.amount.scaleb(places)) for b in bills],
                "consumption_milli": [int(Decimal(b.consumption).scaleb(3)) for b in bills],
                "estimated": [b.estimated for b in bills],
            },
            schema={
                "agreement_id": pl.String,
                "service": pl.String,
                "total": pl.Int64,
                "consumption_milli": pl.Int64,
                "estimated": pl.Boolean,
            },
        )
        history = store.history(env.tenant_id, frame["agreement_id"].to_list(), run.period)
    month = billing.billing_period(label=run.period)
    inputs = validation_inputs(bills=frame, history=history, month=month, places=places)
    return run_summary(run), pl.concat(
        [frame.select(pl.col("agreement_id").alias("account")), inputs], how="horizontal"
    )


def last_run_solidarity_history(
    *, env: ports.BillingEnv
) -> tuple[dict[str, Any] | None, pl.DataFrame]:
    """
    The last completed final run, and the ``subsidy_factor`` question of each bill it made
    (service, use class, stratum of homes, altitude, consumption) with the bill's
    ``reference_amount``: the cost at the reference price of the quantity its factor applied
    to (the energy lines; for a bill with an energy subsidy, their share for the quantity the
    subsidy covered), and an ``account`` column (the agreement); (None, empty) when none.

    :raises RoleRequired: unless the actor is staff.
    """
    _staff(env)
    with env.store() as store:
        run = store.last_final_run(env.tenant_id)
        if run is None:
            return None, pl.DataFrame()
        _, currency = store.tenant(env.tenant_id)
        bases = store.solidarity_bases(env.tenant_id, run.id)
        batches = store.batches(run.id)
    if bases.is_empty() or not batches:
        return run_summary(run), pl.DataFrame()
    facts = env.agreements.agreements_due(
        tenant_id=env.tenant_id,
        cycle=run.cycle,
        period=billing.billing_period(label=run.period),
        first_account=batches[0].first_account,
        last_account=batches[-1].last_account,
    )
    asked = billing.questions(facts).drop("service")
    places = minor_unit(currency)
    consumption = pl.col("consumption_milli").cast(pl.Int128)
    covered = pl.col("subsidised_milli").fill_null(pl.col("consumption_milli")).cast(pl.Int128)
    reference = (
        pl.when(consumption > 0)
        .then((pl.col("energy").cast(pl.Int128) * covered + consumption // 2) // consumption)
        .otherwise(pl.col("energy"))
        .cast(pl.Int64)
    )
    frame = bases.join(asked, on="agreement_id", how="inner").with_columns(
        reference.alias("reference_minor")
    )
    return run_summary(run), frame.join(
        facts.select("agreement_id", "tariff_code"), on="agreement_id", how="left"
    ).select(
        pl.col("agreement_id").alias("account"),
        "service",
        "use_class",
        "stratum",
        "altitude_m",
        _decimal(pl.col("consumption_milli"), 3).alias("consumption"),
        _decimal(pl.col("reference_minor"), places).alias("reference_amount"),
        # what re-pricing the bill needs (``solidarity_pricer``)
        "tariff_code",
        "consumption_milli",
        "energy",
    )


def solidarity_pricer(
    *, env: ports.BillingEnv, period: str
) -> Callable[[pl.DataFrame, pl.DataFrame, pl.DataFrame], pl.Series]:
    """
    Prices ``subsidy_factor`` answers over ``last_run_solidarity_history``'s bills exactly: each
    bill's subsidy or contribution re-priced with the baseline's and the candidate's terms by the
    batch engine (the tariff in force in the period, its published class prices and fixed-charge
    rules included); the money of a row is candidate − baseline, in minor units.

    :raises InconsistentSolidarity: if an answer's kind, factor and limit contradict.
    """
    month = billing.billing_period(label=period).start

    def price(history: pl.DataFrame, before: pl.DataFrame, after: pl.DataFrame) -> pl.Series:
        return _solidarity_amounts(env, history, after, month) - _solidarity_amounts(
            env, history, before, month
        )

    return price


def _solidarity_amounts(
    env: ports.BillingEnv, history: pl.DataFrame, answers: pl.DataFrame, month: date
) -> pl.Series:
    asked = answers.select("kind", "factor", "limit")
    distinct = asked.unique(maintain_order=True)  # a handful of answers, checked once each
    found = [billing.terms(row, source="the answer") for row in distinct.rows(named=True)]
    terms = distinct.with_columns(
        pl.Series("solidarity_kind", [t.kind for t in found], dtype=pl.String),
        pl.Series("solidarity_share", [t.share for t in found], dtype=pl.Int64),
        pl.Series("solidarity_basic", [t.basic for t in found], dtype=pl.Int64),
    )
    rows = pl.concat(
        [
            history.with_row_index("agreement").with_columns(
                pl.col("agreement").cast(pl.String),
                pl.col("use_class").str.to_lowercase().alias("use"),
            ),
            asked.join(
                terms, on=asked.columns, how="left", nulls_equal=True, maintain_order="left"
            ).drop(asked.columns),
        ],
        how="horizontal",
    )
    amounts = [pl.DataFrame(schema={"agreement": pl.String, "amount": pl.Int64})]
    for code in rows["tariff_code"].drop_nulls().unique().to_list():
        tariff = env.tariffs.get(code)
        if tariff is None:
            continue
        group = rows.filter(pl.col("tariff_code") == code)
        amounts.append(
            rating.solidarity_of_priced_months(
                tariff=tariff,
                month=month,
                priced=group.select("agreement", pl.col("consumption_milli").alias("wh"), "energy"),
                customers=group.select(
                    "agreement", "stratum", "use", "altitude_m", *rating.SOLIDARITY_TERMS
                ),
            )
        )
    priced = rows.select("agreement").join(pl.concat(amounts), on="agreement", how="left")
    return priced["amount"].fill_null(0)


def _decimal(minor: pl.Expr, places: int) -> pl.Expr:
    """An integer count of 10^-places as an exact decimal."""
    return minor.cast(pl.Decimal(38, 0)) * pl.lit(
        Decimal(1).scaleb(-places), dtype=pl.Decimal(38, places)
    )
