"""The notices a bill run or a collections run calls for, read from their stored results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from urbis.adapters.db import tables
from urbis.adapters.db.portal import PreferenceRepository
from urbis.adapters.db.repositories import PartyRepository
from urbis.application.engagement import ports as engagement_ports
from urbis.application.portal.notices import Notice
from urbis.domain import customers, engagement
from urbis.kernel import ids
from urbis.kernel.money import Money, minor_unit

_REMINDERS = ("REMINDER", "NOTICE")
_SUSPENSION = "SUSPENSION_NOTICE"
_IN_LIST = 500  # ids per IN (...) list


class DbNoticeSource:
    """Notices from the bills and collections steps stored in the database."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def bills_issued(self, tenant_id: ids.TenantId, run_id: str) -> list[Notice]:
        b, a = tables.bills, tables.accounts
        rows = self._connection.execute(
            sa.select(b.c.id, b.c.total, b.c.currency, b.c.due_date, a.c.number, a.c.holder_id)
            .join(a, a.c.id == b.c.account_id)
            .where(b.c.tenant_id == tenant_id, b.c.run_id == run_id, b.c.status == "ISSUED")
            .order_by(b.c.id)
        )
        return [
            Notice(
                party_id=ids.PartyId(row.holder_id),
                kind=engagement.NotificationKind.BILL_READY,
                values={
                    "bill_number": row.id,
                    "account_number": row.number,
                    "amount": Money(
                        Decimal(int(row.total)).scaleb(-minor_unit(row.currency)), row.currency
                    ),
                    "due_date": row.due_date,
                },
                key=f"bill:{row.id}",
            )
            for row in rows
        ]

    def collection_notices(
        self, tenant_id: ids.TenantId, run_id: str, notice_days: int
    ) -> list[Notice]:
        s, a, t = tables.collection_steps, tables.accounts, tables.tenants
        rows = self._connection.execute(
            sa.select(
                s.c.id,
                s.c.kind,
                s.c.as_of,
                s.c.days_overdue,
                s.c.amount_overdue,
                a.c.number,
                a.c.holder_id,
                t.c.currency,
            )
            .join(a, a.c.id == s.c.account_id)
            .join(t, t.c.id == s.c.tenant_id)
            .where(
                s.c.tenant_id == tenant_id,
                s.c.run_id == run_id,
                s.c.kind.in_((*_REMINDERS, _SUSPENSION)),
            )
            .order_by(s.c.id)
        )
        notices = []
        for row in rows:
            values = {
                "account_number": row.number,
                "amount": Money(Decimal(row.amount_overdue), row.currency),
                "days_overdue": row.days_overdue,
            }
            if row.kind == _SUSPENSION:
                kind = engagement.NotificationKind.SUSPENSION_NOTICE
                values["suspension_date"] = row.as_of + timedelta(days=notice_days)
            else:
                kind = engagement.NotificationKind.PAYMENT_REMINDER
            notices.append(
                Notice(
                    party_id=ids.PartyId(row.holder_id),
                    kind=kind,
                    values=values,
                    key=f"collections:{row.id}",
                )
            )
        return notices

    def payments_received(
        self,
        tenant_id: ids.TenantId,
        *,
        payment_ids: Sequence[str] = (),
        file_id: str | None = None,
    ) -> list[Notice]:
        """A PAYMENT_RECEIVED notice per posted payment named, or per payment of a bank file."""
        p, a, t = tables.payments, tables.accounts, tables.tenants
        query = (
            sa.select(
                p.c.id,
                p.c.amount_minor,
                p.c.currency,
                p.c.received_at,
                a.c.number,
                a.c.holder_id,
                t.c.timezone,
            )
            .join(a, a.c.id == p.c.account_id)
            .join(t, t.c.id == p.c.tenant_id)
            .where(p.c.tenant_id == tenant_id, p.c.status == "POSTED")
            .order_by(p.c.id)
        )
        if file_id is not None:
            query = query.where(p.c.file_id == file_id)
        else:
            query = query.where(p.c.id.in_(list(payment_ids)))
        return [
            Notice(
                party_id=ids.PartyId(row.holder_id),
                kind=engagement.NotificationKind.PAYMENT_RECEIVED,
                values={
                    "amount": Money(
                        Decimal(int(row.amount_minor)).scaleb(-minor_unit(row.currency)),
                        row.currency,
                    ),
                    "account_number": row.number,
                    "paid_on": row.received_at.astimezone(ZoneInfo(row.timezone)).date(),
                },
                key=f"payment:{row.id}",
            )
            for row in self._connection.execute(query)
        ]

    def outage_customers(
        self,
        tenant_id: ids.TenantId,
        *,
        service: str,
        on: date,
        cities: Sequence[str] = (),
        premise_ids: Sequence[str] = (),
        service_point_ids: Sequence[str] = (),
    ) -> list[ids.PartyId]:
        """
        The holders of the accounts with an agreement in force on ``on`` for ``service`` at
        the service points named, the premises named, or the premises in the cities named.
        """
        g, sp, pr, a = tables.agreements, tables.service_points, tables.premises, tables.accounts
        where = []
        if cities:
            wanted = sorted({c.strip().casefold() for c in cities})
            where.append(sa.func.lower(pr.c.city).in_(wanted))
        if premise_ids:
            where.append(pr.c.id.in_(list(premise_ids)))
        if service_point_ids:
            where.append(sp.c.id.in_(list(service_point_ids)))
        if not where:
            return []
        rows = self._connection.execute(
            sa.select(a.c.holder_id)
            .distinct()
            .select_from(g)
            .join(sp, sp.c.id == g.c.service_point_id)
            .join(pr, pr.c.id == sp.c.premise_id)
            .join(a, a.c.id == g.c.account_id)
            .where(
                g.c.tenant_id == tenant_id,
                sp.c.service == service,
                g.c.active_from <= on,
                sa.or_(g.c.active_to.is_(None), g.c.active_to > on),
                sa.or_(*where),
            )
            .order_by(a.c.holder_id)
        )
        return [ids.PartyId(row.holder_id) for row in rows]


class PrefetchedDirectory:
    """
    The customers of a batch of notices read in one go (party, contacts, consents), answering
    ``party`` from memory and everything else through the directory it wraps.
    """

    def __init__(
        self,
        inner: engagement_ports.CustomerDirectory,
        connection: sa.Connection,
        tenant_id: ids.TenantId,
        party_ids: Sequence[str],
    ) -> None:
        self._inner = inner
        wanted = sorted(set(party_ids))
        self._parties = {
            p.id: p
            for start in range(0, len(wanted), _IN_LIST)
            for p in PartyRepository(connection).many(tenant_id, wanted[start : start + _IN_LIST])
        }

    def party(self, tenant_id: ids.TenantId, party_id: ids.PartyId) -> customers.Party | None:
        found = self._parties.get(party_id)
        if found is not None and found.tenant_id == tenant_id:
            return found
        return self._inner.party(tenant_id, party_id)

    def by_phone(self, tenant_id: ids.TenantId, phone: str) -> Sequence[engagement.Match]:
        return self._inner.by_phone(tenant_id, phone)

    def by_email(self, tenant_id: ids.TenantId, email: str) -> Sequence[engagement.Match]:
        return self._inner.by_email(tenant_id, email)

    def by_account_number(self, tenant_id: ids.TenantId, number: str) -> Sequence[engagement.Match]:
        return self._inner.by_account_number(tenant_id, number)

    def by_document(self, tenant_id: ids.TenantId, number: str) -> Sequence[engagement.Match]:
        return self._inner.by_document(tenant_id, number)


class PrefetchedPreferences:
    """The notification preferences of a batch of customers read in one go."""

    def __init__(
        self,
        inner: PreferenceRepository,
        tenant_id: ids.TenantId,
        party_ids: Sequence[str],
    ) -> None:
        self._inner = inner
        self._tenant_id = tenant_id
        wanted = sorted(set(party_ids))
        self._known: dict[str, engagement.Preferences] = {}
        for start in range(0, len(wanted), _IN_LIST):
            self._known.update(inner.many(tenant_id, wanted[start : start + _IN_LIST]))
        self._asked = frozenset(wanted)

    def get(self, tenant_id: ids.TenantId, party_id: ids.PartyId) -> engagement.Preferences | None:
        if tenant_id == self._tenant_id and party_id in self._asked:
            return self._known.get(party_id)
        return self._inner.get(tenant_id, party_id)

    def save(
        self,
        tenant_id: ids.TenantId,
        party_id: ids.PartyId,
        preferences: engagement.Preferences,
        at: datetime,
    ) -> None:
        self._known.pop(party_id, None)
        self._asked = self._asked - {party_id}
        self._inner.save(tenant_id, party_id, preferences, at)
