"""`urbis rules …`: the questions the system asks, and rule pack folders tested and tried."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from urbis.adapters.rules import shipped
from urbis.application.rules import evaluation, queries
from urbis.bootstrap import rules as wiring
from urbis.domain import rules
from urbis.kernel import errors

PackFolder = Annotated[
    Path,
    typer.Argument(
        exists=True, file_okay=False, help="A pack folder holding graph.json and pack.json."
    ),
]


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}")
    return typer.Exit(code=1)


def _version(folder: Path) -> rules.PackVersion:
    try:
        return wiring.version_from_folder(folder=folder, as_at=datetime.now(UTC))
    except errors.DomainError as error:
        raise _fail(error) from error


def _plain(value: Any) -> Any:
    return rules.read_json(rules.canonical_json(value))


def _history(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema_length=10000)


def register(app: typer.Typer) -> None:
    """Add the ``rules`` command group to the urbis CLI."""
    group = typer.Typer(help="Rule packs: questions, tests, answers.", no_args_is_help=True)
    app.add_typer(group, name="rules")

    @group.command("points")
    def points() -> None:
        """List the extension points (the questions rule packs answer) and their fields."""
        table = Table("extension point", "input", "output")
        for point in queries.extension_points():
            table.add_row(
                point["key"],
                ", ".join(f["name"] for f in point["input"]),
                ", ".join(f["name"] for f in point["output"]),
            )
        Console().print(table)

    @group.command("shipped")
    def shipped_list() -> None:
        """List the packs shipped with urbis (their folders can be copied and edited)."""
        table = Table("pack", "extension point", "effective from", "cases", "folder")
        for pack in shipped.shipped_packs():
            table.add_row(
                pack["pack_key"],
                pack["extension_point"],
                pack["effective_from"],
                str(len(pack.get("test_cases", ()))),
                str(shipped.PACKS / pack["pack_key"]),
            )
        Console().print(table)

    @group.command("test")
    def test(folder: PackFolder) -> None:
        """Check a pack folder's graph and run its saved test cases; exit 1 if any fails."""
        version = _version(folder)
        report = evaluation.run_tests(engine=wiring.rule_engine(), pack=version)
        console = Console(soft_wrap=True)
        for case in report.cases:
            mark = "[green]pass[/green]" if case.passed else "[red]FAIL[/red]"
            console.print(f"{mark} {case.name}")
        for failure in report.failures:
            console.print(f"[red]{failure}[/red]")
        passed = sum(c.passed for c in report.cases)
        console.print(f"{version.label}: {passed}/{len(report.cases)} cases passed")
        if not report.passed:
            raise typer.Exit(code=1)

    @group.command("evaluate")
    def evaluate(
        folder: PackFolder,
        given: Annotated[str, typer.Option("--input", help="The input as a JSON object.")],
    ) -> None:
        """Answer one input with a pack folder and print the answer as JSON."""
        version = _version(folder)
        try:
            values = rules.read_json(given)
            answer = evaluation.answer_one(engine=wiring.rule_engine(), pack=version, values=values)
        except ValueError as error:
            raise _fail(errors.InvalidValue(f"--input is not JSON: {error}")) from error
        except errors.DomainError as error:
            raise _fail(error) from error
        typer.echo(rules.canonical_json(answer))

    @group.command("simulate")
    def simulate(
        candidate: PackFolder,
        baseline: Annotated[
            Path, typer.Option(exists=True, file_okay=False, help="The pack folder in force.")
        ],
        history: Annotated[
            Path, typer.Option(exists=True, dir_okay=False, help="Inputs, CSV or Parquet.")
        ],
        account_column: Annotated[str, typer.Option(help="Column naming the account.")] = (
            "account"
        ),
        currency: str = "COP",
    ) -> None:
        """Compare a candidate pack with a baseline over a history of inputs (JSON report)."""
        engine = wiring.rule_engine()
        new, old = _version(candidate), _version(baseline)
        try:
            frame = _history(history)
            report = rules.compare_answers(
                point=rules.extension_point(key=new.extension_point),
                history=frame,
                account_column=account_column,
                before=evaluation.answer_frame(engine=engine, pack=old, frame=frame),
                after=evaluation.answer_frame(engine=engine, pack=new, frame=frame),
                baseline=old.label,
                candidate=new.label,
                currency=currency,
            )
        except errors.DomainError as error:
            raise _fail(error) from error

        def money(value: Any) -> Any:
            return None if value is None else str(value.amount)

        typer.echo(
            json.dumps(
                {
                    "baseline": report.baseline,
                    "candidate": report.candidate,
                    "rows": report.rows,
                    "changed": report.changed,
                    "changed_by_field": report.changed_by_field,
                    "money_delta": money(report.money_delta),
                    "samples": [
                        {
                            "account": s.account,
                            "before": _plain(s.before),
                            "after": _plain(s.after),
                            "money": money(s.money),
                        }
                        for s in report.samples
                    ],
                },
                default=str,
            )
        )
