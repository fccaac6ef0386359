"""Composition root: the only place that knows which adapter serves which port."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import attrs
import sqlalchemy as sa

from urbis.adapters import system
from urbis.adapters.db import engine as db_engine
from urbis.adapters.db import uow as db_uow
from urbis.application import ports
from urbis.application._support import Env

__all__ = ["App", "Env", "build", "database_url"]
from urbis.domain import identity

DEFAULT_DATABASE = "sqlite:///var/urbis.sqlite3"


def database_url() -> str:
    """``URBIS_DATABASE_URL``, or a SQLite file under the working directory."""
    url = os.environ.get("URBIS_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{Path.cwd() / 'var' / 'urbis.sqlite3'}"


@attrs.define
class App:
    """The wired application: ports served by their adapters."""

    database_url: str
    engine: sa.Engine
    uow: ports.UnitOfWorkFactory
    clock: ports.Clock
    ids: ports.IdGenerator
    hasher: ports.PasswordHasher
    secret: str
    data_dir: Path

    def env(self, actor: identity.Actor) -> Env:
        return Env(uow=self.uow, actor=actor, clock=self.clock, ids=self.ids)


def build(
    *, url: str | None = None, clock: ports.Clock | None = None, secret: str | None = None
) -> App:
    """Wire urbis for a database URL (migrating it to the latest schema)."""
    url = url or database_url()
    engine = db_engine.create_engine(url)
    # files that live beside the database (interval reads in Parquet): next to a SQLite file,
    # or under URBIS_DATA_DIR / ./var for a server database
    default_dir = (
        Path(url.removeprefix("sqlite:///")).parent
        if url.startswith("sqlite:///") and not url.endswith(":memory:")
        else Path.cwd() / "var"
    )
    data_dir = Path(os.environ.get("URBIS_DATA_DIR") or default_dir)
    db_engine.upgrade(engine)
    the_clock = clock or system.SystemClock()
    return App(
        database_url=url,
        engine=engine,
        uow=db_uow.SqlUnitOfWorkFactory(engine),
        clock=the_clock,
        ids=system.UlidGenerator(the_clock),
        hasher=system.Argon2Hasher(),
        secret=secret or os.environ.get("URBIS_SECRET") or _local_secret(url),
        data_dir=data_dir,
    )


def _local_secret(url: str) -> str:
    """A signing secret kept beside a SQLite database, so sessions survive restarts."""
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        path = Path(url.removeprefix("sqlite:///")).with_suffix(".secret")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
    return secrets.token_urlsafe(48)
