"""
The ``urbis`` command: set up, seed and serve the demo utility, manage the database and users.

``URBIS_DATABASE_URL`` selects the database (default: ``var/urbis.sqlite3`` under the working
directory).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from urbis import bootstrap
from urbis.adapters.db import engine as db_engine
from urbis.adapters.demo import seed as demo_seed
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import demo as showcase
from urbis.domain import identity
from urbis.interfaces.cli import plugins
from urbis.kernel import errors, ids

app = typer.Typer(help="urbis: customer information and billing for smart utilities.")
db_app = typer.Typer(help="Database schema.")
user_app = typer.Typer(help="Users and roles.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
console = Console()

DEMO_TENANT = "demo"


def _fail(exc: errors.DomainError) -> typer.Exit:
    console.print(f"[red]{exc.code}[/red]: {exc.message}")
    return typer.Exit(code=2)


def _system_actor(container: bootstrap.App, tenant_code: str) -> identity.Actor:
    with container.uow() as uow:
        tenant = uow.tenants.by_code(tenant_code)
    if tenant is None:
        raise _fail(identity_ops.UnknownTenant(f"No utility {tenant_code!r}"))
    return identity.Actor(
        user_id=identity_ops.SYSTEM_USER,
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.ADMIN}),
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring its schema to the latest version."""
    url = bootstrap.database_url()
    engine = db_engine.create_engine(url)
    db_engine.upgrade(engine)
    console.print(f"Database at revision {db_engine.current_revision(engine)}: {url}")


def _seed(container: bootstrap.App, tenant_code: str, accounts: int, seed_value: int) -> None:
    actor = _system_actor(container, tenant_code)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("Seeding accounts", total=accounts)
        report = demo_seed.seed(
            engine=container.engine,
            tenant_id=actor.tenant_id,
            actor_id=actor.user_id,
            accounts=accounts,
            seed_value=seed_value,
            as_at=container.clock.now(),
            id_generator=container.ids,
            on_batch=lambda n: progress.advance(task, n),
        )
    console.print(f"Seeded {report.accounts:,} accounts ({report.rows:,} rows).")


@app.command()
def seed(
    accounts: Annotated[int, typer.Option(help="How many accounts to add.", min=1)] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same utility.")] = 1,
    tenant: Annotated[str, typer.Option(help="Tenant (utility) code.")] = DEMO_TENANT,
) -> None:
    """Add generated accounts (holders, premises, meters, agreements) to a utility."""
    container = bootstrap.build()
    if tenant == DEMO_TENANT:
        showcase.ensure_demo_tenant(container)
        showcase.create_demo_tariffs(container)
    _seed(container, tenant, accounts, seed)


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[list[identity.Role], typer.Option(help="Role (repeat for several).")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    tenant: Annotated[str, typer.Option(help="Tenant (utility) code.")] = DEMO_TENANT,
    party: Annotated[str, typer.Option(help="Customer (party) id, for customer users.")] = "",
) -> None:
    """Create a user with roles (admin, agent, billing_analyst, collections, field, ...)."""
    container = bootstrap.build()
    actor = _system_actor(container, tenant)
    try:
        user = identity_ops.create_user(
            env=container.env(actor),
            hasher=container.hasher,
            username=username,
            display_name=name or username,
            password=password,
            roles=role,
            party_id=ids.PartyId(party) if party else None,
        )
    except errors.DomainError as exc:
        raise _fail(exc) from exc
    console.print(f"Created {user.username} ({', '.join(sorted(r.value for r in user.roles))}).")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the web app and the API."""
    import uvicorn

    from urbis.interfaces.api import create_app

    container = bootstrap.build()
    try:
        web_app = create_app(container)  # checks the settings it reads (Open311's catalogue)
    except errors.DomainError as exc:
        raise _fail(exc) from exc
    console.print(f"Web app:  http://{host}:{port}/")
    console.print(f"API docs: http://{host}:{port}/docs   (OpenAPI: /openapi.json)")
    uvicorn.run(web_app, host=host, port=port, log_level="info")


@app.command()
def demo(
    accounts: Annotated[int, typer.Option(help="Accounts in the demo utility.", min=1)] = 20_000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Create and seed the demo utility (once), print how to sign in, and serve it."""
    container = bootstrap.build()
    created = showcase.ensure_demo_tenant(container)
    if created:
        showcase.create_demo_users(container)
        _seed(container, DEMO_TENANT, accounts, seed_value=1)
        showcase.create_showcase_customer(container)
        waiting = showcase.receive_demo_messages(container)
        console.print(f"Messages waiting for an agent to match them (/matching): {waiting}")
    showcase.create_demo_tariffs(container)  # also for a demo database made before tariffs
    showcase.install_rule_packs(container)
    if created:
        with console.status("Billing cycle C07 for last month"):
            run = showcase.bill_demo_cycle(container)
        console.print(
            f"Bill run {run['id']}: {run['bills']} bills, {run['held']} held, "
            f"{run['exceptions']} exceptions; bill notices: {run['notices']['queued']} queued, "
            f"{run['notices']['suppressed']} not sent (no consented channel); subsidies and "
            f"contributions by {run['solidarity_by']}, held bills by {run['validated_by']}"
        )
        console.print(f"Payments at the office: {showcase.pay_demo_bills(container)}")
    table = Table(title="Demo utility: sign in with tenant 'demo'")
    table.add_column("user")
    table.add_column("password")
    table.add_column("roles")
    for user in (*showcase.DEMO_USERS, showcase.CUSTOMER_USER):
        table.add_row(user.username, user.password, ", ".join(r.value for r in user.roles))
    console.print(table)
    console.print(f"Database: {container.database_url}")
    if serve_after:
        serve(host="127.0.0.1", port=port)


plugins.register_all(app)
