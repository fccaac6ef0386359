"""Reads of the engagement context: timelines, the matching queue, case clocks."""

from __future__ import annotations

import attrs
import polars as pl

from urbis.application.engagement import ports
from urbis.domain import engagement
from urbis.kernel import ids


def customer_timeline(
    *, env: ports.EngagementEnv, party_id: ids.PartyId
) -> tuple[engagement.TimelineEntry, ...]:
    """Every interaction and case event of one customer on every channel, newest first."""
    return engagement.timeline(
        interactions=env.interactions.for_party(env.tenant_id, party_id),
        cases=env.cases.for_party(env.tenant_id, party_id),
    )


def unmatched_queue(*, env: ports.EngagementEnv) -> tuple[engagement.Interaction, ...]:
    """Inbound interactions nobody could match to a customer, oldest first."""
    return tuple(sorted(env.interactions.unmatched(env.tenant_id), key=lambda i: i.at))


def rejected_payloads(
    *, env: ports.EngagementEnv, include_reviewed: bool = False
) -> tuple[ports.RejectedPayload, ...]:
    """Payloads kept for review (malformed webhooks, unreadable email...), newest first."""
    kept = env.rejected.list(env.tenant_id)
    shown = kept if include_reviewed else [p for p in kept if p.reviewed_at is None]
    return tuple(sorted(shown, key=lambda p: (p.received_at, p.id), reverse=True))


@attrs.frozen
class LiveEvent:
    """Something a customer just did on a channel, for the agents' consoles to show at once."""

    interaction: engagement.Interaction
    customer: str  # the customer's name, "" when nobody matched


def inbound_since(
    *, env: ports.EngagementEnv, after: str | None, limit: int = 50
) -> tuple[str, tuple[LiveEvent, ...]]:
    """
    Inbound calls, messages and chat lines logged after the interaction ``after`` (None: from
    now on), oldest first, with the cursor to ask from next time.
    """
    if after is None:
        return env.interactions.last_id(env.tenant_id), ()
    found = env.interactions.inbound_after(env.tenant_id, after, limit)
    names: dict[str, str] = {}
    events = []
    for interaction in found:
        name = ""
        if interaction.party_id is not None:
            if interaction.party_id not in names:
                party = env.directory.party(env.tenant_id, interaction.party_id)
                names[interaction.party_id] = "" if party is None else party.name
            name = names[interaction.party_id]
        events.append(LiveEvent(interaction=interaction, customer=name))
    cursor = found[-1].id if found else after
    return cursor, tuple(events)


@attrs.frozen
class CaseRow:
    case: engagement.Case
    clock: engagement.SlaClock


def open_cases(*, env: ports.EngagementEnv) -> tuple[CaseRow, ...]:
    """Cases awaiting an answer with their SLA clocks now, the most urgent first."""
    now = env.clock.now()
    rows = [
        CaseRow(
            case=c,
            clock=engagement.sla_clock(case=c, as_at=now, calendar=env.calendar, policy=env.policy),
        )
        for c in env.cases.awaiting_answer(env.tenant_id)
    ]
    return tuple(sorted(rows, key=lambda r: (r.case.deadline, r.case.number)))


AT_RISK = (engagement.SlaState.DUE_SOON, engagement.SlaState.OVERDUE)


def cases_at_risk(*, env: ports.EngagementEnv) -> tuple[CaseRow, ...]:
    """Cases awaiting an answer that are due soon or overdue, the most urgent first."""
    return tuple(r for r in open_cases(env=env) if r.clock.state in AT_RISK)


def open_cases_routing_history(*, env: ports.EngagementEnv) -> pl.DataFrame:
    """
    The ``case_routing`` question of every case awaiting an answer, as routing asked it when the
    case was filed (case type, channel, text category), with an ``account`` column (the case's
    number), for simulating a routing draft over today's open cases.
    """
    rows = [
        {"account": str(r.case.number), **engagement.routing_facts(case=r.case)}
        for r in open_cases(env=env)
    ]
    schema = {
        "account": pl.String,
        "case_type": pl.String,
        "channel": pl.String,
        "text_category": pl.String,
        "location": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
