"""`urbis cases …` and `urbis outages …`: cases' SLA clocks at work, planned outage notices."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from urbis import bootstrap
from urbis.application.portal import outages as outage_use_cases
from urbis.bootstrap import engagement as engagement_wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import premises
from urbis.kernel import errors


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}")
    return typer.Exit(code=1)


def _instant(text: str, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{name} is not an ISO 8601 instant") from None
    if at.tzinfo is None:
        raise typer.BadParameter(f"{name} needs a UTC offset, e.g. 2026-03-10T08:00-05:00")
    return at


def register(app: typer.Typer) -> None:
    """Add the ``cases`` and ``outages`` command groups to the urbis CLI."""
    cases = typer.Typer(help="Cases (PQR): escalation by their SLA clocks.", no_args_is_help=True)
    outages = typer.Typer(help="Planned outages announced to customers.", no_args_is_help=True)
    app.add_typer(cases, name="cases")
    app.add_typer(outages, name="outages")

    @cases.command("escalate")
    def escalate(
        tenant: Annotated[
            str | None, typer.Option(help="The utility's code (default: every utility).")
        ] = None,
        once: Annotated[bool, typer.Option(help="Escalate what is due now and stop.")] = False,
        interval: Annotated[
            float, typer.Option(help="Seconds between rounds when running.", min=0.1)
        ] = 300.0,
    ) -> None:
        """
        Escalate every case whose SLA clock calls for it (once when due soon, once more when
        overdue), printing per utility the cases escalated and how many are at risk.
        """
        container = bootstrap.build()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    reports = engagement_wiring.escalate_cases(
                        container=container, tenant_code=tenant
                    )
                    for report in reports:
                        typer.echo(
                            json.dumps(
                                {
                                    "tenant": report.tenant,
                                    "escalated": [c.number for c in report.escalated],
                                    "at_risk": report.at_risk,
                                }
                            )
                        )
                    if once or stop.wait(interval):
                        break
        except errors.DomainError as error:
            raise _fail(error) from error
        finally:
            container.engine.dispose()

    @outages.command("announce")
    def announce(
        reference: Annotated[str, typer.Argument(help="The utility's code for the outage.")],
        service: Annotated[str, typer.Option(help="ELECTRICITY, WATER, SEWER, GAS or WASTE.")],
        starts_at: Annotated[str, typer.Option(help="Start, ISO 8601 with offset.")],
        ends_at: Annotated[str, typer.Option(help="End, ISO 8601 with offset.")],
        reason: Annotated[str, typer.Option(help="Why the service is interrupted.")],
        tenant: Annotated[str, typer.Option(help="The utility's code.")] = "demo",
        area: Annotated[str, typer.Option(help="How the notice names the area.")] = "",
        city: Annotated[list[str] | None, typer.Option(help="A city in the area.")] = None,
        premise: Annotated[list[str] | None, typer.Option(help="A premise id.")] = None,
        service_point: Annotated[list[str] | None, typer.Option(help="A service point id.")] = None,
    ) -> None:
        """Queue the OUTAGE notice for every customer of the area who consented to a channel."""
        try:
            kind = premises.Service(service.upper())
        except ValueError:
            raise typer.BadParameter(
                f"service is one of {[s.value for s in premises.Service]}"
            ) from None
        starts, ends = _instant(starts_at, "starts_at"), _instant(ends_at, "ends_at")
        container = bootstrap.build()
        try:
            with container.uow() as uow:
                found = uow.tenants.by_code(tenant)
            if found is None:
                raise errors.NotFound(f"No utility {tenant!r}", details={"tenant": tenant})
            report = portal_wiring.announce_outage(
                container=container,
                tenant_id=found.id,
                outage=outage_use_cases.Outage(
                    reference=reference,
                    service=kind,
                    starts_at=starts,
                    ends_at=ends,
                    reason=reason,
                    area=area,
                    cities=tuple(city or ()),
                    premise_ids=tuple(premise or ()),
                    service_point_ids=tuple(service_point or ()),
                ),
            )
        except errors.DomainError as error:
            raise _fail(error) from error
        finally:
            container.engine.dispose()
        typer.echo(json.dumps(report.picture()))
