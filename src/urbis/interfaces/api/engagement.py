"""Cases (PQR) with their legal deadlines, interactions and the customer's timeline over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, Field

from urbis import bootstrap
from urbis.application._support import plain
from urbis.application.accounts import queries as account_queries
from urbis.application.engagement import operations, ports, queries
from urbis.application.portal import outages
from urbis.bootstrap import engagement as wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import engagement, identity, premises
from urbis.interfaces.api.auth import Actor, Container
from urbis.kernel import ids

router = APIRouter(prefix="/api/v1", tags=["engagement"])
AGENTS = frozenset({identity.Role.AGENT, identity.Role.COLLECTIONS})
T = TypeVar("T")


def _in_transaction(
    container: bootstrap.App, actor: identity.Actor, use_case: Callable[[Any], T]
) -> T:
    """Run one engagement use case in one transaction: all of it is written, or none."""
    with container.engine.begin() as connection:
        return use_case(
            wiring.database_env(container=container, actor=actor, connection=connection)
        )


def _case_in_transaction(
    container: bootstrap.App,
    actor: identity.Actor,
    use_case: Callable[[Any], engagement.Case],
) -> engagement.Case:
    """Run a use case that files or changes a case, and tell its customer, in one transaction."""
    with container.engine.begin() as connection:
        env = wiring.database_env(container=container, actor=actor, connection=connection)
        case = use_case(env)
        portal_wiring.notify_case_changed(
            container=container, engaging=env, connection=connection, case=case
        )
        return case


def _case_json(case: engagement.Case, env_clock: Any, calendar: Any) -> dict[str, Any]:
    clock = engagement.sla_clock(case=case, as_at=env_clock.now(), calendar=calendar)
    data: dict[str, Any] = plain(case)
    data["sla"] = {"state": clock.state.value, "business_days_left": clock.business_days_left}
    return data


class CaseIn(BaseModel):
    kind: engagement.CaseKind
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=20_000)
    party_id: str | None = None
    account_id: str | None = None
    channel: engagement.InteractionChannel = engagement.InteractionChannel.WALK_IN
    team: str | None = None


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1)


class InteractionIn(BaseModel):
    channel: engagement.InteractionChannel
    direction: engagement.Direction = engagement.Direction.INBOUND
    summary: str = Field(min_length=1, max_length=20_000)
    party_id: str
    account_id: str | None = None
    case_id: str | None = None


@router.post("/cases", status_code=201)
def open_case(body: CaseIn, actor: Actor, container: Container) -> dict[str, Any]:
    """File a PQR; its response deadline is 15 business days (Ley 142 art. 158)."""
    identity.require_role(actor=actor, allowed=AGENTS)
    calendar = wiring.business_calendar(as_at=container.clock.now())
    party_id = body.party_id
    if body.account_id is not None:  # the account must be this utility's; its holder files
        account = account_queries.get_account(
            env=container.env(actor), account_id=ids.AccountId(body.account_id)
        )
        party_id = party_id or account.holder_id
    case = _case_in_transaction(
        container,
        actor,
        lambda env: operations.open_case(
            env=env,
            kind=body.kind,
            subject=body.subject,
            description=body.description,
            party_id=None if party_id is None else ids.PartyId(party_id),
            account_id=None if body.account_id is None else ids.AccountId(body.account_id),
            channel=body.channel,
            team=body.team,
        ),
    )
    return _case_json(case, container.clock, calendar)


@router.post("/cases/{case_id}/answer")
def answer_case(case_id: str, body: AnswerIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Record the answer to a case (its clock stops: met or missed)."""
    identity.require_role(actor=actor, allowed=AGENTS)
    calendar = wiring.business_calendar(as_at=container.clock.now())
    case = _case_in_transaction(
        container,
        actor,
        lambda env: operations.answer_case(
            env=env, case_id=engagement.CaseId(case_id), answer=body.answer
        ),
    )
    return _case_json(case, container.clock, calendar)


class AppealIn(BaseModel):
    kind: engagement.CaseKind = engagement.CaseKind.RECONSIDERATION
    reason: str = Field(min_length=1, max_length=20_000)


@router.post("/cases/{case_id}/appeal")
def appeal_case(case_id: str, body: AppealIn, actor: Actor, container: Container) -> dict[str, Any]:
    """
    File a recurso de reposición or apelación against a case's answer, within 5 business days
    of it: the case reopens with a new deadline and its customer is told.
    """
    identity.require_role(actor=actor, allowed=AGENTS)
    calendar = wiring.business_calendar(as_at=container.clock.now())
    case = _case_in_transaction(
        container,
        actor,
        lambda env: operations.appeal_case(
            env=env, case_id=engagement.CaseId(case_id), kind=body.kind, reason=body.reason
        ),
    )
    return _case_json(case, container.clock, calendar)


def _sla_rows(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            **plain(r.case),
            "sla": {
                "state": r.clock.state.value,
                "business_days_left": r.clock.business_days_left,
            },
        }
        for r in rows
    ]


@router.post("/cases/escalations")
def escalate_cases(actor: Actor, container: Container) -> dict[str, Any]:
    """
    Escalate every case whose SLA clock calls for it now (once when due soon, once more when
    overdue) and answer them with the cases at risk, the most urgent first (ADR 0075).
    """
    identity.require_role(actor=actor, allowed=AGENTS | {identity.Role.ADMIN})

    def use(env: Any) -> tuple[Any, Any]:
        escalated = operations.escalate_due_cases(env=env)
        return escalated, queries.cases_at_risk(env=env)

    escalated, at_risk = _in_transaction(container, actor, use)
    return {"escalated": [plain(c) for c in escalated], "at_risk": _sla_rows(at_risk)}


@router.get("/cases/at-risk")
def cases_at_risk(actor: Actor, container: Container) -> list[dict[str, Any]]:
    """Cases awaiting an answer that are due soon or overdue, the most urgent first."""
    identity.require_role(actor=actor, allowed=identity.STAFF_ROLES)
    return _sla_rows(_in_transaction(container, actor, lambda env: queries.cases_at_risk(env=env)))


@router.get("/cases/open")
def open_cases(actor: Actor, container: Container) -> list[dict[str, Any]]:
    """Cases awaiting an answer, the most urgent first, with their SLA clocks."""
    identity.require_role(actor=actor, allowed=identity.STAFF_ROLES)
    rows = _in_transaction(container, actor, lambda env: queries.open_cases(env=env))
    return [
        {
            **plain(r.case),
            "sla": {
                "state": r.clock.state.value,
                "business_days_left": r.clock.business_days_left,
            },
        }
        for r in rows
    ]


@router.post("/interactions", status_code=201)
def record_interaction(body: InteractionIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Record a call, a visit or a letter with a known customer on their timeline."""
    identity.require_role(actor=actor, allowed=AGENTS)
    interaction = _in_transaction(
        container,
        actor,
        lambda env: operations.record_interaction(
            env=env,
            channel=body.channel,
            direction=body.direction,
            summary=body.summary,
            party_id=ids.PartyId(body.party_id),
            account_id=None if body.account_id is None else ids.AccountId(body.account_id),
            case_id=body.case_id,
        ),
    )
    data: dict[str, Any] = plain(interaction)
    return data


class MatchIn(BaseModel):
    key: str | None = Field(
        default=None,
        description="What the agent knows: account number, document, phone or email",
    )
    party_id: str | None = None
    account_id: str | None = None


@router.get("/interactions/unmatched")
def unmatched(actor: Actor, container: Container) -> list[dict[str, Any]]:
    """Inbound messages and calls nobody could link to a customer, oldest first."""
    identity.require_role(actor=actor, allowed=AGENTS)
    found = _in_transaction(container, actor, lambda env: queries.unmatched_queue(env=env))
    result: list[dict[str, Any]] = plain(found)
    return result


@router.post("/interactions/{interaction_id}/match")
def match(interaction_id: str, body: MatchIn, actor: Actor, container: Container) -> dict[str, Any]:
    """Link a queued interaction to a customer, named by ``party_id`` or by a ``key``."""
    identity.require_role(actor=actor, allowed=AGENTS)
    interaction_key = engagement.InteractionId(interaction_id)

    def use(env: Any) -> engagement.Interaction:
        if body.party_id is not None:
            return operations.match_interaction(
                env=env,
                interaction_id=interaction_key,
                party_id=ids.PartyId(body.party_id),
                account_id=None if body.account_id is None else ids.AccountId(body.account_id),
            )
        return operations.match_interaction_by(
            env=env, interaction_id=interaction_key, key=body.key or ""
        )

    data: dict[str, Any] = plain(_in_transaction(container, actor, use))
    return data


@router.get("/parties/{party_id}/timeline")
def timeline(party_id: str, actor: Actor, container: Container) -> list[dict[str, Any]]:
    """Every interaction and case event of a customer on every channel, newest first."""
    identity.require_role(actor=actor, allowed=identity.STAFF_ROLES)
    entries = _in_transaction(
        container,
        actor,
        lambda env: queries.customer_timeline(env=env, party_id=ids.PartyId(party_id)),
    )
    result: list[dict[str, Any]] = plain(entries)
    return result


class OutageIn(BaseModel):
    reference: str = Field(min_length=1, max_length=60, description="The utility's own code")
    service: premises.Service
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=500)
    area: str = Field(default="", max_length=200, description="How the notice names the area")
    cities: list[str] = Field(default_factory=list, max_length=100)
    premise_ids: list[str] = Field(default_factory=list, max_length=100_000)
    service_point_ids: list[str] = Field(default_factory=list, max_length=100_000)


@router.post("/outages", status_code=201)
def announce_outage(body: OutageIn, actor: Actor, container: Container) -> dict[str, Any]:
    """
    Announce a planned outage: an OUTAGE notice is queued for every customer supplied with the
    service in the area (cities, premises or service points) who consented to a channel; the
    same reference announced again queues nothing new.
    """
    identity.require_role(actor=actor, allowed=AGENTS | {identity.Role.ADMIN})
    report = portal_wiring.announce_outage(
        container=container,
        tenant_id=actor.tenant_id,
        outage=outages.Outage(
            reference=body.reference,
            service=body.service,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            reason=body.reason,
            area=body.area,
            cities=tuple(body.cities),
            premise_ids=tuple(body.premise_ids),
            service_point_ids=tuple(body.service_point_ids),
        ),
    )
    return report.picture()


REVIEWERS = frozenset({identity.Role.AGENT, identity.Role.ADMIN})


def _rejected_json(payload: ports.RejectedPayload) -> dict[str, Any]:
    return {
        "id": payload.id,
        "channel": payload.channel.value,
        "received_at": payload.received_at.isoformat(),
        "error_code": payload.error_code,
        "error": payload.error,
        "content_type": payload.raw.content_type,
        "body": payload.raw.body,
        "reviewed_at": None if payload.reviewed_at is None else payload.reviewed_at.isoformat(),
        "reviewed_by": payload.reviewed_by,
    }


@router.get("/rejected-payloads")
def rejected_payloads(
    actor: Actor, container: Container, include_reviewed: bool = False
) -> list[dict[str, Any]]:
    """
    Payloads kept for review (malformed webhooks, oversized attachments, unreadable email,
    refused Open311 requests), newest first; reviewed ones only with ``include_reviewed``.
    """
    identity.require_role(actor=actor, allowed=REVIEWERS)
    found = _in_transaction(
        container,
        actor,
        lambda env: queries.rejected_payloads(env=env, include_reviewed=include_reviewed),
    )
    return [_rejected_json(p) for p in found]


@router.post("/rejected-payloads/{payload_id}/reviewed")
def mark_reviewed(payload_id: str, actor: Actor, container: Container) -> dict[str, Any]:
    """Mark a kept payload as reviewed by the caller."""
    identity.require_role(actor=actor, allowed=REVIEWERS)
    reviewed = _in_transaction(
        container,
        actor,
        lambda env: operations.mark_payload_reviewed(env=env, payload_id=payload_id),
    )
    return _rejected_json(reviewed)
