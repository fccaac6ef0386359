"""Writes of the engagement context: interactions, matching, cases, notifications."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from urbis.application.engagement import ports, routing
from urbis.domain import customers, engagement
from urbis.kernel import errors, ids


class InteractionAlreadyMatched(errors.Conflict):
    code = "interaction_already_matched"


def _found(value: Any, *, what: str, key: str) -> Any:
    if value is None:
        raise errors.NotFound(f"No {what} {key}", details={"what": what, "key": key})
    return value


def _match(
    *, env: ports.EngagementEnv, message: engagement.InboundMessage
) -> engagement.Match | None:
    """The single customer a message belongs to, or ``None`` when unknown or ambiguous."""
    first = (
        engagement.MatchKey.EMAIL
        if message.channel is engagement.InteractionChannel.EMAIL
        else engagement.MatchKey.PHONE
    )
    keys = ((first, message.sender), *engagement.match_hints(f"{message.subject} {message.text}"))
    directory = env.directory
    lookup_by: dict[engagement.MatchKey, Callable[[ids.TenantId, str], Sequence[engagement.Match]]]
    lookup_by = {
        engagement.MatchKey.EMAIL: directory.by_email,
        engagement.MatchKey.PHONE: directory.by_phone,
        engagement.MatchKey.ACCOUNT_NUMBER: directory.by_account_number,
        engagement.MatchKey.DOCUMENT: directory.by_document,
    }
    for key, value in keys:
        found = {(m.party_id, m.account_id): m for m in lookup_by[key](env.tenant_id, value)}
        parties = {m.party_id for m in found.values()}
        if len(parties) == 1:
            matches = list(found.values())
            # one party with several accounts: keep the party, leave the account open
            return matches[0] if len(matches) == 1 else attrs.evolve(matches[0], account_id=None)
    return None


def receive_message(
    *, env: ports.EngagementEnv, message: engagement.InboundMessage
) -> engagement.Interaction:
    """
    Log an inbound message on the customer's timeline, or queue it for an agent to match.

    Delivering the same provider message twice records it once; later events of the same
    call (CTI ``answered``, ``ended``) update that call's interaction, so the console can pop the
    customer on ``ringing`` and show the duration when the call ends.
    """
    existing = env.interactions.by_provider_id(env.tenant_id, message.channel, message.provider_id)
    if existing is not None and message.provider_id:
        if message.event and message.text and message.text != existing.summary:
            # a later event of the same call (answered, ended) updates the one interaction
            updated = attrs.evolve(existing, summary=engagement.summarise(message.text))
            env.interactions.update(updated)
            return updated
        return existing
    match = _match(env=env, message=message)
    parts = [p for p in (message.subject, message.text) if p.strip()]
    summary = " — ".join(parts) or message.event or "(empty)"
    interaction = engagement.Interaction(
        id=engagement.InteractionId(env.ids.new_id()),
        tenant_id=env.tenant_id,
        channel=message.channel,
        direction=engagement.Direction.INBOUND,
        at=message.at,
        summary=engagement.summarise(summary),
        raw=message.raw,
        sender=message.sender,
        party_id=None if match is None else match.party_id,
        account_id=None if match is None else match.account_id,
        matched_by=None if match is None else match.key,
        provider_id=message.provider_id,
    )
    env.interactions.add(interaction)
    return interaction


def accept_payload(
    *,
    env: ports.EngagementEnv,
    channel: engagement.InteractionChannel,
    content_type: str,
    body: bytes,
    parse: Callable[[bytes], Sequence[engagement.InboundMessage]],
) -> tuple[engagement.Interaction, ...]:
    """
    Read a provider's payload with ``parse`` and log every message in it.

    A payload that cannot be read is kept as it came, with the reason, before the error is
    raised, so that nothing is lost and nothing half-created.

    :raises MalformedPayload: if ``parse`` cannot read the payload (or any other
        ``DomainError`` ``parse`` raises, such as an oversized attachment).
    """
    try:
        messages = tuple(parse(body))
    except errors.DomainError as exc:
        keep_for_review(
            env=env,
            channel=channel,
            content_type=content_type,
            body=body.decode("utf-8", errors="replace"),
            error=exc,
        )
        raise
    return tuple(receive_message(env=env, message=m) for m in messages)


def keep_for_review(
    *,
    env: ports.EngagementEnv,
    channel: engagement.InteractionChannel,
    content_type: str,
    body: str,
    error: errors.DomainError,
) -> ports.RejectedPayload:
    """
    Keep a refused payload as it came (minus any secret the caller removed), with the reason
    it was refused, for an agent to review.
    """
    rejected = ports.RejectedPayload(
        id=env.ids.new_id(),
        tenant_id=env.tenant_id,
        channel=channel,
        received_at=env.clock.now(),
        raw=engagement.RawPayload(content_type=content_type, body=body),
        error_code=error.code,
        error=error.message,
    )
    env.rejected.add(rejected)
    return rejected


class AlreadyReviewed(errors.Conflict):
    code = "payload_already_reviewed"


def mark_payload_reviewed(*, env: ports.EngagementEnv, payload_id: str) -> ports.RejectedPayload:
    """
    Mark a kept payload as reviewed by the acting agent, now.

    :raises NotFound: if the tenant has no such kept payload.
    :raises AlreadyReviewed: if someone already reviewed it.
    """
    found: ports.RejectedPayload = _found(
        env.rejected.get(env.tenant_id, payload_id), what="rejected payload", key=payload_id
    )
    if found.reviewed_at is not None:
        raise AlreadyReviewed(
            f"Payload {payload_id} was reviewed by {found.reviewed_by}",
            details={"payload_id": payload_id, "reviewed_by": found.reviewed_by},
        )
    reviewed = attrs.evolve(found, reviewed_at=env.clock.now(), reviewed_by=env.actor_id)
    env.rejected.mark_reviewed(reviewed)
    return reviewed


def record_interaction(
    *,
    env: ports.EngagementEnv,
    channel: engagement.InteractionChannel,
    direction: engagement.Direction,
    summary: str,
    party_id: ids.PartyId,
    account_id: ids.AccountId | None = None,
    at: datetime | None = None,
    case_id: str | None = None,
) -> engagement.Interaction:
    """
    Record an interaction an agent had with a known customer (a call, a visit, a letter).

    :raises NotFound: if the customer is not in the directory.
    :raises InvalidInteraction: if the summary is empty.
    """
    _found(env.directory.party(env.tenant_id, party_id), what="party", key=party_id)
    if not summary.strip():
        raise engagement.InvalidInteraction("An interaction needs a summary")
    interaction = engagement.Interaction(
        id=engagement.InteractionId(env.ids.new_id()),
        tenant_id=env.tenant_id,
        channel=channel,
        direction=direction,
        at=at or env.clock.now(),
        summary=engagement.summarise(summary, limit=2000),
        party_id=party_id,
        account_id=account_id,
        matched_by=engagement.MatchKey.AGENT,
        case_id=case_id,
    )
    env.interactions.add(interaction)
    return interaction


def match_interaction(
    *,
    env: ports.EngagementEnv,
    interaction_id: engagement.InteractionId,
    party_id: ids.PartyId,
    account_id: ids.AccountId | None = None,
) -> engagement.Interaction:
    """
    Assign a queued interaction to a customer by hand.

    :raises NotFound: if the interaction or the customer does not exist.
    :raises InteractionAlreadyMatched: if it already belongs to a customer.
    """
    interaction: engagement.Interaction = _found(
        env.interactions.get(env.tenant_id, interaction_id), what="interaction", key=interaction_id
    )
    _found(env.directory.party(env.tenant_id, party_id), what="party", key=party_id)
    if interaction.is_matched:
        raise InteractionAlreadyMatched(
            "The interaction already belongs to a customer",
            details={"interaction_id": interaction_id, "party_id": interaction.party_id},
        )
    matched = attrs.evolve(
        interaction,
        party_id=party_id,
        account_id=account_id,
        matched_by=engagement.MatchKey.AGENT,
    )
    env.interactions.update(matched)
    return matched


class NoCustomerForKey(errors.NotFound):
    code = "no_customer_for_key"


class AmbiguousCustomerKey(errors.Conflict):
    code = "ambiguous_customer_key"


def match_interaction_by(
    *, env: ports.EngagementEnv, interaction_id: engagement.InteractionId, key: str
) -> engagement.Interaction:
    """
    Assign a queued interaction to the customer an agent names by what they know: an account
    number, an identity document, a phone number or an email address.

    :raises InvalidInteraction: if the key is empty.
    :raises NoCustomerForKey: if no customer has it.
    :raises AmbiguousCustomerKey: if several customers share it (name the account instead).
    :raises NotFound: if the interaction does not exist.
    :raises InteractionAlreadyMatched: if it already belongs to a customer.
    """
    text = key.strip()
    if not text:
        raise engagement.InvalidInteraction("Say which customer: account, document, phone or email")
    directory = env.directory
    lookups: tuple[Callable[[ids.TenantId, str], Sequence[engagement.Match]], ...]
    if "@" in text:
        lookups = (directory.by_email,)
    else:
        lookups = (directory.by_account_number, directory.by_document, directory.by_phone)
    for lookup in lookups:
        found = lookup(env.tenant_id, text)
        parties = {m.party_id for m in found}
        if len(parties) > 1:
            raise AmbiguousCustomerKey(
                f"{text!r} belongs to {len(parties)} customers: name the account instead",
                details={"key": text, "customers": len(parties)},
            )
        if parties:
            accounts = {m.account_id for m in found}
            account = next(iter(accounts)) if len(accounts) == 1 else None
            return match_interaction(
                env=env,
                interaction_id=interaction_id,
                party_id=found[0].party_id,
                account_id=account,
            )
    raise NoCustomerForKey(f"No customer has {text!r}", details={"key": text})


def open_case(
    *,
    env: ports.EngagementEnv,
    kind: engagement.CaseKind,
    subject: str,
    description: str,
    party_id: ids.PartyId | None = None,
    account_id: ids.AccountId | None = None,
    channel: engagement.InteractionChannel = engagement.InteractionChannel.WALK_IN,
    team: str | None = None,
    filed_at: datetime | None = None,
    routed_as: str | None = None,
) -> engagement.Case:
    """
    File a case (PQR) with its legal response deadline and a number ``PQR-YYYY-NNNNNN``, routed
    to a queue by the tenant's ``case_routing`` pack (``routed_as``: the channel as routing
    knows it, when not the case's own, such as ``OPEN311``).

    :raises NotFound: if a customer is named and not in the directory.
    :raises InvalidCase: if the subject is empty or too long.
    :raises RuleEvaluationFailed: if the routing pack fails (naming pack, version and node).
    """
    if party_id is not None:
        _found(env.directory.party(env.tenant_id, party_id), what="party", key=party_id)
    at = filed_at or env.clock.now()
    year = env.calendar.local_date(at).year
    number = f"PQR-{year}-{env.cases.next_sequence(env.tenant_id, year):06d}"
    case = engagement.open_case(
        case_id=engagement.CaseId(env.ids.new_id()),
        tenant_id=env.tenant_id,
        number=number,
        kind=kind,
        subject=subject,
        description=description,
        filed_at=at,
        calendar=env.calendar,
        policy=env.policy,
        party_id=party_id,
        account_id=account_id,
        channel=channel.value,
        team=team,
        actor_id=env.actor_id,
    )
    case = routing.route_case(env=env, case=case, channel=routed_as)
    env.cases.add(case)
    return case


def _case(env: ports.EngagementEnv, case_id: engagement.CaseId) -> engagement.Case:
    found: engagement.Case = _found(env.cases.get(env.tenant_id, case_id), what="case", key=case_id)
    return found


def answer_case(
    *, env: ports.EngagementEnv, case_id: engagement.CaseId, answer: str
) -> engagement.Case:
    """
    Record the answer to a case now.

    :raises NotFound: if the case does not exist.
    :raises CaseTransitionNotAllowed: if it is already answered or closed.
    :raises InvalidCase: if the answer is empty.
    """
    case = engagement.answer_case(
        case=_case(env, case_id), at=env.clock.now(), answer=answer, actor_id=env.actor_id
    )
    env.cases.update(case)
    return case


def close_case(*, env: ports.EngagementEnv, case_id: engagement.CaseId) -> engagement.Case:
    """
    Close an answered case.

    :raises NotFound: if the case does not exist.
    :raises CaseTransitionNotAllowed: if it has not been answered.
    """
    case = engagement.close_case(
        case=_case(env, case_id), at=env.clock.now(), actor_id=env.actor_id
    )
    env.cases.update(case)
    return case


def appeal_case(
    *,
    env: ports.EngagementEnv,
    case_id: engagement.CaseId,
    kind: engagement.CaseKind,
    reason: str,
) -> engagement.Case:
    """
    Reopen an answered case by a recurso de reposición or apelación.

    :raises NotFound: if the case does not exist.
    :raises InvalidCase: if ``kind`` is not a recurso or the reason is empty.
    :raises CaseTransitionNotAllowed: if the case has no answer to appeal.
    :raises AppealOutOfTime: if the appeal window has passed.
    """
    case = engagement.file_appeal(
        case=_case(env, case_id),
        kind=kind,
        at=env.clock.now(),
        reason=reason,
        calendar=env.calendar,
        policy=env.policy,
        actor_id=env.actor_id,
    )
    env.cases.update(case)
    return case


def escalate_due_cases(
    *, env: ports.EngagementEnv, to_team: str | None = None
) -> tuple[engagement.Case, ...]:
    """Escalate every case awaiting an answer whose clock calls for it now; return them."""
    now = env.clock.now()
    escalated = []
    for case in env.cases.awaiting_answer(env.tenant_id):
        if engagement.needs_escalation(
            case=case, as_at=now, calendar=env.calendar, policy=env.policy
        ):
            clock = engagement.sla_clock(
                case=case, as_at=now, calendar=env.calendar, policy=env.policy
            )
            updated = engagement.escalate(
                case=case,
                at=now,
                reason=clock.state.value,
                to_team=to_team,
                actor_id=env.actor_id,
            )
            env.cases.update(updated)
            escalated.append(updated)
    return tuple(escalated)


@attrs.frozen
class NotifyEnv:
    """What notifying needs: the directory, the outbox, the suppression log, templates."""

    tenant_id: ids.TenantId
    clock: Any  # ports.Clock
    ids: Any  # ports.IdGenerator
    directory: ports.CustomerDirectory
    outbox: ports.OutboxRepository
    suppressions: ports.SuppressionLog
    templates: engagement.TemplateSet


def notify(
    *,
    env: NotifyEnv,
    party_id: ids.PartyId,
    kind: engagement.NotificationKind,
    values: Mapping[str, Any],
    preferences: engagement.Preferences,
    dedupe_key: str,
) -> engagement.OutboxMessage | engagement.Suppressed:
    """
    Queue a notification for a customer on the first channel they consented to, or record why
    it was not sent. The same ``dedupe_key`` queues one message however often it is asked.

    :raises NotFound: if the customer is not in the directory.
    :raises TemplateMissing: if no template exists for the chosen channel and language.
    :raises TemplateFailed: if a value the template needs is missing.
    """
    existing = env.outbox.by_dedupe_key(dedupe_key)
    if existing is not None:
        return existing
    party: customers.Party = _found(
        env.directory.party(env.tenant_id, party_id), what="party", key=party_id
    )
    now = env.clock.now()
    choice = engagement.choose_delivery(party=party, preferences=preferences, kind=kind)
    if not isinstance(choice, engagement.Delivery):
        suppressed = engagement.Suppressed(
            tenant_id=env.tenant_id, party_id=party_id, kind=kind, at=now, reasons=choice
        )
        env.suppressions.record(suppressed)
        return suppressed
    rendered = engagement.render(
        templates=env.templates,
        kind=kind,
        channel=choice.channel,
        language=preferences.language,
        values={"name": party.name, **values},
    )
    message = engagement.OutboxMessage(
        id=env.ids.new_id(),
        tenant_id=env.tenant_id,
        party_id=party_id,
        kind=kind,
        channel=choice.channel,
        to=choice.to,
        subject=rendered.subject,
        body=rendered.body,
        language=preferences.language,
        created_at=now,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
    )
    env.outbox.add(message)
    return message


_TIMELINE_CHANNEL = {
    customers.Channel.EMAIL: engagement.InteractionChannel.EMAIL,
    customers.Channel.SMS: engagement.InteractionChannel.SMS,
    customers.Channel.WHATSAPP: engagement.InteractionChannel.WHATSAPP,
    customers.Channel.PHONE: engagement.InteractionChannel.PHONE,
}


@attrs.frozen
class DrainReport:
    sent: int
    retried: int
    dead: int


def drain_outbox(
    *,
    outbox: ports.OutboxRepository,
    notifiers: Mapping[customers.Channel, ports.Notifier],
    as_at: datetime,
    limit: int = 100,
    policy: engagement.RetryPolicy = engagement.RetryPolicy(),  # noqa: B008 - frozen value
    timeline: ports.InteractionRepository | None = None,
) -> DrainReport:
    """
    Send every message due at ``as_at`` through its channel's notifier, retrying with backoff.

    With ``timeline``, each message sent is also logged as an outbound interaction of the
    customer, so the agent sees it next to everything else.
    """
    sent = retried = dead = 0
    for message in outbox.due(as_at, limit):
        notifier = notifiers.get(message.channel)
        if notifier is None:
            updated = engagement.after_failure(
                message=message,
                at=as_at,
                error=f"no notifier for {message.channel.value}",
                permanent=True,
                policy=policy,
            )
        else:
            try:
                provider_id = notifier.send(message)
            except engagement.DeliveryFailed as exc:
                updated = engagement.after_failure(
                    message=message,
                    at=as_at,
                    error=str(exc),
                    permanent=exc.permanent,
                    policy=policy,
                )
            else:
                updated = engagement.after_success(
                    message=message, at=as_at, provider_id=provider_id
                )
        outbox.update(updated)
        if updated.status is engagement.OutboxStatus.SENT:
            sent += 1
            channel = _TIMELINE_CHANNEL.get(updated.channel)
            if timeline is not None and channel is not None:
                timeline.add(
                    engagement.Interaction(
                        # the outbox id is itself a unique id of the id column's size, so a
                        # message is logged once
                        id=engagement.InteractionId(updated.id),
                        tenant_id=updated.tenant_id,
                        channel=channel,
                        direction=engagement.Direction.OUTBOUND,
                        at=as_at,
                        summary=engagement.summarise(updated.subject or updated.body),
                        sender=updated.to,
                        party_id=updated.party_id,
                        provider_id=updated.provider_id,
                    )
                )
        elif updated.status is engagement.OutboxStatus.DEAD:
            dead += 1
        else:
            retried += 1
    return DrainReport(sent=sent, retried=retried, dead=dead)
