"""The HTTP API, version 1: one use case per request, plain JSON out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from urbis.application._support import plain
from urbis.application.accounts import operations as account_ops
from urbis.application.accounts import queries as account_queries
from urbis.application.customers import operations as customer_ops
from urbis.application.customers import queries as customer_queries
from urbis.application.identity import operations as identity_ops
from urbis.application.identity import queries as identity_queries
from urbis.application.premises import operations as premise_ops
from urbis.application.premises import queries as premise_queries
from urbis.bootstrap import accounts as accounts_wiring
from urbis.domain import accounts, customers, identity, premises
from urbis.interfaces.api.auth import Actor, Container, issue_token
from urbis.kernel import ids

router = APIRouter(prefix="/api/v1")
Json = dict[str, Any]


def json_of(record: Any) -> Json:
    """A record as JSON-ready data (enums by value, decimals and dates as text)."""
    data: Json = plain(record)
    return data


def list_of(records: Any) -> list[Json]:
    data: list[Json] = plain(records)
    return data


Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0)]


def page(result: Any) -> Json:
    return {
        "items": plain(result.items),
        "total": result.total,
        "limit": result.limit,
        "offset": result.offset,
    }


# --- sign in -----------------------------------------------------------------------------------


class Credentials(BaseModel):
    tenant: str = Field(description="The utility's code, e.g. 'demo'")
    username: str
    password: str


@router.post("/auth/token", tags=["auth"])
def sign_in(credentials: Credentials, container: Container) -> Json:
    """Exchange a username and password for a bearer token."""
    actor = identity_ops.authenticate(
        uow_factory=container.uow,
        hasher=container.hasher,
        tenant_code=credentials.tenant,
        username=credentials.username,
        password=credentials.password,
    )
    return {"access_token": issue_token(container, actor), "token_type": "bearer"}


# --- customers ---------------------------------------------------------------------------------


class ContactIn(BaseModel):
    kind: customers.ContactKind
    value: str
    preferred: bool = False


class PartyIn(BaseModel):
    kind: customers.PartyKind
    name: str
    document_type: customers.DocumentType
    document_number: str
    document_country: str = "CO"
    contacts: list[ContactIn] = []


class PartyChange(BaseModel):
    name: str | None = None
    contacts: list[ContactIn] | None = None


class ConsentIn(BaseModel):
    channel: customers.Channel
    purpose: customers.ConsentPurpose
    granted: bool
    source: str = "api"


def _contacts(items: list[ContactIn]) -> list[customer_ops.ContactInput]:
    return [
        customer_ops.ContactInput(kind=c.kind, value=c.value, preferred=c.preferred) for c in items
    ]


@router.post("/parties", status_code=201, tags=["customers"])
def register_party(body: PartyIn, actor: Actor, container: Container) -> Json:
    """Register a person or organisation (NIT check digit, document types validated)."""
    party = customer_ops.register_party(
        env=container.env(actor),
        kind=body.kind,
        name=body.name,
        document_type=body.document_type,
        document_number=body.document_number,
        document_country=body.document_country,
        contacts=_contacts(body.contacts),
    )
    return json_of(party)


@router.get("/parties", tags=["customers"])
def search_parties(
    actor: Actor,
    container: Container,
    q: str,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Json:
    """Find parties by name or document number."""
    return page(
        customer_queries.search_parties(
            env=container.env(actor), text=q, limit=limit, offset=offset
        )
    )


@router.get("/parties/{party_id}", tags=["customers"])
def get_party(party_id: str, actor: Actor, container: Container) -> Json:
    return json_of(
        customer_queries.get_party(env=container.env(actor), party_id=ids.PartyId(party_id))
    )


@router.patch("/parties/{party_id}", tags=["customers"])
def update_party(party_id: str, body: PartyChange, actor: Actor, container: Container) -> Json:
    """Change a party's name or replace its contact points."""
    return json_of(
        customer_ops.update_party(
            env=container.env(actor),
            party_id=ids.PartyId(party_id),
            name=body.name,
            contacts=None if body.contacts is None else _contacts(body.contacts),
        )
    )


@router.post("/parties/{party_id}/consents", status_code=201, tags=["customers"])
def record_consent(party_id: str, body: ConsentIn, actor: Actor, container: Container) -> Json:
    """Record a consent decision (habeas data) for a channel and purpose."""
    return json_of(
        customer_ops.record_consent(
            env=container.env(actor),
            party_id=ids.PartyId(party_id),
            channel=body.channel,
            purpose=body.purpose,
            granted=body.granted,
            source=body.source,
        )
    )


# --- premises, service points, meters ------------------------------------------------------------


class PremiseIn(BaseModel):
    address: str
    city: str
    department: str
    country: str = "CO"
    use_class: premises.UseClass
    stratum: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    altitude_m: int | None = None


class Reclassification(BaseModel):
    use_class: premises.UseClass
    stratum: int | None = None


class ServicePointIn(BaseModel):
    service: premises.Service


class MeterIn(BaseModel):
    serial: str
    service: premises.Service
    kind: premises.MeterKind
    multiplier: Decimal = Decimal(1)
    dials: int = 5


class InstallationIn(BaseModel):
    service_point_id: str
    on: date
    until: date | None = None


class RemovalIn(BaseModel):
    on: date


@router.post("/premises", status_code=201, tags=["premises"])
def register_premise(body: PremiseIn, actor: Actor, container: Container) -> Json:
    """Register a property with its address, stratum (1–6, homes only) and use class."""
    return json_of(premise_ops.register_premise(env=container.env(actor), **body.model_dump()))


@router.get("/premises", tags=["premises"])
def search_premises(
    actor: Actor,
    container: Container,
    q: str,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Json:
    return page(
        premise_queries.search_premises(
            env=container.env(actor), text=q, limit=limit, offset=offset
        )
    )


@router.get("/premises/{premise_id}", tags=["premises"])
def get_premise(premise_id: str, actor: Actor, container: Container) -> Json:
    return json_of(
        premise_queries.get_premise(env=container.env(actor), premise_id=ids.PremiseId(premise_id))
    )


@router.patch("/premises/{premise_id}", tags=["premises"])
def reclassify_premise(
    premise_id: str, body: Reclassification, actor: Actor, container: Container
) -> Json:
    """Change use class and stratum (e.g. after a re-stratification)."""
    return json_of(
        premise_ops.reclassify_premise(
            env=container.env(actor),
            premise_id=ids.PremiseId(premise_id),
            use_class=body.use_class,
            stratum=body.stratum,
        )
    )


@router.post("/premises/{premise_id}/service-points", status_code=201, tags=["premises"])
def add_service_point(
    premise_id: str, body: ServicePointIn, actor: Actor, container: Container
) -> Json:
    return json_of(
        premise_ops.add_service_point(
            env=container.env(actor), premise_id=ids.PremiseId(premise_id), service=body.service
        )
    )


@router.get("/premises/{premise_id}/service-points", tags=["premises"])
def list_service_points(premise_id: str, actor: Actor, container: Container) -> list[Json]:
    return list_of(
        premise_queries.service_points(
            env=container.env(actor), premise_id=ids.PremiseId(premise_id)
        )
    )


@router.post("/meters", status_code=201, tags=["meters"])
def register_meter(body: MeterIn, actor: Actor, container: Container) -> Json:
    return json_of(premise_ops.register_meter(env=container.env(actor), **body.model_dump()))


@router.get("/meters/{meter_id}", tags=["meters"])
def get_meter(meter_id: str, actor: Actor, container: Container) -> Json:
    return json_of(
        premise_queries.get_meter(env=container.env(actor), meter_id=ids.MeterId(meter_id))
    )


@router.post("/meters/{meter_id}/installations", status_code=201, tags=["meters"])
def install_meter(meter_id: str, body: InstallationIn, actor: Actor, container: Container) -> Json:
    """Install a meter at a service point (refused if it is elsewhere then)."""
    return json_of(
        premise_ops.install_meter(
            env=container.env(actor),
            meter_id=ids.MeterId(meter_id),
            service_point_id=ids.ServicePointId(body.service_point_id),
            on=body.on,
            until=body.until,
        )
    )


@router.post("/meters/{meter_id}/removal", tags=["meters"])
def remove_meter(meter_id: str, body: RemovalIn, actor: Actor, container: Container) -> Json:
    return json_of(
        premise_ops.remove_meter(
            env=container.env(actor), meter_id=ids.MeterId(meter_id), on=body.on
        )
    )


# --- accounts and agreements -------------------------------------------------------------------


class DepositFactsIn(BaseModel):
    """What the tenant's deposit_required pack is told about a new account."""

    use_class: str
    tenancy: str
    expected_monthly_amount: Decimal
    prior_debt: bool = False
    stratum: int | None = None


class AccountIn(BaseModel):
    holder_id: str
    billing_cycle: str
    bill_delivery: accounts.BillDelivery = accounts.BillDelivery.PAPER
    language: accounts.Language = accounts.Language.ES
    deposit_facts: DepositFactsIn | None = None


class AccountChange(BaseModel):
    billing_cycle: str | None = None
    bill_delivery: accounts.BillDelivery | None = None
    language: accounts.Language | None = None
    status: accounts.AccountStatus | None = None


class AgreementIn(BaseModel):
    account_id: str
    service_point_id: str
    tariff_code: str
    active_from: date
    active_to: date | None = None


class AgreementEnd(BaseModel):
    on: date


@router.post("/accounts", status_code=201, tags=["accounts"])
def open_account(body: AccountIn, actor: Actor, container: Container) -> Json:
    """
    Open an account; its printed number carries a check digit. Given its facts, the tenant's
    ``deposit_required`` pack says the deposit it leaves (``deposit_amount``, ``deposit_reason``
    and ``deposit_decided_by``; no pack in force: none, and the account says so).
    """
    facts = body.deposit_facts
    return json_of(
        account_ops.open_account(
            env=container.env(actor),
            holder_id=ids.PartyId(body.holder_id),
            billing_cycle=body.billing_cycle,
            bill_delivery=body.bill_delivery,
            language=body.language,
            deposit_facts=None
            if facts is None
            else accounts.DepositFacts(
                use_class=facts.use_class,
                tenancy=facts.tenancy,
                expected_monthly_amount=facts.expected_monthly_amount,
                prior_debt=facts.prior_debt,
                stratum=facts.stratum,
            ),
            deposits=accounts_wiring.deposit_question(container),
        )
    )


@router.get("/accounts/{account_id}", tags=["accounts"])
def get_account(account_id: str, actor: Actor, container: Container) -> Json:
    return json_of(
        account_queries.get_account(env=container.env(actor), account_id=ids.AccountId(account_id))
    )


@router.patch("/accounts/{account_id}", tags=["accounts"])
def update_account(
    account_id: str, body: AccountChange, actor: Actor, container: Container
) -> Json:
    return json_of(
        account_ops.update_account(
            env=container.env(actor), account_id=ids.AccountId(account_id), **body.model_dump()
        )
    )


@router.get("/accounts/{account_id}/view", tags=["accounts"])
def account_view(account_id: str, actor: Actor, container: Container) -> Json:
    """Everything about an account: holder, agreements, premises, service points, meters."""
    view = account_queries.account_view(
        env=container.env(actor), account_id=ids.AccountId(account_id)
    )
    return {
        "account": plain(view.account),
        "holder": plain(view.holder),
        "services": [
            {
                "agreement": plain(s.agreement),
                "service_point": plain(s.service_point),
                "premise": plain(s.premise),
                "meters": [{"meter": plain(m), "installation": plain(i)} for m, i in s.meters],
            }
            for s in view.services
        ],
    }


@router.post("/agreements", status_code=201, tags=["accounts"])
def start_agreement(body: AgreementIn, actor: Actor, container: Container) -> Json:
    """Supply a service point under a tariff (refused if another agreement overlaps)."""
    return json_of(
        account_ops.start_agreement(
            env=container.env(actor),
            account_id=ids.AccountId(body.account_id),
            service_point_id=ids.ServicePointId(body.service_point_id),
            tariff_code=body.tariff_code,
            active_from=body.active_from,
            active_to=body.active_to,
        )
    )


@router.get("/agreements/{agreement_id}", tags=["accounts"])
def get_agreement(agreement_id: str, actor: Actor, container: Container) -> Json:
    return json_of(
        account_queries.get_agreement(
            env=container.env(actor), agreement_id=ids.AgreementId(agreement_id)
        )
    )


@router.post("/agreements/{agreement_id}/end", tags=["accounts"])
def end_agreement(
    agreement_id: str, body: AgreementEnd, actor: Actor, container: Container
) -> Json:
    return json_of(
        account_ops.end_agreement(
            env=container.env(actor), agreement_id=ids.AgreementId(agreement_id), on=body.on
        )
    )


@router.get("/me/accounts", tags=["accounts"])
def my_accounts(actor: Actor, container: Container) -> list[Json]:
    """A signed-in customer's own accounts."""
    return list_of(account_queries.my_accounts(env=container.env(actor)))


@router.get("/search", tags=["accounts"])
def search(
    actor: Actor,
    container: Container,
    q: str,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Json:
    """Find accounts by name, document, account number, address, meter serial or phone."""
    return page(
        account_queries.search(env=container.env(actor), text=q, limit=limit, offset=offset)
    )


# --- users and audit ---------------------------------------------------------------------------


class UserIn(BaseModel):
    username: str
    display_name: str
    password: str
    roles: list[identity.Role]
    party_id: str | None = None


@router.post("/users", status_code=201, tags=["users"])
def create_user(body: UserIn, actor: Actor, container: Container) -> Json:
    """Create a user (admins only); the password is stored as an argon2 hash."""
    user = identity_ops.create_user(
        env=container.env(actor),
        hasher=container.hasher,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        roles=body.roles,
        party_id=None if body.party_id is None else ids.PartyId(body.party_id),
    )
    created = json_of(user)
    del created["password_hash"]
    return created


@router.get("/audit/{entity}/{entity_id}", tags=["audit"])
def audit_trail(entity: str, entity_id: str, actor: Actor, container: Container) -> list[Json]:
    """Every recorded write to one record, oldest first."""
    return list_of(
        identity_queries.audit_trail(env=container.env(actor), entity=entity, entity_id=entity_id)
    )


@router.get("/health", tags=["health"], include_in_schema=False)
def health() -> Response:
    return Response("ok", media_type="text/plain")
