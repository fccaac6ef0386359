"""The notification outbox and the record of notifications not sent, over SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.application import ports as shared_ports
from urbis.domain import customers, engagement
from urbis.kernel import ids

_O = t.outbox_messages


def _values(message: engagement.OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "tenant_id": message.tenant_id,
        "party_id": message.party_id,
        "kind": message.kind.value,
        "channel": message.channel.value,
        "to_address": message.to,
        "subject": message.subject[:300],
        "body": message.body,
        "language": message.language,
        "created_at": message.created_at,
        "next_attempt_at": message.next_attempt_at,
        "dedupe_key": message.dedupe_key,
        "status": message.status.value,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "provider_id": message.provider_id,
        "sent_at": message.sent_at,
    }


def _message(row: sa.Row[Any]) -> engagement.OutboxMessage:
    m = row._mapping
    return engagement.OutboxMessage(
        id=m["id"],
        tenant_id=ids.TenantId(m["tenant_id"]),
        party_id=ids.PartyId(m["party_id"]),
        kind=engagement.NotificationKind(m["kind"]),
        channel=customers.Channel(m["channel"]),
        to=m["to_address"],
        subject=m["subject"],
        body=m["body"],
        language=m["language"],
        created_at=m["created_at"],
        next_attempt_at=m["next_attempt_at"],
        dedupe_key=m["dedupe_key"],
        status=engagement.OutboxStatus(m["status"]),
        attempts=m["attempts"],
        last_error=m["last_error"],
        provider_id=m["provider_id"],
        sent_at=m["sent_at"],
    )


class OutboxRepository:
    """
    The outbox on one connection. Bound to a tenant, it reads and dedupes that tenant's
    messages; unbound (the worker), ``due`` returns every tenant's messages, only on
    ``channels`` when given. ``due`` claims what it returns for the caller's transaction, so
    two workers never send the same message.
    """

    def __init__(
        self,
        connection: sa.Connection,
        *,
        tenant_id: ids.TenantId | None = None,
        channels: frozenset[customers.Channel] | None = None,
    ) -> None:
        self._c = connection
        self._tenant = tenant_id
        self._channels = channels

    def add(self, message: engagement.OutboxMessage) -> None:
        self._c.execute(_O.insert().values(**_values(message)))

    def update(self, message: engagement.OutboxMessage) -> None:
        values = _values(message)
        del values["id"]
        self._c.execute(
            _O.update()
            .where(_O.c.id == message.id, _O.c.tenant_id == message.tenant_id)
            .values(**values)
        )

    def due(self, as_at: datetime, limit: int) -> Sequence[engagement.OutboxMessage]:
        query = (
            _O.select()
            .where(
                _O.c.status == engagement.OutboxStatus.PENDING.value,
                _O.c.next_attempt_at <= as_at,
            )
            .order_by(_O.c.next_attempt_at, _O.c.id)
            .limit(limit)
            # PostgreSQL: the batch is locked until the worker's transaction ends, and another
            # worker skips it instead of sending it too (SQLite has one writer and no FOR UPDATE)
            .with_for_update(skip_locked=True)
        )
        if self._tenant is not None:
            query = query.where(_O.c.tenant_id == self._tenant)
        if self._channels is not None:
            # messages for a channel with no notifier configured wait for one
            query = query.where(_O.c.channel.in_(sorted(c.value for c in self._channels)))
        return [_message(row) for row in self._c.execute(query)]

    def by_dedupe_key(self, key: str) -> engagement.OutboxMessage | None:
        query = _O.select().where(_O.c.dedupe_key == key)
        if self._tenant is not None:
            query = query.where(_O.c.tenant_id == self._tenant)
        row = self._c.execute(query).first()
        return None if row is None else _message(row)

    def for_party(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[engagement.OutboxMessage]:
        rows = self._c.execute(
            _O.select()
            .where(_O.c.tenant_id == tenant_id, _O.c.party_id == party_id)
            .order_by(_O.c.created_at, _O.c.id)
        )
        return [_message(row) for row in rows]


class SuppressionLog:
    def __init__(
        self, connection: sa.Connection, *, id_generator: shared_ports.IdGenerator
    ) -> None:
        self._c = connection
        self._ids = id_generator

    def record(self, suppression: engagement.Suppressed) -> None:
        self._c.execute(
            t.notification_suppressions.insert().values(
                id=self._ids.new_id(),
                tenant_id=suppression.tenant_id,
                party_id=suppression.party_id,
                kind=suppression.kind.value,
                at=suppression.at,
                reasons=list(suppression.reasons),
            )
        )
