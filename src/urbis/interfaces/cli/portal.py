"""`urbis email …` and `urbis notifications …`: the inbound email service and the outbox worker."""

from __future__ import annotations

import contextlib
import json
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
    """Add the ``email`` and ``notifications`` command groups to the urbis CLI."""
    email = typer.Typer(help="Inbound email: the utility's SMTP receiver.", no_args_is_help=True)
    notifications = typer.Typer(help="The notification outbox.", no_args_is_help=True)
    app.add_typer(email, name="email")
    app.add_typer(notifications, name="notifications")

    @notifications.command("send")
    def send(
        once: Annotated[bool, typer.Option(help="Send what is due now and stop.")] = False,
        interval: Annotated[
            float, typer.Option(help="Seconds between rounds when running.", min=0.1)
        ] = 30.0,
        limit: Annotated[int, typer.Option(help="Most messages per round.", min=1)] = 1000,
        smtp_host: Annotated[str | None, typer.Option(help="SMTP relay host.")] = None,
        smtp_port: Annotated[int | None, typer.Option(help="SMTP relay port.")] = None,
        sender: Annotated[str | None, typer.Option("--from", help="From address.")] = None,
    ) -> None:
        """Send due notifications, retrying failures with backoff (1, 4, 16 ... minutes)."""
        container = bootstrap.build()
        notifiers = engagement_wiring.notifiers_from_settings(
            smtp_host=smtp_host, smtp_port=smtp_port, sender=sender
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                report = engagement_wiring.send_due_notifications(
                    container=container, notifiers=notifiers, limit=limit
                )
                typer.echo(
                    json.dumps(
                        {"sent": report.sent, "retried": report.retried, "dead": report.dead}
                    )
                )
                if once or stop.wait(interval):
                    break

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
