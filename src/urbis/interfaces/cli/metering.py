"""`urbis meter …`: import, export and review meter data."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from urbis import bootstrap
from urbis.adapters.formats import greenbutton, nem, urbis_csv
from urbis.adapters.mqtt import listener
from urbis.application.metering import operations, ports, queries
from urbis.bootstrap import metering as wiring
from urbis.kernel import errors

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="URBIS_METERING_DIR", help="Metering data folder."),
]
DEFAULT_DIR = Path("var/metering")


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}")
    return typer.Exit(code=1)


def _adapters(data_dir: Path) -> wiring.MeteringAdapters:
    try:
        return wiring.embedded(root=data_dir, engine=bootstrap.build().engine)
    except errors.DomainError as error:
        raise _fail(error) from error


def register(app: typer.Typer) -> None:
    """Add the ``meter`` command group to the urbis CLI."""
    meter = typer.Typer(help="Meter data: import, export, exceptions.", no_args_is_help=True)
    app.add_typer(meter, name="meter")

    @meter.command("import")
    def import_files(
        paths: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)],
        fmt: Annotated[str, typer.Option("--format", help="csv, nem12 or greenbutton")] = "csv",
        meter_serial: Annotated[
            str | None, typer.Option("--meter", help="Meter of a Green Button feed.")
        ] = None,
        data_dir: DataDir = DEFAULT_DIR,
    ) -> None:
        """Import meter data files; each file is loaded whole or not at all."""
        if fmt not in ("csv", "nem12", "greenbutton"):
            raise typer.BadParameter("--format must be csv, nem12 or greenbutton")
        if fmt == "greenbutton" and not meter_serial:
            raise typer.BadParameter("--meter is required for Green Button feeds")
        adapters = _adapters(data_dir)
        failed = 0
        with Progress() as progress:
            task = progress.add_task("Importing", total=len(paths))
            for path in paths:
                as_at = datetime.now(UTC)
                try:
                    stored = _import_one(path, fmt, meter_serial, adapters, as_at)
                    progress.console.print(f"{path.name}: {stored}")
                except errors.DomainError as error:
                    failed += 1
                    progress.console.print(f"[red]{error.code}[/red]: {error.message}")
                progress.advance(task)
        if failed:
            raise typer.Exit(code=1)

    @meter.command("export")
    def export(
        path: Path,
        meter_name: Annotated[str, typer.Option("--meter", help="Meter serial or NMI.")],
        start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
        end: Annotated[str, typer.Option("--to", help="Day after the last, YYYY-MM-DD.")],
        fmt: Annotated[str, typer.Option("--format")] = "greenbutton",
        channel: Annotated[
            str | None,
            typer.Option(help="Which channel (a feed carries one); the first one by default."),
        ] = None,
        data_dir: DataDir = DEFAULT_DIR,
    ) -> None:
        """Export a meter's latest reads of one channel for [FROM, TO) as Green Button XML."""
        if fmt != "greenbutton":
            raise typer.BadParameter("only --format greenbutton is supported")
        adapters = _adapters(data_dir)
        found = adapters.directory.find(serial=meter_name) or adapters.directory.find(
            nmi=meter_name
        )
        if found is None:
            raise typer.BadParameter(f"unknown meter {meter_name!r}")
        begin = datetime.combine(date.fromisoformat(start), time(), tzinfo=UTC)
        finish = datetime.combine(date.fromisoformat(end), time(), tzinfo=UTC)
        reads = queries.reads_as_of(
            store=adapters.intervals, meters=(found.serial,), start=begin, end=finish
        )
        channels = reads.get_column("channel").unique().sort().to_list()
        if channel is not None and channel not in channels:
            raise _fail(
                errors.NotFound(
                    f"{found.serial} has no reads on channel {channel!r} then (it has {channels})"
                )
            )
        chosen = channel or (channels[0] if channels else None)
        if chosen is not None:
            reads = reads.filter(pl.col("channel") == chosen)
        others = [c for c in channels if c != chosen]
        try:
            count = greenbutton.write_greenbutton(
                reads, meter=found.serial, path=path, as_at=datetime.now(UTC)
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        typer.echo(f"{count} readings of {found.serial} ({chosen}) written to {path}")
        if others:
            typer.echo(f"other channels, each its own feed with --channel: {', '.join(others)}")

    @meter.command("exceptions")
    def exceptions(
        review: Annotated[str | None, typer.Option(help="Exception id to close.")] = None,
        decision: Annotated[str, typer.Option(help="ACCEPTED or DISMISSED")] = "ACCEPTED",
        actor: Annotated[str, typer.Option()] = "cli",
        note: Annotated[str | None, typer.Option()] = None,
        status: Annotated[str | None, typer.Option(help="Only this status.")] = "OPEN",
        data_dir: DataDir = DEFAULT_DIR,
    ) -> None:
        """List VEE exceptions, or close one with --review ID."""
        adapters = _adapters(data_dir)
        if review is not None:
            try:
                item = operations.review_exception(
                    queue=adapters.exceptions,
                    exception_id=review,
                    decision=decision,
                    actor=actor,
                    note=note,
                    as_at=datetime.now(UTC),
                )
            except errors.DomainError as error:
                raise _fail(error) from error
            typer.echo(f"{item.id} {item.status}")
            return
        table = Table("id", "meter", "channel", "start", "check", "count", "detail", "status")
        for item in adapters.exceptions.list(status=status):
            table.add_row(
                item.id,
                item.meter,
                item.channel,
                item.start.isoformat(),
                item.check,
                str(item.count),
                item.detail,
                item.status,
            )
        Console().print(table)

    @meter.command("edit")
    def edit(
        meter_serial: Annotated[str, typer.Option("--meter", help="Meter serial.")],
        start: Annotated[str, typer.Option(help="Interval start, ISO 8601 with its offset.")],
        quantity: Annotated[float, typer.Option(help="The corrected quantity.")],
        reason: Annotated[str, typer.Option(help="Why (kept with the new version).")],
        channel: Annotated[str, typer.Option()] = "E1",
        exception: Annotated[
            str | None, typer.Option(help="The finding this edit answers (closed as EDITED).")
        ] = None,
        actor: Annotated[str, typer.Option()] = "cli",
        data_dir: DataDir = DEFAULT_DIR,
    ) -> None:
        """Correct one interval read: an EDITED version naming who and why."""
        adapters = _adapters(data_dir)
        try:
            at = datetime.fromisoformat(start)
        except ValueError:
            raise _fail(errors.InvalidValue(f"{start!r} is not an ISO 8601 instant")) from None
        if at.tzinfo is None:
            raise _fail(errors.InvalidValue(f"{start!r} has no UTC offset"))
        try:
            operations.edit_read(
                store=adapters.intervals,
                meter=meter_serial.upper(),
                channel=channel,
                start=at.astimezone(UTC),
                quantity=quantity,
                actor=actor,
                reason=reason,
                as_at=datetime.now(UTC),
                queue=adapters.exceptions,
                exception_id=exception,
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        typer.echo(f"{meter_serial.upper()} {channel} {at.isoformat()} edited to {quantity}")

    @meter.command("listen")
    def listen(
        mqtt: Annotated[str, typer.Option("--mqtt", help="Broker URL, mqtt://host:port")],
        max_messages: Annotated[int | None, typer.Option(help="Stop after this many.")] = None,
        idle_seconds: Annotated[
            float | None, typer.Option(help="Stop after this long without a message.")
        ] = None,
        data_dir: DataDir = DEFAULT_DIR,
    ) -> None:
        """Store reads published on urbis/meters/SERIAL/reads until stopped."""
        adapters = _adapters(data_dir)
        stats = asyncio.run(
            listener.listen(
                url=mqtt,
                directory=adapters.directory,
                store=adapters.intervals,
                clock=lambda: datetime.now(UTC),
                max_messages=max_messages,
                idle_seconds=idle_seconds,
            )
        )
        typer.echo(
            f"{stats.messages} messages, {stats.stored} intervals stored, "
            f"{stats.received - stats.stored} already held, {stats.rejected} rejected"
        )

    @meter.command("compact")
    def compact(
        month: Annotated[
            str | None, typer.Option("--month", help="Only this month, YYYY-MM.")
        ] = None,
        data_dir: DataDir = DEFAULT_DIR,
    ) -> None:
        """Merge each interval partition's delivery files into one sorted file."""
        adapters = _adapters(data_dir)
        try:
            done = operations.compact_intervals(store=adapters.intervals, month=month)
        except errors.DomainError as error:
            raise _fail(error) from error
        for item in done:
            typer.echo(f"{item.partition}: {item.files_before} files, {item.rows} reads")
        typer.echo(f"{len(done)} partitions compacted")

    @meter.command("vee")
    def vee(
        start: Annotated[str, typer.Option("--from")],
        end: Annotated[str, typer.Option("--to")],
        meter_names: Annotated[list[str], typer.Option("--meter")],
        data_dir: DataDir = DEFAULT_DIR,
    ) -> None:
        """Validate and estimate the given meters' reads for [FROM, TO)."""
        adapters = _adapters(data_dir)
        meters = []
        for name in meter_names:
            found = adapters.directory.find(serial=name) or adapters.directory.find(nmi=name)
            if found is None:
                raise typer.BadParameter(f"unknown meter {name!r}")
            meters.append(found)
        as_at = datetime.now(UTC)
        start_at = datetime.combine(date.fromisoformat(start), time(), tzinfo=UTC)
        try:
            limits = adapters.limits(meters=tuple(meters), as_of=start_at.date())
            queued, estimated = operations.run_vee(
                meters=tuple(meters),
                start=start_at,
                end=datetime.combine(date.fromisoformat(end), time(), tzinfo=UTC),
                store=adapters.intervals,
                queue=adapters.exceptions,
                thresholds=limits.thresholds,
                as_at=as_at,
                new_id=lambda: uuid.uuid4().hex[:12],
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        typer.echo(f"validated by: {limits.validated_by}")
        typer.echo(f"{queued} exceptions queued, {estimated} intervals estimated")


def _import_one(
    path: Path,
    fmt: str,
    meter_serial: str | None,
    adapters: wiring.MeteringAdapters,
    as_at: datetime,
) -> str:
    if fmt == "csv" and urbis_csv.is_register_file(path):
        result = operations.ingest_register_reads(
            frame=urbis_csv.read_registers(path),
            source=path.name,
            directory=adapters.directory,
            store=adapters.registers,
            as_at=as_at,
        )
        return f"{result.stored} register reads stored, {result.duplicates} already held"
    if fmt == "nem12":
        read = nem.read_nem(path)
        if read.version == "NEM13":
            result = operations.ingest_register_reads(
                frame=read.registers,
                source=path.name,
                directory=adapters.directory,
                store=adapters.registers,
                as_at=as_at,
            )
            return f"{result.stored} register reads stored, {result.duplicates} already held"
        frame = read.intervals
    elif fmt == "greenbutton":
        frame = greenbutton.read_greenbutton(path, meter=meter_serial or "")
    else:
        frame = urbis_csv.read_intervals(path)
    result = operations.ingest_intervals(
        frame=frame,
        source=path.name,
        directory=adapters.directory,
        store=adapters.intervals,
        as_at=as_at,
    )
    return f"{result.stored} intervals stored, {result.duplicates} already held"


__all__ = ["ports", "register"]
