"""In-memory fakes of the engagement ports."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

import attrs

from urbis.application.engagement import ports
from urbis.domain import customers, engagement
from urbis.kernel import ids

TENANT = ids.TenantId("tenant-1")


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


class FakeIds:
    def __init__(self) -> None:
        self._n = itertools.count(1)

    def new_id(self) -> str:
        return f"id-{next(self._n):04d}"


@attrs.define
class Customer:
    party: customers.Party
    accounts: tuple[str, ...] = ()


class FakeDirectory:
    def __init__(self, *people: Customer) -> None:
        self.people = list(people)

    def _matches(
        self, key: engagement.MatchKey, wanted: str, pick: str
    ) -> Sequence[engagement.Match]:
        found = []
        for c in self.people:
            if pick == "contact":
                hit = any(p.value == wanted for p in c.party.contacts)
            elif pick == "document":
                hit = c.party.document.number == wanted
            else:
                hit = wanted in c.accounts
            if hit:
                account = ids.AccountId(wanted) if pick == "account" else None
                found.append(engagement.Match(party_id=c.party.id, account_id=account, key=key))
        return found

    def by_phone(self, tenant_id: ids.TenantId, phone: str) -> Sequence[engagement.Match]:
        return self._matches(engagement.MatchKey.PHONE, phone, "contact")

    def by_email(self, tenant_id: ids.TenantId, email: str) -> Sequence[engagement.Match]:
        return self._matches(engagement.MatchKey.EMAIL, email, "contact")

    def by_account_number(self, tenant_id: ids.TenantId, number: str) -> Sequence[engagement.Match]:
        return self._matches(engagement.MatchKey.ACCOUNT_NUMBER, number, "account")

    def by_document(self, tenant_id: ids.TenantId, number: str) -> Sequence[engagement.Match]:
        return self._matches(engagement.MatchKey.DOCUMENT, number, "document")

    def party(self, tenant_id: ids.TenantId, party_id: ids.PartyId) -> customers.Party | None:
        return next((c.party for c in self.people if c.party.id == party_id), None)


class FakeInteractions:
    def __init__(self) -> None:
        self.rows: dict[str, engagement.Interaction] = {}

    def add(self, interaction: engagement.Interaction) -> None:
        assert interaction.id not in self.rows
        self.rows[interaction.id] = interaction

    def update(self, interaction: engagement.Interaction) -> None:
        self.rows[interaction.id] = interaction

    def get(
        self, tenant_id: ids.TenantId, interaction_id: engagement.InteractionId
    ) -> engagement.Interaction | None:
        return self.rows.get(interaction_id)

    def by_provider_id(
        self, tenant_id: ids.TenantId, channel: engagement.InteractionChannel, provider_id: str
    ) -> engagement.Interaction | None:
        return next(
            (i for i in self.rows.values() if (i.channel, i.provider_id) == (channel, provider_id)),
            None,
        )

    def for_party(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[engagement.Interaction]:
        return [i for i in self.rows.values() if i.party_id == party_id]

    def unmatched(self, tenant_id: ids.TenantId) -> Sequence[engagement.Interaction]:
        return [i for i in self.rows.values() if not i.is_matched]

    def inbound_after(
        self, tenant_id: ids.TenantId, after: str, limit: int
    ) -> Sequence[engagement.Interaction]:
        later = sorted(
            (
                i
                for i in self.rows.values()
                if i.id > after and i.direction is engagement.Direction.INBOUND
            ),
            key=lambda i: i.id,
        )
        return later[:limit]

    def last_id(self, tenant_id: ids.TenantId) -> str:
        return max(self.rows, default="")


class FakeCases:
    def __init__(self) -> None:
        self.rows: dict[str, engagement.Case] = {}
        self.sequences: dict[int, int] = {}

    def add(self, case: engagement.Case) -> None:
        self.rows[case.id] = case

    def update(self, case: engagement.Case) -> None:
        self.rows[case.id] = case

    def get(self, tenant_id: ids.TenantId, case_id: engagement.CaseId) -> engagement.Case | None:
        return self.rows.get(case_id)

    def for_party(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[engagement.Case]:
        return [c for c in self.rows.values() if c.party_id == party_id]

    def awaiting_answer(self, tenant_id: ids.TenantId) -> Sequence[engagement.Case]:
        waiting = (engagement.CaseStatus.OPEN, engagement.CaseStatus.IN_PROGRESS)
        return [c for c in self.rows.values() if c.status in waiting]

    def next_sequence(self, tenant_id: ids.TenantId, year: int) -> int:
        self.sequences[year] = self.sequences.get(year, 0) + 1
        return self.sequences[year]


class FakeRejected:
    def __init__(self) -> None:
        self.rows: list[ports.RejectedPayload] = []

    def add(self, rejected: ports.RejectedPayload) -> None:
        self.rows.append(rejected)

    def list(self, tenant_id: ids.TenantId) -> Sequence[ports.RejectedPayload]:
        return [r for r in self.rows if r.tenant_id == tenant_id]

    def get(self, tenant_id: ids.TenantId, payload_id: str) -> ports.RejectedPayload | None:
        return next((r for r in self.list(tenant_id) if r.id == payload_id), None)

    def mark_reviewed(self, rejected: ports.RejectedPayload) -> None:
        self.rows = [rejected if r.id == rejected.id else r for r in self.rows]


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: dict[str, engagement.OutboxMessage] = {}

    def add(self, message: engagement.OutboxMessage) -> None:
        self.rows[message.id] = message

    def update(self, message: engagement.OutboxMessage) -> None:
        self.rows[message.id] = message

    def due(self, as_at: datetime, limit: int) -> Sequence[engagement.OutboxMessage]:
        pending = [
            m
            for m in self.rows.values()
            if m.status is engagement.OutboxStatus.PENDING and m.next_attempt_at <= as_at
        ]
        return sorted(pending, key=lambda m: m.next_attempt_at)[:limit]

    def by_dedupe_key(self, key: str) -> engagement.OutboxMessage | None:
        return next((m for m in self.rows.values() if m.dedupe_key == key), None)


class FakeSuppressions:
    def __init__(self) -> None:
        self.rows: list[engagement.Suppressed] = []

    def record(self, suppression: engagement.Suppressed) -> None:
        self.rows.append(suppression)


def person(
    party_id: str,
    *,
    name: str = "Ana María Restrepo",
    document: str = "1020304050",
    email: str | None = "ana@example.co",
    mobile: str | None = "+573001234567",
    consents: tuple[customers.Channel, ...] = (),
) -> customers.Party:
    contacts = []
    if email:
        contacts.append(customers.ContactPoint.parse(kind=customers.ContactKind.EMAIL, value=email))
    if mobile:
        contacts.append(
            customers.ContactPoint.parse(kind=customers.ContactKind.MOBILE, value=mobile)
        )
    return customers.new_party(
        party_id=ids.PartyId(party_id),
        tenant_id=TENANT,
        kind=customers.PartyKind.PERSON,
        name=name,
        document=customers.IdentityDocument.parse(
            type=customers.DocumentType.CC, number=document, country="CO"
        ),
        contacts=tuple(contacts),
        consents=tuple(
            customers.Consent(
                channel=c,
                purpose=customers.ConsentPurpose.SERVICE,
                granted=True,
                recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
                source="portal",
            )
            for c in consents
        ),
    )
