"""Repositories over SQLAlchemy Core: rows in, domain objects out, every query tenant-scoped."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.application import ports
from urbis.domain import accounts, customers, identity, premises
from urbis.kernel import ids
from urbis.kernel.periods import Period


def searchable(text: str) -> str:
    """Lowercase without accents, single-spaced: what search columns hold and match."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


_ACCENTED = ("á", "é", "í", "ó", "ú", "ü", "ñ", "à", "è", "ì", "ò", "ù", "ç")
_PLAIN = ("a", "e", "i", "o", "u", "u", "n", "a", "e", "i", "o", "u", "c")


def searchable_column(values: pl.Series) -> pl.Series:
    """``searchable`` for a whole column at once (Spanish accented letters), for bulk loads."""
    return (
        values.str.to_lowercase()
        .str.replace_many(list(_ACCENTED), list(_PLAIN))
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A search lists at most this many accounts; an agent narrows the search beyond that.
SEARCH_CAP = 1_000


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class TenantRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _row(row: Any) -> identity.Tenant:
        return identity.Tenant(
            id=ids.TenantId(row.id),
            code=row.code,
            name=row.name,
            nit=row.nit,
            country=row.country,
            currency=row.currency,
            timezone=row.timezone,
        )

    def add(self, tenant: identity.Tenant) -> None:
        self._c.execute(
            t.tenants.insert().values(
                id=tenant.id,
                code=tenant.code,
                name=tenant.name,
                nit=tenant.nit,
                country=tenant.country,
                currency=tenant.currency,
                timezone=tenant.timezone,
            )
        )

    def get(self, tenant_id: ids.TenantId) -> identity.Tenant | None:
        row = self._c.execute(t.tenants.select().where(t.tenants.c.id == tenant_id)).first()
        return None if row is None else self._row(row)

    def by_code(self, code: str) -> identity.Tenant | None:
        row = self._c.execute(t.tenants.select().where(t.tenants.c.code == code)).first()
        return None if row is None else self._row(row)

    def list(self) -> Sequence[identity.Tenant]:
        rows = self._c.execute(t.tenants.select().order_by(t.tenants.c.code))
        return [self._row(r) for r in rows]


class UserRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _row(row: Any) -> identity.User:
        return identity.User(
            id=ids.UserId(row.id),
            tenant_id=ids.TenantId(row.tenant_id),
            username=row.username,
            display_name=row.display_name,
            roles=frozenset(identity.Role(r) for r in row.roles.split(",") if r),
            password_hash=row.password_hash,
            party_id=None if row.party_id is None else ids.PartyId(row.party_id),
            active=bool(row.active),
        )

    @staticmethod
    def _values(user: identity.User) -> dict[str, Any]:
        return {
            "id": user.id,
            "tenant_id": user.tenant_id,
            "username": user.username,
            "display_name": user.display_name,
            "roles": ",".join(sorted(r.value for r in user.roles)),
            "password_hash": user.password_hash,
            "party_id": user.party_id,
            "active": user.active,
        }

    def add(self, user: identity.User) -> None:
        self._c.execute(t.users.insert().values(**self._values(user)))

    def update(self, user: identity.User) -> None:
        self._c.execute(
            t.users.update().where(t.users.c.id == user.id).values(**self._values(user))
        )

    def get(self, user_id: ids.UserId) -> identity.User | None:
        row = self._c.execute(t.users.select().where(t.users.c.id == user_id)).first()
        return None if row is None else self._row(row)

    def by_username(self, tenant_id: ids.TenantId, username: str) -> identity.User | None:
        row = self._c.execute(
            t.users.select().where(t.users.c.tenant_id == tenant_id, t.users.c.username == username)
        ).first()
        return None if row is None else self._row(row)


def party_values(party: customers.Party) -> dict[str, Any]:
    return {
        "id": party.id,
        "tenant_id": party.tenant_id,
        "kind": party.kind.value,
        "name": party.name,
        "name_search": searchable(party.name),
        "document_type": party.document.type.value,
        "document_number": party.document.number,
        "document_country": party.document.country,
    }


def contact_values(party: customers.Party) -> list[dict[str, Any]]:
    return [
        {
            "tenant_id": party.tenant_id,
            "party_id": party.id,
            "position": i,
            "kind": c.kind.value,
            "value": c.value,
            "preferred": c.preferred,
        }
        for i, c in enumerate(party.contacts)
    ]


class PartyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def _load(self, rows: Sequence[Any]) -> list[customers.Party]:
        if not rows:
            return []
        party_ids = [r.id for r in rows]
        contacts: dict[str, list[customers.ContactPoint]] = {i: [] for i in party_ids}
        for c in self._c.execute(
            t.contact_points.select()
            .where(t.contact_points.c.party_id.in_(party_ids))
            .order_by(t.contact_points.c.party_id, t.contact_points.c.position)
        ):
            contacts[c.party_id].append(
                customers.ContactPoint(
                    kind=customers.ContactKind(c.kind), value=c.value, preferred=bool(c.preferred)
                )
            )
        consents: dict[str, list[customers.Consent]] = {i: [] for i in party_ids}
        for c in self._c.execute(
            t.consents.select()
            .where(t.consents.c.party_id.in_(party_ids))
            .order_by(t.consents.c.party_id, t.consents.c.id)
        ):
            consents[c.party_id].append(
                customers.Consent(
                    channel=customers.Channel(c.channel),
                    purpose=customers.ConsentPurpose(c.purpose),
                    granted=bool(c.granted),
                    recorded_at=_utc(c.recorded_at),
                    source=c.source,
                )
            )
        return [
            customers.Party(
                id=ids.PartyId(r.id),
                tenant_id=ids.TenantId(r.tenant_id),
                kind=customers.PartyKind(r.kind),
                name=r.name,
                document=customers.IdentityDocument(
                    type=customers.DocumentType(r.document_type),
                    number=r.document_number,
                    country=r.document_country,
                ),
                contacts=tuple(contacts[r.id]),
                consents=tuple(consents[r.id]),
            )
            for r in rows
        ]

    def _write_children(self, party: customers.Party, *, known_consents: int) -> None:
        self._c.execute(t.contact_points.delete().where(t.contact_points.c.party_id == party.id))
        if party.contacts:
            self._c.execute(t.contact_points.insert(), contact_values(party))
        new_consents = party.consents[known_consents:]
        if new_consents:
            self._c.execute(
                t.consents.insert(),
                [
                    {
                        "tenant_id": party.tenant_id,
                        "party_id": party.id,
                        "channel": c.channel.value,
                        "purpose": c.purpose.value,
                        "granted": c.granted,
                        "recorded_at": c.recorded_at,
                        "source": c.source,
                    }
                    for c in new_consents
                ],
            )

    def add(self, party: customers.Party) -> None:
        self._c.execute(t.parties.insert().values(**party_values(party)))
        self._write_children(party, known_consents=0)

    def update(self, party: customers.Party) -> None:
        self._c.execute(
            t.parties.update()
            .where(t.parties.c.id == party.id, t.parties.c.tenant_id == party.tenant_id)
            .values(**party_values(party))
        )
        known = self._c.execute(
            sa.select(sa.func.count()).where(t.consents.c.party_id == party.id)
        ).scalar_one()
        # Consents are append-only: only decisions beyond the stored ones are inserted.
        self._write_children(party, known_consents=int(known))

    def get(self, tenant_id: ids.TenantId, party_id: ids.PartyId) -> customers.Party | None:
        rows = self._c.execute(
            t.parties.select().where(t.parties.c.id == party_id, t.parties.c.tenant_id == tenant_id)
        ).all()
        loaded = self._load(rows)
        return loaded[0] if loaded else None

    def many(self, tenant_id: ids.TenantId, party_ids: Sequence[str]) -> list[customers.Party]:
        """Several parties at once, with their contacts and consents (unknown ids are left out)."""
        rows = self._c.execute(
            t.parties.select().where(
                t.parties.c.id.in_(list(party_ids)), t.parties.c.tenant_id == tenant_id
            )
        ).all()
        return self._load(rows)

    def by_document(
        self, tenant_id: ids.TenantId, document: customers.IdentityDocument
    ) -> customers.Party | None:
        rows = self._c.execute(
            t.parties.select().where(
                t.parties.c.tenant_id == tenant_id,
                t.parties.c.document_type == document.type.value,
                t.parties.c.document_number == document.number,
                t.parties.c.document_country == document.country,
            )
        ).all()
        loaded = self._load(rows)
        return loaded[0] if loaded else None

    def search(self, tenant_id: ids.TenantId, text: str, limit: int, offset: int) -> ports.Page:
        term = searchable(text)
        condition = sa.or_(
            t.parties.c.document_number == text.strip().upper(),
            sa.and_(*(t.parties.c.name_search.like(_like(w), escape="\\") for w in term.split())),
        )
        where = sa.and_(t.parties.c.tenant_id == tenant_id, condition)
        total = self._c.execute(sa.select(sa.func.count()).where(where)).scalar_one()
        rows = self._c.execute(
            t.parties.select().where(where).order_by(t.parties.c.name).limit(limit).offset(offset)
        ).all()
        return ports.Page(
            items=tuple(self._load(rows)), total=int(total), limit=limit, offset=offset
        )


def premise_values(premise: premises.Premise) -> dict[str, Any]:
    return {
        "id": premise.id,
        "tenant_id": premise.tenant_id,
        "address": premise.address,
        "address_search": searchable(f"{premise.address} {premise.city}"),
        "city": premise.city,
        "department": premise.department,
        "country": premise.country,
        "use_class": premise.use_class.value,
        "stratum": premise.stratum,
        "latitude": premise.latitude,
        "longitude": premise.longitude,
        "altitude_m": premise.altitude_m,
    }


class PremiseRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _row(r: Any) -> premises.Premise:
        return premises.Premise(
            id=ids.PremiseId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            address=r.address,
            city=r.city,
            department=r.department,
            country=r.country,
            use_class=premises.UseClass(r.use_class),
            stratum=r.stratum,
            latitude=r.latitude,
            longitude=r.longitude,
            altitude_m=r.altitude_m,
        )

    def add(self, premise: premises.Premise) -> None:
        self._c.execute(t.premises.insert().values(**premise_values(premise)))

    def update(self, premise: premises.Premise) -> None:
        self._c.execute(
            t.premises.update()
            .where(t.premises.c.id == premise.id, t.premises.c.tenant_id == premise.tenant_id)
            .values(**premise_values(premise))
        )

    def get(self, tenant_id: ids.TenantId, premise_id: ids.PremiseId) -> premises.Premise | None:
        row = self._c.execute(
            t.premises.select().where(
                t.premises.c.id == premise_id, t.premises.c.tenant_id == tenant_id
            )
        ).first()
        return None if row is None else self._row(row)

    def search(self, tenant_id: ids.TenantId, text: str, limit: int, offset: int) -> ports.Page:
        words = searchable(text).split()
        where = sa.and_(
            t.premises.c.tenant_id == tenant_id,
            *(t.premises.c.address_search.like(_like(w), escape="\\") for w in words),
        )
        total = self._c.execute(sa.select(sa.func.count()).where(where)).scalar_one()
        rows = self._c.execute(
            t.premises.select()
            .where(where)
            .order_by(t.premises.c.address)
            .limit(limit)
            .offset(offset)
        ).all()
        return ports.Page(
            items=tuple(self._row(r) for r in rows), total=int(total), limit=limit, offset=offset
        )


class ServicePointRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _row(r: Any) -> premises.ServicePoint:
        return premises.ServicePoint(
            id=ids.ServicePointId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            premise_id=ids.PremiseId(r.premise_id),
            service=premises.Service(r.service),
        )

    def add(self, point: premises.ServicePoint) -> None:
        self._c.execute(
            t.service_points.insert().values(
                id=point.id,
                tenant_id=point.tenant_id,
                premise_id=point.premise_id,
                service=point.service.value,
            )
        )

    def get(
        self, tenant_id: ids.TenantId, point_id: ids.ServicePointId
    ) -> premises.ServicePoint | None:
        row = self._c.execute(
            t.service_points.select().where(
                t.service_points.c.id == point_id, t.service_points.c.tenant_id == tenant_id
            )
        ).first()
        return None if row is None else self._row(row)

    def for_premise(
        self, tenant_id: ids.TenantId, premise_id: ids.PremiseId
    ) -> Sequence[premises.ServicePoint]:
        rows = self._c.execute(
            t.service_points.select()
            .where(
                t.service_points.c.premise_id == premise_id,
                t.service_points.c.tenant_id == tenant_id,
            )
            .order_by(t.service_points.c.service)
        )
        return [self._row(r) for r in rows]


class MeterRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _row(r: Any) -> premises.Meter:
        return premises.Meter(
            id=ids.MeterId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            serial=r.serial,
            service=premises.Service(r.service),
            kind=premises.MeterKind(r.kind),
            multiplier=r.multiplier,
            dials=r.dials,
        )

    @staticmethod
    def _installation(r: Any) -> premises.MeterInstallation:
        return premises.MeterInstallation(
            meter_id=ids.MeterId(r.meter_id),
            service_point_id=ids.ServicePointId(r.service_point_id),
            installed=Period(r.installed_from, r.installed_to),
        )

    def _values(self, meter: premises.Meter) -> dict[str, Any]:
        return {
            "id": meter.id,
            "tenant_id": meter.tenant_id,
            "serial": meter.serial,
            "service": meter.service.value,
            "kind": meter.kind.value,
            "multiplier": meter.multiplier,
            "dials": meter.dials,
        }

    def add(self, meter: premises.Meter) -> None:
        self._c.execute(t.meters.insert().values(**self._values(meter)))

    def update(self, meter: premises.Meter) -> None:
        self._c.execute(
            t.meters.update()
            .where(t.meters.c.id == meter.id, t.meters.c.tenant_id == meter.tenant_id)
            .values(**self._values(meter))
        )

    def get(self, tenant_id: ids.TenantId, meter_id: ids.MeterId) -> premises.Meter | None:
        row = self._c.execute(
            t.meters.select().where(t.meters.c.id == meter_id, t.meters.c.tenant_id == tenant_id)
        ).first()
        return None if row is None else self._row(row)

    def by_serial(self, tenant_id: ids.TenantId, serial: str) -> premises.Meter | None:
        row = self._c.execute(
            t.meters.select().where(t.meters.c.serial == serial, t.meters.c.tenant_id == tenant_id)
        ).first()
        return None if row is None else self._row(row)

    def add_installation(
        self, tenant_id: ids.TenantId, installation: premises.MeterInstallation
    ) -> None:
        self._c.execute(
            t.meter_installations.insert().values(
                tenant_id=tenant_id,
                meter_id=installation.meter_id,
                service_point_id=installation.service_point_id,
                installed_from=installation.installed.start,
                installed_to=installation.installed.end,
            )
        )

    def close_installation(
        self, tenant_id: ids.TenantId, installation: premises.MeterInstallation
    ) -> None:
        mi = t.meter_installations.c
        self._c.execute(
            t.meter_installations.update()
            .where(
                mi.tenant_id == tenant_id,
                mi.meter_id == installation.meter_id,
                mi.service_point_id == installation.service_point_id,
                mi.installed_from == installation.installed.start,
            )
            .values(installed_to=installation.installed.end)
        )

    def _installations(self, *where: sa.ColumnElement[bool]) -> list[premises.MeterInstallation]:
        rows = self._c.execute(
            t.meter_installations.select()
            .where(*where)
            .order_by(t.meter_installations.c.installed_from)
        )
        return [self._installation(r) for r in rows]

    def installations_of_meter(
        self, tenant_id: ids.TenantId, meter_id: ids.MeterId
    ) -> Sequence[premises.MeterInstallation]:
        mi = t.meter_installations.c
        return self._installations(mi.tenant_id == tenant_id, mi.meter_id == meter_id)

    def installations_at_point(
        self, tenant_id: ids.TenantId, point_id: ids.ServicePointId
    ) -> Sequence[premises.MeterInstallation]:
        mi = t.meter_installations.c
        return self._installations(mi.tenant_id == tenant_id, mi.service_point_id == point_id)


def account_values(account: accounts.Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "tenant_id": account.tenant_id,
        "number": account.number,
        "holder_id": account.holder_id,
        "billing_cycle": account.billing_cycle,
        "bill_delivery": account.bill_delivery.value,
        "language": account.language.value,
        "status": account.status.value,
        "deposit_amount": account.deposit_amount,
        "deposit_reason": account.deposit_reason,
        "deposit_decided_by": account.deposit_decided_by,
    }


class AccountRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _row(r: Any) -> accounts.Account:
        return accounts.Account(
            id=ids.AccountId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            number=r.number,
            holder_id=ids.PartyId(r.holder_id),
            billing_cycle=r.billing_cycle,
            bill_delivery=accounts.BillDelivery(r.bill_delivery),
            language=accounts.Language(r.language),
            status=accounts.AccountStatus(r.status),
            deposit_amount=r.deposit_amount,
            deposit_reason=r.deposit_reason,
            deposit_decided_by=r.deposit_decided_by,
        )

    def add(self, account: accounts.Account) -> None:
        self._c.execute(t.accounts.insert().values(**account_values(account)))

    def update(self, account: accounts.Account) -> None:
        self._c.execute(
            t.accounts.update()
            .where(t.accounts.c.id == account.id, t.accounts.c.tenant_id == account.tenant_id)
            .values(**account_values(account))
        )

    def get(self, tenant_id: ids.TenantId, account_id: ids.AccountId) -> accounts.Account | None:
        row = self._c.execute(
            t.accounts.select().where(
                t.accounts.c.id == account_id, t.accounts.c.tenant_id == tenant_id
            )
        ).first()
        return None if row is None else self._row(row)

    def by_number(self, tenant_id: ids.TenantId, number: str) -> accounts.Account | None:
        row = self._c.execute(
            t.accounts.select().where(
                t.accounts.c.number == number, t.accounts.c.tenant_id == tenant_id
            )
        ).first()
        return None if row is None else self._row(row)

    def for_holder(
        self, tenant_id: ids.TenantId, party_id: ids.PartyId
    ) -> Sequence[accounts.Account]:
        rows = self._c.execute(
            t.accounts.select()
            .where(t.accounts.c.holder_id == party_id, t.accounts.c.tenant_id == tenant_id)
            .order_by(t.accounts.c.number)
        )
        return [self._row(r) for r in rows]

    def next_sequence(self, tenant_id: ids.TenantId) -> int:
        # numbers are the zero-padded sequence and a check digit, so the largest is the latest
        latest = self._c.execute(
            sa.select(sa.func.max(t.accounts.c.number)).where(t.accounts.c.tenant_id == tenant_id)
        ).scalar()
        return int(latest[:-1]) + 1 if latest else 1

    def _ids(self, query: sa.Select[Any]) -> list[str]:
        return [row[0] for row in self._c.execute(query.limit(SEARCH_CAP + 1))]

    def _exact_matches(self, tenant_id: ids.TenantId, raw: str, compact: str) -> list[str]:
        """Accounts found by a key typed whole: number, document, meter serial, phone, email."""
        a, p, ag = t.accounts, t.parties, t.agreements
        documents = {compact}
        if compact.isdigit() and len(compact) >= 2:
            documents.add(f"{compact[:-1]}-{compact[-1]}")  # a NIT typed without its dash
        queries = [
            sa.select(a.c.id).where(a.c.tenant_id == tenant_id, a.c.number == compact),
            sa.select(a.c.id)
            .join(p, p.c.id == a.c.holder_id)
            .where(p.c.tenant_id == tenant_id, p.c.document_number.in_(documents)),
            sa.select(a.c.id)
            .join(t.contact_points, t.contact_points.c.party_id == a.c.holder_id)
            .where(
                t.contact_points.c.tenant_id == tenant_id,
                t.contact_points.c.value.in_({raw.lower(), compact, f"+57{compact}"}),
            ),
            sa.select(ag.c.account_id)
            .join(
                t.meter_installations,
                t.meter_installations.c.service_point_id == ag.c.service_point_id,
            )
            .join(t.meters, t.meters.c.id == t.meter_installations.c.meter_id)
            .where(t.meters.c.tenant_id == tenant_id, t.meters.c.serial == compact),
        ]
        found: list[str] = []
        for query in queries:
            found.extend(self._ids(query))
        return found

    def _text_matches(self, tenant_id: ids.TenantId, raw: str, compact: str) -> list[str]:
        """Accounts found by part of a name or an address, or a phone typed without its code."""
        a, p, ag, sp, pr = t.accounts, t.parties, t.agreements, t.service_points, t.premises
        words = searchable(raw).split()
        found: list[str] = []
        if compact.isdigit() and len(compact) >= 7:
            found.extend(
                self._ids(
                    sa.select(a.c.id)
                    .join(t.contact_points, t.contact_points.c.party_id == a.c.holder_id)
                    .where(
                        t.contact_points.c.tenant_id == tenant_id,
                        t.contact_points.c.value.like(f"%{compact}"),
                    )
                )
            )
        if any(c.isalpha() for c in raw):
            holders = self._ids(
                sa.select(p.c.id).where(
                    p.c.tenant_id == tenant_id,
                    *(p.c.name_search.like(_like(w), escape="\\") for w in words),
                )
            )
            if holders:
                found.extend(self._ids(sa.select(a.c.id).where(a.c.holder_id.in_(holders))))
            places = self._ids(
                sa.select(pr.c.id).where(
                    pr.c.tenant_id == tenant_id,
                    *(pr.c.address_search.like(_like(w), escape="\\") for w in words),
                )
            )
            if places:
                found.extend(
                    self._ids(
                        sa.select(ag.c.account_id)
                        .join(sp, sp.c.id == ag.c.service_point_id)
                        .where(sp.c.premise_id.in_(places))
                    )
                )
        return found

    def search(self, tenant_id: ids.TenantId, text: str, limit: int, offset: int) -> ports.Page:
        """
        Keys typed whole are looked up through indexes first; only when none matches does the
        search scan names, addresses and phone endings (at most SEARCH_CAP accounts).
        """
        raw = text.strip()
        if not raw:
            return ports.Page(items=(), total=0, limit=limit, offset=offset)
        compact = raw.replace(" ", "").replace(".", "").upper()
        found = self._exact_matches(tenant_id, raw, compact) or self._text_matches(
            tenant_id, raw, compact
        )
        matching = list(dict.fromkeys(found))[:SEARCH_CAP]
        a, p, ag, sp, pr = t.accounts, t.parties, t.agreements, t.service_points, t.premises
        total = len(matching)
        first_agreement = (
            sa.select(sp.c.premise_id)
            .join(ag, ag.c.service_point_id == sp.c.id)
            .where(ag.c.account_id == a.c.id)
            .order_by(ag.c.active_from)
            .limit(1)
            .scalar_subquery()
        )
        rows = self._c.execute(
            sa.select(
                a.c.id,
                a.c.number,
                a.c.status,
                p.c.name,
                p.c.document_type,
                p.c.document_number,
                pr.c.address,
                pr.c.city,
            )
            .select_from(a)
            .join(p, p.c.id == a.c.holder_id)
            .outerjoin(pr, pr.c.id == first_agreement)
            .where(a.c.id.in_(matching))
            .order_by(a.c.number)
            .limit(limit)
            .offset(offset)
        ).all()
        hits = tuple(
            ports.AccountHit(
                account_id=ids.AccountId(r.id),
                account_number=r.number,
                holder_name=r.name,
                document=f"{r.document_type} {r.document_number}",
                address=r.address,
                city=r.city,
                status=r.status,
            )
            for r in rows
        )
        return ports.Page(items=hits, total=int(total), limit=limit, offset=offset)


class AgreementRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _row(r: Any) -> accounts.ServiceAgreement:
        return accounts.ServiceAgreement(
            id=ids.AgreementId(r.id),
            tenant_id=ids.TenantId(r.tenant_id),
            account_id=ids.AccountId(r.account_id),
            service_point_id=ids.ServicePointId(r.service_point_id),
            tariff_code=r.tariff_code,
            active=Period(r.active_from, r.active_to),
        )

    @staticmethod
    def _values(agreement: accounts.ServiceAgreement) -> dict[str, Any]:
        return {
            "id": agreement.id,
            "tenant_id": agreement.tenant_id,
            "account_id": agreement.account_id,
            "service_point_id": agreement.service_point_id,
            "tariff_code": agreement.tariff_code,
            "active_from": agreement.active.start,
            "active_to": agreement.active.end,
        }

    def add(self, agreement: accounts.ServiceAgreement) -> None:
        self._c.execute(t.agreements.insert().values(**self._values(agreement)))

    def update(self, agreement: accounts.ServiceAgreement) -> None:
        self._c.execute(
            t.agreements.update()
            .where(
                t.agreements.c.id == agreement.id,
                t.agreements.c.tenant_id == agreement.tenant_id,
            )
            .values(**self._values(agreement))
        )

    def get(
        self, tenant_id: ids.TenantId, agreement_id: ids.AgreementId
    ) -> accounts.ServiceAgreement | None:
        row = self._c.execute(
            t.agreements.select().where(
                t.agreements.c.id == agreement_id, t.agreements.c.tenant_id == tenant_id
            )
        ).first()
        return None if row is None else self._row(row)

    def _many(self, *where: sa.ColumnElement[bool]) -> list[accounts.ServiceAgreement]:
        rows = self._c.execute(
            t.agreements.select().where(*where).order_by(t.agreements.c.active_from)
        )
        return [self._row(r) for r in rows]

    def for_account(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId
    ) -> Sequence[accounts.ServiceAgreement]:
        ag = t.agreements.c
        return self._many(ag.tenant_id == tenant_id, ag.account_id == account_id)

    def for_point(
        self, tenant_id: ids.TenantId, point_id: ids.ServicePointId
    ) -> Sequence[accounts.ServiceAgreement]:
        ag = t.agreements.c
        return self._many(ag.tenant_id == tenant_id, ag.service_point_id == point_id)


class AuditLog:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def record(self, entry: ports.AuditEntry) -> None:
        self._c.execute(
            t.audit_log.insert().values(
                id=entry.id,
                tenant_id=entry.tenant_id,
                actor_id=entry.actor_id,
                at=entry.at,
                entity=entry.entity,
                entity_id=entry.entity_id,
                action=entry.action,
                before=entry.before,
                after=entry.after,
            )
        )

    def for_entity(
        self, tenant_id: ids.TenantId, entity: str, entity_id: str
    ) -> Sequence[ports.AuditEntry]:
        al = t.audit_log.c
        rows = self._c.execute(
            t.audit_log.select()
            .where(al.tenant_id == tenant_id, al.entity == entity, al.entity_id == entity_id)
            .order_by(al.at, al.id)
        )
        return [
            ports.AuditEntry(
                id=r.id,
                tenant_id=ids.TenantId(r.tenant_id),
                actor_id=r.actor_id,
                at=_utc(r.at),
                entity=r.entity,
                entity_id=r.entity_id,
                action=r.action,
                before=r.before,
                after=r.after,
            )
            for r in rows
        ]
