"""
Shared fixtures. The integration suite runs once on SQLite and once on PostgreSQL.

PostgreSQL: ``URBIS_TEST_POSTGRES_URL`` names a server database; each test worker gets a fresh
database of its own, created and dropped here. With ``URBIS_REQUIRE_POSTGRES=1`` (CI) a missing
server fails the run instead of skipping the PostgreSQL cases.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

from urbis import bootstrap
from urbis.adapters import system
from urbis.application._support import Env
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import identity
from urbis.kernel import ids

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)

# Speed is measured in benchmarks/, never in tests: a loaded CI machine must not turn a slow
# example into a failure, so property tests have no per-example deadline.
settings.register_profile("urbis", deadline=None)
settings.load_profile("urbis")


@pytest.fixture(autouse=True)
def _scratch_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that open the default database open one in the test's own folder."""
    monkeypatch.setenv("URBIS_DATABASE_URL", f"sqlite:///{tmp_path / 'default.sqlite3'}")


def _postgres_admin_url() -> str | None:
    return os.environ.get("URBIS_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    admin_url = _postgres_admin_url()
    required = os.environ.get("URBIS_REQUIRE_POSTGRES") == "1"
    if not admin_url:
        if required:
            pytest.fail("URBIS_REQUIRE_POSTGRES=1 but URBIS_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL suite: set URBIS_TEST_POSTGRES_URL to run it")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"urbis_test_{worker_id}_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if required:
            pytest.fail(f"PostgreSQL is required but not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "urbis.sqlite3"
    return f"sqlite:///{path}"


_APPS: dict[str, bootstrap.App] = {}


@pytest.fixture(params=["sqlite", "postgres"])
def container(request: pytest.FixtureRequest) -> bootstrap.App:
    """The wired application on each database (one schema per session, one tenant per test)."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    if url not in _APPS:
        _APPS[url] = bootstrap.build(
            url=url,
            clock=system.FixedClock(NOW),
            secret="a-test-signing-secret-of-enough-length-0123456789",
        )
    return _APPS[url]


def new_tenant(
    container: bootstrap.App, name: str = "Empresa de Servicios Públicos de Prueba"
) -> identity.Tenant:
    """A tenant of its own, with a fresh code."""
    return identity_ops.create_tenant(
        uow_factory=container.uow,
        clock=container.clock,
        id_generator=container.ids,
        code=f"t-{secrets.token_hex(6)}",
        name=name,
        nit="890399003-4",
    )


@pytest.fixture
def tenant(container: bootstrap.App) -> identity.Tenant:
    return new_tenant(container)


def actor_with(tenant: identity.Tenant, *roles: identity.Role) -> identity.Actor:
    return identity.Actor(user_id=ids.UserId("tester"), tenant_id=tenant.id, roles=frozenset(roles))


def publish_shipped_packs(container: bootstrap.App, tenant_id: str) -> None:
    """Publish the rule packs urbis ships for a tenant (what `urbis demo` does); idempotent."""
    rules_wiring.install_shipped_packs(
        container=container,
        actor=identity.Actor(
            user_id=ids.UserId("administrador"),
            tenant_id=ids.TenantId(tenant_id),
            roles=frozenset({identity.Role.ADMIN}),
        ),
    )


SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the shared data set must be there: tests that read it skip only on a laptop."""
    if os.environ.get("CI") and not SHARED_DATA.is_dir():
        raise pytest.UsageError(f"CI needs the shared data set at {SHARED_DATA.resolve()}")


@pytest.fixture
def agent_env(container: bootstrap.App, tenant: identity.Tenant) -> Env:
    return container.env(actor_with(tenant, identity.Role.AGENT, identity.Role.FIELD))
