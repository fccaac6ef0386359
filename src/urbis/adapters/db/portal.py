"""The customer portal's repositories over SQLAlchemy Core, bound to one connection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.application import ports as shared_ports
from urbis.application.portal import ports
from urbis.domain import customers, engagement, portal
from urbis.kernel import ids, money
from urbis.kernel.money import Money


def to_minor(amount: Money) -> int:
    """An amount in integer minor units (cents), as the tables keep money."""
    return int(amount.amount.scaleb(money.minor_unit(amount.currency)))


def from_minor(value: int, currency: str) -> Money:
    return Money.of(Decimal(value).scaleb(-money.minor_unit(currency)), currency)


class ChargeRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, charge: portal.Charge) -> None:
        self._c.execute(
            t.card_charges.insert().values(
                id=charge.id,
                tenant_id=charge.tenant_id,
                account_id=charge.account_id,
                party_id=charge.party_id,
                amount_minor=to_minor(charge.amount),
                currency=charge.amount.currency,
                card_last4=charge.card_last4,
                idempotency_key=charge.idempotency_key,
                status=charge.status.value,
                reference=charge.reference,
                decline_code=charge.decline_code,
                at=charge.at,
            )
        )

    @staticmethod
    def _charge(row: sa.Row[tuple[object, ...]]) -> portal.Charge:
        m = row._mapping
        return portal.Charge(
            id=m["id"],
            tenant_id=ids.TenantId(m["tenant_id"]),
            account_id=ids.AccountId(m["account_id"]),
            party_id=ids.PartyId(m["party_id"]),
            amount=from_minor(m["amount_minor"], m["currency"]),
            card_last4=m["card_last4"],
            idempotency_key=m["idempotency_key"],
            status=portal.ChargeStatus(m["status"]),
            reference=m["reference"],
            decline_code=m["decline_code"],
            at=m["at"],
        )

    def by_key(self, tenant_id: ids.TenantId, idempotency_key: str) -> portal.Charge | None:
        c = t.card_charges.c
        row = self._c.execute(
            t.card_charges.select().where(
                c.tenant_id == tenant_id, c.idempotency_key == idempotency_key
            )
        ).first()
        return None if row is None else self._charge(row)

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[portal.Charge]:
        c = t.card_charges.c
        rows = self._c.execute(
            t.card_charges.select()
            .where(c.tenant_id == tenant_id, c.account_id == account_id)
            .order_by(c.at.desc(), c.id.desc())
        )
        return [self._charge(row) for row in rows]


class PhotoRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, photo: ports.ReadingPhoto) -> None:
        self._c.execute(
            t.reading_photos.insert().values(
                id=photo.id,
                tenant_id=photo.tenant_id,
                party_id=photo.party_id,
                meter=photo.meter,
                register=photo.register,
                read_at=photo.read_at,
                content_type=photo.photo.content_type,
                filename=photo.photo.filename[:200],
                size=len(photo.photo.data),
                data=photo.photo.data,
                received_at=photo.received_at,
            )
        )

    def get(self, tenant_id: ids.TenantId, photo_id: str) -> ports.ReadingPhoto | None:
        c = t.reading_photos.c
        rows = self._c.execute(
            t.reading_photos.select().where(c.tenant_id == tenant_id, c.id == photo_id)
        )
        found = self._photos(rows)
        return found[0] if found else None

    def for_meter(self, tenant_id: ids.TenantId, meter: str) -> Sequence[ports.ReadingPhoto]:
        c = t.reading_photos.c
        rows = self._c.execute(
            t.reading_photos.select()
            .where(c.tenant_id == tenant_id, c.meter == meter)
            .order_by(c.read_at)
        )
        return self._photos(rows)

    @staticmethod
    def _photos(rows: sa.CursorResult[Any]) -> list[ports.ReadingPhoto]:
        return [
            ports.ReadingPhoto(
                id=m["id"],
                tenant_id=ids.TenantId(m["tenant_id"]),
                party_id=ids.PartyId(m["party_id"]),
                meter=m["meter"],
                register=m["register"],
                read_at=m["read_at"],
                photo=portal.Photo(
                    content_type=m["content_type"], data=bytes(m["data"]), filename=m["filename"]
                ),
                received_at=m["received_at"],
            )
            for m in (row._mapping for row in rows)
        ]


class PreferenceRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def get(self, tenant_id: ids.TenantId, party_id: ids.PartyId) -> engagement.Preferences | None:
        c = t.notification_preferences.c
        row = self._c.execute(
            t.notification_preferences.select().where(
                c.tenant_id == tenant_id, c.party_id == party_id
            )
        ).first()
        if row is None:
            return None
        return _preferences(row)

    def many(
        self, tenant_id: ids.TenantId, party_ids: Sequence[str]
    ) -> dict[str, engagement.Preferences]:
        """The preferences of several customers at once (those who saved none are left out)."""
        c = t.notification_preferences.c
        rows = self._c.execute(
            t.notification_preferences.select().where(
                c.tenant_id == tenant_id, c.party_id.in_(list(party_ids))
            )
        )
        return {row.party_id: _preferences(row) for row in rows}

    def save(
        self,
        tenant_id: ids.TenantId,
        party_id: ids.PartyId,
        preferences: engagement.Preferences,
        at: datetime,
    ) -> None:
        c = t.notification_preferences.c
        values = {
            "language": preferences.language,
            "channels": ",".join(ch.value for ch in preferences.channels),
            "muted": ",".join(sorted(k.value for k in preferences.muted)),
            "updated_at": at,
        }
        updated = self._c.execute(
            t.notification_preferences.update()
            .where(c.tenant_id == tenant_id, c.party_id == party_id)
            .values(**values)
        )
        if updated.rowcount == 0:
            self._c.execute(
                t.notification_preferences.insert().values(
                    tenant_id=tenant_id, party_id=party_id, **values
                )
            )


class NoBills:
    """Bills to show before the billing context keeps any: none (the page says so)."""

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[dict[str, object]]:
        return ()


class PaymentHandoff:
    """
    ``record_payment`` until the payments context lands: each approved charge is kept once (by
    its idempotency key) in ``portal_payments`` for that context to post.
    """

    def __init__(
        self,
        connection: sa.Connection,
        *,
        tenant_id: ids.TenantId,
        clock: shared_ports.Clock,
        id_generator: shared_ports.IdGenerator,
    ) -> None:
        self._c = connection
        self._tenant = tenant_id
        self._clock = clock
        self._ids = id_generator

    def __call__(
        self, account_id: ids.AccountId, amount: Money, reference: str, idempotency_key: str
    ) -> None:
        c = t.portal_payments.c
        exists = self._c.execute(
            sa.select(c.id).where(c.tenant_id == self._tenant, c.idempotency_key == idempotency_key)
        ).first()
        if exists is not None:
            return
        self._c.execute(
            t.portal_payments.insert().values(
                id=self._ids.new_id(),
                tenant_id=self._tenant,
                account_id=account_id,
                amount_minor=to_minor(amount),
                currency=amount.currency,
                reference=reference,
                idempotency_key=idempotency_key,
                recorded_at=self._clock.now(),
            )
        )


def _preferences(row: Any) -> engagement.Preferences:
    m = row._mapping
    return engagement.Preferences(
        language=m["language"],
        channels=tuple(customers.Channel(v) for v in m["channels"].split(",") if v),
        muted=frozenset(engagement.NotificationKind(v) for v in m["muted"].split(",") if v),
    )
