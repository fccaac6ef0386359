"""
Tables (SQLAlchemy Core). Private to the db adapter: nothing outside it imports this module.

Every row carries its tenant. Integrity that matters (no overlapping agreements on a service
point, a meter at one point at a time, one meter per point at a time) is enforced by the
database itself: exclusion constraints on PostgreSQL, triggers on SQLite (see the migrations).

Tables keyed by a text id are WITHOUT ROWID on SQLite (one B-tree instead of two), which makes
bulk loads about a fifth faster; tables with overlap rules keep their rowid for the set-based
checks of bulk writes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class ExactDecimal(sa.types.TypeDecorator[Decimal]):
    """A Decimal kept exactly: NUMERIC on PostgreSQL, text on SQLite (which has no decimal)."""

    impl = sa.Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(40))
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)) if not isinstance(value, Decimal) else value


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """
    An instant kept in UTC: aware datetimes are converted to UTC before they are written (SQLite
    would otherwise keep the wall-clock time and drop the offset) and come back aware in UTC.

    :raises ValueError: when asked to store a naive datetime.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("urbis stores only timezone-aware instants")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _id(name: str = "id") -> sa.Column[str]:
    return sa.Column(name, sa.String(26), primary_key=True)


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False)


tenants = sa.Table(
    "tenants",
    metadata,
    _id(),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("nit", sa.String(20), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sqlite_with_rowid=False,
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    _tenant(),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("roles", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),
    sqlite_with_rowid=False,
)

parties = sa.Table(
    "parties",
    metadata,
    _id(),
    _tenant(),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_search", sa.String(200), nullable=False),
    sa.Column("document_type", sa.String(10), nullable=False),
    sa.Column("document_number", sa.String(40), nullable=False),
    sa.Column("document_country", sa.String(2), nullable=False),
    sa.CheckConstraint("kind IN ('PERSON', 'ORGANISATION')", name="kind"),
    sa.CheckConstraint(
        "document_type IN ('CC', 'CE', 'NIT', 'PASSPORT', 'OTHER')", name="document_type"
    ),
    sa.UniqueConstraint(
        "tenant_id",
        "document_number",
        "document_type",
        "document_country",
        name="uq_parties_document",
    ),
    sqlite_with_rowid=False,
)

contact_points = sa.Table(
    "contact_points",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _tenant(),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("value", sa.String(300), nullable=False),
    sa.Column("preferred", sa.Boolean, nullable=False),
    sa.CheckConstraint("kind IN ('EMAIL', 'MOBILE', 'PHONE', 'POSTAL')", name="kind"),
)
sa.Index("ix_contact_points_party", contact_points.c.party_id)
sa.Index("ix_contact_points_value", contact_points.c.tenant_id, contact_points.c.value)

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _tenant(),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("purpose", sa.String(12), nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
)
sa.Index("ix_consents_party", consents.c.party_id)

premises = sa.Table(
    "premises",
    metadata,
    _id(),
    _tenant(),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("address_search", sa.String(300), nullable=False),
    sa.Column("city", sa.String(100), nullable=False),
    sa.Column("department", sa.String(100), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("use_class", sa.String(12), nullable=False),
    sa.Column("stratum", sa.SmallInteger, nullable=True),
    sa.Column("latitude", ExactDecimal, nullable=True),
    sa.Column("longitude", ExactDecimal, nullable=True),
    sa.Column("altitude_m", sa.Integer, nullable=True),
    sa.CheckConstraint("stratum IS NULL OR (stratum BETWEEN 1 AND 6)", name="stratum_range"),
    sa.CheckConstraint(
        "stratum IS NULL OR use_class = 'RESIDENTIAL'", name="stratum_only_residential"
    ),
    sa.CheckConstraint(
        "use_class IN ('RESIDENTIAL', 'COMMERCIAL', 'INDUSTRIAL', 'OFFICIAL', 'SPECIAL')",
        name="use_class",
    ),
    sqlite_with_rowid=False,
)

service_points = sa.Table(
    "service_points",
    metadata,
    _id(),
    _tenant(),
    sa.Column("premise_id", sa.String(26), sa.ForeignKey("premises.id"), nullable=False),
    sa.Column("service", sa.String(12), nullable=False),
    sa.UniqueConstraint("premise_id", "service", name="uq_service_points_premise_service"),
    sa.CheckConstraint(
        "service IN ('ELECTRICITY', 'WATER', 'SEWER', 'GAS', 'WASTE')", name="service"
    ),
    sqlite_with_rowid=False,
)

meters = sa.Table(
    "meters",
    metadata,
    _id(),
    _tenant(),
    sa.Column("serial", sa.String(40), nullable=False),
    sa.Column("service", sa.String(12), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("multiplier", ExactDecimal, nullable=False),
    sa.Column("dials", sa.SmallInteger, nullable=False),
    sa.UniqueConstraint("tenant_id", "serial", name="uq_meters_tenant_serial"),
    sa.CheckConstraint("dials BETWEEN 1 AND 12", name="dials"),
    sa.CheckConstraint("kind IN ('REGISTER', 'INTERVAL')", name="kind"),
    sqlite_with_rowid=False,
)

meter_installations = sa.Table(
    "meter_installations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _tenant(),
    sa.Column("meter_id", sa.String(26), sa.ForeignKey("meters.id"), nullable=False),
    sa.Column(
        "service_point_id", sa.String(26), sa.ForeignKey("service_points.id"), nullable=False
    ),
    sa.Column("installed_from", sa.Date, nullable=False),
    sa.Column("installed_to", sa.Date, nullable=True),
    sa.CheckConstraint(
        "installed_to IS NULL OR installed_to > installed_from", name="installed_span"
    ),
)
sa.Index("ix_meter_installations_meter", meter_installations.c.meter_id)
sa.Index("ix_meter_installations_point", meter_installations.c.service_point_id)

accounts = sa.Table(
    "accounts",
    metadata,
    _id(),
    _tenant(),
    sa.Column("number", sa.String(10), nullable=False),
    sa.Column("holder_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("billing_cycle", sa.String(16), nullable=False),
    sa.Column("bill_delivery", sa.String(8), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.UniqueConstraint("tenant_id", "number", name="uq_accounts_tenant_number"),
    sa.CheckConstraint("status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')", name="status"),
    sqlite_with_rowid=False,
)
sa.Index("ix_accounts_holder", accounts.c.holder_id)
sa.Index("ix_accounts_cycle", accounts.c.tenant_id, accounts.c.billing_cycle)

agreements = sa.Table(
    "agreements",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column(
        "service_point_id", sa.String(26), sa.ForeignKey("service_points.id"), nullable=False
    ),
    sa.Column("tariff_code", sa.String(64), nullable=False),
    sa.Column("active_from", sa.Date, nullable=False),
    sa.Column("active_to", sa.Date, nullable=True),
    sa.CheckConstraint("active_to IS NULL OR active_to > active_from", name="active_span"),
)
sa.Index("ix_agreements_account", agreements.c.account_id)
sa.Index("ix_agreements_point", agreements.c.service_point_id)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _id(),
    _tenant(),
    sa.Column("actor_id", sa.String(26), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.String(40), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sqlite_with_rowid=False,
)
sa.Index("ix_audit_log_entity", audit_log.c.tenant_id, audit_log.c.entity, audit_log.c.entity_id)

# --- engagement ----------------------------------------------------------------------------------

cases = sa.Table(
    "cases",
    metadata,
    _id(),
    _tenant(),
    sa.Column("number", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("filed_at", UtcDateTime, nullable=False),
    sa.Column("deadline", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=True),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("team", sa.String(64), nullable=True),
    sa.Column("escalation_level", sa.SmallInteger, nullable=False),
    sa.Column("answered_at", UtcDateTime, nullable=True),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Column("parent_kind", sa.String(24), nullable=True),
    sa.Column("events", sa.JSON, nullable=False),
    sa.UniqueConstraint("tenant_id", "number", name="uq_cases_tenant_number"),
    sqlite_with_rowid=False,
)
sa.Index("ix_cases_party", cases.c.tenant_id, cases.c.party_id)
sa.Index("ix_cases_status", cases.c.tenant_id, cases.c.status)

interactions = sa.Table(
    "interactions",
    metadata,
    _id(),
    _tenant(),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("raw", sa.JSON, nullable=True),
    sa.Column("sender", sa.String(300), nullable=False),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=True),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("matched_by", sa.String(16), nullable=True),
    sa.Column("provider_id", sa.String(200), nullable=False),
    sa.Column("case_id", sa.String(26), nullable=True),
    sqlite_with_rowid=False,
)
sa.Index("ix_interactions_party", interactions.c.tenant_id, interactions.c.party_id)
sa.Index(
    "ix_interactions_provider",
    interactions.c.tenant_id,
    interactions.c.channel,
    interactions.c.provider_id,
)

rejected_payloads = sa.Table(
    "rejected_payloads",
    metadata,
    _id(),
    _tenant(),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("raw", sa.JSON, nullable=False),
    sa.Column("error_code", sa.String(64), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

# --- city services (Open311) ---------------------------------------------------------------------

service_requests = sa.Table(
    "service_requests",
    metadata,
    _id(),
    _tenant(),
    sa.Column("service_code", sa.String(64), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("expected_at", UtcDateTime, nullable=True),
    sa.Column("status_notes", sa.Text, nullable=True),
    sa.Column("token", sa.String(40), nullable=True),
    sa.Column("case_id", sa.String(26), sa.ForeignKey("cases.id"), nullable=True),
    sa.Column("case_number", sa.String(20), nullable=True),
    sa.Column("service_order_id", sa.String(40), nullable=True),
    sa.Column("submission", sa.JSON, nullable=False),
    sqlite_with_rowid=False,
)
sa.Index(
    "ix_service_requests_requested",
    service_requests.c.tenant_id,
    service_requests.c.requested_at,
)
sa.Index("ix_service_requests_token", service_requests.c.tenant_id, service_requests.c.token)

# --- ledger (receivables, double entry) ----------------------------------------------------------

journal_entries = sa.Table(
    "journal_entries",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("source", sa.String(120), nullable=False),
    sa.Column("booked_at", UtcDateTime, nullable=False),
    sa.Column("accounting_date", sa.Date, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("reverses", sa.String(26), nullable=True),
    sa.Column("memo", sa.Text, nullable=False),
    sa.UniqueConstraint("tenant_id", "source", name="uq_journal_entries_source"),
    sa.UniqueConstraint("tenant_id", "reverses", name="uq_journal_entries_reverses"),
    sqlite_with_rowid=False,
)
sa.Index("ix_journal_entries_account", journal_entries.c.tenant_id, journal_entries.c.account_id)

# Amounts in the currency's minor unit (integers add up exactly in SQL on both databases);
# ``side`` says which way, the amount is always positive.
postings = sa.Table(
    "postings",
    metadata,
    sa.Column("entry_id", sa.String(26), sa.ForeignKey("journal_entries.id"), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
    _tenant(),
    sa.Column("account_id", sa.String(26), nullable=False),
    sa.Column("ledger_account", sa.String(24), nullable=False),
    sa.Column("side", sa.String(6), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("service", sa.String(24), nullable=True),
    sa.Column("item", sa.String(40), nullable=True),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.CheckConstraint("amount_minor > 0", name="positive_amount"),
    sa.CheckConstraint("side IN ('DEBIT', 'CREDIT')", name="side"),
    sqlite_with_rowid=False,
)
sa.Index("ix_postings_account", postings.c.tenant_id, postings.c.account_id)
sa.Index("ix_postings_item", postings.c.tenant_id, postings.c.item)
