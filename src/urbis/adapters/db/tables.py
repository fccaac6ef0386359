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
    # the deposit asked at opening (ADR 0037; migration 0017): null when not asked
    sa.Column("deposit_amount", ExactDecimal, nullable=True),
    sa.Column("deposit_reason", sa.String(64), nullable=True),
    sa.Column("deposit_decided_by", sa.String(120), nullable=True),
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
    # where the case_routing pack sent it when filed (ADR 0036; migration 0017)
    sa.Column("queue", sa.String(64), nullable=True),
    sa.Column("priority", sa.SmallInteger, nullable=True),
    sa.Column("routed_by", sa.String(120), nullable=True),
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
    sa.Column("reviewed_at", UtcDateTime, nullable=True),  # migration 0015
    sa.Column("reviewed_by", sa.String(64), nullable=True),  # migration 0015
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

# ---------------------------------------------------------------------------------------------
# billing: bill cycles, bill runs and their batches, bills, bill lines, run exceptions
# (migration 0009). Amounts are integer minor units of the bill's currency. One bill per
# agreement, period and run key (FINAL, or the trial run's id) unless cancelled: a partial
# unique index, so a resumed or repeated run can never bill an agreement twice.
# ---------------------------------------------------------------------------------------------

bill_cycles = sa.Table(
    "bill_cycles",
    metadata,
    _tenant(),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("read_day", sa.SmallInteger, nullable=False),
    sa.Column("bill_day", sa.SmallInteger, nullable=False),
    sa.Column("due_days", sa.SmallInteger, nullable=False),
    sa.Column("suspension_days", sa.SmallInteger, nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "code", name="pk_bill_cycles"),
    sqlite_with_rowid=False,
)

bill_runs = sa.Table(
    "bill_runs",
    metadata,
    _id(),
    _tenant(),
    sa.Column("cycle", sa.String(16), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("run_type", sa.String(8), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("batch_size", sa.Integer, nullable=False),
    sa.Column("batches", sa.Integer, nullable=False),
    sa.Column("sample", sa.Integer, nullable=True),
    sa.Column("validated_by", sa.String(120), nullable=True),
    sa.Column("solidarity_by", sa.String(120), nullable=True),
    sa.CheckConstraint("run_type IN ('TRIAL', 'FINAL')", name="run_type"),
    sa.CheckConstraint("status IN ('RUNNING', 'COMPLETED')", name="status"),
    sqlite_with_rowid=False,
)
sa.Index("ix_bill_runs_cycle", bill_runs.c.tenant_id, bill_runs.c.cycle, bill_runs.c.period)

bill_run_batches = sa.Table(
    "bill_run_batches",
    metadata,
    sa.Column("run_id", sa.String(26), sa.ForeignKey("bill_runs.id"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("first_account", sa.String(26), nullable=False),
    sa.Column("last_account", sa.String(26), nullable=False),
    sa.Column("committed_at", UtcDateTime, nullable=True),
    sa.Column("bills", sa.Integer, nullable=False),
    sa.Column("held", sa.Integer, nullable=False),
    sa.Column("exceptions", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("run_id", "number", name="pk_bill_run_batches"),
    sqlite_with_rowid=False,
)

bills = sa.Table(
    "bills",
    metadata,
    _id(),
    sa.Column("tenant_id", sa.String(26), nullable=False),
    sa.Column("run_id", sa.String(26), nullable=False),
    sa.Column("run_key", sa.String(26), nullable=False),
    sa.Column("agreement_id", sa.String(26), nullable=False),
    sa.Column("account_id", sa.String(26), nullable=False),
    sa.Column("service", sa.String(12), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("hold_reason", sa.String(40), nullable=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("revenue", sa.BigInteger, nullable=False),
    sa.Column("subsidy", sa.BigInteger, nullable=False),
    sa.Column("contribution", sa.BigInteger, nullable=False),
    sa.Column("taxes", sa.BigInteger, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("consumption_milli", sa.BigInteger, nullable=False),
    sa.Column("previous_read", sa.Float, nullable=True),
    sa.Column("current_read", sa.Float, nullable=True),
    sa.Column("estimated", sa.Boolean, nullable=False),
    sa.Column("issue_date", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("rebills", sa.String(26), nullable=True),
    sa.Column("entry_id", sa.String(40), nullable=True),
    sa.Column("cancelled_at", UtcDateTime, nullable=True),
    sa.Column("cancel_reason", sa.String(200), nullable=True),
    sa.Column("cancel_entry_id", sa.String(40), nullable=True),
    sa.CheckConstraint("status IN ('ISSUED', 'HELD', 'CANCELLED', 'TRIAL')", name="status"),
    sa.CheckConstraint("total = revenue - subsidy + contribution + taxes", name="totals"),
    sqlite_with_rowid=False,
)
sa.Index(
    "uq_bills_one_per_agreement_period",
    bills.c.tenant_id,
    bills.c.agreement_id,
    bills.c.period,
    bills.c.run_key,
    unique=True,
    sqlite_where=bills.c.status != "CANCELLED",
    postgresql_where=bills.c.status != "CANCELLED",
)
sa.Index("ix_bills_account", bills.c.tenant_id, bills.c.account_id, bills.c.period)
sa.Index("ix_bills_run", bills.c.run_id, bills.c.status)

bill_lines = sa.Table(
    "bill_lines",
    metadata,
    sa.Column("bill_id", sa.String(26), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("tariff", sa.String(100), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("period", sa.String(40), nullable=False),
    sa.Column("block", sa.String(40), nullable=False),
    sa.Column("part", sa.String(12), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    # the rating engine's quantity in thousandths and unit price in millionths (null: none)
    sa.Column("quantity_milli", sa.BigInteger, nullable=True),
    sa.Column("unit_price_micro", sa.BigInteger, nullable=True),
    sa.PrimaryKeyConstraint("bill_id", "position", name="pk_bill_lines"),
    sqlite_with_rowid=False,
)

bill_run_exceptions = sa.Table(
    "bill_run_exceptions",
    metadata,
    sa.Column("run_id", sa.String(26), nullable=False),
    sa.Column("agreement_id", sa.String(26), nullable=False),
    sa.Column("account_id", sa.String(26), nullable=False),
    sa.Column("batch", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("detail", sa.String(300), nullable=False),
    sa.PrimaryKeyConstraint("run_id", "agreement_id", name="pk_bill_run_exceptions"),
    sqlite_with_rowid=False,
)
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
# what a posting's (entry, tenant) reference names (migration 0019, ADR 0081)
sa.Index(
    "uq_journal_entries_id_tenant",
    journal_entries.c.id,
    journal_entries.c.tenant_id,
    unique=True,
)

# Amounts in the currency's minor unit (integers add up exactly in SQL on both databases);
# ``side`` says which way, the amount is always positive. A posting names its entry together
# with its tenant: one reference check per posting proves both that the entry exists and that
# the posting is the entry's tenant's (whose own reference proves the tenant; ADR 0081).
postings = sa.Table(
    "postings",
    metadata,
    sa.Column("entry_id", sa.String(26), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("tenant_id", sa.String(26), nullable=False),
    sa.Column("account_id", sa.String(26), nullable=False),
    sa.Column("ledger_account", sa.String(24), nullable=False),
    sa.Column("side", sa.String(6), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("service", sa.String(24), nullable=True),
    sa.Column("item", sa.String(40), nullable=True),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.CheckConstraint("amount_minor > 0", name="positive_amount"),
    sa.CheckConstraint("side IN ('DEBIT', 'CREDIT')", name="side"),
    sa.ForeignKeyConstraint(
        ["entry_id", "tenant_id"],
        ["journal_entries.id", "journal_entries.tenant_id"],
        name="fk_postings_entry_tenant_journal_entries",
    ),
    sqlite_with_rowid=False,
)
sa.Index("ix_postings_account", postings.c.tenant_id, postings.c.account_id)
# only postings with an item are looked up by it (most of a bill's postings have none)
sa.Index(
    "ix_postings_item",
    postings.c.tenant_id,
    postings.c.item,
    sqlite_where=postings.c.item.is_not(None),
    postgresql_where=postings.c.item.is_not(None),
)

# --- tariffs -----------------------------------------------------------------------------------
# A tariff's header and its versions; each version is kept as its document in urbis's tariff
# format (numbers as exact strings) and is never updated once stored (ADR 0012).

tariffs = sa.Table(
    "tariffs",
    metadata,
    sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("service", sa.String(16), nullable=True),
    sa.Column("unit", sa.String(8), nullable=False),
    sqlite_with_rowid=False,
)

tariff_versions = sa.Table(
    "tariff_versions",
    metadata,
    sa.Column("tenant_id", sa.String(26), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("active_from", sa.Date, nullable=False),
    sa.Column("active_to", sa.Date, nullable=True),
    sa.Column("document", sa.JSON, nullable=False),
    sa.ForeignKeyConstraint(
        ["tenant_id", "code"],
        ["tariffs.tenant_id", "tariffs.code"],
        name="fk_tariff_versions_tariff",
    ),
    sqlite_with_rowid=False,
)
sa.Index(
    "ix_tariff_versions_from",
    tariff_versions.c.tenant_id,
    tariff_versions.c.code,
    tariff_versions.c.active_from,
)

# --- metering (issue 4): register reads --------------------------------------------------------
# Register read versions (ADR 0025): nothing is updated; a correction or a late portal read is a
# new row, and the read as of an instant is the row with the greatest (recorded_at, sequence)
# among those recorded by then. Values are register readings in dial units (double precision,
# the same float64 the metering frames use), never money.

register_reads = sa.Table(
    "register_reads",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    _tenant(),
    sa.Column("meter", sa.String(40), nullable=False),
    sa.Column("register", sa.String(20), nullable=False),
    sa.Column("read_at", UtcDateTime, nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("consumption", sa.Double, nullable=True),
    sa.Column("unit", sa.String(8), nullable=True),
    sa.Column("read_type", sa.String(10), nullable=False),
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.CheckConstraint("read_type IN ('ACTUAL', 'CUSTOMER', 'ESTIMATED')", name="read_type"),
)
sa.Index(
    "ix_register_reads_key",
    register_reads.c.tenant_id,
    register_reads.c.meter,
    register_reads.c.register,
    register_reads.c.read_at,
)

# --- metering (issue 4): interval reads on PostgreSQL --------------------------------------------
# Only on PostgreSQL (ADR 0024), so they live in their own metadata: the SQLite schema, and
# everything that walks ``metadata``, never sees them. ``interval_reads`` is partitioned by month
# of ``start`` (UTC); the store creates a month's partition the first time it writes into it.
# No foreign key to tenants: rows arrive by COPY in millions, and a per-row check would cost more
# than the load itself; the store is always bound to one tenant id taken from ``tenants``. The
# key columns compare bytewise (COLLATE "C"): identifiers need no linguistic order, and the
# primary key is cheaper to maintain during COPY.

postgres_only = sa.MetaData(naming_convention=metadata.naming_convention)

interval_reads = sa.Table(
    "interval_reads",
    postgres_only,
    sa.Column("tenant_id", sa.String(26, collation="C"), nullable=False),
    sa.Column("meter", sa.String(40, collation="C"), nullable=False),
    sa.Column("channel", sa.String(20, collation="C"), nullable=False),
    sa.Column("start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("minutes", sa.Integer, nullable=True),
    sa.Column("quantity", sa.Double, nullable=True),
    sa.Column("unit", sa.String(8), nullable=True),
    sa.Column("quality", sa.String(12), nullable=True),
    sa.Column("method", sa.Text, nullable=True),
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("actor", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "meter", "channel", "start", "sequence"),
    postgresql_partition_by="RANGE (start)",
)

interval_sequences = sa.Table(
    "interval_sequences",
    postgres_only,
    sa.Column("tenant_id", sa.String(26), primary_key=True),
    sa.Column("next", sa.BigInteger, nullable=False),
)

# --- rules: rule pack versions (migration 0007) --------------------------------------------------

rule_pack_versions = sa.Table(
    "rule_pack_versions",
    metadata,
    _id(),
    _tenant(),
    sa.Column("pack_key", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("extension_point", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("effective_from", sa.Date, nullable=False),
    # canonical JSON text, so that exact decimals come back exactly as they were written
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("test_cases", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("author_id", sa.String(26), nullable=False),
    sa.Column("editors", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("tested_at", UtcDateTime, nullable=True),
    sa.Column("approved_by", sa.String(26), nullable=True),
    sa.Column("approved_at", UtcDateTime, nullable=True),
    sa.Column("published_by", sa.String(26), nullable=True),
    sa.Column("published_at", UtcDateTime, nullable=True),
    sa.Column("based_on", sa.String(26), nullable=True),
    sa.UniqueConstraint("tenant_id", "pack_key", "version", name="uq_rule_pack_versions_version"),
    sqlite_with_rowid=False,
)
sa.Index(
    "ix_rule_pack_versions_point",
    rule_pack_versions.c.tenant_id,
    rule_pack_versions.c.extension_point,
)

# --- customer portal (migration 0008): preferences, reading photos, card charges, payments ----

notification_preferences = sa.Table(
    "notification_preferences",
    metadata,
    _tenant(),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("channels", sa.String(100), nullable=False),
    sa.Column("muted", sa.String(200), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "party_id"),
    sqlite_with_rowid=False,
)

reading_photos = sa.Table(
    "reading_photos",
    metadata,
    _id(),
    _tenant(),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("meter", sa.String(40), nullable=False),
    sa.Column("register", sa.String(20), nullable=False),
    sa.Column("read_at", UtcDateTime, nullable=False),
    sa.Column("content_type", sa.String(40), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sqlite_with_rowid=False,
)
sa.Index("ix_reading_photos_meter", reading_photos.c.tenant_id, reading_photos.c.meter)

card_charges = sa.Table(
    "card_charges",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("card_last4", sa.String(4), nullable=False),
    sa.Column("idempotency_key", sa.String(100), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("reference", sa.String(100), nullable=False),
    sa.Column("decline_code", sa.String(40), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_card_charges_key"),
    sqlite_with_rowid=False,
)
sa.Index("ix_card_charges_account", card_charges.c.tenant_id, card_charges.c.account_id)

# approved portal charges waiting for the payments context to post them
portal_payments = sa.Table(
    "portal_payments",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("reference", sa.String(100), nullable=False),
    sa.Column("idempotency_key", sa.String(100), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_portal_payments_key"),
    sqlite_with_rowid=False,
)

# the notification outbox (migration 0008): messages waiting to be sent, retried with backoff
outbox_messages = sa.Table(
    "outbox_messages",
    metadata,
    _id(),
    _tenant(),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("to_address", sa.String(300), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("dedupe_key", sa.String(200), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text, nullable=False),
    sa.Column("provider_id", sa.String(300), nullable=False),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_outbox_messages_dedupe"),
    sqlite_with_rowid=False,
)
sa.Index("ix_outbox_messages_due", outbox_messages.c.status, outbox_messages.c.next_attempt_at)

notification_suppressions = sa.Table(
    "notification_suppressions",
    metadata,
    _id(),
    _tenant(),
    sa.Column("party_id", sa.String(26), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sqlite_with_rowid=False,
)

# --- payments (migration 0010) -------------------------------------------------------------------
# Amounts in integer minor units of their currency. A bank transaction (bank code, transaction id)
# posts at most one payment per tenant; an idempotency key at most one payment per tenant.

payments = sa.Table(
    "payments",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("reference", sa.String(120), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("entry_id", sa.String(26), nullable=False),
    sa.Column("allocations", sa.JSON, nullable=False),
    sa.Column("credit_minor", sa.BigInteger, nullable=False),
    sa.Column("reversal_entry_id", sa.String(26), nullable=True),
    sa.Column("reversal_reason", sa.Text, nullable=False),
    sa.Column("bank_code", sa.String(20), nullable=True),
    sa.Column("transaction_id", sa.String(64), nullable=True),
    sa.Column("file_id", sa.String(26), nullable=True),
    sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    sa.CheckConstraint("status IN ('POSTED', 'REVERSED')", name="status"),
    sa.UniqueConstraint(
        "tenant_id", "bank_code", "transaction_id", name="uq_payments_bank_transaction"
    ),
    sqlite_with_rowid=False,
)
sa.Index("ix_payments_account", payments.c.tenant_id, payments.c.account_id, payments.c.received_at)

payment_requests = sa.Table(
    "payment_requests",
    metadata,
    sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("payment_id", sa.String(26), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sqlite_with_rowid=False,
)

payment_files = sa.Table(
    "payment_files",
    metadata,
    _id(),
    _tenant(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("imported_at", UtcDateTime, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("posted", sa.Integer, nullable=False),
    sa.Column("duplicates", sa.Integer, nullable=False),
    sa.UniqueConstraint("tenant_id", "digest", name="uq_payment_files_digest"),
    sqlite_with_rowid=False,
)

deposits = sa.Table(
    "deposits",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("taken_at", UtcDateTime, nullable=False),
    sa.Column("reference", sa.String(120), nullable=False),
    sa.Column("entry_id", sa.String(26), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("closing_entry_id", sa.String(26), nullable=True),
    sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    sa.CheckConstraint("status IN ('HELD', 'APPLIED', 'REFUNDED')", name="status"),
    sqlite_with_rowid=False,
)
sa.Index("ix_deposits_account", deposits.c.tenant_id, deposits.c.account_id)

payment_settings = sa.Table(
    "payment_settings",
    metadata,
    sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("allocation_strategy", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

# --- service orders and collections (migration 0011) ---------------------------------------------

service_orders = sa.Table(
    "service_orders",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("service_point_id", sa.String(26), sa.ForeignKey("service_points.id"), nullable=True),
    sa.Column("source", sa.String(120), nullable=True),
    sa.Column("assigned_to", sa.String(64), nullable=True),
    sa.Column("assigned_at", UtcDateTime, nullable=True),
    sa.Column("completed_at", UtcDateTime, nullable=True),
    sa.Column("work_date", sa.Date, nullable=True),
    sa.Column("outcome", sa.String(10), nullable=True),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("exchange", sa.JSON, nullable=True),
    sa.Column("cancelled_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("tenant_id", "source", name="uq_service_orders_tenant_source"),
    sa.Column("scheduled_date", sa.Date, nullable=True),  # migration 0012
    sqlite_with_rowid=False,
)
sa.Index("ix_service_orders_account", service_orders.c.tenant_id, service_orders.c.account_id)
sa.Index(
    "ix_service_orders_status",
    service_orders.c.tenant_id,
    service_orders.c.status,
    service_orders.c.created_at,
)

# Collections: one row per step (unique per tenant and key: a step happens once per episode),
# the runs, payment arrangements (their schedule as JSON), protections and regulatory holds.
collection_runs = sa.Table(
    "collection_runs",
    metadata,
    _id(),
    _tenant(),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=False),
    sa.Column("actor_id", sa.String(64), nullable=False),
    sa.Column("policy", sa.String(120), nullable=False),
    sa.Column("candidates", sa.Integer, nullable=False),
    sa.Column("evaluations", sa.Integer, nullable=False),
    sa.Column("counts", sa.JSON, nullable=False),
    sqlite_with_rowid=False,
)
sa.Index("ix_collection_runs_started", collection_runs.c.tenant_id, collection_runs.c.started_at)

collection_steps = sa.Table(
    "collection_steps",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),  # <run id>-<row>
    _tenant(),
    sa.Column("run_id", sa.String(26), sa.ForeignKey("collection_runs.id"), nullable=False),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("key", sa.String(120), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("episode", sa.String(60), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("protected", sa.Boolean, nullable=False),
    sa.Column("days_overdue", sa.Integer, nullable=False),
    sa.Column("amount_overdue", ExactDecimal, nullable=False),
    sa.Column("service_order_id", sa.String(26), nullable=True),
    sa.UniqueConstraint("tenant_id", "key", name="uq_collection_steps_tenant_key"),
    sqlite_with_rowid=False,
)
sa.Index("ix_collection_steps_account", collection_steps.c.tenant_id, collection_steps.c.account_id)

payment_arrangements = sa.Table(
    "payment_arrangements",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("agreed_on", sa.Date, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("debt", ExactDecimal, nullable=False),
    sa.Column("down_payment", ExactDecimal, nullable=False),
    sa.Column("monthly_rate", ExactDecimal, nullable=False),
    sa.Column("rounding", sa.String(10), nullable=False),
    sa.Column("instalments", sa.JSON, nullable=False),
    sa.Column("items", sa.JSON, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("closed_on", sa.Date, nullable=True),
    sqlite_with_rowid=False,
)
sa.Index(
    "ix_payment_arrangements_account",
    payment_arrangements.c.tenant_id,
    payment_arrangements.c.account_id,
)
sa.Index(
    "ix_payment_arrangements_status",
    payment_arrangements.c.tenant_id,
    payment_arrangements.c.status,
)

collection_protections = sa.Table(
    "collection_protections",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("active_from", sa.Date, nullable=False),
    sa.Column("active_to", sa.Date, nullable=True),
    sa.Column("note", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)
sa.Index(
    "ix_collection_protections_account",
    collection_protections.c.tenant_id,
    collection_protections.c.account_id,
)

regulatory_holds = sa.Table(
    "regulatory_holds",
    metadata,
    _id(),
    _tenant(),
    sa.Column("region", sa.String(100), nullable=False),
    sa.Column("active_from", sa.Date, nullable=False),
    sa.Column("active_to", sa.Date, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

# --- payment promises (migration 0012) -----------------------------------------------------------
# A customer's promise to pay an amount by a date; at most one open per account (ADR 0049).

payment_promises = sa.Table(
    "payment_promises",
    metadata,
    _id(),
    _tenant(),
    sa.Column("account_id", sa.String(26), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", ExactDecimal, nullable=False),
    sa.Column("promised_date", sa.Date, nullable=False),
    sa.Column("made_at", UtcDateTime, nullable=False),
    sa.Column("made_on", sa.Date, nullable=False),
    sa.Column("taken_by", sa.String(26), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.CheckConstraint("status IN ('OPEN', 'KEPT', 'BROKEN', 'CANCELLED')", name="status"),
    sqlite_with_rowid=False,
)
sa.Index("ix_payment_promises_account", payment_promises.c.tenant_id, payment_promises.c.account_id)
sa.Index("ix_payment_promises_status", payment_promises.c.tenant_id, payment_promises.c.status)
