"""`urbis pqr …` and `urbis open311 …`: legal deadlines, notification previews, the catalogue."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from urbis.adapters.open311 import catalogue as catalogue_file
from urbis.adapters.open311 import formats
from urbis.application.city_services import open311 as open311_use_cases
from urbis.bootstrap import city_services as city_wiring
from urbis.domain import engagement
from urbis.kernel import errors


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}")
    return typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the ``pqr`` and ``open311`` command groups to the urbis CLI."""
    pqr = typer.Typer(help="Cases (PQR): legal response deadlines.", no_args_is_help=True)
    open311 = typer.Typer(help="Open311 GeoReport v2 service catalogue.", no_args_is_help=True)
    app.add_typer(pqr, name="pqr")
    app.add_typer(open311, name="open311")

    @pqr.command("deadline")
    def deadline(
        filed_at: Annotated[str, typer.Argument(help="When it was filed, ISO 8601 with offset.")],
        kind: Annotated[str, typer.Option(help="PETITION, COMPLAINT, CLAIM, ...")] = "CLAIM",
        days: Annotated[int, typer.Option(help="Business days of the term.")] = 15,
    ) -> None:
        """Print the response deadline of a case filed at an instant (Ley 142 art. 158)."""
        try:
            at = datetime.fromisoformat(filed_at)
        except ValueError:
            raise typer.BadParameter("filed_at is not an ISO 8601 instant") from None
        if at.tzinfo is None:
            raise typer.BadParameter("filed_at needs a UTC offset, e.g. -05:00")
        try:
            case_kind = engagement.CaseKind(kind.upper())
        except ValueError:
            raise typer.BadParameter(
                f"kind is one of {[k.value for k in engagement.CaseKind]}"
            ) from None
        try:
            policy = engagement.DeadlinePolicy(
                business_days=tuple((k, days) for k in engagement.CaseKind)
            )
            calendar = engagement.colombia_calendar(years=range(at.year, at.year + 2))
            due = engagement.response_deadline(
                filed_at=at, kind=case_kind, calendar=calendar, policy=policy
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        last_day = calendar.local_date(due).toordinal() - 1
        typer.echo(
            json.dumps(
                {
                    "kind": case_kind.value,
                    "filed_at": at.isoformat(),
                    "business_days": days,
                    "last_day": datetime.fromordinal(last_day).date().isoformat(),
                    "late_from": due.isoformat(),
                }
            )
        )

    @open311.command("services")
    def services(
        catalogue: Annotated[
            Path | None,
            typer.Option(
                exists=True,
                dir_okay=False,
                help="Catalogue YAML (default: URBIS_OPEN311_CATALOGUE, else the demo city's).",
            ),
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="json or xml")] = "json",
    ) -> None:
        """Print the service list as Open311 clients see it."""
        try:
            loaded = (
                catalogue_file.load_catalogue_file(catalogue)
                if catalogue is not None
                else city_wiring.catalogue_from_settings(os.environ)
            )
            rows = open311_use_cases.service_list(catalogue=loaded)
            body, _ = formats.render("services", rows, fmt=fmt)
        except errors.DomainError as error:
            raise _fail(error) from error
        typer.echo(body.decode("utf-8"))
