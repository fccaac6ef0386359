"""
Two notification workers on one PostgreSQL outbox: each claims its batch with
``FOR UPDATE SKIP LOCKED``, so no message is sent twice and both do work at the same time.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.conftest import NOW
from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.adapters.db import notifications as db_notifications
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import customers, engagement
from urbis.kernel import ids

MESSAGES = 40


class _Recording:
    """An email notifier that records what it sends; each worker's first send waits for the
    other worker's, so both hold a batch at the same time."""

    channel = customers.Channel.EMAIL

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._together = threading.Barrier(2, timeout=20)
        self._waited = threading.local()

    def send(self, message: engagement.OutboxMessage) -> str:
        if not getattr(self._waited, "done", False):
            self._waited.done = True
            self._together.wait()
        with self._lock:
            self.sent.append((threading.current_thread().name, message.id))
        return f"<{message.id}@test>"


def _queue(container: bootstrap.App, tenant_id: ids.TenantId, party_id: str) -> set[str]:
    queued = {container.ids.new_id() for _ in range(MESSAGES)}
    with container.engine.begin() as connection:
        outbox = db_notifications.OutboxRepository(connection, tenant_id=tenant_id)
        for n, message_id in enumerate(sorted(queued)):
            outbox.add(
                engagement.OutboxMessage(
                    id=message_id,
                    tenant_id=tenant_id,
                    party_id=ids.PartyId(party_id),
                    kind=engagement.NotificationKind.BILL_READY,
                    channel=customers.Channel.EMAIL,
                    to="luz@example.co",
                    subject=f"Factura {n}",
                    body="Su factura está lista.",
                    language="es",
                    created_at=NOW,
                    next_attempt_at=NOW,
                    dedupe_key=f"workers:{n}",
                )
            )
    return queued


class TestTwoWorkers:
    @pytest.mark.parametrize("container", ["postgres"], indirect=True)
    def test_never_send_the_same_message_twice(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        queued = _queue(container, agent_env.actor.tenant_id, keys["party"])
        notifier = _Recording()
        failures: list[BaseException] = []

        def work() -> None:
            try:
                engagement_wiring.send_due_notifications(
                    container=container, notifiers={customers.Channel.EMAIL: notifier}, batch=5
                )
            except BaseException as exc:  # reported by the assertion below
                failures.append(exc)

        workers = [threading.Thread(target=work, name=f"worker-{n}") for n in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)

        assert failures == []
        # the workers send whatever is due in the session's database; this test's are ``queued``
        times_sent = Counter(message_id for _, message_id in notifier.sent)
        assert queued <= set(times_sent)
        assert max(times_sent.values()) == 1
        assert {worker for worker, _ in notifier.sent} == {"worker-0", "worker-1"}
        with container.engine.connect() as connection:
            statuses = connection.execute(
                sa.select(tables.outbox_messages.c.status, sa.func.count())
                .where(tables.outbox_messages.c.tenant_id == agent_env.actor.tenant_id)
                .group_by(tables.outbox_messages.c.status)
            ).all()
        assert [(s, int(n)) for s, n in statuses] == [("SENT", MESSAGES)]
