"""`urbis bill pdf`: a bill document as PDF (today the demo utility's sample bill)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from urbis.adapters.demo import bills
from urbis.application.billing import document
from urbis.bootstrap import documents
from urbis.kernel import errors


def register(app: typer.Typer) -> None:
    """Add the ``bill`` commands to the urbis CLI."""
    bill = typer.Typer(help="Bill documents.", no_args_is_help=True)
    app.add_typer(bill, name="bill")

    @bill.command("pdf")
    def pdf(
        out: Annotated[Path, typer.Argument(dir_okay=False, help="Where to write the PDF.")],
        demo: Annotated[
            bool, typer.Option("--demo", help="Render the demo utility's sample bill.")
        ] = False,
        language: Annotated[
            str, typer.Option("--language", help="es (Spanish) or en (English).")
        ] = "es",
        estimated: Annotated[
            bool, typer.Option("--estimated", help="The sample with an estimated reading.")
        ] = False,
    ) -> None:
        """Write a bill document as PDF."""
        console = Console(stderr=True)
        if not demo:
            console.print(
                "[red]bill_source_missing[/red]: only --demo is available until bill runs "
                "store bills",
                highlight=False,
            )
            raise typer.Exit(code=2)
        if language not in document.LANGUAGES:
            console.print(
                f"[red]invalid_language[/red]: {language!r} is not one of "
                f"{', '.join(document.LANGUAGES)}",
                highlight=False,
            )
            raise typer.Exit(code=2)
        try:
            sample = bills.sample_bill(language=language, estimated=estimated)
            content = documents.bill_renderer().render(document=sample)
        except errors.DomainError as error:
            console.print(f"[red]{error.code}[/red]: {error.message}", highlight=False)
            raise typer.Exit(code=1) from error
        out.write_bytes(content)
        typer.echo(f"{out} ({len(content):,} bytes, account {sample.account_number})")
