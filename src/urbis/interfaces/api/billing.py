"""Bill cycles, bill runs (start, resume, status, exceptions, held bills) and bills."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Response, status
from pydantic import BaseModel, Field

from urbis import bootstrap
from urbis.application.billing import operations, ports, printing, queries
from urbis.bootstrap import billing as wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import identity
from urbis.interfaces.api.auth import Actor, Container

router = APIRouter(prefix="/api/v1", tags=["billing"])


def _env(container: bootstrap.App, actor: identity.Actor) -> ports.BillingEnv:
    return wiring.billing_env(container=container, actor=actor)


def _bill(container: bootstrap.App, env: ports.BillingEnv, run_id: str) -> None:
    """Bill a run to the end; a final run then queues its "bill ready" notices."""
    summary = operations.resume_run(env=env, run_id=run_id)
    if summary["run_type"] == "FINAL":
        portal_wiring.queue_bill_notices(
            container=container, tenant_id=env.tenant_id, run_id=run_id
        )


class CycleIn(BaseModel):
    name: str = ""
    read_day: int = Field(description="Day of the next month the period's reads are due")
    bill_day: int = Field(description="Day of the next month the bills are issued")
    due_days: int = Field(description="Days from issue to due date")
    suspension_days: int = Field(description="Days from due date to possible suspension")


class RunIn(BaseModel):
    cycle: str
    period: str = Field(description="YYYY-MM", examples=["2026-10"])
    trial: bool = False
    sample: int | None = Field(default=None, description="Accounts in a trial run")


class Reason(BaseModel):
    reason: str = Field(min_length=3, max_length=200)


@router.put("/bill-cycles/{code}")
def save_cycle(code: str, body: CycleIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Define a bill cycle or change its days."""
    return operations.save_cycle(env=_env(container, actor), code=code, **body.model_dump())


@router.post("/bill-runs", status_code=status.HTTP_202_ACCEPTED)
def start_run(
    body: RunIn, actor: Actor, container: Container, background: BackgroundTasks
) -> dict[str, Any]:
    """Plan a bill run (its batches are recorded) and bill it in the background."""
    env = _env(container, actor)
    run = operations.create_run(
        env=env, cycle=body.cycle, period=body.period, trial=body.trial, sample=body.sample
    )
    background.add_task(_bill, container, env, run["id"])
    return run


@router.post("/bill-runs/{run_id}/resume", status_code=status.HTTP_202_ACCEPTED)
def resume_run(
    run_id: str, actor: Actor, container: Container, background: BackgroundTasks
) -> dict[str, Any]:
    """Bill the batches a stopped run had not committed, in the background."""
    env = _env(container, actor)
    summary = queries.run_status(env=env, run_id=run_id)
    if summary["status"] == "COMPLETED":
        operations.resume_run(env=env, run_id=run_id)  # raises BillRunCompleted
    background.add_task(_bill, container, env, run_id)
    return summary


@router.get("/bill-runs/{run_id}")
def run_status(run_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """A run's counts so far."""
    return queries.run_status(env=_env(container, actor), run_id=run_id)


@router.get("/bill-runs/{run_id}/exceptions")
def run_exceptions(run_id: str, actor: Actor, container: Container) -> list[dict[str, Any]]:
    """The agreements the run could not bill, with the reason."""
    return queries.run_exceptions(env=_env(container, actor), run_id=run_id)


@router.get("/bill-runs/{run_id}/held")
def held_bills(run_id: str, actor: Actor, container: Container) -> list[dict[str, Any]]:
    """The run's bills held for review, with the reason."""
    return queries.held_bills(env=_env(container, actor), run_id=run_id)


@router.get("/accounts/{account_id}/bills")
def bills_of_account(account_id: str, actor: Actor, container: Container) -> list[dict[str, Any]]:
    """An account's bills, newest first, cancelled ones and their rebills included."""
    return queries.bills_of_account(env=_env(container, actor), account_id=account_id)


@router.get("/bills/{bill_id}")
def get_bill(bill_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """One bill with its lines and their explanations."""
    return queries.get_bill(env=_env(container, actor), bill_id=bill_id)


@router.get("/bills/{bill_id}/pdf", response_class=Response)
def bill_pdf(
    bill_id: str,
    actor: Actor,
    container: Container,
    language: Literal["es", "en"] | None = None,
) -> Response:
    """The bill as its customer receives it (PDF): staff, or the customer who holds the account."""
    pdf = printing.bill_pdf(
        env=wiring.printing_env(container=container, actor=actor),
        bill_id=bill_id,
        language=language,
        party_id=actor.party_id,
    )
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="bill-{bill_id}.pdf"'},
    )


@router.post("/bills/{bill_id}/release")
def release_bill(bill_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """Issue a bill held for review and post it."""
    return operations.release_bill(env=_env(container, actor), bill_id=bill_id)


@router.post("/bills/{bill_id}/cancel")
def cancel_bill(bill_id: str, body: Reason, actor: Actor, container: Container) -> dict[str, Any]:
    """Cancel a bill; its posting is reversed."""
    return operations.cancel_bill(env=_env(container, actor), bill_id=bill_id, reason=body.reason)


@router.post("/bills/{bill_id}/rebill")
def rebill(bill_id: str, body: Reason, actor: Actor, container: Container) -> dict[str, Any]:
    """Cancel a bill and bill its agreement and period again; the new bill links to it."""
    return operations.rebill(env=_env(container, actor), bill_id=bill_id, reason=body.reason)
