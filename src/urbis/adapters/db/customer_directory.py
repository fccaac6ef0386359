"""Engagement's customer directory, answered from the foundation's customers and accounts."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.adapters.db.repositories import PartyRepository
from urbis.domain import customers, engagement
from urbis.kernel import ids


class DbCustomerDirectory:
    """
    Who a phone, an email, an account number or a document belongs to. A party with several
    accounts is one match per account; a party without accounts is one match without account.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _matches(
        self, key: engagement.MatchKey, parties: sa.Select[tuple[str]]
    ) -> list[engagement.Match]:
        query = (
            sa.select(t.parties.c.id, t.accounts.c.id)
            .outerjoin(t.accounts, t.accounts.c.holder_id == t.parties.c.id)
            .where(t.parties.c.id.in_(parties))
            .order_by(t.parties.c.id, t.accounts.c.number)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            engagement.Match(
                party_id=ids.PartyId(party_id),
                account_id=None if account_id is None else ids.AccountId(account_id),
                key=key,
            )
            for party_id, account_id in rows
        ]

    def _by_contact(
        self, tenant_id: ids.TenantId, key: engagement.MatchKey, values: set[str]
    ) -> list[engagement.Match]:
        cp = t.contact_points.c
        holders = sa.select(cp.party_id).where(cp.tenant_id == tenant_id, cp.value.in_(values))
        return self._matches(key, holders)

    def by_phone(self, tenant_id: ids.TenantId, phone: str) -> Sequence[engagement.Match]:
        digits = "".join(c for c in phone if c.isdigit())
        if len(digits) < 7:
            return []
        # stored numbers are E.164 (+57...); callers arrive with or without the country code
        values = {f"+{digits}", digits, f"+57{digits}"}
        return self._by_contact(tenant_id, engagement.MatchKey.PHONE, values)

    def by_email(self, tenant_id: ids.TenantId, email: str) -> Sequence[engagement.Match]:
        return self._by_contact(tenant_id, engagement.MatchKey.EMAIL, {email.strip().lower()})

    def by_account_number(self, tenant_id: ids.TenantId, number: str) -> Sequence[engagement.Match]:
        query = sa.select(t.accounts.c.holder_id, t.accounts.c.id).where(
            t.accounts.c.tenant_id == tenant_id,
            t.accounts.c.number == number.strip().replace(" ", ""),
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        # the account quoted is the one the interaction is about
        return [
            engagement.Match(
                party_id=ids.PartyId(holder_id),
                account_id=ids.AccountId(account_id),
                key=engagement.MatchKey.ACCOUNT_NUMBER,
            )
            for holder_id, account_id in rows
        ]

    def by_document(self, tenant_id: ids.TenantId, number: str) -> Sequence[engagement.Match]:
        compact = number.strip().upper().replace(".", "").replace(" ", "")
        candidates = {compact}
        if compact.isdigit() and len(compact) >= 2:
            candidates.add(f"{compact[:-1]}-{compact[-1]}")
        holders = sa.select(t.parties.c.id).where(
            t.parties.c.tenant_id == tenant_id, t.parties.c.document_number.in_(candidates)
        )
        return self._matches(engagement.MatchKey.DOCUMENT, holders)

    def party(self, tenant_id: ids.TenantId, party_id: ids.PartyId) -> customers.Party | None:
        with self._engine.connect() as connection:
            return PartyRepository(connection).get(tenant_id, party_id)
