"""`urbis rate`: bill usage under a tariff file (urbis's format or a URDB record)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from urbis.adapters.tariffs import files
from urbis.application.rating import queries
from urbis.kernel import errors


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}", highlight=False)
    return typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the ``rate`` command to the urbis CLI."""

    @app.command("rate")
    def rate(
        tariff: Annotated[
            Path, typer.Option("--tariff", exists=True, dir_okay=False, help="Tariff file.")
        ],
        usage: Annotated[
            Path,
            typer.Option("--usage", exists=True, dir_okay=False, help="CSV with start,kwh."),
        ],
        stratum: Annotated[int | None, typer.Option("--stratum", min=1, max=6)] = None,
        altitude: Annotated[int, typer.Option("--altitude", min=0, help="Metres.")] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        explain: Annotated[bool, typer.Option("--explain", help="Also print every line.")] = False,
    ) -> None:
        """Bill interval usage under a tariff, month by month."""
        try:
            loaded = files.read_tariff(path=tariff)
            with usage.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
            result = queries.simulate_tariff(
                tariff=loaded, usage=rows, stratum=stratum, altitude_m=altitude
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        if not explain:
            result.pop("lines")
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            return
        table = Table(title=f"{loaded.code} ({result['currency']})")
        for column in ("month", *queries.PARTS, "total"):
            table.add_column(column, justify="left" if column == "month" else "right")
        for month in result["months"]:
            table.add_row(*(month[c] for c in ("month", *queries.PARTS, "total")))
        table.add_row("total", *[""] * len(queries.PARTS), result["total"])
        Console().print(table)
