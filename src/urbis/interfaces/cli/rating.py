"""
`urbis rate`: bill usage under a tariff file (urbis's format or a URDB record); `urbis tariff`:
load a utility's tariffs and their versions into the database, and list them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from urbis import bootstrap
from urbis.adapters.tariffs import files, urdb
from urbis.application.identity import operations as identity_ops
from urbis.application.rating import queries
from urbis.application.tariffs import operations as tariff_ops
from urbis.application.tariffs import ports
from urbis.application.tariffs import queries as tariff_queries
from urbis.bootstrap import rating as wiring
from urbis.domain import identity
from urbis.kernel import errors

T = TypeVar("T")
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant (utility) code.")]


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}", highlight=False)
    return typer.Exit(code=1)


def _read(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as problem:
        raise files.InvalidTariffFile(f"Cannot read {path}: {problem.strerror}") from None
    return files.parse_text(text=text, suffix=path.suffix)


def _in_transaction(tenant: str, use_case: Callable[[ports.TariffsEnv], T]) -> T:
    """Run one tariff use case for a utility as its system administrator, in one transaction."""
    container = bootstrap.build()
    with container.uow() as uow:
        found = uow.tenants.by_code(tenant)
    if found is None:
        raise identity_ops.UnknownTenant(f"No utility {tenant!r}")
    actor = identity.Actor(
        user_id=identity_ops.SYSTEM_USER,
        tenant_id=found.id,
        roles=frozenset({identity.Role.ADMIN}),
    )
    with container.engine.begin() as connection:
        return use_case(wiring.tariffs_env(container=container, actor=actor, connection=connection))


def _register_tariffs(app: typer.Typer) -> None:
    group = typer.Typer(help="A utility's tariffs: load, add versions, list.", no_args_is_help=True)
    app.add_typer(group, name="tariff")

    @group.command("load")
    def load(
        path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Tariff file.")],
        tenant: Tenant = "demo",
    ) -> None:
        """Store a tariff from a urbis tariff file (YAML or JSON) or a URDB record (JSON)."""
        try:
            document = _read(path)
            is_urbis = isinstance(document, dict) and document.get("format") == files.FORMAT
            form = "urbis" if is_urbis or not urdb.is_urdb(document) else "urdb"
            if not isinstance(document, dict) and form == "urbis":
                raise files.InvalidTariffFile("Not a tariff file: expected a urbis tariff")
            result = _in_transaction(
                tenant,
                lambda env: tariff_ops.create_tariff(
                    env=env,
                    document=document if isinstance(document, dict) else {"items": document},
                    format=form,
                ),
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        typer.echo(f"Stored {result['code']} with {len(result['versions'])} version(s).")

    @group.command("add-version")
    def add_version(
        code: Annotated[str, typer.Argument(help="The stored tariff's code.")],
        path: Annotated[
            Path, typer.Argument(exists=True, dir_okay=False, help="One version (YAML or JSON).")
        ],
        tenant: Tenant = "demo",
    ) -> None:
        """Add a version to a stored tariff; stored versions are never edited."""
        try:
            version = _read(path)
            if not isinstance(version, dict):
                raise files.InvalidTariffFile("A version file holds one version object")
            result = _in_transaction(
                tenant,
                lambda env: tariff_ops.add_version(env=env, code=code, version=version),
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        typer.echo(f"{code} now has {len(result['versions'])} version(s).")

    @group.command("list")
    def list_tariffs(
        tenant: Tenant = "demo",
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """List a utility's tariffs and their versions."""
        try:
            listed = _in_transaction(tenant, lambda env: tariff_queries.list_tariffs(env=env))
        except errors.DomainError as error:
            raise _fail(error) from error
        if as_json:
            typer.echo(json.dumps(listed, ensure_ascii=False))
            return
        table = Table(title=f"Tariffs of {tenant}")
        for column in ("code", "name", "service", "versions", "in force from"):
            table.add_column(column)
        for t in listed:
            table.add_row(
                t["code"],
                t["name"],
                t["service"] or "",
                ", ".join(v["version"] for v in t["versions"]),
                t["versions"][-1]["active_from"] if t["versions"] else "",
            )
        Console().print(table)


def register(app: typer.Typer) -> None:
    """Add the ``rate`` command and the ``tariff`` commands to the urbis CLI."""
    _register_tariffs(app)

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
