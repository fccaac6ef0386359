"""
Notices that follow from runs: "your bill is ready" for each bill a bill run issued, and a
payment reminder or suspension notice for each collections step that calls for one. Each is
queued in the outbox as the customer's preferences and consents allow (ADR 0071); the same
bill or step never queues a second message, so queuing a run's notices again is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import attrs

from urbis.application.engagement import operations as engagement_ops
from urbis.application.portal import operations, ports
from urbis.domain import engagement
from urbis.kernel import ids


@attrs.frozen
class Notice:
    """One message to queue: to whom, what kind, the template's values, and what it is about."""

    party_id: ids.PartyId
    kind: engagement.NotificationKind
    values: Mapping[str, Any]
    key: str  # the bill or collections step it is about: one message per key and kind


class NoticeSource(Protocol):
    """Where the notices of a run come from."""

    def bills_issued(self, tenant_id: ids.TenantId, run_id: str) -> Sequence[Notice]:
        """A BILL_READY notice per bill a final bill run issued (held bills wait)."""
        ...

    def collection_notices(
        self, tenant_id: ids.TenantId, run_id: str, notice_days: int
    ) -> Sequence[Notice]:
        """A notice per reminder, notice or suspension notice step of a collections run."""
        ...


@attrs.frozen
class NoticeReport:
    queued: int
    suppressed: int

    def picture(self) -> dict[str, int]:
        return {"queued": self.queued, "suppressed": self.suppressed}


def queue_notices(
    *,
    notifications: engagement_ops.NotifyEnv,
    preferences: ports.PreferenceRepository,
    notices: Iterable[Notice],
) -> NoticeReport:
    """
    Queue each notice for its customer in the caller's transaction; a customer who has not
    consented to any channel, or has muted that kind, gets a recorded suppression instead.
    """
    queued = suppressed = 0
    for notice in notices:
        outcome = operations.notify_customer(
            notifications=notifications,
            preferences=preferences,
            party_id=notice.party_id,
            kind=notice.kind,
            values=notice.values,
            dedupe_key=notice.key,
        )
        if isinstance(outcome, engagement.OutboxMessage):
            queued += 1
        else:
            suppressed += 1
    return NoticeReport(queued=queued, suppressed=suppressed)
