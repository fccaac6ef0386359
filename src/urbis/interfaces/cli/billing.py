"""`urbis billrun …` and `urbis billcycle …`: bill cycles and bill runs, with progress."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from urbis import bootstrap
from urbis.application.billing import operations, ports, queries
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import billing as wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import identity
from urbis.kernel import errors

Tenant = Annotated[
    str, typer.Option("--tenant", envvar="URBIS_TENANT", help="Tenant code (utility).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}")
    return typer.Exit(code=1)


def _env(tenant_code: str, batch_size: int | None = None) -> ports.BillingEnv:
    container = bootstrap.build()
    with container.uow() as uow:
        tenant = uow.tenants.by_code(tenant_code)
    if tenant is None:
        raise _fail(errors.NotFound(f"No tenant {tenant_code!r}"))
    actor = identity.Actor(
        user_id=identity_ops.SYSTEM_USER,
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.BILLING_ANALYST}),
    )
    return wiring.billing_env(container=container, actor=actor, batch_size=batch_size)


def _show(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    table = Table("field", "value", title=f"Bill run {summary['id']}")
    for key, value in summary.items():
        table.add_row(key, "" if value is None else str(value))
    Console().print(table)


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]batches"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )


def _resume(env: ports.BillingEnv, run_id: str) -> dict[str, Any]:
    with _progress_bar() as bar:
        task = bar.add_task("batches", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return operations.resume_run(env=env, run_id=run_id, progress=advance)


def _notify(env: ports.BillingEnv, run_id: str) -> None:
    report = portal_wiring.queue_bill_notices(
        container=bootstrap.build(), tenant_id=env.tenant_id, run_id=run_id
    )
    Console(stderr=True).print(
        f"bill notices: {report.queued} queued, {report.suppressed} not sent (no consented channel)"
    )


def register(app: typer.Typer) -> None:
    """Add the ``billrun`` and ``billcycle`` command groups to the urbis CLI."""
    run = typer.Typer(help="Bill runs: start, resume, status.", no_args_is_help=True)
    app.add_typer(run, name="billrun")
    cycle = typer.Typer(
        help="Bill cycles: when accounts are read, billed, due.", no_args_is_help=True
    )
    app.add_typer(cycle, name="billcycle")

    @cycle.command("set")
    def set_cycle(
        code: str,
        read_day: Annotated[int, typer.Option("--read-day")],
        bill_day: Annotated[int, typer.Option("--bill-day")],
        due_days: Annotated[int, typer.Option("--due-days")] = 15,
        suspension_days: Annotated[int, typer.Option("--suspension-days")] = 30,
        name: Annotated[str, typer.Option("--name")] = "",
        tenant: Tenant = "demo",
    ) -> None:
        """Define a bill cycle or change its days."""
        try:
            saved = operations.save_cycle(
                env=_env(tenant),
                code=code,
                read_day=read_day,
                bill_day=bill_day,
                due_days=due_days,
                suspension_days=suspension_days,
                name=name,
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        typer.echo(json.dumps(saved))

    @run.command("start")
    def start(
        cycle_code: Annotated[str, typer.Option("--cycle", help="Bill cycle code.")],
        period: Annotated[str, typer.Option("--period", help="YYYY-MM")],
        trial: Annotated[bool, typer.Option("--trial", help="A sample; nothing posted.")] = False,
        sample: Annotated[int, typer.Option("--sample", help="Accounts in a trial.")] = 100,
        batch_size: Annotated[
            int | None, typer.Option("--batch-size", help="Accounts per batch.")
        ] = None,
        tenant: Tenant = "demo",
        as_json: AsJson = False,
    ) -> None:
        """Start a bill run for a cycle and period and bill it to the end."""
        env = _env(tenant, batch_size)
        try:
            planned = operations.create_run(
                env=env,
                cycle=cycle_code,
                period=period,
                trial=trial,
                sample=sample if trial else None,
            )
            Console(stderr=True).print(f"bill run {planned['id']}: {planned['batches']} batches")
            summary = _resume(env, planned["id"])
            _show(summary, as_json)
            if not trial:
                _notify(env, planned["id"])
        except errors.DomainError as error:
            raise _fail(error) from error

    @run.command("resume")
    def resume(run_id: str, tenant: Tenant = "demo", as_json: AsJson = False) -> None:
        """Bill the batches a stopped run had not committed, then complete it."""
        env = _env(tenant)
        try:
            summary = _resume(env, run_id)
            _show(summary, as_json)
            if summary["run_type"] == "FINAL":
                _notify(env, run_id)
        except errors.DomainError as error:
            raise _fail(error) from error

    @run.command("notify")
    def notify(run_id: str, tenant: Tenant = "demo") -> None:
        """Queue "your bill is ready" for a run's issued bills (none is queued twice)."""
        _notify(_env(tenant), run_id)

    @run.command("status")
    def status(run_id: str, tenant: Tenant = "demo", as_json: AsJson = False) -> None:
        """A run's counts so far: batches committed, bills, held bills, exceptions."""
        try:
            _show(queries.run_status(env=_env(tenant), run_id=run_id), as_json)
        except errors.DomainError as error:
            raise _fail(error) from error
