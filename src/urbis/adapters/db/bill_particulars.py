"""What a printed bill says of its account: holder, premises and installed meter (one query)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.application.billing.printing import BillParticulars
from urbis.kernel import ids


class DbBillParticulars:
    """Reads an agreement's account, holder, premises and meter installed in a period."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def particulars(
        self, *, tenant_id: ids.TenantId, agreement_id: str, period_start: date
    ) -> BillParticulars | None:
        a, g, sp, p, pa, mi, m = (
            t.accounts.c,
            t.agreements.c,
            t.service_points.c,
            t.premises.c,
            t.parties.c,
            t.meter_installations.c,
            t.meters.c,
        )
        joined = (
            t.agreements.join(t.accounts, a.id == g.account_id)
            .join(t.parties, pa.id == a.holder_id)
            .join(t.service_points, sp.id == g.service_point_id)
            .join(t.premises, p.id == sp.premise_id)
            .outerjoin(
                t.meter_installations,
                sa.and_(
                    mi.service_point_id == sp.id,
                    mi.installed_from <= period_start,
                    sa.or_(mi.installed_to.is_(None), mi.installed_to > period_start),
                ),
            )
            .outerjoin(t.meters, m.id == mi.meter_id)
        )
        query = (
            sa.select(
                a.number,
                a.holder_id,
                a.billing_cycle,
                a.language,
                pa.name,
                pa.document_type,
                pa.document_number,
                p.address,
                p.city,
                p.department,
                p.stratum,
                p.use_class,
                m.serial,
            )
            .select_from(joined)
            .where(g.id == agreement_id, g.tenant_id == tenant_id)
            .limit(1)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        return BillParticulars(
            account_number=str(row.number),
            holder_party_id=str(row.holder_id),
            holder_name=str(row.name),
            holder_document=f"{row.document_type} {row.document_number}",
            address=f"{row.address}, {row.city}, {row.department}",
            stratum=None if row.stratum is None else int(row.stratum),
            use_class=str(row.use_class),
            meter_serial=None if row.serial is None else str(row.serial),
            billing_cycle=str(row.billing_cycle),
            language=str(row.language),
        )
