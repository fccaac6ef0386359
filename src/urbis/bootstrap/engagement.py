"""Composition of the engagement and city services adapters: inbound email, notifiers, Open311."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.channels import mail, messaging, smtp, webhooks
from urbis.adapters.db import engagement as db_engagement
from urbis.adapters.db import notifications as db_notifications
from urbis.adapters.db.customer_directory import DbCustomerDirectory
from urbis.application.engagement import operations, ports, queries
from urbis.bootstrap import rules as rules_wiring
from urbis.domain import customers, engagement, identity
from urbis.kernel import errors, ids

Parser = Callable[[bytes], tuple[engagement.InboundMessage, ...]]


def email_receiver(
    *,
    env: ports.EngagementEnv,
    host: str = "127.0.0.1",
    port: int = 2525,
    max_attachment_bytes: int = mail.MAX_ATTACHMENT_BYTES,
) -> smtp.SmtpReceiver:
    """An SMTP server that logs each inbound email on the timeline (or keeps it for review)."""

    def parse(data: bytes) -> tuple[engagement.InboundMessage, ...]:
        return (
            mail.parse_email(
                data=data, received_at=env.clock.now(), max_attachment_bytes=max_attachment_bytes
            ),
        )

    def accept(data: bytes) -> object:
        return operations.accept_payload(
            env=env,
            channel=engagement.InteractionChannel.EMAIL,
            content_type="message/rfc822",
            body=data,
            parse=parse,
        )

    return smtp.SmtpReceiver(
        accept=accept,
        host=host,
        port=port,
        data_size_limit=mail.MAX_MESSAGE_BYTES + 64 * 1024,
    )


def webhook_parsers(
    *, env: ports.EngagementEnv
) -> dict[str, tuple[engagement.InteractionChannel, Parser]]:
    """
    The payload readers per webhook route, for the API to pass to ``accept_payload``:
    ``twilio`` (SMS and WhatsApp form posts), ``whatsapp`` (Cloud API JSON), ``cti`` (calls).
    """

    def twilio(body: bytes) -> tuple[engagement.InboundMessage, ...]:
        return (webhooks.parse_twilio_form(body=body, received_at=env.clock.now()),)

    def whatsapp(body: bytes) -> tuple[engagement.InboundMessage, ...]:
        return webhooks.parse_meta_whatsapp(body=body)

    def cti(body: bytes) -> tuple[engagement.InboundMessage, ...]:
        return (webhooks.parse_cti_event(body=body),)

    return {
        "twilio": (engagement.InteractionChannel.SMS, twilio),
        "whatsapp": (engagement.InteractionChannel.WHATSAPP, whatsapp),
        "cti": (engagement.InteractionChannel.PHONE, cti),
    }


def business_calendar(*, as_at: datetime) -> engagement.BusinessCalendar:
    """Colombia's business days around an instant (last year to next), for legal deadlines."""
    return engagement.colombia_calendar(years=range(as_at.year - 1, as_at.year + 2))


class PublishedCaseRouting:
    """
    The tenant's published ``case_routing`` pack in force on the filing day, read inside the
    caller's transaction and asked by the process's rule engine (ADR 0036).
    """

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def route(
        self, *, tenant_id: ids.TenantId, as_of: date, facts: Mapping[str, Any]
    ) -> ports.Routing | None:
        found = rules_wiring.answer_in_force(
            connection=self._connection,
            tenant_id=tenant_id,
            extension_point="case_routing",
            as_of=as_of,
            facts=facts,
        )
        if found is None:
            return None
        pack, answer = found
        return ports.Routing(
            queue=str(answer["queue"]), priority=int(str(answer["priority"])), by=pack.label
        )


def database_env(
    *, container: bootstrap.App, actor: identity.Actor, connection: sa.Connection
) -> ports.EngagementEnv:
    """
    Engagement's use cases over the database, inside the caller's transaction (``connection``),
    so everything one use case writes commits together or not at all.
    """
    return ports.EngagementEnv(
        tenant_id=actor.tenant_id,
        actor_id=actor.user_id,
        clock=container.clock,
        ids=container.ids,
        directory=DbCustomerDirectory(container.engine),
        interactions=db_engagement.InteractionRepository(connection),
        cases=db_engagement.CaseRepository(connection),
        rejected=db_engagement.RejectedPayloadRepository(connection),
        calendar=business_calendar(as_at=container.clock.now()),
        routing=PublishedCaseRouting(connection),
    )


class _KeptForReview:
    """Knows whether a payload was kept for review during one message's transaction."""

    def __init__(self, inner: ports.RejectedPayloadRepository) -> None:
        self.inner = inner
        self.kept = 0

    def add(self, rejected: ports.RejectedPayload) -> None:
        self.inner.add(rejected)
        self.kept += 1

    def list(self, tenant_id: ids.TenantId) -> Sequence[ports.RejectedPayload]:
        return self.inner.list(tenant_id)

    def get(self, tenant_id: ids.TenantId, payload_id: str) -> ports.RejectedPayload | None:
        return self.inner.get(tenant_id, payload_id)

    def mark_reviewed(self, rejected: ports.RejectedPayload) -> None:
        self.inner.mark_reviewed(rejected)


def database_email_receiver(
    *,
    container: bootstrap.App,
    tenant_code: str,
    host: str = "127.0.0.1",
    port: int = 2525,
    max_attachment_bytes: int = mail.MAX_ATTACHMENT_BYTES,
) -> smtp.SmtpReceiver:
    """
    The inbound email service of one utility: each message is logged on the customer's timeline
    (or queued for an agent to match) in its own transaction; an unreadable one is kept for
    review, committed, and refused to the sender with the error's code.

    :raises NotFound: if no utility has that code.
    """
    with container.uow() as uow:
        tenant = uow.tenants.by_code(tenant_code)
    if tenant is None:
        raise errors.NotFound(f"No utility {tenant_code!r}", details={"tenant": tenant_code})
    actor = identity.Actor(
        user_id=ids.UserId("email:smtp"),
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.AGENT}),
    )

    def accept(data: bytes) -> object:
        failure: errors.DomainError | None = None
        logged: object = ()
        with container.engine.begin() as connection:
            env = database_env(container=container, actor=actor, connection=connection)
            kept = _KeptForReview(env.rejected)
            env = attrs.evolve(env, rejected=kept)
            try:
                logged = operations.accept_payload(
                    env=env,
                    channel=engagement.InteractionChannel.EMAIL,
                    content_type="message/rfc822",
                    body=data,
                    parse=lambda body: (
                        mail.parse_email(
                            data=body,
                            received_at=container.clock.now(),
                            max_attachment_bytes=max_attachment_bytes,
                        ),
                    ),
                )
            except errors.DomainError as exc:
                if not kept.kept:
                    raise
                failure = exc  # keep the raw message: commit, then refuse it
        if failure is not None:
            raise failure
        return logged

    return smtp.SmtpReceiver(
        accept=accept, host=host, port=port, data_size_limit=mail.MAX_MESSAGE_BYTES + 64 * 1024
    )


def notifiers_from_settings(
    *,
    smtp_host: str | None = None,
    smtp_port: int | None = None,
    sender: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[customers.Channel, ports.Notifier]:
    """
    The notifiers this installation has (ADR 0070), from the arguments or the environment:

    - email through the SMTP relay ``URBIS_SMTP_HOST`` / ``URBIS_SMTP_PORT`` /
      ``URBIS_SMTP_FROM`` (default a relay on 127.0.0.1:25);
    - SMS through Twilio's Messages API when ``URBIS_TWILIO_ACCOUNT_SID``,
      ``URBIS_TWILIO_AUTH_TOKEN`` and ``URBIS_SMS_FROM`` are set (``URBIS_TWILIO_URL`` for a
      compatible gateway);
    - WhatsApp through the WhatsApp Business Cloud API when ``URBIS_WHATSAPP_PHONE_NUMBER_ID``
      and ``URBIS_WHATSAPP_TOKEN`` are set (``URBIS_WHATSAPP_URL`` for another Graph API
      version), or else through Twilio when ``URBIS_WHATSAPP_FROM`` and Twilio's credentials are.

    Numbers without a country code get ``URBIS_PHONE_COUNTRY_CODE`` (57 by default). A channel
    with no provider keeps its messages in the outbox until one is configured.
    """
    env = os.environ if environ is None else environ
    host = smtp_host or env.get("URBIS_SMTP_HOST", "127.0.0.1")
    port = smtp_port or int(env.get("URBIS_SMTP_PORT", "25"))
    from_address = sender or env.get("URBIS_SMTP_FROM", "urbis <no-reply@localhost>")
    domain = from_address.rsplit("@", 1)[-1].strip(" >") or "localhost"
    notifiers: dict[customers.Channel, ports.Notifier] = {
        customers.Channel.EMAIL: smtp.SmtpNotifier(
            host=host,
            port=port,
            sender=from_address,
            domain=domain,
            starttls=env.get("URBIS_SMTP_STARTTLS") == "1",
            username=env.get("URBIS_SMTP_USERNAME"),
            password=env.get("URBIS_SMTP_PASSWORD"),
        )
    }
    country = env.get("URBIS_PHONE_COUNTRY_CODE", "57")
    twilio_url = env.get("URBIS_TWILIO_URL", "https://api.twilio.com")
    sid, token = env.get("URBIS_TWILIO_ACCOUNT_SID"), env.get("URBIS_TWILIO_AUTH_TOKEN")

    def twilio(sender: str, *, whatsapp: bool) -> messaging.TwilioMessagesNotifier:
        return messaging.TwilioMessagesNotifier(
            base_url=twilio_url,
            account_sid=sid or "",
            auth_token=token or "",
            sender=sender,
            whatsapp=whatsapp,
            default_country=country,
        )

    if sid and token and env.get("URBIS_SMS_FROM"):
        notifiers[customers.Channel.SMS] = twilio(env["URBIS_SMS_FROM"], whatsapp=False)
    phone_number_id = env.get("URBIS_WHATSAPP_PHONE_NUMBER_ID")
    access = env.get("URBIS_WHATSAPP_TOKEN")
    if phone_number_id and access:
        notifiers[customers.Channel.WHATSAPP] = messaging.WhatsAppCloudNotifier(
            base_url=env.get("URBIS_WHATSAPP_URL", "https://graph.facebook.com/v20.0"),
            phone_number_id=phone_number_id,
            access_token=access,
            default_country=country,
        )
    elif sid and token and env.get("URBIS_WHATSAPP_FROM"):
        notifiers[customers.Channel.WHATSAPP] = twilio(env["URBIS_WHATSAPP_FROM"], whatsapp=True)
    return notifiers


def send_due_notifications(
    *,
    container: bootstrap.App,
    notifiers: Mapping[customers.Channel, ports.Notifier],
    batch: int = 20,
    limit: int = 1000,
) -> operations.DrainReport:
    """
    Send every notification due now, every tenant's, a batch per transaction (so a stopped
    worker loses at most one batch's bookkeeping; a message is sent at least once). Each one
    sent is logged on the customer's timeline.
    """
    sent = retried = dead = 0
    while sent + retried + dead < limit:
        with container.engine.begin() as connection:
            report = operations.drain_outbox(
                outbox=db_notifications.OutboxRepository(connection, channels=frozenset(notifiers)),
                notifiers=notifiers,
                as_at=container.clock.now(),
                limit=min(batch, limit - sent - retried - dead),
                timeline=db_engagement.InteractionRepository(connection),
            )
        sent, retried, dead = sent + report.sent, retried + report.retried, dead + report.dead
        if report.sent + report.retried + report.dead == 0:
            break
    return operations.DrainReport(sent=sent, retried=retried, dead=dead)


@attrs.frozen
class EscalationReport:
    """What one round of escalation did for one utility."""

    tenant: str
    escalated: tuple[engagement.Case, ...]
    at_risk: int  # cases still awaiting an answer that are due soon or overdue


def escalate_cases(
    *, container: bootstrap.App, tenant_code: str | None = None
) -> tuple[EscalationReport, ...]:
    """
    Escalate, for one utility (or every one), each case whose SLA clock calls for it now, in
    one transaction per utility; each escalation is the warning its team sees (ADR 0075).

    :raises NotFound: if no utility has ``tenant_code``.
    """
    with container.uow() as uow:
        if tenant_code is None:
            tenants = list(uow.tenants.list())
        else:
            found = uow.tenants.by_code(tenant_code)
            if found is None:
                raise errors.NotFound(
                    f"No utility {tenant_code!r}", details={"tenant": tenant_code}
                )
            tenants = [found]
    reports = []
    for tenant in tenants:
        actor = identity.Actor(
            user_id=ids.UserId("system"),
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.ADMIN}),
        )
        with container.engine.begin() as connection:
            env = database_env(container=container, actor=actor, connection=connection)
            escalated = operations.escalate_due_cases(env=env)
            at_risk = len(queries.cases_at_risk(env=env))
        reports.append(EscalationReport(tenant=tenant.code, escalated=escalated, at_risk=at_risk))
    return tuple(reports)
