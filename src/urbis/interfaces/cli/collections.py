"""`urbis collections …` and `urbis orders …`: collections runs, holds and field work orders."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from urbis import bootstrap
from urbis.application.collections import operations, queries
from urbis.application.identity import operations as identity_ops
from urbis.application.service_orders import operations as order_ops
from urbis.application.service_orders import queries as order_queries
from urbis.bootstrap import collections as wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.bootstrap import service_orders as order_wiring
from urbis.domain import identity, service_orders
from urbis.kernel import errors, ids

T = TypeVar("T")
Tenant = Annotated[str, typer.Option("--tenant", help="The utility's code.")]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="The day to run for, YYYY-MM-DD (default today).")
]
# the command line acts as the utility's own system user, with the roles these commands need
_ROLES = frozenset({identity.Role.ADMIN, identity.Role.COLLECTIONS, identity.Role.FIELD})


def _fail(error: errors.DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{error.code}[/red]: {error.message}")
    return typer.Exit(code=1)


def _actor(container: bootstrap.App, tenant_code: str) -> identity.Actor:
    with container.uow() as uow:
        tenant = uow.tenants.by_code(tenant_code)
    if tenant is None:
        raise _fail(identity_ops.UnknownTenant(f"No utility {tenant_code!r}"))
    return identity.Actor(user_id=identity_ops.SYSTEM_USER, tenant_id=tenant.id, roles=_ROLES)


def _day(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(errors.InvalidValue(f"{text!r} is not a date (YYYY-MM-DD)")) from None


def _collections(tenant_code: str, use_case: Callable[[Any], T]) -> T:
    container = bootstrap.build()
    actor = _actor(container, tenant_code)
    try:
        with container.engine.begin() as connection:
            return use_case(
                wiring.database_env(container=container, actor=actor, connection=connection)
            )
    except errors.DomainError as error:
        raise _fail(error) from error


def _notify(tenant_code: str, run_id: str) -> None:
    container = bootstrap.build()
    actor = _actor(container, tenant_code)
    report = portal_wiring.queue_collection_notices(
        container=container, tenant_id=actor.tenant_id, run_id=run_id
    )
    Console().print(
        f"notices: {report.queued} queued, {report.suppressed} not sent (no consented channel)"
    )


def _orders(tenant_code: str, use_case: Callable[[Any], T]) -> T:
    container = bootstrap.build()
    actor = _actor(container, tenant_code)
    try:
        with container.engine.begin() as connection:
            return use_case(
                order_wiring.database_env(container=container, actor=actor, connection=connection)
            )
    except errors.DomainError as error:
        raise _fail(error) from error


def _print_order(order: service_orders.ServiceOrder) -> None:
    Console().print_json(json.dumps(order_queries.picture(order)))


def register(app: typer.Typer) -> None:
    """Add the ``collections`` and ``orders`` command groups to the urbis CLI."""
    group = typer.Typer(help="Collections: runs, regulatory holds.", no_args_is_help=True)
    orders = typer.Typer(help="Service orders: field work and its outcomes.", no_args_is_help=True)
    app.add_typer(group, name="collections")
    app.add_typer(orders, name="orders")

    @group.command("run")
    def run(as_of: AsOf = None, tenant: Tenant = "demo") -> None:
        """Run collections for every account in arrears on a day."""
        day = _day(as_of)
        result = _collections(tenant, lambda env: operations.run_collections(env=env, as_of=day))
        table = Table("step", "count", title=f"Collections run {result['id']} for {day}")
        for kind, count in result["counts"].items():
            table.add_row(kind, str(count))
        Console().print(table)
        Console().print(
            f"{result['candidates']} accounts in arrears, {result['evaluations']} policy "
            f"evaluations, policy {result['policy']}"
        )
        _notify(tenant, result["id"])

    @group.command("notify")
    def notify(run_id: str, tenant: Tenant = "demo") -> None:
        """Queue a run's reminders and suspension notices again (none is queued twice)."""
        _notify(tenant, run_id)

    @group.command("hold")
    def hold(
        region: Annotated[str, typer.Argument(help="A department or city.")],
        reason: Annotated[str, typer.Option("--reason", help="The authority's order.")],
        start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
        end: Annotated[str | None, typer.Option("--to", help="Day it ends (excluded).")] = None,
        tenant: Tenant = "demo",
    ) -> None:
        """Register a regulatory hold on suspensions in a region."""
        first, last = _day(start), None if end is None else _day(end)
        made = _collections(
            tenant,
            lambda env: operations.register_hold(
                env=env, region=region, active_from=first, active_to=last, reason=reason
            ),
        )
        Console().print(f"Hold {made.id} on {made.region} from {first}")

    @group.command("holds")
    def holds(tenant: Tenant = "demo") -> None:
        """List the regulatory holds."""
        table = Table("id", "region", "from", "to", "reason")
        for h in _collections(tenant, lambda env: queries.regulatory_holds(env=env)):
            table.add_row(h["id"], h["region"], h["from"], h["to"] or "", h["reason"])
        Console().print(table)

    @orders.command("list")
    def list_orders(
        status: Annotated[
            service_orders.OrderStatus | None, typer.Option("--status", help="Only these.")
        ] = None,
        account: Annotated[str | None, typer.Option("--account", help="An account id.")] = None,
        tenant: Tenant = "demo",
    ) -> None:
        """List service orders (newest first), of one account or by status."""
        found = _orders(
            tenant,
            lambda env: order_queries.list_orders(
                env=env,
                status=status,
                account_id=None if account is None else ids.AccountId(account),
            ),
        )
        table = Table("id", "kind", "status", "account", "assigned to", "created")
        for o in found:
            table.add_row(
                o["id"], o["kind"], o["status"], o["account_id"], o["assigned_to"] or "",
                o["created_at"],
            )  # fmt: skip
        Console().print(table)

    @orders.command("create")
    def create(
        account: Annotated[str, typer.Argument(help="The account id.")],
        kind: Annotated[service_orders.OrderKind, typer.Option("--kind")],
        reason: Annotated[str, typer.Option("--reason")],
        point: Annotated[str | None, typer.Option("--service-point")] = None,
        tenant: Tenant = "demo",
    ) -> None:
        """Open a service order for an account."""
        _print_order(
            _orders(
                tenant,
                lambda env: order_ops.create_order(
                    env=env,
                    account_id=ids.AccountId(account),
                    kind=kind,
                    reason=reason,
                    service_point_id=None if point is None else ids.ServicePointId(point),
                ),
            )
        )

    @orders.command("assign")
    def assign(
        order_id: str,
        to: Annotated[str, typer.Option("--to", help="Crew or technician.")],
        tenant: Tenant = "demo",
    ) -> None:
        """Give an order to a crew or technician."""
        _print_order(
            _orders(tenant, lambda env: order_ops.assign_order(env=env, order_id=order_id, to=to))
        )

    @orders.command("complete")
    def complete(
        order_id: str,
        outcome: Annotated[service_orders.Outcome, typer.Option("--outcome")],
        work_date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD")] = None,
        notes: Annotated[str, typer.Option("--notes")] = "",
        new_meter: Annotated[str | None, typer.Option("--new-meter", help="Meter id.")] = None,
        start_read: Annotated[str | None, typer.Option("--start-read")] = None,
        final_read: Annotated[str | None, typer.Option("--final-read")] = None,
        tenant: Tenant = "demo",
    ) -> None:
        """Record an order's outcome (a meter exchange names the new meter and its start read)."""
        exchange = None
        if new_meter is not None:
            exchange = service_orders.MeterExchange(
                new_meter_id=ids.MeterId(new_meter),
                start_read=Decimal(start_read or "0"),
                old_final_read=None if final_read is None else Decimal(final_read),
            )
        day = None if work_date is None else _day(work_date)
        _print_order(
            _orders(
                tenant,
                lambda env: order_ops.complete_order(
                    env=env,
                    order_id=order_id,
                    outcome=outcome,
                    work_date=day,
                    notes=notes,
                    exchange=exchange,
                ),
            )
        )

    @orders.command("cancel")
    def cancel(
        order_id: str,
        notes: Annotated[str, typer.Option("--notes")] = "",
        tenant: Tenant = "demo",
    ) -> None:
        """Cancel an order not yet completed."""
        _print_order(
            _orders(
                tenant, lambda env: order_ops.cancel_order(env=env, order_id=order_id, notes=notes)
            )
        )
