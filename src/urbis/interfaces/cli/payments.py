"""`urbis payments …`: import bank and collection-agent payment files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

from urbis import bootstrap
from urbis.application.identity import operations as identity_ops
from urbis.application.payments import operations, queries
from urbis.bootstrap import payments as wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import identity
from urbis.kernel import errors


def _fail(console: Console, error: errors.DomainError) -> None:
    console.print(f"[red]{error.code}[/red]: {error.message}")
    for problem in error.details.get("problems", []):
        console.print(
            f"  row {problem['row']}: [yellow]{problem['code']}[/yellow] {problem['message']}"
        )


def register(app: typer.Typer) -> None:
    """Add the ``payments`` command group to the urbis CLI."""
    group = typer.Typer(help="Payments: bank and collection-agent files.", no_args_is_help=True)
    app.add_typer(group, name="payments")

    @group.command("import")
    def import_files(
        paths: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)],
        tenant: Annotated[str, typer.Option(help="Tenant (utility) code.")] = "demo",
    ) -> None:
        """
        Import payment files (docs/payment-files.md). Each file posts whole or not at all; the
        same file twice is refused; rows imported before from another file are duplicates.
        """
        console = Console()
        errors_console = Console(stderr=True)
        container = bootstrap.build()
        try:
            with container.uow() as uow:
                found = uow.tenants.by_code(tenant)
            if found is None:
                _fail(errors_console, identity_ops.UnknownTenant(f"No utility {tenant!r}"))
                raise typer.Exit(code=2)
            actor = identity.Actor(
                user_id=identity_ops.SYSTEM_USER,
                tenant_id=found.id,
                roles=frozenset({identity.Role.ADMIN}),
            )
            env = wiring.env(container=container, actor=actor)
            failed = 0
            for path in paths:
                try:
                    parsed = wiring.read_payment_file(
                        name=path.name, content=path.read_bytes(), currency=found.currency
                    )
                    with Progress(
                        "[progress.description]{task.description}",
                        BarColumn(),
                        MofNCompleteColumn(),
                        TimeElapsedColumn(),
                        console=console,
                        transient=True,
                    ) as progress:
                        task = progress.add_task(path.name, total=len(parsed.rows))

                        def advance(rows: int, task: TaskID = task) -> None:
                            progress.advance(task, rows)

                        outcome = operations.import_payment_file(
                            env=env, file=parsed, progress=advance
                        )
                except errors.DomainError as error:
                    failed += 1
                    _fail(errors_console, error)
                    continue
                notices = portal_wiring.queue_payment_notices(
                    container=container, tenant_id=found.id, file_id=outcome.file_id
                )
                data = queries.outcome_json(outcome)
                console.print(
                    f"{path.name}: {data['posted']} of {data['rows']} payments posted "
                    f"({data['total_posted']} {data['currency']}), "
                    f"{len(outcome.duplicates)} duplicate row(s)"
                    + (
                        f": rows {', '.join(map(str, outcome.duplicates[:20]))}"
                        if outcome.duplicates
                        else ""
                    )
                )
                console.print(
                    f"  file {outcome.file_id}: {notices.queued} payment notice(s) queued,"
                    f" {notices.suppressed} suppressed"
                )
            if failed:
                raise typer.Exit(code=1)
        finally:
            container.engine.dispose()

    @group.command("notify")
    def notify(
        file_id: Annotated[str, typer.Argument(help="The imported file's id.")],
        tenant: Annotated[str, typer.Option(help="Tenant (utility) code.")] = "demo",
    ) -> None:
        """Queue "payment received" again for every payment of an imported file (no duplicates)."""
        container = bootstrap.build()
        try:
            with container.uow() as uow:
                found = uow.tenants.by_code(tenant)
            if found is None:
                _fail(Console(stderr=True), identity_ops.UnknownTenant(f"No utility {tenant!r}"))
                raise typer.Exit(code=2)
            report = portal_wiring.queue_payment_notices(
                container=container, tenant_id=found.id, file_id=file_id
            )
        finally:
            container.engine.dispose()
        typer.echo(f"{report.queued} payment notice(s) queued, {report.suppressed} suppressed")
