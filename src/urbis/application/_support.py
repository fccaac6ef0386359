"""What every use case needs besides its inputs, and the audit trail every write leaves."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from urbis.application import ports
from urbis.domain import identity
from urbis.kernel import errors
from urbis.kernel.periods import Period

T = TypeVar("T")


@attrs.frozen
class Env:
    """The caller and the outside world a use case runs against."""

    uow: ports.UnitOfWorkFactory
    actor: identity.Actor
    clock: ports.Clock
    ids: ports.IdGenerator


def plain(value: Any) -> Any:
    """A JSON-ready picture of any record: enums by value, decimals and dates as text."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Period):
        return {
            "start": value.start.isoformat(),
            "end": None if value.end is None else value.end.isoformat(),
        }
    if isinstance(value, frozenset | set):
        return sorted(plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if attrs.has(type(value)):
        return {f.name: plain(getattr(value, f.name)) for f in attrs.fields(type(value))}
    return value


def snapshot(record: Any, *, hide: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON-ready picture of a record for the audit log, without the fields in ``hide``."""
    picture: dict[str, Any] = plain(record)
    return {k: v for k, v in picture.items() if k not in hide}


def audit(
    *,
    env: Env,
    uow: ports.UnitOfWork,
    entity: str,
    entity_id: str,
    action: str,
    before: Any = None,
    after: Any = None,
    hide: tuple[str, ...] = (),
) -> None:
    """Record a write in the audit log, inside the same transaction as the write."""
    uow.audit.record(
        ports.AuditEntry(
            id=env.ids.new_id(),
            tenant_id=env.actor.tenant_id,
            actor_id=env.actor.user_id,
            at=env.clock.now(),
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=None if before is None else snapshot(before, hide=hide),
            after=None if after is None else snapshot(after, hide=hide),
        )
    )


def found(record: T | None, *, what: str, key: str) -> T:
    """
    Return a record that must exist.

    :raises NotFound: if it does not (or belongs to another tenant).
    """
    if record is None:
        raise errors.NotFound(f"No {what} {key}", details={"what": what, "key": key})
    return record
