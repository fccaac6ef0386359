"""Engagement's repositories over SQLAlchemy Core: cases, interactions, rejected payloads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.application.engagement import ports
from urbis.domain import engagement
from urbis.kernel import ids


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _raw(raw: engagement.RawPayload | None) -> dict[str, str] | None:
    return None if raw is None else {"content_type": raw.content_type, "body": raw.body}


def _from_raw(data: dict[str, str] | None) -> engagement.RawPayload | None:
    return None if data is None else engagement.RawPayload(**data)


class CaseRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @property
    def connection(self) -> sa.Connection:
        """The transaction the cases are written in, for writes that must commit with them."""
        return self._c

    @staticmethod
    def _values(case: engagement.Case) -> dict[str, Any]:
        return {
            "id": case.id,
            "tenant_id": case.tenant_id,
            "number": case.number,
            "kind": case.kind.value,
            "subject": case.subject,
            "description": case.description,
            "filed_at": case.filed_at,
            "deadline": case.deadline,
            "status": case.status.value,
            "party_id": case.party_id,
            "account_id": case.account_id,
            "channel": case.channel,
            "team": case.team,
            "escalation_level": case.escalation_level,
            "answered_at": case.answered_at,
            "closed_at": case.closed_at,
            "parent_kind": None if case.parent_kind is None else case.parent_kind.value,
            "events": [
                {"at": e.at.isoformat(), "action": e.action, "note": e.note, "actor_id": e.actor_id}
                for e in case.events
            ],
            "queue": case.queue,
            "priority": case.priority,
            "routed_by": case.routed_by,
        }

    @staticmethod
    def _row(r: Any) -> engagement.Case:
        filed_at = _utc(r.filed_at)
        deadline = _utc(r.deadline)
        assert filed_at is not None
        assert deadline is not None
        return engagement.Case(
            id=engagement.CaseId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            number=r.number,
            kind=engagement.CaseKind(r.kind),
            subject=r.subject,
            description=r.description,
            filed_at=filed_at,
            deadline=deadline,
            status=engagement.CaseStatus(r.status),
            party_id=None if r.party_id is None else ids.PartyId(r.party_id),
            account_id=None if r.account_id is None else ids.AccountId(r.account_id),
            channel=r.channel,
            team=r.team,
            escalation_level=r.escalation_level,
            answered_at=_utc(r.answered_at),
            closed_at=_utc(r.closed_at),
            parent_kind=None if r.parent_kind is None else engagement.CaseKind(r.parent_kind),
            events=tuple(
                engagement.CaseEvent(
                    at=datetime.fromisoformat(e["at"]),
                    action=e["action"],
                    note=e["note"],
                    actor_id=e["actor_id"],
                )
                for e in r.events
            ),
            queue=r.queue,
            priority=r.priority,
            routed_by=r.routed_by,
        )

    def add(self, case: engagement.Case) -> None:
        self._c.execute(t.cases.insert().values(**self._values(case)))

    def update(self, case: engagement.Case) -> None:
        self._c.execute(
            t.cases.update()
            .where(t.cases.c.id == case.id, t.cases.c.tenant_id == case.tenant_id)
            .values(**self._values(case))
        )

    def get(self, tenant_id: ids.TenantId, case_id: engagement.CaseId) -> engagement.Case | None:
        row = self._c.execute(
            t.cases.select().where(t.cases.c.id == case_id, t.cases.c.tenant_id == tenant_id)
        ).first()
        return None if row is None else self._row(row)

    def for_party(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[engagement.Case]:
        rows = self._c.execute(
            t.cases.select()
            .where(t.cases.c.tenant_id == tenant_id, t.cases.c.party_id == party_id)
            .order_by(t.cases.c.filed_at)
        )
        return [self._row(r) for r in rows]

    def awaiting_answer(self, tenant_id: ids.TenantId) -> Sequence[engagement.Case]:
        waiting = [
            s.value
            for s in engagement.CaseStatus
            if s not in (engagement.CaseStatus.ANSWERED, engagement.CaseStatus.CLOSED)
        ]
        rows = self._c.execute(
            t.cases.select()
            .where(t.cases.c.tenant_id == tenant_id, t.cases.c.status.in_(waiting))
            .order_by(t.cases.c.deadline)
        )
        return [self._row(r) for r in rows]

    def next_sequence(self, tenant_id: ids.TenantId, year: int) -> int:
        count = self._c.execute(
            sa.select(sa.func.count()).where(
                t.cases.c.tenant_id == tenant_id, t.cases.c.number.like(f"PQR-{year}-%")
            )
        ).scalar_one()
        return int(count) + 1


class InteractionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _values(i: engagement.Interaction) -> dict[str, Any]:
        return {
            "id": i.id,
            "tenant_id": i.tenant_id,
            "channel": i.channel.value,
            "direction": i.direction.value,
            "at": i.at,
            "summary": i.summary,
            "raw": _raw(i.raw),
            "sender": i.sender,
            "party_id": i.party_id,
            "account_id": i.account_id,
            "matched_by": None if i.matched_by is None else i.matched_by.value,
            "provider_id": i.provider_id,
            "case_id": i.case_id,
        }

    @staticmethod
    def _row(r: Any) -> engagement.Interaction:
        at = _utc(r.at)
        assert at is not None
        return engagement.Interaction(
            id=engagement.InteractionId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            channel=engagement.InteractionChannel(r.channel),
            direction=engagement.Direction(r.direction),
            at=at,
            summary=r.summary,
            raw=_from_raw(r.raw),
            sender=r.sender,
            party_id=None if r.party_id is None else ids.PartyId(r.party_id),
            account_id=None if r.account_id is None else ids.AccountId(r.account_id),
            matched_by=None if r.matched_by is None else engagement.MatchKey(r.matched_by),
            provider_id=r.provider_id,
            case_id=r.case_id,
        )

    def add(self, interaction: engagement.Interaction) -> None:
        self._c.execute(t.interactions.insert().values(**self._values(interaction)))

    def update(self, interaction: engagement.Interaction) -> None:
        self._c.execute(
            t.interactions.update()
            .where(
                t.interactions.c.id == interaction.id,
                t.interactions.c.tenant_id == interaction.tenant_id,
            )
            .values(**self._values(interaction))
        )

    def _one(self, *where: sa.ColumnElement[bool]) -> engagement.Interaction | None:
        row = self._c.execute(t.interactions.select().where(*where)).first()
        return None if row is None else self._row(row)

    def get(
        self, tenant_id: ids.TenantId, interaction_id: engagement.InteractionId
    ) -> engagement.Interaction | None:
        i = t.interactions.c
        return self._one(i.tenant_id == tenant_id, i.id == interaction_id)

    def by_provider_id(
        self, tenant_id: ids.TenantId, channel: engagement.InteractionChannel, provider_id: str
    ) -> engagement.Interaction | None:
        i = t.interactions.c
        return self._one(
            i.tenant_id == tenant_id, i.channel == channel.value, i.provider_id == provider_id
        )

    def _many(self, *where: sa.ColumnElement[bool]) -> list[engagement.Interaction]:
        rows = self._c.execute(t.interactions.select().where(*where).order_by(t.interactions.c.at))
        return [self._row(r) for r in rows]

    def for_party(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[engagement.Interaction]:
        i = t.interactions.c
        return self._many(i.tenant_id == tenant_id, i.party_id == party_id)

    def unmatched(self, tenant_id: ids.TenantId) -> Sequence[engagement.Interaction]:
        i = t.interactions.c
        return self._many(i.tenant_id == tenant_id, i.party_id.is_(None))

    def inbound_after(
        self, tenant_id: ids.TenantId, after: str, limit: int
    ) -> Sequence[engagement.Interaction]:
        i = t.interactions.c
        rows = self._c.execute(
            t.interactions.select()
            .where(i.tenant_id == tenant_id, i.id > after, i.direction == "INBOUND")
            .order_by(i.id)
            .limit(limit)
        )
        return [self._row(r) for r in rows]

    def last_id(self, tenant_id: ids.TenantId) -> str:
        i = t.interactions.c
        found = self._c.execute(
            sa.select(sa.func.max(i.id)).where(i.tenant_id == tenant_id)
        ).scalar_one()
        return str(found or "")


class RejectedPayloadRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, rejected: ports.RejectedPayload) -> None:
        self._c.execute(
            t.rejected_payloads.insert().values(
                id=rejected.id,
                tenant_id=rejected.tenant_id,
                channel=rejected.channel.value,
                received_at=rejected.received_at,
                raw=_raw(rejected.raw),
                error_code=rejected.error_code,
                error=rejected.error,
            )
        )

    def list(self, tenant_id: ids.TenantId) -> Sequence[ports.RejectedPayload]:
        return self._rows(sa.true(), tenant_id)

    def _rows(
        self, condition: sa.ColumnElement[bool], tenant_id: ids.TenantId
    ) -> Sequence[ports.RejectedPayload]:
        c = t.rejected_payloads.c
        rows = self._c.execute(
            t.rejected_payloads.select()
            .where(c.tenant_id == tenant_id, condition)
            .order_by(c.received_at, c.id)
        )
        result = []
        for r in rows:
            raw = _from_raw(r.raw)
            received_at = _utc(r.received_at)
            assert raw is not None
            assert received_at is not None
            result.append(
                ports.RejectedPayload(
                    id=r.id,
                    tenant_id=ids.TenantId(r.tenant_id),
                    channel=engagement.InteractionChannel(r.channel),
                    received_at=received_at,
                    raw=raw,
                    error_code=r.error_code,
                    error=r.error,
                    reviewed_at=_utc(r.reviewed_at),
                    reviewed_by=r.reviewed_by,
                )
            )
        return result

    def get(self, tenant_id: ids.TenantId, payload_id: str) -> ports.RejectedPayload | None:
        found = self._rows(t.rejected_payloads.c.id == payload_id, tenant_id)
        return found[0] if found else None

    def mark_reviewed(self, rejected: ports.RejectedPayload) -> None:
        c = t.rejected_payloads.c
        self._c.execute(
            t.rejected_payloads.update()
            .where(c.tenant_id == rejected.tenant_id, c.id == rejected.id)
            .values(reviewed_at=rejected.reviewed_at, reviewed_by=rejected.reviewed_by)
        )
