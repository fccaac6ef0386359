"""The notices a bill run or a collections run calls for, read from their stored results."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from urbis.adapters.db import tables
from urbis.application.portal.notices import Notice
from urbis.domain import engagement
from urbis.kernel import ids
from urbis.kernel.money import Money, minor_unit

_REMINDERS = ("REMINDER", "NOTICE")
_SUSPENSION = "SUSPENSION_NOTICE"


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
