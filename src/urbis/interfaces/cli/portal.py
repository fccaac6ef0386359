"""`urbis email …` and `urbis notifications …`: the inbound email service and the outbox worker."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Annotated

import typer
from rich.console import Console

from urbis import bootstrap
from urbis.bootstrap import engagement as engagement_wiring
from urbis.kernel import errors


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}")
    return typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the ``email`` command group to the urbis CLI."""
    email = typer.Typer(help="Inbound email: the utility's SMTP receiver.", no_args_is_help=True)
    app.add_typer(email, name="email")

    @email.command("receive")
    def receive(
        port: Annotated[int, typer.Option(help="TCP port to listen on.", min=1, max=65535)] = 2525,
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        tenant: Annotated[str, typer.Option(help="The utility whose mailboxes these are.")] = (
            "demo"
        ),
    ) -> None:
        """Receive email over SMTP and log each message on the customer's timeline."""
        container = bootstrap.build()
        try:
            receiver = engagement_wiring.database_email_receiver(
                container=container, tenant_code=tenant, host=host, port=port
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with receiver:
            typer.echo(f"receiving email for {tenant} on {host}:{port} (Ctrl-C to stop)", err=True)
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
        typer.echo("stopped", err=True)
